/**
 * A worker in its own process, built by the product's `createWorkerPipeline` (Redis history store and usage
 * ledger, BullMQ turn queue, OpenAI client, turn processor) with the fake chat platform as its only reply channel
 * (platform `console`). `test/helpers/worker-process.ts` and `soak/soak-worker.ts` run it with their defaults.
 *
 * Flags: --redis-url, --prefix, --openai-url, --platform-url (required); --concurrency, --lock-ms, --sweep-ms,
 * --max-attempts, --model-timeout-ms, --model-retries, --model, --retry-delay-ms (0: the product's backoff).
 *
 * Prints `{"ready":true,"pid":<pid>}` on stdout once it takes work; logs (pino, `LOG_LEVEL`, default warn) go
 * to stderr. SIGTERM or SIGINT closes the queue (in-flight turns finish) and exits 0.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../src/app/config.ts';
import { createLogger } from '../../src/app/logger.ts';
import { createWorkerPipeline } from '../../src/app/worker-pipeline.ts';
import { createHttpReplyChannel } from '../fakes/fake-chat-platform.ts';

/** Defaults of the flags that have one. */
export interface WorkerProcessDefaults {
  concurrency: number;
  lockMs: number;
  sweepMs: number;
  maxAttempts: number;
  modelTimeoutMs: number;
  modelRetries: number;
  /** Fixed delay between retries of a turn and of its model call; 0 keeps the product's backoff. */
  retryDelayMs: number;
  systemPrompt: string;
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

function required(name: string, value: string | undefined): string {
  return value || fail(`--${name} is required`);
}

function integer(name: string, value: string, min: number): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min)
    fail(`--${name} must be an integer of at least ${min}, got "${value}"`);
  return parsed;
}

function parseFlags(defaults: WorkerProcessDefaults) {
  const { values } = parseArgs({
    options: {
      'redis-url': { type: 'string' },
      prefix: { type: 'string' },
      'openai-url': { type: 'string' },
      'platform-url': { type: 'string' },
      concurrency: { type: 'string', default: String(defaults.concurrency) },
      'lock-ms': { type: 'string', default: String(defaults.lockMs) },
      'sweep-ms': { type: 'string', default: String(defaults.sweepMs) },
      'max-attempts': { type: 'string', default: String(defaults.maxAttempts) },
      'model-timeout-ms': { type: 'string', default: String(defaults.modelTimeoutMs) },
      'model-retries': { type: 'string', default: String(defaults.modelRetries) },
      'retry-delay-ms': { type: 'string', default: String(defaults.retryDelayMs) },
      model: { type: 'string', default: 'gpt-3.5-turbo' },
    },
  });
  return {
    redisUrl: required('redis-url', values['redis-url']),
    prefix: required('prefix', values.prefix),
    openaiUrl: required('openai-url', values['openai-url']),
    platformUrl: required('platform-url', values['platform-url']),
    concurrency: integer('concurrency', values.concurrency, 1),
    lockMs: integer('lock-ms', values['lock-ms'], 1000),
    sweepMs: integer('sweep-ms', values['sweep-ms'], 100),
    maxAttempts: integer('max-attempts', values['max-attempts'], 1),
    modelTimeoutMs: integer('model-timeout-ms', values['model-timeout-ms'], 1),
    modelRetries: integer('model-retries', values['model-retries'], 0),
    retryDelayMs: integer('retry-delay-ms', values['retry-delay-ms'], 0),
    model: values.model,
  };
}

/** A blocked event loop delays lock renewal; say so, because a lost lock lets a second worker into the session. */
function watchEventLoop(lockMs: number, logger: ReturnType<typeof createLogger>): void {
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  loopDelay.enable();
  setInterval(() => {
    const worstMs = loopDelay.max / 1e6;
    if (worstMs > lockMs / 4) logger.warn({ worstMs: Math.round(worstMs) }, 'event loop was blocked');
    loopDelay.reset();
  }, 1_000).unref();
}

/** Parses the flags, starts the worker and stops it on SIGTERM/SIGINT. */
export async function runWorkerProcess(defaults: WorkerProcessDefaults): Promise<void> {
  const flags = parseFlags(defaults);
  const config = loadConfig({
    OPENAI_BASE_URL: flags.openaiUrl,
    MODEL: flags.model,
    SYSTEM_PROMPT: defaults.systemPrompt,
    MAX_CONTEXT_TOKENS: '16000',
    MAX_REPLY_TOKENS: '200',
    MODEL_TIMEOUT_MS: String(flags.modelTimeoutMs),
    MODEL_MAX_RETRIES: String(flags.modelRetries),
    TURN_MAX_ATTEMPTS: String(flags.maxAttempts),
    TURN_LOCK_MS: String(flags.lockMs),
    WORKER_CONCURRENCY: String(flags.concurrency),
    REDIS_URL: flags.redisUrl,
    REDIS_PREFIX: flags.prefix,
    PARLEY_ROLE: 'worker',
    SUMMARY: 'off',
  });
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn').child({ pid: process.pid });
  const fixedDelay = flags.retryDelayMs > 0 ? () => flags.retryDelayMs : undefined;
  const pipeline = createWorkerPipeline(config, {
    logger,
    replyChannels: { console: createHttpReplyChannel({ url: flags.platformUrl }) },
    tuning: { sweepIntervalMs: flags.sweepMs, queueRetryDelayMs: fixedDelay, modelRetryDelayMs: fixedDelay },
  });
  watchEventLoop(flags.lockMs, logger);
  await pipeline.startWorker();
  process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid })}\n`);

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    pipeline.close({ timeoutMs: 5_000 }).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'unclean shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
