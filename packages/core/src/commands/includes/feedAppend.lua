--[[
  feed_append(seen_key, stream, ttl, maxlen, retention_ms, json): adds a CMS feed item unless its id
  is remembered, and returns { cursor, 1 if it was a duplicate else 0 }. Each entry also keeps the
  cursor of the entry before it (`prev`), so a reader whose cursor was trimmed can be told whether
  anything after it went with it. Items older than `retention_ms` (by their stream id, Redis' own
  clock) are trimmed on the way, as are the oldest beyond about `maxlen`. The one definition of the
  append: the feed's own script and the ledger's scripts (a transactional outbox) include it.
]]
local function feed_append(seen_key, stream, ttl, maxlen, retention_ms, json)
  local seen = redis.call('GET', seen_key)
  if seen then return { seen, 1 } end
  local last = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)[1]
  local id = redis.call('XADD', stream, 'MAXLEN', '~', maxlen, '*', 'item', json, 'prev', last and last[1] or '')
  local ms = tonumber(string.match(id, '^(%d+)'))
  redis.call('XTRIM', stream, 'MINID', string.format('%d', math.max(0, ms - tonumber(retention_ms))))
  redis.call('SET', seen_key, id, 'EX', ttl)
  return { id, 0 }
end
