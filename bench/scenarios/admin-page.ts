import { lastDays, OVERVIEW_DAYS, PAGE_SIZE } from '../../src/admin/admin-snapshot.ts';
import { createRedisUsageOverview } from '../../src/admin/redis-usage-overview.ts';
import { startParleyProcess } from '../../test/helpers/parley-process.ts';
import { freePort } from '../../test/helpers/redis-server.ts';
import { waitFor } from '../../test/helpers/wait-for.ts';
import type { BenchContext, Scenario } from '../lib/bench-context.ts';
import { met, num, type ResultRow, times } from '../lib/results-table.ts';
import { seedAdminData } from '../lib/seed-admin-data.ts';
import { quantile } from '../lib/stats.ts';

const TOKEN = 'bench-admin-token-0123456789';
const TARGET_MS = 200;

/** Response times in ms of `count` sequential GETs of `url` (after two warm-ups); throws on a non-200. */
async function timeRequests(
  url: string,
  count: number,
  headers: Record<string, string> = {},
): Promise<number[]> {
  const once = async () => {
    const started = performance.now();
    const response = await fetch(url, { headers });
    const body = await response.text();
    if (response.status !== 200) throw new Error(`GET ${url}: HTTP ${response.status} ${body.slice(0, 200)}`);
    return { ms: performance.now() - started, body };
  };
  await once();
  await once();
  const samples: number[] = [];
  for (let index = 0; index < count; index++) samples.push((await once()).ms);
  return samples.sort((left, right) => left - right);
}

/**
 * Redis CPU time of one usage aggregation, next to the least any aggregation must do: read the 30 day hashes.
 * CPU time rather than wall time, so other load on the machine does not count.
 */
async function redisCpuPerCall(
  context: BenchContext,
  prefix: string,
): Promise<{ script: number; read: number }> {
  const client = context.redis.newClient();
  try {
    const days = lastDays(Date.now(), OVERVIEW_DAYS);
    const overview = createRedisUsageOverview({ redis: client, prefix });
    const query = { days, channels: { offset: 0, limit: PAGE_SIZE }, users: { offset: 0, limit: PAGE_SIZE } };
    const perCall = async (run: () => Promise<unknown>) => {
      await run();
      const before = await context.redis.cpuMs();
      for (let index = 0; index < 20; index++) await run();
      return ((await context.redis.cpuMs()) - before) / 20;
    };
    const script = await perCall(() => overview(query));
    const read = await perCall(() => {
      const pipeline = client.pipeline();
      for (const day of days) pipeline.hgetall(`${prefix}:{usage}:day:${day}`);
      return pipeline.exec();
    });
    return { script, read };
  } finally {
    client.disconnect();
  }
}

/**
 * 7 — the operator's page (`GET /admin`) of a Parley process (`npm start`, role all) over Redis holding 10,000
 * conversations (30,000 turns over 30 days, 300 channels, 1,000 people), next to `/healthz` of the same process
 * (which also reads Redis: the queue's pending count). The page's figure covers the usage aggregation
 * (rank-usage.lua), the conversation page, the metrics and the HTML.
 */
export const adminPageScenario: Scenario = async (context: BenchContext) => {
  const conversations = context.quick ? 2_000 : 10_000;
  const prefix = 'admin-bench';
  context.progress(`7 admin page: seeding ${num(conversations)} conversations`);
  const client = context.redis.newClient();
  try {
    const started = performance.now();
    await seedAdminData(client, prefix, conversations);
    context.progress(`7 admin page: seeded in ${num((performance.now() - started) / 1000, 1)} s`);
  } finally {
    client.disconnect();
  }
  const port = await freePort();
  const run = startParleyProcess({
    OPENAI_BASE_URL: context.fastModel.url,
    REDIS_URL: context.redis.url,
    REDIS_PREFIX: prefix,
    ADMIN_TOKEN: TOKEN,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitFor(
      'the Parley process to answer /healthz',
      async () => {
        const response = await fetch(`${base}/healthz`).catch(() => undefined);
        return response?.status === 200;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    const auth = { authorization: `Bearer ${TOKEN}` };
    const count = context.quick ? 30 : 100;
    context.progress(`7 admin page: ${count} requests each`);
    const page = await timeRequests(`${base}/admin`, count, auth);
    const deep = await timeRequests(`${base}/admin?channels=10&users=40&conversations=400`, count, auth);
    const health = await timeRequests(`${base}/healthz`, count);
    const label = '7 admin page';
    const row = (metric: string, samples: number[]): ResultRow => ({
      scenario: label,
      metric: `${metric}, ${num(conversations)} conversations: p50 / p95`,
      ours: `${num(quantile(samples, 0.5), 1)} / ${num(quantile(samples, 0.95), 1)} ms`,
      reference: `${num(quantile(health, 0.5), 1)} / ${num(quantile(health, 0.95), 1)} ms /healthz`,
      ratio: times(quantile(samples, 0.5), quantile(health, 0.5)),
      target: `p95 ≤ ${TARGET_MS} ms`,
      met: met(quantile(samples, 0.95) <= TARGET_MS),
    });
    const cpu = await redisCpuPerCall(context, prefix);
    return [
      row('GET /admin (first pages)', page),
      row('GET /admin (deep pages)', deep),
      {
        scenario: label,
        metric: 'Redis CPU per page: rank-usage.lua over 30 day hashes (blocks Redis meanwhile)',
        ours: `${num(cpu.script, 2)} ms`,
        reference: `${num(cpu.read, 2)} ms HGETALL of the same hashes`,
        ratio: times(cpu.script, cpu.read),
        target: '—',
        met: '—',
      },
    ];
  } finally {
    run.child.kill('SIGTERM');
    await run.exited;
  }
};
