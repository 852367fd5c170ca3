import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/app/logger.ts';
import type { HistoryStore } from '../../../src/history/history-store.ts';
import { createMemoryHistoryStore } from '../../../src/history/memory-history-store.ts';
import { createOpenAIModelClient } from '../../../src/model/openai-model-client.ts';
import { getTokenCounter } from '../../../src/model/token-counter.ts';
import type { ToolRegistry } from '../../../src/tools/tool-registry.ts';
import { DROPPED_RESULT_TEXT } from '../../../src/turn/phases/fit-follow-up.ts';
import { createTurnProcessor } from '../../../src/turn/turn-processor.ts';
import { createMemoryUsageLedger } from '../../../src/usage/memory-usage-ledger.ts';
import type { UsageLedger } from '../../../src/usage/usage-ledger.ts';
import type { FakeOpenAI, WireChatMessage } from '../../fakes/fake-openai-server.ts';
import { startFakeOpenAI } from '../../fakes/fake-openai-server.ts';
import { type FakeMcpHttp, startFakeMcpHttp } from '../../fakes/mcp/fake-mcp-http.ts';
import {
  jobOf,
  latestToolResults,
  recordingChannel,
  storedShape,
  testRegistry,
  turnOf,
} from './tool-harness.ts';

const counter = getTokenCounter('gpt-4o-mini');
let model: FakeOpenAI;
let remote: FakeMcpHttp;
let registry: ToolRegistry;
let store: HistoryStore;
let ledger: UsageLedger;
let platform: ReturnType<typeof recordingChannel>;

beforeAll(async () => {
  model = await startFakeOpenAI();
  remote = await startFakeMcpHttp();
  registry = testRegistry(
    [
      {
        name: 'remote',
        transport: { kind: 'http', url: remote.url, headers: {} },
        confirm: { all: false, tools: [] },
      },
    ],
    counter,
    { maxResultTokens: 250, maxRounds: 3 },
  );
  await registry.start();
}, 30_000);

afterAll(async () => {
  await registry?.close();
  await remote?.stop();
  await model?.close();
});

beforeEach(() => {
  model.reset();
  store = createMemoryHistoryStore();
  ledger = createMemoryUsageLedger();
  platform = recordingChannel();
});

/** A processor over the suite's model and tools with a prompt budget of `maxContextTokens`. */
function processorWith(maxContextTokens = 8_000) {
  return createTurnProcessor({
    store,
    model: createOpenAIModelClient({
      baseUrl: model.url,
      model: 'gpt-4o-mini',
      maxReplyTokens: 200,
      timeoutMs: 5_000,
      maxRetries: 0,
    }),
    counter,
    replyChannels: { console: platform.channel },
    prompt: { systemPrompt: 'You are a test bot.', maxContextTokens, maxReplyTokens: 200 },
    modelAttempts: 1,
    ledger,
    logger: silentLogger,
    admin: { users: [], commands: ['persona', 'forget', 'tools'] },
    tools: registry,
  });
}

/** Tokens of a request's messages as the API counts them: text, frames, tool calls' names and arguments. */
function wireTokens(messages: readonly WireChatMessage[]): number {
  const text = (content: WireChatMessage['content']) => (typeof content === 'string' ? content : '');
  let tokens = counter.promptTokens(
    messages.map((message) => ({ role: message.role, content: text(message.content) })),
  );
  for (const message of messages) {
    const calls = (message.tool_calls ?? []) as Array<{ function: { name: string; arguments: string } }>;
    for (const call of calls)
      tokens += counter.count(call.function.name) + counter.count(call.function.arguments);
  }
  return tokens;
}

/** Every tool result in `messages` follows the assistant message that called it. */
function everyResultHasItsCall(messages: readonly WireChatMessage[]): boolean {
  const called = new Set<string>();
  for (const message of messages) {
    const calls = (message.tool_calls ?? []) as Array<{ id: string }>;
    for (const call of calls) called.add(call.id);
    if (message.role === 'tool' && !called.has(String(message.tool_call_id))) return false;
  }
  return true;
}

/** A model that calls `big` (one call per round, ids unique per turn) `rounds` times, then answers. */
function bigRounds(rounds: number, tag: string) {
  model.respondWith((body) => {
    const done = body.messages.filter(
      (message) => message.role === 'tool' && message.tool_call_id?.startsWith(tag),
    );
    if (done.length < rounds) {
      return {
        content: '',
        toolCalls: [{ id: `${tag}${done.length}`, name: 'remote__big', arguments: '{"words":3000}' }],
      };
    }
    return `Done ${tag}.`;
  });
}

