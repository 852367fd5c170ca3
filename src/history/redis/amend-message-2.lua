--[[
  Replaces or removes the stored message whose ref is ARGV[1] (an edited or deleted platform message), looking
  through the newest ARGV[2] entries from the end; prelude.lua runs first.

  Input:
    KEYS[1] history list   <prefix>:{s:<sessionId>}:history
    KEYS[2] meta hash      <prefix>:{s:<sessionId>}:meta

    ARGV[1] the ref to find (StoredMessage.ref)
    ARGV[2] searchLimit: how many of the newest entries to look through
    ARGV[3] ttlMs; 0 for no retention
    ARGV[4] the replacement message as JSON; '' removes the message
    ARGV[5] tokens of the replacement (0 when removing)

  Entries that are not messages are skipped and left in place, as the readers skip them: they neither match
  nor count in the position.

  Output: the message's position from the end before the change, counting messages only (0 = the newest), or
  -1 when none of the entries searched holds it (nothing written); an error reply (nothing written) when the
  stored session is corrupt.
]]

-- The newest message with `ref` among the newest `limit` entries: its index from the head, the entry as stored,
-- the decoded message and its position from the end; nil when there is none. Pages from the tail, reading only
-- as far as needed.
local function findByRef(history, ref, limit)
  local length = redis.call('LLEN', history)
  local oldest = math.max(0, length - limit)
  local position = 0
  local stop = length - 1
  while stop >= oldest do
    local start = math.max(oldest, stop - 99)
    local page = redis.call('LRANGE', history, start, stop)
    for offset = #page, 1, -1 do
      local message = decodeMessage(page[offset])
      if message then
        if message.ref == ref then return start + offset - 1, page[offset], message, position end
        position = position + 1
      end
    end
    stop = start - 1
  end
  return nil
end

local counters, failure = readSession(KEYS[1], KEYS[2])
if failure then return failure end
local index, entry, message, position = findByRef(KEYS[1], ARGV[1], tonumber(ARGV[2]))
if not index then return -1 end
if ARGV[4] == '' then
  -- LREM removes by value, counting from the tail: the first entry from the tail with these bytes is this one,
  -- as any newer copy of it would have matched first.
  redis.call('LREM', KEYS[1], -1, entry)
else
  redis.call('LSET', KEYS[1], index, ARGV[4])
end
local historyTokens = counters.historyTokens - messageTokens(message) + tonumber(ARGV[5])
-- An absent field reads as 0; leaving none keeps an emptied session from lingering as a meta hash.
if historyTokens > 0 then
  redis.call('HSET', KEYS[2], 'historyTokens', historyTokens)
else
  redis.call('HDEL', KEYS[2], 'historyTokens')
end
applyTtl(KEYS[1], KEYS[2], ARGV[3])
return position
