-- Takes one token of a token bucket, shared by every process using the same Redis.
-- KEYS[1]  the bucket: a hash {t = tokens left, at = ms of the last refill}
-- ARGV[1]  capacity (tokens when full)
-- ARGV[2]  refill rate, tokens per second
-- Returns 0 when a token was taken, else the ms until one will be free (nothing taken).
-- The clock is Redis's own (TIME), so workers with skewed clocks share one budget fairly.
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 't', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
if now > at then
  tokens = math.min(capacity, tokens + (now - at) / 1000 * rate)
end
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) / rate * 1000)
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'at', tostring(math.max(now, at)))
-- A full bucket needs no key: let it expire once it would have refilled completely.
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000) + 1000)
return wait
