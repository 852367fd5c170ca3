import type { Redis } from 'ioredis';
import type { UsageCounters } from '../argument-checks.ts';

/**
 * Lua shared by the session scripts. KEYS are always the session's `history` list and `meta` hash (one hash
 * slot). Redis does not roll a script back when a command in it fails, so every check that could fail on
 * bad stored data (wrong key type, non-integer counters) runs before the first write: a failed call writes
 * nothing and can simply be retried.
 */
const PRELUDE = `
local COUNTERS = {'committedSeq', 'promptTokens', 'completionTokens', 'costMicroUsd', 'calls', 'historyTokens'}

-- The session's integer counters (absent = 0), or an error reply when the stored data is not what we wrote.
local function readSession(history, meta)
  local historyType = redis.call('TYPE', history)['ok']
  if historyType ~= 'list' and historyType ~= 'none' then
    return nil, redis.error_reply('WRONGTYPE ' .. history .. ' holds a ' .. historyType .. ', not a list')
  end
  local values = redis.call('HMGET', meta, unpack(COUNTERS))
  local counters = {}
  for index, name in ipairs(COUNTERS) do
    local value = values[index]
    if value and not string.match(value, '^%d+$') then
      return nil, redis.error_reply('ERR corrupt session meta ' .. meta .. ': ' .. name .. ' is not an integer')
    end
    counters[name] = tonumber(value or '0')
  end
  return counters
end

-- Retention: with a TTL every write restarts the session's clock; without one, none is left behind.
local function applyTtl(history, meta, ttl)
  if tonumber(ttl) > 0 then
    redis.call('PEXPIRE', history, ttl)
    redis.call('PEXPIRE', meta, ttl)
  else
    redis.call('PERSIST', history)
    redis.call('PERSIST', meta)
  end
end

-- unpack() is bounded by the Lua C stack, so push long batches in slices.
local function pushFrom(history, first)
  for index = first, #ARGV, 1000 do
    redis.call('RPUSH', history, unpack(ARGV, index, math.min(index + 999, #ARGV)))
  end
end

local function addUsage(meta, promptTokens, completionTokens, costMicroUsd)
  redis.call('HINCRBY', meta, 'promptTokens', promptTokens)
  redis.call('HINCRBY', meta, 'completionTokens', completionTokens)
  redis.call('HINCRBY', meta, 'costMicroUsd', costMicroUsd)
  redis.call('HINCRBY', meta, 'calls', 1)
end
`;

/**
 * Applies one turn, at most once per seq. ARGV: seq, reset ('' | clear | forget), now, ttlMs, hasUsage,
 * promptTokens, completionTokens, costMicroUsd, addedTokens, responseId action (keep | set | delete),
 * responseId, scopeId ('' = none), then the messages as JSON. Returns {applied, scopeId stored before}.
 */
const COMMIT_TURN_LUA = `${PRELUDE}
local counters, failure = readSession(KEYS[1], KEYS[2])
if failure then return failure end
if tonumber(ARGV[1]) <= counters.committedSeq then return {0, ''} end
local previousScope = redis.call('HGET', KEYS[2], 'scopeId') or ''
local historyTokens = counters.historyTokens
if ARGV[2] == 'forget' then
  -- committedSeq is written again below, so numbering stays monotonic.
  redis.call('DEL', KEYS[1], KEYS[2])
  historyTokens = 0
elseif ARGV[2] == 'clear' then
  -- A reset conversation cannot continue a server-side response chain either.
  redis.call('DEL', KEYS[1])
  redis.call('HDEL', KEYS[2], 'summary', 'responseId')
  historyTokens = 0
end
if ARGV[5] == '1' then addUsage(KEYS[2], ARGV[6], ARGV[7], ARGV[8]) end
pushFrom(KEYS[1], 13)
if ARGV[10] == 'set' then
  redis.call('HSET', KEYS[2], 'responseId', ARGV[11])
elseif ARGV[10] == 'delete' then
  redis.call('HDEL', KEYS[2], 'responseId')
end
if ARGV[12] ~= '' then redis.call('HSET', KEYS[2], 'scopeId', ARGV[12]) end
redis.call('HSET', KEYS[2], 'historyTokens', historyTokens + tonumber(ARGV[9]), 'lastActiveAt', ARGV[3], 'committedSeq', ARGV[1])
applyTtl(KEYS[1], KEYS[2], ARGV[4])
return {1, previousScope}
`;

