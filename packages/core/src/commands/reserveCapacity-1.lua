--[[
  Takes one accept from a day's allowance, never past the limit.
  KEYS[1] the day's counter
  ARGV[1] limit, ARGV[2] counter ttl sec
  Returns { 1 if reserved else 0, used }.
]]
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used >= tonumber(ARGV[1]) then return {0, used} end
used = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return {1, used}
