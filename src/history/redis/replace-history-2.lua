--[[
  Replaces a session's whole history (import) and records the session under its scope, as a commit does, so
  the caller can put it in the session index; prelude.lua runs first.

  Input:
    KEYS[1] history list   <prefix>:{s:<sessionId>}:history
    KEYS[2] meta hash      <prefix>:{s:<sessionId>}:meta

    ARGV[1]  ttlMs; 0 for no retention
    ARGV[2]  tokens of the messages (the new historyTokens)
    ARGV[3]  scopeId to remember; '' keeps the one stored
    ARGV[4]  now, ms since epoch (lastActiveAt)
    ARGV[5…] the messages, as JSON

  Output: the scopeId stored before ('' for none), or an error reply (nothing written) when the stored
  session is corrupt.
]]

local counters, failure = readSession(KEYS[1], KEYS[2])
if failure then return failure end
local previousScope = redis.call('HGET', KEYS[2], 'scopeId') or ''
redis.call('DEL', KEYS[1])
pushFrom(KEYS[1], 5)
if ARGV[3] ~= '' then redis.call('HSET', KEYS[2], 'scopeId', ARGV[3]) end
redis.call('HSET', KEYS[2], 'lastActiveAt', ARGV[4])
-- An absent field reads as 0; leaving none keeps an emptied session from lingering as a meta hash.
if tonumber(ARGV[2]) > 0 then
  redis.call('HSET', KEYS[2], 'historyTokens', ARGV[2])
else
  redis.call('HDEL', KEYS[2], 'historyTokens')
end
applyTtl(KEYS[1], KEYS[2], ARGV[1])
return previousScope
