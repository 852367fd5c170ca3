import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { AttachmentKind, AttachmentOutcomeEvent } from '../attachments/attachment.ts';

/** How a turn ended, as counted in `parley_turns_total`. */
export type TurnOutcome =
  | 'answered'
  | 'model_error'
  | 'gave_up'
  | 'reset'
  | 'declined'
  | 'command'
  | 'listened'
  | 'edited'
  | 'deleted';

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
  /** An attached file was read (`prepared`) or skipped (the skip reason), after `bytes` were downloaded. */
  attachment(kind: AttachmentKind, outcome: AttachmentOutcomeEvent['outcome'], bytes: number): void;
  /** Reports the queue depth when `/metrics` is scraped. */
  watchQueueDepth(read: () => Promise<number>): void;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** How long a scrape waits for the queue depth before serving the last value read (Redis may be down). */
const DEPTH_READ_LIMIT_MS = 1_000;

function histogram(registry: Registry, name: string, help: string, labelNames: string[] = []) {
  return new Histogram({ name, help, labelNames, buckets: LATENCY_BUCKETS, registers: [registry] });
}

function counter(registry: Registry, name: string, help: string, labelNames: string[]) {
  return new Counter({ name, help, labelNames, registers: [registry] });
}

function createInstruments(registry: Registry) {
  return {
    turns: counter(registry, 'parley_turns_total', 'Turns processed, by outcome.', ['outcome']),
    queueWait: histogram(
      registry,
      'parley_queue_wait_seconds',
      'Time from receiving a turn to starting to process it.',
    ),
    endToEnd: histogram(
      registry,
      'parley_turn_duration_seconds',
      'Time from receiving a turn to committing it (reply posted).',
    ),
    modelLatency: histogram(
      registry,
      'parley_model_latency_seconds',
      'Duration of model calls, retries included.',
      ['model'],
    ),
    tokens: counter(
      registry,
      'parley_tokens_total',
      'Tokens used, by model and kind (prompt or completion).',
      ['model', 'kind'],
    ),
    cost: counter(
      registry,
      'parley_cost_usd_total',
      'Cost in USD of model calls with a known price, by model.',
      ['model'],
    ),
    errors: counter(registry, 'parley_errors_total', 'Errors, by kind.', ['kind']),
    files: counter(
      registry,
      'parley_files_total',
      'Attached files, by kind (image, pdf, text, other) and outcome (prepared or the skip reason).',
      ['kind', 'outcome'],
    ),
    fileBytes: counter(registry, 'parley_file_bytes_total', 'Bytes of attached files downloaded, by kind.', [
      'kind',
    ]),
  };
}

/**
 * The queue-depth gauge. A scrape waits at most `DEPTH_READ_LIMIT_MS` for the depth; past that (Redis down,
 * exactly when alerts matter) it serves the last value read, or NaN before any, instead of hanging `/metrics`.
 */
function watchDepth(registry: Registry): (read: () => Promise<number>) => void {
  let readDepth: (() => Promise<number>) | undefined;
  let lastDepth = Number.NaN;
  new Gauge({
    name: 'parley_queue_depth',
    help: 'Turns accepted and not yet processed.',
    registers: [registry],
    async collect() {
      if (!readDepth) return;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<number>((resolve) => {
        timer = setTimeout(() => resolve(lastDepth), DEPTH_READ_LIMIT_MS);
      });
      const read = readDepth().then(
        (depth) => {
          lastDepth = depth;
          return depth;
        },
        () => lastDepth,
      );
      this.set(await Promise.race([read, late]));
      clearTimeout(timer);
    },
  });
  return (read) => {
    readDepth = read;
  };
}

/** Creates a registry of Parley's metrics (one per process; tests make their own). */
export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'parley_' });
  const { turns, queueWait, endToEnd, modelLatency, tokens, cost, errors, files, fileBytes } =
    createInstruments(registry);
  const watchQueueDepth = watchDepth(registry);

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
    attachment(kind, outcome, bytes) {
      files.inc({ kind, outcome });
      if (Number.isFinite(bytes) && bytes > 0) fileBytes.inc({ kind }, bytes);
    },
    watchQueueDepth,
  };
}
