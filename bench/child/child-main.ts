/**
 * The measured process: a Parley worker (and, for the latency runs, its producer) controlled over IPC by
 * bench/run.ts, so the fake model, Redis and the producer do not share its event loop or CPU accounting.
 * Requests are `{id, command, args}`; replies `{id, ok, result | error}`. Logs (pino) go to stderr.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import type { Tiktoken } from 'js-tiktoken/lite';
import { loadConfig } from '../../src/app/config.ts';
import { createLogger } from '../../src/app/logger.ts';
import { type RunningParley, startParley } from '../../src/app/start-parley.ts';
import { getTokenCounter } from '../../src/model/token-counter.ts';
import { SHORT_TEXT } from '../lib/bench-turns.ts';
import { enqueueTurns, sessionIds } from '../lib/enqueue-turns.ts';
import { ownCpuMs } from '../lib/process-cpu.ts';
import { summarize } from '../lib/stats.ts';
import {
  type BenchPipeline,
  createBenchPipeline,
  type ModelCallTimes,
  type PipelineOptions,
} from './bench-pipeline.ts';
import { type HistoryScalingOptions, runHistoryScaling } from './history-scaling.ts';
import { measureHttpClientCost } from './http-client-cost.ts';
import { type OverheadOptions, runOverhead } from './overhead.ts';
import { type RawQueueOptions, rawDrain, rawLatency } from './raw-bullmq.ts';
import type { RedisTraffic } from './redis-traffic.ts';
import { createTurnRecorder } from './turn-recorder.ts';

/** What `wait` reports about a worker run. */
export interface WorkerRunResult {
  /** Turns committed. */
  committed: number;
  /** Replies whose session order was wrong. */
  orderViolations: number;
  /** From `queue.process()` to the last commit, ms. */
  elapsedMs: number;
  /** Epoch ms (sub-ms) of the last commit, comparable across processes on this machine. */
  lastCommitEpochMs: number;
  /** This process's CPU over the run, ms. */
  cpuMs: number;
  /** Highest RSS sampled (every 20 ms) during the run, bytes. */
  peakRssBytes: number;
  /** Redis commands and socket writes of the worker's connection during the run. */
  redis: RedisTraffic;
  /** Model calls as the worker saw them: first start → last start, and call durations. */
  modelCalls: { count: number; startSpreadMs: number; p50Ms: number; p99Ms: number };
}

const recorder = createTurnRecorder();
let pipeline: BenchPipeline | undefined;
const modelTimes = new Map<number, ModelCallTimes>();
let run: { startedAt: number; cpuBefore: number; expect: number; peakRss: number; sampler: NodeJS.Timeout };
/** js-tiktoken's tokenizer when built for reference, held so its tables stay live while measured. */
let libraryTokenizer: Tiktoken | undefined;
let profiler: Session | undefined;
let parley: RunningParley | undefined;

/** Median time of a few forced full collections, ms (NaN without --expose-gc). */
function fullGcMs(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return Number.NaN;
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    gc();
    runs.push(performance.now() - started);
  }
  return summarize(runs).p50;
}

function summarizeModelCalls(): WorkerRunResult['modelCalls'] {
  const calls = [...modelTimes.values()];
  const starts = calls.map((call) => call.start);
  const durations = summarize(calls.map((call) => call.end - call.start));
  return {
    count: calls.length,
    startSpreadMs: calls.length ? Math.max(...starts) - Math.min(...starts) : Number.NaN,
    p50Ms: durations.p50,
    p99Ms: durations.p99,
  };
}