/** Appends outside the turn flow. ARGV: ttlMs, addedTokens, then the messages as JSON. */
const APPEND_LUA = `${PRELUDE}
local counters, failure = readSession(KEYS[1], KEYS[2])
if failure then return failure end
pushFrom(KEYS[1], 3)
redis.call('HINCRBY', KEYS[2], 'historyTokens', ARGV[2])
applyTtl(KEYS[1], KEYS[2], ARGV[1])
return 1
`;

/** Replaces the whole history. ARGV: ttlMs, totalTokens, then the messages as JSON. */
const REPLACE_LUA = `${PRELUDE}
local counters, failure = readSession(KEYS[1], KEYS[2])
if failure then return failure end
redis.call('DEL', KEYS[1])
pushFrom(KEYS[1], 3)
-- An absent field reads as 0; leaving none keeps an emptied session from lingering as a meta hash.
if tonumber(ARGV[2]) > 0 then
  redis.call('HSET', KEYS[2], 'historyTokens', ARGV[2])
else
  redis.call('HDEL', KEYS[2], 'historyTokens')
end
applyTtl(KEYS[1], KEYS[2], ARGV[1])
return 1
`;

/** Deletes history, summary and response chain; keeps persona, usage and committed seq. No ARGV. */
const CLEAR_LUA = `${PRELUDE}
local counters, failure = readSession(KEYS[1], KEYS[2])
if failure then return failure end
redis.call('DEL', KEYS[1])
redis.call('HDEL', KEYS[2], 'summary', 'responseId', 'historyTokens')
return 1
`;

/**
 * Drops the oldest messages in favour of a summary, only if the last of them is still the one the summary
 * was made from. ARGV: dropCount, that message as JSON, droppedTokens, summary, ttlMs, hasUsage,
 * promptTokens, completionTokens, costMicroUsd. Returns 1 when applied, 0 (nothing changed) when refused.
 */
const COMPACT_LUA = `${PRELUDE}
local counters, failure = readSession(KEYS[1], KEYS[2])
if failure then return failure end
local dropCount = tonumber(ARGV[1])
if redis.call('LINDEX', KEYS[1], dropCount - 1) ~= ARGV[2] then return 0 end
redis.call('LTRIM', KEYS[1], dropCount, -1)
local historyTokens = counters.historyTokens - tonumber(ARGV[3])
if historyTokens < 0 then historyTokens = 0 end
redis.call('HSET', KEYS[2], 'summary', ARGV[4], 'historyTokens', historyTokens)
if ARGV[6] == '1' then addUsage(KEYS[2], ARGV[7], ARGV[8], ARGV[9]) end
applyTtl(KEYS[1], KEYS[2], ARGV[5])
return 1
`;

/**
 * Deletes the session's history and meta except `committedSeq`, whatever state they are in (a corrupt
 * session can still be forgotten). ARGV: ttlMs. Returns the scope ID it was stored under ('' if none).
 */
const FORGET_LUA = `
local committedSeq = false
local scopeId = ''
if redis.call('TYPE', KEYS[2])['ok'] == 'hash' then
  local fields = redis.call('HMGET', KEYS[2], 'committedSeq', 'scopeId')
  committedSeq = fields[1]
  scopeId = fields[2] or ''
end
redis.call('DEL', KEYS[1], KEYS[2])
if committedSeq then
  redis.call('HSET', KEYS[2], 'committedSeq', committedSeq)
  if tonumber(ARGV[1]) > 0 then redis.call('PEXPIRE', KEYS[2], ARGV[1]) end
end
return scopeId
`;

/** Usage to add, with cost already in integer micro-USD (as `checkUsage` returns it). */
type ScriptUsage = UsageCounters;

/** Arguments of the commit script after its two keys. */
export interface CommitTurnArguments {
  /** The turn's seq. */
  seq: number;
  /** Empty the history (`clear`) or everything but the committed seq (`forget`) first. */
  reset?: 'clear' | 'forget';
  /** Commit time, ms since epoch. */
  now: number;
  /** Retention in ms; 0 for none. */
  ttlMs: number;
  /** Usage to add; absent when no model call was made. */
  usage?: ScriptUsage;
  /** Sum of the appended messages' tokens. */
  addedTokens: number;
  /** Response to continue next: a string sets it, `null` deletes it, absent keeps it. */
  responseId?: string | null;
  /** Scope to remember for the session, if any. */
  scopeId?: string;
  /** Messages to append, already serialised. */
  messages: string[];
}

