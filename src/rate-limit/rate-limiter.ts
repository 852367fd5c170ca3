/**
 * Rate limits shared by everything that calls one budgeted API: a token bucket per key (a Slack workspace's
 * Tier-3 methods), held in memory for one process or in Redis for several. Callers either wait for a token
 * (`acquire`: a final answer must go out) or take one only if it is free (`tryAcquire`: a streaming edit that
 * the next one supersedes), so many concurrent streams slow their edits down instead of being refused.
 */

/** One bucket's shape: how many calls may go at once, and how fast the allowance comes back. */
export interface TokenBucketShape {
  /** Tokens the bucket holds when full: the burst allowed after a quiet period. */
  capacity: number;
  /** Tokens added per second, up to `capacity`. */
  refillPerSecond: number;
}

/** Where the buckets live: takes one token of `key`'s bucket if it has one. */
export interface TokenBuckets {
  /** Takes a token: 0 when taken, else how many ms until one will be free (nothing is taken then). */
  take(key: string): Promise<number>;
}

/** Calls of one budget, across every caller sharing the limiter. */
export interface RateLimiter {
  /** Waits until a token of `key` is free and takes it; rejects with the signal's reason when aborted. */
  acquire(key: string, signal?: AbortSignal): Promise<void>;
  /** Takes a token of `key` if one is free now; false when the budget is spent. */
  tryAcquire(key: string): Promise<boolean>;
}

/**
 * Slack's Tier 3 (`chat.update`, `chat.appendStream`): about 50 calls a minute per workspace; Slack tolerates
 * short bursts, so a quiet workspace may spend 20 at once.
 */
export const SLACK_TIER_3: TokenBucketShape = { capacity: 20, refillPerSecond: 50 / 60 };

/** Longest single wait between two tries, so an abort or a freed token is noticed soon. */
const MAX_WAIT_MS = 1_000;

/** A limiter over `buckets`: `acquire` tries, waits as long as the bucket says, and tries again. */
export function createRateLimiter(
  buckets: TokenBuckets,
  sleep: (ms: number, signal?: AbortSignal) => Promise<void> = abortableSleep,
): RateLimiter {
  return {
    async acquire(key, signal) {
      for (;;) {
        signal?.throwIfAborted();
        const waitMs = await buckets.take(key);
        if (waitMs <= 0) return;
        await sleep(Math.min(waitMs, MAX_WAIT_MS), signal);
      }
    },
    async tryAcquire(key) {
      return (await buckets.take(key)) <= 0;
    },
  };
}

/** Validates a bucket shape once, where it is configured. */
export function checkBucketShape(shape: TokenBucketShape): TokenBucketShape {
  if (!(shape.capacity >= 1) || !(shape.refillPerSecond > 0)) {
    throw new RangeError(
      `a token bucket needs capacity ≥ 1 and refillPerSecond > 0, got ${JSON.stringify(shape)}`,
    );
  }
  return shape;
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
