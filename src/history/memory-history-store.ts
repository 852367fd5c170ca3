import { imageLimit, retentionMs } from './history-arguments.ts';
import type { HistoryStore } from './history-store.ts';
import { createMemoryFollowUps } from './memory-follow-ups.ts';
import { createMemoryHistoryReads } from './memory-history-reads.ts';
import { createMemoryHistoryWrites } from './memory-history-writes.ts';
import { createMemoryImages } from './memory-images.ts';
import { createMemoryIndexedWrites } from './memory-indexed-writes.ts';
import { createMemorySessions } from './memory-sessions.ts';

/** Options of `createMemoryHistoryStore`. */
export interface MemoryHistoryStoreOptions {
  /** Retention: a session idle (no write) this many days expires; absent keeps sessions forever. */
  historyTtlDays?: number;
  /** Retention in ms, overriding `historyTtlDays` (for tests). */
  historyTtlMs?: number;
  /** Current time, ms since epoch (`lastActiveAt`, expiry); default `Date.now`. */
  now?: () => number;
  /** `putImage` refuses images larger than this many bytes; default 20 MiB (`config.files.maxImageBytes`). */
  maxImageBytes?: number;
}

/**
 * The embedded default: history kept in this process only (nothing survives a restart). Same semantics as
 * the Redis store, expiry included: an expired session disappears when next touched, and every listing (and
 * a commit now and then) sweeps the rest. Messages are deep-copied on the way in and out so callers never
 * share stored objects.
 */
export function createMemoryHistoryStore(options: MemoryHistoryStoreOptions = {}): HistoryStore {
  const maxImageBytes = imageLimit(options);
  const sessions = createMemorySessions(retentionMs(options), options.now ?? Date.now);
  return {
    ...createMemoryHistoryReads(sessions),
    ...createMemoryHistoryWrites(sessions),
    ...createMemoryIndexedWrites(sessions),
    ...createMemoryFollowUps(sessions),
    ...createMemoryImages(sessions, maxImageBytes),
    async close(): Promise<void> {},
  };
}
