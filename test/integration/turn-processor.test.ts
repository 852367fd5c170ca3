import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/app/logger.ts';
import type { HistoryStore } from '../../src/history/history-store.ts';
import { createMemoryHistoryStore } from '../../src/history/memory-history-store.ts';
import { createOpenAIModelClient } from '../../src/model/openai-model-client.ts';
import { getTokenCounter } from '../../src/model/token-counter.ts';
import { createInProcessTurnQueue } from '../../src/queue/in-process-turn-queue.ts';
import type { TurnJob } from '../../src/queue/turn-queue.ts';
import { COMMAND_GIVE_UP_TEXT } from '../../src/turn/phases/give-up-turn.ts';
import type {
  CommandResponse,
  OpenReplyOptions,
  PostedMessage,
  ReplyChannel,
  ReplyDetails,
} from '../../src/turn/reply-channel.ts';
import type { Turn } from '../../src/turn/turn.ts';
import { createTurnProcessor, type TurnProcessorOptions } from '../../src/turn/turn-processor.ts';
import { createMemoryUsageLedger } from '../../src/usage/memory-usage-ledger.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fakes/fake-openai-server.ts';
import { waitFor } from '../helpers/wait-for.ts';

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
  const opened: OpenReplyOptions[] = [];
  const responses: CommandResponse[] = [];
  const deleted: PostedMessage[][] = [];
  let working = 0;
  let failFinishes = 0;
  let posts = 0;
  const channel: ReplyChannel = {
    platform: 'console',
    respond: async (_target, response) => {
      responses.push(response);
    },
    deleteReply: async (_target, posted) => {
      deleted.push(posted);
    },
    openReply: (_target, options) => ({
      async showWorking() {
        working += 1;
      },
      update(text) {
        updates.push(text);
      },
      async finish(text, details) {
        opened.push(options);
        if (failFinishes > 0) {
          failFinishes -= 1;
          await options.onPosted([{ channelId: 'c', messageId: 'partial' }]);
          throw new Error('platform down');
        }
        finished.push({ text, details });
        // A reply edits the messages it was opened over, or posts one of its own.
        posts += options.previous.length > 0 ? 0 : 1;
        await options.onPosted(
          options.previous.length > 0 ? options.previous : [{ channelId: 'c', messageId: `r${posts}` }],
        );
      },
    }),
  };
  return {
    channel,
    deleted,
    finished,
    updates,
    opened,
    responses,
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

/** The processor under test: the real OpenAI client on the fake model, in-memory store and ledger. */
function processorOptions(): TurnProcessorOptions {
  return {
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
  };
}

beforeEach(() => {
  model.reset();
  store = createMemoryHistoryStore();
  platform = recordingChannel();
  process = createTurnProcessor(processorOptions());
});

describe('turn pipeline', () => {
  it('answers, streams, and commits the exchange with usage and cached token counts', async () => {
    await process(job(turn('console:a', 'hello there'), 1));
    expect(platform.working()).toBe(1);
    expect(platform.finished).toEqual([
      {
        text: 'Echo: Alice: hello there',
        details: {
          isError: false,
          usage: expect.any(Object),
          costUsd: expect.any(Number),
          // What feedback buttons under the answer are recorded against.
          answer: { sessionId: 'console:a', scopeId: 'console:a', model: expect.any(String) },
        },
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

  it('keeps the answer when its post fails: the model is asked once and only the post is retried', async () => {
    platform.failNextFinish(1);
    await process(job(turn('console:e', 'hi'), 1));
    expect(model.requests).toHaveLength(1);
    expect(platform.finished.map((reply) => reply.text)).toEqual(['Echo: Alice: hi']);
    // The retry edits what the failed attempt had posted.
    expect(platform.opened.at(-1)?.previous).toEqual([{ channelId: 'c', messageId: 'partial' }]);
    expect(await store.count('console:e')).toBe(2);
    expect(await store.committedSeq('console:e')).toBe(1);
  });

  it('commits the answer when its post keeps failing, and a re-run does not ask the model again', async () => {
    platform.failNextFinish(10);
    await process(job(turn('console:f', 'hi'), 1));
    expect(await store.count('console:f')).toBe(2);
    await process(job(turn('console:f', 'hi'), 1, { attempt: 2 }));
    expect(model.requests).toHaveLength(1);
    expect((await store.getMeta('console:f')).usage.calls).toBe(1);
  });

  it('a rate limit whose retry-after outlasts the deadline: asked once, told when to try again', async () => {
    model.failNext(2, { status: 429, retryAfterSeconds: 20 * 60 });
    await process(job(turn('console:k', 'busy?'), 1));
    expect(model.requests).toHaveLength(1);
    expect(platform.finished[0]!.text).toContain('Please try again in about 20 minutes.');
    expect((await store.load('console:k')).map((m) => m.role)).toEqual(['user']);
  });

  it('an account out of quota is not asked again', async () => {
    model.failNext(2, {
      status: 429,
      code: 'insufficient_quota',
      message: 'You exceeded your current quota',
    });
    await process(job(turn('console:l', 'hello'), 1));
    expect(model.requests).toHaveLength(1);
    expect(platform.finished[0]!.text).toContain('out of credit or over its quota');
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

describe('turn pipeline on the in-process queue: no turn blocks its session', () => {
  async function runQueue(options: TurnProcessorOptions, turns: Turn[]) {
    const queue = createInProcessTurnQueue({
      concurrency: 1,
      committedSeq: (sessionId) => store.committedSeq(sessionId),
      maxAttempts: 3,
      retryDelayMs: () => 5,
      logger: silentLogger,
    });
    await queue.process(createTurnProcessor(options));
    for (const queued of turns) await queue.enqueue(queued);
    const sessionId = turns[0]!.sessionId;
    await waitFor(
      'every turn to be committed',
      async () => (await store.committedSeq(sessionId)) >= turns.length,
    );
    await queue.close();
  }

  it('a turn for a platform this worker has no token for is settled after its runs; the next is answered', async () => {
    const unreachable = turn('console:q', 'for slack', { target: { platform: 'slack', channelId: 'C1' } });
    await runQueue(processorOptions(), [unreachable, turn('console:q', 'for here')]);
    // The skipped message stays in the history (merged into the next user message of the prompt).
    const answer = 'Echo: Alice: for slack\n\nAlice: for here';
    expect(platform.finished.map((reply) => reply.text)).toEqual([answer]);
    expect(model.requests).toHaveLength(1);
    expect((await store.load('console:q')).map((m) => m.content)).toEqual(['for slack', 'for here', answer]);
  });

  it('a command that keeps throwing is given up after its runs, the invoker told; the next turn is answered', async () => {
    const ledger = createMemoryUsageLedger();
    ledger.read = async () => {
      throw new Error('ledger bug');
    };
    const usage = turn('console:r', '', { kind: 'command', command: { name: 'usage', args: '' } });
    await runQueue({ ...processorOptions(), ledger }, [usage, turn('console:r', 'still there?')]);
    expect(platform.responses).toEqual([{ text: COMMAND_GIVE_UP_TEXT }]);
    expect(platform.finished.map((reply) => reply.text)).toEqual(['Echo: Alice: still there?']);
  });
});

describe('turn pipeline: conversations as people have them', () => {
  const bob = { id: 'U2', name: 'Bob' };
  const conversation = 'console:people';
  const contents = async () =>
    (await store.load(conversation)).map((m) => [m.role, m.content, m.ref ?? m.replies?.[0]?.messageId]);

  it('listens, answers, answers an edit in place, amends an older message and deletes an answer', async () => {
    await process(
      job(turn(conversation, 'Alice, lunch?', { kind: 'listen', author: bob, messageRef: 'b1' }), 1),
    );
    expect(model.requests).toHaveLength(0);
    expect(platform.finished).toEqual([]);

    await process(job(turn(conversation, 'What did Bob ask?', { messageRef: 'a1' }), 2));
    expect(model.requests[0]!.body.messages.at(-1)!.content).toBe(
      'Bob: Alice, lunch?\n\nAlice: What did Bob ask?',
    );
    const first = platform.finished[0]!.text;

    const edit = turn(conversation, 'What did Bob want?', { kind: 'edit', targetRef: 'a1', id: 'edit-a1' });
    await process(job(edit, 3));
    const edited = model.requests[1]!.body.messages;
    expect(edited.at(-1)!.content).toBe('Bob: Alice, lunch?\n\nAlice: What did Bob want?');
    expect(JSON.stringify(edited)).not.toContain(first);
    // The new answer went into the old answer's message.
    expect(platform.opened.at(-1)!.previous).toEqual([{ channelId: 'c', messageId: 'r1' }]);
    const second = platform.finished[1]!.text;
    expect(await contents()).toEqual([
      ['user', 'Alice, lunch?', 'b1'],
      ['user', 'What did Bob want?', 'a1'],
      ['assistant', second, 'r1'],
    ]);

    const amend = turn(conversation, 'Alice, lunch at 1?', {
      kind: 'edit',
      targetRef: 'b1',
      id: 'edit-b1',
      author: bob,
    });
    await process(job(amend, 4));
    expect(model.requests).toHaveLength(2);

    await process(job(turn(conversation, '', { kind: 'delete', targetRef: 'a1', id: 'delete-a1' }), 5));
    expect(platform.deleted).toEqual([[{ channelId: 'c', messageId: 'r1' }]]);
    expect(await contents()).toEqual([['user', 'Alice, lunch at 1?', 'b1']]);
    const meta = await store.getMeta(conversation);
    expect(meta.historyTokens).toBe((await store.load(conversation))[0]!.tokens);
    expect(meta.usage.calls).toBe(2);
    expect(await store.committedSeq(conversation)).toBe(5);
  });
});
