/**
 * The one place that wires the worker pipeline: store, usage ledger, turn queue, metrics, model client and
 * turn processor, plus the guarded sink the adapters enqueue through. `startParley`, the benchmarks, the soak
 * workers and the test worker processes all build their worker here, so there is no second copy of the wiring
 * to drift. With Redis configured (a URL, Sentinels or Cluster seed nodes) everything lives in Redis and the queue is BullMQ; without it, in memory with
 * the in-process queue.
 */
import { createGuardedSink } from '../access/guarded-sink.ts';
import { retentionMs } from '../history/history-arguments.ts';
import type { HistoryStore } from '../history/history-store.ts';
import { createMemoryHistoryStore } from '../history/memory-history-store.ts';
import { createRedisHistoryStore } from '../history/redis/redis-history-store.ts';
import { createCatalogueClient } from '../model/create-catalogue-client.ts';
import type { ModelClient } from '../model/model-client.ts';
import { createModelRoster } from '../model/model-roster.ts';
import { createOpenAIModelClient } from '../model/openai-model-client.ts';
import { createOpenAIResponsesModelClient } from '../model/openai-responses-model-client.ts';
import { getTokenCounter } from '../model/token-counter.ts';
import { createBullTurnQueue } from '../queue/bullmq/bullmq-turn-queue.ts';
import { createInProcessTurnQueue } from '../queue/in-process-turn-queue.ts';
import type { TurnProcessor, TurnQueue, TurnSink } from '../queue/turn-queue.ts';
import {
  type ConfirmAnswers,
  createMemoryConfirmAnswers,
  createRedisConfirmAnswers,
} from '../tools/confirm-answers.ts';
import { createToolRegistry, type ToolRegistry } from '../tools/tool-registry.ts';
import type { ReplyChannel } from '../turn/reply-channel.ts';
import { createMemoryStopSignals, createRedisStopSignals, type StopSignals } from '../turn/stop-signals.ts';
import type { Platform } from '../turn/turn.ts';
import { createTurnProcessor } from '../turn/turn-processor.ts';
import { type AnswerRefs, answerRefTtlMs } from '../usage/answer-refs.ts';
import type { FeedbackLedger } from '../usage/feedback-ledger.ts';
import { createMemoryAnswerRefs } from '../usage/memory-answer-refs.ts';
import { createMemoryFeedbackLedger } from '../usage/memory-feedback-ledger.ts';
import { createMemoryUsageLedger } from '../usage/memory-usage-ledger.ts';
import { createRedisAnswerRefs } from '../usage/redis-answer-refs.ts';
import { createRedisFeedbackLedger } from '../usage/redis-feedback-ledger.ts';
import { createRedisUsageLedger } from '../usage/redis-usage-ledger.ts';
import type { UsageLedger } from '../usage/usage-ledger.ts';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { closeRedis, connectRedis, type RedisConnection, waitForRedis } from './redis-connection.ts';
import { warnAtMostEvery } from './warn-at-most-every.ts';

/** Timings that tests and soak runs shorten; production uses the defaults. */
export interface PipelineTuning {
  /** How long a worker holds a session before another may take it over (default `TURN_LOCK_MS`). */
  lockDurationMs?: number;
  /** How often the sweeper re-wakes sessions with pending turns. */
  sweepIntervalMs?: number;
  /** Delay before a failed drain is retried by the queue. */
  queueRetryDelayMs?: (attempt: number) => number;
  /** Delay between model attempts inside one run of a turn. */
  modelRetryDelayMs?: (attempt: number) => number;
  /** Wait before reconnecting an MCP server that failed or died (attempt 1, 2, …). */
  mcpRetryDelayMs?: (attempt: number) => number;
}

/** What the pipeline is built from besides the configuration. */
export interface WorkerPipelineDeps {
  /** Process logger. */
  logger: Logger;
  /** Sending side of each platform this worker answers on. */
  replyChannels: Partial<Record<Platform, ReplyChannel>>;
  /** Keep turns in this process even with Redis (the terminal chat answers where it is typed). */
  inProcessQueue?: boolean;
  /** Replaces the configured model client, e.g. a benchmark's stub or a timing wrapper around it. */
  model?: (configured: () => ModelClient) => ModelClient;
  /** Shorter timings for tests. */
  tuning?: PipelineTuning;
}

