import type { Cluster, Redis } from 'ioredis';
import { type FeedbackLedger, isFeedbackValue, type StoredVote, tallyVotes } from './feedback-ledger.ts';

/** Options of `createRedisFeedbackLedger`. */
export interface RedisFeedbackLedgerOptions {
  /** Connection (shared; never quit here). */
  redis: Redis | Cluster;
  /** Key prefix; default `parley`. */
  prefix?: string;
}

/**
 * Feedback on Redis: one hash per channel, `<prefix>:{fb:<scopeId>}`, field `<session>\n<message>\n<user>`
 * holding `<value>\n<model>`, so a person's later click replaces their vote and `forget` drops a channel with
 * one DEL. A channel's votes are few (one per person per answer), so reading adds them up from the hash.
 */
export function createRedisFeedbackLedger(options: RedisFeedbackLedgerOptions): FeedbackLedger {
  const { redis } = options;
  const prefix = options.prefix ?? 'parley';
  const keyOf = (scopeId: string) => `${prefix}:{fb:${scopeId}}`;
  return {
    async record(entry) {
      const key = keyOf(entry.scopeId);
      const field = `${entry.sessionId}\n${entry.messageRef}\n${entry.userId}`;
      const [previous] = (await redis
        .multi()
        .hget(key, field)
        .hset(key, field, `${entry.value}\n${entry.model}`)
        .exec()
        .then((results) => (results ?? []).map(([error, value]) => (error ? undefined : value)))) as [
        string | null | undefined,
      ];
      const value = previous?.split('\n')[0];
      return isFeedbackValue(value) ? value : undefined;
    },
    async read(scopeId, sessionId) {
      const fields = await redis.hgetall(keyOf(scopeId));
      const votes: StoredVote[] = [];
      for (const [field, stored] of Object.entries(fields)) {
        const [value, ...model] = stored.split('\n');
        if (!isFeedbackValue(value)) continue;
        votes.push({ sessionId: field.split('\n')[0]!, model: model.join('\n'), value });
      }
      return tallyVotes(votes, sessionId);
    },
    async forgetScope(scopeId) {
      await redis.del(keyOf(scopeId));
    },
  };
}
