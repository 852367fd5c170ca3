import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';
import { checkBucketShape, type TokenBucketShape, type TokenBuckets } from './rate-limiter.ts';

/** Options of `createRedisTokenBuckets`. */
export interface RedisTokenBucketsOptions extends TokenBucketShape {
  /** Connection (shared; never quit here). */
  redis: Redis | Cluster;
  /** Key prefix; default `parley`. */
  prefix?: string;
  /** Which budget this is, part of the key (e.g. `slack-tier3`). */
  name: string;
}

// Read once, when the module loads; ioredis sends it by EVALSHA, falling back to EVAL once per server.
const takeTokenScript = readFileSync(new URL('./take-token-1.lua', import.meta.url), 'utf8');

type TakeToken = (key: string, capacity: number, rate: number) => Promise<number>;

/**
 * Token buckets on Redis, so every worker process shares one budget per key: `<prefix>:{rl:<name>:<key>}`, a
 * hash per bucket (its own hash tag, so each bucket lives on one Cluster node), taken from atomically by
 * `take-token-1.lua` on Redis's clock.
 */
export function createRedisTokenBuckets(options: RedisTokenBucketsOptions): TokenBuckets {
  const { capacity, refillPerSecond } = checkBucketShape(options);
  const { redis } = options;
  const prefix = options.prefix ?? 'parley';
  redis.defineCommand('parleyTakeToken', { numberOfKeys: 1, lua: takeTokenScript });
  const takeToken = (redis as unknown as Record<string, TakeToken>).parleyTakeToken!.bind(redis);
  return {
    async take(key) {
      const wait = await takeToken(`${prefix}:{rl:${options.name}:${key}}`, capacity, refillPerSecond);
      return Number(wait);
    },
  };
}
