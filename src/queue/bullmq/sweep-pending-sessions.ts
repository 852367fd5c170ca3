import type { Cluster, Redis } from 'ioredis';
import type { Logger } from '../../app/logger.ts';
import { mailboxKeys, pendingSessionsKey } from './mailbox-keys.ts';

/** What the sweeper needs. */
export interface SweepContext {
  /** Our own connection. */
  redis: Redis | Cluster;
  /** Prefix of every key. */
  prefix: string;
  /** The queue shard whose pending set this sweeps (0 when absent). */
  shard?: number;
  /** Shards in that shard's layout (1 when absent). */
  shards?: number;
  /** True once the queue is closing: the sweep stops. */
  isClosing(): boolean;
  /** Asks for a drain of the session, in its shard (de-duplicated, so waking a session already queued is harmless). */
  wake(sessionId: string): Promise<void>;
}

/** Sessions looked at together: their commands go out at once, and bound what a sweep holds in memory. */
const BATCH = 500;

/**
 * Wakes every session in the pending set that still has turns and drops the empty ones (DESIGN §3, step 7):
 * covers a crash between an enqueue's push and its wake-up. Sessions are looked at a batch at a time, with their
 * commands sent together, so a sweep of 10,000 pending sessions costs tens of round trips, not tens of thousands.
 */
export async function sweepPendingSessions(context: SweepContext): Promise<void> {
  const { redis } = context;
  const pendingKey = pendingSessionsKey(context.prefix, context.shard, context.shards);
  const lengthsOf = (sessionIds: string[]) =>
    Promise.all(sessionIds.map((sessionId) => redis.llen(mailboxKeys(context.prefix, sessionId).mailbox)));
  const sessionIds = await redis.smembers(pendingKey);
  for (let start = 0; start < sessionIds.length; start += BATCH) {
    if (context.isClosing()) return;
    const batch = sessionIds.slice(start, start + BATCH);
    const lengths = await lengthsOf(batch);
    const busy = batch.filter((_, index) => lengths[index] !== 0);
    const empty = batch.filter((_, index) => lengths[index] === 0);
    if (empty.length > 0) {
      await redis.srem(pendingKey, ...empty);
      // An enqueue may have pushed between the check and the removal (the two keys cannot share a script
      // on Redis Cluster): look again, and keep those sessions.
      const again = await lengthsOf(empty);
      const refilled = empty.filter((_, index) => again[index] !== 0);
      if (refilled.length > 0) await redis.sadd(pendingKey, ...refilled);
      busy.push(...refilled);
    }
    await Promise.all(busy.map((sessionId) => context.wake(sessionId)));
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
