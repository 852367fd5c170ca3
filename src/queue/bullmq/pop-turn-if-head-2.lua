--[[
  Pops a session's head turn after it was processed (DESIGN §3, step 3), but only if the head is still the entry
  that was processed, and forgets that turn's bookkeeping. All keys are the session's (hash tag {s:<session id>}).

  KEYS[1]  <prefix>:{s:<session id>}:mailbox  list of JSON {"seq": n, "turn": {...}}, head first
  KEYS[2]  <prefix>:{s:<session id>}:replies  hash: <seq> -> JSON PostedMessage[] posted for that turn,
                                              a:<seq> -> runs of that turn so far

  ARGV[1]  the head entry exactly as read with LINDEX 0
  ARGV[2]  its seq (0 for an entry too broken to read one from)

  Returns 1 if the head was popped, 0 if it had changed (nothing done).
]]
if redis.call('LINDEX', KEYS[1], 0) ~= ARGV[1] then return 0 end
redis.call('LPOP', KEYS[1])
redis.call('HDEL', KEYS[2], ARGV[2], 'a:' .. ARGV[2])
return 1
