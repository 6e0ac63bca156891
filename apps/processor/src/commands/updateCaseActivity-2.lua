--[[
  An update was sent: the case's time only ever moves forward; an ended case is not tracked again.
  KEYS[1] last-update zset, KEYS[2] ended hash
  ARGV[1] case id, ARGV[2] ms
]]
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return 0 end
redis.call('ZADD', KEYS[1], 'GT', ARGV[2], ARGV[1])
return 1
