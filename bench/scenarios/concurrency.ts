import type { WorkerRunResult } from '../child/child-main.ts';
import type { RawDrainResult } from '../child/raw-bullmq.ts';
import {
  addRawJobs,
  type BenchContext,
  createProducer,
  newChild,
  type Scenario,
} from '../lib/bench-context.ts';
import { SHORT_TEXT } from '../lib/bench-turns.ts';
import { enqueueTurns, sessionIds } from '../lib/enqueue-turns.ts';
import { startFakeModelProcess } from '../lib/fake-model-process.ts';
import { met, num, percent } from '../lib/results-table.ts';

const LATENCY_MS = 2_000;
const SESSIONS = 2_000;

/**
 * 3 — a slow model: 2 s per call, 2,000 sessions with one turn each, WORKER_CONCURRENCY 2,000. An idle,
 * warmed-up worker receives the burst from a separate producer process; throughput = turns / (first enqueue →
 * last commit), held against sessions in flight / latency (1,000/s). Plain BullMQ draining 2,000 waiting jobs
 * that sleep 2 s is shown for what the queue alone achieves on this machine.
 */
export const concurrencyScenario: Scenario = async (context: BenchContext) => {
  const ideal = (SESSIONS * 1000) / LATENCY_MS;
  const slowModel = await startFakeModelProcess({ latencyMs: LATENCY_MS });
  const child = await newChild(context);
  try {
    context.progress(`3 concurrency: raw BullMQ, ${num(SESSIONS)} jobs sleeping ${LATENCY_MS} ms`);
    await addRawJobs(context, 'ref3', SESSIONS, SESSIONS);
    const raw = await child.call<RawDrainResult>('rawDrain', {
      redisUrl: context.redis.url,
      prefix: 'ref3',
      concurrency: SESSIONS,
      jobs: SESSIONS,
      sleepMs: LATENCY_MS,
    });
    const rawRate = (raw.jobs * 1000) / raw.elapsedMs;

    context.progress('3 concurrency: warming the worker up');
    await child.call('warmup', {
      pipeline: {
        redisUrl: context.redis.url,
        prefix: 's3-warm',
        concurrency: 50,
        model: 'openai',
        modelUrl: context.fastModel.url,
      },
      sessions: 50,
      turnsPerSession: 20,
    });
    await child.call('start', {
      pipeline: {
        redisUrl: context.redis.url,
        prefix: 's3',
        concurrency: SESSIONS,
        model: 'openai',
        modelUrl: slowModel.url,
      },
      expect: SESSIONS,
    });
    context.progress(`3 concurrency: burst of ${num(SESSIONS)} turns, model latency ${LATENCY_MS} ms`);
    const producer = createProducer(context, 's3');
    const firstEnqueue = performance.timeOrigin + performance.now();
    await enqueueTurns(producer.sink, {
      sessionIds: sessionIds('s3', SESSIONS),
      turnsPerSession: 1,
      firstTurnId: 0,
      text: () => SHORT_TEXT,
    });
    const enqueuedMs = performance.timeOrigin + performance.now() - firstEnqueue;
    await producer.queue.close();
    const result = await child.call<WorkerRunResult>('wait');
    await child.call('stop');
    const elapsedMs = result.lastCommitEpochMs - firstEnqueue;
    const rate = (result.committed * 1000) / elapsedMs;
    const label = '3 concurrency';
    return [
      {
        scenario: label,
        metric: `turns/s, ${num(SESSIONS)} sessions × 1, model ${LATENCY_MS / 1000} s, conc ${num(SESSIONS)}`,
        ours: `${num(rate)}/s (${num(elapsedMs / 1000, 2)} s)`,
        reference: `${num(ideal)}/s = in flight / latency`,
        ratio: percent(rate, ideal),
        target: '≥ 90 %',
        met: met(rate >= 0.9 * ideal),
      },
      {
        scenario: label,
        metric: `plain BullMQ: ${num(SESSIONS)} waiting jobs that sleep 2 s, same conc`,
        ours: `${num(rawRate)}/s (${num(raw.elapsedMs / 1000, 2)} s)`,
        reference: `${num(ideal)}/s = in flight / latency`,
        ratio: percent(rawRate, ideal),
        target: '—',
        met: '—',
      },
      {
        scenario: label,
        metric: 'model calls: all started within / call time p50 / p99 (fake waits 2 s)',
        ours: `${num(result.modelCalls.startSpreadMs / 1000, 2)} s / ${num(result.modelCalls.p50Ms / 1000, 2)} s / ${num(result.modelCalls.p99Ms / 1000, 2)} s`,
        reference: `0 s / ${LATENCY_MS / 1000} s / ${LATENCY_MS / 1000} s ideal`,
        ratio: '—',
        target: '—',
        met: '—',
      },
      {
        scenario: label,
        metric: 'burst enqueue time / worker CPU during the run',
        ours: `${num(enqueuedMs)} ms / ${num(result.cpuMs)} ms`,
        reference: `${num(raw.cpuMs)} ms raw worker CPU`,
        ratio: '—',
        target: '—',
        met: '—',
      },
    ];
  } finally {
    await child.close();
    await slowModel.stop();
  }
};
