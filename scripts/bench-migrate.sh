#!/usr/bin/env bash
# Measures `roomctl migrate-backend` file -> Redis against the floor the
# issue sets: `cat` of the room files + `redis-cli --pipe` of pre-generated
# RESP. Usage: scripts/bench-migrate.sh [ROOMS] (default 100000).
# Needs python3, redis-server, redis-cli and GNU time; builds --release.
set -euo pipefail
cd "$(dirname "$0")/.."
rooms=${1:-100000}
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cleanup() { redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/roomctl
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
  --dir "$work" --logfile "$work/redis.log"
until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.05; done

echo "generating $rooms rooms in $work/rooms" >&2
python3 - "$work" "$rooms" <<'PY'
import json, os, random, sys
work, n = sys.argv[1], int(sys.argv[2])
random.seed(1)
users = ["ann", "bob", "cy", "dee", "eve"]
os.makedirs(f"{work}/rooms")
with open(f"{work}/rooms.resp", "wb") as resp:
    for i in range(n):
        ratings = {}
        for _ in range(random.randint(0, 40)):
            ratings[f"plex://movie/{random.randint(1, 5000)}"] = [
                [u, random.choice(["like", "dislike"]), 1759320000000 + random.randint(0, 10**9)]
                for u in random.sample(users, random.randint(1, 3))]
        name = f"room {i}"
        doc = {"roomName": name, "sort": "random", "createdAt": "2026-10-01T12:00:00.000Z",
               "creatorPlexUserId": "42", "creatorPlexUsername": "ann", "ratings": ratings,
               "userProgress": {u: len(ratings) for u in users}, "futureField": {"x": [1, 2, 3]}}
        safe = "".join(c if c.isascii() and (c.isalnum() or c in "_-") else "_" for c in name)
        with open(f"{work}/rooms/{safe}.json", "w") as f:
            f.write(json.dumps(doc, indent=2, ensure_ascii=False))
        key = f"room:{name}".encode()
        value = json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()
        resp.write(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(key), key, len(value), value))
PY

now() { date +%s.%N; }
# Warm the page cache the same way for both runs.
find "$work/rooms" -name '*.json' -print0 | xargs -0 cat >/dev/null
t0=$(now)
find "$work/rooms" -name '*.json' -print0 | xargs -0 cat >/dev/null
t1=$(now)
redis-cli -p "$port" --pipe <"$work/rooms.resp" >/dev/null
t2=$(now)
floor=$(echo "$t2 - $t0" | bc)
echo "floor: cat $(echo "$t1 - $t0" | bc)s + redis-cli --pipe $(echo "$t2 - $t1" | bc)s = ${floor}s" >&2
redis-cli -p "$port" flushall >/dev/null

t3=$(now)
/usr/bin/time -f "%M" -o "$work/rss" "$bin" -s "$work/rooms" migrate-backend \
  --to "redis://127.0.0.1:$port" >&2
t4=$(now)
took=$(echo "$t4 - $t3" | bc)
echo "roomctl migrate-backend: ${took}s ($(echo "scale=2; $took / $floor" | bc)x the floor), peak RSS $(( $(cat "$work/rss") / 1024 )) MB" >&2
test "$(redis-cli -p "$port" dbsize)" -eq "$rooms"
