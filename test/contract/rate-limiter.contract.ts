import { expect, it } from 'vitest';
import {
  createRateLimiter,
  type TokenBucketShape,
  type TokenBuckets,
} from '../../src/rate-limit/rate-limiter.ts';

/** Makes the buckets under test: `shared` ones see the same budget (another process on the same store). */
export interface TokenBucketsFactory {
  /** A fresh store of buckets with this shape, under a key space no other test uses. */
  create(shape: TokenBucketShape): Promise<{ buckets: TokenBuckets; another: () => TokenBuckets }>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What every `TokenBuckets` implementation promises, through the `RateLimiter` callers use. */
export function rateLimiterContract(factory: TokenBucketsFactory): void {
  it('lets a full bucket burst to its capacity, then says how long until the next token', async () => {
    const { buckets } = await factory.create({ capacity: 3, refillPerSecond: 0.5 });
    expect(await Promise.all([1, 2, 3].map(() => buckets.take('T1')))).toEqual([0, 0, 0]);
    const wait = await buckets.take('T1');
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(2_000);
    expect(await createRateLimiter(buckets).tryAcquire('T1')).toBe(false);
  });

  it('keeps keys apart', async () => {
    const { buckets } = await factory.create({ capacity: 1, refillPerSecond: 0.1 });
    const limiter = createRateLimiter(buckets);
    expect(await limiter.tryAcquire('T1')).toBe(true);
    expect(await limiter.tryAcquire('T1')).toBe(false);
    expect(await limiter.tryAcquire('T2')).toBe(true);
  });

  it('refills: after the wait it named, a token is free again', async () => {
    const { buckets } = await factory.create({ capacity: 1, refillPerSecond: 20 });
    expect(await buckets.take('T1')).toBe(0);
    const wait = await buckets.take('T1');
    expect(wait).toBeGreaterThan(0);
    await sleep(wait + 30);
    expect(await buckets.take('T1')).toBe(0);
  });

  it('acquire waits its turn: concurrent callers all go, never faster than the budget', async () => {
    const shape = { capacity: 2, refillPerSecond: 40 };
    const { buckets } = await factory.create(shape);
    const limiter = createRateLimiter(buckets);
    const grants: number[] = [];
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 8 }, () => limiter.acquire('T1').then(() => grants.push(Date.now() - started))),
    );
    expect(grants).toHaveLength(8);
    // Tokens granted by any moment never exceed the burst plus what refilled until then.
    grants.sort((a, b) => a - b);
    for (const [index, at] of grants.entries()) {
      expect(index + 1).toBeLessThanOrEqual(
        shape.capacity + Math.ceil(((at + 25) / 1000) * shape.refillPerSecond),
      );
    }
  });

  it('shares one budget between every limiter on the same store', async () => {
    const { buckets, another } = await factory.create({ capacity: 4, refillPerSecond: 0.1 });
    const first = createRateLimiter(buckets);
    const second = createRateLimiter(another());
    const taken = await Promise.all(
      Array.from({ length: 10 }, (_, index) => (index % 2 === 0 ? first : second).tryAcquire('T1')),
    );
    expect(taken.filter(Boolean)).toHaveLength(4);
  });

  it('acquire gives up when its signal aborts', async () => {
    const { buckets } = await factory.create({ capacity: 1, refillPerSecond: 0.01 });
    const limiter = createRateLimiter(buckets);
    await limiter.acquire('T1');
    const controller = new AbortController();
    const waiting = limiter.acquire('T1', controller.signal);
    controller.abort(new Error('stopped'));
    await expect(waiting).rejects.toThrow('stopped');
  });
}
