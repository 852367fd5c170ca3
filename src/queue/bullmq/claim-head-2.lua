--[[
  Reads a session's head turn and counts one more run of it (DESIGN §3, step 3), in one round trip: what a drain
  needs before it runs the head. All keys are the session's (hash tag {s:<session id>}).

  KEYS[1]  <prefix>:{s:<session id>}:mailbox  list of JSON {"seq": n, "turn": {...}}, head first
  KEYS[2]  <prefix>:{s:<session id>}:replies  hash: <seq> -> JSON PostedMessage[] posted for that turn,
                                              a:<seq> -> runs of that turn so far

  ARGV[1]  retention in ms (the history's); 0 for none: with retention the replies hash's TTL restarts

  A head that turns out to need no run (already committed, or received before its channel was forgotten) has been
  counted too; the pop that drops it forgets the count with it.

  Returns nil for an empty mailbox; otherwise {head exactly as stored, its seq, runs so far (this one included),
  the JSON of the replies posted for it or false}. An entry too broken to read a seq from (not written by
  enqueue-turn-3.lua) comes back with seq 0 and is not counted.
]]
local head = redis.call('LINDEX', KEYS[1], 0)
if not head then return nil end
local seq = string.match(head, '^{"seq":(%d+),')
if not seq then return { head, 0, 0, false } end
local attempt = redis.call('HINCRBY', KEYS[2], 'a:' .. seq, 1)
local posted = redis.call('HGET', KEYS[2], seq)
if tonumber(ARGV[1]) > 0 then redis.call('PEXPIRE', KEYS[2], ARGV[1]) end
return { head, tonumber(seq), attempt, posted }
