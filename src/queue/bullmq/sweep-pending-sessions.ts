import type { Cluster, Redis } from 'ioredis';
import type { Logger } from '../../app/logger.ts';
import { mailboxKeys, pendingSessionsKey } from './mailbox-keys.ts';

/** What the sweeper needs. */
export interface SweepContext {
  /** Our own connection. */
  redis: Redis | Cluster;
  /** Prefix of every key. */
  prefix: string;
  /** True once the queue is closing: the sweep stops. */
  isClosing(): boolean;
  /** Asks for a drain of the session (de-duplicated, so waking a session already queued is harmless). */
  wake(sessionId: string): Promise<void>;
}

/**
 * Wakes every session in the pending set that still has turns and drops the empty ones (DESIGN §3, step 7):
 * covers a crash between an enqueue's push and its wake-up.
 */
export async function sweepPendingSessions(context: SweepContext): Promise<void> {
  const { redis } = context;
  const pendingKey = pendingSessionsKey(context.prefix);
  const sessionIds = await redis.smembers(pendingKey);
  for (const sessionId of sessionIds) {
    if (context.isClosing()) return;
    const { mailbox } = mailboxKeys(context.prefix, sessionId);
    if ((await redis.llen(mailbox)) === 0) {
      await redis.srem(pendingKey, sessionId);
      // An enqueue may have pushed between the check and the removal (the two keys cannot share a script
      // on Redis Cluster): look again, and keep the session if so.
      if ((await redis.llen(mailbox)) === 0) continue;
      await redis.sadd(pendingKey, sessionId);
    }
    await context.wake(sessionId);
  }
}

/** Sweeps now and then every `intervalMs`, logging a failed sweep; returns what stops it. */
export function startSweeper(context: SweepContext, intervalMs: number, logger: Logger): () => void {
  const runSweep = () =>
    sweepPendingSessions(context).catch((error: unknown) =>
      logger.warn({ err: error }, 'sweep failed; will try again'),
    );
  void runSweep();
  const sweeper = setInterval(runSweep, intervalMs);
  // The sweeper alone must not keep the process alive.
  sweeper.unref();
  return () => clearInterval(sweeper);
}
