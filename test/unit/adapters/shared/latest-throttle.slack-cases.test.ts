import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLatestThrottle as createCoalescingThrottle } from '../../../../adapters/shared/latest-throttle.ts';

describe('createLatestThrottle: cases from the Slack reply stream', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends the first value at once, then only the newest per interval', async () => {
    const sent: number[] = [];
    const throttle = createCoalescingThrottle<number>({
      intervalMs: 1_000,
      send: async (value) => {
        sent.push(value);
      },
      now: () => Date.now(),
    });
    for (let value = 1; value <= 50; value++) {
      throttle.push(value);
      await vi.advanceTimersByTimeAsync(40); // 50 updates over 2 s
    }
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sent[0]).toBe(1);
    expect(sent.at(-1)).toBe(50);
    expect(sent.length).toBeLessThanOrEqual(4);
    expect(sent).toEqual([...sent].sort((a, b) => a - b));
  });

  it('never runs two sends at once, even when a send is slower than the interval', async () => {
    let running = 0;
    let maxRunning = 0;
    const sent: number[] = [];
    const throttle = createCoalescingThrottle<number>({
      intervalMs: 100,
      send: async (value) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((resolve) => setTimeout(resolve, 450));
        sent.push(value);
        running--;
      },
    });
    for (let value = 1; value <= 20; value++) {
      throttle.push(value);
      await vi.advanceTimersByTimeAsync(50);
    }
    await vi.advanceTimersByTimeAsync(2_000);
    expect(maxRunning).toBe(1);
    expect(sent.at(-1)).toBe(20);
  });

  it('settle drops the waiting value and waits for the send in flight', async () => {
    const sent: number[] = [];
    let finishSend: () => void = () => {};
    const throttle = createCoalescingThrottle<number>({
      intervalMs: 1_000,
      send: (value) =>
        new Promise<void>((resolve) => {
          finishSend = () => {
            sent.push(value);
            resolve();
          };
        }),
    });
    throttle.push(1);
    throttle.push(2);
    await vi.advanceTimersByTimeAsync(0);
    let settled = false;
    const settling = throttle.settle().then(() => {
      settled = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false);
    finishSend();
    await settling;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(sent).toEqual([1]);
    throttle.push(3);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(sent).toEqual([1]);
  });

  it('keeps going after a failed send', async () => {
    const errors: unknown[] = [];
    const sent: number[] = [];
    const throttle = createCoalescingThrottle<number>({
      intervalMs: 10,
      send: async (value) => {
        if (value === 1) throw new Error('boom');
        sent.push(value);
      },
      onError: (error) => errors.push(error),
    });
    throttle.push(1);
    await vi.advanceTimersByTimeAsync(20);
    throttle.push(2);
    await vi.advanceTimersByTimeAsync(20);
    expect(errors).toHaveLength(1);
    expect(sent).toEqual([2]);
  });
});
