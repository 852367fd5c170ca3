import { describe, expect, it } from 'vitest';
import { ModelError, PlatformError, PreviousResponseLostError } from '../../../../src/app/errors.ts';
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

  it("stores the message's platform id, and with the answer the messages showing it", async () => {
    const deps = makeDependencies({ posts: true, steps: [{ text: 'Hello Alice' }] });
    await runMessageTurn(deps, makeJob(makeTurn({ messageRef: '1700.01' })), deps.logger);
    expect(await deps.store.load('console:s')).toMatchObject([
      { role: 'user', content: 'hello there', ref: '1700.01' },
      { role: 'assistant', content: 'Hello Alice', replies: [{ channelId: 'c', messageId: 'm1' }] },
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

  it('declines a turn past its budget without calling the model', async () => {
    const deps = makeDependencies({
      steps: [{ text: 'never' }],
      overrides: { budgets: { perChannelDaily: 0 } },
    });
    await runMessageTurn(deps, makeJob(), deps.logger);
    expect(deps.model.requests).toHaveLength(0);
    expect(deps.channel.finishedTexts()[0]).toMatch(/^This conversation has used today's budget/);
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

  it('keeps the answer when its post fails: one model call, committed, and only the post retried', async () => {
    const deps = makeDependencies({ steps: [{ text: 'one' }, { text: 'two' }] });
    deps.channel.failFinishes(2);
    await runMessageTurn(deps, makeJob(), deps.logger);
    expect(deps.model.requests).toHaveLength(1);
    expect(deps.channel.finishedTexts()).toEqual(['one', 'one', 'one']);
    // Each retry reopens the reply over what it posted, so it edits rather than posting again.
    expect(deps.channel.opened).toHaveLength(3);
    expect((await deps.store.load('console:s')).map((message) => message.content)).toEqual([
      'hello there',
      'one',
    ]);
    const report = await deps.ledger.read({ scopeId: 'console:s', userId: 'U1', at: deps.now() });
    expect(report.scope.total.calls).toBe(1);
    expect(deps.waits).toHaveLength(2);
  });

  it('commits without retrying a post the platform refuses for good', async () => {
    const deps = makeDependencies({ steps: [{ text: 'unseen' }] });
    deps.channel.failFinishes(
      1,
      new PlatformError('discord', 'HTTP 403, code 50013', { isRetryable: false }),
    );
    await runMessageTurn(deps, makeJob(), deps.logger);
    expect(deps.channel.finishedTexts()).toEqual(['unseen']);
    expect(await deps.store.count('console:s')).toBe(2);
    expect(deps.metrics.events).toContainEqual(['error', 'platform']);
    expect(deps.metrics.events).toContainEqual(['turnDone', 'answered', RECEIVED_AT]);
  });

  it('refuses a platform this worker does not serve before reading or asking anything', async () => {
    const deps = makeDependencies({ steps: [{ text: 'never' }], overrides: { replyChannels: {} } });
    await expect(runMessageTurn(deps, makeJob(), deps.logger)).rejects.toThrow('no reply channel');
    expect(deps.model.requests).toHaveLength(0);
    expect(await deps.store.committedSeq('console:s')).toBe(0);
  });

  it('drops a chain that outgrew the context window, so the next turn sends the whole conversation', async () => {
    const tooLong = new ModelError('context_length_exceeded', {
      isRetryable: false,
      status: 400,
      kind: 'context_length',
    });
    const rejected = new ModelError('bad', { isRetryable: false, status: 400 });
    const deps = makeDependencies({
      chainsResponses: true,
      steps: [
        { text: 'first', responseId: 'resp-1' },
        { error: tooLong },
        { error: rejected },
        { text: 'third' },
      ],
    });
    await runMessageTurn(deps, makeJob(), deps.logger);
    await runMessageTurn(deps, makeJob(makeTurn({ text: 'again' }), { seq: 2 }), deps.logger);
    expect((await deps.store.getMeta('console:s')).responseId).toBeUndefined();
    await runMessageTurn(deps, makeJob(makeTurn({ text: 'and again' }), { seq: 3 }), deps.logger);
    expect(deps.model.requests.map((request) => request.previousResponseId)).toEqual([
      undefined,
      'resp-1',
      undefined,
      undefined,
    ]);
    expect(deps.channel.finishedTexts().at(-1)).toBe('third');
  });

  it('records usage and summarizes only for a commit that was applied, not for a replay', async () => {
    const deps = makeDependencies({
      steps: [{ text: 'answer' }, { text: 'summary' }],
      overrides: { summary: { threshold: 0 } },
    });
    // Another run of the same turn committed it while this one was answering.
    await deps.store.commitTurn('console:s', { seq: 1, messages: [] });
    await runMessageTurn(deps, makeJob(), deps.logger);
    const report = await deps.ledger.read({ scopeId: 'console:s', userId: 'U1', at: deps.now() });
    expect(report.scope.total.calls).toBe(0);
    expect(deps.model.requests).toHaveLength(1);
    expect(deps.metrics.events.filter(([name]) => name === 'turnDone')).toEqual([]);
  });

  it('skips the rolling summary after a failed model call', async () => {
    const down = new ModelError('down', { isRetryable: false, status: 500 });
    const deps = makeDependencies({
      steps: [{ error: down }, { text: 'summary' }],
      overrides: { summary: { threshold: 0 } },
    });
    await runMessageTurn(deps, makeJob(), deps.logger);
    expect(deps.model.requests).toHaveLength(1);
  });

  it('tells the user when to try again when a rate limit outlasts the deadline', async () => {
    const limited = new ModelError('slow down', { isRetryable: true, status: 429, retryAfterSeconds: 1_200 });
    const deps = makeDependencies({ steps: [{ error: limited }, { text: 'never' }] });
    await runMessageTurn(deps, makeJob(), deps.logger);
    expect(deps.model.requests).toHaveLength(1);
    // The fixture turns come from the terminal, whose user is the operator: the error's own words follow.
    expect(deps.channel.finishedTexts()).toEqual([
      '⚠️ The model is rate-limited right now and could not answer. Please try again in about 20 minutes. Detail: slow down',
    ]);
  });
});
