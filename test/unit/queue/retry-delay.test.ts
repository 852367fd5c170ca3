import { describe, expect, it } from 'vitest';
import { defaultRetryDelayMs } from '../../../src/queue/retry-delay.ts';

describe('defaultRetryDelayMs', () => {
  it('doubles from 500 ms per attempt', () => {
    expect([1, 2, 3, 4, 5].map(defaultRetryDelayMs)).toEqual([500, 1_000, 2_000, 4_000, 8_000]);
  });

  it('caps at 30 s', () => {
    expect(defaultRetryDelayMs(7)).toBe(30_000);
    expect(defaultRetryDelayMs(50)).toBe(30_000);
  });

  it('treats an attempt below 1 as the first', () => {
    expect(defaultRetryDelayMs(0)).toBe(500);
  });
});
