--[[
  The operator's page's usage overview (redis-usage-overview.ts): the usage ledger's day hashes added up per
  day, and channels and users ranked by cost over those days, one page of each with its per-day series. Runs
  where the data is, so a page load moves a few kilobytes whatever the number of conversations.

  Input:
    KEYS[1..n]  day hashes  <prefix>:{usage}:day:<YYYY-MM-DD>, oldest first (all under the {usage} hash tag);
                fields s:<scopeId>:<p|c|m|n> and u:<userId>:<p|c|m|n> as redis-usage-ledger.ts writes them
                (prompt tokens, completion tokens, micro-USD, calls); other fields are ignored
    ARGV[1]     offset of the channel page
    ARGV[2]     size of the channel page
    ARGV[3]     offset of the user page
    ARGV[4]     size of the user page

  Output: { day totals, channels, users }
    day totals  one {p, c, m, n} per key, summed over the scopes (every call is recorded under one scope)
    channels    { count, rows }, each row {id, p, c, m, n, then p, c, m, n of each day in key order}
    users       the same for users
  Ranked by cost, then tokens (p + c), then ID. Read-only.
]]

-- Counter suffixes by byte ('p', 'c', 'm', 'n'), and owner kinds by their first byte ('s', 'u'): comparing bytes
-- spares creating two strings per field, which is most of what this loop would cost.
local INDEX = { [112] = 1, [99] = 2, [109] = 3, [110] = 4 }
local SCOPE, USER = 115, 117
local sub, byte = string.sub, string.byte
-- Per kind, per owner, one table: [1..4] the totals, [day * 4 + 1..4] that day's counters where it had usage
-- (one table per owner, not per owner and day: allocation is the other big cost).
local owners = { [SCOPE] = {}, [USER] = {} }
local dayTotals = {}

for day, key in ipairs(KEYS) do
  local total = { 0, 0, 0, 0 }
  local flat = redis.call('HGETALL', key)
  for i = 1, #flat, 2 do
    local field = flat[i]
    local kind, colon = byte(field, 1, 2)
    local last, separator = byte(field, -1), byte(field, -2)
    local ofKind = owners[kind]
    local index = INDEX[last]
    -- 58 is ':': after the kind, and before the one-character counter suffix.
    if ofKind and index and colon == 58 and separator == 58 then
      local value = tonumber(flat[i + 1]) or 0
      local id = sub(field, 3, -3)
      local owner = ofKind[id]
      if not owner then
        owner = { 0, 0, 0, 0 }
        ofKind[id] = owner
      end
      local slot = day * 4 + index
      owner[index] = owner[index] + value
      owner[slot] = (owner[slot] or 0) + value
      if kind == SCOPE then total[index] = total[index] + value end
    end
  end
  dayTotals[day] = total
end

local function before(left, right)
  local a, b = left[2], right[2]
  if a[3] ~= b[3] then return a[3] > b[3] end
  local tokensA, tokensB = a[1] + a[2], b[1] + b[2]
  if tokensA ~= tokensB then return tokensA > tokensB end
  return left[1] < right[1]
end

local function ranked(kind, offset, limit)
  local list = {}
  for id, owner in pairs(owners[kind]) do list[#list + 1] = { id, owner } end
  table.sort(list, before)
  local rows = {}
  for i = offset + 1, math.min(#list, offset + limit) do
    local id, owner = list[i][1], list[i][2]
    local row = { id, owner[1], owner[2], owner[3], owner[4] }
    for slot = 5, #KEYS * 4 + 4 do row[#row + 1] = owner[slot] or 0 end
    rows[#rows + 1] = row
  end
  return { #list, rows }
end

return {
  dayTotals,
  ranked(SCOPE, tonumber(ARGV[1]), tonumber(ARGV[2])),
  ranked(USER, tonumber(ARGV[3]), tonumber(ARGV[4])),
}
