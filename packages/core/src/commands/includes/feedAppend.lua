--[[
  feed_append(seen_key, stream, ttl, maxlen, json): adds a CMS feed item unless its id is
  remembered, and returns { cursor, 1 if it was a duplicate else 0 }. Each entry also keeps the
  cursor of the entry before it (`prev`), so a reader whose cursor was trimmed can be told whether
  anything after it went with it. The oldest entries beyond about `maxlen` are trimmed by the XADD
  itself; items past their retention age are trimmed by the sweep (`Feed.trimExpired`, every
  minute), not here: an XTRIM on every append cost a command per item (docs/performance.md). The one
  definition of the append: the feed's own script and the ledger's scripts (a transactional outbox)
  include it.
]]
local function feed_append(seen_key, stream, ttl, maxlen, json)
  local seen = redis.call('GET', seen_key)
  if seen then return { seen, 1 } end
  local last = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)[1]
  local id = redis.call('XADD', stream, 'MAXLEN', '~', maxlen, '*', 'item', json, 'prev', last and last[1] or '')
  redis.call('SET', seen_key, id, 'EX', ttl)
  return { id, 0 }
end
