import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelError, type ModelErrorKind } from '../../src/app/errors.ts';
import { describeModelError } from '../../src/model/describe-model-error.ts';
import { KIND_OF_CAUSE, runReplay } from '../fakes/provider-replay-run.ts';
import {
  loadProviderFixtures,
  type ProviderReplay,
  startProviderReplay,
} from '../fakes/provider-replay-server.ts';

// Every recorded provider failure (shared/fixtures/provider-replay) — HTTP error bodies and errors inside a 200
// stream — served byte for byte to the real chat-completions client, and what the user learns: the error's kind
// (checked against the manifest's own `expect.cause`), whether it is retried, the server's message, and the
// sentence `describeModelError` makes of it. The non-streamed bodies are accounted for too.

const fixtures = await loadProviderFixtures();
const byId = new Map(fixtures.map((fixture) => [fixture.id, fixture]));
const NOT_SERVED = fixtures.filter((fixture) => fixture.kind === 'json').map((fixture) => fixture.id);

interface Failure {
  kind: ModelErrorKind;
  isRetryable: boolean;
  status?: number;
  retryAfterSeconds?: number;
  /** Requests the client sent (the SDK retries a retryable status once here). */
  requests?: number;
  /** Text the user saw stream in before the failure. */
  shown?: string;
  /** A piece of the server's own message, as `serverMessage` keeps it. */
  said: string;
  /** What `describeModelError` tells an end user. */
  sentence: string;
}

const UNAVAILABLE = 'The model endpoint is not responding properly right now.';
const REJECTED_KEY = 'The model endpoint rejected the API key.';
const TOO_LONG = 'This conversation is longer than the model accepts.';
const RATE_LIMITED = 'The model endpoint is rate-limiting requests.';

const FAILURES: Record<string, Failure> = {
  'openai-midstream-server-error': {
    kind: 'unavailable',
    isRetryable: true,
    shown: 'The question "',
    said: 'The server had an error while processing your request',
    sentence: UNAVAILABLE,
  },
  'openrouter-midstream-error': {
    kind: 'unavailable',
    isRetryable: true,
    shown: '',
    said: 'Provider disconnected unexpectedly',
    sentence: UNAVAILABLE,
  },
  'openrouter-midstream-rate-limit': {
    kind: 'rate_limit',
    isRetryable: true,
    shown: '',
    said: 'Rate limit exceeded',
    sentence: RATE_LIMITED,
  },
  'azure-content-filter-finish': {
    kind: 'content_filter',
    isRetryable: false,
    shown: 'Hey Jude,',
    said: 'protected_material_text',
    sentence: 'The provider filtered this answer.',
  },
  'openai-401-invalid-api-key': {
    kind: 'auth',
    isRetryable: false,
    status: 401,
    requests: 1,
    said: 'Incorrect API key provided: [redacted]',
    sentence: REJECTED_KEY,
  },
  'openai-400-context-length-exceeded': {
    kind: 'context_length',
    isRetryable: false,
    status: 400,
    requests: 1,
    said: 'Input tokens exceed the configured limit of 272000 tokens',
    sentence: TOO_LONG,
  },
  'openai-429-insufficient-quota': {
    // A 429, but a billing problem: not retried, neither by the SDK nor by the queue.
    kind: 'quota',
    isRetryable: false,
    status: 429,
    requests: 1,
    said: 'You exceeded your current quota',
    sentence: 'The account at the model provider is out of credit.',
  },
  'groq-429-tpm-retry-after': {
    // retry-after: 2 is past this client's 1 s cap, so the SDK hands it back at once, with the wait.
    kind: 'rate_limit',
    isRetryable: true,
    status: 429,
    retryAfterSeconds: 2,
    requests: 1,
    said: 'on tokens per minute (TPM)',
    sentence: `${RATE_LIMITED.slice(0, -1)} and asked to wait 2 s.`,
  },
  'azure-401-invalid-subscription-key': {
    kind: 'auth',
    isRetryable: false,
    status: 401,
    requests: 1,
    said: 'invalid subscription key or wrong API endpoint',
    sentence: REJECTED_KEY,
  },
  'azure-404-deployment-not-found': {
    kind: 'model_not_found',
    isRetryable: false,
    status: 404,
    requests: 1,
    said: 'The API deployment for this resource does not exist',
    sentence: 'Model gpt-4o is not on that server.',
  },
  'azure-429-token-rate-limit': {
    kind: 'rate_limit',
    isRetryable: true,
    status: 429,
    requests: 2,
    said: 'Please retry after 86400 seconds',
    sentence: RATE_LIMITED,
  },
  'ollama-404-model-not-pulled': {
    kind: 'model_not_found',
    isRetryable: false,
    status: 404,
    requests: 1,
    said: 'try pulling it first',
    sentence: 'Model llama3.2 is not on that server; pull it first (ollama pull llama3.2).',
  },
  'vllm-404-model-top-level-error': {
    // The bare error object used to be read as "404 status code (no body)".
    kind: 'model_not_found',
    isRetryable: false,
    status: 404,
    requests: 1,
    said: 'The model `Qwen1.5-14B-Chat-GPTQ-Int8` does not exist.',
    sentence: 'Model Qwen1.5-14B-Chat-GPTQ-Int8 is not on that server.',
  },
  'vllm-404-model-wrapped': {
    kind: 'model_not_found',
    isRetryable: false,
    status: 404,
    requests: 1,
    said: 'does not exist',
    sentence: 'Model not-a-served-model is not on that server.',
  },
  'vllm-400-context-length': {
    kind: 'context_length',
    isRetryable: false,
    status: 400,
    requests: 1,
    said: "This model's maximum context length is 6048 tokens",
    sentence: TOO_LONG,
  },
  'llamacpp-400-exceed-context-size': {
    kind: 'context_length',
    isRetryable: false,
    status: 400,
    requests: 1,
    said: 'the request exceeds the available context size',
    sentence: TOO_LONG,
  },
  'deepseek-401-authentication-fails': {
    kind: 'auth',
    isRetryable: false,
    status: 401,
    requests: 1,
    said: 'Authentication Fails',
    sentence: REJECTED_KEY,
  },
};

