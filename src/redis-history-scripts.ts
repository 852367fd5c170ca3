import type { Redis } from 'ioredis';

/**
 * Applies one turn to a session's `history` list and `meta` hash, at most once per seq.
 * KEYS: history, meta. ARGV: seq, clear (0|1), now (ms), hasUsage (0|1), promptTokens, completionTokens,
 * costMicroUsd, then the messages as JSON. Returns 1 when applied, 0 when seq was not above committedSeq.
 * Redis does not roll a script back when a command in it fails, so every check that could fail on bad
 * stored data (wrong key type, non-integer counters) runs before the first write: a failed commit writes
 * nothing and can simply be retried.
 */
const COMMIT_TURN_LUA = `
local meta = redis.call('HMGET', KEYS[2], 'committedSeq', 'promptTokens', 'completionTokens', 'costMicroUsd', 'calls')
for index, value in ipairs(meta) do
  if value and not string.match(value, '^%d+$') then
    return redis.error_reply('ERR corrupt session meta ' .. KEYS[2] .. ': field ' .. index .. ' is not an integer')
  end
end
local historyType = redis.call('TYPE', KEYS[1])['ok']
if historyType ~= 'list' and historyType ~= 'none' then
  return redis.error_reply('WRONGTYPE ' .. KEYS[1] .. ' holds a ' .. historyType .. ', not a list')
end
if tonumber(ARGV[1]) <= tonumber(meta[1] or '0') then return 0 end
if ARGV[4] == '1' then
  redis.call('HINCRBY', KEYS[2], 'promptTokens', ARGV[5])
  redis.call('HINCRBY', KEYS[2], 'completionTokens', ARGV[6])
  redis.call('HINCRBY', KEYS[2], 'costMicroUsd', ARGV[7])
  redis.call('HINCRBY', KEYS[2], 'calls', 1)
end
if ARGV[2] == '1' then
  redis.call('DEL', KEYS[1])
  redis.call('HDEL', KEYS[2], 'summary')
end
-- unpack() is bounded by the Lua C stack, so push long batches in slices.
for first = 8, #ARGV, 1000 do
  redis.call('RPUSH', KEYS[1], unpack(ARGV, first, math.min(first + 999, #ARGV)))
end
redis.call('HSET', KEYS[2], 'lastActiveAt', ARGV[3], 'committedSeq', ARGV[1])
return 1
`;

/** Name under which the commit script is defined on the client; distinctive because the client may be shared. */
const COMMIT_TURN_COMMAND = 'parleyHistoryCommitTurn';

/** Arguments of the commit script after its two keys, in ARGV order. */
export interface CommitTurnArguments {
  /** The turn's seq. */
  seq: number;
  /** Clear history and summary first. */
  clear: boolean;
  /** Commit time, ms since epoch. */
  now: number;
  /** Usage to add, with cost already in micro-USD; absent when no model call was made. */
  usage?: { promptTokens: number; completionTokens: number; costMicroUsd: number };
  /** Messages to append, already serialised. */
  messages: string[];
}

/** Runs the commit script; resolves true when the turn was applied. */
export type CommitTurnScript = (history: string, meta: string, args: CommitTurnArguments) => Promise<boolean>;

type RawCommitTurn = (history: string, meta: string, ...argv: (string | number)[]) => Promise<number>;

/**
 * Defines the commit script on `redis` (EVALSHA, with ioredis falling back to EVAL once per connection
 * when the server does not know the script yet, e.g. after a restart) and returns a typed caller.
 */
export function defineCommitTurnScript(redis: Redis): CommitTurnScript {
  redis.defineCommand(COMMIT_TURN_COMMAND, { numberOfKeys: 2, lua: COMMIT_TURN_LUA });
  const raw = (redis as unknown as Record<typeof COMMIT_TURN_COMMAND, RawCommitTurn>)[COMMIT_TURN_COMMAND];
  return async (history, meta, { seq, clear, now, usage, messages }) => {
    const applied = await raw.call(
      redis,
      history,
      meta,
      seq,
      clear ? 1 : 0,
      now,
      usage ? 1 : 0,
      usage?.promptTokens ?? 0,
      usage?.completionTokens ?? 0,
      usage?.costMicroUsd ?? 0,
      ...messages,
    );
    return applied === 1;
  };
}
