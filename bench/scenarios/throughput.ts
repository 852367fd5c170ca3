import { writeFileSync } from 'node:fs';
import type { PipelineOptions } from '../child/bench-pipeline.ts';
import type { WorkerRunResult } from '../child/child-main.ts';
import type { HttpClientCost } from '../child/http-client-cost.ts';
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
import { formatProfileSummary, summarizeProfile } from '../lib/profile-summary.ts';
import { met, num, percent, times } from '../lib/results-table.ts';
import { verifyCommitOrder } from '../lib/verify-order.ts';

const CONCURRENCY = 50;
const SESSIONS = 1_000;

interface OursRun {
  /** Committed turns/s. */
  rate: number;
  /** The worker's own report. */
  worker: WorkerRunResult;
  /** CPU per turn, ms: worker, Redis, fake model. */
  cpu: { worker: number; redis: number; model: number };
  /** Enqueue rate of the producer, turns/s. */
  enqueueRate: number;
  /** Sessions with a wrong committed history. */
  badSessions: number;
}

/** Pre-fills the mailboxes, then starts one worker process and times it until every turn is committed. */
async function runOurs(
  context: BenchContext,
  options: { prefix: string; model: 'openai' | 'stub'; turnsPerSession: number; profilePath?: string },
): Promise<OursRun> {
  const ids = sessionIds(options.prefix, SESSIONS);
  const total = SESSIONS * options.turnsPerSession;
  const producer = createProducer(context, options.prefix);
  context.progress(`2 throughput (${options.model}): enqueueing ${num(total)} turns`);
  const enqueueStarted = performance.now();
  const accepted = await enqueueTurns(producer.sink, {
    sessionIds: ids,
    turnsPerSession: options.turnsPerSession,
    firstTurnId: 0,
    text: () => SHORT_TEXT,
  });
  const enqueueRate = (accepted * 1000) / (performance.now() - enqueueStarted);
  await producer.queue.close();

  const child = await newChild(context);
  try {
    const pipeline: PipelineOptions = {
      redisUrl: context.redis.url,
      prefix: options.prefix,
      concurrency: CONCURRENCY,
      model: options.model,
      modelUrl: context.fastModel.url,
    };
    context.progress(`2 throughput (${options.model}): warming the worker up`);
    await child.call('warmup', {
      pipeline: { ...pipeline, prefix: `${options.prefix}-warm` },
      sessions: 50,
      turnsPerSession: 20,
    });
    if (options.profilePath) await child.call('profileStart');
    const redisBefore = await context.redis.cpuMs();
    const modelBefore = context.fastModel.cpuMs();
    context.progress(`2 throughput (${options.model}): processing ${num(accepted)} turns`);
    await child.call('start', { pipeline, expect: accepted });
    const worker = await child.call<WorkerRunResult>('wait');
    const redisCpu = (await context.redis.cpuMs()) - redisBefore;
    const modelCpu = context.fastModel.cpuMs() - modelBefore;
    if (options.profilePath) {
      await child.call('profileStop', { path: options.profilePath });
      const summary = formatProfileSummary(summarizeProfile(options.profilePath));
      writeFileSync(`${options.profilePath}.txt`, `${summary}\n`);
      context.progress(`profile: ${options.profilePath}\n${summary}`);
    }
    await child.call('stop');
    const order = await verifyCommitOrder(context.redis.client, options.prefix, ids, options.turnsPerSession);
    return {
      rate: (worker.committed * 1000) / worker.elapsedMs,
      worker,
      cpu: {
        worker: worker.cpuMs / worker.committed,
        redis: redisCpu / worker.committed,
        model: options.model === 'openai' ? modelCpu / worker.committed : 0,
      },
      enqueueRate,
      badSessions: order.badSessions,
    };
  } finally {
    await child.close();
  }
}

/** The raw reference: the same number of no-op jobs drained by a plain Worker at the same concurrency. */
async function runRaw(context: BenchContext, jobs: number) {
  context.progress(`2 throughput: adding ${num(jobs)} raw no-op jobs`);
  const addRate = await addRawJobs(context, 'ref2', jobs, SESSIONS);
  await addRawJobs(context, 'ref2-warm', 2_000, SESSIONS);
  const child = await newChild(context);
  try {
    await child.call('rawDrain', {
      redisUrl: context.redis.url,
      prefix: 'ref2-warm',
      concurrency: CONCURRENCY,
      jobs: 2_000,
    });
    const redisBefore = await context.redis.cpuMs();
    context.progress(`2 throughput: draining ${num(jobs)} raw no-op jobs`);
    const drained = await child.call<RawDrainResult>('rawDrain', {
      redisUrl: context.redis.url,
      prefix: 'ref2',
      concurrency: CONCURRENCY,
      jobs,
    });
    const redisCpu = (await context.redis.cpuMs()) - redisBefore;
    return {
      rate: (drained.jobs * 1000) / drained.elapsedMs,
      addRate,
      cpu: { worker: drained.cpuMs / drained.jobs, redis: redisCpu / drained.jobs },
      jobs: drained.jobs,
      redis: drained.redis,
    };
  } finally {
    await child.close();
  }
}