describe('every provider failure, through the chat-completions client', () => {
  let replay: ProviderReplay;
  beforeAll(async () => {
    replay = await startProviderReplay({ chunkBytes: 509 });
  });
  afterAll(async () => {
    await replay.close();
  });

  it('has an expected outcome for every failing fixture in the manifest', () => {
    const failing = fixtures.filter(
      (fixture) => fixture.kind === 'stream-error' || fixture.kind === 'http-error',
    );
    expect(Object.keys(FAILURES).sort()).toEqual(failing.map((fixture) => fixture.id).sort());
    expect(NOT_SERVED).toHaveLength(4);
  });

  it.each(Object.keys(FAILURES))('%s: the user learns the cause', async (id) => {
    const fixture = byId.get(id)!;
    const expected = FAILURES[id]!;
    const { outcome, deltas } = await runReplay(replay, fixture);
    if (!('error' in outcome)) throw new Error(`expected ${id} to fail, got "${outcome.result.text}"`);
    const error = outcome.error as ModelError;

    expect(error).toBeInstanceOf(ModelError);
    expect(error.kind).toBe(KIND_OF_CAUSE[fixture.expect!.cause]);
    expect(error).toMatchObject({
      kind: expected.kind,
      isRetryable: expected.isRetryable,
      status: expected.status,
    });
    expect(error.retryAfterSeconds).toBe(expected.retryAfterSeconds);
    expect(error.serverMessage).toContain(expected.said);
    expect(error.model).toBe(fixture.model);
    expect(error.endpoint).toBe(replay.url);
    if (expected.shown !== undefined) expect(deltas.join('')).toBe(expected.shown);
    if (expected.requests !== undefined) expect(replay.requests).toHaveLength(expected.requests);

    expect(describeModelError(error, { operator: false })).toBe(expected.sentence);
    const forOperator = describeModelError(error, { operator: true });
    expect(forOperator.startsWith(expected.sentence)).toBe(true);
    expect(forOperator).toContain(expected.said);
    expect(forOperator).toContain(replay.url);
  });

  it.each(NOT_SERVED)('%s: is never asked for, because every request streams', async (id) => {
    const { outcome } = await runReplay(replay, byId.get(id)!);
    expect('error' in outcome).toBe(true);
    expect(replay.requests).toHaveLength(1);
    expect(replay.requests[0]).toMatchObject({ served: false, body: { stream: true } });
  });
});
