import type { UsageTotals } from '../history/history-store.ts';
import type { DayCountersReader } from './day-counters.ts';
import { checkUsage, type UsageCounters } from './usage-counters.ts';
import { type UsageLedger, type UsageReport, usageDay } from './usage-ledger.ts';
import { type UsageRetentionOptions, usageRetention } from './usage-retention.ts';

/** Options of `createMemoryUsageLedger`. */
export interface MemoryUsageLedgerOptions extends UsageRetentionOptions {
  /** Current time, ms since epoch (when buckets expire); default `Date.now`. */
  now?: () => number;
}

/** Integer counters of one bucket; cost in micro-USD so sums are exact. */
interface Counters extends UsageCounters {
  /** Model calls. */
  calls: number;
  /** Calls to a model without a known price. */
  unpricedCalls: number;
}

/** Counters that expire, as a Redis key with a TTL does. */
interface Bucket extends Counters {
  /** When the bucket is dropped, ms since epoch (restarted by every write); infinite without retention. */
  expiresAt: number;
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

/** How often, at most, a record sweeps expired totals out of memory. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * The embedded default ledger: usage per scope and per user, by UTC day and in total, in this process only,
 * with the same retention as the Redis ledger (usage-retention.ts).
 */
export function createMemoryUsageLedger(
  options: MemoryUsageLedgerOptions = {},
): UsageLedger & DayCountersReader {
  const now = options.now ?? Date.now;
  const retention = usageRetention(options);
  const days = new Map<string, Day>();
  const totals = { scopes: new Map<string, Bucket>(), users: new Map<string, Bucket>() };
  // Per owner, per model; they expire with the owner's totals.
  const models = {
    scopes: new Map<string, Map<string, Counters>>(),
    users: new Map<string, Map<string, Counters>>(),
  };
  let lastSweep = Number.NEGATIVE_INFINITY;

  const liveDay = (day: string): Day | undefined => {
    const bucket = days.get(day);
    if (bucket && now() >= bucket.expiresAt) {
      days.delete(day);
      return undefined;
    }
    return bucket;
  };
  const liveTotal = (buckets: Map<string, Bucket>, key: string): Bucket | undefined => {
    const bucket = buckets.get(key);
    if (bucket && now() >= bucket.expiresAt) {
      buckets.delete(key);
      return undefined;
    }
    return bucket;
  };
  const sweep = () => {
    if (now() - lastSweep < SWEEP_INTERVAL_MS) return;
    lastSweep = now();
    for (const day of [...days.keys()]) liveDay(day);
    for (const buckets of [totals.scopes, totals.users]) {
      for (const key of [...buckets.keys()]) liveTotal(buckets, key);
    }
    for (const [owners, buckets] of [
      [models.scopes, totals.scopes],
      [models.users, totals.users],
    ] as const) {
      for (const key of [...owners.keys()]) if (!buckets.has(key)) owners.delete(key);
    }
  };
  const addTotal = (buckets: Map<string, Bucket>, key: string, delta: Counters) => {
    const bucket = liveTotal(buckets, key) ?? { ...zeroCounters(), expiresAt: 0 };
    add(bucket, delta);
    bucket.expiresAt = retention.totals > 0 ? now() + retention.totals : Number.POSITIVE_INFINITY;
    buckets.set(key, bucket);
  };

  return {
    async record({ scopeId, userId, at, usage, model }): Promise<void> {
      const delta: Counters = {
        ...checkUsage(usage),
        calls: 1,
        unpricedCalls: usage.costUsd === null ? 1 : 0,
      };
      const dayName = usageDay(at);
      sweep();
      const day = liveDay(dayName) ?? { expiresAt: 0, scopes: new Map(), users: new Map() };
      day.expiresAt = now() + retention.days;
      days.set(dayName, day);
      addTo(day.scopes, scopeId, delta);
      addTo(day.users, userId, delta);
      addTotal(totals.scopes, scopeId, delta);
      addTotal(totals.users, userId, delta);
      if (model !== undefined) {
        addModel(models.scopes, scopeId, model, delta);
        addModel(models.users, userId, model, delta);
      }
    },

    async readByModel({ scopeId, userId }) {
      const of = (owners: Map<string, Map<string, Counters>>, buckets: Map<string, Bucket>, key: string) => {
        if (!liveTotal(buckets, key)) owners.delete(key);
        return Object.fromEntries(
          [...(owners.get(key) ?? [])].map(([name, counters]) => [name, toTotals(counters)]),
        );
      };
      return {
        scope: of(models.scopes, totals.scopes, scopeId),
        user: of(models.users, totals.users, userId),
      };
    },

    async read({ scopeId, userId, at }): Promise<UsageReport> {
      const day = liveDay(usageDay(at));
      return {
        scope: {
          today: toTotals(day?.scopes.get(scopeId)),
          total: toTotals(liveTotal(totals.scopes, scopeId)),
        },
        user: { today: toTotals(day?.users.get(userId)), total: toTotals(liveTotal(totals.users, userId)) },
      };
    },

    async forgetScope(scopeId: string): Promise<void> {
      totals.scopes.delete(scopeId);
      models.scopes.delete(scopeId);
      for (const day of days.values()) day.scopes.delete(scopeId);
    },

    // Read side of the operator's page (src/admin): the live buckets, read-only.
    dayCounters: (day) => liveDay(day),
  };
}

function zeroCounters(): Counters {
  return { promptTokens: 0, completionTokens: 0, costMicroUsd: 0, calls: 0, unpricedCalls: 0 };
}

function addModel(
  owners: Map<string, Map<string, Counters>>,
  key: string,
  model: string,
  delta: Counters,
): void {
  const byModel = owners.get(key) ?? new Map<string, Counters>();
  addTo(byModel, model, delta);
  owners.set(key, byModel);
}

function add(bucket: Counters, delta: Counters): void {
  bucket.promptTokens += delta.promptTokens;
  bucket.completionTokens += delta.completionTokens;
  bucket.costMicroUsd += delta.costMicroUsd;
  bucket.calls += delta.calls;
  bucket.unpricedCalls += delta.unpricedCalls;
}

function addTo(buckets: Map<string, Counters>, key: string, delta: Counters): void {
  const bucket = buckets.get(key) ?? zeroCounters();
  add(bucket, delta);
  buckets.set(key, bucket);
}

function toTotals(counters: Counters | undefined): UsageTotals {
  const totals: UsageTotals = {
    promptTokens: counters?.promptTokens ?? 0,
    completionTokens: counters?.completionTokens ?? 0,
    costUsd: (counters?.costMicroUsd ?? 0) / 1_000_000,
    calls: counters?.calls ?? 0,
  };
  if ((counters?.unpricedCalls ?? 0) > 0) totals.unpricedCalls = counters?.unpricedCalls;
  return totals;
}
