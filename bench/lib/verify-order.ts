import type { Redis } from 'ioredis';
import type { StoredMessage } from '../../src/history/history-store.ts';
import { historyKeys } from '../../src/history/redis/history-keys.ts';

/** What the committed histories show. */
export interface OrderCheck {
  /** Sessions read. */
  sessions: number;
  /** Sessions whose user messages are not exactly m0, m1, … m(n−1) in that order, each followed by a reply. */
  badSessions: number;
  /** User messages found in all histories. */
  userMessages: number;
}

/**
 * Reads every session's history back from Redis — the commit order — and checks that each session holds
 * its turns exactly once, in the order they were enqueued, each answered.
 */
export async function verifyCommitOrder(
  redis: Redis,
  prefix: string,
  sessionIds: readonly string[],
  turnsPerSession: number,
): Promise<OrderCheck> {
  let badSessions = 0;
  let userMessages = 0;
  for (let from = 0; from < sessionIds.length; from += 100) {
    const batch = sessionIds.slice(from, from + 100);
    const pipeline = redis.pipeline();
    for (const sessionId of batch) pipeline.lrange(historyKeys(prefix, sessionId).history, 0, -1);
    const results = (await pipeline.exec()) ?? [];
    for (const [error, raw] of results) {
      if (error) throw error;
      const messages = (raw as string[]).map((entry) => JSON.parse(entry) as StoredMessage);
      let expected = 0;
      let ok = messages.length === 2 * turnsPerSession;
      for (let i = 0; i < messages.length && ok; i += 2) {
        const user = messages[i]!;
        const reply = messages[i + 1];
        const index = Number(/\bm(\d+)\b/.exec(user.content)?.[1]);
        ok = user.role === 'user' && index === expected && reply?.role === 'assistant';
        expected++;
      }
      userMessages += messages.filter((message) => message.role === 'user').length;
      if (!ok) badSessions++;
    }
  }
  return { sessions: sessionIds.length, badSessions, userMessages };
}
