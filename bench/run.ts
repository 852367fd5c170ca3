/**
 * `npm run bench` — Parley's benchmarks, each figure next to a reference measured in the same run.
 *
 *   npm run bench [-- --quick] [--only overhead,throughput,…] [--profile] [--wait-quiet MINUTES]
 *
 * --quick scales the big scenarios down (throughput 10,000 turns instead of 100,000); --profile writes a CPU
 * profile of the throughput worker (and a self-time summary next to it); --wait-quiet waits up to that many
 * minutes for other processes to leave the machine (< 10 % of it) before starting.
 *
 * Spawns its own redis-server on a free loopback port and the fake model in its own process; the measured
 * worker runs in a child process of its own (bench/child/child-main.ts). Prints one table on stdout; progress
 * and the run's directory (logs, profile) on stderr. Exits 0 when every scenario ran, whether or not its
 * targets were met.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { BenchContext, Scenario } from './lib/bench-context.ts';
import { startBenchRedis } from './lib/bench-redis.ts';
import { startFakeModelProcess } from './lib/fake-model-process.ts';
import { type ForeignLoad, waitForQuiet, watchForeignLoad } from './lib/machine-load.ts';
import { formatTable, type ResultRow } from './lib/results-table.ts';
import { adminPageScenario } from './scenarios/admin-page.ts';
import { clusterShardsScenario } from './scenarios/cluster-shards.ts';
import { concurrencyScenario } from './scenarios/concurrency.ts';
import { discordCpuScenario } from './scenarios/discord-cpu.ts';
import { firstTokenScenario } from './scenarios/first-token.ts';
import { historyScalingScenario } from './scenarios/history-scaling.ts';
import { memoryScenario } from './scenarios/memory.ts';
import { overheadScenario } from './scenarios/overhead.ts';
import { peerSlackScenario } from './scenarios/peer-slack.ts';
import { slackScenario } from './scenarios/slack.ts';
import { throughputScenario } from './scenarios/throughput.ts';

const SCENARIOS: Record<string, Scenario> = {
  overhead: overheadScenario,
  throughput: throughputScenario,
  concurrency: concurrencyScenario,
  history: historyScalingScenario,
  memory: memoryScenario,
  slack: slackScenario,
  cluster: clusterShardsScenario,
  admin: adminPageScenario,
  'peer-slack': peerSlackScenario,
  'first-token': firstTokenScenario,
  'discord-cpu': discordCpuScenario,
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      only: { type: 'string' },
      'wait-quiet': { type: 'string' },
    },
  });
  const names = values.only ? values.only.split(',').map((name) => name.trim()) : Object.keys(SCENARIOS);
  for (const name of names) {
    if (!SCENARIOS[name])
      throw new Error(`unknown scenario "${name}"; known: ${Object.keys(SCENARIOS).join(', ')}`);
  }
  const outDir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  const started = Date.now();
  const progress = (message: string) =>
    process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);
  progress(`logs and profiles in ${outDir}`);

  if (values['wait-quiet']) {
    const load = await waitForQuiet(0.1, Number(values['wait-quiet']) * 60_000, progress);
    progress(`other processes use ${(load.share * 100).toFixed(0)} % of the machine; starting`);
  }
  const redis = await startBenchRedis();
  const fastModel = await startFakeModelProcess({ latencyMs: 0 });
  const context: BenchContext = {
    redis,
    fastModel,
    quick: values.quick,
    profile: values.profile,
    outDir,
    progress,
  };
  const rows: ResultRow[] = [];
  const loads: Array<[string, ForeignLoad]> = [];
  try {
    for (const name of names) {
      await redis.flush();
      const load = watchForeignLoad();
      rows.push(...(await SCENARIOS[name]!(context)));
      loads.push([name, load.stop()]);
      progress(`${name}: other processes used ${(loads.at(-1)![1].share * 100).toFixed(0)} % of the machine`);
    }
  } finally {
    await fastModel.stop();
    await redis.close();
  }
  progress(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  process.stdout.write(`${formatTable(rows)}\n`);
  const noise = loads.map(([name, load]) => `${name} ${(load.share * 100).toFixed(0)} %`).join(', ');
  process.stdout.write(`\nCPU used by other processes during each scenario (share of all cores): ${noise}\n`);
}

// A scenario waiting on something that can no longer happen would let the event loop empty and exit 0.
let finished = false;
process.on('beforeExit', () => {
  if (finished) return;
  process.stderr.write('bench failed: a scenario stopped waiting for work that never arrived\n');
  process.exit(1);
});

main().then(
  () => {
    finished = true;
    process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
