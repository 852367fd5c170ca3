import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { AttachmentKind, AttachmentOutcomeEvent } from '../attachments/attachment.ts';
import type { Turn } from '../turn/turn.ts';

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

/** Every `ErrorKind`: each is exported at 0 from the start, so rates and alerts work before the first error. */
const ERROR_KINDS: readonly ErrorKind[] = ['model', 'platform', 'store', 'other'];

/**
 * When Parley received the turn (`acceptedAt`, set as it entered the queue), which the queue wait and turn
 * duration start from; `receivedAt` (the platform's time) for turns from before that field.
 */
export function receivedByParleyAt(turn: Pick<Turn, 'receivedAt' | 'acceptedAt'>): number {
  return turn.acceptedAt ?? turn.receivedAt;
}

/** The process's Prometheus metrics (served at `/metrics`). */
export interface Metrics {
  /** The registry behind `/metrics`. */
  readonly registry: Registry;
  /** A turn ended; `receivedAt` is when Parley received it (`receivedByParleyAt`). */
  turnDone(outcome: TurnOutcome, receivedAt: number): void;
  /**
   * A turn started processing `waitedMs` after Parley received it; `platformDelayMs`, when known, is how long
   * before that the platform had stamped it (delivery delay, retries, clock skew).
   */
  turnStarted(waitedMs: number, platformDelayMs?: number): void;
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
  /** A tool call ended (`ok`, `error`, `timeout`, `unknown`, `unavailable`, `invalid_arguments`) after `seconds`. */
  toolCall?(server: string, tool: string, outcome: string, seconds: number): void;
  /** Someone gave an answer 👍 (`up`) or 👎 (`down`); a changed vote counts the new value. */
  feedback?(value: 'up' | 'down'): void;
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
      'Time from Parley receiving a turn to starting to process it.',
    ),
    platformDelay: histogram(
      registry,
      'parley_platform_delay_seconds',
      "Time from the platform's timestamp of a message to Parley receiving it (delivery delay, retries, clock skew).",
    ),
    endToEnd: histogram(
      registry,
      'parley_turn_duration_seconds',
      'Time from Parley receiving a turn to committing it (reply posted).',
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
    toolCalls: counter(registry, 'parley_tool_calls_total', 'Tool calls, by MCP server, tool and outcome.', [
      'server',
      'tool',
      'outcome',
    ]),
    feedback: counter(registry, 'parley_feedback_total', 'Feedback on answers, by value (up, down).', [
      'value',
    ]),
    toolLatency: histogram(registry, 'parley_tool_call_duration_seconds', 'Duration of tool calls.', [
      'server',
      'tool',
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
export function createMetrics(
  options: { defaultMetrics?: boolean; models?: readonly string[] } = {},
): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'parley_' });
  const instruments = createInstruments(registry);
  const { turns, queueWait, endToEnd, modelLatency, tokens, cost, errors, files, fileBytes } = instruments;
  // Series that exist before anything happened: a dashboard shows 0, not "no data".
  for (const kind of ERROR_KINDS) errors.inc({ kind }, 0);
  for (const model of options.models ?? []) cost.inc({ model }, 0);
  const watchQueueDepth = watchDepth(registry);

  return {
    registry,
    turnDone(outcome, receivedAt) {
      turns.inc({ outcome });
      // A turn without a valid receipt time must not break its processing over a metric.
      if (Number.isFinite(receivedAt)) endToEnd.observe(Math.max(0, Date.now() - receivedAt) / 1000);
    },
    turnStarted(waitedMs, platformDelayMs) {
      if (Number.isFinite(waitedMs)) queueWait.observe(Math.max(0, waitedMs) / 1000);
      if (platformDelayMs !== undefined && Number.isFinite(platformDelayMs)) {
        instruments.platformDelay.observe(Math.max(0, platformDelayMs) / 1000);
      }
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
    toolCall(server, tool, outcome, seconds) {
      instruments.toolCalls.inc({ server, tool, outcome });
      instruments.toolLatency.observe({ server, tool }, seconds);
    },
    feedback(value) {
      instruments.feedback.inc({ value });
    },
  };
}
