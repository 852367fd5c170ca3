import type { Cluster, Redis } from 'ioredis';
import { mailboxKeys, pendingSessionsKey, type QueueShard } from './mailbox-keys.ts';

/** Mailboxes read at once; bounds the replies held in memory with many pending sessions. */
const BATCH = 1_000;

/**
 * Turns waiting in the mailboxes of all pending sessions of the given shards (for health, metrics and tests). Each mailbox is read
 * with its own LLEN, sent together: the mailboxes live in different hash slots, so on Redis Cluster they cannot
 * share one pipeline (ioredis refuses it), while concurrent commands still go out in one write per node.
 */
export async function countPendingTurns(
  redis: Redis | Cluster,
  prefix: string,
  shards: QueueShard[] = [{ shard: 0, shards: 1 }],
): Promise<number> {
  const pendingSets = await Promise.all(
    shards.map(({ shard, shards: layout }) => redis.smembers(pendingSessionsKey(prefix, shard, layout))),
  );
  // A session pending in an old shard and in its new one (QUEUE_SHARDS changed) counts once.
  const sessionIds = [...new Set(pendingSets.flat())];
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
