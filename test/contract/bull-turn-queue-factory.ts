import type { Cluster, Redis } from 'ioredis';
import { silentLogger } from '../../src/app/logger.ts';
import { type BullTurnQueueOptions, createBullTurnQueue } from '../../src/queue/bullmq/bullmq-turn-queue.ts';
import type { QueueFactory } from './turn-queue.contract.ts';

/**
 * The turn-queue contract's factory for the BullMQ queue: each queue on its own connection from `connect`
 * (closed with the queue) and its own key prefix from `prefix`, with fast retries and a one-second sweep; `extra`
 * options (e.g. `shards`) on top.
 */
export function bullTurnQueueFactory(
  connect: () => Redis | Cluster,
  prefix: () => string,
  extra: Partial<BullTurnQueueOptions> = {},
): QueueFactory {
  return async ({ concurrency, maxAttempts, committed, committedSeq, forgotten, historyTtlMs }) => {
    const connection = connect();
    const queue = createBullTurnQueue({
      redis: connection,
      prefix: prefix(),
      concurrency,
      maxAttempts,
      committedSeq,
      forgottenBefore: async (scopeId) => forgotten.get(scopeId) ?? 0,
      ...(historyTtlMs !== undefined ? { historyTtlMs } : {}),
      retryDelayMs: () => 20,
      sweepIntervalMs: 1_000,
      logger: silentLogger,
      ...extra,
    });
    return {
      queue,
      committed,
      forgotten,
      dispose: async () => {
        await queue.close({ timeoutMs: 5_000 });
        await connection.quit();
      },
    };
  };
}
