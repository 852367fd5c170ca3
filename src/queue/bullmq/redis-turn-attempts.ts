import type { Cluster, Redis } from 'ioredis';
import { checkTransaction } from '../../history/redis/check-transaction.ts';
import type { PostedMessage } from '../../turn/reply-channel.ts';
import type { TurnAttempts } from '../run-turn-attempt.ts';

/**
 * Runs and posted replies of a session's turns in its `replies` hash (`a:<seq>` and `<seq>`), so they survive a
 * crashed worker and a re-run elsewhere counts on. `pop-turn-if-head-3.lua` forgets both when it pops the turn;
 * with retention (`retentionMs` > 0) every write also restarts the hash's TTL, in the same transaction, so a
 * turn never popped (its mailbox expired) leaves nothing behind either.
 */
export function redisTurnAttempts(redis: Redis | Cluster, repliesKey: string, retentionMs = 0): TurnAttempts {
  return {
    async begin(seq) {
      const transaction = redis.multi().hincrby(repliesKey, `a:${seq}`, 1);
      if (retentionMs > 0) transaction.pexpire(repliesKey, retentionMs);
      const results = checkTransaction(await transaction.hget(repliesKey, String(seq)).exec());
      const attempt = Number(results[0]?.[1]);
      const recorded = results.at(-1)?.[1] as string | null;
      return { attempt, previousReplies: recorded ? (JSON.parse(recorded) as PostedMessage[]) : [] };
    },
    async record(seq, posted) {
      const transaction = redis.multi().hset(repliesKey, String(seq), JSON.stringify(posted));
      if (retentionMs > 0) transaction.pexpire(repliesKey, retentionMs);
      checkTransaction(await transaction.exec());
    },
  };
}
