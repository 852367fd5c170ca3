import { describe, expect, it } from 'vitest';
import { bucketQuantile, summarizeMetrics } from '../../../src/admin/metrics-summary.ts';
import { createMetrics } from '../../../src/app/metrics.ts';

describe('bucketQuantile', () => {
  const buckets = [
    { le: 0.1, count: 10 },
    { le: 0.5, count: 30 },
    { le: 1, count: 40 },
    { le: Number.POSITIVE_INFINITY, count: 40 },
  ];

  it('interpolates within the bucket the rank falls in, as histogram_quantile does', () => {
    expect(bucketQuantile(0.25, buckets)).toBeCloseTo(0.1);
    expect(bucketQuantile(0.5, buckets)).toBeCloseTo(0.3);
    expect(bucketQuantile(1, buckets)).toBeCloseTo(1);
  });

  it('is NaN without observations and +Infinity past the last finite bound', () => {
    expect(bucketQuantile(0.5, [{ le: 1, count: 0 }])).toBeNaN();
    expect(
      bucketQuantile(0.99, [
        { le: 1, count: 1 },
        { le: Number.POSITIVE_INFINITY, count: 10 },
      ]),
    ).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('summarizeMetrics', () => {
  it('reads latency per model, turns by outcome and errors by kind from the registry', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    for (const seconds of [0.2, 0.2, 0.2, 3]) metrics.modelCall('gpt-4o-mini', seconds);
    metrics.modelCall('llama3', 0.02);
    metrics.turnStarted(40);
    metrics.turnDone('answered', Date.now());
    metrics.turnDone('answered', Date.now());
    metrics.turnDone('model_error', Date.now());
    metrics.error('model');
    metrics.feedback?.('up');
    metrics.feedback?.('up');
    metrics.feedback?.('down');
    const summary = await summarizeMetrics(metrics.registry);
    expect(summary.modelLatency.map((row) => [row.label, row.count])).toEqual([
      ['gpt-4o-mini', 4],
      ['llama3', 1],
    ]);
    const mini = summary.modelLatency[0]!;
    expect(mini.mean).toBeCloseTo(0.9);
    expect(mini.p50).toBeGreaterThan(0.1);
    expect(mini.p50).toBeLessThanOrEqual(0.25);
    expect(mini.p99).toBeGreaterThan(2.5);
    expect(summary.queueWait).toMatchObject([{ label: 'all', count: 1 }]);
    expect(summary.turns).toEqual([
      { label: 'answered', count: 2 },
      { label: 'model_error', count: 1 },
    ]);
    expect(summary.errors).toEqual([{ label: 'model', count: 1 }]);
    expect(summary.feedback).toEqual([
      { label: 'up', count: 2 },
      { label: 'down', count: 1 },
    ]);
  });
});
