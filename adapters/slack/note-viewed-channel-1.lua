-- Records the viewed channel the model is told about for one assistant thread; says whether it changed.
-- KEYS[1]  the thread's hash: <prefix>:slack:assistant:<channel>:<thread_ts> (fields: context, titled, told)
-- ARGV[1]  the viewed channel id
-- ARGV[2]  seconds the thread is kept after its last change
-- Returns 1 when the model must be told (the channel differs from the one told last), else 0.
if redis.call('HGET', KEYS[1], 'told') == ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[1], 'told', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
