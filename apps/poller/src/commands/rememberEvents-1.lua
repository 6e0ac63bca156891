--[[
  Records enqueued events in the seen-id memory without moving the watermark.
  KEYS[1] seen-id zset
  ARGV[1] most ids kept, then score/id pairs
]]
for i = 2, #ARGV, 2000 do
  redis.call('ZADD', KEYS[1], unpack(ARGV, i, math.min(i + 1999, #ARGV)))
end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -1 - tonumber(ARGV[1]))
return 1
