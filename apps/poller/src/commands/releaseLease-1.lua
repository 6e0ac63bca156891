--[[
  Gives the lease up, only while it is held with the caller's value.
  KEYS[1] lease
  ARGV[1] holder's value
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
