/**
 * The usage seam: tokens and cost per channel-level scope and per user, by UTC day and in total, for
 * `/usage` and daily budgets. Every implementation passes test/contract/usage-ledger.contract.ts: sums are
 * exact (cost is kept in integer micro-USD), malformed usage is rejected before anything is recorded, a new
 * day starts at UTC midnight while totals run on, `forgetScope` drops a scope on every day, and with the
 * history's retention a scope's or user's totals expire once it had no usage for the period. Calls without a
 * known price are counted as such (`unpricedCalls`), so a cost is never shown as $0 for them, and totals are
 * kept per model as well (`readByModel`).
 *
 * Beside it: `memory-usage-ledger.ts` (the embedded default), `redis-usage-ledger.ts` (hashes under the
 * `{usage}` tag), `usage-retention.ts` (how long totals and days are kept), `usage-counters.ts` (the check and
 * integer form shared with the HistoryStores) and `prices.ts` (model prices and the cost of a call).
 */
import type { UsageDelta, UsageTotals } from '../history/history-store.ts';

/** Usage of a channel and of a user, today (UTC) and in total. */
export interface UsageReport {
  /** The channel-level scope (a channel, a DM, a console session). */
  scope: { today: UsageTotals; total: UsageTotals };
  /** The user across every channel. */
  user: { today: UsageTotals; total: UsageTotals };
}

/** Usage in total per model (the name the endpoint was asked for), of a channel and of a user. */
export interface UsageByModel {
  /** The channel-level scope's totals, per model. */
  scope: Record<string, UsageTotals>;
  /** The user's totals across every channel, per model. */
  user: Record<string, UsageTotals>;
}

/** Tokens and cost per channel and per user, by UTC day: for `/usage` and daily budgets. */
export interface UsageLedger {
  /** Adds one model call's usage (under `model` too, when given); an unknown price counts as unpriced. */
  record(entry: {
    scopeId: string;
    userId: string;
    at: number;
    usage: UsageDelta;
    model?: string;
  }): Promise<void>;
  /** Usage of a scope and a user on the day of `at` and in total. */
  read(query: { scopeId: string; userId: string; at: number }): Promise<UsageReport>;
  /** Totals of a scope and a user per model. */
  readByModel(query: { scopeId: string; userId: string }): Promise<UsageByModel>;
  /** Drops a scope's usage (`/forget`). */
  forgetScope(scopeId: string): Promise<void>;
}

/** `2026-11-22` for a time in ms since epoch (UTC). */
export function usageDay(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** The next UTC midnight after `at`, when daily budgets reset. */
export function nextUtcMidnight(at: number): Date {
  const day = new Date(at);
  return new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate() + 1));
}
