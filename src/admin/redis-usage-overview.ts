import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';
import type { OwnerCounters } from '../usage/day-counters.ts';
import type { RankedOwner, RankingPage, UsageOverviewReader } from './usage-overview.ts';

// Read once, when the module loads; ioredis sends it by EVALSHA, falling back to EVAL once per server.
const rankUsageScript = readFileSync(new URL('./rank-usage.lua', import.meta.url), 'utf8');

type RankUsage = (...keysAndArgv: (string | number)[]) => Promise<unknown>;
type Reply = [number[][], [number, unknown[][]], [number, unknown[][]]];

/**
 * The overview over the Redis usage ledger, aggregated by rank-usage.lua. The day keys follow the layout
 * redis-usage-ledger.ts documents (`<prefix>:{usage}:day:<YYYY-MM-DD>`); the overview contract runs against the
 * real ledger, so a change there shows here.
 */
export function createRedisUsageOverview(options: {
  /** Connection (shared; never closed here). */
  redis: Redis | Cluster;
  /** Key prefix of the ledger. */
  prefix: string;
}): UsageOverviewReader {
  const { redis, prefix } = options;
  // Without `numberOfKeys` the key count is the first argument, as the number of days varies.
  redis.defineCommand('parleyAdminRankUsage', { lua: rankUsageScript });
  const rankUsage = (redis as unknown as Record<string, RankUsage>).parleyAdminRankUsage!.bind(redis);

  return async (query) => {
    const keys = query.days.map((day) => `${prefix}:{usage}:day:${day}`);
    const [days, channels, users] = (await rankUsage(
      keys.length,
      ...keys,
      ...[query.channels.offset, query.channels.limit, query.users.offset, query.users.limit],
    )) as Reply;
    return {
      days: days.map(toCounters),
      channels: toPage(channels, keys.length),
      users: toPage(users, keys.length),
    };
  };
}

function toCounters(values: readonly unknown[]): OwnerCounters {
  const [promptTokens, completionTokens, costMicroUsd, calls] = values.map(Number);
  return {
    promptTokens: promptTokens ?? 0,
    completionTokens: completionTokens ?? 0,
    costMicroUsd: costMicroUsd ?? 0,
    calls: calls ?? 0,
  };
}

function toPage([count, rows]: [number, unknown[][]], dayCount: number): RankingPage {
  return {
    count: Number(count),
    rows: rows.map(
      (row): RankedOwner => ({
        id: String(row[0]),
        total: toCounters(row.slice(1, 5)),
        daily: Array.from({ length: dayCount }, (_, day) => toCounters(row.slice(5 + 4 * day, 9 + 4 * day))),
      }),
    ),
  };
}
