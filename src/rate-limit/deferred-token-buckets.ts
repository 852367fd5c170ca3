import type { TokenBuckets } from './rate-limiter.ts';

/** Token buckets whose store is chosen after the callers holding them were made. */
export interface DeferredTokenBuckets {
  /** The buckets to hand out: every take goes to the store in use at that moment. */
  buckets: TokenBuckets;
  /** Switches every holder to `next` (the Redis store, once the process's connection exists). */
  use(next: TokenBuckets): void;
}

/**
 * The reply channels are built before the worker pipeline opens its Redis connection; this lets them start on
 * `initial` (memory) and share the Redis budget from the moment it is there, without a second connection.
 */
export function createDeferredTokenBuckets(initial: TokenBuckets): DeferredTokenBuckets {
  let current = initial;
  return {
    buckets: { take: (key) => current.take(key) },
    use(next) {
      current = next;
    },
  };
}
