import { inspect } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { ModelClient } from '../../src/model/model-client.ts';
import {
  createOpenAIModelClient,
  type OpenAIModelClientOptions,
} from '../../src/model/openai-model-client.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import { failure } from '../helpers/model-failure.ts';

const API_KEY = 'sk-test-0123456789abcdef';
const hello = [
  { role: 'system' as const, content: 'You are terse.' },
  { role: 'user' as const, content: 'Alice: tell me about the weather in Lisbon today' },
];

describe('createOpenAIModelClient against the fake OpenAI server', () => {
  let fake: FakeOpenAI;
  let client: (overrides?: Partial<OpenAIModelClientOptions>) => ModelClient;

  beforeAll(async () => {
    fake = await startFakeOpenAI({ chunkChars: 6 });
    client = (overrides = {}) =>
      createOpenAIModelClient({
        apiKey: API_KEY,
        baseUrl: fake.url,
        model: 'gpt-4o-mini',
        maxReplyTokens: 200,
        timeoutMs: 2_000,
        maxRetries: 0,
        ...overrides,
      });
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => fake.reset());

  describe('a streamed completion', () => {
    it('delivers deltas in order, the whole text, the endpoint usage and the cost', async () => {
      const deltas: string[] = [];
      const result = await client().complete({ messages: hello, onDelta: (delta) => deltas.push(delta) });

      const expected = 'Echo: Alice: tell me about the weather in Lisbon today';
      expect(result.text).toBe(expected);
      expect(deltas.length).toBeGreaterThan(3);
      expect(deltas.join('')).toBe(expected);
      expect(result.finishReason).toBe('stop');
      expect(result.model).toBe('gpt-4o-mini');
      // The fake counts ceil(chars / 4): (14 + 47) / 4 → 16 prompt, 53 / 4 → 14 completion.
      expect(result.usage).toEqual({ promptTokens: 16, completionTokens: 14 });
      expect(result.costUsd).toBeCloseTo((16 * 0.15 + 14 * 0.6) / 1_000_000, 15);
    });

    it('asks for a stream with usage, the reply cap and the temperature', async () => {
      await client({ temperature: 0.3 }).complete({ messages: hello });
      await client().complete({ messages: hello, maxTokens: 42 });

      const [first, second] = fake.requests;
      expect(first?.body).toMatchObject({
        model: 'gpt-4o-mini',
        messages: hello,
        stream: true,
        stream_options: { include_usage: true },
        max_tokens: 200,
        temperature: 0.3,
      });
      expect(first?.body.max_completion_tokens).toBeUndefined();
      expect(first?.headers.authorization).toBe(`Bearer ${API_KEY}`);
      expect(second?.body.max_tokens).toBe(42);
      expect(second?.body).not.toHaveProperty('temperature');
    });

    it('sends max_completion_tokens and no temperature to reasoning models', async () => {
      await client({ model: 'o4-mini', temperature: 0.3 }).complete({ messages: hello });
      const body = fake.requests[0]?.body;
      expect(body?.max_completion_tokens).toBe(200);
      expect(body).not.toHaveProperty('max_tokens');
      expect(body).not.toHaveProperty('temperature');
    });

    it('needs no API key for local servers', async () => {
      await client({ apiKey: undefined }).complete({ messages: hello });
      expect(fake.requests[0]?.headers.authorization).toBe('Bearer not-needed');
    });

    it('reports a reply cut at the token cap as finish reason length', async () => {
      fake.respondWith(() => 'word '.repeat(100));
      const result = await client().complete({ messages: hello, maxTokens: 5 });
      expect(result.finishReason).toBe('length');
      expect(result.text).toBe('word '.repeat(4));
    });

    it('has no cost for a model without a price', async () => {
      const result = await client({ model: 'llama3' }).complete({ messages: hello });
      expect(result.model).toBe('llama3');
      expect(result.costUsd).toBeNull();
      expect(result.usage.completionTokens).toBeGreaterThan(0);
    });
  });

  describe('an endpoint that ignores include_usage', () => {
    let quiet: FakeOpenAI;
    beforeAll(async () => {
      quiet = await startFakeOpenAI({ ignoreIncludeUsage: true });
    });
    afterAll(async () => {
      await quiet.close();
    });

    it('gets its usage estimated locally with the given estimator', async () => {
      const result = await createOpenAIModelClient({
        baseUrl: quiet.url,
        model: 'gpt-4o-mini',
        maxReplyTokens: 100,
        timeoutMs: 2_000,
        maxRetries: 0,
        estimateTokens: (text) => text.split(' ').length,
      }).complete({ messages: [{ role: 'user', content: 'one two three' }] });
      expect(result.text).toBe('Echo: one two three');
      // 3 priming + (4 framing + 3 words) for the one message; the reply has 4 words.
      expect(result.usage).toEqual({ promptTokens: 10, completionTokens: 4 });
      expect(result.costUsd).toBeCloseTo((10 * 0.15 + 4 * 0.6) / 1_000_000, 15);
    });
  });

  describe('retries and errors', () => {
    it('waits out a 429 with retry-after: 1 and then succeeds', async () => {
      fake.failNext(1, { status: 429, retryAfterSeconds: 1, message: 'Rate limit reached' });
      const result = await client({ maxRetries: 1 }).complete({ messages: hello });

      expect(result.text).toContain('Echo:');
      expect(fake.requests).toHaveLength(2);
      const [first, second] = fake.requests;
      expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(900);
    });

    it('honours retry-after-ms on a 503', async () => {
      fake.failNext(1, { status: 503, retryAfterMs: 20 });
      const result = await client({ maxRetries: 1 }).complete({ messages: hello });
      expect(result.finishReason).toBe('stop');
      expect(fake.requests).toHaveLength(2);
    });

    it('does not sleep through a retry-after longer than the cap', async () => {
      fake.failNext(1, { status: 429, retryAfterSeconds: 120 });
      const error = await failure(client({ maxRetries: 2 }).complete({ messages: hello }));
      expect(fake.requests).toHaveLength(1);
      expect(error).toMatchObject({ isRetryable: true, status: 429, retryAfterSeconds: 120 });
    });

    it('gives up on a 500 after maxRetries with a retryable error', async () => {
      fake.failNext(5, { status: 500, retryAfterMs: 10, message: 'The server had an error' });
      const error = await failure(client({ maxRetries: 2 }).complete({ messages: hello }));

      expect(fake.requests).toHaveLength(3);
      expect(error.isRetryable).toBe(true);
      expect(error.status).toBe(500);
      expect(error.message).toContain('The server had an error');
      expect(error.retryAfterSeconds).toBeCloseTo(0.01, 5);
    });

    it('does not retry a 401, and keeps the key out of the message', async () => {
      fake.failNext(1, { status: 401, message: `Incorrect API key provided: ${API_KEY}.` });
      const error = await failure(client({ maxRetries: 2 }).complete({ messages: hello }));

      expect(fake.requests).toHaveLength(1);
      expect(error.isRetryable).toBe(false);
      expect(error.status).toBe(401);
      expect(error.message).toContain('OPENAI_API_KEY');
      expect(error.message).not.toContain(API_KEY);
      expect(error.message).not.toContain('0123456789abcdef');
      expect(inspect(error, { depth: 10 })).not.toContain('0123456789abcdef');
    });

    it('keeps a key of any shape out of the message', async () => {
      const key = 'local-secret-4242';
      fake.failNext(1, { status: 403, message: `Key ${key} may not use this model` });
      const error = await failure(client({ apiKey: key }).complete({ messages: hello }));
      expect(error.message).toContain('may not use this model');
      expect(error.message).not.toContain(key);
      expect(inspect(error, { depth: 10 })).not.toContain(key);
    });

    it.each([400, 403, 404, 422])('treats %d as not retryable', async (status) => {
      fake.failNext(1, { status });
      const error = await failure(client({ maxRetries: 2 }).complete({ messages: hello }));
      expect(fake.requests).toHaveLength(1);
      expect(error).toMatchObject({ isRetryable: false, status });
    });

    it.each([408, 409, 429, 502])('treats %d as retryable', async (status) => {
      fake.failNext(1, { status, retryAfterSeconds: 30 });
      const error = await failure(client().complete({ messages: hello }));
      expect(error).toMatchObject({ isRetryable: true, status });
      if (status !== 409) expect(error.retryAfterSeconds).toBe(30);
    });

    it('treats a content-filter rejection as not retryable', async () => {
      fake.failNext(1, { status: 400, code: 'content_filter', message: 'filtered' });
      const error = await failure(client().complete({ messages: hello }));
      expect(error.isRetryable).toBe(false);
    });

    it('treats a reply stopped by the content filter as not retryable', async () => {
      fake.respondWith(() => ({ content: 'partial', finishReason: 'content_filter' }));
      const error = await failure(client().complete({ messages: hello }));
      expect(error.isRetryable).toBe(false);
      expect(error.message).toMatch(/content filter/);
    });

    it('reports an unreachable endpoint as retryable', async () => {
      const gone = await startFakeOpenAI();
      const url = gone.url;
      await gone.close();
      const error = await failure(client({ baseUrl: url }).complete({ messages: hello }));
      expect(error.isRetryable).toBe(true);
      expect(error.status).toBeUndefined();
    });
  });

  describe('timeouts and broken streams', () => {
    it('times out a reply that never starts, after the SDK retries', async () => {
      fake.hang(2);
      const error = await failure(client({ timeoutMs: 150, maxRetries: 1 }).complete({ messages: hello }));
      expect(fake.requests).toHaveLength(2);
      expect(error.isRetryable).toBe(true);
      expect(error.message).toMatch(/timed out/);
    });

    it('times out a reply whose first byte comes too late', async () => {
      fake.setLatency(1_000);
      const error = await failure(client({ timeoutMs: 150 }).complete({ messages: hello }));
      expect(error.isRetryable).toBe(true);
      expect(error.message).toMatch(/timed out/);
    });

    it('times out a stream that goes quiet mid-reply', async () => {
      fake.cutStreamNext(1, { afterChunks: 2, mode: 'stall' });
      const deltas: string[] = [];
      const error = await failure(
        client({ timeoutMs: 200 }).complete({ messages: hello, onDelta: (d) => deltas.push(d) }),
      );
      expect(deltas).toHaveLength(2);
      expect(error.isRetryable).toBe(true);
      expect(error.message).toMatch(/stalled/);
    });

    it('fails a stream whose connection drops mid-reply', async () => {
      fake.cutStreamNext(1, { afterChunks: 2, mode: 'destroy' });
      const error = await failure(client().complete({ messages: hello }));
      expect(error.isRetryable).toBe(true);
    });

    it('fails a stream that ends cleanly without a finish reason', async () => {
      fake.cutStreamNext(1, { afterChunks: 2, mode: 'end' });
      const error = await failure(client().complete({ messages: hello }));
      expect(error.isRetryable).toBe(true);
      expect(error.message).toMatch(/ended before/);
    });
  });

  describe('empty replies', () => {
    it('are a retryable error', async () => {
      fake.respondWith(() => '');
      const error = await failure(client().complete({ messages: hello }));
      expect(error.isRetryable).toBe(true);
      expect(error.message).toMatch(/empty/);
    });

    it('are not retryable when the token cap ran out first', async () => {
      fake.respondWith(() => ({ content: '', finishReason: 'length' }));
      const error = await failure(client().complete({ messages: hello }));
      expect(error.isRetryable).toBe(false);
      expect(error.message).toMatch(/MAX_REPLY_TOKENS/);
    });
  });

  describe('aborting', () => {
    it('sends nothing when the signal is already aborted', async () => {
      const error = await failure(client().complete({ messages: hello, signal: AbortSignal.abort() }));
      expect(error.message).toMatch(/aborted/);
      expect(fake.requests).toHaveLength(0);
    });

    it('stops a request waiting for its first byte', async () => {
      fake.setLatency(5_000);
      const controller = new AbortController();
      const pending = client().complete({ messages: hello, signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      const error = await failure(pending);
      expect(error.message).toMatch(/aborted/);
    });

    it('stops a stream mid-reply instead of returning half of it', async () => {
      fake.cutStreamNext(1, { afterChunks: 1, mode: 'stall' });
      const controller = new AbortController();
      const error = await failure(
        client({ timeoutMs: 10_000 }).complete({
          messages: hello,
          signal: controller.signal,
          onDelta: () => controller.abort(),
        }),
      );
      expect(error.message).toMatch(/aborted/);
    });
  });

  it('passes an error thrown by onDelta through unchanged', async () => {
    const boom = new Error('could not edit the message');
    const error = await client()
      .complete({
        messages: hello,
        onDelta: () => {
          throw boom;
        },
      })
      .catch((e: unknown) => e);
    expect(error).toBe(boom);
  });
});
