import { describe, expect, it } from 'vitest';
import { ModelError, PreviousResponseLostError } from '../../../../src/app/errors.ts';
import { GIVE_UP_TEXT } from '../../../../src/turn/phases/give-up-turn.ts';
import { runMessageTurn } from '../../../../src/turn/phases/run-message-turn.ts';
import { makeDependencies, makeJob, makeTurn, RECEIVED_AT } from '../turn-fixtures.ts';

describe('runMessageTurn', () => {
  it('answers: request, streamed reply, commit, then usage in the ledger', async () => {
    const deps = makeDependencies({ steps: [{ text: 'Hello Alice' }] });
    await runMessageTurn(deps, makeJob(), deps.logger);
    expect(deps.model.requests[0]!.messages.at(-1)).toEqual({ role: 'user', content: 'Alice: hello there' });
    expect(deps.channel.finishedTexts()).toEqual(['Hello Alice']);
    expect((await deps.store.load('console:s')).map((message) => message.content)).toEqual([
      'hello there',
      'Hello Alice',
    ]);
    const report = await deps.ledger.read({ scopeId: 'console:s', userId: 'U1', at: deps.now() });
    expect(report.scope.total.calls).toBe(1);
    expect(deps.metrics.events.map(([name, outcome]) => (name === 'turnDone' ? outcome : name))).toEqual([
      'modelCall',
      'answered',
    ]);
  });

  it('reports a model failure and commits the message alone', async () => {
    const rejected = new ModelError('bad', { isRetryable: false, status: 400 });
    const deps = makeDependencies({ steps: [{ error: rejected }] });
    await runMessageTurn(deps, makeJob(), deps.logger);
    expect(deps.channel.finishedTexts()[0]).toContain('HTTP 400');
    expect((await deps.store.load('console:s')).map((message) => message.role)).toEqual(['user']);
    expect(
      (await deps.ledger.read({ scopeId: 'console:s', userId: 'U1', at: deps.now() })).scope.total.calls,
    ).toBe(0);
  });

  it('gives up on a turn past its last run without calling the model', async () => {
    const deps = makeDependencies({ steps: [{ text: 'never' }] });
    await runMessageTurn(deps, makeJob(makeTurn(), { attempt: 4, maxAttempts: 3 }), deps.logger);
    expect(deps.model.requests).toHaveLength(0);
    expect(deps.channel.finishedTexts()).toEqual([GIVE_UP_TEXT]);
    expect(await deps.store.count('console:s')).toBe(1);
  });

  it('declines a turn past its budget without calling the model', async () => {
    const deps = makeDependencies({
      steps: [{ text: 'never' }],
      overrides: { budgets: { perChannelDaily: 0 } },
    });
    await runMessageTurn(deps, makeJob(), deps.logger);
    expect(deps.model.requests).toHaveLength(0);
    expect(deps.channel.finishedTexts()[0]).toMatch(/^This channel has used today's budget/);
    expect(await deps.store.count('console:s')).toBe(0);
    expect(deps.metrics.events).toEqual([['turnDone', 'declined', RECEIVED_AT]]);
  });

  it('continues the response chain, and rebuilds it from the transcript when the server lost it', async () => {
    const deps = makeDependencies({
      chainsResponses: true,
      steps: [
        { text: 'first', responseId: 'resp-1' },
        { error: new PreviousResponseLostError('resp-1') },
        { text: 'second', responseId: 'resp-2' },
      ],
    });
    await runMessageTurn(deps, makeJob(), deps.logger);
    await runMessageTurn(deps, makeJob(makeTurn({ text: 'again' }), { seq: 2 }), deps.logger);
    expect(
      deps.model.requests.map((request) => [request.previousResponseId, request.messages.length]),
    ).toEqual([
      [undefined, 2],
      ['resp-1', 2],
      [undefined, 4],
    ]);
    expect((await deps.store.getMeta('console:s')).responseId).toBe('resp-2');
  });

  it('throws before committing when the reply cannot be posted, except on the last run', async () => {
    const deps = makeDependencies({ steps: [{ text: 'one' }, { text: 'two' }] });
    deps.channel.failFinishes(2);
    await expect(runMessageTurn(deps, makeJob(), deps.logger)).rejects.toThrow('platform down');
    expect(await deps.store.committedSeq('console:s')).toBe(0);
    await runMessageTurn(deps, makeJob(makeTurn(), { attempt: 3 }), deps.logger);
    expect(await deps.store.count('console:s')).toBe(2);
  });
});
