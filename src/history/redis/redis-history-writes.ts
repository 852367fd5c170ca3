import { checkUsage } from '../../usage/usage-counters.ts';
import { checkCompaction, sumTokens } from '../history-arguments.ts';
import type { HistoryStore } from '../history-store.ts';
import { checkTransaction } from './check-transaction.ts';
import { historyKeys } from './history-keys.ts';
import type { RedisHistoryContext } from './redis-history-context.ts';
import { metaPatchFields } from './session-meta-fields.ts';
import { serializeMessage } from './stored-message-codec.ts';

/**
 * Writes outside the turn flow, each on the session's own keys (imports, backfill, persona, summaries); an
 * import (`replace`) then lists the session in the index, as a commit does.
 */
export type RedisHistoryWrites = Pick<HistoryStore, 'append' | 'replace' | 'clear' | 'setMeta' | 'compact'>;

/** Writes of one store; arguments are checked before anything is sent, so a bad call writes nothing. */
export function createRedisHistoryWrites({
  redis,
  prefix,
  ttlMs,
  now,
  scripts,
  sessionIndex,
}: RedisHistoryContext): RedisHistoryWrites {
  return {
    async append(sessionId, messages) {
      if (messages.length === 0) return;
      const addedTokens = sumTokens(messages);
      const { history, meta } = historyKeys(prefix, sessionId);
      await scripts.append(history, meta, ttlMs, addedTokens, messages.map(serializeMessage));
    },

    async replace(sessionId, messages, options = {}) {
      const totalTokens = sumTokens(messages);
      const { history, meta } = historyKeys(prefix, sessionId);
      // A session is not a member of its own scope; without a scope it keeps the one it was stored under.
      const given = options.scopeId !== sessionId ? options.scopeId : undefined;
      const at = now();
      const serialized = messages.map(serializeMessage);
      const previous = await scripts.replace(history, meta, ttlMs, totalTokens, serialized, {
        scopeId: given,
        now: at,
      });
      const scopeId = given ?? (previous === '' ? undefined : previous);
      await sessionIndex.recordCommit(sessionId, at, scopeId, previous);
    },

    async clear(sessionId) {
      const { history, meta, images } = historyKeys(prefix, sessionId);
      await scripts.clear(history, meta, images);
    },

    async setMeta(sessionId, patch) {
      const { history, meta } = historyKeys(prefix, sessionId);
      const { set, remove } = metaPatchFields(patch);
      if (Object.keys(set).length === 0 && remove.length === 0) return;
      const transaction = redis.multi();
      if (Object.keys(set).length > 0) transaction.hset(meta, set);
      if (remove.length > 0) transaction.hdel(meta, ...remove);
      if (ttlMs > 0) transaction.pexpire(history, ttlMs).pexpire(meta, ttlMs);
      else transaction.persist(history).persist(meta);
      checkTransaction(await transaction.exec());
    },

    async compact(sessionId, compaction) {
      checkCompaction(compaction);
      const usage = compaction.usage ? checkUsage(compaction.usage) : undefined;
      const { history, meta } = historyKeys(prefix, sessionId);
      return scripts.compact(history, meta, {
        dropCount: compaction.dropCount,
        // Byte-for-byte what append stored: JSON.parse keeps key order, so a loaded message re-serialises equal.
        lastDropped: serializeMessage(compaction.lastDropped),
        droppedTokens: compaction.droppedTokens,
        summary: compaction.summary,
        ttlMs,
        ...(usage ? { usage } : {}),
      });
    },
  };
}
