--[[
  Drops the oldest messages in favour of a summary, only if the last of them is still the one the summary
  was made from (prelude.lua runs first).

  Input:
    KEYS[1] history list   <prefix>:{s:<sessionId>}:history
    KEYS[2] meta hash      <prefix>:{s:<sessionId>}:meta

    ARGV[1] dropCount: how many of the oldest messages go
    ARGV[2] the last of them as JSON, byte for byte as stored
    ARGV[3] their tokens (taken off historyTokens)
    ARGV[4] the new summary
    ARGV[5] ttlMs; 0 for no retention
    ARGV[6] '1' when usage follows, else '0'
    ARGV[7] prompt tokens
    ARGV[8] completion tokens
    ARGV[9] cost in micro-USD

  Output: 1 when applied, 0 (nothing changed) when refused, or an error reply (nothing written) when the
  stored session is corrupt.
]]

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
