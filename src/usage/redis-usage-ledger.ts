import type { Cluster, Redis } from 'ioredis';
import type { UsageTotals } from '../history/history-store.ts';
import { checkTransaction } from '../history/redis/check-transaction.ts';
import { checkUsage } from './usage-counters.ts';
import { type UsageLedger, type UsageReport, usageDay } from './usage-ledger.ts';

/** Options of `createRedisUsageLedger`. */
export interface RedisUsageLedgerOptions {
  /** Connection (shared; the ledger never quits it). */
  redis: Redis | Cluster;
  /** Key prefix; default `parley`. */
  prefix?: string;
  /** Current time, ms since epoch (when a day hash was last written); default `Date.now`. */
  now?: () => number;
}

/** Days a day hash lives after its last write. */
const DAY_RETENTION_DAYS = 40;
const DAY_MS = 86_400_000;

/** Counter suffixes: prompt tokens, completion tokens, micro-USD, calls. */
const COUNTERS = ['p', 'c', 'm', 'n'] as const;

/**
 * Usage on Redis: a hash per UTC day `<prefix>:{usage}:day:<YYYY-MM-DD>` (expiring 40 days after its last
 * write) and one `<prefix>:{usage}:total`, with integer fields `s:<scopeId>:<p|c|m|n>` and
 * `u:<userId>:<p|c|m|n>`. The counter suffix is a single character after the last colon, so no two IDs can
 * produce the same field. A sorted set `<prefix>:{usage}:days` scores each day by its last write, so
 * `forgetScope` finds every day hash that can still exist (backfilled old days included). All keys share the
 * `{usage}` hash tag, so one MULTI updates them together.
 */
export function createRedisUsageLedger(options: RedisUsageLedgerOptions): UsageLedger {
  const { redis } = options;
  const prefix = options.prefix ?? 'parley';
  const now = options.now ?? Date.now;
  const dayKey = (day: string) => `${prefix}:{usage}:day:${day}`;
  const totalKey = `${prefix}:{usage}:total`;
  const daysKey = `${prefix}:{usage}:days`;

  return {
    async record({ scopeId, userId, at, usage }): Promise<void> {
      const { promptTokens, completionTokens, costMicroUsd } = checkUsage(usage);
      const delta = [promptTokens, completionTokens, costMicroUsd, 1];
      const dayName = usageDay(at);
      const day = dayKey(dayName);
      const transaction = redis.multi();
      for (const key of [day, totalKey]) {
        for (const owner of [scopeField(scopeId), userField(userId)]) {
          counterFields(owner).forEach((field, index) => {
            transaction.hincrby(key, field, delta[index]!);
          });
        }
      }
      transaction.expire(day, DAY_RETENTION_DAYS * 86_400);
      transaction.zadd(daysKey, now(), dayName);
      checkTransaction(await transaction.exec());
    },

    async read({ scopeId, userId, at }): Promise<UsageReport> {
      const day = dayKey(usageDay(at));
      const fields = [...counterFields(scopeField(scopeId)), ...counterFields(userField(userId))];
      const results = checkTransaction(
        await redis
          .multi()
          .hmget(day, ...fields)
          .hmget(totalKey, ...fields)
          .exec(),
      );
      const [today, total] = results.map(([, values]) => values as (string | null)[]) as [
        (string | null)[],
        (string | null)[],
      ];
      return {
        scope: { today: toTotals(today.slice(0, 4)), total: toTotals(total.slice(0, 4)) },
        user: { today: toTotals(today.slice(4)), total: toTotals(total.slice(4)) },
      };
    },

    async forgetScope(scopeId: string): Promise<void> {
      const fields = counterFields(scopeField(scopeId));
      // Days last written before the retention period (a day of clock skew aside) have expired: drop them.
      const listed = checkTransaction(
        await redis
          .multi()
          .zremrangebyscore(daysKey, '-inf', now() - (DAY_RETENTION_DAYS + 1) * DAY_MS)
          .zrange(daysKey, 0, -1)
          .exec(),
      );
      const dayNames = listed[1]?.[1] as string[];
      const transaction = redis.multi().hdel(totalKey, ...fields);
      for (const dayName of dayNames) transaction.hdel(dayKey(dayName), ...fields);
      checkTransaction(await transaction.exec());
    },
  };
}

const scopeField = (scopeId: string) => `s:${scopeId}`;
const userField = (userId: string) => `u:${userId}`;
/** An owner's four counter fields, in `COUNTERS` order. */
const counterFields = (owner: string) => COUNTERS.map((counter) => `${owner}:${counter}`);

/** Converts stored counters (in `COUNTERS` order) back; absent or corrupt fields read as 0. */
function toTotals(values: (string | null)[]): UsageTotals {
  const [promptTokens, completionTokens, costMicroUsd, calls] = values.map((value) => {
    const parsed = value == null ? 0 : Number.parseInt(value, 10);
    return Number.isFinite(parsed) ? parsed : 0;
  }) as [number, number, number, number];
  return { promptTokens, completionTokens, costUsd: costMicroUsd / 1_000_000, calls };
}
