/**
 * The composition root: the worker pipeline (`worker-pipeline.ts`) plus what only a whole process has — the
 * platform adapters (ingress), their reply channels, the HTTP server, the terminal chat and an orderly stop.
 * Nothing else in `src/` imports `adapters/`.
 */
import { createConsoleReplyChannel } from '../../adapters/console/console-reply-channel.ts';
import { adminRoutes } from '../admin/admin-wiring.ts';
import type { HistoryStore } from '../history/history-store.ts';
import { useHttpClient } from '../http/http-client.ts';
import type { TurnQueue, TurnSink } from '../queue/turn-queue.ts';
import { createDeferredTokenBuckets } from '../rate-limit/deferred-token-buckets.ts';
import { createMemoryTokenBuckets } from '../rate-limit/memory-token-buckets.ts';
import { SLACK_TIER_3, type TokenBuckets } from '../rate-limit/rate-limiter.ts';
import { createRedisTokenBuckets } from '../rate-limit/redis-token-buckets.ts';
import type { ToolConfirmations } from '../tools/tool-confirmation.ts';
import type { FollowedConversations, PlatformIngress } from '../turn/platform-ingress.ts';
import type { ReplyChannel } from '../turn/reply-channel.ts';
import type { Platform } from '../turn/turn.ts';
import { type AnswerRefs, createLateAnswerRefs } from '../usage/answer-refs.ts';
import { createFeedbackRecorder, type RecordFeedback } from '../usage/record-feedback.ts';
import type { UsageLedger } from '../usage/usage-ledger.ts';
import type { Config } from './config.ts';
import { type HealthReport, type RunningHttpServer, startHttpServer } from './http-server.ts';
import type { Logger } from './logger.ts';
import type { RedisConnection } from './redis-connection.ts';
import { createWorkerPipeline, type PipelineTuning } from './worker-pipeline.ts';

/** Options of `startParley` beyond the configuration. */
export interface StartOptions {
  /** Process logger. */
  logger: Logger;
  /** Run the terminal chat on these streams instead of platform adapters. */
  console?: {
    input: NodeJS.ReadableStream;
    output: NodeJS.WritableStream;
    sessionName: string;
    /** The name the model sees as the author (`--name`); default: the session name. */
    userName?: string;
    /** Where `/export` writes files (default: `EXPORT_DIR`, else `parley-exports/` here). */
    exportDir?: string;
    /** Typed lines kept across runs (default: `PARLEY_HISTORY_FILE` or its default; terminal only). */
    historyFile?: string;
    /** Colours in the rendered Markdown (default: off; the caller knows whether `output` is a terminal). */
    color?: boolean;
  };
  /** Queue tuning for tests (crash takeover time, sweep interval). */
  queueTuning?: Pick<PipelineTuning, 'lockDurationMs' | 'sweepIntervalMs'>;
}

