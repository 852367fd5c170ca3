import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { silentLogger } from '../../src/app/logger.ts';
import { createBullTurnQueue } from '../../src/queue/bullmq/bullmq-turn-queue.ts';
import { createInProcessTurnQueue } from '../../src/queue/in-process-turn-queue.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { turnQueueContract } from './turn-queue.contract.ts';

const fastRetry = () => 20;

turnQueueContract('in-process', async ({ concurrency, maxAttempts, committed, forgotten }) => {
  const queue = createInProcessTurnQueue({
    concurrency,
    maxAttempts,
    committedSeq: async (sessionId) => committed.get(sessionId) ?? 0,
    forgottenBefore: async (scopeId) => forgotten.get(scopeId) ?? 0,
    retryDelayMs: fastRetry,
    logger: silentLogger,
  });
  return { queue, committed, forgotten, dispose: () => queue.close({ timeoutMs: 5_000 }) };
});

let redis: TestRedis;
let prefixes = 0;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.close();
});

turnQueueContract(
  'BullMQ on Redis',
  async ({ concurrency, maxAttempts, committed, forgotten, historyTtlMs }) => {
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    prefixes += 1;
    const queue = createBullTurnQueue({
      redis: connection,
      prefix: `contract${prefixes}`,
      concurrency,
      maxAttempts,
      committedSeq: async (sessionId) => committed.get(sessionId) ?? 0,
      forgottenBefore: async (scopeId) => forgotten.get(scopeId) ?? 0,
      ...(historyTtlMs !== undefined ? { historyTtlMs } : {}),
      retryDelayMs: fastRetry,
      sweepIntervalMs: 1_000,
      logger: silentLogger,
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
  },
);
