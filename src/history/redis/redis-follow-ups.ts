import { checkSearchLimit, sumTokens } from '../history-arguments.ts';
import type { HistoryStore } from '../history-store.ts';
import { checkTransaction } from './check-transaction.ts';
import { historyKeys } from './history-keys.ts';
import type { RedisHistoryContext } from './redis-history-context.ts';
import { FOLLOWED_FIELD, integerField } from './session-meta-fields.ts';
import { serializeMessage } from './stored-message-codec.ts';

/** Conversations as people have them: which ones the bot follows, and edits and deletes of their messages. */
export type RedisFollowUps = Pick<HistoryStore, 'follow' | 'isFollowed' | 'amendMessage'>;

/**
 * Each on the session's own keys only: the follow mark is a field of its meta hash (so `forget` drops it and a
 * reset keeps it), and an amendment is one script over its history and meta (amend-message-2.lua).
 */
export function createRedisFollowUps({ redis, prefix, ttlMs, scripts }: RedisHistoryContext): RedisFollowUps {
  return {
    async follow(sessionId) {
      const { history, meta } = historyKeys(prefix, sessionId);
      // Renewed with the retention period like every other meta write (see setMeta).
      const transaction = redis.multi().hset(meta, FOLLOWED_FIELD, '1');
      if (ttlMs > 0) transaction.pexpire(history, ttlMs).pexpire(meta, ttlMs);
      else transaction.persist(history).persist(meta);
      checkTransaction(await transaction.exec());
    },

    async isFollowed(sessionId) {
      const { meta } = historyKeys(prefix, sessionId);
      const [followed, committedSeq] = await redis.hmget(meta, FOLLOWED_FIELD, 'committedSeq');
      return followed != null || integerField(committedSeq) > 0;
    },

    async amendMessage(sessionId, ref, replacement, options = {}) {
      // Checked before anything is sent, so a bad call writes nothing.
      const searchLimit = checkSearchLimit(options.searchLimit);
      const tokens = replacement ? sumTokens([replacement]) : 0;
      const { history, meta } = historyKeys(prefix, sessionId);
      return scripts.amendMessage(history, meta, {
        ref,
        searchLimit,
        ttlMs,
        ...(replacement ? { replacement: { message: serializeMessage(replacement), tokens } } : {}),
      });
    },
  };
}
