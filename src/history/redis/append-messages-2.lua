--[[
  Appends messages outside the turn flow (imports, thread backfill); prelude.lua runs first.

  Input:
    KEYS[1] history list   <prefix>:{s:<sessionId>}:history
    KEYS[2] meta hash      <prefix>:{s:<sessionId>}:meta

    ARGV[1]  ttlMs; 0 for no retention
    ARGV[2]  tokens of the messages (added to historyTokens)
    ARGV[3…] the messages, as JSON

  Output: 1, or an error reply (nothing written) when the stored session is corrupt.
]]

local counters, failure = readSession(KEYS[1], KEYS[2])
if failure then return failure end
pushFrom(KEYS[1], 3)
redis.call('HINCRBY', KEYS[2], 'historyTokens', ARGV[2])
applyTtl(KEYS[1], KEYS[2], ARGV[1])
return 1
