import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';
import type { SessionListing } from '../history-store.ts';
import { checkTransaction } from './check-transaction.ts';
import { historyIndexKeys, historyKeys } from './history-keys.ts';

const indexCommitScript = readFileSync(new URL('./index-commit-3.lua', import.meta.url), 'utf8');
const INDEX_COMMIT = 'parleyHistoryIndexCommit';

type IndexCommit = (...keysAndArgv: (string | number)[]) => Promise<unknown>;

/** Options of `createRedisHistoryIndex`. */
export interface RedisHistoryIndexOptions {
  /** Connection (shared with the store). */
  redis: Redis | Cluster;
  /** Key prefix of the store. */
  prefix: string;
  /** Retention in ms; 0 for none. */
  ttlMs: number;
  /** Current time, ms since epoch. */
  now: () => number;
}

/** The session index beside the per-session keys: which sessions exist, how recently active, and by scope. */
export interface RedisHistoryIndex {
  /**
   * Records a commit; `previousScopeId` is the scope the session was stored under before it. Resolves the
   * session's listing time before (undefined when it was not listed), for `undoCommit`.
   */
  recordCommit(
    sessionId: string,
    at: number,
    scopeId: string | undefined,
    previousScopeId: string,
  ): Promise<number | undefined>;
  /** Undoes `recordCommit` for a commit that was not applied, given the listing time it resolved. */
  undoCommit(sessionId: string, scopeId: string | undefined, listedAt: number | undefined): Promise<void>;
  /** Removes a forgotten session from the listing and from its scope. */
  remove(sessionId: string, scopeId: string): Promise<void>;
  /** Sessions active within the retention period, newest first. */
  list(limit: number): Promise<SessionListing[]>;
  /** Stored sessions of a scope, the scope's own session first. */
  inScope(scopeId: string): Promise<string[]>;
  /** Every session the scope's set names, stored or not (expired, half forgotten), sorted; not the scope. */
  members(scopeId: string): Promise<string[]>;
}

/**
 * The index keys carry their own hash tag, so they are written after the session's script with separate
 * commands (Redis Cluster). A crash in between leaves the index one commit behind, which the session's next
 * commit repairs; readers therefore check that what the index names still exists.
 */
export function createRedisHistoryIndex({
  redis,
  prefix,
  ttlMs,
  now,
}: RedisHistoryIndexOptions): RedisHistoryIndex {
  const keys = historyIndexKeys(prefix);
  redis.defineCommand(INDEX_COMMIT, { numberOfKeys: 3, lua: indexCommitScript });
  const indexCommit = (redis as unknown as Record<string, IndexCommit>)[INDEX_COMMIT]!;
  const members = async (scopeId: string) =>
    (await redis.smembers(keys.scope(scopeId))).filter((member) => member !== scopeId).sort();

  return {
    async recordCommit(sessionId, at, scopeId, previousScopeId) {
      const scope = scopeId !== undefined && scopeId !== sessionId ? scopeId : undefined;
      const leaves = previousScopeId !== '' && previousScopeId !== scope;
      const before = await indexCommit.call(
        redis,
        keys.sessions,
        scope === undefined ? keys.sessions : keys.scope(scope),
        leaves ? keys.scope(previousScopeId) : keys.sessions,
        at,
        sessionId,
        ttlMs,
        scope === undefined ? 0 : 1,
        leaves ? 1 : 0,
      );
      return before === null || before === false ? undefined : Number(before);
    },

    async undoCommit(sessionId, scopeId, listedAt) {
      if (listedAt === undefined) return this.remove(sessionId, scopeId ?? '');
      await redis.zadd(keys.sessions, listedAt, sessionId);
    },

    async remove(sessionId, scopeId) {
      const transaction = redis.multi().zrem(keys.sessions, sessionId);
      if (scopeId !== '') transaction.srem(keys.scope(scopeId), sessionId);
      checkTransaction(await transaction.exec());
    },

    async list(limit) {
      if (limit <= 0) return [];
      const transaction = redis.multi();
      // Entries whose last commit is older than the retention period belong to expired sessions: prune them.
      if (ttlMs > 0) transaction.zremrangebyscore(keys.sessions, '-inf', now() - ttlMs);
      transaction.zrevrange(keys.sessions, 0, Number.isFinite(limit) ? limit - 1 : -1, 'WITHSCORES');
      const results = checkTransaction(await transaction.exec());
      const flat = results.at(-1)?.[1] as string[];
      const listings: SessionListing[] = [];
      for (let index = 0; index + 1 < flat.length; index += 2) {
        listings.push({ sessionId: flat[index]!, lastActiveAt: Number(flat[index + 1]) });
      }
      return listings;
    },

    members,

    async inScope(scopeId) {
      const candidates = [scopeId, ...(await members(scopeId))];
      // Members expired by retention are skipped, not removed: the set itself expires after its newest
      // member, and removing here could race a commit that just added the member again.
      const present = await Promise.all(candidates.map((sessionId) => isStored(redis, prefix, sessionId)));
      return candidates.filter((_, index) => present[index]);
    },
  };
}

/** Whether anything beyond the committed seq (kept by `forget`) is stored for the session. */
export async function isStored(redis: Redis | Cluster, prefix: string, sessionId: string): Promise<boolean> {
  const { history, meta } = historyKeys(prefix, sessionId);
  const [historyExists, fields, hasSeq] = await Promise.all([
    redis.exists(history),
    redis.hlen(meta),
    redis.hexists(meta, 'committedSeq'),
  ]);
  return historyExists > 0 || fields - hasSeq > 0;
}
