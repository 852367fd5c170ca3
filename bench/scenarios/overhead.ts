import type { OverheadResult } from '../child/overhead.ts';
import { type BenchContext, newChild, type Scenario } from '../lib/bench-context.ts';
import { met, num, type ResultRow, times } from '../lib/results-table.ts';
import { summarize } from '../lib/stats.ts';

const RATE = 200;
const CONCURRENCY = 50;
const SESSIONS = 100;

/**
 * 1 — everything but the model, per turn, at a steady 200 turns/s (open loop): enqueue → reply posted,
 * minus the model call. Reference: plain `Queue.add` → no-op `Worker` start, same rate, same process kind.
 */
export const overheadScenario: Scenario = async (context: BenchContext) => {
  const turns = context.quick ? 1_000 : 4_000;
  const child = await newChild(context);
  try {
    context.progress(`1 overhead: raw BullMQ add→process at ${RATE}/s`);
    const rawArgs = {
      redisUrl: context.redis.url,
      prefix: 'ref1',
      concurrency: CONCURRENCY,
      ratePerSecond: RATE,
    };
    await child.call<number[]>('rawLatency', { ...rawArgs, jobs: 400 }); // warm-up, discarded
    const raw = summarize(await child.call<number[]>('rawLatency', { ...rawArgs, jobs: turns }));

    context.progress(`1 overhead: ${turns} turns at ${RATE}/s through the worker`);
    const ours = await child.call<OverheadResult>('overhead', {
      pipeline: {
        redisUrl: context.redis.url,
        prefix: 's1',
        concurrency: CONCURRENCY,
        model: 'openai',
        modelUrl: context.fastModel.url,
      },
      ratePerSecond: RATE,
      turns,
      warmupTurns: 1_000,
      sessions: SESSIONS,
    });
    const reply = summarize(ours.toReply);
    const commit = summarize(ours.toCommit);
    const model = summarize(ours.model);
    const phases = Object.entries(ours.phases).map(([name, samples]) => ({ name, ...summarize(samples) }));
    const phase = (name: string) => num(phases.find((entry) => entry.name === name)?.p50 ?? Number.NaN, 2);
    context.progress(
      `1 overhead phases (p50 / p99 ms): ${phases.map((p) => `${p.name} ${num(p.p50, 2)} / ${num(p.p99, 2)}`).join(', ')}`,
    );
    const label = '1 overhead/turn';
    const rows: ResultRow[] = [
      {
        scenario: label,
        metric: `p50 enqueue→reply − model (${num(reply.count)} turns @${RATE}/s)`,
        ours: `${num(reply.p50, 2)} ms`,
        reference: `${num(raw.p50, 2)} ms raw add→process`,
        ratio: times(reply.p50, raw.p50),
        target: '≤ 2 ms',
        met: met(reply.p50 <= 2),
      },
      {
        scenario: label,
        metric: 'p99 enqueue→reply − model',
        ours: `${num(reply.p99, 2)} ms`,
        reference: `${num(raw.p99, 2)} ms raw add→process`,
        ratio: times(reply.p99, raw.p99),
        target: '≤ 10 ms',
        met: met(reply.p99 <= 10),
      },
      {
        scenario: label,
        metric: 'p50 / p99 enqueue→committed − model',
        ours: `${num(commit.p50, 2)} / ${num(commit.p99, 2)} ms`,
        reference: `${num(raw.p50, 2)} / ${num(raw.p99, 2)} ms`,
        ratio: times(commit.p50, raw.p50),
        target: '—',
        met: '—',
      },
      {
        scenario: label,
        metric: 'during the run: GC pauses ≥ 10 ms / longest; event-loop delay p99 / max',
        ours: `${ours.gcPauses.filter((pause) => pause.ms >= 10).length} / ${num(Math.max(0, ...ours.gcPauses.map((pause) => pause.ms)), 1)} ms; ${num(ours.loopDelay.p99, 1)} / ${num(ours.loopDelay.max, 1)} ms`,
        reference: '—',
        ratio: '—',
        target: '—',
        met: '—',
      },
      {
        scenario: label,
        metric: 'model call subtracted (SDK+HTTP, 0 ms fake) p50 / p99',
        ours: `${num(model.p50, 2)} / ${num(model.p99, 2)} ms`,
        reference: `${num(raw.p50, 2)} / ${num(raw.p99, 2)} ms`,
        ratio: times(model.p50, raw.p50),
        target: '—',
        met: '—',
      },
      {
        scenario: label,
        metric: 'p50 phases: enqueue call; enqueue→processor start; →model; model→reply; reply→commit',
        ours: `${phase('enqueue')}; ${phase('pickup')}; ${phase('beforeModel')}; ${phase('afterModel')}; ${phase('commit')} ms`,
        reference: `${num(raw.p50, 2)} ms raw add→process`,
        ratio: '—',
        target: '—',
        met: '—',
      },
    ];
    return rows;
  } finally {
    await child.close();
  }
};