/** A composed worker pipeline; nothing is processed until `startWorker`. */
export interface WorkerPipeline {
  /** Resolves once Redis answers (at once in memory); rejects naming host, port and cause after `timeoutMs`. */
  ready(timeoutMs?: number): Promise<void>;
  /** The shared Redis connection, when configured. */
  redis: RedisConnection | undefined;
  /** Where conversations live. */
  store: HistoryStore;
  /** Usage per conversation, channel and user. */
  ledger: UsageLedger;
  /** 👍/👎 on answers, per conversation, channel and model. */
  feedback: FeedbackLedger;
  /** Which posted message is which answer: written by reply channels, read by ingresses hearing reactions. */
  answerRefs: AnswerRefs;
  /** Stop clicks, from the ingress that got them to the worker running the answer. */
  stops: StopSignals;
  /** Answers to tool confirmations, from the ingress that got the click to the worker waiting for it. */
  confirmAnswers: ConfirmAnswers;
  /** The turn queue. */
  queue: TurnQueue;
  /** Where adapters enqueue: the queue behind the access rules and session rotation. */
  sink: TurnSink;
  /** Prometheus metrics of this process. */
  metrics: Metrics;
  /** Builds the model client and the turn processor and starts taking turns; `wrap` observes each job. */
  startWorker(options?: { wrap?: (processor: TurnProcessor) => TurnProcessor }): Promise<void>;
  /** No new turns; turns in flight finish within `timeoutMs`; store and connection closed. */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

function createQueue(
  config: Config,
  deps: WorkerPipelineDeps,
  redis: RedisConnection | undefined,
  store: HistoryStore,
): TurnQueue {
  const committedSeq = (sessionId: string) => store.committedSeq(sessionId);
  const common = {
    concurrency: config.workerConcurrency,
    committedSeq,
    // Turns received before their channel's `/forget` are dropped unrun.
    forgottenBefore: (scopeId: string) => store.scopeForgottenBefore(scopeId),
    maxAttempts: config.turnMaxAttempts,
    retryDelayMs: deps.tuning?.queueRetryDelayMs,
    logger: deps.logger,
  };
  if (!redis || deps.inProcessQueue) return createInProcessTurnQueue(common);
  return createBullTurnQueue({
    ...common,
    redis,
    prefix: config.redisPrefix,
    shards: config.queueShards,
    // The session's queue keys expire with its history.
    historyTtlDays: config.historyTtlDays,
    lockDurationMs: deps.tuning?.lockDurationMs ?? config.turnLockMs,
    sweepIntervalMs: deps.tuning?.sweepIntervalMs,
  });
}

/** The configured OpenAI-compatible client (Chat Completions or Responses API). */
export function createConfiguredModel(config: Config, logger: Logger): ModelClient {
  const create = config.modelApi === 'responses' ? createOpenAIResponsesModelClient : createOpenAIModelClient;
  return create({
    apiKey: config.model.apiKey,
    baseUrl: config.model.baseUrl,
    model: config.model.name,
    temperature: config.model.temperature,
    maxReplyTokens: config.model.maxReplyTokens,
    timeoutMs: config.model.timeoutMs,
    maxRetries: config.model.maxRetries,
    logger,
  });
}

function createProcessor(
  config: Config,
  deps: WorkerPipelineDeps,
  parts: {
    store: HistoryStore;
    ledger: UsageLedger;
    feedback: FeedbackLedger;
    stops: StopSignals;
    confirmAnswers: ConfirmAnswers;
    metrics: Metrics;
    tools?: ToolRegistry;
  },
): TurnProcessor {
  // One client per catalogue entry, built on its first turn; `default` is the environment's model.
  const models = createModelRoster({
    catalogue: config.models,
    createClient: (entry) => {
      const configured = () => createCatalogueClient(entry, deps.logger);
      return deps.model ? deps.model(configured) : configured();
    },
    logger: deps.logger,
  });
  const { client: model, counter } = models.profile(undefined);
  // Building the tokenizer blocks for a while; do it before taking turns so lock renewal never waits on it.
  counter.count('warm up');
  return createTurnProcessor({
    ...parts,
    model,
    models,
    counter,
    replyChannels: deps.replyChannels,
    prompt: {
      systemPrompt: config.model.systemPrompt,
      maxContextTokens: config.model.maxContextTokens,
      maxReplyTokens: config.model.maxReplyTokens,
      maxHistoryMessages: config.model.maxHistoryMessages,
    },
    files: config.files,
    // Slack serves files only to the bot's token; turns never carry it, so the worker adds its own.
    attachmentHeaders: config.slack ? { slack: { Authorization: `Bearer ${config.slack.botToken}` } } : {},
    modelAttempts: config.turnMaxAttempts,
    retryDelayMs: deps.tuning?.modelRetryDelayMs,
    turnDeadlineMs: config.turnDeadlineMs,
    foldBursts: config.foldBursts,
    summary: config.summary.enabled ? { threshold: config.summary.threshold } : undefined,
    budgets: config.budgets,
    admin: { users: config.access.adminUsers, commands: config.access.adminCommands },
    logger: deps.logger,
  });
}

/** How long starting the worker waits for the MCP servers' first connection before taking turns without them. */
const TOOLS_START_WAIT_MS = 10_000;

/**
 * The worker's MCP servers (`MCP_CONFIG`), connected before turns are taken when they answer in time; one that
 * does not keeps trying in the background. Only workers connect: an ingress runs no tools.
 */
async function startTools(
  config: Config,
  deps: WorkerPipelineDeps,
  metrics: Metrics,
): Promise<ToolRegistry | undefined> {
  if (!config.tools) return undefined;
  const registry = createToolRegistry(config.tools, {
    logger: deps.logger,
    counter: getTokenCounter(config.model.name),
    onCall: (server, tool, outcome, seconds) => metrics.toolCall?.(server, tool, outcome, seconds),
    retryDelayMs: deps.tuning?.mcpRetryDelayMs,
  });
  await settlesWithin(registry.start(), TOOLS_START_WAIT_MS);
  return registry;
}

/** Whether `promise` settled (either way) within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = promise.then(
    () => true,
    () => true,
  );
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const result = await Promise.race([settled, late]);
  clearTimeout(timer);
  return result;
}

/** Builds the worker pipeline for `config`; see the file header. */
export function createWorkerPipeline(config: Config, deps: WorkerPipelineDeps): WorkerPipeline {
  const { logger } = deps;
  const redis = config.redis ? connectRedis(config.redis, logger) : undefined;
  const historyTtlDays = config.historyTtlDays;
  const maxImageBytes = config.files.maxImageBytes;
  const store = redis
    ? createRedisHistoryStore({ redis, prefix: config.redisPrefix, logger, historyTtlDays, maxImageBytes })
    : createMemoryHistoryStore({ historyTtlDays, maxImageBytes });
  const ledger = redis
    ? createRedisUsageLedger({ redis, prefix: config.redisPrefix, historyTtlDays })
    : createMemoryUsageLedger({ historyTtlDays });
  const feedback = redis
    ? createRedisFeedbackLedger({ redis, prefix: config.redisPrefix })
    : createMemoryFeedbackLedger();
  const answerRefTtl = answerRefTtlMs(retentionMs({ historyTtlDays }));
  const answerRefs = redis
    ? createRedisAnswerRefs({ redis, prefix: config.redisPrefix, ttlMs: answerRefTtl })
    : createMemoryAnswerRefs({ ttlMs: answerRefTtl });
  // Pub/sub needs connections of its own; they report trouble like the shared one, not as unhandled errors.
  const subscriber = (what: string) => {
    const connection = (redis as RedisConnection).duplicate();
    connection.on('error', warnAtMostEvery(deps.logger, `${what} subscriber connection error`));
    return connection;
  };
  const stops = redis
    ? createRedisStopSignals({ redis, subscriber: subscriber('stop signal'), prefix: config.redisPrefix })
    : createMemoryStopSignals();
  const confirmAnswers = redis
    ? createRedisConfirmAnswers({
        redis,
        subscriber: subscriber('tool confirmation'),
        prefix: config.redisPrefix,
      })
    : createMemoryConfirmAnswers();
  const queue = createQueue(config, deps, redis, store);
  const metrics = createMetrics({ models: [config.model.name] });
  metrics.watchQueueDepth(() => queue.pendingCount());
  const sink = createGuardedSink(queue, {
    access: config.access,
    sessionRotate: config.sessionRotate,
    logger,
  });

  let closing: Promise<void> | undefined;
  let tools: ToolRegistry | undefined;
  return {
    ready: async (timeoutMs) => {
      if (redis) await waitForRedis(redis, timeoutMs);
    },
    redis,
    store,
    ledger,
    feedback,
    answerRefs,
    stops,
    confirmAnswers,
    queue,
    sink,
    metrics,
    async startWorker(options = {}) {
      tools = await startTools(config, deps, metrics);
      const processor = createProcessor(config, deps, {
        store,
        ledger,
        feedback,
        stops,
        confirmAnswers,
        metrics,
        tools,
      });
      await queue.process(options.wrap ? options.wrap(processor) : processor);
    },
    close({ timeoutMs = 10_000 } = {}) {
      closing ??= (async () => {
        // With Redis down the queue cannot finish its goodbyes; give it the turns' time and a little more,
        // then drop the connections so a stop is always bounded.
        const queueClosed = await settlesWithin(queue.close({ timeoutMs }), timeoutMs + 2_000);
        if (!queueClosed) logger.warn('queue did not close in time; dropping its connections');
        await settlesWithin(store.close(), 1_000);
        if (tools) await settlesWithin(tools.close(), 2_000);
        await settlesWithin(stops.close(), 1_000);
        await settlesWithin(confirmAnswers.close(), 1_000);
        if (redis) await closeRedis(redis);
      })();
      return closing;
    },
  };
}
