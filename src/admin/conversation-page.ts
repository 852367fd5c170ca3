/**
 * Conversations for the operator's page, most recently active first, one page at a time: the session index
 * gives the page (a sorted set in Redis, read with an offset), the store the usage of just that page's sessions.
 */
import type { Cluster, Redis } from 'ioredis';
import type { HistoryStore, SessionListing, UsageTotals } from '../history/history-store.ts';
import { historyIndexKeys } from '../history/redis/history-keys.ts';

/** One conversation as the page lists it. */
export interface ConversationRow {
  /** Session ID (what the `parley` CLI takes). */
  sessionId: string;
  /** Last committed turn, ms since epoch. */
  lastActiveAt: number;
  /** Usage since the conversation began (survives `/reset`). */
  usage: UsageTotals;
  /** Messages stored now. */
  messages: number;
}

/** One page of conversations. */
export interface ConversationPage {
  /** Conversations listed in all. */
  count: number;
  /** The requested slice. */
  rows: ConversationRow[];
}

/** Reads one page of conversations. */
export type ConversationPageReader = (page: { offset: number; limit: number }) => Promise<ConversationPage>;

/** Which slice of the session index to read: the Redis index with an offset, or the store's own listing. */
type ListingPage = (page: {
  offset: number;
  limit: number;
}) => Promise<{ count: number; rows: SessionListing[] }>;

function withUsage(store: HistoryStore, listPage: ListingPage): ConversationPageReader {
  return async (page) => {
    const { count, rows } = await listPage(page);
    const details = await Promise.all(
      rows.map(async (row) => {
        const [meta, messages] = await Promise.all([
          store.getMeta(row.sessionId),
          store.count(row.sessionId),
        ]);
        return { ...row, usage: meta.usage, messages };
      }),
    );
    return { count, rows: details };
  };
}

/** Over any store, through `listSessions` (the in-memory default: the listing is in this process). */
export function createStoreConversationPage(store: HistoryStore): ConversationPageReader {
  return withUsage(store, async ({ offset, limit }) => {
    const all = await store.listSessions();
    return { count: all.length, rows: all.slice(offset, offset + limit) };
  });
}

/** Over the Redis store: the page straight from the index's sorted set, without reading the rest of it. */
export function createRedisConversationPage(options: {
  /** The store the index belongs to (for each row's usage). */
  store: HistoryStore;
  /** Connection (shared; never closed here). */
  redis: Redis | Cluster;
  /** Key prefix of the store. */
  prefix: string;
  /** Retention in ms (0 for none): index entries older than this belong to expired sessions. */
  ttlMs: number;
  /** Current time, ms since epoch. */
  now?: () => number;
}): ConversationPageReader {
  const { redis, ttlMs } = options;
  const now = options.now ?? Date.now;
  const key = historyIndexKeys(options.prefix).sessions;
  return withUsage(options.store, async ({ offset, limit }) => {
    // Read-only: pruning expired entries is left to the store's own listing.
    const oldest = ttlMs > 0 ? `(${now() - ttlMs}` : '-inf';
    const [count, flat] = await Promise.all([
      redis.zcount(key, oldest, '+inf'),
      redis.zrevrangebyscore(key, '+inf', oldest, 'WITHSCORES', 'LIMIT', offset, limit),
    ]);
    const rows: SessionListing[] = [];
    for (let index = 0; index + 1 < flat.length; index += 2) {
      rows.push({ sessionId: flat[index]!, lastActiveAt: Number(flat[index + 1]) });
    }
    return { count, rows };
  });
}
