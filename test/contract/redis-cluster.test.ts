/**
 * The history store, usage ledger and BullMQ turn queue contracts again, on a real three-master Redis Cluster
 * that this suite builds itself (`redis-server --cluster-enabled yes` + `redis-cli --cluster create`). Every
 * script and transaction must stay inside one hash slot, or the cluster refuses it with CROSSSLOT.
 */
import { randomUUID } from 'node:crypto';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { silentLogger } from '../../src/app/logger.ts';
import { createRedisHistoryStore } from '../../src/history/redis/redis-history-store.ts';
import { createBullTurnQueue } from '../../src/queue/bullmq/bullmq-turn-queue.ts';
import { createRedisUsageLedger } from '../../src/usage/redis-usage-ledger.ts';
import { startTestRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster.ts';
import { historyStoreContract } from './history-store.contract.ts';
import { historyStoreAmendContract } from './history-store-amend.contract.ts';
import { historyStoreImagesContract, redisImagesTarget } from './history-store-images.contract.ts';
import { turnQueueContract } from './turn-queue.contract.ts';
import { usageLedgerContract } from './usage-ledger.contract.ts';

let cluster: TestRedisCluster;
let client: Cluster;

beforeAll(async () => {
  cluster = await startTestRedisCluster({ masters: 3 });
  client = cluster.client();
}, 60_000);

afterAll(async () => {
  await client?.quit();
  await cluster?.close();
});

historyStoreContract('redis cluster', (options) =>
  createRedisHistoryStore({ redis: client, prefix: `cluster-${randomUUID()}`, ...options }),
);

historyStoreAmendContract('redis cluster', (options) =>
  createRedisHistoryStore({ redis: client, prefix: `cluster-${randomUUID()}`, ...options }),
);

const clusterImages = redisImagesTarget(() => client, 'cluster');
historyStoreImagesContract('redis cluster', clusterImages.factory, clusterImages.probe);

usageLedgerContract('redis cluster', (now, options) =>
  createRedisUsageLedger({ redis: client, prefix: `cluster-${randomUUID()}`, now, ...options }),
);

turnQueueContract(
  'BullMQ on a Redis Cluster',
  async ({ concurrency, maxAttempts, committed, forgotten, historyTtlMs }) => {
    const connection = cluster.client();
    const queue = createBullTurnQueue({
      redis: connection,
      prefix: `cluster-${randomUUID()}`,
      concurrency,
      maxAttempts,
      committedSeq: async (sessionId) => committed.get(sessionId) ?? 0,
      forgottenBefore: async (scopeId) => forgotten.get(scopeId) ?? 0,
      ...(historyTtlMs !== undefined ? { historyTtlMs } : {}),
      retryDelayMs: () => 20,
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
