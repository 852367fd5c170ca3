import { checkBucketShape, type TokenBucketShape, type TokenBuckets } from './rate-limiter.ts';

/** Options of `createMemoryTokenBuckets`. */
export interface MemoryTokenBucketsOptions extends TokenBucketShape {
  /** Clock, ms since epoch (default `Date.now`). */
  now?: () => number;
  /** Most keys kept; the least recently used is dropped beyond it (a dropped bucket starts full). */
  maxKeys?: number;
}

/** Token buckets in this process's memory: one budget shared by every caller of the process. */
export function createMemoryTokenBuckets(options: MemoryTokenBucketsOptions): TokenBuckets {
  const { capacity, refillPerSecond } = checkBucketShape(options);
  const now = options.now ?? Date.now;
  const maxKeys = options.maxKeys ?? 10_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    async take(key) {
      const time = now();
      const bucket = buckets.get(key) ?? { tokens: capacity, at: time };
      buckets.delete(key);
      buckets.set(key, bucket);
      if (buckets.size > maxKeys) buckets.delete(buckets.keys().next().value!);
      bucket.tokens = Math.min(capacity, bucket.tokens + ((time - bucket.at) / 1000) * refillPerSecond);
      bucket.at = time;
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.ceil(((1 - bucket.tokens) / refillPerSecond) * 1000);
    },
  };
}
