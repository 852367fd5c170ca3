import { describe, expect, it } from 'vitest';
import { GIVE_UP_TEXT, giveUpTurn } from '../../../../src/turn/phases/give-up-turn.ts';
import { pendingMessages } from '../../../../src/turn/phases/load-turn.ts';
import { makeDependencies, makeJob, makeTurn, RECEIVED_AT } from '../turn-fixtures.ts';

async function setUp() {
  const deps = makeDependencies();
  const turn = makeTurn({
    scopeId: 'console:chan',
    context: [{ author: { id: 'U2', name: 'Bob' }, fromBot: false, text: 'earlier', at: 1 }],
  });
  const job = makeJob(turn, { attempt: 4, maxAttempts: 3 });
  const pending = await pendingMessages(deps, turn);
  const reply = deps.channel.openReply(turn.target, { previous: [], onPosted: async () => {} });
  return { deps, job, pending, reply };
}

describe('giveUpTurn', () => {
  it('tells the user and commits the message (with its context) without a reply', async () => {
    const { deps, job, pending, reply } = await setUp();
    await giveUpTurn(deps, job, { reply, pending, log: deps.logger });
    expect(deps.channel.events).toEqual([{ kind: 'finish', text: GIVE_UP_TEXT, details: { isError: true } }]);
    expect(await deps.store.load('console:s')).toEqual([...pending.seeded, pending.userMessage]);
    expect(await deps.store.committedSeq('console:s')).toBe(1);
    expect(await deps.store.sessionsInScope('console:chan')).toContain('console:s');
    expect(deps.metrics.events).toEqual([['turnDone', 'gave_up', RECEIVED_AT]]);
    expect(deps.lines[0]).toMatchObject({ msg: 'giving up on a turn that keeps failing', attempt: 4 });
    expect(deps.model.requests).toHaveLength(0);
  });

  it('settles the turn even when the platform cannot be told', async () => {
    const { deps, job, pending, reply } = await setUp();
    deps.channel.failFinishes(1);
    await giveUpTurn(deps, job, { reply, pending, log: deps.logger });
    expect(await deps.store.committedSeq('console:s')).toBe(1);
    expect(deps.lines.map((line) => line.msg)).toContain('could not report the skipped turn');
  });
});
