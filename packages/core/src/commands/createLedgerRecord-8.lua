--[[
  Records an invitation once (SET NX), with its indexes, its case link and its feed item.
  KEYS[1] record, KEYS[2] state index, KEYS[3] all-by-expiry index, KEYS[4] since index of the state,
  KEYS[5] case index (unused when ARGV[4] is ''), KEYS[6] feed dedupe key, KEYS[7] feed stream
  (both unused when ARGV[7] is ''), KEYS[8] retention index (purge-at ms -> retention member)
  ARGV[1] record JSON, ARGV[2] id, ARGV[3] expiry score, ARGV[4] case link score or '',
  ARGV[5] feed ttl, ARGV[6] feed maxlen, ARGV[7] item JSON or '',
  ARGV[8] entered-state score ('' for a state the watchdog does not watch),
  ARGV[9] retention member ('' unless the record is created in a final state), ARGV[10] retention
  ms, ARGV[11] purge-at ms: a final record expires (Redis TTL, set by the same SET) and is listed
  for the sweep that clears its indexes and case link (purgeLedgerEntry)
  The case link is written on every call (it repairs a record linked by an older version); the item
  only with a new record. Returns false for a new record, else the stored record's JSON.
]]
--- @include "includes/feedAppend"
if ARGV[4] ~= '' then redis.call('ZADD', KEYS[5], ARGV[4], ARGV[2]) end
local created
if ARGV[9] ~= '' then
  created = redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[10])
else
  created = redis.call('SET', KEYS[1], ARGV[1], 'NX')
end
if created then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
  redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
  if ARGV[8] ~= '' then redis.call('ZADD', KEYS[4], ARGV[8], ARGV[2]) end
  if ARGV[7] ~= '' then feed_append(KEYS[6], KEYS[7], ARGV[5], ARGV[6], ARGV[7]) end
  if ARGV[9] ~= '' then redis.call('ZADD', KEYS[8], ARGV[11], ARGV[9]) end
  return false
end
return redis.call('GET', KEYS[1])
