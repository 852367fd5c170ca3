--[[
  Enqueues one turn in its session's mailbox (DESIGN §3, step 1): de-duplicates on the turn id, numbers the turn
  and appends it, atomically. All keys are the session's (hash tag {s:<session id>}), so this runs on Redis Cluster.

  KEYS[1]  <prefix>:{s:<session id>}:dedup:<turn id>  marks the turn id as enqueued; expires after ARGV[2] seconds
  KEYS[2]  <prefix>:{s:<session id>}:seq              counter: the last seq handed out in the session
  KEYS[3]  <prefix>:{s:<session id>}:mailbox          list of JSON {"seq": n, "turn": {...}}, head first

  ARGV[1]  the turn as JSON; the entry is built as a string so it is stored exactly as given
  ARGV[2]  how long the turn id is remembered, in seconds
  ARGV[3]  the store's last committed seq, to start numbering after; '' when the caller has not looked it up
  ARGV[4]  retention in ms (the history's); 0 for none

  With retention the counter and the mailbox get the same TTL here (and again on every pop), so the counter
  never expires while turns it numbered still wait: numbering restarts, from the store's committed seq, only
  once the mailbox is gone too. Without retention both are made persistent.

  Returns the turn's seq; 0 if the turn id was already enqueued (nothing added); -1 if the session has no counter
  yet and ARGV[3] is '' (the caller looks up its committed seq and calls again).
]]
if redis.call('EXISTS', KEYS[2]) == 0 then
  if ARGV[3] == '' then return -1 end
  redis.call('SET', KEYS[2], ARGV[3])
end
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', tonumber(ARGV[2])) then return 0 end
local seq = redis.call('INCR', KEYS[2])
redis.call('RPUSH', KEYS[3], '{"seq":' .. seq .. ',"turn":' .. ARGV[1] .. '}')
if tonumber(ARGV[4]) > 0 then
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
  redis.call('PEXPIRE', KEYS[3], ARGV[4])
else
  redis.call('PERSIST', KEYS[2])
  redis.call('PERSIST', KEYS[3])
end
return seq
