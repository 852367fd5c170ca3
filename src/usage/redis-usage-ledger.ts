import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';
import type { UsageTotals } from '../history/history-store.ts';
import { checkTransaction } from '../history/redis/check-transaction.ts';
import { checkUsage } from './usage-counters.ts';
import { type UsageLedger, type UsageReport, usageDay } from './usage-ledger.ts';
import { type UsageRetentionOptions, usageRetention } from './usage-retention.ts';

/** Options of `createRedisUsageLedger`. */
export interface RedisUsageLedgerOptions extends UsageRetentionOptions {
  /** Connection (shared; the ledger never quits it). */
  redis: Redis | Cluster;
  /** Key prefix; default `parley`. */
  prefix?: string;
  /** Current time, ms since epoch (when a day hash was last written); default `Date.now`. */
  now?: () => number;
}

// Read once, when the module loads; ioredis sends it by EVALSHA, falling back to EVAL once per server.
const recordUsageScript = readFileSync(new URL('./record-usage-7.lua', import.meta.url), 'utf8');

const DAY_MS = 86_400_000;

/** Counter suffixes: prompt tokens, completion tokens, micro-USD, calls, calls without a known price. */
const COUNTERS = ['p', 'c', 'm', 'n', 'u'] as const;

type RecordUsage = (...keysAndArgv: (string | number)[]) => Promise<unknown>;

/**
 * Usage on Redis, every key under the `{usage}` hash tag (one script or MULTI may touch them together):
 * - `<prefix>:{usage}:day:<YYYY-MM-DD>`: a hash per UTC day with integer fields `s:<scopeId>:<p|c|m|n>` and
 *   `u:<userId>:<p|c|m|n>` (the counter suffix is one character after the last colon, so no two IDs can produce
 *   the same field), expiring after its last write (see usage-retention.ts);
 * - `<prefix>:{usage}:days`: a sorted set scoring each day by its last write, so `forgetScope` finds every day
 *   hash that can still exist (backfilled old days included);
 * - `<prefix>:{usage}:total:s:<scopeId>` and `…:total:u:<userId>`: a hash `p, c, m, n` per owner, so with
 *   retention an owner's totals expire on their own once it had no usage for the period;
 * - `<prefix>:{usage}:total`: the one total hash of earlier versions (fields as in the day hashes), read
 *   alongside and emptied owner by owner as they record again (record-usage-7.lua);
 * - `<prefix>:{usage}:models:s:<scopeId>` and `…:models:u:<userId>`: the owner's totals per model, fields
 *   `<p|c|m|n|u>:<model>` (the counter first, since model names hold colons), expiring with its totals.
 */
