import type { Turn } from '../../turn/turn.ts';
import { amendmentOf } from '../amend-waiting-turn.ts';
import type { KeyedSerial } from '../keyed-serial.ts';
import type { EnqueueResult } from '../turn-queue.ts';
import type { MailboxRedis } from './mailbox-commands.ts';
import { mailboxKeys, pendingSessionsKey, shardOf } from './mailbox-keys.ts';

/** What the enqueue side of the BullMQ queue needs. */
export interface EnqueueTurnContext {
  /** Our own connection, with the mailbox scripts. */
  redis: MailboxRedis;
  /** Prefix of every key. */
  prefix: string;
  /** How long an enqueued turn id is remembered for de-duplication. */
  dedupTtlSeconds: number;
  /** Retention in ms (the history's): TTL of the session's counter and mailbox; 0 for none. */
  retentionMs: number;
  /** Last committed seq of a session, where the numbering of a session new to Redis starts. */
  committedSeq(sessionId: string): Promise<number>;
  /** Asks for a drain of the session. */
  wake(sessionId: string): Promise<void>;
  /** Numbers a session's turns one at a time, so concurrent enqueues of one session keep their call order. */
  inOrder: KeyedSerial;
  /** Shards of the wake-up queue: the session's pending mark goes to its shard's set. */
  shards: number;
}

/**
 * Puts a turn in its session's mailbox (DESIGN §3, steps 1 and 2), then wakes the session. An edit or delete of a
 * turn still waiting behind the head changes that turn instead (see amend-waiting-turn.ts).
 */
export async function enqueueTurn(context: EnqueueTurnContext, turn: Turn): Promise<EnqueueResult> {
  const { redis } = context;
  const keys = mailboxKeys(context.prefix, turn.sessionId);
  const json = JSON.stringify(turn);
  const amendment = amendmentOf(turn);
  const run = (startAfter: number) =>
    redis.parleyEnqueue(
      keys.dedup(turn.id),
      keys.seq,
      keys.mailbox,
      json,
      context.dedupTtlSeconds,
      startAfter,
      context.retentionMs,
      amendment?.action ?? '',
      amendment?.targetRef ?? '',
      JSON.stringify(amendment?.text ?? ''),
    );
  // Pending first: whatever fails after the push below (a crash, a Redis error), the sweeper still finds
  // the session. Marked after the push, a failure in between stranded the turn: the caller's retry is
  // de-duplicated, so nothing else would ever mark or wake the session.
  // One at a time per session: on a Cluster the pending set and the mailbox are on different nodes, so two turns'
  // scripts could otherwise reach the mailbox in another order than their enqueues were made.
  // The store's committed seq is read beside the pending mark (one write on the shared, auto-pipelining
  // connection) and handed to the script, which numbers from it only when the session has no counter: a new
  // session's first turn (every new Slack thread) is numbered in one call rather than a call, a lookup and a
  // second call. Without a counter no turn of the session is in flight, so that seq cannot move meanwhile.
  const seq = await context.inOrder(turn.sessionId, async () => {
    const [, committed] = await Promise.all([
      redis.sadd(
        pendingSessionsKey(context.prefix, shardOf(turn.sessionId, context.shards), context.shards),
        turn.sessionId,
      ),
      context.committedSeq(turn.sessionId),
    ]);
    return run(committed);
  });
  // A repeat may be the caller retrying after our own failure past the push: wake anyway (de-duplicated,
  // and a drain of an empty mailbox does nothing), so its turn does not wait for the next sweep.
  await context.wake(turn.sessionId);
  if (seq === 0) return { accepted: false, seq: undefined };
  if (seq === -2) return { accepted: true, seq: undefined, amendedQueued: true };
  return { accepted: true, seq };
}
