import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { Logger } from '../../../src/app/logger.ts';
import type { Metrics } from '../../../src/app/metrics.ts';
import { createMemoryHistoryStore } from '../../../src/history/memory-history-store.ts';
import { getTokenCounter } from '../../../src/model/token-counter.ts';
import type { TurnJob } from '../../../src/queue/turn-queue.ts';
import { declineTurn } from '../../../src/turn/phases/decline-turn.ts';
import {
  openTurnReply,
  resolveTurnDependencies,
  type TurnDependencies,
} from '../../../src/turn/phases/turn-dependencies.ts';
import type { Turn } from '../../../src/turn/turn.ts';
import type { TurnProcessorOptions } from '../../../src/turn/turn-processor-options.ts';
import { createMemoryUsageLedger } from '../../../src/usage/memory-usage-ledger.ts';
import { createRecordingReplyChannel, type RecordingReplyChannel } from './recording-reply-channel.ts';
import {
  createScriptedModelClient,
  type ModelStep,
  type ScriptedModelClient,
} from './scripted-model-client.ts';

/** The counter the fixtures count with. */
export const counter = getTokenCounter('gpt-4o-mini');
/** When every fixture turn was received. */
export const RECEIVED_AT = 1_750_000_000_000;
/** The fixtures' default system prompt. */
export const SYSTEM_PROMPT = 'You are a test bot.';

/** A message turn in session `console:s` from Alice. */
export function makeTurn(overrides: Partial<Turn> = {}): Turn {
  return {
    id: 'turn-1',
    sessionId: 'console:s',
    kind: 'message',
    author: { id: 'U1', name: 'Alice' },
    text: 'hello there',
    target: { platform: 'console', channelId: 'c' },
    receivedAt: RECEIVED_AT,
    ...overrides,
  };
}

/** A first run of `turn` with seq 1 of 3 allowed runs. */
export function makeJob(turn: Turn = makeTurn(), overrides: Partial<TurnJob> = {}): TurnJob {
  return {
    turn,
    seq: 1,
    attempt: 1,
    maxAttempts: 3,
    previousReplies: [],
    recordReplies: async () => {},
    ...overrides,
  };
}

/** A metric event as recorded. */
export type MetricEvent = [name: string, ...args: unknown[]];

/** Metrics that record every call. */
export function recordingMetrics(): Metrics & { events: MetricEvent[] } {
  const events: MetricEvent[] = [];
  return {
    registry: new Registry(),
    events,
    turnDone: (outcome, receivedAt) => events.push(['turnDone', outcome, receivedAt]),
    turnStarted: (waitedMs) => events.push(['turnStarted', waitedMs]),
    modelCall: (model, seconds, usage, costUsd) => events.push(['modelCall', model, seconds, usage, costUsd]),
    error: (kind) => events.push(['error', kind]),
    attachment: (kind, outcome, bytes) => events.push(['attachment', kind, outcome, bytes]),
    watchQueueDepth: () => {},
  };
}

/** A real logger whose lines are kept, parsed. */
export function recordingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

/** A clock that moves 10 ms every time it is read. */
export function tickingClock(start = RECEIVED_AT + 1_000): () => number {
  let time = start;
  return () => {
    time += 10;
    return time;
  };
}

/** Resolved dependencies over in-memory parts, plus handles on the fakes behind them. */
export interface TestDependencies extends TurnDependencies {
  /** The scripted model behind `model`. */
  model: ScriptedModelClient;
  /** The console channel. */
  channel: RecordingReplyChannel;
  /** Recorded metrics. */
  metrics: Metrics & { events: MetricEvent[] };
  /** Recorded log lines. */
  lines: Array<Record<string, unknown>>;
  /** Every wait between retries asked of `sleep`, ms (it returns at once). */
  waits: number[];
}

/** Dependencies for a phase test: memory store and ledger, scripted model, recording channel and metrics. */
export function makeDependencies(
  options: {
    steps?: ModelStep[];
    chainsResponses?: boolean;
    respond?: boolean;
    /** The channel reports the messages it posts (see `createRecordingReplyChannel`). */
    posts?: boolean;
    /** The channel can delete replies. */
    deletes?: boolean;
    overrides?: Partial<TurnProcessorOptions>;
  } = {},
): TestDependencies {
  const model = createScriptedModelClient(options.steps ?? [], { chainsResponses: options.chainsResponses });
  const channel = createRecordingReplyChannel({
    respond: options.respond,
    posts: options.posts,
    deletes: options.deletes,
  });
  const metrics = recordingMetrics();
  const { logger, lines } = recordingLogger();
  const waits: number[] = [];
  const deps = resolveTurnDependencies({
    store: createMemoryHistoryStore(),
    model,
    counter,
    replyChannels: { console: channel },
    prompt: { systemPrompt: SYSTEM_PROMPT, maxContextTokens: 4_000, maxReplyTokens: 500 },
    modelAttempts: 2,
    retryDelayMs: () => 1,
    ledger: createMemoryUsageLedger(),
    now: tickingClock(),
    sleep: async (ms) => {
      waits.push(ms);
    },
    logger,
    metrics,
    ...options.overrides,
  });
  return { ...deps, model, channel, metrics, lines, waits };
}

/** Declines `job` as over its daily budget (reason `over budget`), through the real decline phase. */
export async function declineOverBudget(
  deps: ReturnType<typeof makeDependencies>,
  job: TurnJob,
): Promise<void> {
  const reply = openTurnReply(deps.channel, job);
  await declineTurn(deps, job, {
    reply,
    text: 'over budget',
    deadline: deps.now() + 60_000,
    log: deps.logger,
  });
}
