import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMetrics } from '../../../src/app/metrics.ts';

afterEach(() => {
  vi.useRealTimers();
});

/** The value of `parley_queue_depth` in a scrape. */
function depthIn(text: string): string | undefined {
  return /^parley_queue_depth (\S+)$/m.exec(text)?.[1];
}

describe('metrics', () => {
  it('serves the queue depth it reads', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.watchQueueDepth(async () => 7);
    expect(depthIn(await metrics.registry.metrics())).toBe('7');
  });

  it('a scrape during a Redis outage answers with the last depth read instead of hanging', async () => {
    vi.useFakeTimers();
    const metrics = createMetrics({ defaultMetrics: false });
    let outage = false;
    metrics.watchQueueDepth(() => (outage ? new Promise<number>(() => {}) : Promise.resolve(3)));
    expect(depthIn(await metrics.registry.metrics())).toBe('3');

    outage = true;
    const scrape = metrics.registry.metrics();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(depthIn(await scrape)).toBe('3');
  });

  it('before any depth was read, an unanswered read is served as NaN', async () => {
    vi.useFakeTimers();
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.watchQueueDepth(() => new Promise<number>(() => {}));
    const scrape = metrics.registry.metrics();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(depthIn(await scrape)).toBe('Nan');
  });

  it('a failed read keeps the last value', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    let fail = false;
    metrics.watchQueueDepth(() => (fail ? Promise.reject(new Error('down')) : Promise.resolve(5)));
    await metrics.registry.metrics();
    fail = true;
    expect(depthIn(await metrics.registry.metrics())).toBe('5');
  });
});
