import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/app/config.ts';
import type { StoredMessage } from '../../src/history/history-store.ts';
import { historyKeys } from '../../src/history/redis/history-keys.ts';
import { createRedisHistoryStore } from '../../src/history/redis/redis-history-store.ts';
import { encodingForModel, getTokenCounter, getTokenizer } from '../../src/model/token-counter.ts';
import { assemblePrompt } from '../../src/prompt/assemble-prompt.ts';
import { renderContent, toStoredMessage } from '../../src/prompt/render-message.ts';
import { replyText, seededRandom, userText } from '../lib/bench-text.ts';
import { ownCpuMs } from '../lib/process-cpu.ts';
import { summarize } from '../lib/stats.ts';

/** Options of the history-length run. */
export interface HistoryScalingOptions {
  /** Redis URL. */
  redisUrl: string;
  /** Key prefix. */
  prefix: string;
  /** Stored history lengths to measure. */
  lengths: number[];
  /** Turns measured per length for our path. */
  iterations: number;
  /** Longest time spent on the naive path per length, ms (it is slow on long histories). */
  naiveBudgetMs: number;
  /** MAX_CONTEXT_TOKENS. */
  maxContextTokens: number;
  /** MAX_REPLY_TOKENS. */
  maxReplyTokens: number;
}

/** One approach at one history length. */
export interface ScalingSample {
  /** Median wall time per turn, ms. */
  p50Ms: number;
  /** Mean CPU time of this process per turn, ms. */
  cpuMs: number;
  /** Turns measured. */
  turns: number;
  /** Messages of the history that made it into the prompt. */
  messagesInPrompt: number;
}

/** Our path and the naive one at one stored history length. */
export interface ScalingRow {
  /** Stored messages. */
  length: number;
  /** Stored tokens (sum of the cached counts). */
  storedTokens: number;
  /** store.load with limits + assemblePrompt + counting the new message. */
  ours: ScalingSample;
  /** LRANGE 0 -1, re-encode everything with js-tiktoken, drop the oldest until it fits. */
  naive: ScalingSample;
}

const MODEL = 'gpt-4o-mini';
const TUTORIAL_TOKENS_PER_MESSAGE = 4;

/**
 * Prompt building against histories of growing length in Redis, ours next to the tutorials' way.
 * Messages alternate between a user (30–60 tokens) and the assistant (150–300 tokens).
 */
export async function runHistoryScaling(options: HistoryScalingOptions): Promise<ScalingRow[]> {
  const config = loadConfig({
    OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
    MODEL,
    MAX_CONTEXT_TOKENS: String(options.maxContextTokens),
    MAX_REPLY_TOKENS: String(options.maxReplyTokens),
  });
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const store = createRedisHistoryStore({ redis, prefix: options.prefix });
  const counter = getTokenCounter(MODEL);
  const tokenizer = getTokenizer(encodingForModel(MODEL));
  const budget = config.model.maxContextTokens - config.model.maxReplyTokens;
  const random = seededRandom(4);
  const author = { id: 'U1', name: 'Alice' };

  const seed = async (sessionId: string, length: number): Promise<number> => {
    let tokens = 0;
    for (let from = 0; from < length; from += 1_000) {
      const batch: StoredMessage[] = [];
      for (let i = from; i < Math.min(length, from + 1_000); i++) {
        const message =
          i % 2 === 0
            ? toStoredMessage({ role: 'user', content: userText(random), author, at: i }, counter)
            : toStoredMessage({ role: 'assistant', content: replyText(random), at: i }, counter);
        tokens += message.tokens;
        batch.push(message);
      }
      await store.append(sessionId, batch);
    }
    return tokens;
  };

  const ours = async (sessionId: string): Promise<number> => {
    const userMessage = toStoredMessage(
      { role: 'user', content: userText(random), author, at: Date.now() },
      counter,
    );
    const history = await store.load(sessionId, { maxTokens: budget });
    const prompt = assemblePrompt({
      systemPrompt: config.model.systemPrompt,
      history,
      pending: [userMessage],
      maxContextTokens: config.model.maxContextTokens,
      maxReplyTokens: config.model.maxReplyTokens,
      counter,
    });
    return prompt.messages.length - 2;
  };

  // What most tutorials do: fetch everything, count every message again, drop from the front until it fits.
  const naive = async (sessionId: string): Promise<number> => {
    const content = userText(random);
    const raw = await redis.lrange(historyKeys(options.prefix, sessionId).history, 0, -1);
    const history = raw.map((entry) => JSON.parse(entry) as StoredMessage);
    const system = TUTORIAL_TOKENS_PER_MESSAGE + tokenizer.encode(config.model.systemPrompt).length;
    const fresh = TUTORIAL_TOKENS_PER_MESSAGE + tokenizer.encode(`Alice: ${content}`).length;
    const counted = history.map((message) => ({
      role: message.role,
      content: renderContent(message),
      tokens: TUTORIAL_TOKENS_PER_MESSAGE + tokenizer.encode(renderContent(message)).length,
    }));
    let total = system + fresh + counted.reduce((sum, message) => sum + message.tokens, 0);
    while (total > budget && counted.length > 0) total -= counted.shift()!.tokens;
    const messages = [
      { role: 'system', content: config.model.systemPrompt },
      ...counted.map(({ role, content }) => ({ role, content })),
      { role: 'user', content: `Alice: ${content}` },
    ];
    return messages.length - 2;
  };

  const measure = async (
    run: (sessionId: string) => Promise<number>,
    sessionId: string,
    maxTurns: number,
    budgetMs: number,
  ): Promise<ScalingSample> => {
    const durations: number[] = [];
    let messagesInPrompt = 0;
    const cpuBefore = ownCpuMs();
    const started = performance.now();
    while (durations.length < maxTurns && (durations.length < 3 || performance.now() - started < budgetMs)) {
      const t0 = performance.now();
      messagesInPrompt = await run(sessionId);
      durations.push(performance.now() - t0);
    }
    const cpuMs = (ownCpuMs() - cpuBefore) / durations.length;
    return { p50Ms: summarize(durations).p50, cpuMs, turns: durations.length, messagesInPrompt };
  };

  const rows: ScalingRow[] = [];
  const sessions = new Map<number, { id: string; tokens: number }>();
  for (const length of options.lengths) {
    const id = `bench:history:${length}`;
    sessions.set(length, { id, tokens: await seed(id, length) });
  }
  // Warm both paths up (JIT) on the shortest history before measuring anything.
  const shortest = sessions.get(options.lengths[0]!)!.id;
  await measure(ours, shortest, 200, 60_000);
  await measure(naive, shortest, 50, 60_000);
  for (const length of options.lengths) {
    const { id, tokens } = sessions.get(length)!;
    rows.push({
      length,
      storedTokens: tokens,
      ours: await measure(ours, id, options.iterations, 60_000),
      naive: await measure(naive, id, options.iterations, options.naiveBudgetMs),
    });
  }
  await store.close();
  await redis.quit();
  return rows;
}
