/**
 * What the operator's page shows of this process's own Prometheus metrics: latency percentiles estimated from
 * the histograms' buckets (as PromQL's `histogram_quantile` does), and counters by label. Counted since the
 * process started; Grafana (deploy/grafana) shows them over time and across processes.
 */
import type { Registry } from 'prom-client';

/** Percentiles of one histogram series, in seconds (NaN without observations). */
export interface LatencySummary {
  /** The series' label (the model, or `all`). */
  label: string;
  /** Observations. */
  count: number;
  /** Mean. */
  mean: number;
  /** Median, estimated from the buckets. */
  p50: number;
  /** 95th percentile. */
  p95: number;
  /** 99th percentile. */
  p99: number;
  /** The largest finite bucket bound: a percentile past it is only known to be larger. */
  ceiling: number;
}

/** The page's view of the process's metrics. */
export interface MetricsSummary {
  /** `parley_model_latency_seconds` per model. */
  modelLatency: LatencySummary[];
  /** `parley_queue_wait_seconds`. */
  queueWait: LatencySummary[];
  /** `parley_turns_total` per outcome. */
  turns: Array<{ label: string; count: number }>;
  /** `parley_errors_total` per kind: only kinds and counts, never what went wrong. */
  errors: Array<{ label: string; count: number }>;
  /** `parley_feedback_total` per value (`up`, `down`): 👍 and 👎 given on answers. */
  feedback: Array<{ label: string; count: number }>;
}

interface Sample {
  labels: Record<string, string | number | undefined>;
  value: number;
  metricName?: string;
}

async function samples(registry: Registry, name: string): Promise<Sample[]> {
  const metric = registry.getSingleMetric(name);
  return metric ? ((await metric.get()).values as Sample[]) : [];
}

/**
 * The `q` quantile of cumulative buckets (upper bound → count), interpolated within its bucket; +Infinity when it
 * lies past the last finite bound (PromQL answers that bound, which would read as a measured value).
 */
export function bucketQuantile(q: number, buckets: Array<{ le: number; count: number }>): number {
  const sorted = [...buckets].sort((left, right) => left.le - right.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total === 0) return Number.NaN;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const bucket of sorted) {
    if (bucket.count >= rank) {
      if (!Number.isFinite(bucket.le)) return Number.POSITIVE_INFINITY;
      const inBucket = bucket.count - lowerCount;
      return inBucket === 0
        ? bucket.le
        : lowerBound + ((bucket.le - lowerBound) * (rank - lowerCount)) / inBucket;
    }
    lowerBound = bucket.le;
    lowerCount = bucket.count;
  }
  return lowerBound;
}

async function latency(registry: Registry, name: string, labelName?: string): Promise<LatencySummary[]> {
  const series = new Map<
    string,
    { buckets: Array<{ le: number; count: number }>; sum: number; count: number }
  >();
  for (const sample of await samples(registry, name)) {
    const label = labelName ? String(sample.labels[labelName] ?? '') : 'all';
    const entry = series.get(label) ?? { buckets: [], sum: 0, count: 0 };
    series.set(label, entry);
    if (sample.metricName === `${name}_bucket`) {
      const le = sample.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(sample.labels.le);
      entry.buckets.push({ le, count: sample.value });
    } else if (sample.metricName === `${name}_sum`) entry.sum = sample.value;
    else if (sample.metricName === `${name}_count`) entry.count = sample.value;
  }
  return [...series]
    .filter(([, entry]) => entry.count > 0)
    .map(([label, entry]) => ({
      label,
      count: entry.count,
      mean: entry.sum / entry.count,
      p50: bucketQuantile(0.5, entry.buckets),
      p95: bucketQuantile(0.95, entry.buckets),
      p99: bucketQuantile(0.99, entry.buckets),
      ceiling: Math.max(0, ...entry.buckets.map((bucket) => bucket.le).filter(Number.isFinite)),
    }))
    .sort((left, right) => (left.label < right.label ? -1 : 1));
}

async function counts(registry: Registry, name: string, labelName: string) {
  return (await samples(registry, name))
    .filter((sample) => sample.value > 0)
    .map((sample) => ({ label: String(sample.labels[labelName] ?? ''), count: sample.value }))
    .sort((left, right) => right.count - left.count || (left.label < right.label ? -1 : 1));
}

/** Reads the summary from the registry behind `/metrics`. */
export async function summarizeMetrics(registry: Registry): Promise<MetricsSummary> {
  const [modelLatency, queueWait, turns, errors, feedback] = await Promise.all([
    latency(registry, 'parley_model_latency_seconds', 'model'),
    latency(registry, 'parley_queue_wait_seconds'),
    counts(registry, 'parley_turns_total', 'outcome'),
    counts(registry, 'parley_errors_total', 'kind'),
    counts(registry, 'parley_feedback_total', 'value'),
  ]);
  return { modelLatency, queueWait, turns, errors, feedback };
}
