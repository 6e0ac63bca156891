--[[
  Claims event ids for one intake path (poll or push) while it enqueues them.
  KEYS[1] seen-id zset, KEYS[2] claims hash (id -> claimed until ms)
  ARGV[1] now ms, ARGV[2] claim ttl ms, then ids
  Returns { ids claimed, ids held by another claim }; remembered ids are neither.
]]
local now = tonumber(ARGV[1])
local untilMs = now + tonumber(ARGV[2])
local claimed = {}
local held = {}
for i = 3, #ARGV do
  local id = ARGV[i]
  if not redis.call('ZSCORE', KEYS[1], id) then
    local untilHeld = tonumber(redis.call('HGET', KEYS[2], id) or '0')
    if untilHeld <= now then
      redis.call('HSET', KEYS[2], id, untilMs)
      claimed[#claimed + 1] = id
    else
      held[#held + 1] = id
    end
  end
end
return { claimed, held }
