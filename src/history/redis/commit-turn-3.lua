--[[
  Applies one processed turn to its session, at most once per seq (prelude.lua runs first).

  Input:
    KEYS[1] history list   <prefix>:{s:<sessionId>}:history
    KEYS[2] meta hash      <prefix>:{s:<sessionId>}:meta
    KEYS[3] images set     <prefix>:{s:<sessionId>}:images   (a reset deletes the image keys it names, and
                           with retention a commit renews them)

    ARGV[1]  seq; ignored unless above the stored committedSeq
    ARGV[2]  reset first: '' (none), 'clear' (history, summary, response chain, images) or 'forget' (all but
             the seq)
    ARGV[3]  now, ms since epoch (lastActiveAt)
    ARGV[4]  ttlMs; 0 for no retention
    ARGV[5]  '1' when usage follows, else '0'
    ARGV[6]  prompt tokens
    ARGV[7]  completion tokens
    ARGV[8]  cost in micro-USD
    ARGV[9]  tokens of the appended messages (added to historyTokens)
    ARGV[10] responseId action: 'keep', 'set' or 'delete'
    ARGV[11] responseId (with 'set')
    ARGV[12] scopeId to remember; '' for none
    ARGV[13] dropLast: how many of the newest messages to remove before appending (ignored with a reset)
    ARGV[14…] the messages to append, as JSON

  dropLast counts messages as the readers see them: entries that are not messages are skipped in the count,
  and those among or after the dropped messages go with them (the list is cut where the oldest of them is).

  Output: {1, scopeId stored before} when applied, {0, ''} when the seq was already committed, or an
  error reply (nothing written) when the stored session is corrupt.
]]

-- Where the newest `count` messages begin (the index from the head of the oldest of them; the length when there
-- is none), and the sum of their tokens.
local function newestMessages(history, count)
  local stop = redis.call('LLEN', history) - 1
  local cut = stop + 1
  local found, tokens = 0, 0
  while stop >= 0 and found < count do
    local start = math.max(0, stop - 99)
    local page = redis.call('LRANGE', history, start, stop)
    for offset = #page, 1, -1 do
      local message = decodeMessage(page[offset])
      if message then
        found = found + 1
        tokens = tokens + messageTokens(message)
        cut = start + offset - 1
        if found == count then break end
      end
    end
    stop = start - 1
  end
  return cut, tokens
end

local counters, failure = readSession(KEYS[1], KEYS[2])
if failure then return failure end
if tonumber(ARGV[1]) <= counters.committedSeq then return {0, ''} end
local imageKeys, imagesFailure = readImageKeys(KEYS[3])
if imagesFailure then return imagesFailure end
local previousScope = redis.call('HGET', KEYS[2], 'scopeId') or ''
local historyTokens = counters.historyTokens
if ARGV[2] == 'forget' then
  -- committedSeq is written again below, so numbering stays monotonic.
  redis.call('DEL', KEYS[1], KEYS[2])
  deleteImages(KEYS[3], imageKeys)
  historyTokens = 0
elseif ARGV[2] == 'clear' then
  -- A reset conversation cannot continue a server-side response chain either.
  redis.call('DEL', KEYS[1])
  redis.call('HDEL', KEYS[2], 'summary', 'responseId')
  deleteImages(KEYS[3], imageKeys)
  historyTokens = 0
elseif tonumber(ARGV[13]) > 0 then
  local cut, droppedTokens = newestMessages(KEYS[1], tonumber(ARGV[13]))
  if cut == 0 then
    redis.call('DEL', KEYS[1])
  else
    redis.call('LTRIM', KEYS[1], 0, cut - 1)
  end
  historyTokens = math.max(0, historyTokens - droppedTokens)
end
if ARGV[5] == '1' then addUsage(KEYS[2], ARGV[6], ARGV[7], ARGV[8]) end
pushFrom(KEYS[1], 14)
if ARGV[10] == 'set' then
  redis.call('HSET', KEYS[2], 'responseId', ARGV[11])
elseif ARGV[10] == 'delete' then
  redis.call('HDEL', KEYS[2], 'responseId')
end
if ARGV[12] ~= '' then redis.call('HSET', KEYS[2], 'scopeId', ARGV[12]) end
redis.call('HSET', KEYS[2], 'historyTokens', historyTokens + tonumber(ARGV[9]), 'lastActiveAt', ARGV[3], 'committedSeq', ARGV[1])
applyTtl(KEYS[1], KEYS[2], ARGV[4])
if ARGV[2] == '' then renewImages(KEYS[3], imageKeys, ARGV[4]) end
return {1, previousScope}
