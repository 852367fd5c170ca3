--[[
  Pops a session's head turn after it was processed (DESIGN §3, step 3), but only if the head is still the entry
  that was processed, and forgets that turn's bookkeeping. All keys are the session's (hash tag {s:<session id>}).

  KEYS[1]  <prefix>:{s:<session id>}:mailbox  list of JSON {"seq": n, "turn": {...}}, head first
  KEYS[2]  <prefix>:{s:<session id>}:replies  hash: <seq> -> JSON PostedMessage[] posted for that turn,
                                              a:<seq> -> runs of that turn so far
  KEYS[3]  <prefix>:{s:<session id>}:seq      counter: the last seq handed out in the session

  ARGV[1]  the head entry exactly as read with LINDEX 0
  ARGV[2]  its seq (0 for an entry too broken to read one from)
  ARGV[3]  retention in ms (the history's); 0 for none

  Popping the turn's fields keeps the replies hash from growing: once the mailbox is empty it holds nothing,
  and Redis drops it. With retention a pop restarts the clock of the mailbox and the counter together, as an
  enqueue does, so a session whose backlog drains slowly keeps its numbering.

  Returns 0 if the head had changed (nothing done); else 1 + the turns left in the mailbox, so a drain that
  popped the last one knows the session is empty without reading the mailbox again.
]]
if redis.call('LINDEX', KEYS[1], 0) ~= ARGV[1] then return 0 end
redis.call('LPOP', KEYS[1])
redis.call('HDEL', KEYS[2], ARGV[2], 'a:' .. ARGV[2])
if tonumber(ARGV[3]) > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  redis.call('PEXPIRE', KEYS[3], ARGV[3])
end
return 1 + redis.call('LLEN', KEYS[1])
