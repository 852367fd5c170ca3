import { Queue, type Worker } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from '../../app/logger.ts';
import { retentionMs } from '../../history/history-arguments.ts';
import { createKeyedSerial } from '../keyed-serial.ts';
import { defaultRetryDelayMs } from '../retry-delay.ts';
import { DEFAULT_TURNS_PER_SLICE } from '../run-slice.ts';
import type { TurnQueue } from '../turn-queue.ts';
import { countPendingTurns } from './count-pending-turns.ts';
import { DRAIN_QUEUE_NAME, type DrainData, wakeSession } from './drain-queue.ts';
import { createSessionDrain } from './drain-session.ts';
import { enqueueTurn } from './enqueue-turn.ts';
import { withMailboxCommands } from './mailbox-commands.ts';
import { drainQueuePrefix } from './mailbox-keys.ts';
import { closeDrainWorker, startDrainWorker } from './start-drain-worker.ts';
import { startSweeper } from './sweep-pending-sessions.ts';
import { warnAtMostEvery } from './warn-at-most-every.ts';

/** Options of the Redis-backed queue. */
export interface BullTurnQueueOptions {
  /** A connection for our own commands; `maxRetriesPerRequest: null` so commands wait out a Redis restart. */
  redis: Redis | Cluster;
  /** Prefix of every key (sessions and queue). */
  prefix: string;
  /** Sessions processed at once by this process. */
  concurrency: number;
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
  const queue = new Queue<DrainData>(DRAIN_QUEUE_NAME, {
    connection: redis,
    prefix: drainQueuePrefix(prefix),
  });
  queue.on('error', warnAtMostEvery(logger, 'queue connection error'));
  const wake = (sessionId: string) => wakeSession(queue, sessionId);
  // A turn id is not remembered beyond the retention period either (platforms retry within minutes).
  const dedupTtlSeconds = Math.min(
    options.dedupTtlSeconds ?? 24 * 3600,
    retention > 0 ? Math.ceil(retention / 1000) : Number.POSITIVE_INFINITY,
  );
  let worker: Worker<DrainData> | undefined;
  let stopSweeper: (() => void) | undefined;
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
        },
        turn,
      ),

    async process(processor) {
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
      worker = startDrainWorker({
        redis,
        prefix,
        concurrency: options.concurrency,
        lockDurationMs,
        drain,
        logger,
      });
      stopSweeper = startSweeper(
        { redis, prefix, isClosing, wake },
        options.sweepIntervalMs ?? 10_000,
        logger,
      );
    },

    pendingCount: () => countPendingTurns(redis, prefix),

    async close({ timeoutMs = 10_000 } = {}) {
      closing = true;
      stopSweeper?.();
      if (worker) await closeDrainWorker(worker, timeoutMs);
      await queue.close();
    },
  };
}
