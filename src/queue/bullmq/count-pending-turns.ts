import type { Redis } from 'ioredis';
import { mailboxKeys, pendingSessionsKey } from './mailbox-keys.ts';

/** Turns waiting in the mailboxes of all pending sessions (for health and tests). */
export async function countPendingTurns(redis: Redis, prefix: string): Promise<number> {
  const sessionIds = await redis.smembers(pendingSessionsKey(prefix));
  if (sessionIds.length === 0) return 0;
  const pipeline = redis.pipeline();
  for (const sessionId of sessionIds) pipeline.llen(mailboxKeys(prefix, sessionId).mailbox);
  const results = (await pipeline.exec()) ?? [];
  return results.reduce((sum, [, length]) => sum + Number(length ?? 0), 0);
}
