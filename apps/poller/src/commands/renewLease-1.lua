--[[
  Extends the lease while it is held with the caller's value.
  KEYS[1] lease
  ARGV[1] holder's value, ARGV[2] ttl ms
  Returns 1 when extended, 0 when the lease is not (or no longer) the caller's.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