describe('a turn that grows with its tool rounds', () => {
  it('trims the older conversation by whole tool units before each round, keeping its own calls and results', async () => {
    const processTurn = processorWith(1_400);
    const budget = 1_400 - 200;
    for (const [seq, tag] of [
      [1, 'a'],
      [2, 'b'],
    ] as const) {
      bigRounds(1, tag);
      await processTurn(jobOf(turnOf('console:grow', `turn ${tag}`), seq));
    }
    model.reset();
    bigRounds(3, 'c');
    await processTurn(jobOf(turnOf('console:grow', 'turn c'), 3));

    expect(model.requests).toHaveLength(4);
    for (const { body } of model.requests) {
      expect(wireTokens(body.messages)).toBeLessThanOrEqual(budget);
      expect(everyResultHasItsCall(body.messages)).toBe(true);
    }
    const ids = (messages: readonly WireChatMessage[]) =>
      messages.filter((message) => message.role === 'tool').map((message) => message.tool_call_id);
    // The first request of the turn still had the oldest exchange; by the last round it gave way, whole.
    expect(ids(model.requests[0]!.body.messages)).toContain('a0');
    const last = model.requests.at(-1)!.body.messages;
    expect(ids(last)).not.toContain('a0');
    expect(last.some((message) => String(message.content).includes('turn a'))).toBe(false);
    // The turn's own three results travel whole, after its question.
    expect(ids(last).slice(-3)).toEqual(['c0', 'c1', 'c2']);
    expect(
      last.filter((message) => message.role === 'tool').every((m) => m.content !== DROPPED_RESULT_TEXT),
    ).toBe(true);
    expect(String(last.findLast((message) => message.role === 'user')?.content)).toContain('turn c');
    expect(platform.finished.at(-1)!.text).toContain('Done c.');
  });

  it('replaces its own oldest results with a marker when they alone would overflow', async () => {
    const processTurn = processorWith(900);
    bigRounds(3, 'd');
    await processTurn(jobOf(turnOf('console:overflow', 'turn d'), 1));
    expect(model.requests).toHaveLength(4);
    for (const { body } of model.requests) {
      expect(wireTokens(body.messages)).toBeLessThanOrEqual(900 - 200);
      expect(everyResultHasItsCall(body.messages)).toBe(true);
    }
    const results = model.requests.at(-1)!.body.messages.filter((message) => message.role === 'tool');
    expect(results.map((result) => result.tool_call_id)).toEqual(['d0', 'd1', 'd2']);
    expect(results[0]!.content).toBe(DROPPED_RESULT_TEXT);
    expect(results.at(-1)!.content).not.toBe(DROPPED_RESULT_TEXT);
  });
});

describe('an edited question that was answered with tools', () => {
  it('answers again in place and replaces the whole exchange, calls and results included', async () => {
    const processTurn = processorWith();
    model.respondWith((body) =>
      latestToolResults(body).length === 0
        ? { content: '', toolCalls: [{ name: 'remote__echo', arguments: '{"text":"first"}' }] }
        : `Tool said: ${latestToolResults(body)[0]!.content}`,
    );
    const question = turnOf('console:edit', 'what does echo say?', { messageRef: 'm1' });
    await processTurn(jobOf(question, 1));
    expect(await storedShape(store, 'console:edit')).toHaveLength(4);
    const firstReply = platform.finished.length;

    model.respondWith((body) => {
      const results = latestToolResults(body);
      if (results.length === 0) {
        return { content: '', toolCalls: [{ name: 'remote__echo', arguments: '{"text":"edited"}' }] };
      }
      return `Edited answer: ${results[0]!.content}`;
    });
    await processTurn(
      jobOf(
        turnOf('console:edit', 'what does echo say now?', {
          kind: 'edit',
          targetRef: 'm1',
          messageRef: 'm1',
        }),
        2,
      ),
    );

    // The old exchange is not in the new request: the edited question is answered on its own.
    const rerun = model.requests.at(-2)!.body.messages;
    expect(rerun.map((message) => message.role)).toEqual(['system', 'user']);
    expect(rerun.at(-1)!.content).toContain('what does echo say now?');
    expect(platform.finished.length).toBe(firstReply + 1);
    expect(platform.finished.at(-1)!.text).toContain('Edited answer: echo: edited');
    const stored = await store.load('console:edit');
    expect(stored.map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(stored[0]).toMatchObject({
      content: expect.stringContaining('what does echo say now?'),
      ref: 'm1',
    });
    expect(stored[2]!.content).toBe('echo: edited');
    const meta = await store.getMeta('console:edit');
    expect(meta.historyTokens).toBe(stored.reduce((sum, message) => sum + message.tokens, 0));
  });
});

describe('a later tool round that fails', () => {
  it('still counts the usage of the rounds before it, in the ledger and the conversation totals', async () => {
    const processTurn = processorWith();
    let firstPrompt = 0;
    model.respondWith((body) => {
      if (latestToolResults(body).length > 0) return 'never sent';
      firstPrompt = Math.ceil(
        body.messages.reduce(
          (sum, message) => sum + (typeof message.content === 'string' ? message.content.length : 0),
          0,
        ) / 4,
      );
      // The next request (the round with the results) fails.
      model.failNext(1, { status: 400, message: 'bad request' });
      return { content: '', toolCalls: [{ name: 'remote__echo', arguments: '{"text":"x"}' }] };
    });
    const turn = turnOf('console:fails', 'try it');
    await processTurn(jobOf(turn, 1));

    expect(model.requests).toHaveLength(2);
    expect(platform.finished.at(-1)!.details?.isError).toBe(true);
    expect(firstPrompt).toBeGreaterThan(0);
    const meta = await store.getMeta('console:fails');
    expect(meta.usage.promptTokens).toBe(firstPrompt);
    const report = await ledger.read({ scopeId: 'console:fails', userId: turn.author.id, at: Date.now() });
    expect(report.user.today.promptTokens).toBe(firstPrompt);
  });
});
