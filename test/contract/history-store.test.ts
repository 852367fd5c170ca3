import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { createMemoryHistoryStore } from '../../src/memory-history-store.ts';
import { createRedisHistoryStore } from '../../src/redis-history-store.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { historyStoreContract } from './history-store.contract.ts';

historyStoreContract('memory', () => createMemoryHistoryStore());

let server: TestRedis;
let client: Redis;

beforeAll(async () => {
  server = await startTestRedis();
  client = server.client();
});

afterAll(async () => {
  await client?.quit();
  await server?.close();
});

// One server and connection for the file, a fresh prefix per test, so tests cannot see each other's keys.
historyStoreContract('redis', () =>
  createRedisHistoryStore({ redis: client, prefix: `test-${randomUUID()}` }),
);
