import { describe, expect, it } from 'vitest';
import { declineOverBudget, makeDependencies, makeJob, makeTurn, RECEIVED_AT } from '../turn-fixtures.ts';

describe('declineTurn', () => {
  it('answers with the reason and commits the seq without the message the model never saw', async () => {
    const deps = makeDependencies();
    const job = makeJob(makeTurn({ scopeId: 'console:chan' }), { seq: 2 });
    await declineOverBudget(deps, job);
    expect(deps.channel.events).toEqual([
      { kind: 'finish', text: 'over budget', details: { isError: true } },
    ]);
    expect(await deps.store.count('console:s')).toBe(0);
    expect(await deps.store.committedSeq('console:s')).toBe(2);
    expect(await deps.store.sessionsInScope('console:chan')).toContain('console:s');
    expect(deps.metrics.events).toEqual([['turnDone', 'declined', RECEIVED_AT]]);
    expect(deps.lines).toMatchObject([{ msg: 'declined: daily budget used' }]);
  });

  it('commits when the reason cannot be posted, and retries only the post', async () => {
    const deps = makeDependencies();
    const job = makeJob();
    deps.channel.failFinishes(1);
    await declineOverBudget(deps, job);
    expect(await deps.store.committedSeq('console:s')).toBe(1);
    expect(deps.channel.finishedTexts()).toEqual(['over budget', 'over budget']);
    expect(deps.metrics.events).toEqual([
      ['error', 'platform'],
      ['turnDone', 'declined', RECEIVED_AT],
    ]);
  });
});
