/**
 * A soak worker in its own process: the real Redis history store, BullMQ turn queue, OpenAI client and turn
 * processor (with its production retry delays), answering on the recording fake chat platform (platform
 * `console`). Like test/helpers/worker-process.ts, plus the model's timeout and SDK retries as flags, so the soak
 * can make a slow model time out without each turn taking minutes.
 *
 *   node --import tsx soak/soak-worker.ts --redis-url redis://127.0.0.1:6400 --prefix soak \
 *     --openai-url http://127.0.0.1:5000/v1 --platform-url http://127.0.0.1:5001 \
 *     [--concurrency 50] [--lock-ms 5000] [--sweep-ms 1000] [--max-attempts 3] \
 *     [--model-timeout-ms 2000] [--model-retries 1] [--model gpt-3.5-turbo]
 *
 * Prints `{"ready":true,"pid":<pid>}` on stdout once it takes work; logs (pino, `LOG_LEVEL`, default warn) go to
 * stderr. SIGTERM or SIGINT closes the queue (in-flight turns finish) and exits 0.
 */
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { createLogger } from '../src/app/logger.ts';
import { emptyUsage } from '../src/history/history-store.ts';
import { createRedisHistoryStore } from '../src/history/redis/redis-history-store.ts';
import { createOpenAIModelClient } from '../src/model/openai-model-client.ts';
import { getTokenCounter } from '../src/model/token-counter.ts';
import { createBullTurnQueue } from '../src/queue/bullmq/bullmq-turn-queue.ts';
import { createTurnProcessor } from '../src/turn/turn-processor.ts';
import type { UsageLedger } from '../src/usage/usage-ledger.ts';
import { createHttpReplyChannel } from '../test/fakes/fake-chat-platform.ts';

const { values } = parseArgs({
  options: {
    'redis-url': { type: 'string' },
    prefix: { type: 'string' },
    'openai-url': { type: 'string' },
    'platform-url': { type: 'string' },
    concurrency: { type: 'string', default: '50' },
    'lock-ms': { type: 'string', default: '5000' },
    'sweep-ms': { type: 'string', default: '1000' },
    'max-attempts': { type: 'string', default: '3' },
    'model-timeout-ms': { type: 'string', default: '2000' },
    'model-retries': { type: 'string', default: '1' },
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

function integer(name: string, value: string, min: number): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min) {
    process.stderr.write(`--${name} must be an integer of at least ${min}, got "${value}"\n`);
    process.exit(2);
  }
  return parsed;
}

const logger = createLogger(process.env.LOG_LEVEL ?? 'warn').child({ pid: process.pid });
const prefix = required('prefix', values.prefix);
const maxAttempts = integer('max-attempts', values['max-attempts'], 1);

// `null` retries: commands wait out a Redis restart instead of failing the turn.
const redis = new Redis(required('redis-url', values['redis-url']), { maxRetriesPerRequest: null });
redis.on('error', (error: Error) => logger.warn({ err: error.message }, 'redis connection error'));
const store = createRedisHistoryStore({ redis, prefix, logger });
const queue = createBullTurnQueue({
  redis,
  prefix,
  concurrency: integer('concurrency', values.concurrency, 1),
  committedSeq: (sessionId) => store.committedSeq(sessionId),
  maxAttempts,
  lockDurationMs: integer('lock-ms', values['lock-ms'], 1000),
  sweepIntervalMs: integer('sweep-ms', values['sweep-ms'], 100),
  logger,
});
const model = createOpenAIModelClient({
  baseUrl: required('openai-url', values['openai-url']),
  model: values.model,
  maxReplyTokens: 200,
  timeoutMs: integer('model-timeout-ms', values['model-timeout-ms'], 1),
  maxRetries: integer('model-retries', values['model-retries'], 0),
  logger,
});
const counter = getTokenCounter(values.model);
// Building the tokenizer blocks for a while; do it before taking jobs so lock renewal never waits on it.
counter.count('warm up');
// Budgets and `/usage` are not under test: a ledger that keeps nothing.
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
  prompt: { systemPrompt: 'You are a soak test assistant.', maxContextTokens: 16_000, maxReplyTokens: 200 },
  modelAttempts: maxAttempts,
  logger,
});

await queue.process(processor);
process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid })}\n`);

let stopping = false;
const stop = () => {
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
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
