import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** How a turn ended, as counted in `parley_turns_total`. */
export type TurnOutcome = 'answered' | 'model_error' | 'gave_up' | 'reset' | 'declined' | 'command';

/** Kinds of error counted in `parley_errors_total`. */
export type ErrorKind = 'model' | 'platform' | 'store' | 'other';

/** The process's Prometheus metrics (served at `/metrics`). */
export interface Metrics {
  /** The registry behind `/metrics`. */
  readonly registry: Registry;
  /** A turn ended. */
  turnDone(outcome: TurnOutcome, receivedAt: number): void;
  /** A turn started processing `waitedMs` after it was received. */
  turnStarted(waitedMs: number): void;
  /** A model call finished. */
  modelCall(
    model: string,
    seconds: number,
    usage?: { promptTokens: number; completionTokens: number },
    costUsd?: number | null,
  ): void;
  /** Something failed. */
  error(kind: ErrorKind): void;
  /** Reports the queue depth when `/metrics` is scraped. */
  watchQueueDepth(read: () => Promise<number>): void;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** Creates a registry of Parley's metrics (one per process; tests make their own). */
export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'parley_' });
  const turns = new Counter({
    name: 'parley_turns_total',
    help: 'Turns processed, by outcome.',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const queueWait = new Histogram({
    name: 'parley_queue_wait_seconds',
    help: 'Time from receiving a turn to starting to process it.',
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const endToEnd = new Histogram({
    name: 'parley_turn_duration_seconds',
    help: 'Time from receiving a turn to committing it (reply posted).',
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const modelLatency = new Histogram({
    name: 'parley_model_latency_seconds',
    help: 'Duration of model calls, retries included.',
    labelNames: ['model'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const tokens = new Counter({
    name: 'parley_tokens_total',
    help: 'Tokens used, by model and kind (prompt or completion).',
    labelNames: ['model', 'kind'] as const,
    registers: [registry],
  });
  const cost = new Counter({
    name: 'parley_cost_usd_total',
    help: 'Cost in USD of model calls with a known price, by model.',
    labelNames: ['model'] as const,
    registers: [registry],
  });
  const errors = new Counter({
    name: 'parley_errors_total',
    help: 'Errors, by kind.',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  let readDepth: (() => Promise<number>) | undefined;
  new Gauge({
    name: 'parley_queue_depth',
    help: 'Turns accepted and not yet processed.',
    registers: [registry],
    async collect() {
      if (readDepth) this.set(await readDepth().catch(() => Number.NaN));
    },
  });

  return {
    registry,
    turnDone(outcome, receivedAt) {
      turns.inc({ outcome });
      // A turn without a valid receipt time must not break its processing over a metric.
      if (Number.isFinite(receivedAt)) endToEnd.observe(Math.max(0, Date.now() - receivedAt) / 1000);
    },
    turnStarted(waitedMs) {
      if (Number.isFinite(waitedMs)) queueWait.observe(Math.max(0, waitedMs) / 1000);
    },
    modelCall(model, seconds, usage, costUsd) {
      modelLatency.observe({ model }, seconds);
      if (usage) {
        tokens.inc({ model, kind: 'prompt' }, usage.promptTokens);
        tokens.inc({ model, kind: 'completion' }, usage.completionTokens);
      }
      if (typeof costUsd === 'number') cost.inc({ model }, costUsd);
    },
    error(kind) {
      errors.inc({ kind });
    },
    watchQueueDepth(read) {
      readDepth = read;
    },
  };
}
