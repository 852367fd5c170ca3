import { checkCount } from '../history-arguments.ts';
import type { HistoryStore } from '../history-store.ts';
import { historyKeys } from './history-keys.ts';
import { loadNewestMessages } from './load-newest-messages.ts';
import type { RedisHistoryContext } from './redis-history-context.ts';
import { integerField, sessionMetaFromFields } from './session-meta-fields.ts';

/** The reading half of the Redis history store: messages, meta, committed seq and the session index. */
export type RedisHistoryReads = Pick<
  HistoryStore,
  'load' | 'loadOldest' | 'count' | 'getMeta' | 'committedSeq' | 'listSessions' | 'sessionsInScope'
>;

/** Reads of one store; none of them writes (listing prunes index entries of expired sessions only). */
export function createRedisHistoryReads(context: RedisHistoryContext): RedisHistoryReads {
  const { redis, prefix, parser, sessionIndex } = context;
  return {
    async load(sessionId, loadOptions = {}) {
      return loadNewestMessages(context, sessionId, loadOptions);
    },

    async loadOldest(sessionId, count) {
      const wanted = checkCount('count', count);
      if (wanted === 0) return [];
      const { history } = historyKeys(prefix, sessionId);
      const end = Number.isFinite(wanted) ? wanted - 1 : -1;
      return parser.parseAll(sessionId, await redis.lrange(history, 0, end));
    },

    async count(sessionId) {
      return redis.llen(historyKeys(prefix, sessionId).history);
    },

    async getMeta(sessionId) {
      return sessionMetaFromFields(await redis.hgetall(historyKeys(prefix, sessionId).meta));
    },

    async committedSeq(sessionId) {
      return integerField(await redis.hget(historyKeys(prefix, sessionId).meta, 'committedSeq'));
    },

    async listSessions(listOptions = {}) {
      return sessionIndex.list(checkCount('limit', listOptions.limit ?? Number.POSITIVE_INFINITY));
    },

    async sessionsInScope(scopeId) {
      return sessionIndex.inScope(scopeId);
    },
  };
}
