import { Queue, type Worker } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from '../../app/logger.ts';
import { closeRedis, duplicateForQueue } from '../../app/redis-connection.ts';
import { warnAtMostEvery } from '../../app/warn-at-most-every.ts';
import { retentionMs } from '../../history/history-arguments.ts';
import { createKeyedSerial } from '../keyed-serial.ts';
import { defaultRetryDelayMs } from '../retry-delay.ts';
import { DEFAULT_TURNS_PER_SLICE } from '../run-slice.ts';
import type { TurnQueue } from '../turn-queue.ts';
import { checkShardLayout } from './check-shard-layout.ts';
import { countPendingTurns } from './count-pending-turns.ts';
import { DRAIN_QUEUE_NAME, type DrainData, wakeSession } from './drain-queue.ts';
import { createSessionDrain } from './drain-session.ts';
import { enqueueTurn } from './enqueue-turn.ts';
import { withMailboxCommands } from './mailbox-commands.ts';
import { drainQueuePrefix, shardOf, shardsToWatch } from './mailbox-keys.ts';
import { closeDrainWorker, startDrainWorker } from './start-drain-worker.ts';
import { startSweeper } from './sweep-pending-sessions.ts';

/** Options of the Redis-backed queue. */
export interface BullTurnQueueOptions {
  /** A connection for our own commands; `maxRetriesPerRequest: null` so commands wait out a Redis restart. */
  redis: Redis | Cluster;
  /** Prefix of every key (sessions and queue). */
  prefix: string;
  /** Sessions processed at once by this process (over all shards). */
  concurrency: number;
  /**
   * Shards of the wake-up queue (`QUEUE_SHARDS`, default 1): each its own BullMQ queue and pending set in a hash
   * slot of its own, so a Redis Cluster spreads them over its masters. Every process must use the same number.
   */
  shards?: number;
  /** Last committed seq of a session (from the history store). */
  committedSeq(sessionId: string): Promise<number>;
  /** A scope's forget mark (the history store's `scopeForgottenBefore`): earlier turns of it are dropped unrun. */
  forgottenBefore?: (scopeId: string) => Promise<number>;
  /** The history's retention in days: the session's queue keys expire when idle this long (absent: never). */
  historyTtlDays?: number;
  /** Retention in ms, overriding `historyTtlDays` (for tests). */
  historyTtlMs?: number;
  /** Runs of one turn before the processor must settle it. */
  maxAttempts: number;
  /** Turns a session may run back to back before its wake-up goes to the back of the queue. */
  turnsPerSlice?: number;
  /** How long a worker holds a session before another may take it over after a crash. */
  lockDurationMs?: number;
  /** How often to look for sessions whose wake-up was lost. */
  sweepIntervalMs?: number;
  /** How long an enqueued turn id is remembered for de-duplication. */
  dedupTtlSeconds?: number;
  /** Delay before re-running a turn whose processor threw. */
  retryDelayMs?: (attempt: number) => number;
  /** Logger. */
  logger: Logger;
}

/**
 * Turns on Redis and BullMQ, strictly ordered per session (DESIGN §3): each session has a mailbox list;
 * a BullMQ "drain" job per session, de-duplicated with `keepLastIfActive`, drains it one turn at a time.
 * The turn is popped only after the processor committed it, so a crash re-runs it, never loses it.
 * Any process may enqueue; `process` makes it a worker too. With retention the session's queue keys expire
 * with its history (see mailbox-keys.ts).
 */
export function createBullTurnQueue(options: BullTurnQueueOptions): TurnQueue {
  // Checked before anything connects, as the history store does.
  const retention = retentionMs(options);
  const redis = withMailboxCommands(options.redis);
  const { logger, prefix } = options;
  const lockDurationMs = options.lockDurationMs ?? 30_000;
  const shards = options.shards ?? 1;
  const warnQueueError = warnAtMostEvery(logger, 'queue connection error');
  // BullMQ's queues and workers on a connection of their own (see duplicateForQueue); ours stay on `redis`.
  const bullRedis = duplicateForQueue(options.redis);
  const queues = Array.from({ length: shards }, (_, shard) => {
    const queue = new Queue<DrainData>(DRAIN_QUEUE_NAME, {
      connection: bullRedis,
      prefix: drainQueuePrefix(prefix, shard, shards),
    });
    queue.on('error', warnQueueError);
    return queue;
  });
  const wake = (sessionId: string) =>
    wakeSession(queues[shardOf(sessionId, shards)] as Queue<DrainData>, sessionId);
  // Shards the keys were laid out for before this process started (see checkShardLayout), once known.
  let previousShards = shards;
  // A turn id is not remembered beyond the retention period either (platforms retry within minutes).
  const dedupTtlSeconds = Math.min(
    options.dedupTtlSeconds ?? 24 * 3600,
    retention > 0 ? Math.ceil(retention / 1000) : Number.POSITIVE_INFINITY,
  );
  let workers: Worker<DrainData>[] = [];
  let stopSweepers: (() => void)[] = [];
  let closing = false;
  const isClosing = () => closing;
  const inOrder = createKeyedSerial();

  return {
    enqueue: (turn) =>
      enqueueTurn(
        {
          redis,
          prefix,
          dedupTtlSeconds,
          retentionMs: retention,
          committedSeq: options.committedSeq,
          wake,
          inOrder,
          shards,
        },
        turn,
      ),

    async process(processor) {
      previousShards = await checkShardLayout(bullRedis, prefix, shards);
      const drain = createSessionDrain({
        redis,
        prefix,
        processor,
        committedSeq: options.committedSeq,
        ...(options.forgottenBefore ? { forgottenBefore: options.forgottenBefore } : {}),
        retentionMs: retention,
        maxAttempts: options.maxAttempts,
        turnsPerSlice: options.turnsPerSlice ?? DEFAULT_TURNS_PER_SLICE,
        lockDurationMs,
        retryDelayMs: options.retryDelayMs ?? defaultRetryDelayMs,
        isClosing,
        wake,
        logger,
      });
      workers = queues.map((_, shard) =>
        startDrainWorker({
          redis: bullRedis,
          prefix,
          shard,
          shards,
          // Sessions spread evenly over the shards, so each shard gets its share of the process's concurrency.
          concurrency: Math.max(1, Math.ceil(options.concurrency / shards)),
          lockDurationMs,
          drain,
          logger,
        }),
      );
      // Shards of an earlier layout are swept too: their pending sessions are woken in their new shard.
      stopSweepers = shardsToWatch(shards, previousShards).map((shard) =>
        startSweeper({ redis, prefix, ...shard, isClosing, wake }, options.sweepIntervalMs ?? 10_000, logger),
      );
    },

    pendingCount: () => countPendingTurns(redis, prefix, shardsToWatch(shards, previousShards)),

    async close({ timeoutMs = 10_000 } = {}) {
      closing = true;
      for (const stop of stopSweepers) stop();
      await Promise.all(workers.map((worker) => closeDrainWorker(worker, timeoutMs)));
      await Promise.all(queues.map((queue) => queue.close()));
      await closeRedis(bullRedis);
    },
  };
}
