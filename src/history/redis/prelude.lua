--[[
  Helpers shared by the session scripts; history-scripts.ts prepends this file to every script that calls
  them (all but forget-session-3.lua and mark-scope-forgotten-1.lua). It defines functions only and touches
  no key itself.

  The scripts' KEYS are always one session's
    KEYS[1] history   list of JSON messages, oldest first   (<prefix>:{s:<sessionId>}:history)
    KEYS[2] meta      hash of persona, summary, counters…    (<prefix>:{s:<sessionId>}:meta)
  which share the session's hash tag, so one script may touch both on Redis Cluster. Scripts that drop or renew
  the session's images (commit, clear; forget has its own copy) also take
    KEYS[3] images    set of the session's image keys          (<prefix>:{s:<sessionId>}:images)
  and touch the image keys it names (<prefix>:{s:<sessionId>}:image:<sha256>): not declared, but under the
  same hash tag, so in the same slot.

  Redis does not roll a script back when a command in it fails, so every check that could fail on bad
  stored data (wrong key type, non-integer counters) runs before the first write: a failed call writes
  nothing and can simply be retried.
]]

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

-- The image keys the session's images set names, or an error reply when the key holds something else.
local function readImageKeys(images)
  local imagesType = redis.call('TYPE', images)['ok']
  if imagesType == 'none' then return {} end
  if imagesType ~= 'set' then
    return nil, redis.error_reply('WRONGTYPE ' .. images .. ' holds a ' .. imagesType .. ', not a set')
  end
  return redis.call('SMEMBERS', images)
end

-- Deletes the session's images: every key the set names (read by readImageKeys), then the set.
local function deleteImages(images, imageKeys)
  for index = 1, #imageKeys, 1000 do
    redis.call('DEL', unpack(imageKeys, index, math.min(index + 999, #imageKeys)))
  end
  redis.call('DEL', images)
end

-- With retention, restarts the clock of the session's images (they expire with the conversation).
local function renewImages(images, imageKeys, ttl)
  if tonumber(ttl) <= 0 or #imageKeys == 0 then return end
  for _, key in ipairs(imageKeys) do redis.call('PEXPIRE', key, ttl) end
  redis.call('PEXPIRE', images, ttl)
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

-- A history entry as a message, or nil when it is not one: such entries are skipped, as the readers skip them
-- (stored-message-codec.ts). cjson refuses the lone-surrogate escapes JSON.parse takes (\ud800), so those are
-- read as U+FFFD; the decoded value only serves to inspect the entry and is never written back.
local function decodeMessage(raw)
  local ok, message = pcall(cjson.decode, (string.gsub(raw, '\\[uU][dD][89a-fA-F]%x%x', '\\ufffd')))
  if not ok or type(message) ~= 'table' then return nil end
  if message.role ~= 'user' and message.role ~= 'assistant' then return nil end
  if type(message.content) ~= 'string' or type(message.at) ~= 'number' then return nil end
  -- Also refuses NaN (every comparison with it is false) and the infinities cjson accepts.
  if type(message.tokens) ~= 'number' or not (message.tokens >= 0 and message.tokens < math.huge) then
    return nil
  end
  return message
end

-- A decoded message's tokens as historyTokens counts them (whole numbers, as the writers check).
local function messageTokens(message)
  return math.floor(message.tokens)
end
