import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLatestThrottle } from '../../../../adapters/shared/latest-throttle.ts';

interface Send {
  value: string;
  at: number;
  done: () => void;
  fail: (error: Error) => void;
}

function setup(intervalMs = 1000) {
  const sends: Send[] = [];
  const errors: unknown[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const throttle = createLatestThrottle<string>({
    intervalMs,
    send: (value) =>
      new Promise<void>((resolve, reject) => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const finish = () => {
          inFlight -= 1;
        };
        sends.push({
          value,
          at: Date.now(),
          done: () => {
            finish();
            resolve();
          },
          fail: (error) => {
            finish();
            reject(error);
          },
        });
      }),
    onError: (error) => errors.push(error),
  });
  return { throttle, sends, errors, maxInFlight: () => maxInFlight };
}

describe('createLatestThrottle: cases from the Discord reply stream', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends the first value at once, then only the newest value once the interval has passed', async () => {
    const { throttle, sends } = setup();
    throttle.push('a');
    expect(sends.map((send) => send.value)).toEqual(['a']);
    sends[0]!.done();
    throttle.push('ab');
    throttle.push('abc');
    await vi.advanceTimersByTimeAsync(999);
    expect(sends).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sends.map((send) => send.value)).toEqual(['a', 'abc']);
    expect(sends[1]!.at - sends[0]!.at).toBeGreaterThanOrEqual(1000);
  });

  it('never has two sends in flight, even when a send outlasts the interval', async () => {
    const { throttle, sends, maxInFlight } = setup(100);
    throttle.push('1');
    throttle.push('2');
    await vi.advanceTimersByTimeAsync(500);
    expect(sends).toHaveLength(1);
    throttle.push('3');
    await vi.advanceTimersByTimeAsync(500);
    expect(sends).toHaveLength(1);
    sends[0]!.done();
    await vi.advanceTimersByTimeAsync(0);
    expect(sends.map((send) => send.value)).toEqual(['1', '3']);
    expect(maxInFlight()).toBe(1);
  });

  it('reports a failed send and carries on with the next value', async () => {
    const { throttle, sends, errors } = setup(100);
    throttle.push('x');
    sends[0]!.fail(new Error('boom'));
    throttle.push('y');
    await vi.advanceTimersByTimeAsync(100);
    expect(errors).toHaveLength(1);
    expect(sends.map((send) => send.value)).toEqual(['x', 'y']);
  });

  it('settle drops the waiting value, waits for the send in flight, and ignores later pushes', async () => {
    const { throttle, sends } = setup(100);
    throttle.push('first');
    throttle.push('waiting');
    let settled = false;
    const settling = throttle.settle().then(() => {
      settled = true;
    });
    await vi.advanceTimersByTimeAsync(50);
    expect(settled).toBe(false);
    sends[0]!.done();
    await settling;
    throttle.push('late');
    await vi.advanceTimersByTimeAsync(1000);
    expect(sends.map((send) => send.value)).toEqual(['first']);
  });
});
