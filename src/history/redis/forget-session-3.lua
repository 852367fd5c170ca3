--[[
  Deletes a session's history, meta and images except committedSeq, whatever state they are in: it runs without
  prelude.lua and its checks, so a corrupt session can still be forgotten. The session index ({idx}, another
  hash slot) is updated by the caller afterwards.

  Input:
    KEYS[1] history list   <prefix>:{s:<sessionId>}:history
    KEYS[2] meta hash      <prefix>:{s:<sessionId>}:meta
    KEYS[3] images set     <prefix>:{s:<sessionId>}:images   (the image keys it names are deleted with it;
                           same hash tag, so same slot)

    ARGV[1] ttlMs; 0 for no retention (applies to the kept committedSeq)

  Output: the scope ID the session was stored under ('' if none).
]]

local committedSeq = false
local scopeId = ''
if redis.call('TYPE', KEYS[2])['ok'] == 'hash' then
  local fields = redis.call('HMGET', KEYS[2], 'committedSeq', 'scopeId')
  committedSeq = fields[1]
  scopeId = fields[2] or ''
end
if redis.call('TYPE', KEYS[3])['ok'] == 'set' then
  local imageKeys = redis.call('SMEMBERS', KEYS[3])
  for index = 1, #imageKeys, 1000 do
    redis.call('DEL', unpack(imageKeys, index, math.min(index + 999, #imageKeys)))
  end
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
if committedSeq then
  redis.call('HSET', KEYS[2], 'committedSeq', committedSeq)
  if tonumber(ARGV[1]) > 0 then redis.call('PEXPIRE', KEYS[2], ARGV[1]) end
end
return scopeId
