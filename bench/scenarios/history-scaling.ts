import type { ScalingRow } from '../child/history-scaling.ts';
import { type BenchContext, newChild, type Scenario } from '../lib/bench-context.ts';
import { met, num, type ResultRow, times } from '../lib/results-table.ts';

const LENGTHS = [10, 100, 1_000, 10_000];
const MAX_CONTEXT_TOKENS = 16_000;
const MAX_REPLY_TOKENS = 1_000;

/**
 * 4 — prompt building (store.load with limits + assemblePrompt + counting the new message) against stored
 * histories of 10 … 10,000 messages, next to the tutorials' way (load all, re-encode all, drop the oldest).
 * MAX_CONTEXT_TOKENS 16,000: about 100 of these messages fit, so from 1,000 on the prompt is full.
 */
export const historyScalingScenario: Scenario = async (context: BenchContext) => {
  const child = await newChild(context);
  try {
    context.progress(`4 history: seeding ${LENGTHS.join(', ')} messages and measuring`);
    const rows = await child.call<ScalingRow[]>('historyScaling', {
      redisUrl: context.redis.url,
      prefix: 's4',
      lengths: LENGTHS,
      iterations: context.quick ? 100 : 300,
      naiveBudgetMs: context.quick ? 2_000 : 5_000,
      maxContextTokens: MAX_CONTEXT_TOKENS,
      maxReplyTokens: MAX_REPLY_TOKENS,
    });
    const label = '4 history length';
    const out: ResultRow[] = rows.map((row) => ({
      scenario: label,
      metric: `${num(row.length)} stored (${num(row.storedTokens)} tok): time p50 / CPU per turn; msgs in prompt ${row.ours.messagesInPrompt} / ${row.naive.messagesInPrompt}`,
      ours: `${num(row.ours.p50Ms, 3)} / ${num(row.ours.cpuMs, 3)} ms`,
      reference: `${num(row.naive.p50Ms, 3)} / ${num(row.naive.cpuMs, 3)} ms naive`,
      ratio: times(row.ours.p50Ms, row.naive.p50Ms),
      target: '—',
      met: '—',
    }));
    const first = rows[0]!;
    const last = rows.at(-1)!;
    const full = rows.find((row) => row.length === 1_000) ?? first;
    const oursGrowth = last.ours.p50Ms / first.ours.p50Ms;
    const naiveGrowth = last.naive.p50Ms / first.naive.p50Ms;
    out.push(
      {
        scenario: label,
        metric: `time growth ${num(first.length)} → ${num(last.length)} stored`,
        ours: times(last.ours.p50Ms, first.ours.p50Ms),
        reference: `${times(last.naive.p50Ms, first.naive.p50Ms)} naive`,
        ratio: times(oursGrowth, naiveGrowth),
        target: '≤ 1.5×',
        met: met(oursGrowth <= 1.5),
      },
      {
        scenario: label,
        metric: `CPU growth ${num(first.length)} → ${num(last.length)} stored`,
        ours: times(last.ours.cpuMs, first.ours.cpuMs),
        reference: `${times(last.naive.cpuMs, first.naive.cpuMs)} naive`,
        ratio: times(last.ours.cpuMs / first.ours.cpuMs, last.naive.cpuMs / first.naive.cpuMs),
        target: '≤ 1.5×',
        met: met(last.ours.cpuMs / first.ours.cpuMs <= 1.5),
      },
      {
        scenario: label,
        metric: `time growth ${num(full.length)} → ${num(last.length)} stored (prompt full in both)`,
        ours: times(last.ours.p50Ms, full.ours.p50Ms),
        reference: `${times(last.naive.p50Ms, full.naive.p50Ms)} naive`,
        ratio: '—',
        target: '—',
        met: '—',
      },
    );
    return out;
  } finally {
    await child.close();
  }
};
