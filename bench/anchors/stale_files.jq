# Anchor for content-based prune of a file store: prints the path of every
# room file whose last activity (newest of lastActivityAt, newest rating,
# createdAt) is before the cutoff. $c: cutoff as ISO 8601 (same format as the
# server writes, so strings compare chronologically); $cm: cutoff, epoch ms.
select(.createdAt < $c
       and ((.lastActivityAt // "") < $c)
       and (([.ratings[]?[]?[2]] | max // 0) < $cm))
| input_filename
