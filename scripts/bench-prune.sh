#!/usr/bin/env bash
# Benchmarks `roomctl prune-inactive` on a room directory against
# `find -mtime +30 -delete` and a jq script doing the same selection.
#
#   scripts/bench-prune.sh [ROOMS] [DIR]
#
# Generates ROOMS (default 100000) room files of ~7.5 KB, pretty JSON as the
# server writes them, every 10th inactive for 60-90 days (mtime set to the
# last activity, so find selects the same rooms), in DIR (default a fresh
# directory under /dev/shm, else $TMPDIR). Each contender runs on a fresh
# copy with a warm page cache. Prints wall time, CPU time (user+sys) and
# peak RSS; on a busy machine, compare CPU times.
set -euo pipefail
cd "$(dirname "$0")/.."

rooms=${1:-100000}
base_dir=${2:-$(mktemp -d "$( [ -d /dev/shm ] && echo /dev/shm || echo "${TMPDIR:-/tmp}")/roomctl-bench.XXXXXX")}
rounds=${ROUNDS:-3}
if [ -z "${ROOMCTL:-}" ]; then
  cargo build --release --quiet
  ROOMCTL="${CARGO_TARGET_DIR:-target}/release/roomctl"
fi
for tool in python3 jq /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench-prune: needs $tool" >&2; exit 1; }
done

base="$base_dir/base"
if [ ! -d "$base" ]; then
  echo "generating $rooms rooms in $base" >&2
  python3 - "$base" "$rooms" <<'PY'
import json, os, random, sys, time
out, n = sys.argv[1], int(sys.argv[2])
os.makedirs(out)
now = time.time()
random.seed(7)
users = ["ann", "bob", "cy", "dee", "eve"]
def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % int((t % 1) * 1000)
for i in range(n):
    stale = i % 10 == 0
    last = now - (random.uniform(60, 90) if stale else random.uniform(0, 25)) * 86400
    created = last - random.uniform(1, 30) * 86400
    ratings = {}
    for _ in range(40):
        ratings[f"plex://movie/{random.randrange(10**6)}"] = [
            [u, random.choice(["like", "dislike"]), int((created + random.uniform(0, last - created)) * 1000)]
            for u in random.sample(users, 2)]
    next(iter(ratings.values()))[0][2] = int(last * 1000)  # the newest rating
    doc = {"roomName": f"room-{i:06d}", "sort": "random", "createdAt": iso(created),
           "creatorPlexUserId": str(i % 50), "creatorPlexUsername": f"user{i % 50}",
           "ratings": ratings, "userProgress": {u: random.randrange(100) for u in users}}
    path = os.path.join(out, f"room-{i:06d}.json")
    with open(path, "w") as f:
        f.write(json.dumps(doc, indent=2))
    os.utime(path, (last, last))
PY
fi

work="$base_dir/work"
fresh() {
  rm -rf "$work"
  cp -a "$base" "$work"
  find "$work" -type f -exec cat {} + >/dev/null
  sync
}
measure() {
  local label=$1
  shift
  fresh
  /usr/bin/time -f "%e %U %S %M" -o "$base_dir/time" "$@"
  read -r wall user sys rss <"$base_dir/time"
  printf '%-26s wall %6.2f s   cpu %6.2f s   peak RSS %6d KB   rooms left %d\n' \
    "$label" "$wall" "$(echo "$user + $sys" | bc)" "$rss" "$(find "$work" -name '*.json' | wc -l)"
}

cutoff=$(($(date +%s) - 30 * 86400))
cat >"$base_dir/jq-prune.sh" <<JQ
find "$work" -maxdepth 1 -name '*.json' -print0 \\
  | xargs -0 jq -r --argjson c $cutoff '
      select(([.lastActivityAt, .createdAt | select(type == "string")
               | sub("\\\\.[0-9]+Z\$"; "Z") | fromdateiso8601]
              + [.ratings[]?[]?[2] / 1000] | max) < \$c) | input_filename' \\
  | xargs -r rm --
JQ

for _ in $(seq "$rounds"); do
  measure "find -mtime +30 -delete" find "$work" -name '*.json' -mtime +30 -delete
  measure "roomctl prune-inactive" "$ROOMCTL" -q -s "$work" prune-inactive --older-than 30d --yes
done
measure "jq script" bash "$base_dir/jq-prune.sh"
rm -rf "$work"
echo "generated store kept in $base (delete it when done)" >&2
