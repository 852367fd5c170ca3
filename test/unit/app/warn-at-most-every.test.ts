import { describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../../src/app/logger.ts';
import { warnAtMostEvery } from '../../../src/app/warn-at-most-every.ts';

describe('warnAtMostEvery', () => {
  it('logs the first error at once, then at most one per interval', () => {
    const warn = vi.fn();
    const clock = { now: 0 };
    const onError = warnAtMostEvery(
      { warn } as unknown as Logger,
      'queue connection error',
      30_000,
      () => clock.now,
    );
    const first = new Error('ECONNREFUSED');
    onError(first);
    clock.now = 29_999;
    onError(new Error('ECONNREFUSED again'));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith({ err: first }, 'queue connection error');
    clock.now = 30_000;
    onError(new Error('still down'));
    expect(warn).toHaveBeenCalledTimes(2);
  });
});
