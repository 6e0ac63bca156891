--[[
  Records enqueued events and moves the poller's watermark, only while the lease is held with the
  caller's value (fencing). The watermark only moves forward; the ids recorded lose their claims.
  KEYS[1] lease, KEYS[2] checkpoint hash, KEYS[3] seen-id zset, KEYS[4] claims hash
  ARGV[1] lease value, ARGV[2] watermark ms, ARGV[3] watermark ISO, ARGV[4] trim-below ms,
  ARGV[5] now ISO, ARGV[6] most ids kept, then score/id pairs
  Returns 1, or -1 (nothing written) when the lease is not held with ARGV[1].
]]
--- @include "includes/rememberIds"
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local current = tonumber(redis.call('HGET', KEYS[2], 'watermarkMs') or '-1')
if tonumber(ARGV[2]) > current then
  redis.call('HSET', KEYS[2], 'watermarkMs', ARGV[2], 'watermark', ARGV[3])
end
redis.call('HSET', KEYS[2], 'updatedAt', ARGV[5])
remember_ids(KEYS[3], KEYS[4], 7)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[4])
if #ARGV > 6 then redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -1 - tonumber(ARGV[6])) end
return 1