/** A running Parley process. */
export interface RunningParley {
  /** Port of the HTTP server (`/slack/events`, `/healthz`), when one runs. */
  httpPort: number | undefined;
  /** The turn queue. */
  queue: TurnQueue;
  /** The history store. */
  store: HistoryStore;
  /** The usage ledger (what `/usage` and the operator's page read). */
  ledger: UsageLedger;
  /** Resolves when the terminal chat ends (`/exit` or end of input); undefined without one. */
  consoleDone: Promise<void> | undefined;
  /** Health report as `/healthz` serves it. */
  health(): Promise<HealthReport>;
  /** Graceful stop: no new work, in-flight turns finish within `timeoutMs`, connections closed. */
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

/** The sending side of every platform this process answers on. */
async function createReplyChannels(
  config: Config,
  logger: Logger,
  consoleReplies: ReplyChannel | undefined,
  slackBudget?: TokenBuckets,
  answerRefs?: AnswerRefs,
): Promise<Partial<Record<Platform, ReplyChannel>>> {
  if (consoleReplies) return { console: consoleReplies };
  const channels: Partial<Record<Platform, ReplyChannel>> = {};
  if (config.slack) {
    const { createSlackReplyChannel } = await import('../../adapters/slack/index.ts');
    channels.slack = createSlackReplyChannel({ config: config.slack, logger, buckets: slackBudget });
  }
  if (config.discord) {
    const { createDiscordReplyChannel } = await import('../../adapters/discord/index.ts');
    channels.discord = createDiscordReplyChannel({ config: config.discord, logger, answerRefs });
  }
  return channels;
}

/** The receiving side of every configured platform; they enqueue through `sink`. */
async function createIngresses(
  config: Config,
  sink: TurnSink,
  logger: Logger,
  followed?: FollowedConversations,
  actions: {
    recordFeedback?: RecordFeedback;
    requestStop?: (turnId: string) => Promise<void>;
    toolConfirmations?: ToolConfirmations;
    /** Which message is which answer (Discord records reactions through it). */
    answerRefs?: AnswerRefs;
    /** Redis and its key prefix: Slack keeps its assistant threads' state there (shared by every ingress). */
    redis?: { connection: RedisConnection; prefix: string };
  } = {},
): Promise<PlatformIngress[]> {
  const ingresses: PlatformIngress[] = [];
  if (config.slack) {
    const { createSlackIngress } = await import('../../adapters/slack/index.ts');
    ingresses.push(createSlackIngress({ config: config.slack, sink, logger, followed, ...actions }));
  }
  if (config.discord) {
    const { createDiscordIngress } = await import('../../adapters/discord/index.ts');
    const { toolConfirmations, recordFeedback, requestStop, answerRefs } = actions;
    ingresses.push(
      createDiscordIngress({
        config: config.discord,
        sink,
        logger,
        followed,
        toolConfirmations,
        recordFeedback,
        answerRefs,
        requestStop,
        adminUsers: config.access.adminUsers,
      }),
    );
  }
  return ingresses;
}

/** Rejects when `promise` has not settled within `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** `/healthz`: Redis reachable and the queue answering, bounded so a probe never hangs on an outage. */
function healthCheck(
  config: Config,
  parts: { redis: RedisConnection | undefined; queue: TurnQueue; ingresses: PlatformIngress[] },
): () => Promise<HealthReport> {
  return async () => {
    const checks: Record<string, unknown> = {
      role: config.role,
      platforms: parts.ingresses.map((ingress) => ingress.platform),
    };
    let ok = true;
    if (parts.redis) {
      checks.redis = parts.redis.status;
      ok = parts.redis.status === 'ready';
    } else {
      checks.redis = 'not configured (in-memory)';
    }
    if (ok) {
      try {
        checks.pendingTurns = await within(parts.queue.pendingCount(), 2_000, 'queue');
      } catch (error) {
        ok = false;
        checks.queue = error instanceof Error ? error.message : String(error);
      }
    }
    return { ok, checks };
  };
}

/** Starts a Parley process for `config`: worker, ingress or both (the role), or the terminal chat. */
export async function startParley(config: Config, options: StartOptions): Promise<RunningParley> {
  const { logger } = options;
  useHttpClient(config.httpClient);
  const consoleMode = options.console !== undefined;
  // The terminal chat says this in its banner instead of a log line amid the conversation.
  if (!config.redis && !consoleMode) {
    logger.warn(
      'Redis is not configured (REDIS_URL): history and queue live in memory and are lost on restart',
    );
  }
  const consoleReplies = options.console
    ? createConsoleReplyChannel(options.console.output, {
        exportDir: options.console.exportDir ?? config.terminal.exportDir,
        color: options.console.color,
      })
    : undefined;
  // Slack's Tier-3 budget per workspace: in memory until the pipeline's Redis is there, then shared by all workers.
  const slackBudget = createDeferredTokenBuckets(createMemoryTokenBuckets(SLACK_TIER_3));
  // The pipeline owns the answer refs (memory or Redis) but is built after the reply channels that write them.
  const answerRefs = createLateAnswerRefs();
  const replyChannels = await createReplyChannels(
    config,
    logger,
    consoleReplies,
    slackBudget.buckets,
    answerRefs.refs,
  );
  const pipeline = createWorkerPipeline(config, {
    logger,
    replyChannels,
    // The terminal chat answers in this process, so its turns never leave it; its memory still goes to Redis.
    inProcessQueue: consoleMode,
    tuning: options.queueTuning,
  });
  const { queue, store } = pipeline;
  answerRefs.use(pipeline.answerRefs);
  if (pipeline.redis) {
    const shared = {
      ...SLACK_TIER_3,
      redis: pipeline.redis,
      prefix: config.redisPrefix,
      name: 'slack-tier3',
    };
    slackBudget.use(createRedisTokenBuckets(shared));
  }
  try {
    await pipeline.ready();
  } catch (error) {
    await pipeline.close({ timeoutMs: 0 });
    throw error;
  }
  if (config.role !== 'ingress' || consoleMode) await pipeline.startWorker();

  const runsIngress = config.role !== 'worker' && !consoleMode;
  const recordFeedback = createFeedbackRecorder(pipeline.feedback, pipeline.metrics);
  const ingresses = runsIngress
    ? await createIngresses(config, pipeline.sink, logger, pipeline.store, {
        recordFeedback,
        requestStop: (turnId) => pipeline.stops.request(turnId),
        answerRefs: pipeline.answerRefs,
        toolConfirmations: {
          answer: (questionId, answer) => pipeline.confirmAnswers.answer(questionId, answer),
          adminUsers: config.access.adminUsers,
        },
        redis: pipeline.redis ? { connection: pipeline.redis, prefix: config.redisPrefix } : undefined,
      })
    : [];
  const health = healthCheck(config, { redis: pipeline.redis, queue, ingresses });

  let http: RunningHttpServer | undefined;
  if (!consoleMode) {
    const routes = [
      ...ingresses.flatMap((ingress) => ingress.routes),
      ...adminRoutes(config, pipeline, logger),
    ];
    http = await startHttpServer({ routes, health, metrics: pipeline.metrics, logger, ...config.http });
    logger.info({ port: http.port, role: config.role }, 'HTTP server listening');
  }
  for (const ingress of ingresses) {
    await ingress.start();
    logger.info({ platform: ingress.platform }, 'platform connected');
  }

  let consoleDone: Promise<void> | undefined;
  if (options.console && consoleReplies) {
    const { runConsoleChat } = await import('../../adapters/console/console-chat.ts');
    const durable = config.redis !== undefined;
    const historyFile = config.terminal.historyFile;
    consoleDone = runConsoleChat({
      historyFile,
      ...options.console,
      queue,
      replies: consoleReplies,
      durable,
      logger,
      stopTurn: (turnId) => pipeline.stops.request(turnId),
    });
  }

  let stopping: Promise<void> | undefined;
  const stop = ({ timeoutMs = 10_000 } = {}) => {
    stopping ??= (async () => {
      for (const ingress of ingresses) await ingress.stop().catch(() => {});
      await http?.close();
      await pipeline.close({ timeoutMs });
    })();
    return stopping;
  };

  return { httpPort: http?.port, queue, store, ledger: pipeline.ledger, consoleDone, health, stop };
}
