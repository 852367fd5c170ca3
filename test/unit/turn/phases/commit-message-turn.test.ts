import { describe, expect, it } from 'vitest';
import { toStoredMessage } from '../../../../src/prompt/render-message.ts';
import { commitMessageTurn } from '../../../../src/turn/phases/commit-message-turn.ts';
import type { TurnResult } from '../../../../src/turn/phases/turn-result.ts';
import { counter, makeDependencies, makeJob, makeTurn, RECEIVED_AT } from '../turn-fixtures.ts';

const messages = [
  toStoredMessage({ role: 'user', content: 'hello', author: { id: 'U1', name: 'Alice' }, at: 1 }, counter),
  toStoredMessage({ role: 'assistant', content: 'hi', at: 2 }, counter),
];
const answered: TurnResult = {
  outcome: 'answered',
  text: 'hi',
  details: { isError: false },
  messages,
  usage: { promptTokens: 30, completionTokens: 4, costUsd: 0.25 },
  responseId: 'resp-7',
};

describe('commitMessageTurn', () => {
  it('stores the messages, usage and response chain under the seq, then counts and logs the outcome', async () => {
    const deps = makeDependencies();
    const job = makeJob(makeTurn({ scopeId: 'console:chan' }), { seq: 4 });
    const applied = await commitMessageTurn(deps, job, {
      result: answered,
      modelStarted: deps.now() - 100,
      log: deps.logger,
    });
    expect(applied).toBe(true);
    expect(await deps.store.load('console:s')).toEqual(messages);
    const meta = await deps.store.getMeta('console:s');
    expect(meta).toMatchObject({
      responseId: 'resp-7',
      usage: { promptTokens: 30, completionTokens: 4, calls: 1 },
    });
    expect(await deps.store.committedSeq('console:s')).toBe(4);
    expect(await deps.store.sessionsInScope('console:chan')).toContain('console:s');
    expect(deps.metrics.events).toEqual([['turnDone', 'answered', RECEIVED_AT]]);
    expect(deps.lines).toMatchObject([
      { msg: 'turn done', outcome: 'answered', promptTokens: 30, completionTokens: 4, modelMs: 110 },
    ]);
  });

  it('drops the chain when the result says so, and commits a seq only once', async () => {
    const deps = makeDependencies();
    await deps.store.setMeta('console:s', { responseId: 'resp-old' });
    const failed: TurnResult = { ...answered, outcome: 'model_error', usage: undefined, responseId: null };
    const commit = () =>
      commitMessageTurn(deps, makeJob(), { result: failed, modelStarted: 0, log: deps.logger });
    expect(await commit()).toBe(true);
    expect(await commit()).toBe(false);
    const meta = await deps.store.getMeta('console:s');
    expect(meta.responseId).toBeUndefined();
    expect(meta.usage.calls).toBe(0);
    expect(await deps.store.count('console:s')).toBe(2);
    // The replay is neither counted nor logged as a second turn.
    expect(deps.metrics.events).toEqual([['turnDone', 'model_error', RECEIVED_AT]]);
    expect(deps.lines.map((line) => line.msg)).toEqual([
      'turn done',
      'the turn was already committed by another run; its usage is not counted again',
    ]);
  });
});
