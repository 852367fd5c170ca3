import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { silentLogger } from '../../src/app/logger.ts';
import { createInProcessTurnQueue } from '../../src/queue/in-process-turn-queue.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { bullTurnQueueFactory } from './bull-turn-queue-factory.ts';
import { turnQueueContract } from './turn-queue.contract.ts';

const fastRetry = () => 20;

turnQueueContract('in-process', async ({ concurrency, maxAttempts, committed, committedSeq, forgotten }) => {
  const queue = createInProcessTurnQueue({
    concurrency,
    maxAttempts,
    committedSeq,
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
  bullTurnQueueFactory(
    () => new Redis(redis.url, { maxRetriesPerRequest: null }),
    () => `contract${++prefixes}`,
  ),
);

turnQueueContract(
  'BullMQ on Redis, 3 queue shards',
  bullTurnQueueFactory(
    () => new Redis(redis.url, { maxRetriesPerRequest: null }),
    () => `contract-sharded${++prefixes}`,
    { shards: 3 },
  ),
);
