/**
 * A queue worker in its own process, built from the real parts (Redis store, BullMQ turn queue, OpenAI client,
 * turn processor) with the fake chat platform as its only reply channel (platform `console`).
 *
 *   node --import tsx test/helpers/worker-process.ts --redis-url redis://127.0.0.1:6400 --prefix p1 \
 *     --openai-url http://127.0.0.1:5000/v1 --platform-url http://127.0.0.1:5001 \
 *     [--concurrency 50] [--lock-ms 2000] [--sweep-ms 1000] [--max-attempts 5] [--model gpt-3.5-turbo]
 *
 * Prints `{"ready":true,"pid":<pid>}` on stdout once it processes; logs (pino, `LOG_LEVEL`, default warn) go to
 * stderr. SIGTERM closes the queue (in-flight turns finish) and exits 0. Spawn it with `node --import tsx` and
 * signal that pid: an `npx` wrapper would not pass the signal on.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { createLogger } from '../../src/app/logger.ts';
import { emptyUsage } from '../../src/history/history-store.ts';
import { createRedisHistoryStore } from '../../src/history/redis/redis-history-store.ts';
import { createOpenAIModelClient } from '../../src/model/openai-model-client.ts';
import { getTokenCounter } from '../../src/model/token-counter.ts';
import { createBullTurnQueue } from '../../src/queue/bullmq/bullmq-turn-queue.ts';
import { createTurnProcessor } from '../../src/turn/turn-processor.ts';
import type { UsageLedger } from '../../src/usage/usage-ledger.ts';
import { createHttpReplyChannel } from '../fakes/fake-chat-platform.ts';

const { values } = parseArgs({
  options: {
    'redis-url': { type: 'string' },
    prefix: { type: 'string' },
    'openai-url': { type: 'string' },
    'platform-url': { type: 'string' },
    concurrency: { type: 'string', default: '50' },
    'lock-ms': { type: 'string', default: '2000' },
    'sweep-ms': { type: 'string', default: '1000' },
    'max-attempts': { type: 'string', default: '5' },
    model: { type: 'string', default: 'gpt-3.5-turbo' },
  },
});

function required(name: string, value: string | undefined): string {
  if (!value) {
    process.stderr.write(`--${name} is required\n`);
    process.exit(2);
  }
  return value;
}

function positive(name: string, value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) {
    process.stderr.write(`--${name} must be a positive integer, got "${value}"\n`);
    process.exit(2);
  }
  return parsed;
}

const logger = createLogger(process.env.LOG_LEVEL ?? 'warn').child({ pid: process.pid });
const prefix = required('prefix', values.prefix);
const maxAttempts = positive('max-attempts', values['max-attempts']);

// One connection for the store and our queue commands; `null` retries so commands wait out a Redis restart.
const redis = new Redis(required('redis-url', values['redis-url']), { maxRetriesPerRequest: null });
redis.on('error', (error: Error) => logger.warn({ err: error.message }, 'redis connection error'));
const store = createRedisHistoryStore({ redis, prefix, logger });
const queue = createBullTurnQueue({
  redis,
  prefix,
  concurrency: positive('concurrency', values.concurrency),
  committedSeq: (sessionId) => store.committedSeq(sessionId),
  maxAttempts,
  lockDurationMs: positive('lock-ms', values['lock-ms']),
  sweepIntervalMs: positive('sweep-ms', values['sweep-ms']),
  retryDelayMs: () => 100,
  logger,
});
const model = createOpenAIModelClient({
  baseUrl: required('openai-url', values['openai-url']),
  model: values.model,
  maxReplyTokens: 200,
  timeoutMs: 10_000,
  maxRetries: 2,
  logger,
});
const counter = getTokenCounter(values.model);
// Building the tokenizer blocks for a while; do it before taking jobs so lock renewal never waits on it.
counter.count('warm up');
// Budgets and `/usage` are not under test here: a ledger that keeps nothing.
const ledger: UsageLedger = {
  record: async () => {},
  read: async () => ({
    scope: { today: emptyUsage(), total: emptyUsage() },
    user: { today: emptyUsage(), total: emptyUsage() },
  }),
  forgetScope: async () => {},
};
const processor = createTurnProcessor({
  ledger,
  store,
  model,
  counter,
  replyChannels: {
    console: createHttpReplyChannel({ url: required('platform-url', values['platform-url']) }),
  },
  prompt: { systemPrompt: 'You are a test assistant.', maxContextTokens: 16_000, maxReplyTokens: 200 },
  modelAttempts: maxAttempts,
  retryDelayMs: () => 50,
  logger,
});

// A blocked event loop delays lock renewal; say so, because a lost lock lets a second worker into the session.
const lockMs = positive('lock-ms', values['lock-ms']);
const loopDelay = monitorEventLoopDelay({ resolution: 20 });
loopDelay.enable();
setInterval(() => {
  const worstMs = loopDelay.max / 1e6;
  if (worstMs > lockMs / 4) logger.warn({ worstMs: Math.round(worstMs) }, 'event loop was blocked');
  loopDelay.reset();
}, 1_000).unref();

await queue.process(processor);
process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid })}\n`);

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  queue
    .close({ timeoutMs: 5_000 })
    .then(() => store.close())
    .then(() => redis.quit())
    .then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'unclean shutdown');
        process.exit(1);
      },
    );
});
