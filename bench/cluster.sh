#!/usr/bin/env bash
# Benchmark: N rooms (default 100,000) from a file store into a 3-primary
# Redis Cluster and into one redis-server, then listed and exported back.
# Prints one table; every figure is wall-clock seconds of one run.
#
#   bench/cluster.sh                 # 100,000 rooms
#   ROOMS=20000 bench/cluster.sh     # smaller
#   BASE_PORT=7400 (default): the servers use BASE_PORT..BASE_PORT+3 and the
#   cluster bus BASE_PORT+11..+13.
#
# Needs redis-server and redis-cli (7.0+), python3 (bench/gen_rooms.py).
# migrate-backend is timed too when this build has it; otherwise the copy is
# export (file store → archive) + import (archive → Redis).
set -euo pipefail
cd "$(dirname "$0")/.."

ROOMS=${ROOMS:-100000}
BASE_PORT=${BASE_PORT:-7400}
target=${CARGO_TARGET_DIR:-target}
work=$(mktemp -d)
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cargo build --release --quiet
roomctl="$target/release/roomctl"

now() { date +%s.%N; }
# timed LABEL CMD...: runs CMD (stdout discarded), records its seconds.
declare -A figure
timed() {
  local label=$1; shift
  local t0 t1
  t0=$(now)
  if ! "$@" >/dev/null 2>"$work/stderr"; then
    echo "FAILED: $label: $*" >&2
    cat "$work/stderr" >&2
    exit 1
  fi
  t1=$(now)
  figure[$label]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  echo "  $label: ${figure[$label]} s" >&2
}

# wait_ping PORT LOG: waits for the server to answer, shows its log if not.
wait_ping() {
  for _ in $(seq 200); do
    redis-cli -p "$1" ping >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "redis-server on $1 did not start:" >&2
  tail -5 "$2" >&2
  exit 1
}

echo "generating $ROOMS rooms…" >&2
python3 bench/gen_rooms.py --rooms "$ROOMS" --out "$work/rooms"
du -sh "$work/rooms" | awk '{ print "  file store: " $1 }' >&2

# One server.
single=$BASE_PORT
mkdir -p "$work/single"
redis-server --port "$single" --bind 127.0.0.1 --save '' --appendonly no \
  --dir "$work/single" --logfile "$work/single/log" &
pids+=($!)
wait_ping "$single" "$work/single/log"

# Three primaries, no replicas.
hosts=()
for i in 1 2 3; do
  port=$((BASE_PORT + i)); bus=$((BASE_PORT + 10 + i))
  mkdir -p "$work/node$i"
  redis-server --port "$port" --cluster-port "$bus" --bind 127.0.0.1 \
    --cluster-enabled yes --cluster-config-file "$work/node$i/nodes.conf" \
    --save '' --appendonly no --dir "$work/node$i" --logfile "$work/node$i/log" &
  pids+=($!)
  wait_ping "$port" "$work/node$i/log"
  hosts+=("127.0.0.1:$port")
done
redis-cli --cluster create "${hosts[@]}" --cluster-replicas 0 --cluster-yes >/dev/null
for _ in $(seq 600); do
  ok=0
  for h in "${hosts[@]}"; do
    redis-cli -p "${h#*:}" cluster info | grep -q 'cluster_state:ok' && ok=$((ok + 1))
  done
  [ "$ok" -eq 3 ] && break
  sleep 0.1
done
[ "$ok" -eq 3 ] || { echo "the cluster did not come up" >&2; exit 1; }

single_url="redis://127.0.0.1:$single"
cluster_url="redis+cluster://$(IFS=,; echo "${hosts[*]}")"

echo "file store → archive" >&2
timed export_file "$roomctl" -q -s "file:$work/rooms" export "$work/rooms.jsonl"

has_migrate=no
"$roomctl" help migrate-backend >/dev/null 2>&1 && has_migrate=yes

for kind in single cluster; do
  if [ "$kind" = single ]; then url=$single_url; else url=$cluster_url; fi
  echo "$kind: $url" >&2
  timed "import_$kind" "$roomctl" -q -s "$url" import "$work/rooms.jsonl"
  timed "list_$kind" "$roomctl" -q -s "$url" list -o json
  timed "export_$kind" "$roomctl" -q -s "$url" export "$work/$kind.jsonl"
  timed "reimport_$kind" "$roomctl" -q -s "$url" import "$work/rooms.jsonl"
  if [ "$has_migrate" = yes ]; then
    redis-cli -p "${url##*:}" flushall >/dev/null 2>&1 || true
    if [ "$kind" = cluster ]; then
      for h in "${hosts[@]}"; do redis-cli -p "${h#*:}" flushall >/dev/null; done
    fi
    timed "migrate_$kind" "$roomctl" -q migrate-backend --from "file:$work/rooms" --to "$url" --yes
  fi
done

count_single=$("$roomctl" -q -s "$single_url" list -o name | wc -l)
count_cluster=$("$roomctl" -q -s "$cluster_url" list -o name | wc -l)
keys=$(for h in "${hosts[@]}"; do redis-cli -p "${h#*:}" dbsize; done | paste -sd/)

echo
echo "roomctl $("$roomctl" --version | cut -d' ' -f2), $ROOMS rooms ($(du -sh "$work/rooms.jsonl" | cut -f1) as JSONL), $(nproc) cores"
printf '%-42s %12s %12s\n' "operation (seconds)" "one server" "3-primary cluster"
row() { printf '%-42s %12s %12s\n' "$1" "${figure[${2}_single]:--}" "${figure[${2}_cluster]:--}"; }
[ "$has_migrate" = yes ] && row "migrate-backend file → Redis" migrate
row "import archive → Redis (all new)" import
row "list -o json" list
row "export Redis → archive" export
row "import again (all unchanged)" reimport
printf '%-42s %12s\n' "export file store → archive" "${figure[export_file]}"
echo "rooms listed: one server $count_single, cluster $count_cluster (keys per primary: $keys)"
