--[[
  Tracks an accepted case from a time, unless this same invitation's end stopped it.
  KEYS[1] last-update zset, KEYS[2] ended hash (case -> the invitation that ended it)
  ARGV[1] case id, ARGV[2] invitation id, ARGV[3] ms
  A case already tracked keeps its time. Returns 1 when tracked, 0 when not.
]]
local ended = redis.call('HGET', KEYS[2], ARGV[1])
if ended == ARGV[2] then return 0 end
if ended then redis.call('HDEL', KEYS[2], ARGV[1]) end
redis.call('ZADD', KEYS[1], 'NX', ARGV[3], ARGV[1])
return 1
