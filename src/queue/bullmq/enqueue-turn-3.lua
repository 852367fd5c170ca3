--[[
  Enqueues one turn in its session's mailbox (DESIGN §3, step 1): de-duplicates on the turn id, numbers the turn
  and appends it, atomically. All keys are the session's (hash tag {s:<session id>}), so this runs on Redis Cluster.
  An edit or delete of a turn still waiting behind the head changes that turn instead (amend-waiting-turn.ts).

  KEYS[1]  <prefix>:{s:<session id>}:dedup:<turn id>  marks the turn id as enqueued; expires after ARGV[2] seconds
  KEYS[2]  <prefix>:{s:<session id>}:seq              counter: the last seq handed out in the session
  KEYS[3]  <prefix>:{s:<session id>}:mailbox          list of JSON {"seq": n, "turn": {...}}, head first; an entry
                                                      edited while waiting is {"seq": n, "editedText": "...", "turn": {...}}

  ARGV[1]  the turn as JSON; the entry is built as a string so it is stored exactly as given
  ARGV[2]  how long the turn id is remembered, in seconds
  ARGV[3]  the store's last committed seq, to start numbering after when the session has no counter
  ARGV[4]  retention in ms (the history's); 0 for none
  ARGV[5]  '' for a turn to queue; 'edit' or 'delete' to change the waiting turn whose messageRef is ARGV[6]
  ARGV[6]  the messageRef of the waiting turn to change ('' unless ARGV[5] is set)
  ARGV[7]  the edit's new text, as a JSON string ('""' unless ARGV[5] is 'edit')

  With retention the counter and the mailbox get the same TTL here (and again on every pop), so the counter
  never expires while turns it numbered still wait: numbering restarts, from the store's committed seq, only
  once the mailbox is gone too. Without retention both are made persistent.

  Returns the turn's seq; 0 if the turn id was already enqueued (nothing added); -2 if a waiting turn was changed
  instead (nothing added).
]]

-- The entry holding the newest waiting `message` or `listen` turn whose messageRef is `ref`: its index from the
-- head (1-based, as Lua's) and its bytes; nil when no entry holds one.
local function findWaiting(mailbox, ref)
  local entries = redis.call('LRANGE', mailbox, 0, -1)
  for index = #entries, 1, -1 do
    -- cjson refuses the lone-surrogate escapes JSON.parse takes (\ud800); read them as U+FFFD, only to look.
    local ok, entry = pcall(cjson.decode, (string.gsub(entries[index], '\\[uU][dD][89a-fA-F]%x%x', '\\ufffd')))
    local turn = ok and type(entry) == 'table' and entry.turn
    if type(turn) == 'table' and turn.messageRef == ref and (turn.kind == 'message' or turn.kind == 'listen') then
      return index, entries[index]
    end
  end
  return nil
end

-- Edits or deletes the waiting turn with messageRef ARGV[6]; false when there is none, or it is the head (which
-- may be running: the edit is then queued as a turn of its own).
local function amendWaiting(mailbox)
  local index, entry = findWaiting(mailbox, ARGV[6])
  if not index or index == 1 then return false end
  -- What this script wrote: '{"seq":<n>,' then, maybe, '"editedText":<JSON string>,' and '"turn":<turn>}'.
  -- No '"turn":' can come earlier: every quote inside a JSON string is escaped.
  local seq = string.match(entry, '^{"seq":(%d+),')
  local turnAt = string.find(entry, '"turn":', 1, true)
  if not seq or not turnAt then return false end
  if ARGV[5] == 'delete' then
    -- LREM counts from the tail, where this entry is the first with these bytes (a copy would have matched first).
    redis.call('LREM', mailbox, -1, entry)
  else
    redis.call('LSET', mailbox, index - 1, '{"seq":' .. seq .. ',"editedText":' .. ARGV[7] .. ',' .. entry:sub(turnAt))
  end
  return true
end

if redis.call('EXISTS', KEYS[2]) == 0 then redis.call('SET', KEYS[2], ARGV[3]) end
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', tonumber(ARGV[2])) then return 0 end
local result = -2
if ARGV[5] == '' or not amendWaiting(KEYS[3]) then
  result = redis.call('INCR', KEYS[2])
  redis.call('RPUSH', KEYS[3], '{"seq":' .. result .. ',"turn":' .. ARGV[1] .. '}')
end
if tonumber(ARGV[4]) > 0 then
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
  redis.call('PEXPIRE', KEYS[3], ARGV[4])
else
  redis.call('PERSIST', KEYS[2])
  redis.call('PERSIST', KEYS[3])
end
return result
