--[[
  Marks a scope forgotten before a point in time (the `/forget` turn's receipt), the first step of
  `forgetScope`: turns of the scope received before the mark are not run by the queues, and a commit of one
  leaves nothing. The mark only ever moves forward, so an older forget run again cannot undo a newer one. It
  runs without prelude.lua (it touches no history or meta).

  Input:
    KEYS[1] forget mark    <prefix>:{s:<scopeId>}:forgotten   string, ms since epoch

    ARGV[1] the mark, ms since epoch
    ARGV[2] ttlMs; 0 for no retention (the mark then stays, one short key per forgotten scope)

  Output: the mark now stored (the greater of the old and ARGV[1]), as a string.
]]

local stored = redis.call('GET', KEYS[1])
local mark = ARGV[1]
if stored and tonumber(stored) and tonumber(stored) >= tonumber(mark) then
  mark = stored
else
  redis.call('SET', KEYS[1], mark)
end
if tonumber(ARGV[2]) > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
else
  redis.call('PERSIST', KEYS[1])
end
return mark
