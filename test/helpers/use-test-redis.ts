import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { startTestRedis, type TestRedis } from './redis-server.ts';

/** The suite's Redis server and its one connection, set once the suite's `beforeAll` has run. */
export interface UsedTestRedis {
  /** The suite's own redis-server. */
  readonly server: TestRedis;
  /** A connection to it, shared by the suite's tests (each keeps to its own key prefix). */
  readonly client: Redis;
}

/**
 * For the enclosing suite (or file): a redis-server of its own started before its tests, with one connection,
 * both closed after them.
 */
export function useTestRedis(): UsedTestRedis {
  let server: TestRedis | undefined;
  let client: Redis | undefined;
  beforeAll(async () => {
    server = await startTestRedis();
    client = server.client();
  });
  afterAll(async () => {
    await client?.quit();
    await server?.close();
  });
  return {
    get server() {
      if (!server) throw new Error('the test Redis starts in beforeAll');
      return server;
    },
    get client() {
      if (!client) throw new Error('the test Redis starts in beforeAll');
      return client;
    },
  };
}
