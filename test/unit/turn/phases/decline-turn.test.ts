import { describe, expect, it } from 'vitest';
import { declineTurn } from '../../../../src/turn/phases/decline-turn.ts';
import { makeDependencies, makeJob, makeTurn, RECEIVED_AT } from '../turn-fixtures.ts';

describe('declineTurn', () => {
  it('answers with the reason and commits the seq without the message the model never saw', async () => {
    const deps = makeDependencies();
    const job = makeJob(makeTurn({ scopeId: 'console:chan' }), { seq: 2 });
    const reply = deps.channel.openReply(job.turn.target, { previous: [], onPosted: async () => {} });
    await declineTurn(deps, job, { reply, text: 'over budget', log: deps.logger });
    expect(deps.channel.events).toEqual([
      { kind: 'finish', text: 'over budget', details: { isError: true } },
    ]);
    expect(await deps.store.count('console:s')).toBe(0);
    expect(await deps.store.committedSeq('console:s')).toBe(2);
    expect(await deps.store.sessionsInScope('console:chan')).toContain('console:s');
    expect(deps.metrics.events).toEqual([['turnDone', 'declined', RECEIVED_AT]]);
    expect(deps.lines).toMatchObject([{ msg: 'declined: daily budget used' }]);
  });

  it('does not commit when the reason cannot be posted, so the turn runs again', async () => {
    const deps = makeDependencies();
    const job = makeJob();
    const reply = deps.channel.openReply(job.turn.target, { previous: [], onPosted: async () => {} });
    deps.channel.failFinishes(1);
    await expect(declineTurn(deps, job, { reply, text: 'over budget', log: deps.logger })).rejects.toThrow();
    expect(await deps.store.committedSeq('console:s')).toBe(0);
  });
});
