--[[
  The first page of a history read from the tail (load-newest-messages.ts): the list's length and its newest
  ARGV[1] entries, read together so an append or amendment cannot fall between them. One command rather than
  a MULTI of two, so the read travels in the same write as the turn's other reads on an auto-pipelining
  connection. It runs without prelude.lua (it only reads).

  Input:
    KEYS[1] history   <prefix>:{s:<sessionId>}:history   list of JSON messages, oldest first

    ARGV[1] how many of the newest entries to read (at least 1)

  Output: { length of the list, its newest ARGV[1] entries oldest first }
]]

return { redis.call('LLEN', KEYS[1]), redis.call('LRANGE', KEYS[1], -tonumber(ARGV[1]), -1) }
