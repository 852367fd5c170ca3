import { describe, expect, it } from 'vitest';
import { ModelError, PreviousResponseLostError } from '../../../../src/app/errors.ts';
import type { CompletionRequest } from '../../../../src/model/model-client.ts';
import { callModel } from '../../../../src/turn/phases/call-model.ts';
import { type ModelStep, SCRIPTED_COST, SCRIPTED_USAGE } from '../scripted-model-client.ts';
import { makeDependencies, makeTurn } from '../turn-fixtures.ts';

const chained: CompletionRequest = {
  messages: [{ role: 'user', content: 'Alice: next' }],
  previousResponseId: 'resp-1',
};
const full: CompletionRequest = {
  messages: [
    { role: 'user', content: 'Alice: first' },
    { role: 'assistant', content: 'ok' },
    { role: 'user', content: 'Alice: next' },
  ],
};

function setUp(steps: ModelStep[]) {
  const deps = makeDependencies({ steps, chainsResponses: true });
  const reply = deps.channel.openReply(makeTurn().target, { previous: [], onPosted: async () => {} });
  let rebuilds = 0;
  const input = {
    request: chained,
    rebuild: async () => {
      rebuilds += 1;
      return full;
    },
    reply,
    log: deps.logger,
    deadline: deps.now() + 120_000,
  };
  return { deps, input, rebuilds: () => rebuilds };
}

describe('callModel', () => {
  it('shows the working indicator, then streams one round and counts the call with its usage', async () => {
    const { deps, input, rebuilds } = setUp([{ text: 'the answer', responseId: 'resp-2' }]);
    const call = await callModel(deps, input);
    expect(call.outcome).toMatchObject({ text: 'the answer', responseId: 'resp-2' });
    expect(call.chainLost).toBe(false);
    expect(deps.channel.events[0]).toEqual({ kind: 'working' });
    expect(deps.channel.events.at(-1)).toEqual({ kind: 'update', text: 'the answer' });
    expect(deps.model.requests).toEqual([chained]);
    expect(rebuilds()).toBe(0);
    // The ticking clock moves 10 ms a read, and the call reads it: the duration covers the whole call.
    expect(deps.metrics.events).toEqual([
      ['modelCall', 'scripted-model', expect.any(Number), SCRIPTED_USAGE, SCRIPTED_COST],
    ]);
    expect(deps.metrics.events[0]![2]).toBeGreaterThan(0);
  });

  it('answers even when the working indicator cannot be shown', async () => {
    const { deps, input } = setUp([{ text: 'still here' }]);
    deps.channel.failWorking();
    expect((await callModel(deps, input)).outcome).toMatchObject({ text: 'still here' });
    expect(deps.lines.some((line) => line.msg === 'could not show the working indicator')).toBe(true);
  });

  it('resends the whole conversation once when the server lost the chain', async () => {
    const { deps, input, rebuilds } = setUp([
      { error: new PreviousResponseLostError('resp-1') },
      { text: 'rebuilt', responseId: 'resp-9' },
    ]);
    const call = await callModel(deps, input);
    expect(call).toMatchObject({ chainLost: true, outcome: { text: 'rebuilt', responseId: 'resp-9' } });
    expect(deps.model.requests).toEqual([chained, full]);
    expect(rebuilds()).toBe(1);
  });

  it('reports the rebuilt call failing, remembering the chain was lost', async () => {
    const rejected = new ModelError('bad request', { isRetryable: false, status: 400 });
    const { deps, input } = setUp([{ error: new PreviousResponseLostError('resp-1') }, { error: rejected }]);
    const call = await callModel(deps, input);
    expect(call).toMatchObject({ chainLost: true, outcome: { error: rejected } });
    expect(deps.metrics.events).toEqual([
      ['modelCall', 'scripted-model', expect.any(Number), undefined, undefined],
      ['error', 'model'],
    ]);
  });

  it('rebuilds only once, even if the rebuilt request is refused the same way', async () => {
    const lostAgain = new PreviousResponseLostError('resp-1');
    const { deps, input, rebuilds } = setUp([
      { error: new PreviousResponseLostError('resp-1') },
      { error: lostAgain },
    ]);
    const call = await callModel(deps, input);
    expect(call).toMatchObject({ chainLost: true, outcome: { error: lostAgain } });
    expect(rebuilds()).toBe(1);
  });

  it('rebuilds when the chained request outgrew the context window, as for a lost chain', async () => {
    const tooLong = new ModelError('context_length_exceeded', {
      isRetryable: false,
      status: 400,
      kind: 'context_length',
    });
    const { deps, input, rebuilds } = setUp([{ error: tooLong }, { text: 'rebuilt', responseId: 'resp-3' }]);
    const call = await callModel(deps, input);
    expect(call).toMatchObject({ chainLost: true, outcome: { text: 'rebuilt', responseId: 'resp-3' } });
    expect(deps.model.requests).toEqual([chained, full]);
    expect(rebuilds()).toBe(1);
  });

  it('does not rebuild a full request that is too long: there is nothing to rebuild it from', async () => {
    const tooLong = new ModelError('too long', { isRetryable: false, status: 400, kind: 'context_length' });
    const { deps, input, rebuilds } = setUp([{ error: tooLong }, { text: 'unused' }]);
    const call = await callModel(deps, { ...input, request: full });
    expect(call).toMatchObject({ chainLost: false, outcome: { error: tooLong } });
    expect(rebuilds()).toBe(0);
  });

  it('does not rebuild for other failures', async () => {
    const rejected = new ModelError('bad request', { isRetryable: false, status: 400 });
    const { deps, input, rebuilds } = setUp([{ error: rejected }, { text: 'unused' }]);
    const call = await callModel(deps, input);
    expect(call).toMatchObject({ chainLost: false, outcome: { error: rejected } });
    expect(rebuilds()).toBe(0);
    expect(deps.model.remaining).toHaveLength(1);
  });

  it('records when the model phase started, after the working indicator', async () => {
    const { deps, input } = setUp([{ text: 'x' }]);
    const before = deps.now();
    const call = await callModel(deps, input);
    expect(call.started).toBe(before + 10);
  });
});
