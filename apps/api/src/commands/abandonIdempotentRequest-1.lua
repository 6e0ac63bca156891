--[[
  Releases a pending claim whose work failed before it took effect; a completed answer stays.
  KEYS[1] the key's record
]]
if redis.call('HGET', KEYS[1], 's') == 'p' then return redis.call('DEL', KEYS[1]) end
return 0
