import type { Cluster, Redis } from 'ioredis';
import { mailboxKeys, pendingSessionsKey } from './mailbox-keys.ts';

/** Mailboxes read at once; bounds the replies held in memory with many pending sessions. */
const BATCH = 1_000;

/**
 * Turns waiting in the mailboxes of all pending sessions (for health, metrics and tests). Each mailbox is read
 * with its own LLEN, sent together: the mailboxes live in different hash slots, so on Redis Cluster they cannot
 * share one pipeline (ioredis refuses it), while concurrent commands still go out in one write per node.
 */
export async function countPendingTurns(redis: Redis | Cluster, prefix: string): Promise<number> {
  const sessionIds = await redis.smembers(pendingSessionsKey(prefix));
  let total = 0;
  for (let start = 0; start < sessionIds.length; start += BATCH) {
    const lengths = await Promise.all(
      sessionIds
        .slice(start, start + BATCH)
        .map((sessionId) => redis.llen(mailboxKeys(prefix, sessionId).mailbox)),
    );
    total += lengths.reduce((sum, length) => sum + length, 0);
  }
  return total;
}
