import type { UsageTotals } from '../history/history-store.ts';
import { checkUsage, type UsageCounters } from './usage-counters.ts';
import { type UsageLedger, type UsageReport, usageDay } from './usage-ledger.ts';

/** Options of `createMemoryUsageLedger`. */
export interface MemoryUsageLedgerOptions {
  /** Current time, ms since epoch (when day buckets expire); default `Date.now`. */
  now?: () => number;
}

/** Days a day bucket is kept after its last write, as the Redis ledger's day hashes. */
const DAY_RETENTION_MS = 40 * 86_400_000;

/** Integer counters of one bucket; cost in micro-USD so sums are exact. */
interface Counters extends UsageCounters {
  /** Model calls. */
  calls: number;
}

/** One UTC day's buckets. */
interface Day {
  /** When the day is dropped, ms since epoch (restarted by every write, as EXPIRE in Redis). */
  expiresAt: number;
  /** Counters per scope ID. */
  scopes: Map<string, Counters>;
  /** Counters per user ID. */
  users: Map<string, Counters>;
}

/** The embedded default ledger: usage per scope and per user, by UTC day and in total, in this process only. */
export function createMemoryUsageLedger(options: MemoryUsageLedgerOptions = {}): UsageLedger {
  const now = options.now ?? Date.now;
  const days = new Map<string, Day>();
  const totals = { scopes: new Map<string, Counters>(), users: new Map<string, Counters>() };

  const liveDay = (day: string): Day | undefined => {
    const bucket = days.get(day);
    if (bucket && now() >= bucket.expiresAt) {
      days.delete(day);
      return undefined;
    }
    return bucket;
  };

  return {
    async record({ scopeId, userId, at, usage }): Promise<void> {
      const delta: Counters = { ...checkUsage(usage), calls: 1 };
      const dayName = usageDay(at);
      for (const day of [...days.keys()]) liveDay(day);
      const day = liveDay(dayName) ?? { expiresAt: 0, scopes: new Map(), users: new Map() };
      day.expiresAt = now() + DAY_RETENTION_MS;
      days.set(dayName, day);
      add(day.scopes, scopeId, delta);
      add(day.users, userId, delta);
      add(totals.scopes, scopeId, delta);
      add(totals.users, userId, delta);
    },

    async read({ scopeId, userId, at }): Promise<UsageReport> {
      const day = liveDay(usageDay(at));
      return {
        scope: { today: toTotals(day?.scopes.get(scopeId)), total: toTotals(totals.scopes.get(scopeId)) },
        user: { today: toTotals(day?.users.get(userId)), total: toTotals(totals.users.get(userId)) },
      };
    },

    async forgetScope(scopeId: string): Promise<void> {
      totals.scopes.delete(scopeId);
      for (const day of days.values()) day.scopes.delete(scopeId);
    },
  };
}

function add(buckets: Map<string, Counters>, key: string, delta: Counters): void {
  const bucket = buckets.get(key) ?? { promptTokens: 0, completionTokens: 0, costMicroUsd: 0, calls: 0 };
  bucket.promptTokens += delta.promptTokens;
  bucket.completionTokens += delta.completionTokens;
  bucket.costMicroUsd += delta.costMicroUsd;
  bucket.calls += delta.calls;
  buckets.set(key, bucket);
}

function toTotals(counters: Counters | undefined): UsageTotals {
  return {
    promptTokens: counters?.promptTokens ?? 0,
    completionTokens: counters?.completionTokens ?? 0,
    costUsd: (counters?.costMicroUsd ?? 0) / 1_000_000,
    calls: counters?.calls ?? 0,
  };
}
