import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/app/logger.ts';
import { silentLogger } from '../../src/app/logger.ts';
import type { HistoryStore } from '../../src/history/history-store.ts';
import { createMemoryHistoryStore } from '../../src/history/memory-history-store.ts';
import { createCatalogueClient } from '../../src/model/create-catalogue-client.ts';
import type { CatalogueEntry } from '../../src/model/model-catalogue.ts';
import { createModelRoster, type ModelRoster } from '../../src/model/model-roster.ts';
import { getTokenCounter } from '../../src/model/token-counter.ts';
import type { Turn } from '../../src/turn/turn.ts';
import { createTurnProcessor } from '../../src/turn/turn-processor.ts';
import { createMemoryUsageLedger } from '../../src/usage/memory-usage-ledger.ts';
import {
  type ChatCompletionRequestBody,
  type FakeOpenAI,
  startFakeOpenAI,
} from '../fakes/fake-openai-server.ts';
import { captureLogs } from '../helpers/captured-logs.ts';
import { createRecordingReplyChannel } from '../unit/turn/recording-reply-channel.ts';
import { makeJob } from '../unit/turn/turn-fixtures.ts';

const WINDOW = 2_000;
const REPLY = 200;
const counter = getTokenCounter('llama3.2');

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(() => fake.reset());

/** The local count of a request as it arrived (every message here is plain text). */
function localCount(body: ChatCompletionRequestBody): number {
  return counter.promptTokens(body.messages.map((m) => ({ role: m.role, content: String(m.content) })));
}

function entry(name: string, overrides: Partial<CatalogueEntry> = {}): CatalogueEntry {
  return {
    name,
    model: 'llama3.2',
    baseUrl: fake.url,
    apiKey: undefined,
    api: 'chat',
    contextWindow: WINDOW,
    windowKnown: true,
    maxReplyTokens: REPLY,
    price: null,
    vision: 'off',
    tools: false,
    temperature: undefined,
    timeoutMs: 5_000,
    maxRetries: 0,
    ...overrides,
  };
}

function setUp(logger: Logger = silentLogger, name = 'local') {
  const store: HistoryStore = createMemoryHistoryStore();
  const models: ModelRoster = createModelRoster({
    catalogue: { defaultName: name, entries: [entry(name)] },
    createClient: (e) => createCatalogueClient(e, logger),
    logger,
  });
  const channel = createRecordingReplyChannel({ respond: true });
  const { client, counter: modelCounter } = models.profile(undefined);
  const process = createTurnProcessor({
    store,
    model: client,
    models,
    counter: modelCounter,
    replyChannels: { console: channel },
    prompt: { systemPrompt: 'You are a test bot.', maxContextTokens: WINDOW, maxReplyTokens: REPLY },
    modelAttempts: 1,
    ledger: createMemoryUsageLedger(),
    retryDelayMs: () => 1,
    logger,
  });
  let seq = 0;
  const say = (text: string, extra: Partial<Turn> = {}) => {
    seq += 1;
    const turn: Turn = {
      id: `t${seq}`,
      sessionId: 'console:calibration',
      kind: 'message',
      author: { id: 'U1', name: 'Alice' },
      text,
      target: { platform: 'console', channelId: 'c', invoker: { userId: 'U1' } },
      receivedAt: 1_750_000_000_000 + seq,
      ...extra,
    };
    return process(makeJob(turn, { seq }));
  };
  return { store, models, channel, say };
}

/** About 150 tokens of distinct text. */
const paragraph = (index: number) =>
  `Message ${index}: ${Array.from({ length: 40 }, (_, word) => `word${index}x${word}`).join(' ')}`;

describe('token calibration against a server that counts 1.3 times as many tokens', () => {
  it('converges on the ratio and keeps every later prompt within the window as the server counts it', async () => {
    fake.respondWith((body) => ({ content: 'Noted.', promptTokens: Math.ceil(localCount(body) * 1.3) }));
    const { models, say, store } = setUp();
    for (let index = 1; index <= 16; index++) await say(paragraph(index));

    const state = models.calibration.state('local');
    expect(state?.samples).toBe(16);
    expect(state?.ratio).toBeCloseTo(1.3, 2);
    // Every request, as the server counted it, left room for the reply.
    for (const request of fake.requests) {
      expect(Math.ceil(localCount(request.body) * 1.3) + REPLY).toBeLessThanOrEqual(WINDOW);
    }
    // And it mattered: the stored history outgrew what the uncalibrated budget would have sent.
    const stored = await store.load('console:calibration');
    const storedTokens = stored.reduce((sum, message) => sum + message.tokens, 0);
    expect(storedTokens * 1.3 + REPLY).toBeGreaterThan(WINDOW);
    expect(JSON.stringify(fake.requests.at(-1)!.body.messages)).not.toContain('Message 1:');
  });

  it('recovers from a "prompt too long" refusal: trims harder, sends once more, and the user sees the answer', async () => {
    const { models, say, channel } = setUp();
    for (let index = 1; index <= 6; index++) await say(paragraph(index));
    fake.reset();
    const before = models.calibration.factor('local');
    fake.failNext(1, {
      status: 400,
      code: 'context_length_exceeded',
      message:
        "This model's maximum context length is 2000 tokens. However, your messages resulted in 2600 tokens.",
    });
    await say('What did I say first?');
    expect(fake.requests).toHaveLength(2);
    const [refused, retried] = fake.requests.map((request) => localCount(request.body)) as [number, number];
    expect(retried).toBeLessThanOrEqual(Math.floor(refused * 0.75) + 4);
    expect(channel.finishedTexts().at(-1)).toContain('Echo: Alice: What did I say first?');
    // The refusal taught the calibration: later prompts are budgeted smaller.
    expect(models.calibration.factor('local')).toBeGreaterThan(before);
  });
});

describe('a server that cuts prompts (reports far fewer tokens than were sent)', () => {
  it('warns once per model naming the setting to raise, and /memory shows it', async () => {
    fake.respondWith(() => ({ content: 'Sure.', promptTokens: 90 }));
    const logs = captureLogs();
    const { say, channel, models } = setUp(logs.logger('warn'));
    for (let index = 1; index <= 3; index++) await say(paragraph(index));

    const warnings = logs.entries().filter((line) => String(line.msg).includes('cut the conversation'));
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]!.msg)).toMatch(/OLLAMA_CONTEXT_LENGTH/);
    expect(String(warnings[0]!.msg)).toContain('context_window of "local" in MODELS_FILE');
    // A cut prompt is no calibration sample.
    expect(models.calibration.factor('local')).toBe(1);

    await say('', { kind: 'command', command: { name: 'memory', args: '' } });
    expect(channel.responses.at(-1)?.text).toMatch(/counted only 90 of about \d+ prompt tokens/);
  });
});