const commands: Record<string, (args: never) => Promise<unknown>> = {
  /** Runs turns through a throw-away pipeline so JIT, tokenizer and connections are warm. */
  async warmup(args: { pipeline: PipelineOptions; sessions: number; turnsPerSession: number }) {
    getTokenCounter(args.pipeline.modelName ?? 'gpt-4o-mini');
    const warm = createBenchPipeline(args.pipeline, recorder);
    recorder.reset({ detail: false });
    await warm.start();
    const started = performance.now();
    const accepted = await enqueueTurns(warm.sink, {
      sessionIds: sessionIds('warmup', args.sessions),
      turnsPerSession: args.turnsPerSession,
      firstTurnId: 0,
      text: () => SHORT_TEXT,
    });
    await recorder.waitForCommits(accepted);
    await warm.close();
    return { turns: accepted, ms: performance.now() - started };
  },

  /** Starts a worker on turns that are (or will be) in Redis; `wait` reports when `expect` are committed. */
  async start(args: { pipeline: PipelineOptions; expect: number }) {
    recorder.reset({ detail: false });
    modelTimes.clear();
    pipeline = createBenchPipeline(args.pipeline, recorder, modelTimes);
    const sampler = setInterval(() => {
      run.peakRss = Math.max(run.peakRss, process.memoryUsage.rss());
    }, 20);
    run = {
      startedAt: performance.now(),
      cpuBefore: ownCpuMs(),
      expect: args.expect,
      peakRss: process.memoryUsage.rss(),
      sampler,
    };
    await pipeline.start();
    return { startedEpochMs: performance.timeOrigin + run.startedAt };
  },

  async wait(): Promise<WorkerRunResult> {
    await recorder.waitForCommits(run.expect);
    const cpuMs = ownCpuMs() - run.cpuBefore;
    clearInterval(run.sampler);
    const snapshot = recorder.snapshot();
    return {
      committed: snapshot.committed,
      orderViolations: snapshot.orderViolations,
      elapsedMs: snapshot.lastCommitAt - run.startedAt,
      lastCommitEpochMs: performance.timeOrigin + snapshot.lastCommitAt,
      cpuMs,
      peakRssBytes: Math.max(run.peakRss, process.memoryUsage.rss()),
      redis: { ...pipeline!.traffic },
      modelCalls: summarizeModelCalls(),
    };
  },

  /** Enqueues turns through the running worker's own sink (a worker that is its own ingress, role `all`). */
  async enqueue(args: { name: string; sessions: number; turnsPerSession: number; firstTurnId: number }) {
    if (!pipeline) throw new Error('enqueue before start');
    return enqueueTurns(pipeline.sink, {
      sessionIds: sessionIds(args.name, args.sessions),
      turnsPerSession: args.turnsPerSession,
      firstTurnId: args.firstTurnId,
      text: () => SHORT_TEXT,
    });
  },

  async stop() {
    await pipeline?.close();
    pipeline = undefined;
    return null;
  },

  rawDrain: (args: RawQueueOptions & { jobs: number; sleepMs?: number }) => rawDrain(args),
  rawLatency: (args: RawQueueOptions & { ratePerSecond: number; jobs: number }) => rawLatency(args),
  overhead: (args: OverheadOptions) => runOverhead(args, recorder),
  historyScaling: (args: HistoryScalingOptions) => runHistoryScaling(args),
  httpClientCost: (args: { modelUrl: string; requests: number; parallel: number }) =>
    measureHttpClientCost(args),

  /** The whole product, `startParley` with this environment (role `all`); returns its HTTP port. */
  async startParley(args: { env: Record<string, string> }) {
    getTokenCounter(args.env.MODEL ?? 'gpt-4o-mini');
    const config = loadConfig(args.env);
    parley = await startParley(config, { logger: createLogger(config.logLevel) });
    return { httpPort: parley.httpPort };
  },

  async stopParley() {
    await parley?.stop({ timeoutMs: 30_000 });
    parley = undefined;
    return null;
  },

  /**
   * Builds the tokenizer (as a worker does on its first turn; with `library`, js-tiktoken's own instead, for
   * reference) and reports RSS, and how long a full garbage collection takes, before and after: tables left on the
   * V8 heap are marked by every major GC.
   */
  async loadTokenizer(args: { model: string; library?: boolean }) {
    const before = process.memoryUsage.rss();
    const gcBeforeMs = fullGcMs();
    if (args.library) {
      const { Tiktoken } = await import('js-tiktoken/lite');
      const ranks = (await import('js-tiktoken/ranks/o200k_base')).default;
      libraryTokenizer = new Tiktoken(ranks);
      libraryTokenizer.encode('warm', [], []);
    } else {
      getTokenCounter(args.model).count('warm');
    }
    return { beforeBytes: before, afterBytes: process.memoryUsage.rss(), gcBeforeMs, gcAfterMs: fullGcMs() };
  },

  /** RSS, V8 heap in use and CPU so far; with `gc`, after a full collection. */
  async usage(args: { gc?: boolean } = {}) {
    if (args.gc) (globalThis as { gc?: () => void }).gc?.();
    const memory = process.memoryUsage();
    return { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, cpuMs: ownCpuMs() };
  },

  /** CPU profile of this process from now until `profileStop` (same format as `node --cpu-prof`). */
  async profileStart() {
    profiler = new Session();
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.setSamplingInterval', { interval: 200 });
    await profiler.post('Profiler.start');
    return null;
  },

  async profileStop(args: { path: string }) {
    if (!profiler) return null;
    const { profile } = await profiler.post('Profiler.stop');
    writeFileSync(args.path, JSON.stringify(profile));
    profiler.disconnect();
    profiler = undefined;
    return { path: args.path };
  },
};

process.on('message', (message: { id: number; command: string; args: unknown }) => {
  const handler = commands[message.command];
  const reply = (payload: Record<string, unknown>) => process.send?.({ id: message.id, ...payload });
  if (!handler) {
    reply({ ok: false, error: `unknown command ${message.command}` });
    return;
  }
  handler(message.args as never).then(
    (result) => reply({ ok: true, result }),
    (error: unknown) => reply({ ok: false, error: error instanceof Error ? error.stack : String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ id: 0, ok: true, result: 'ready' });
