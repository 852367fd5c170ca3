import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLatestThrottle } from '../../../../adapters/shared/latest-throttle.ts';

describe('createLatestThrottle (shared by both reply streams)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('starts the first send synchronously inside push', () => {
    const sent: string[] = [];
    const throttle = createLatestThrottle<string>({
      intervalMs: 1_000,
      send: async (value) => void sent.push(value),
    });
    throttle.push('first');
    expect(sent).toEqual(['first']);
  });

  it('reports a send that throws synchronously to onError instead of throwing from push', async () => {
    const errors: unknown[] = [];
    const sent: string[] = [];
    const throttle = createLatestThrottle<string>({
      intervalMs: 10,
      send: (value) => {
        if (value === 'bad') throw new Error('sync boom');
        sent.push(value);
        return Promise.resolve();
      },
      onError: (error) => errors.push(error),
    });
    expect(() => throttle.push('bad')).not.toThrow();
    await vi.advanceTimersByTimeAsync(0);
    expect(errors).toHaveLength(1);
    throttle.push('good');
    await vi.advanceTimersByTimeAsync(10);
    expect(sent).toEqual(['good']);
  });

  it('measures the interval on the injected clock', async () => {
    let clock = 0;
    const sent: number[] = [];
    const throttle = createLatestThrottle<number>({
      intervalMs: 100,
      send: async (value) => void sent.push(value),
      now: () => clock,
    });
    throttle.push(1);
    await vi.advanceTimersByTimeAsync(0);
    // The fake clock says the interval has passed although no timer time has.
    clock = 100;
    throttle.push(2);
    expect(sent).toEqual([1, 2]);
  });

  it('without onError, a failed send is swallowed and the next value still goes out', async () => {
    const sent: number[] = [];
    const throttle = createLatestThrottle<number>({
      intervalMs: 10,
      send: async (value) => {
        if (value === 1) throw new Error('boom');
        sent.push(value);
      },
    });
    throttle.push(1);
    throttle.push(2);
    await vi.advanceTimersByTimeAsync(20);
    expect(sent).toEqual([2]);
  });
});
