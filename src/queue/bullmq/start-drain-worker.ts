import { type Job, Worker } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from '../../app/logger.ts';
import { warnAtMostEvery } from '../../app/warn-at-most-every.ts';
import { completesWithin } from '../completes-within.ts';
import { DRAIN_QUEUE_NAME, type DrainData } from './drain-queue.ts';
import { drainQueuePrefix } from './mailbox-keys.ts';

/** How to run drain jobs in this process. */
export interface DrainWorkerOptions {
  /** Connection for BullMQ (it makes its own blocking connection from it). */
  redis: Redis | Cluster;
  /** Prefix of every key. */
  prefix: string;
  /** The queue shard this worker drains. */
  shard: number;
  /** Shards in the layout. */
  shards: number;
  /** Sessions drained at once. */
  concurrency: number;
  /** How long a worker holds a session before another may take it over after a crash. */
  lockDurationMs: number;
  /** Runs one drain job. */
  drain(job: Job<DrainData>, token?: string): Promise<void>;
  /** Logger. */
  logger: Logger;
}

/** Starts the BullMQ worker that runs one shard's drain jobs. */
export function startDrainWorker(options: DrainWorkerOptions): Worker<DrainData> {
  const { logger, lockDurationMs } = options;
  const worker = new Worker<DrainData>(DRAIN_QUEUE_NAME, options.drain, {
    connection: options.redis,
    prefix: drainQueuePrefix(options.prefix, options.shard, options.shards),
    concurrency: options.concurrency,
    lockDuration: lockDurationMs,
    stalledInterval: Math.max(1_000, Math.floor(lockDurationMs / 2)),
    // Our own attempt counter settles poison turns; BullMQ must keep re-running stalled drains.
    maxStalledCount: 1_000,
  });
  // Connection trouble, and lock errors of a drain that outlived its lock (its job has a new owner).
  worker.on('error', warnAtMostEvery(logger, 'worker error'));
  worker.on('failed', (job, error) =>
    logger.error({ sessionId: job?.data.sessionId, err: error }, 'drain failed'),
  );
  return worker;
}

/** Closes the worker, letting running drains finish within `timeoutMs`, then cutting them short. */
export async function closeDrainWorker(worker: Worker<DrainData>, timeoutMs: number): Promise<void> {
  // In-flight turns that did not finish stay in their mailboxes and are re-run elsewhere.
  if (!(await completesWithin(worker.close(), timeoutMs))) await worker.close(true);
}
