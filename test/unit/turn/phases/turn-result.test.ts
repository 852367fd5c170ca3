import { describe, expect, it } from 'vitest';
import { ModelError } from '../../../../src/app/errors.ts';
import type { ModelCall } from '../../../../src/turn/phases/call-model.ts';
import { pendingMessages } from '../../../../src/turn/phases/load-turn.ts';
import { modelFailureText, toTurnResult, whenToTryAgain } from '../../../../src/turn/phases/turn-result.ts';
import { counter, makeDependencies, makeTurn } from '../turn-fixtures.ts';

const answered: ModelCall = {
  outcome: {
    text: 'Hi Alice',
    usage: { promptTokens: 40, completionTokens: 5 },
    costUsd: null,
    model: 'm',
    finishReason: 'stop',
    responseId: 'resp-2',
  },
  chainLost: false,
  started: 0,
};
const failed = (chainLost: boolean): ModelCall => ({
  outcome: { error: new ModelError('down', { isRetryable: true, status: 503 }) },
  chainLost,
  started: 0,
});
const context = [{ author: { id: 'U2', name: 'Bob' }, fromBot: false, text: 'earlier', at: 1 }];

describe('toTurnResult', () => {
  it('commits the seeded context, the message and the answer, timed and counted, with usage and chain', async () => {
    const deps = makeDependencies({ overrides: { now: () => 42 } });
    const pending = await pendingMessages(deps, makeTurn({ context }));
    const result = toTurnResult(deps, pending, answered);
    expect(result).toMatchObject({
      outcome: 'answered',
      text: 'Hi Alice',
      details: { isError: false, usage: { promptTokens: 40, completionTokens: 5 }, costUsd: null },
      usage: { promptTokens: 40, completionTokens: 5, costUsd: null },
      responseId: 'resp-2',
    });
    expect(result.messages).toEqual([
      ...pending.seeded,
      pending.userMessage,
      {
        role: 'assistant',
        content: 'Hi Alice',
        at: 42,
        tokens: counter.messageTokens({ role: 'assistant', content: 'Hi Alice' }),
      },
    ]);
  });

  it('keeps the message without a reply or usage after a model failure, and the chain as it was', async () => {
    const deps = makeDependencies();
    const pending = await pendingMessages(deps, makeTurn());
    const result = toTurnResult(deps, pending, failed(false));
    expect(result).toEqual({
      outcome: 'model_error',
      text: modelFailureText(new ModelError('down', { isRetryable: true })),
      details: { isError: true },
      messages: [pending.userMessage],
      usage: undefined,
      responseId: undefined,
    });
  });

  it('drops a chain the server lost when even the rebuilt call failed', async () => {
    const deps = makeDependencies();
    const result = toTurnResult(deps, await pendingMessages(deps, makeTurn()), failed(true));
    expect(result.responseId).toBeNull();
  });

  it('drops the old chain after a rebuild whose answer brought no response id of its own', async () => {
    const deps = makeDependencies();
    const rebuilt: ModelCall = {
      ...answered,
      outcome: { ...answered.outcome, responseId: undefined } as ModelCall['outcome'],
      chainLost: true,
    };
    const result = toTurnResult(deps, await pendingMessages(deps, makeTurn()), rebuilt);
    expect(result.responseId).toBeNull();
  });
});

describe('modelFailureText', () => {
  it('tells rate limits, outages, rejections and the unexpected apart', () => {
    expect(modelFailureText(new ModelError('x', { isRetryable: true, status: 429 }))).toContain(
      'rate-limited',
    );
    expect(modelFailureText(new ModelError('x', { isRetryable: true, status: 502 }))).toContain(
      'not responding',
    );
    expect(modelFailureText(new ModelError('x', { isRetryable: false, status: 401 }))).toBe(
      '⚠️ The model endpoint rejected the API key. I could not answer; an operator may need to check the configuration.',
    );
    expect(modelFailureText(new ModelError('x', { isRetryable: false, status: 400 }))).toContain(
      'rejected the request (HTTP 400).',
    );
    expect(
      modelFailureText(new ModelError('x', { isRetryable: false, status: 429, kind: 'quota' })),
    ).toContain('out of credit or over its quota');
    expect(modelFailureText(new Error('boom'))).toBe(
      '⚠️ Something went wrong while answering. Please try again.',
    );
  });
});

describe('modelFailureText for an operator', () => {
  const missing = new ModelError('404', {
    isRetryable: false,
    status: 404,
    kind: 'model_not_found',
    model: 'llama9',
    serverMessage: 'model "llama9" not found, try pulling it first',
    endpoint: 'http://127.0.0.1:11434/v1',
  });

  it("names the cause to everyone, and adds the server's words and the endpoint for an operator", () => {
    const cause = 'Model llama9 is not on that server; pull it first (ollama pull llama9).';
    expect(modelFailureText(missing)).toBe(
      `⚠️ ${cause} I could not answer; an operator may need to check the configuration.`,
    );
    expect(modelFailureText(missing, { operator: true })).toBe(
      `⚠️ ${cause} I could not answer; an operator may need to check the configuration. ` +
        'The server said: "model "llama9" not found, try pulling it first" Endpoint: http://127.0.0.1:11434/v1',
    );
  });

  it('keeps the rate-limit wording, with the details after it', () => {
    const limited = new ModelError('429', {
      isRetryable: true,
      status: 429,
      retryAfterSeconds: 1_200,
      serverMessage: 'slow down',
    });
    expect(modelFailureText(limited, { operator: true })).toBe(
      '⚠️ The model is rate-limited right now and could not answer. Please try again in about 20 minutes. ' +
        'The server said: "slow down"',
    );
  });

  it('tells the operator of a console turn through the turn result', async () => {
    const deps = makeDependencies();
    const pending = await pendingMessages(deps, makeTurn());
    const call: ModelCall = { outcome: { error: missing }, chainLost: false, started: 0 };
    expect(toTurnResult(deps, pending, call, { operator: true }).text).toContain('The server said');
    expect(toTurnResult(deps, pending, call).text).not.toContain('The server said');
  });
});

describe('modelFailureText for a rate limit', () => {
  it("says when to try again, from the endpoint's retry-after", () => {
    const limited = (retryAfterSeconds?: number) =>
      modelFailureText(new ModelError('x', { isRetryable: true, status: 429, retryAfterSeconds }));
    expect(limited(20 * 60)).toContain('Please try again in about 20 minutes.');
    expect(limited(1)).toContain('Please try again in a minute.');
    expect(limited()).toContain('Please try again in a minute.');
  });
});

describe('whenToTryAgain', () => {
  it('rounds up to minutes within the hour, then to hours', () => {
    expect([30, 61, 119, 1_200, 3_600, 5_400, 7_200, 10_000].map(whenToTryAgain)).toEqual([
      'in a minute',
      'in about 2 minutes',
      'in about 2 minutes',
      'in about 20 minutes',
      'in about 1 hour',
      'in about 2 hours',
      'in about 2 hours',
      'in about 3 hours',
    ]);
  });
});
