/**
 * The read side of the usage ledger for the operator's page: the last days' totals, and channels and users
 * ranked by what they cost over those days, one page at a time, each with its per-day series. Aggregated where
 * the ledger lives (a Lua script in Redis, the buckets in memory), so a page costs the same with 10 or 10,000
 * conversations on the wire and nothing is summed in the browser. Both implementations pass
 * test/contract/usage-overview.contract.ts.
 */
import type { DayCounters, OwnerCounters } from '../usage/day-counters.ts';

/** Which days and which slice of each ranking to read. */
export interface UsageOverviewQuery {
  /** UTC day names (`2026-11-22`), oldest first. */
  days: string[];
  /** Page of the channel ranking. */
  channels: { offset: number; limit: number };
  /** Page of the user ranking. */
  users: { offset: number; limit: number };
}

/** One channel or user in a ranking. */
export interface RankedOwner {
  /** Scope ID (channels) or user ID. */
  id: string;
  /** Sums over the queried days. */
  total: OwnerCounters;
  /** Counters per queried day, in the query's order. */
  daily: OwnerCounters[];
}

/** One slice of a ranking, most expensive first (then most tokens, then by ID). */
export interface RankingPage {
  /** How many owners had usage on the queried days. */
  count: number;
  /** The requested slice. */
  rows: RankedOwner[];
}

/** What the page shows of the ledger. */
export interface UsageOverview {
  /** Every owner's usage added up, per queried day, in the query's order. */
  days: OwnerCounters[];
  /** Channels (channel-level scopes) ranked by cost. */
  channels: RankingPage;
  /** Users ranked by cost. */
  users: RankingPage;
}

/** Reads the overview from wherever the ledger keeps its days. */
export type UsageOverviewReader = (query: UsageOverviewQuery) => Promise<UsageOverview>;

/** All-zero counters. */
export function zeroCounters(): OwnerCounters {
  return { promptTokens: 0, completionTokens: 0, costMicroUsd: 0, calls: 0 };
}

function addInto(target: OwnerCounters, delta: Readonly<OwnerCounters>): void {
  target.promptTokens += delta.promptTokens;
  target.completionTokens += delta.completionTokens;
  target.costMicroUsd += delta.costMicroUsd;
  target.calls += delta.calls;
}

/** Cost first, then tokens, then ID: the order both implementations rank in. */
export function compareOwners(left: RankedOwner, right: RankedOwner): number {
  const tokens = (owner: RankedOwner) => owner.total.promptTokens + owner.total.completionTokens;
  return (
    right.total.costMicroUsd - left.total.costMicroUsd ||
    tokens(right) - tokens(left) ||
    (left.id < right.id ? -1 : left.id > right.id ? 1 : 0)
  );
}

function rank(
  perDay: Array<ReadonlyMap<string, Readonly<OwnerCounters>> | undefined>,
  page: { offset: number; limit: number },
): RankingPage {
  const owners = new Map<string, RankedOwner>();
  perDay.forEach((buckets, dayIndex) => {
    for (const [id, counters] of buckets ?? []) {
      let owner = owners.get(id);
      if (!owner) {
        owner = { id, total: zeroCounters(), daily: perDay.map(zeroCounters) };
        owners.set(id, owner);
      }
      addInto(owner.total, counters);
      addInto(owner.daily[dayIndex]!, counters);
    }
  });
  const sorted = [...owners.values()].sort(compareOwners);
  return { count: sorted.length, rows: sorted.slice(page.offset, page.offset + page.limit) };
}

/** The overview over the in-memory ledger's buckets (the embedded default). */
export function createMemoryUsageOverview(
  dayCounters: (day: string) => DayCounters | undefined,
): UsageOverviewReader {
  return async (query) => {
    const days = query.days.map((day) => dayCounters(day));
    return {
      // Each call is counted once under its scope (and once under its user): the scopes add up to the day.
      days: days.map((day) => {
        const total = zeroCounters();
        for (const counters of day?.scopes.values() ?? []) addInto(total, counters);
        return total;
      }),
      channels: rank(
        days.map((day) => day?.scopes),
        query.channels,
      ),
      users: rank(
        days.map((day) => day?.users),
        query.users,
      ),
    };
  };
}
