import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, describe } from 'vitest';
import { createMemoryTokenBuckets } from '../../src/rate-limit/memory-token-buckets.ts';
import { createRedisTokenBuckets } from '../../src/rate-limit/redis-token-buckets.ts';
import { useTestRedis } from '../helpers/use-test-redis.ts';
import { rateLimiterContract } from './rate-limiter.contract.ts';

describe('memory token buckets', () => {
  rateLimiterContract({
    async create(shape) {
      const buckets = createMemoryTokenBuckets(shape);
      // One process: every limiter of it uses the same buckets.
      return { buckets, another: () => buckets };
    },
  });
});

describe('Redis token buckets (a spawned redis-server, two connections as two processes)', () => {
  const redis = useTestRedis();
  const extra: Redis[] = [];
  afterAll(async () => {
    await Promise.all(extra.map((client) => client.quit()));
  });
  rateLimiterContract({
    async create(shape) {
      const prefix = `rl-${randomUUID()}`;
      const buckets = createRedisTokenBuckets({ ...shape, redis: redis.client, prefix, name: 'test' });
      return {
        buckets,
        another: () => {
          const client = redis.server.client();
          extra.push(client);
          return createRedisTokenBuckets({ ...shape, redis: client, prefix, name: 'test' });
        },
      };
    },
  });
});
