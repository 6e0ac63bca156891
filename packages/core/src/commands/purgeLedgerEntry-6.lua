--[[
  Removes an invitation's record, its indexes and its case link: the retention sweep (a final
  record past its retention; its record has usually expired already) or a deletion request.
  KEYS[1] retention index, KEYS[2] record, KEYS[3] state index, KEYS[4] all-by-expiry index,
  KEYS[5] since index of the state, KEYS[6] case index (the record's key again when it has no case)
  ARGV[1] retention member or '', ARGV[2] id, ARGV[3] now ms, or 'any' to remove whatever is due
  The sweep removes nothing when the member is no longer listed or no longer due (the record left
  its final state, or changed and expires later). Returns 1 when removed, 0 when not.
]]
if ARGV[1] ~= '' then
  local due = redis.call('ZSCORE', KEYS[1], ARGV[1])
  if ARGV[3] ~= 'any' and (not due or tonumber(due) > tonumber(ARGV[3])) then return 0 end
  redis.call('ZREM', KEYS[1], ARGV[1])
end
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[2])
redis.call('ZREM', KEYS[4], ARGV[2])
redis.call('ZREM', KEYS[5], ARGV[2])
if KEYS[6] ~= KEYS[2] then redis.call('ZREM', KEYS[6], ARGV[2]) end
return 1
