import { retentionMs } from '../history/history-arguments.ts';

/**
 * How long the ledgers keep usage. Totals follow the history's retention (`historyTtlDays`): a scope's or a
 * user's totals expire once they had no usage for that long, and are kept forever without retention. Day
 * buckets live 40 days after their last write, or the retention period when that is shorter, but never less
 * than two days, so today's bucket (daily budgets, `/usage` today) outlives today whatever the retention.
 */

/** Options both ledgers take, as the history stores do. */
export interface UsageRetentionOptions {
  /** Retention in days: totals of an owner without usage this long expire; absent keeps them forever. */
  historyTtlDays?: number;
  /** Retention in ms, overriding `historyTtlDays` (lets tests watch Redis expire totals). */
  historyTtlMs?: number;
}

const DAY_MS = 86_400_000;
/** Longest a day bucket lives after its last write. */
export const MAX_DAY_RETENTION_MS = 40 * DAY_MS;
/** Shortest: today's bucket must last until the day is over. */
const MIN_DAY_RETENTION_MS = 2 * DAY_MS;

/** The ledger's retention periods in ms: `totals` (0 for none) and `days`. Throws on a bad option. */
export function usageRetention(options: UsageRetentionOptions): { totals: number; days: number } {
  const totals = retentionMs(options);
  const days =
    totals > 0
      ? Math.min(MAX_DAY_RETENTION_MS, Math.max(MIN_DAY_RETENTION_MS, totals))
      : MAX_DAY_RETENTION_MS;
  return { totals, days };
}
