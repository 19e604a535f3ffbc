# Anchor for content-based prune of a Redis store: reads room documents (one
# per line, as MGET prints them) and prints the key `room:<roomName>` of every
# room whose last activity is before the cutoff. See stale_files.jq.
select(.createdAt < $c
       and ((.lastActivityAt // "") < $c)
       and (([.ratings[]?[]?[2]] | max // 0) < $cm))
| "room:" + .roomName
