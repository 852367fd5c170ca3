import type { Cluster, Redis } from 'ioredis';
import { checkTransaction } from '../../history/redis/check-transaction.ts';
import type { PostedMessage } from '../../turn/reply-channel.ts';
import type { TurnAttempts } from '../run-turn-attempt.ts';

/**
 * Runs and posted replies of a session's turns live in its `replies` hash (`a:<seq>` and `<seq>`), so they survive
 * a crashed worker and a re-run elsewhere counts on. `claim-head-2.lua` counts a run and reads the replies as it
 * reads the head; this records what a run posted. `pop-turn-if-head-3.lua` forgets both when it pops the turn;
 * with retention (`retentionMs` > 0) every write also restarts the hash's TTL, in the same transaction, so a
 * turn never popped (its mailbox expired) leaves nothing behind either.
 */
export function recordPostedReplies(
  redis: Redis | Cluster,
  repliesKey: string,
  retentionMs = 0,
): TurnAttempts['record'] {
  return async (seq, posted: PostedMessage[]) => {
    const json = JSON.stringify(posted);
    if (retentionMs <= 0) {
      await redis.hset(repliesKey, String(seq), json);
      return;
    }
    checkTransaction(
      await redis.multi().hset(repliesKey, String(seq), json).pexpire(repliesKey, retentionMs).exec(),
    );
  };
}
