--[[
  A ledger compare-and-set: writes the new record only if the stored one still has the expected
  version, moves its indexes, and appends its feed item, all in one step.
  KEYS[1] record, KEYS[2] old state index, KEYS[3] new state index, KEYS[4] all-by-expiry index,
  KEYS[5] old since index, KEYS[6] new since index, KEYS[7] feed dedupe key, KEYS[8] feed stream
  (both unused when ARGV[9] is ''), KEYS[9] retention index (purge-at ms -> retention member)
  ARGV[1] expected version, ARGV[2] new JSON, ARGV[3] id, ARGV[4] expiry score,
  ARGV[5] '1' when the expiry changed, ARGV[6] entered-state score ('' for a state the watchdog
  does not watch), ARGV[7] feed ttl, ARGV[8] feed maxlen, ARGV[9] item JSON or '',
  ARGV[10] the old record's retention member ('' unless it was final),
  ARGV[11] the new one's ('' unless it is final), ARGV[12] retention ms, ARGV[13] purge-at ms
  A record that reaches a final state expires (Redis TTL, set by the same SET) its retention after
  this change; one that leaves it is kept again (a SET without PX drops the TTL).
  Records written before versions existed have none: they count as version 0. A record that stays
  in its state keeps the time it entered it. Returns 1 when written, 0 when the record moved on.
]]
--- @include "includes/feedAppend"
local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
if (cjson.decode(cur).version or 0) ~= tonumber(ARGV[1]) then return 0 end
if ARGV[11] ~= '' then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[12])
else
  redis.call('SET', KEYS[1], ARGV[2])
end
if KEYS[2] ~= KEYS[3] then
  redis.call('ZREM', KEYS[2], ARGV[3])
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3])
  redis.call('ZREM', KEYS[5], ARGV[3])
  if ARGV[6] ~= '' then redis.call('ZADD', KEYS[6], ARGV[6], ARGV[3]) end
elseif ARGV[5] == '1' then
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3])
end
if ARGV[5] == '1' then redis.call('ZADD', KEYS[4], ARGV[4], ARGV[3]) end
if ARGV[9] ~= '' then feed_append(KEYS[7], KEYS[8], ARGV[7], ARGV[8], ARGV[9]) end
if ARGV[10] ~= '' then redis.call('ZREM', KEYS[9], ARGV[10]) end
if ARGV[11] ~= '' then redis.call('ZADD', KEYS[9], ARGV[13], ARGV[11]) end
return 1
