import { monitorEventLoopDelay, PerformanceObserver, performance } from 'node:perf_hooks';
import { benchTurn, SHORT_TEXT } from '../lib/bench-turns.ts';
import { sessionIds } from '../lib/enqueue-turns.ts';
import {
  type BenchPipeline,
  createBenchPipeline,
  type ModelCallTimes,
  type PipelineOptions,
} from './bench-pipeline.ts';
import { openLoop } from './open-loop.ts';
import type { TurnRecorder } from './turn-recorder.ts';

/** Options of the per-turn overhead run. */
export interface OverheadOptions {
  /** Worker settings (model `openai` against a zero-latency fake). */
  pipeline: PipelineOptions;
  /** Steady arrival rate. */
  ratePerSecond: number;
  /** Turns measured. */
  turns: number;
  /** Turns run first and thrown away (JIT, connections, tokenizer). */
  warmupTurns: number;
  /** Sessions the turns rotate over. */
  sessions: number;
}

/** Per-turn samples, ms. */
export interface OverheadResult {
  /** Enqueue → reply posted, minus the model call. */
  toReply: number[];
  /** Enqueue → turn committed (history written, mailbox popped), minus the model call. */
  toCommit: number[];
  /** The model call as the worker saw it (SDK + HTTP + fake). */
  model: number[];
  /** When each turn was enqueued, ms after the first measured one (to find periodic stalls). */
  at: number[];
  /** Garbage-collection pauses during the measured run: start (same clock as `at`) and duration, ms. */
  gcPauses: Array<{ at: number; ms: number }>;
  /** Event-loop delay during the measured run (sampled every 5 ms): p99 and max, ms. */
  loopDelay: { p99: number; max: number };
  /** Where the overhead goes: phases of each turn, ms. */
  phases: {
    /** Start of `enqueue` → it returned (ingress side: Lua script, SADD, wake-up job). */
    enqueue: number[];
    /** Start of `enqueue` → the processor started the turn (BullMQ pick-up, mailbox read, bookkeeping). */
    pickup: number[];
    /** Processor start → model call (meta, history load, prompt assembly). */
    beforeModel: number[];
    /** Model returned → reply posted. */
    afterModel: number[];
    /** Reply posted → committed (commit script, pop). */
    commit: number[];
  };
}

/**
 * Enqueue and worker in one process (as role `all` runs), so one clock times a turn from the start of
 * `enqueue` to the recorder's `finish`; the model call, timed by a wrapper, is subtracted.
 */
export async function runOverhead(options: OverheadOptions, recorder: TurnRecorder): Promise<OverheadResult> {
  const modelTimes = new Map<number, ModelCallTimes>();
  const enqueueDone = new Map<number, number>();
  const pipeline: BenchPipeline = createBenchPipeline(options.pipeline, recorder, modelTimes);
  await pipeline.start();
  const ids = sessionIds('overhead', options.sessions);
  const enqueuedAt = new Map<number, number>();
  // Warm-up rounds are whole rounds over the sessions so measured indices continue each session's order.
  const warmRounds = Math.ceil(options.warmupTurns / options.sessions);
  const run = async (firstTurnId: number, count: number) => {
    await openLoop(options.ratePerSecond, count, async (i) => {
      const turnId = firstTurnId + i;
      const session = i % options.sessions;
      const index = Math.floor(i / options.sessions) + (firstTurnId === 0 ? 0 : warmRounds);
      enqueuedAt.set(turnId, performance.now());
      await pipeline.sink.enqueue(benchTurn(ids[session]!, index, turnId, SHORT_TEXT));
      enqueueDone.set(turnId, performance.now());
    });
    await recorder.waitForCommits(count);
  };
  recorder.reset({ detail: false });
  await run(0, warmRounds * options.sessions);
  recorder.reset({ detail: true });
  modelTimes.clear();
  const gcPauses: Array<{ start: number; ms: number }> = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcPauses.push({ start: entry.startTime, ms: entry.duration });
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const first = 1_000_000;
  await run(first, options.turns);
  gcObserver.disconnect();
  loopDelay.disable();

  const result: OverheadResult = {
    toReply: [],
    toCommit: [],
    model: [],
    at: [],
    loopDelay: { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
    gcPauses: gcPauses.map((pause) => ({ at: pause.start - (enqueuedAt.get(first) ?? 0), ms: pause.ms })),
    phases: { enqueue: [], pickup: [], beforeModel: [], afterModel: [], commit: [] },
  };
  for (let turnId = first; turnId < first + options.turns; turnId++) {
    const times = recorder.times.get(turnId);
    const start = enqueuedAt.get(turnId);
    const model = modelTimes.get(turnId);
    if (!times || start === undefined || model === undefined || times.committedAt === undefined) continue;
    const modelMs = model.end - model.start;
    result.model.push(modelMs);
    result.at.push(start - (enqueuedAt.get(first) ?? start));
    result.toReply.push(times.repliedAt - start - modelMs);
    result.toCommit.push(times.committedAt - start - modelMs);
    result.phases.enqueue.push((enqueueDone.get(turnId) ?? Number.NaN) - start);
    result.phases.pickup.push((times.startedAt ?? Number.NaN) - start);
    result.phases.beforeModel.push(model.start - (times.startedAt ?? Number.NaN));
    result.phases.afterModel.push(times.repliedAt - model.end);
    result.phases.commit.push(times.committedAt - times.repliedAt);
  }
  await pipeline.close();
  return result;
}
