import { Redis } from 'ioredis';
import { createConsoleReplyChannel } from '../../adapters/console/console-reply-channel.ts';
import { createGuardedSink } from '../access/guarded-sink.ts';
import type { HistoryStore } from '../history/history-store.ts';
import { createMemoryHistoryStore } from '../history/memory-history-store.ts';
import { createRedisHistoryStore } from '../history/redis/redis-history-store.ts';
import type { ModelClient } from '../model/model-client.ts';
import { createOpenAIModelClient } from '../model/openai-model-client.ts';
import { createOpenAIResponsesModelClient } from '../model/openai-responses-model-client.ts';
import { getTokenCounter } from '../model/token-counter.ts';
import { createBullTurnQueue } from '../queue/bullmq/bullmq-turn-queue.ts';
import { createInProcessTurnQueue } from '../queue/in-process-turn-queue.ts';
import type { TurnQueue } from '../queue/turn-queue.ts';
import type { PlatformIngress } from '../turn/platform-ingress.ts';
import type { ReplyChannel } from '../turn/reply-channel.ts';
import type { Platform } from '../turn/turn.ts';
import { createTurnProcessor } from '../turn/turn-processor.ts';
import { createMemoryUsageLedger } from '../usage/memory-usage-ledger.ts';
import { createRedisUsageLedger } from '../usage/redis-usage-ledger.ts';
import type { Config } from './config.ts';
import { type HealthReport, type RunningHttpServer, startHttpServer } from './http-server.ts';
import type { Logger } from './logger.ts';
import { createMetrics } from './metrics.ts';

/** Options of `startParley` beyond the configuration. */
export interface StartOptions {
  /** Process logger. */
  logger: Logger;
  /** Run the terminal chat on these streams instead of platform adapters. */
  console?: {
    input: NodeJS.ReadableStream;
    output: NodeJS.WritableStream;
    sessionName: string;
    /** Where `/export` writes files (default: the working directory). */
    exportDir?: string;
  };
  /** Queue tuning for tests (crash takeover time, sweep interval). */
  queueTuning?: { lockDurationMs?: number; sweepIntervalMs?: number };
}

