--[[
  Records enqueued events in the seen-id memory and drops their claims.
  KEYS[1] seen-id zset, KEYS[2] claims hash
  ARGV[1] most ids kept, then score/id pairs
]]
--- @include "includes/rememberIds"
remember_ids(KEYS[1], KEYS[2], 2)
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -1 - tonumber(ARGV[1]))
return 1
