--[[
  remember_ids(seen_key, claims_key, first): records the score/id pairs of ARGV[first..] in the
  seen-id set and drops their claims: every script that records enqueued ids includes it.
]]
local function remember_ids(seen_key, claims_key, first)
  for i = first, #ARGV, 2000 do
    redis.call('ZADD', seen_key, unpack(ARGV, i, math.min(i + 1999, #ARGV)))
  end
  local ids = {}
  for i = first + 1, #ARGV, 2 do ids[#ids + 1] = ARGV[i] end
  for i = 1, #ids, 2000 do
    redis.call('HDEL', claims_key, unpack(ids, i, math.min(i + 1999, #ids)))
  end
end
