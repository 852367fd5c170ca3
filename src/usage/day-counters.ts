import type { UsageCounters } from './usage-counters.ts';

/** Integer counters of one owner on one day, as the ledgers keep them (cost in micro-USD, so sums are exact). */
export interface OwnerCounters extends UsageCounters {
  /** Model calls. */
  calls: number;
}

/** One UTC day's counters of every scope and user that had usage that day (read side, for overviews). */
export interface DayCounters {
  /** Counters per channel-level scope ID. */
  scopes: ReadonlyMap<string, Readonly<OwnerCounters>>;
  /** Counters per user ID. */
  users: ReadonlyMap<string, Readonly<OwnerCounters>>;
}

/** A ledger whose days can be read owner by owner in this process (the in-memory ledger). */
export interface DayCountersReader {
  /** The counters of a UTC day (`2026-11-22`), or undefined when nothing of that day is kept. */
  dayCounters(day: string): DayCounters | undefined;
}

/** Whether `ledger` lets its days be read in this process. */
export function readsDayCounters(ledger: object): ledger is DayCountersReader {
  return typeof (ledger as Partial<DayCountersReader>).dayCounters === 'function';
}
