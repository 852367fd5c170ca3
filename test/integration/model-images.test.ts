import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatMessage, PromptImage } from '../../src/model/model-client.ts';
import {
  createOpenAIModelClient,
  type OpenAIModelClientOptions,
} from '../../src/model/openai-model-client.ts';
import { createOpenAIResponsesModelClient } from '../../src/model/openai-responses-model-client.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';

// A 1×1 PNG plus bytes that are not valid UTF-8, so any re-encoding on the way would show.
const PNG = Uint8Array.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
  0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0xff, 0xfe, 0x00,
]);
const JPEG = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0xc3, 0x28]);

const image = (bytes: Uint8Array, mimeType: string, detail: PromptImage['detail']): PromptImage => ({
  mimeType,
  dataBase64: Buffer.from(bytes).toString('base64'),
  detail,
});
const screenshot = image(PNG, 'image/png', 'high');
const photo = image(JPEG, 'image/jpeg', 'low');

const messages: ChatMessage[] = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Alice: earlier question' },
  { role: 'assistant', content: 'Earlier answer' },
  {
    role: 'user',
    content: 'Alice: what is wrong here?\n\n[image a.png]\n\n[image b.jpg]',
    images: [screenshot, photo],
  },
];

/** The bytes of a `data:` URL, checked to carry `mimeType`. */
function dataUrlBytes(url: string, mimeType: string): Uint8Array {
  const prefix = `data:${mimeType};base64,`;
  expect(url.startsWith(prefix)).toBe(true);
  return new Uint8Array(Buffer.from(url.slice(prefix.length), 'base64'));
}

describe('images sent to the model', () => {
  let fake: FakeOpenAI;
  let options: OpenAIModelClientOptions;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    options = {
      baseUrl: fake.url,
      model: 'gpt-4o-mini',
      maxReplyTokens: 100,
      timeoutMs: 2_000,
      maxRetries: 0,
    };
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => fake.reset());

  it('go to Chat Completions as image_url parts after the text, with the exact bytes and detail', async () => {
    const result = await createOpenAIModelClient(options).complete({ messages });
    const sent = fake.requests[0]!.body.messages;
    // Messages without images are sent as before: role and string content, nothing else.
    expect(sent.slice(0, 3)).toEqual(messages.slice(0, 3));
    expect(sent[3]).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: messages[3]!.content },
        {
          type: 'image_url',
          image_url: { url: `data:image/png;base64,${screenshot.dataBase64}`, detail: 'high' },
        },
        {
          type: 'image_url',
          image_url: { url: `data:image/jpeg;base64,${photo.dataBase64}`, detail: 'low' },
        },
      ],
    });
    const parts = sent[3]!.content as Array<{ image_url?: { url: string } }>;
    expect(dataUrlBytes(parts[1]!.image_url!.url, 'image/png')).toEqual(PNG);
    expect(dataUrlBytes(parts[2]!.image_url!.url, 'image/jpeg')).toEqual(JPEG);
    // The fake reads the text part, so the reply echoes the question.
    expect(result.text).toBe(`Echo: ${messages[3]!.content}`);
  });

  it('go to the Responses API as input_image parts after an input_text part, with the exact bytes', async () => {
    await createOpenAIResponsesModelClient(options).complete({ messages });
    const body = fake.responsesRequests[0]!.body;
    expect(body.instructions).toBe('You are terse.');
    const input = body.input as Array<{ role: string; content: unknown }>;
    expect(input.slice(0, 2)).toEqual([
      { role: 'user', content: 'Alice: earlier question' },
      { role: 'assistant', content: 'Earlier answer' },
    ]);
    expect(input[2]).toEqual({
      role: 'user',
      content: [
        { type: 'input_text', text: messages[3]!.content },
        { type: 'input_image', image_url: `data:image/png;base64,${screenshot.dataBase64}`, detail: 'high' },
        { type: 'input_image', image_url: `data:image/jpeg;base64,${photo.dataBase64}`, detail: 'low' },
      ],
    });
    const parts = input[2]!.content as Array<{ image_url?: string }>;
    expect(dataUrlBytes(parts[1]!.image_url!, 'image/png')).toEqual(PNG);
    expect(dataUrlBytes(parts[2]!.image_url!, 'image/jpeg')).toEqual(JPEG);
  });

  it('sends an empty images list as a plain message', async () => {
    await createOpenAIModelClient(options).complete({
      messages: [{ role: 'user', content: 'hi', images: [] }],
    });
    await createOpenAIResponsesModelClient(options).complete({
      messages: [{ role: 'user', content: 'hi', images: [] }],
    });
    expect(fake.requests[0]!.body.messages).toEqual([{ role: 'user', content: 'hi' }]);
    expect(fake.responsesRequests[0]!.body.input).toEqual([{ role: 'user', content: 'hi' }]);
  });

  describe('from a server that reports no usage', () => {
    let quiet: FakeOpenAI;
    beforeAll(async () => {
      quiet = await startFakeOpenAI({ ignoreIncludeUsage: true });
    });
    afterAll(async () => {
      await quiet.close();
    });

    it('are estimated at a fixed cost each, not as base64 text', async () => {
      const big = image(new Uint8Array(300_000).fill(7), 'image/png', 'high');
      const result = await createOpenAIModelClient({
        ...options,
        baseUrl: quiet.url,
        estimateTokens: (text) => text.split(' ').length,
      }).complete({ messages: [{ role: 'user', content: 'one two three', images: [big, photo] }] });
      expect(quiet.requests[0]!.body.messages[0]!.content).toHaveLength(3);
      // 3 priming + 4 framing + 3 words + 765 (high) + 85 (low); the reply "Echo: one two three" has 4 words.
      expect(result.usage).toEqual({ promptTokens: 3 + 4 + 3 + 765 + 85, completionTokens: 4 });
    });
  });
});
