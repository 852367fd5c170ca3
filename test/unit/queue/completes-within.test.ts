import { afterEach, describe, expect, it, vi } from 'vitest';
import { completesWithin } from '../../../src/queue/completes-within.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('completesWithin', () => {
  it('is true when the work finishes in time, and leaves no timer behind', async () => {
    vi.useFakeTimers();
    expect(await completesWithin(Promise.resolve('done'), 1_000)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('is false when the time runs out first', async () => {
    vi.useFakeTimers();
    let finish: () => void = () => {};
    const work = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const result = completesWithin(work, 1_000);
    await vi.advanceTimersByTimeAsync(999);
    let settled = false;
    void result.then(() => {
      settled = true;
    });
    await Promise.resolve();
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await result).toBe(false);
    finish();
  });

  it('passes a rejection of the work on', async () => {
    await expect(completesWithin(Promise.reject(new Error('close failed')), 1_000)).rejects.toThrow(
      'close failed',
    );
  });
});
