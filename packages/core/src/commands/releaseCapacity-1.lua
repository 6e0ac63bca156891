--[[
  Gives back a reservation: decrements, never below 0, and never creates the key.
  KEYS[1] the day's counter
]]
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used > 0 then return redis.call('DECR', KEYS[1]) end
return 0
