/**
 * The history store, usage ledger and BullMQ turn queue contracts again, on a real three-master Redis Cluster
 * that this suite builds itself (`redis-server --cluster-enabled yes` + `redis-cli --cluster create`). Every
 * script and transaction must stay inside one hash slot, or the cluster refuses it with CROSSSLOT.
 */
import { randomUUID } from 'node:crypto';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { createRedisHistoryStore } from '../../src/history/redis/redis-history-store.ts';
import { createRedisUsageLedger } from '../../src/usage/redis-usage-ledger.ts';
import { startTestRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster.ts';
import { bullTurnQueueFactory } from './bull-turn-queue-factory.ts';
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
  bullTurnQueueFactory(
    () => cluster.client(),
    () => `cluster-${randomUUID()}`,
  ),
);

turnQueueContract(
  'BullMQ on a Redis Cluster, 3 queue shards',
  bullTurnQueueFactory(
    () => cluster.client(),
    () => `cluster-sharded-${randomUUID()}`,
    { shards: 3 },
  ),
);
