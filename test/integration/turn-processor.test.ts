import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/app/logger.ts';
import type { HistoryStore } from '../../src/history/history-store.ts';
import { createMemoryHistoryStore } from '../../src/history/memory-history-store.ts';
import { createOpenAIModelClient } from '../../src/model/openai-model-client.ts';
import { getTokenCounter } from '../../src/model/token-counter.ts';
import type { TurnJob } from '../../src/queue/turn-queue.ts';
import type { PostedMessage, ReplyChannel, ReplyDetails } from '../../src/turn/reply-channel.ts';
import type { Turn } from '../../src/turn/turn.ts';
import { createTurnProcessor } from '../../src/turn/turn-processor.ts';
import { createMemoryUsageLedger } from '../../src/usage/memory-usage-ledger.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';

let model: FakeOpenAI;
beforeAll(async () => {
  model = await startFakeOpenAI();
});
afterAll(async () => {
  await model?.close();
});

/** A reply channel that records what a platform would show. */
function recordingChannel() {
  const finished: Array<{ text: string; details?: ReplyDetails }> = [];
  const updates: string[] = [];
  let working = 0;
  let failFinishes = 0;
  const channel: ReplyChannel = {
    platform: 'console',
    openReply: (_target, options) => ({
      async showWorking() {
        working += 1;
      },
      update(text) {
        updates.push(text);
      },
      async finish(text, details) {
        if (failFinishes > 0) {
          failFinishes -= 1;
          await options.onPosted([{ channelId: 'c', messageId: 'partial' }]);
          throw new Error('platform down');
        }
        finished.push({ text, details });
      },
    }),
  };
  return {
    channel,
    finished,
    updates,
    working: () => working,
    failNextFinish: (count: number) => {
      failFinishes = count;
    },
  };
}

const counter = getTokenCounter('gpt-4o-mini');

function turn(sessionId: string, text: string, extra: Partial<Turn> = {}): Turn {
  return {
    id: `${sessionId}-${text}`,
    sessionId,
    kind: 'message',
    author: { id: 'U1', name: 'Alice' },
    text,
    target: { platform: 'console', channelId: 'c' },
    receivedAt: 1_700_000_000_000,
    ...extra,
  };
}

function job(t: Turn, seq: number, extra: Partial<TurnJob> = {}): TurnJob {
  const recorded: PostedMessage[][] = [];
  return {
    turn: t,
    seq,
    attempt: 1,
    maxAttempts: 3,
    previousReplies: [],
    recordReplies: async (posted) => {
      recorded.push(posted);
    },
    ...extra,
  };
}

let store: HistoryStore;
let platform: ReturnType<typeof recordingChannel>;
let process: ReturnType<typeof createTurnProcessor>;

beforeEach(() => {
  model.reset();
  store = createMemoryHistoryStore();
  platform = recordingChannel();
  process = createTurnProcessor({
    store,
    model: createOpenAIModelClient({
      baseUrl: model.url,
      model: 'gpt-4o-mini',
      maxReplyTokens: 200,
      timeoutMs: 2_000,
      maxRetries: 0,
    }),
    counter,
    replyChannels: { console: platform.channel },
    prompt: { systemPrompt: 'You are a test bot.', maxContextTokens: 4_000, maxReplyTokens: 200 },
    modelAttempts: 2,
    ledger: createMemoryUsageLedger(),
    retryDelayMs: () => 10,
    logger: silentLogger,
  });
});

