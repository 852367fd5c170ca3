import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelError, PreviousResponseLostError } from '../../src/app/errors.ts';
import { describeModelError } from '../../src/model/describe-model-error.ts';
import { createOpenAIResponsesModelClient } from '../../src/model/openai-responses-model-client.ts';
import { ResponseChainTooLongError } from '../../src/model/response-chain-too-long-error.ts';
import { KIND_OF_CAUSE } from '../fakes/provider-replay-run.ts';
import {
  type LoadedFixture,
  loadProviderFixtures,
  type ProviderReplay,
  startProviderReplay,
} from '../fakes/provider-replay-server.ts';
import { failure } from '../helpers/model-failure.ts';

// The recorded HTTP error bodies, served on /v1/responses to the Responses API client: a server sends the same
// error on every route that takes `model`, so the same causes must come out. And what a context-length error
// means on a chained request: the server's chain, not the local transcript, is too long.

const fixtures = await loadProviderFixtures();
const httpErrors = fixtures.filter((fixture) => fixture.kind === 'http-error');
const byId = new Map(fixtures.map((fixture) => [fixture.id, fixture]));
const messages = [
  { role: 'system' as const, content: 'You are terse.' },
  { role: 'user' as const, content: 'Alice: and now?' },
];

describe('provider error fixtures through the Responses API client', () => {
  let replay: ProviderReplay;
  beforeAll(async () => {
    replay = await startProviderReplay();
  });
  afterAll(async () => {
    await replay.close();
  });

  const client = (fixture: LoadedFixture) =>
    createOpenAIResponsesModelClient({
      baseUrl: replay.url,
      model: fixture.model,
      maxReplyTokens: 100,
      timeoutMs: 5_000,
      maxRetries: 0,
    });

  it('covers the HTTP error fixtures', () => {
    expect(httpErrors.length).toBeGreaterThanOrEqual(13);
  });

  it.each(httpErrors.map((fixture) => fixture.id))(
    '%s: names the same cause as on chat completions',
    async (id) => {
      const fixture = byId.get(id)!;
      replay.serve(fixture);
      const error = await failure(client(fixture).complete({ messages }));
      expect(replay.requests[0]).toMatchObject({ path: '/v1/responses', served: true });
      expect(error).not.toBeInstanceOf(PreviousResponseLostError);
      expect(error.kind).toBe(KIND_OF_CAUSE[fixture.expect!.cause]);
      expect(error.status).toBe(fixture.status);
      expect(error.serverMessage).toBeTruthy();
      // Unchained, nothing is truncated on the server: the local transcript was already trimmed to the budget.
      expect(replay.requests[0]?.body).not.toHaveProperty('truncation');
    },
  );

  it.each([
    'openai-400-context-length-exceeded',
    'vllm-400-context-length',
    'llamacpp-400-exceed-context-size',
  ])('%s on a chained request: the chain is reported too long, to be rebuilt locally', async (id) => {
    const fixture = byId.get(id)!;
    replay.serve(fixture);
    const error = await failure(client(fixture).complete({ messages, previousResponseId: 'resp_41' }));

    expect(replay.requests[0]?.body).toMatchObject({ previous_response_id: 'resp_41', truncation: 'auto' });
    // A PreviousResponseLostError, so a caller that rebuilds a lost chain from its transcript rebuilds this one.
    expect(error).toBeInstanceOf(PreviousResponseLostError);
    expect(error).toBeInstanceOf(ResponseChainTooLongError);
    expect(error).toMatchObject({
      kind: 'context_length',
      isRetryable: false,
      status: 400,
      responseId: 'resp_41',
    });
    expect(error.cause).toBeInstanceOf(ModelError);
    expect((error.cause as ModelError).kind).toBe('context_length');
    expect(describeModelError(error, { operator: false })).toBe(
      'This conversation is longer than the model accepts.',
    );
    expect(describeModelError(error, { operator: true })).toContain(
      (error.cause as ModelError).serverMessage,
    );
  });

  it.each(['vllm-404-model-top-level-error', 'ollama-404-model-not-pulled'])(
    '%s on a chained request: a missing model is not a lost chain',
    async (id) => {
      const fixture = byId.get(id)!;
      replay.serve(fixture);
      const error = await failure(client(fixture).complete({ messages, previousResponseId: 'resp_41' }));
      expect(error).not.toBeInstanceOf(PreviousResponseLostError);
      expect(error).toMatchObject({ kind: 'model_not_found', status: 404 });
    },
  );
});
