import { Redis } from 'ioredis';
import { startTestRedisCluster, type TestRedisCluster } from '../../test/helpers/redis-cluster.ts';
import type { WorkerRunResult } from '../child/child-main.ts';
import { type BenchContext, newChild, type Scenario } from '../lib/bench-context.ts';
import { parseInfo } from '../lib/bench-redis.ts';
import { num, percent, type ResultRow, times } from '../lib/results-table.ts';

/** One layout measured: masters of the cluster and QUEUE_SHARDS. */
interface Layout {
  masters: number;
  shards: number;
}

/** What one layout gave. */
interface LayoutResult extends Layout {
  /** Turns per second, first enqueue → last commit. */
  rate: number;
  /** Redis CPU of each master during the run, ms. */
  masterCpuMs: number[];
}

const LAYOUTS: Layout[] = [
  { masters: 3, shards: 3 },
  { masters: 3, shards: 1 },
];

/** used_cpu_sys + used_cpu_user of a node, ms. */
async function nodeCpuMs(port: number): Promise<number> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true });
  try {
    await client.connect();
    const info = parseInfo(await client.info('cpu'));
    return (Number(info.used_cpu_sys) + Number(info.used_cpu_user)) * 1000;
  } finally {
    client.disconnect();
  }
}

async function runLayout(context: BenchContext, layout: Layout, turns: number): Promise<LayoutResult> {
  const cluster: TestRedisCluster = await startTestRedisCluster({
    masters: layout.masters,
    persistence: false,
  });
  const child = await newChild(context);
  try {
    const pipeline = {
      redisUrl: '',
      redisClusterNodes: cluster.seeds,
      queueShards: layout.shards,
      prefix: `s8-${layout.masters}-${layout.shards}`,
      concurrency: 200,
      model: 'stub',
    };
    await child.call('warmup', {
      pipeline: { ...pipeline, prefix: `${pipeline.prefix}-warm` },
      sessions: 50,
      turnsPerSession: 10,
    });
    const ports = await cluster.masterPorts();
    const before = await Promise.all(ports.map(nodeCpuMs));
    await child.call('start', { pipeline, expect: turns });
    await child.call('enqueue', {
      name: pipeline.prefix,
      sessions: 1_000,
      turnsPerSession: turns / 1_000,
      firstTurnId: 0,
    });
    const result = await child.call<WorkerRunResult>('wait');
    const after = await Promise.all(ports.map(nodeCpuMs));
    await child.call('stop');
    return {
      ...layout,
      rate: (result.committed * 1000) / result.elapsedMs,
      masterCpuMs: after.map((cpu, index) => cpu - (before[index] ?? 0)),
    };
  } finally {
    await child.close();
    await cluster.close();
  }
}

/**
 * 8 — Redis Cluster: one worker (stub model, concurrency 200) on a 3-master cluster with the wake-up queue in one
 * slot (QUEUE_SHARDS=1) and in three (QUEUE_SHARDS=3), 1,000 sessions. Turns/s, and how the Redis work spreads:
 * the busiest master's share of all masters' CPU (⅓ is an even spread over three).
 */
export const clusterShardsScenario: Scenario = async (context: BenchContext) => {
  const turns = context.quick ? 5_000 : 20_000;
  const results: LayoutResult[] = [];
  for (const layout of LAYOUTS) {
    context.progress(
      `8 cluster: ${layout.masters} master(s), QUEUE_SHARDS=${layout.shards}, ${num(turns)} turns`,
    );
    results.push(await runLayout(context, layout, turns));
  }
  const [sharded, unsharded] = results as [LayoutResult, LayoutResult];
  const busiest = (result: LayoutResult) => {
    const total = result.masterCpuMs.reduce((sum, cpu) => sum + cpu, 0);
    return { top: Math.max(...result.masterCpuMs), total };
  };
  const label = '8 cluster';
  const rows: ResultRow[] = [
    {
      scenario: label,
      metric: `turns/s, stub model, 1,000 sessions × ${num(turns / 1_000)}, 3 masters: QUEUE_SHARDS=3`,
      ours: `${num(sharded.rate)}/s`,
      reference: `${num(unsharded.rate)}/s with QUEUE_SHARDS=1`,
      ratio: times(sharded.rate, unsharded.rate),
      target: '—',
      met: '—',
    },
    {
      scenario: label,
      metric: 'busiest master: share of all Redis CPU (3 masters, QUEUE_SHARDS=3 / =1)',
      ours: `${percent(busiest(sharded).top, busiest(sharded).total)} / ${percent(busiest(unsharded).top, busiest(unsharded).total)}`,
      reference: '33 % = even spread',
      ratio: '—',
      target: '—',
      met: '—',
    },
    {
      scenario: label,
      metric: 'Redis CPU per turn, all masters: QUEUE_SHARDS=3',
      ours: `${num((busiest(sharded).total / turns) * 1000)} µs`,
      reference: `${num((busiest(unsharded).total / turns) * 1000)} µs with QUEUE_SHARDS=1`,
      ratio: times(busiest(sharded).total, busiest(unsharded).total),
      target: '—',
      met: '—',
    },
  ];
  return rows;
};