/**
 * 2 — one worker process, zero-latency model, 1,000 sessions, 100,000 turns (10,000 with --quick):
 * committed turns/s against plain BullMQ draining no-op jobs at the same concurrency, order checked.
 */
export const throughputScenario: Scenario = async (context: BenchContext) => {
  const turnsPerSession = context.quick ? 10 : 100;
  const total = SESSIONS * turnsPerSession;
  const raw = await runRaw(context, total);
  await context.redis.flush();
  const ours = await runOurs(context, {
    prefix: 's2',
    model: 'openai',
    turnsPerSession,
    profilePath: context.profile ? `${context.outDir}/throughput-worker.cpuprofile` : undefined,
  });
  await context.redis.flush();
  const stub = await runOurs(context, {
    prefix: 's2b',
    model: 'stub',
    turnsPerSession,
    profilePath: context.profile ? `${context.outDir}/throughput-worker-stub.cpuprofile` : undefined,
  });
  await context.redis.flush();
  context.progress('2 throughput: client-side CPU of one streamed completion, three HTTP clients');
  const costChild = await newChild(context);
  const http = await costChild
    .call<HttpClientCost>('httpClientCost', {
      modelUrl: context.fastModel.url,
      requests: context.quick ? 2_000 : 5_000,
      parallel: CONCURRENCY,
    })
    .finally(() => costChild.close());

  const label = '2 throughput';
  const shape = `${num(SESSIONS)} sessions × ${turnsPerSession}, conc ${CONCURRENCY}`;
  const refRate = `${num(raw.rate)}/s raw no-op`;
  return [
    {
      scenario: label,
      metric: `turns/s, real SDK over HTTP, 0 ms model (${shape})`,
      ours: `${num(ours.rate)}/s`,
      reference: refRate,
      ratio: percent(ours.rate, raw.rate),
      target: '≥ 3,000/s and ≥ 25 %',
      met: met(ours.rate >= 3_000 && ours.rate >= 0.25 * raw.rate),
    },
    {
      scenario: label,
      metric: 'turns/s, model stub without HTTP (where the time goes)',
      ours: `${num(stub.rate)}/s`,
      reference: refRate,
      ratio: percent(stub.rate, raw.rate),
      target: '—',
      met: '—',
    },
    {
      scenario: label,
      metric: 'worker CPU per turn: SDK path / stub',
      ours: `${num(ours.cpu.worker, 3)} / ${num(stub.cpu.worker, 3)} ms`,
      reference: `${num(raw.cpu.worker, 3)} ms per raw job`,
      ratio: times(ours.cpu.worker, raw.cpu.worker),
      target: '—',
      met: '—',
    },
    {
      scenario: label,
      metric: 'Redis CPU per turn: SDK path / stub',
      ours: `${num(ours.cpu.redis, 3)} / ${num(stub.cpu.redis, 3)} ms`,
      reference: `${num(raw.cpu.redis, 3)} ms per raw job`,
      ratio: times(ours.cpu.redis, raw.cpu.redis),
      target: '—',
      met: '—',
    },
    {
      scenario: label,
      metric: 'worker→Redis per turn: commands / round trips (SDK path)',
      ours: `${num(ours.worker.redis.commands / ours.worker.committed, 1)} / ${num(ours.worker.redis.writes / ours.worker.committed, 1)}`,
      reference: `${num(raw.redis.commands / raw.jobs, 1)} / ${num(raw.redis.writes / raw.jobs, 1)} per raw job`,
      ratio: times(ours.worker.redis.writes / ours.worker.committed, raw.redis.writes / raw.jobs),
      target: '—',
      met: '—',
    },
    {
      scenario: label,
      metric: 'client CPU per streamed completion: openai SDK (ours) vs node:http',
      ours: `${num(http.sdk, 3)} ms`,
      reference: `${num(http.nodeHttp, 3)} ms node:http, ${num(http.fetch, 3)} ms fetch`,
      ratio: times(http.sdk, http.nodeHttp),
      target: '—',
      met: '—',
    },
    {
      scenario: label,
      metric: 'fake model process CPU per turn (not ours)',
      ours: `${num(ours.cpu.model, 3)} ms`,
      reference: '—',
      ratio: '—',
      target: '—',
      met: '—',
    },
    {
      scenario: label,
      metric: 'per-session order: live violations + bad histories',
      ours: `${ours.worker.orderViolations + stub.worker.orderViolations} + ${ours.badSessions + stub.badSessions}`,
      reference: `0 of ${num(2 * total)} turns`,
      ratio: '—',
      target: '0',
      met: met(
        ours.worker.orderViolations + stub.worker.orderViolations + ours.badSessions + stub.badSessions === 0,
      ),
    },
    {
      scenario: label,
      metric: 'enqueue (ingress side), 1,000 in parallel',
      ours: `${num(ours.enqueueRate)}/s`,
      reference: `${num(raw.addRate)}/s raw Queue.add`,
      ratio: percent(ours.enqueueRate, raw.addRate),
      target: '—',
      met: '—',
    },
  ];
};