describe('turn pipeline', () => {
  it('answers, streams, and commits the exchange with usage and cached token counts', async () => {
    await process(job(turn('console:a', 'hello there'), 1));
    expect(platform.working()).toBe(1);
    expect(platform.finished).toEqual([
      {
        text: 'Echo: Alice: hello there',
        details: { isError: false, usage: expect.any(Object), costUsd: expect.any(Number) },
      },
    ]);
    expect(platform.updates.at(-1)).toBe('Echo: Alice: hello there');
    const history = await store.load('console:a');
    expect(history.map((m) => [m.role, m.content])).toEqual([
      ['user', 'hello there'],
      ['assistant', 'Echo: Alice: hello there'],
    ]);
    expect(history[0]!.author).toEqual({ id: 'U1', name: 'Alice' });
    expect(history[0]!.tokens).toBe(counter.messageTokens({ role: 'user', content: 'Alice: hello there' }));
    const meta = await store.getMeta('console:a');
    expect(meta.usage.calls).toBe(1);
    expect(meta.usage.promptTokens).toBeGreaterThan(0);
    expect(await store.committedSeq('console:a')).toBe(1);
  });

  it('sends the system prompt and the earlier exchange with the next turn', async () => {
    await process(job(turn('console:b', 'My name is Alice'), 1));
    await process(job(turn('console:b', "What's my name?"), 2));
    const messages = model.requests[1]!.body.messages;
    expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(messages[0]!.content).toBe('You are a test bot.');
    expect(messages[1]!.content).toBe('Alice: My name is Alice');
  });

  it('reports a model failure, keeps the user message and stores no reply', async () => {
    model.failNext(1, { status: 400, message: 'bad request' });
    await process(job(turn('console:c', 'first'), 1));
    expect(platform.finished[0]!.details?.isError).toBe(true);
    expect(platform.finished[0]!.text).toContain('HTTP 400');
    const history = await store.load('console:c');
    expect(history.map((m) => m.role)).toEqual(['user']);
    expect((await store.getMeta('console:c')).usage.calls).toBe(0);
    expect(await store.committedSeq('console:c')).toBe(1);
  });

  it('retries a retryable model failure before giving up', async () => {
    model.failNext(1, { status: 503 });
    await process(job(turn('console:d', 'again'), 1));
    expect(model.requests).toHaveLength(2);
    expect(platform.finished[0]!.details?.isError).toBe(false);

    model.failNext(2, { status: 500 });
    await process(job(turn('console:d', 'and again'), 2));
    expect(platform.finished[1]!.text).toContain('not responding');
    expect((await store.load('console:d')).map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
  });

  it('throws without committing when the reply cannot be posted, so the queue retries the turn', async () => {
    platform.failNextFinish(1);
    await expect(process(job(turn('console:e', 'hi'), 1))).rejects.toThrow('platform down');
    expect(await store.count('console:e')).toBe(0);
    expect(await store.committedSeq('console:e')).toBe(0);
    await process(job(turn('console:e', 'hi'), 1, { attempt: 2 }));
    expect(await store.count('console:e')).toBe(2);
  });

  it('commits the reply on the last attempt even if posting fails', async () => {
    platform.failNextFinish(1);
    await process(job(turn('console:f', 'hi'), 1, { attempt: 3, maxAttempts: 3 }));
    expect(await store.count('console:f')).toBe(2);
  });

  it('settles a turn that exhausted its attempts without calling the model', async () => {
    await process(job(turn('console:g', 'poison'), 1, { attempt: 4, maxAttempts: 3 }));
    expect(model.requests).toHaveLength(0);
    expect(platform.finished[0]!.details?.isError).toBe(true);
    expect((await store.load('console:g')).map((m) => m.content)).toEqual(['poison']);
    expect(await store.committedSeq('console:g')).toBe(1);
  });

  it('a reset turn clears the history but keeps usage', async () => {
    await process(job(turn('console:h', 'remember me'), 1));
    await process(job({ ...turn('console:h', ''), kind: 'reset' }, 2));
    expect(await store.count('console:h')).toBe(0);
    expect((await store.getMeta('console:h')).usage.calls).toBe(1);
    expect(platform.finished).toHaveLength(1);
  });

  it('seeds a new session with the thread context, and only a new session', async () => {
    const context = [
      { author: { id: 'U2', name: 'Bob' }, fromBot: false, text: 'the build is red', at: 1 },
      { author: { id: 'B1', name: 'parley' }, fromBot: true, text: 'Which job?', at: 2 },
    ];
    await process(job(turn('console:i', 'can you help?', { context }), 1));
    const first = model.requests[0]!.body.messages;
    expect(first.map((m) => [m.role, m.content])).toEqual([
      ['system', 'You are a test bot.'],
      ['user', 'Bob: the build is red'],
      ['assistant', 'Which job?'],
      ['user', 'Alice: can you help?'],
    ]);
    expect(await store.count('console:i')).toBe(4);
    await process(job(turn('console:i', 'still there?', { context }), 2));
    expect(await store.count('console:i')).toBe(6);
  });

  it('a replayed seq does not duplicate history', async () => {
    await process(job(turn('console:j', 'once'), 1));
    await process(job(turn('console:j', 'once'), 1, { attempt: 2 }));
    expect(await store.count('console:j')).toBe(2);
  });
});
