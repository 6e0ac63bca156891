--[[
  Records the response of the request that claimed an Idempotency-Key.
  KEYS[1] the key's record
  ARGV[1] request hash, ARGV[2] status, ARGV[3] body JSON, ARGV[4] ttl sec, ARGV[5] now ISO
  A record whose pending claim expired is still completed (a later replay finds the answer), unless
  another request has since claimed the key with a different hash.
]]
local h = redis.call('HGET', KEYS[1], 'h')
if h and h ~= ARGV[1] then return 0 end
if not h then redis.call('HSET', KEYS[1], 'h', ARGV[1], 't', ARGV[5]) end
redis.call('HSET', KEYS[1], 's', 'd', 'st', ARGV[2], 'b', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