/** Arguments of the compaction script after its two keys. */
export interface CompactArguments {
  dropCount: number;
  /** The last dropped message, serialised exactly as stored. */
  lastDropped: string;
  droppedTokens: number;
  summary: string;
  ttlMs: number;
  usage?: ScriptUsage;
}

/** Typed callers of the session scripts; every call takes the session's `history` and `meta` keys. */
export interface HistoryScripts {
  /** Resolves whether the turn was applied, and the scope ID the session was stored under before. */
  commitTurn(
    history: string,
    meta: string,
    args: CommitTurnArguments,
  ): Promise<{ applied: boolean; previousScopeId: string }>;
  append(
    history: string,
    meta: string,
    ttlMs: number,
    addedTokens: number,
    messages: string[],
  ): Promise<void>;
  replace(
    history: string,
    meta: string,
    ttlMs: number,
    totalTokens: number,
    messages: string[],
  ): Promise<void>;
  clear(history: string, meta: string): Promise<void>;
  /** Resolves whether the compaction was applied. */
  compact(history: string, meta: string, args: CompactArguments): Promise<boolean>;
  /** Resolves the scope ID the session was stored under ('' if none). */
  forget(history: string, meta: string, ttlMs: number): Promise<string>;
}

type RawScript = (history: string, meta: string, ...argv: (string | number)[]) => Promise<unknown>;

/**
 * Defines the scripts on `redis` (EVALSHA, with ioredis falling back to EVAL once per connection when the
 * server does not know a script yet, e.g. after a restart). Command names are distinctive because the
 * client may be shared.
 */
export function defineHistoryScripts(redis: Redis): HistoryScripts {
  const define = (name: string, lua: string): RawScript => {
    redis.defineCommand(name, { numberOfKeys: 2, lua });
    const raw = (redis as unknown as Record<string, RawScript>)[name]!;
    return (history, meta, ...argv) => raw.call(redis, history, meta, ...argv);
  };
  const commitTurn = define('parleyHistoryCommitTurn', COMMIT_TURN_LUA);
  const append = define('parleyHistoryAppend', APPEND_LUA);
  const replace = define('parleyHistoryReplace', REPLACE_LUA);
  const clear = define('parleyHistoryClear', CLEAR_LUA);
  const compact = define('parleyHistoryCompact', COMPACT_LUA);
  const forget = define('parleyHistoryForget', FORGET_LUA);
  const usageArguments = (usage: ScriptUsage | undefined) => [
    usage ? 1 : 0,
    usage?.promptTokens ?? 0,
    usage?.completionTokens ?? 0,
    usage?.costMicroUsd ?? 0,
  ];

  return {
    async commitTurn(history, meta, args) {
      const responseAction =
        args.responseId === undefined ? 'keep' : args.responseId === null ? 'delete' : 'set';
      const [applied, previousScopeId] = (await commitTurn(
        history,
        meta,
        args.seq,
        args.reset ?? '',
        args.now,
        args.ttlMs,
        ...usageArguments(args.usage),
        args.addedTokens,
        responseAction,
        args.responseId ?? '',
        args.scopeId ?? '',
        ...args.messages,
      )) as [number, string];
      return { applied: applied === 1, previousScopeId };
    },
    async append(history, meta, ttlMs, addedTokens, messages) {
      await append(history, meta, ttlMs, addedTokens, ...messages);
    },
    async replace(history, meta, ttlMs, totalTokens, messages) {
      await replace(history, meta, ttlMs, totalTokens, ...messages);
    },
    async clear(history, meta) {
      await clear(history, meta);
    },
    async compact(history, meta, args) {
      const applied = await compact(
        history,
        meta,
        args.dropCount,
        args.lastDropped,
        args.droppedTokens,
        args.summary,
        args.ttlMs,
        ...usageArguments(args.usage),
      );
      return applied === 1;
    },
    async forget(history, meta, ttlMs) {
      return String(await forget(history, meta, ttlMs));
    },
  };
}
