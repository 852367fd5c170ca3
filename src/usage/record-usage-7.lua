--[[
  Adds one model call's usage to its scope and user, on its UTC day and in total (redis-usage-ledger.ts), and to each one's row for the model. All
  keys carry the {usage} hash tag, so this runs on Redis Cluster.

  Input:
    KEYS[1] day hash       <prefix>:{usage}:day:<YYYY-MM-DD>   fields <owner>:<p|c|m|n>
    KEYS[2] days           <prefix>:{usage}:days               sorted set: day name scored by its last write
    KEYS[3] scope total    <prefix>:{usage}:total:s:<scopeId>  hash p, c, m, n
    KEYS[4] user total     <prefix>:{usage}:total:u:<userId>   hash p, c, m, n
    KEYS[5] former total   <prefix>:{usage}:total              hash <owner>:<p|c|m|n>, written before per-owner
                                                               keys: an owner's fields move to its own key here
    KEYS[6] scope models   <prefix>:{usage}:models:s:<scopeId> hash <p|c|m|n|u>:<model>
    KEYS[7] user models    <prefix>:{usage}:models:u:<userId>  hash <p|c|m|n|u>:<model>

    ARGV[1] scope owner    s:<scopeId>
    ARGV[2] user owner     u:<userId>
    ARGV[3] prompt tokens
    ARGV[4] completion tokens
    ARGV[5] cost in micro-USD
    ARGV[6] the day's name (member of KEYS[2])
    ARGV[7] now, ms since epoch (score in KEYS[2])
    ARGV[8] how long the day hash lives after this write, in seconds
    ARGV[9] retention in ms: the totals expire when their owner had no usage this long; 0 for none
    ARGV[10] '1' when the call's price is unknown (counted in `u`), else '0'
    ARGV[11] the model that answered; empty for none (then the model hashes are left alone)

  Counters: p prompt tokens, c completion tokens, m micro-USD, n calls, u calls without a known price.

  With retention the former total hash expires one retention period after its first write under retention:
  every owner with usage before then has been moved out of it, and the rest are owners idle that long.

  Output: 1. The caller checks the numbers first; the stored ones are only ever written by HINCRBY.
]]

local COUNTERS = {'p', 'c', 'm', 'n', 'u'}
local delta = {ARGV[3], ARGV[4], ARGV[5], '1', ARGV[10]}
local retention = tonumber(ARGV[9])

local function expireOrPersist(key)
  if retention > 0 then
    redis.call('PEXPIRE', key, retention)
  else
    redis.call('PERSIST', key)
  end
end

local function add(total, owner)
  local fields = {}
  for index, counter in ipairs(COUNTERS) do fields[index] = owner .. ':' .. counter end
  local former = redis.call('HMGET', KEYS[5], unpack(fields))
  for index, counter in ipairs(COUNTERS) do
    -- Added as the stored strings, so no count passes through a Lua float.
    if former[index] and string.match(former[index], '^%d+$') then
      redis.call('HINCRBY', total, counter, former[index])
    end
    -- An unpriced count is written only once there is one (hashes of priced usage keep their four fields).
    if counter ~= 'u' or delta[index] ~= '0' then
      redis.call('HINCRBY', total, counter, delta[index])
      redis.call('HINCRBY', KEYS[1], fields[index], delta[index])
    end
  end
  redis.call('HDEL', KEYS[5], unpack(fields))
  expireOrPersist(total)
end

-- Per model: the counter first, so a model name with colons (llama3.2:3b) cannot be mistaken for another field.
local function addModel(models)
  for index, counter in ipairs(COUNTERS) do
    if counter ~= 'u' or delta[index] ~= '0' then
      redis.call('HINCRBY', models, counter .. ':' .. ARGV[11], delta[index])
    end
  end
  expireOrPersist(models)
end

add(KEYS[3], ARGV[1])
add(KEYS[4], ARGV[2])
if ARGV[11] ~= '' then
  addModel(KEYS[6])
  addModel(KEYS[7])
end
redis.call('EXPIRE', KEYS[1], ARGV[8])
redis.call('ZADD', KEYS[2], ARGV[7], ARGV[6])
if retention == 0 then
  redis.call('PERSIST', KEYS[5])
elseif redis.call('PTTL', KEYS[5]) == -1 then
  redis.call('PEXPIRE', KEYS[5], retention)
end
return 1
