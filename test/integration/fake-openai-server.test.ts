import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';

describe('fake OpenAI server, driven by the openai SDK', () => {
  let fake: FakeOpenAI;
  let client: OpenAI;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    client = new OpenAI({ apiKey: 'test-key', baseURL: fake.url, maxRetries: 0, timeout: 5_000 });
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => fake.reset());

  it('answers a JSON completion with the echo reply and usage', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hello there' },
      ],
    });
    expect(completion.choices[0]?.message.content).toBe('Echo: hello there');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    // ceil((8 + 11) / 4) = 5; ceil(17 / 4) = 5
    expect(completion.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]?.headers.authorization).toBe('Bearer test-key');
  });

  it('streams several delta chunks, a finish reason and a usage chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'one two three four five six seven eight nine ten' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const deltas: string[] = [];
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice?.delta.content) deltas.push(choice.delta.content);
      if (choice?.finish_reason) finish = choice.finish_reason;
      if (chunk.usage) {
        expect(chunk.choices).toEqual([]);
        usage = chunk.usage;
      }
    }
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join('')).toBe('Echo: one two three four five six seven eight nine ten');
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBe(Math.ceil(deltas.join('').length / 4));
  });

  it('omits the usage chunk unless include_usage is asked for', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    let sawUsage = false;
    for await (const chunk of stream) if (chunk.usage) sawUsage = true;
    expect(sawUsage).toBe(false);
  });

  it('cuts the reply at max_tokens with finish_reason length', async () => {
    fake.respondWith(() => 'x'.repeat(100));
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 5,
    });
    expect(completion.choices[0]?.message.content).toBe('x'.repeat(20));
    expect(completion.choices[0]?.finish_reason).toBe('length');
  });

  it('fails scripted requests in OpenAI error shape with retry headers', async () => {
    fake.failNext(1, { status: 429, retryAfterSeconds: 7, retryAfterMs: 7000, message: 'slow down' });
    const error = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const rateLimit = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimit.status).toBe(429);
    expect(rateLimit.message).toContain('slow down');
    expect(rateLimit.code).toBe('rate_limit_exceeded');
    expect(rateLimit.headers?.get('retry-after')).toBe('7');
    expect(rateLimit.headers?.get('retry-after-ms')).toBe('7000');
    // The script is consumed: the next request succeeds.
    const ok = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'a' }],
    });
    expect(ok.choices[0]?.message.content).toBe('Echo: a');
  });

  it('hangs scripted requests until the client gives up', async () => {
    fake.hang(1);
    const error = await client.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'a' }] }, { timeout: 200 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(fake.requests).toHaveLength(1);
  });

  it('lists models', async () => {
    const page = await client.models.list();
    expect(page.data.map((model) => model.id)).toContain('gpt-4o-mini');
  });

  it('serves hundreds of concurrent requests without recording when asked', async () => {
    const quiet = await startFakeOpenAI({ record: false });
    try {
      const sdk = new OpenAI({ apiKey: 'k', baseURL: quiet.url, maxRetries: 0 });
      const replies = await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          sdk.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: `n${i}` }] }),
        ),
      );
      expect(replies.map((r) => r.choices[0]?.message.content)).toEqual(
        Array.from({ length: 300 }, (_, i) => `Echo: n${i}`),
      );
      expect(quiet.requests).toHaveLength(0);
    } finally {
      await quiet.close();
    }
  });
});
