--[[
  Appends one item to the CMS feed, once per item id.
  KEYS[1] dedupe key of the item id, KEYS[2] stream
  ARGV[1] dedupe ttl sec, ARGV[2] maxlen, ARGV[3] item JSON
  Returns { cursor, 1 if it was a duplicate else 0 }.
]]
--- @include "includes/feedAppend"
return feed_append(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3])
