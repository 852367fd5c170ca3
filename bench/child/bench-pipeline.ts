import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { loadConfig } from '../../src/app/config.ts';
import { createLogger } from '../../src/app/logger.ts';
import { createWorkerPipeline } from '../../src/app/worker-pipeline.ts';
import type { HistoryStore } from '../../src/history/history-store.ts';
import type { ModelClient } from '../../src/model/model-client.ts';
import type { TurnQueue, TurnSink } from '../../src/queue/turn-queue.ts';
import { turnIdIn } from '../lib/bench-turns.ts';
import { countTraffic, type RedisTraffic } from './redis-traffic.ts';
import type { TurnRecorder } from './turn-recorder.ts';

/** How a bench worker is built: the same parts and settings as `startParley` with role `worker`. */
export interface PipelineOptions {
  /** Redis URL (ignored with `redisClusterNodes`). */
  redisUrl: string;
  /** REDIS_CLUSTER_NODES: run on a Redis Cluster instead. */
  redisClusterNodes?: string;
  /** QUEUE_SHARDS (default 1). */
  queueShards?: number;
  /** Key prefix (one per scenario, so scenarios do not see each other's sessions). */
  prefix: string;
  /** WORKER_CONCURRENCY. */
  concurrency: number;
  /** `openai`: the real SDK client against `modelUrl`; `stub`: an in-process echo that skips HTTP. */
  model: 'openai' | 'stub';
  /** Base URL of the fake model (with `/v1`). */
  modelUrl?: string;
  /** MODEL. */
  modelName?: string;
  /** MAX_CONTEXT_TOKENS (default 16,000). */
  maxContextTokens?: number;
  /** MAX_REPLY_TOKENS (default 1,000). */
  maxReplyTokens?: number;
  /** LOG_LEVEL (default `info`, the product's default). */
  logLevel?: string;
}

/** A running bench worker. */
export interface BenchPipeline {
  /** Commands and socket writes on the shared connection so far. */
  traffic: RedisTraffic;
  /** The queue. */
  queue: TurnQueue;
  /** Where adapters enqueue: the queue behind the access rules, as `startParley` wires it. */
  sink: TurnSink;
  /** The history store. */
  store: HistoryStore;
  /** Starts processing. */
  start(): Promise<void>;
  /** Closes queue, store and connection. */
  close(): Promise<void>;
}

/** An echo model without HTTP: what the pipeline costs when the model call costs nothing. */
function createStubModel(name: string): ModelClient {
  return {
    model: name,
    chainsResponses: false,
    async complete(request) {
      await Promise.resolve();
      const last = request.messages.at(-1)?.content ?? '';
      const text = `Echo: ${last}`;
      request.onDelta?.(text, text);
      return {
        text,
        usage: { promptTokens: 100, completionTokens: Math.ceil(text.length / 4) },
        // Made-up counts: not a server's, so calibration must not learn from them.
        usageEstimated: true,
        costUsd: null,
        model: name,
        finishReason: 'stop',
      };
    },
  };
}

/** Start and end (performance.now()) of a turn's model call. */
export interface ModelCallTimes {
  /** Call started. */
  start: number;
  /** Call returned. */
  end: number;
}

/** Wraps a model client to time each call, keyed by the turn id found in the prompt's last message. */
function timeModel(inner: ModelClient, modelTimes: Map<number, ModelCallTimes>): ModelClient {
  return {
    model: inner.model,
    chainsResponses: inner.chainsResponses,
    async complete(request) {
      const started = performance.now();
      const result = await inner.complete(request);
      const turnId = turnIdIn(request.messages.at(-1)?.content ?? '');
      if (turnId !== undefined) modelTimes.set(turnId, { start: started, end: performance.now() });
      return result;
    },
  };
}

/**
 * A bench worker built by the product's own `createWorkerPipeline` from the product's configuration parser
 * (`REDIS_URL` set, role `worker`), so it is exactly what `startParley` runs. The only differences: the reply
 * channel is the in-process recorder, and the model may be the in-process stub or wrapped to time its calls.
 */
export function createBenchPipeline(
  options: PipelineOptions,
  recorder: TurnRecorder,
  modelTimes?: Map<number, ModelCallTimes>,
): BenchPipeline {
  // The product's own configuration parser, so defaults (system prompt, retries, timeouts) are the shipped ones.
  const config = loadConfig({
    OPENAI_BASE_URL: options.modelUrl ?? 'http://127.0.0.1:9/v1',
    MODEL: options.modelName ?? 'gpt-4o-mini',
    MAX_CONTEXT_TOKENS: String(options.maxContextTokens ?? 16_000),
    MAX_REPLY_TOKENS: String(options.maxReplyTokens ?? 1_000),
    ...(options.redisClusterNodes
      ? { REDIS_CLUSTER_NODES: options.redisClusterNodes }
      : { REDIS_URL: options.redisUrl }),
    QUEUE_SHARDS: String(options.queueShards ?? 1),
    REDIS_PREFIX: options.prefix,
    PARLEY_ROLE: 'worker',
    WORKER_CONCURRENCY: String(options.concurrency),
    LOG_LEVEL: options.logLevel ?? 'info',
  });
  const pipeline = createWorkerPipeline(config, {
    logger: createLogger(config.logLevel),
    replyChannels: { console: recorder.channel },
    model: (configured) => {
      const model = options.model === 'stub' ? createStubModel(config.model.name) : configured();
      return modelTimes ? timeModel(model, modelTimes) : model;
    },
  });
  // Traffic is counted on one Redis server's connection; on a cluster it stays at zero.
  const traffic = options.redisClusterNodes
    ? { commands: 0, writes: 0 }
    : countTraffic(pipeline.redis as Redis);
  return {
    traffic,
    sink: pipeline.sink,
    queue: pipeline.queue,
    store: pipeline.store,
    start: () =>
      pipeline.startWorker({
        wrap: (processor) => async (job) => {
          recorder.started(job.turn.target);
          await processor(job);
          recorder.committed(job.turn.target);
        },
      }),
    close: () => pipeline.close({ timeoutMs: 30_000 }),
  };
}
