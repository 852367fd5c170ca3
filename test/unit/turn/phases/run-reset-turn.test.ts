import { describe, expect, it } from 'vitest';
import { toStoredMessage } from '../../../../src/prompt/render-message.ts';
import { runResetTurn } from '../../../../src/turn/phases/run-reset-turn.ts';
import { counter, makeDependencies, makeJob, makeTurn, RECEIVED_AT } from '../turn-fixtures.ts';

describe('runResetTurn', () => {
  it('clears history and summary in turn order, keeping usage and persona', async () => {
    const deps = makeDependencies();
    await deps.store.commitTurn('console:s', {
      seq: 1,
      messages: [toStoredMessage({ role: 'user', content: 'remember me', at: 1 }, counter)],
      usage: { promptTokens: 5, completionTokens: 1, costUsd: null },
    });
    await deps.store.setMeta('console:s', { summary: 'old', persona: 'pirate' });
    await runResetTurn(deps, makeJob(makeTurn({ kind: 'reset', text: '' }), { seq: 2 }), deps.logger);
    expect(await deps.store.count('console:s')).toBe(0);
    const meta = await deps.store.getMeta('console:s');
    expect(meta).toMatchObject({ persona: 'pirate', usage: { calls: 1 } });
    expect(meta.summary).toBeUndefined();
    expect(await deps.store.committedSeq('console:s')).toBe(2);
    expect(deps.metrics.events).toEqual([['turnDone', 'reset', RECEIVED_AT]]);
    expect(deps.lines).toMatchObject([{ msg: 'session reset' }]);
    expect(deps.channel.events).toEqual([]);
  });

  it('does not count a reset that another run already committed', async () => {
    const deps = makeDependencies();
    const job = makeJob(makeTurn({ kind: 'reset', text: '' }));
    await runResetTurn(deps, job, deps.logger);
    await runResetTurn(deps, job, deps.logger);
    expect(deps.metrics.events).toEqual([['turnDone', 'reset', RECEIVED_AT]]);
    expect(deps.lines.map((line) => line.msg)).toEqual([
      'session reset',
      'the reset was already committed by another run',
    ]);
  });
});