/** A running Parley process. */
export interface RunningParley {
  /** Port of the HTTP server (`/slack/events`, `/healthz`), when one runs. */
  httpPort: number | undefined;
  /** The turn queue. */
  queue: TurnQueue;
  /** The history store. */
  store: HistoryStore;
  /** Resolves when the terminal chat ends (`/exit` or end of input); undefined without one. */
  consoleDone: Promise<void> | undefined;
  /** Health report as `/healthz` serves it. */
  health(): Promise<HealthReport>;
  /** Graceful stop: no new work, in-flight turns finish within `timeoutMs`, connections closed. */
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

function connectRedis(url: string, logger: Logger): Redis {
  // maxRetriesPerRequest: null — commands wait for a reconnect instead of failing while Redis restarts.
  const redis = new Redis(url, { maxRetriesPerRequest: null, connectionName: 'parley' });
  let down = false;
  redis.on('error', (error) => {
    if (!down) logger.warn({ err: error }, 'Redis connection lost; reconnecting');
    down = true;
  });
  redis.on('ready', () => {
    if (down) logger.info('Redis connection restored');
    down = false;
  });
  return redis;
}

/** The composition root: wires config, store, queue, model, platforms and the HTTP server. */
export async function startParley(config: Config, options: StartOptions): Promise<RunningParley> {
  const { logger } = options;
  const consoleMode = options.console !== undefined;
  const redis = config.redisUrl ? connectRedis(config.redisUrl, logger) : undefined;
  // The terminal chat says this in its banner instead of a log line amid the conversation.
  if (!redis && !consoleMode) {
    logger.warn('REDIS_URL is not set: history and queue live in memory and are lost on restart');
  }
  const historyTtlDays = config.historyTtlDays;
  const store = redis
    ? createRedisHistoryStore({ redis, prefix: config.redisPrefix, logger, historyTtlDays })
    : createMemoryHistoryStore({ historyTtlDays });
  const ledger = redis
    ? createRedisUsageLedger({ redis, prefix: config.redisPrefix })
    : createMemoryUsageLedger();

  const runsWorker = config.role !== 'ingress' || consoleMode;
  const runsIngress = config.role !== 'worker' || consoleMode;
  const committedSeq = (sessionId: string) => store.committedSeq(sessionId);
  // The terminal chat answers in this process, so its turns never leave it; its memory still goes to Redis.
  const queue: TurnQueue =
    redis && !consoleMode
      ? createBullTurnQueue({
          redis,
          prefix: config.redisPrefix,
          concurrency: config.workerConcurrency,
          committedSeq,
          maxAttempts: config.turnMaxAttempts,
          lockDurationMs: options.queueTuning?.lockDurationMs ?? config.turnLockMs,
          sweepIntervalMs: options.queueTuning?.sweepIntervalMs,
          logger,
        })
      : createInProcessTurnQueue({
          concurrency: config.workerConcurrency,
          committedSeq,
          maxAttempts: config.turnMaxAttempts,
          logger,
        });

  const metrics = createMetrics();
  metrics.watchQueueDepth(() => queue.pendingCount());

  const consoleReplies = options.console
    ? createConsoleReplyChannel(options.console.output, options.console.exportDir)
    : undefined;
  const replyChannels: Partial<Record<Platform, ReplyChannel>> = {};
  if (consoleReplies) replyChannels.console = consoleReplies;
  if (config.slack && !consoleMode) {
    const { createSlackReplyChannel } = await import('../../adapters/slack/index.ts');
    replyChannels.slack = createSlackReplyChannel({ config: config.slack, logger });
  }
  if (config.discord && !consoleMode) {
    const { createDiscordReplyChannel } = await import('../../adapters/discord/index.ts');
    replyChannels.discord = createDiscordReplyChannel({ config: config.discord, logger });
  }

  if (runsWorker) {
    const createModel =
      config.modelApi === 'responses' ? createOpenAIResponsesModelClient : createOpenAIModelClient;
    const model: ModelClient = createModel({
      apiKey: config.model.apiKey,
      baseUrl: config.model.baseUrl,
      model: config.model.name,
      temperature: config.model.temperature,
      maxReplyTokens: config.model.maxReplyTokens,
      timeoutMs: config.model.timeoutMs,
      maxRetries: config.model.maxRetries,
      logger,
    });
    const processor = createTurnProcessor({
      store,
      model,
      counter: getTokenCounter(config.model.name),
      replyChannels,
      prompt: {
        systemPrompt: config.model.systemPrompt,
        maxContextTokens: config.model.maxContextTokens,
        maxReplyTokens: config.model.maxReplyTokens,
        maxHistoryMessages: config.model.maxHistoryMessages,
      },
      modelAttempts: config.turnMaxAttempts,
      ledger,
      summary: config.summary.enabled ? { threshold: config.summary.threshold } : undefined,
      budgets: config.budgets,
      admin: { users: config.access.adminUsers, commands: config.access.adminCommands },
      logger,
      metrics,
    });
    await queue.process(processor);
  }

  const ingresses: PlatformIngress[] = [];
  // Adapters enqueue through the access rules (and daily rotation, when on).
  const sink = createGuardedSink(queue, {
    access: config.access,
    sessionRotate: config.sessionRotate,
    logger,
  });
  if (runsIngress && !consoleMode) {
    if (config.slack) {
      const { createSlackIngress } = await import('../../adapters/slack/index.ts');
      ingresses.push(createSlackIngress({ config: config.slack, sink, logger }));
    }
    if (config.discord) {
      const { createDiscordIngress } = await import('../../adapters/discord/index.ts');
      ingresses.push(createDiscordIngress({ config: config.discord, sink, logger }));
    }
  }

  const health = async (): Promise<HealthReport> => {
    const checks: Record<string, unknown> = {
      role: config.role,
      platforms: ingresses.map((i) => i.platform),
    };
    let ok = true;
    if (redis) {
      checks.redis = redis.status;
      ok = redis.status === 'ready';
    } else {
      checks.redis = 'not configured (in-memory)';
    }
    if (ok) {
      // Commands wait for a reconnect (maxRetriesPerRequest: null), so a health probe must not: bound it.
      let timer: NodeJS.Timeout | undefined;
      try {
        checks.pendingTurns = await Promise.race([
          queue.pendingCount(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error('queue did not answer within 2 s')), 2_000);
          }),
        ]);
      } catch (error) {
        ok = false;
        checks.queue = error instanceof Error ? error.message : String(error);
      } finally {
        clearTimeout(timer);
      }
    }
    return { ok, checks };
  };

  let http: RunningHttpServer | undefined;
  if (!consoleMode) {
    http = await startHttpServer({
      routes: ingresses.flatMap((ingress) => ingress.routes),
      health,
      metrics,
      logger,
      port: config.http.port,
      host: config.http.host,
    });
    logger.info({ port: http.port, role: config.role }, 'HTTP server listening');
  }
  for (const ingress of ingresses) {
    await ingress.start();
    logger.info({ platform: ingress.platform }, 'platform connected');
  }

  let consoleDone: Promise<void> | undefined;
  if (options.console && consoleReplies) {
    const { runConsoleChat } = await import('../../adapters/console/console-chat.ts');
    consoleDone = runConsoleChat({
      ...options.console,
      queue,
      replies: consoleReplies,
      durable: redis !== undefined,
      logger,
    });
  }

  let stopping: Promise<void> | undefined;
  const stop = ({ timeoutMs = 10_000 } = {}) => {
    stopping ??= (async () => {
      for (const ingress of ingresses) await ingress.stop().catch(() => {});
      await http?.close();
      await queue.close({ timeoutMs });
      await store.close();
      if (redis) await redis.quit().catch(() => redis.disconnect());
    })();
    return stopping;
  };

  return { httpPort: http?.port, queue, store, consoleDone, health, stop };
}
