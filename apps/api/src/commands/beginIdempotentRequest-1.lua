--[[
  Claims an Idempotency-Key for a request, or reports what the key already holds.
  KEYS[1] the key's record (hash: h request hash, s state p|d, st status, b body, t created)
  ARGV[1] request hash, ARGV[2] pending ttl ms, ARGV[3] now ISO
  Returns {'new'} | {'conflict'} | {'in-progress'} | {'replay', status, body}.
]]
local rec = redis.call('HMGET', KEYS[1], 'h', 's', 'st', 'b')
if not rec[1] then
  redis.call('HSET', KEYS[1], 'h', ARGV[1], 's', 'p', 't', ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {'new'}
end
if rec[1] ~= ARGV[1] then return {'conflict'} end
if rec[2] ~= 'd' then return {'in-progress'} end
return {'replay', rec[3], rec[4]}
