--[[
  Records a commit in the session index (redis-history-index.ts): the session's place in the listing by its
  last commit, its membership of its scope, and its leaving the scope it was stored under before. All keys
  carry the index's hash tag {idx}, so this runs on Redis Cluster; one command instead of a MULTI of up to
  five, so it travels in the same write as the commit on an auto-pipelining connection.

  Input:
    KEYS[1] listing          <prefix>:{idx}:sessions              sorted set: session id -> last commit, ms
    KEYS[2] scope            <prefix>:{idx}:scope:<scopeId>       set of the scope's sessions (KEYS[1] again
                                                                  when the session has no scope)
    KEYS[3] previous scope   <prefix>:{idx}:scope:<previousScope> the scope it leaves (KEYS[1] again when none)

    ARGV[1] the commit time, ms since epoch
    ARGV[2] the session id
    ARGV[3] ttlMs of the scope set; 0 for no retention
    ARGV[4] '1' when KEYS[2] is a scope to join, else '0'
    ARGV[5] '1' when KEYS[3] is a scope to leave, else '0'

  Output: the session's listing time before this commit (ms, as a string), false when it was not listed: what
  undoing the entry needs when the commit it was sent with was not applied.
]]

local before = redis.call('ZSCORE', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
if ARGV[4] == '1' then
  redis.call('SADD', KEYS[2], ARGV[2])
  -- The set outlives its members by no more than they outlive their last commit.
  if tonumber(ARGV[3]) > 0 then
    redis.call('PEXPIRE', KEYS[2], ARGV[3])
  else
    redis.call('PERSIST', KEYS[2])
  end
end
if ARGV[5] == '1' then redis.call('SREM', KEYS[3], ARGV[2]) end
return before