export function createRedisUsageLedger(options: RedisUsageLedgerOptions): UsageLedger {
  const { redis } = options;
  const retention = usageRetention(options);
  const prefix = options.prefix ?? 'parley';
  const now = options.now ?? Date.now;
  const dayKey = (day: string) => `${prefix}:{usage}:day:${day}`;
  const totalKey = (owner: string) => `${prefix}:{usage}:total:${owner}`;
  const formerTotalKey = `${prefix}:{usage}:total`;
  const daysKey = `${prefix}:{usage}:days`;
  const modelsKey = (owner: string) => `${prefix}:{usage}:models:${owner}`;
  redis.defineCommand('parleyUsageRecord', { numberOfKeys: 7, lua: recordUsageScript });
  const recordUsage = (redis as unknown as Record<string, RecordUsage>).parleyUsageRecord!.bind(redis);

  return {
    async record({ scopeId, userId, at, usage, model }): Promise<void> {
      const { promptTokens, completionTokens, costMicroUsd } = checkUsage(usage);
      const dayName = usageDay(at);
      const [scope, user] = [scopeField(scopeId), userField(userId)];
      await recordUsage(
        ...[dayKey(dayName), daysKey, totalKey(scope), totalKey(user), formerTotalKey],
        ...[modelsKey(scope), modelsKey(user)],
        ...[scope, user, promptTokens, completionTokens, costMicroUsd, dayName, now()],
        ...[Math.ceil(retention.days / 1000), retention.totals, usage.costUsd === null ? 1 : 0, model ?? ''],
      );
    },

    async readByModel({ scopeId, userId }) {
      const results = checkTransaction(
        await redis
          .multi()
          .hgetall(modelsKey(scopeField(scopeId)))
          .hgetall(modelsKey(userField(userId)))
          .exec(),
      );
      const [scope, user] = results.map(([, fields]) => totalsByModel(fields as Record<string, string>));
      return { scope: scope!, user: user! };
    },

    async read({ scopeId, userId, at }): Promise<UsageReport> {
      const [scope, user] = [scopeField(scopeId), userField(userId)];
      const results = checkTransaction(
        await redis
          .multi()
          .hmget(dayKey(usageDay(at)), ...counterFields(scope), ...counterFields(user))
          .hmget(totalKey(scope), ...COUNTERS)
          .hmget(totalKey(user), ...COUNTERS)
          .hmget(formerTotalKey, ...counterFields(scope), ...counterFields(user))
          .exec(),
      );
      const [today, scopeTotal, userTotal, former] = results.map(([, values]) =>
        (values as (string | null)[]).map(integer),
      ) as [number[], number[], number[], number[]];
      const n = COUNTERS.length;
      return {
        scope: { today: toTotals(today.slice(0, n)), total: toTotals(sum(scopeTotal, former.slice(0, n))) },
        user: { today: toTotals(today.slice(n)), total: toTotals(sum(userTotal, former.slice(n))) },
      };
    },

    async forgetScope(scopeId: string): Promise<void> {
      const scope = scopeField(scopeId);
      const fields = counterFields(scope);
      // Days last written before their retention (a day of clock skew aside) have expired: drop them.
      const listed = checkTransaction(
        await redis
          .multi()
          .zremrangebyscore(daysKey, '-inf', now() - retention.days - DAY_MS)
          .zrange(daysKey, 0, -1)
          .exec(),
      );
      const dayNames = listed[1]?.[1] as string[];
      const transaction = redis
        .multi()
        .del(totalKey(scope), modelsKey(scope))
        .hdel(formerTotalKey, ...fields);
      for (const dayName of dayNames) transaction.hdel(dayKey(dayName), ...fields);
      checkTransaction(await transaction.exec());
    },
  };
}

const scopeField = (scopeId: string) => `s:${scopeId}`;
const userField = (userId: string) => `u:${userId}`;
/** An owner's four counter fields, in `COUNTERS` order. */
const counterFields = (owner: string) => COUNTERS.map((counter) => `${owner}:${counter}`);

/** A stored counter; absent or corrupt reads as 0. */
function integer(value: string | null): number {
  const parsed = value == null ? 0 : Number.parseInt(value, 10);
  return Number.isFinite(parsed) ? parsed : 0;
}

function sum(left: number[], right: number[]): number[] {
  return left.map((value, index) => value + (right[index] ?? 0));
}

/** Counters in `COUNTERS` order as totals. */
function toTotals(values: number[]): UsageTotals {
  const [promptTokens = 0, completionTokens = 0, costMicroUsd = 0, calls = 0, unpriced = 0] = values;
  const totals: UsageTotals = { promptTokens, completionTokens, costUsd: costMicroUsd / 1_000_000, calls };
  if (unpriced > 0) totals.unpricedCalls = unpriced;
  return totals;
}

/** A models hash (`<counter>:<model>` fields) as totals per model. */
function totalsByModel(fields: Record<string, string>): Record<string, UsageTotals> {
  const counters = new Map<string, number[]>();
  for (const [field, value] of Object.entries(fields ?? {})) {
    const index = COUNTERS.indexOf(field.slice(0, 1) as (typeof COUNTERS)[number]);
    if (index < 0 || field[1] !== ':') continue;
    const model = field.slice(2);
    const values = counters.get(model) ?? COUNTERS.map(() => 0);
    values[index] = integer(value);
    counters.set(model, values);
  }
  return Object.fromEntries([...counters].map(([model, values]) => [model, toTotals(values)]));
}
