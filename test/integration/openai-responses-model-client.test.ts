import { inspect } from 'node:util';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PreviousResponseLostError } from '../../src/app/errors.ts';
import type { ChatMessage, ModelClient } from '../../src/model/model-client.ts';
import type { OpenAIModelClientOptions } from '../../src/model/openai-model-client.ts';
import { createOpenAIResponsesModelClient } from '../../src/model/openai-responses-model-client.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import { failure } from '../helpers/model-failure.ts';

const API_KEY = 'sk-test-0123456789abcdef';
const system = { role: 'system' as const, content: 'You are terse.' };
const hello: ChatMessage[] = [
  system,
  { role: 'user', content: 'Alice: tell me about the weather in Lisbon today' },
];

describe('createOpenAIResponsesModelClient against the fake OpenAI server', () => {
  let fake: FakeOpenAI;
  let client: (overrides?: Partial<OpenAIModelClientOptions>) => ModelClient;

  beforeAll(async () => {
    fake = await startFakeOpenAI({ chunkChars: 6 });
    client = (overrides = {}) =>
      createOpenAIResponsesModelClient({
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

  it('says it chains responses server-side', () => {
    expect(client().chainsResponses).toBe(true);
    expect(client().model).toBe('gpt-4o-mini');
  });

  describe('a streamed response', () => {
    it('delivers deltas in order, the whole text, the usage, the cost and the response id', async () => {
      const deltas: string[] = [];
      const result = await client().complete({ messages: hello, onDelta: (delta) => deltas.push(delta) });

      const expected = 'Echo: Alice: tell me about the weather in Lisbon today';
      expect(result.text).toBe(expected);
      expect(deltas.length).toBeGreaterThan(3);
      expect(deltas.join('')).toBe(expected);
      expect(result.finishReason).toBe('stop');
      expect(result.model).toBe('gpt-4o-mini');
      expect(result.responseId).toMatch(/^resp_\d+$/);
      expect(fake.conversationOf(result.responseId ?? '')).toBeDefined();
      // The fake counts ceil(chars / 4): (14 + 48) / 4 → 16 input, 54 / 4 → 14 output.
      expect(result.usage).toEqual({ promptTokens: 16, completionTokens: 14 });
      expect(result.costUsd).toBeCloseTo((16 * 0.15 + 14 * 0.6) / 1_000_000, 15);
    });

    it('maps system messages to instructions and the rest to input, stored and streamed', async () => {
      await client({ temperature: 0.3 }).complete({
        messages: [
          system,
          { role: 'system', content: 'Summary: Alice asked about Porto.' },
          { role: 'user', content: 'Alice: hi' },
          { role: 'assistant', content: 'Hello Alice' },
          { role: 'user', content: 'Bob: and Lisbon?' },
        ],
      });
      await client().complete({ messages: hello, maxTokens: 42 });

      const [first, second] = fake.responsesRequests;
      expect(first?.body).toEqual({
        model: 'gpt-4o-mini',
        instructions: 'You are terse.\n\nSummary: Alice asked about Porto.',
        input: [
          { role: 'user', content: 'Alice: hi' },
          { role: 'assistant', content: 'Hello Alice' },
          { role: 'user', content: 'Bob: and Lisbon?' },
        ],
        stream: true,
        store: true,
        max_output_tokens: 200,
        temperature: 0.3,
      });
      expect(first?.headers.authorization).toBe(`Bearer ${API_KEY}`);
      expect(second?.body.max_output_tokens).toBe(42);
      expect(second?.body).not.toHaveProperty('temperature');
      expect(second?.body).not.toHaveProperty('previous_response_id');
      expect(fake.requests).toHaveLength(0);
    });

    it('sends no instructions without a system message, and no temperature to reasoning models', async () => {
      await client({ model: 'o4-mini', temperature: 0.3 }).complete({
        messages: [{ role: 'user', content: 'hi' }],
      });
      const body = fake.responsesRequests[0]?.body;
      expect(body).not.toHaveProperty('instructions');
      expect(body).not.toHaveProperty('temperature');
      expect(body?.max_output_tokens).toBe(200);
    });

    it('reports a reply cut at max_output_tokens as finish reason length', async () => {
      fake.respondWith(() => 'word '.repeat(100));
      const result = await client().complete({ messages: hello, maxTokens: 5 });
      expect(result.finishReason).toBe('length');
      expect(result.text).toBe('word '.repeat(4));
      expect(result.responseId).toBeDefined();
    });

    it('prices a known model and leaves an unknown one unpriced', async () => {
      const known = await client({ model: 'gpt-4.1' }).complete({ messages: hello });
      expect(known.costUsd).toBeCloseTo((16 * 2 + 14 * 8) / 1_000_000, 15);
      const unknown = await client({ model: 'llama3' }).complete({ messages: hello });
      expect(unknown.model).toBe('llama3');
      expect(unknown.costUsd).toBeNull();
    });
  });

  describe('chaining', () => {
    it('sends only the new turn with previous_response_id; the server holds the whole exchange', async () => {
      const model = client();
      const first = await model.complete({ messages: hello });
      const next: ChatMessage[] = [system, { role: 'user', content: 'Bob: and tomorrow?' }];
      const second = await model.complete({ messages: next, previousResponseId: first.responseId });

      expect(second.text).toBe('Echo: Bob: and tomorrow?');
      expect(second.responseId).not.toBe(first.responseId);
      const body = fake.responsesRequests[1]?.body;
      expect(body?.previous_response_id).toBe(first.responseId);
      expect(body?.input).toEqual([{ role: 'user', content: 'Bob: and tomorrow?' }]);
      expect(body?.instructions).toBe('You are terse.');
      expect(fake.conversationOf(second.responseId ?? '')).toEqual([
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Alice: tell me about the weather in Lisbon today' },
        { role: 'assistant', content: first.text },
        { role: 'user', content: 'Bob: and tomorrow?' },
        { role: 'assistant', content: second.text },
      ]);
      // Input tokens cover the stored chain too: (14 + 48 + 54 + 18) / 4 → 34.
      expect(second.usage.promptTokens).toBe(34);
    });

    it('lets the reply generator see the chain as chat messages', async () => {
      fake.respondWith((body) => `I see ${body.messages.length} messages`);
      const model = client();
      const first = await model.complete({ messages: hello });
      const second = await model.complete({
        messages: [system, { role: 'user', content: 'more' }],
        previousResponseId: first.responseId,
      });
      expect(first.text).toBe('I see 2 messages');
      expect(second.text).toBe('I see 4 messages');
    });

    it('throws PreviousResponseLostError for a chain the server no longer has', async () => {
      const first = await client().complete({ messages: hello });
      fake.forgetResponses();
      const error = await failure(
        client({ maxRetries: 2 }).complete({
          messages: [system, { role: 'user', content: 'still there?' }],
          previousResponseId: first.responseId,
        }),
      );
      expect(error).toBeInstanceOf(PreviousResponseLostError);
      expect((error as PreviousResponseLostError).responseId).toBe(first.responseId);
      expect(error).toMatchObject({ isRetryable: false, status: 400 });
      expect(fake.responsesRequests).toHaveLength(2);
    });

    it('treats a 404 while chaining as a lost chain, unless it is about the model', async () => {
      fake.failNext(1, { status: 404, code: 'not_found', message: "Response with id 'resp_9' not found." });
      const lost = await failure(client().complete({ messages: hello, previousResponseId: 'resp_9' }));
      expect(lost).toBeInstanceOf(PreviousResponseLostError);
      expect(lost.status).toBe(404);

      fake.failNext(1, { status: 404, code: 'model_not_found' });
      const model = await failure(client().complete({ messages: hello, previousResponseId: 'resp_9' }));
      expect(model).not.toBeInstanceOf(PreviousResponseLostError);
      expect(model.message).toContain('check MODEL');

      fake.failNext(1, { status: 404, code: 'not_found' });
      const unchained = await failure(client().complete({ messages: hello }));
      expect(unchained).not.toBeInstanceOf(PreviousResponseLostError);
      expect(unchained).toMatchObject({ isRetryable: false, status: 404 });
    });

    it('treats previous_response_not_found inside a stream as a lost chain', async () => {
      // Chained to a stored response, so the request itself is accepted and the stream starts.
      const first = await client().complete({ messages: hello });
      fake.failStreamNext(1, { afterChunks: 0, code: 'previous_response_not_found', message: 'gone' });
      const error = await failure(
        client().complete({ messages: hello, previousResponseId: first.responseId }),
      );
      expect(error).toBeInstanceOf(PreviousResponseLostError);
      expect(error.status).toBeUndefined();
      expect((error as PreviousResponseLostError).responseId).toBe(first.responseId);
    });
  });

  describe('retries and errors', () => {
    it('waits out a 429 with retry-after: 1 and then succeeds', async () => {
      fake.failNext(1, { status: 429, retryAfterSeconds: 1, message: 'Rate limit reached' });
      const result = await client({ maxRetries: 1 }).complete({ messages: hello });

      expect(result.text).toContain('Echo:');
      expect(fake.responsesRequests).toHaveLength(2);
      const [first, second] = fake.responsesRequests;
      expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(900);
    });

    it('gives up on a 500 after maxRetries with a retryable error', async () => {
      fake.failNext(5, { status: 500, retryAfterMs: 10, message: 'The server had an error' });
      const error = await failure(client({ maxRetries: 2 }).complete({ messages: hello }));
      expect(fake.responsesRequests).toHaveLength(3);
      expect(error).toMatchObject({ isRetryable: true, status: 500 });
      expect(error).not.toBeInstanceOf(PreviousResponseLostError);
    });

    it('does not retry a 401, and keeps the key out of the message', async () => {
      fake.failNext(1, { status: 401, message: `Incorrect API key provided: ${API_KEY}.` });
      const error = await failure(client({ maxRetries: 2 }).complete({ messages: hello }));

      expect(fake.responsesRequests).toHaveLength(1);
      expect(error).toMatchObject({ isRetryable: false, status: 401 });
      expect(error.message).toContain('OPENAI_API_KEY');
      expect(inspect(error, { depth: 10 })).not.toContain('0123456789abcdef');
    });

    it('does not take a plain 400 while chaining for a lost chain', async () => {
      fake.failNext(1, { status: 400, message: 'Invalid value for temperature', param: 'temperature' });
      const error = await failure(client().complete({ messages: hello, previousResponseId: 'resp_1' }));
      expect(error).not.toBeInstanceOf(PreviousResponseLostError);
      expect(error).toMatchObject({ isRetryable: false, status: 400 });
    });

    it('maps response.failed by its code', async () => {
      fake.failStreamNext(1, { event: 'response.failed', code: 'server_error', message: 'overloaded' });
      const transient = await failure(client().complete({ messages: hello }));
      expect(transient.isRetryable).toBe(true);
      expect(transient.message).toContain('overloaded');

      fake.failStreamNext(1, { event: 'response.failed', code: 'invalid_prompt', message: 'bad prompt' });
      const permanent = await failure(client().complete({ messages: hello }));
      expect(permanent.isRetryable).toBe(false);
    });

    it('treats an error event as retryable unless it blames the request', async () => {
      fake.failStreamNext(1, { afterChunks: 2, code: 'server_error' });
      const deltas: string[] = [];
      const transient = await failure(client().complete({ messages: hello, onDelta: (d) => deltas.push(d) }));
      expect(deltas).toHaveLength(2);
      expect(transient.isRetryable).toBe(true);

      fake.failStreamNext(1, { code: 'context_length_exceeded' });
      const permanent = await failure(client().complete({ messages: hello }));
      expect(permanent.isRetryable).toBe(false);
    });

    it('treats a reply stopped by the content filter as not retryable', async () => {
      fake.respondWith(() => ({ content: 'partial', finishReason: 'content_filter' }));
      const error = await failure(client().complete({ messages: hello }));
      expect(error.isRetryable).toBe(false);
      expect(error.message).toMatch(/content filter/);
    });

    it('reports an empty reply as retryable', async () => {
      fake.respondWith(() => '');
      const error = await failure(client().complete({ messages: hello }));
      expect(error.isRetryable).toBe(true);
      expect(error.message).toMatch(/empty/);
    });
  });

  describe('broken streams', () => {
    it('fails a stream whose connection drops mid-reply, retryable, never a half reply', async () => {
      fake.cutStreamNext(1, { afterChunks: 2, mode: 'destroy' });
      const error = await failure(client().complete({ messages: hello }));
      expect(error.isRetryable).toBe(true);
    });

    it('fails a stream that ends cleanly without response.completed', async () => {
      fake.cutStreamNext(1, { afterChunks: 2, mode: 'end' });
      const deltas: string[] = [];
      const error = await failure(client().complete({ messages: hello, onDelta: (d) => deltas.push(d) }));
      expect(deltas).toHaveLength(2);
      expect(error.isRetryable).toBe(true);
      expect(error.message).toMatch(/ended before/);
    });

    it('times out a stream that goes quiet mid-reply', async () => {
      fake.cutStreamNext(1, { afterChunks: 1, mode: 'stall' });
      const error = await failure(client({ timeoutMs: 200 }).complete({ messages: hello }));
      expect(error.isRetryable).toBe(true);
      expect(error.message).toMatch(/stalled/);
    });

    it('does not store a response whose stream broke', async () => {
      fake.cutStreamNext(1, { afterChunks: 1, mode: 'destroy' });
      await failure(client().complete({ messages: hello }));
      const created = await client().complete({ messages: hello });
      // resp_<n> numbers keep counting; the broken one (one below) was never stored.
      const number = Number(created.responseId?.slice('resp_'.length));
      expect(fake.conversationOf(`resp_${number - 1}`)).toBeUndefined();
      expect(fake.conversationOf(`resp_${number}`)).toBeDefined();
    });
  });

  describe('callers', () => {
    it('stops a stream mid-reply on abort instead of returning half of it', async () => {
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
      expect(error.isRetryable).toBe(true);
    });

    it('gets an error thrown by onDelta back unchanged', async () => {
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
});

describe('fake /v1/responses, driven by the openai SDK directly', () => {
  let fake: FakeOpenAI;
  let sdk: OpenAI;

  beforeAll(async () => {
    fake = await startFakeOpenAI({ chunkChars: 4 });
    sdk = new OpenAI({ apiKey: 'test-key', baseURL: fake.url, maxRetries: 0, timeout: 5_000 });
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => fake.reset());

  it('answers JSON when not streaming, with output, usage and a stored id', async () => {
    const response = await sdk.responses.create({
      model: 'gpt-4o-mini',
      input: 'hello there',
      instructions: 'be brief',
    });
    expect(response.object).toBe('response');
    expect(response.status).toBe('completed');
    expect(response.output_text).toBe('Echo: hello there');
    // ceil((8 + 11) / 4) = 5; ceil(17 / 4) = 5
    expect(response.usage).toMatchObject({ input_tokens: 5, output_tokens: 5, total_tokens: 10 });
    expect(fake.conversationOf(response.id)).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'hello there' },
      { role: 'assistant', content: 'Echo: hello there' },
    ]);
  });

  it("streams events the SDK's own accumulator accepts, in OpenAI's order", async () => {
    const stream = sdk.responses.stream({ model: 'gpt-4o-mini', input: 'one two three four five six' });
    const types: string[] = [];
    const sequence: number[] = [];
    for await (const event of stream) {
      types.push(event.type);
      sequence.push(event.sequence_number);
    }
    const final = await stream.finalResponse();
    expect(final.output_text).toBe('Echo: one two three four five six');
    expect(final.status).toBe('completed');
    expect(types.slice(0, 4)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
    ]);
    expect(types.filter((type) => type === 'response.output_text.delta').length).toBeGreaterThan(3);
    expect(types.slice(-4)).toEqual([
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(sequence).toEqual(sequence.map((_, index) => index));
  });

  it("answers an unknown previous_response_id with OpenAI's 400 previous_response_not_found", async () => {
    const error = await sdk.responses
      .create({ model: 'gpt-4o-mini', input: 'hi', previous_response_id: 'resp_missing' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({
      status: 400,
      code: 'previous_response_not_found',
      param: 'previous_response_id',
      type: 'invalid_request_error',
    });
    expect((error as Error).message).toContain("Previous response with id 'resp_missing' not found.");
  });

  it('does not keep a response sent with store: false', async () => {
    const response = await sdk.responses.create({ model: 'gpt-4o-mini', input: 'hi', store: false });
    expect(fake.conversationOf(response.id)).toBeUndefined();
    const error = await sdk.responses
      .create({ model: 'gpt-4o-mini', input: 'again', previous_response_id: response.id })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, code: 'previous_response_not_found' });
  });

  it('reads input items with content parts, and a tool output as a tool message', async () => {
    const response = await sdk.responses.create({
      model: 'gpt-4o-mini',
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'parts ' },
            { type: 'input_text', text: 'joined' },
          ],
        },
        { type: 'function_call_output', call_id: 'call_1', output: 'ignored' },
      ],
    });
    expect(response.output_text).toBe('Echo: parts joined');
    expect(fake.conversationOf(response.id)?.map((message) => message.role)).toEqual([
      'user',
      'tool',
      'assistant',
    ]);
  });
});
