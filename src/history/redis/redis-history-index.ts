import type { Cluster, Redis } from 'ioredis';
import type { SessionListing } from '../history-store.ts';
import { checkTransaction } from './check-transaction.ts';
import { historyIndexKeys, historyKeys } from './history-keys.ts';

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
  /** Records an applied commit; `previousScopeId` is the scope the session was stored under before it. */
  recordCommit(
    sessionId: string,
    at: number,
    scopeId: string | undefined,
    previousScopeId: string,
  ): Promise<void>;
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
  const members = async (scopeId: string) =>
    (await redis.smembers(keys.scope(scopeId))).filter((member) => member !== scopeId).sort();

  return {
    async recordCommit(sessionId, at, scopeId, previousScopeId) {
      const transaction = redis.multi().zadd(keys.sessions, at, sessionId);
      const scope = scopeId !== undefined && scopeId !== sessionId ? scopeId : undefined;
      if (scope !== undefined) {
        transaction.sadd(keys.scope(scope), sessionId);
        // The set outlives its members by no more than they outlive their last commit.
        if (ttlMs > 0) transaction.pexpire(keys.scope(scope), ttlMs);
        else transaction.persist(keys.scope(scope));
      }
      if (previousScopeId !== '' && previousScopeId !== scope) {
        transaction.srem(keys.scope(previousScopeId), sessionId);
      }
      checkTransaction(await transaction.exec());
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
