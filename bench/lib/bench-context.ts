import { Queue } from 'bullmq';
import { createGuardedSink } from '../../src/access/guarded-sink.ts';
import { loadConfig } from '../../src/app/config.ts';
import { silentLogger } from '../../src/app/logger.ts';
import type { HistoryStore } from '../../src/history/history-store.ts';
import { createRedisHistoryStore } from '../../src/history/redis/redis-history-store.ts';
import { createBullTurnQueue } from '../../src/queue/bullmq/bullmq-turn-queue.ts';
import type { TurnQueue, TurnSink } from '../../src/queue/turn-queue.ts';
import { RAW_QUEUE } from '../child/raw-bullmq.ts';
import { type BenchChild, startBenchChild } from './bench-child.ts';
import type { BenchRedis } from './bench-redis.ts';
import type { FakeModelProcess } from './fake-model-process.ts';
import type { ResultRow } from './results-table.ts';

/** What every scenario gets from bench/run.ts. */
export interface BenchContext {
  /** The bench's own redis-server. */
  redis: BenchRedis;
  /** Zero-latency fake model in its own process. */
  fastModel: FakeModelProcess;
  /** Scaled-down sizes for development. */
  quick: boolean;
  /** Write a CPU profile of the throughput worker. */
  profile: boolean;
  /** Directory for logs and profiles of this run. */
  outDir: string;
  /** Progress line on stderr (the table goes to stdout). */
  progress(message: string): void;
}

/** A scenario: runs, returns its table rows. */
export type Scenario = (context: BenchContext) => Promise<ResultRow[]>;

/** A fresh measured process, logging to the run's directory. */
export function newChild(context: BenchContext, nodeOptions?: string[]): Promise<BenchChild> {
  return startBenchChild({ logFile: `${context.outDir}/worker.log`, nodeOptions });
}

/** The ingress side of the product (enqueue only, never processes) on the bench Redis. */
export function createProducer(
  context: BenchContext,
  prefix: string,
): { queue: TurnQueue; sink: TurnSink; store: HistoryStore } {
  const config = loadConfig({ OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', REDIS_URL: context.redis.url });
  const redis = context.redis.newClient();
  const store = createRedisHistoryStore({ redis, prefix, ownsConnection: true });
  const queue = createBullTurnQueue({
    redis,
    prefix,
    concurrency: 1,
    committedSeq: (sessionId) => store.committedSeq(sessionId),
    maxAttempts: 3,
    logger: silentLogger,
  });
  // Adapters enqueue through the access rules, as `startParley` wires them.
  const sink = createGuardedSink(queue, {
    access: config.access,
    sessionRotate: config.sessionRotate,
    logger: silentLogger,
  });
  return {
    sink,
    queue: {
      ...queue,
      async close(options) {
        await queue.close(options);
        await store.close();
      },
    },
    store,
  };
}

/**
 * Adds `jobs` no-op jobs to the raw reference queue with plain `Queue.add`, `parallel` at a time (the same
 * shape as the producer's enqueues). Returns the add rate, jobs/s.
 */
export async function addRawJobs(
  context: BenchContext,
  prefix: string,
  jobs: number,
  parallel: number,
): Promise<number> {
  const connection = context.redis.newClient();
  const queue = new Queue(RAW_QUEUE, { connection, prefix });
  const started = performance.now();
  for (let from = 0; from < jobs; from += parallel) {
    const batch: Promise<unknown>[] = [];
    for (let i = from; i < Math.min(jobs, from + parallel); i++) {
      batch.push(queue.add('noop', { i }, { removeOnComplete: true, removeOnFail: true }));
    }
    await Promise.all(batch);
  }
  const rate = (jobs * 1000) / (performance.now() - started);
  await queue.close();
  connection.disconnect();
  return rate;
}
