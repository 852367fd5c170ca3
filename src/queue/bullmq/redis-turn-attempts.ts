import type { Cluster, Redis } from 'ioredis';
import type { PostedMessage } from '../../turn/reply-channel.ts';
import type { TurnAttempts } from '../run-turn-attempt.ts';

/**
 * Runs and posted replies of a session's turns in its `replies` hash (`a:<seq>` and `<seq>`), so they survive a
 * crashed worker and a re-run elsewhere counts on. `pop-turn-if-head-2.lua` forgets both when it pops the turn.
 */
export function redisTurnAttempts(redis: Redis | Cluster, repliesKey: string): TurnAttempts {
  return {
    async begin(seq) {
      const attempt = await redis.hincrby(repliesKey, `a:${seq}`, 1);
      const recorded = await redis.hget(repliesKey, String(seq));
      return { attempt, previousReplies: recorded ? (JSON.parse(recorded) as PostedMessage[]) : [] };
    },
    async record(seq, posted) {
      await redis.hset(repliesKey, String(seq), JSON.stringify(posted));
    },
  };
}
