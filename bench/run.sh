#!/usr/bin/env bash
# bench/run.sh: time roomctl against anchor commands (cat, jq, redis-cli,
# Python) doing the same job on the same generated data. See bench/README.md.
#
#   bench/run.sh [--quick | --million | --rooms N] [--rounds R] [--seed S] [--stale P,P]
#   bench/run.sh --memory
#
# --rooms N: any other size (ordinary rooms), e.g. a small smoke run.
# --stale: the percentages of stale rooms the prune jobs run at, each on
#   its own data set (default 10,90: routine upkeep, and an admin's first
#   prune, which deletes most rooms).
#
# Env: ROOMCTL=/path/to/roomctl uses that binary instead of building one;
#      CARGO_TARGET_DIR is honoured; BENCH_MEMORY_SIZES="10000 1000000"
#      overrides the sizes of --memory, BENCH_MEMORY_JOBS="define_list_file
#      define_import_files" its jobs (the define_* functions below).
#
# Timed commands are strings run by `bash -c` under /usr/bin/time; they read
# the exported variables D, N, PORT, COPY, ROOMCTL, ANCHORS, NOW, CUTOFF,
# CUTOFF_MS, hence the single quotes.
# shellcheck disable=SC2016

set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
export ANCHORS=$BENCH_DIR/anchors

N=100000
SMALL=0
ROUNDS=5
SEED=1
MODE=standard
export NOW=2026-11-01T00:00:00.000Z
SHOW_REPS=100
STALE_PERCENTS=(10 90)
# list: < 64 MB peak RSS at 100,000 rooms (the --million run checks its
# per-room growth in --memory instead).
LIST_MAX_RSS_MB=63.99

die() {
    echo "run.sh: $*" >&2
    exit 1
}
note() { echo "run.sh: $*" >&2; }

usage() {
    sed -n '2,/^# Timed commands/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
}

while (($#)); do
    case $1 in
    --quick) N=10000 SMALL=0 MODE=quick ;;
    --million) N=1000000 SMALL=1 MODE=million LIST_MAX_RSS_MB= ;;
    --memory) MODE=memory ;;
    --rooms)
        [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "--rooms needs a positive integer"
        N=$2 SMALL=0 MODE=custom
        shift
        ;;
    --rounds)
        [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "--rounds needs a positive integer"
        ROUNDS=$2
        shift
        ;;
    --seed)
        [[ ${2:-} =~ ^[0-9]+$ ]] || die "--seed needs a non-negative integer"
        SEED=$2
        shift
        ;;
    --stale)
        [[ ${2:-} =~ ^[0-9]{1,3}(,[0-9]{1,3})*$ ]] || die "--stale needs percentages, like 10,90"
        IFS=, read -r -a STALE_PERCENTS <<<"$2"
        for p in "${STALE_PERCENTS[@]}"; do
            ((10#$p <= 100)) || die "--stale: $p is not a percentage"
        done
        shift
        ;;
    -h | --help)
        usage
        exit 0
        ;;
    *) die "unknown argument: $1 (try --help)" ;;
    esac
    shift
done

# ---------------------------------------------------------------- tools ----

if [[ ! -x /usr/bin/time ]]; then
    note "/usr/bin/time (GNU time) is missing; installing it"
    if [[ $(id -u) -eq 0 ]]; then
        apt-get install -y time >/dev/null || die "apt-get install -y time failed"
    else
        sudo apt-get install -y time >/dev/null || die "install GNU time: apt-get install -y time"
    fi
fi
for tool in redis-server redis-cli jq python3 cargo find xargs; do
    command -v "$tool" >/dev/null || die "$tool is required"
done

NOW_S=$(date -u -d "$NOW" +%s)
export CUTOFF_MS=$(((NOW_S - 30 * 86400) * 1000))
CUTOFF=$(date -u -d "@$((NOW_S - 30 * 86400))" +%Y-%m-%dT%H:%M:%S.000Z)
export CUTOFF

TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
note "building roomctl and roomgen (release)"
(cd "$ROOT" && cargo build --release --quiet --bin roomctl --example roomgen) ||
    die "cargo build failed"
ROOMGEN=$TARGET/release/examples/roomgen
export ROOMCTL=${ROOMCTL:-$TARGET/release/roomctl}
[[ -x $ROOMCTL ]] || die "no roomctl binary at $ROOMCTL"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/roomctl-bench.XXXXXX")
REDIS_PID=
cleanup() {
    if [[ -n $REDIS_PID ]]; then
        kill "$REDIS_PID" 2>/dev/null || true
        wait "$REDIS_PID" 2>/dev/null || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT

mkdir -p "$BENCH_DIR/data"
export LOG=$BENCH_DIR/data/last-run.log
RAW=$BENCH_DIR/data/last-run.tsv
: >"$LOG"
printf 'job\tN\tcontender\tround\tseconds\tmax_rss_kb\texit\n' >"$RAW"

# ----------------------------------------------------------------- data ----

# gen_data N SMALL [STALE_PERCENT]: generate (or reuse) the data set, set D
# to its directory. Without a percentage, the generator's default (10 %).
gen_data() {
    local n=$1 small=$2 stale=${3:-} name stamp
    # 10 % is the generator's default: the main data set.
    [[ $stale != 10 ]] || stale=
    name=$n
    ((small)) && name=$n-small
    [[ -z $stale ]] || name=$name-stale$stale
    D=$BENCH_DIR/data/$name
    stamp="n=$n small=$small seed=$SEED now=$NOW stale=${stale:-default} roomgen=$(sha256sum "$ROOT/examples/roomgen.rs" | cut -c1-16)"
    if [[ -f $D/.stamp && $(<"$D/.stamp") == "$stamp" ]]; then
        note "reusing $D"
    else
        note "generating $n rooms into $D"
        rm -rf "$D" "$D.tmp"
        local args=(--rooms "$n" --seed "$SEED" --now "$NOW" --out "$D.tmp")
        ((small)) && args+=(--small)
        [[ -z $stale ]] || args+=(--stale-fraction "$(awk -v p="$stale" 'BEGIN {print p / 100}')")
        "$ROOMGEN" "${args[@]}" || die "roomgen failed"
        echo "$stamp" >"$D.tmp/.stamp"
        mv "$D.tmp" "$D"
    fi
    export D N=$n
    export COPY=$D/work/rooms
    STALE=$(wc -l <"$D/stale.txt")
    export LIVE=$((n - STALE))
    rm -rf "$D/work" "$D/out.jsonl" "$D/out-anchor.txt"
    mkdir -p "$D/work"
}

# ---------------------------------------------------------------- Redis ----

start_redis() {
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    export PORT
    redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no \
        --dir "$TMP" --logfile "$TMP/redis.log" &
    REDIS_PID=$!
    local i
    for i in $(seq 50); do
        redis-cli -h 127.0.0.1 -p "$PORT" ping >/dev/null 2>&1 && return 0
        kill -0 "$REDIS_PID" 2>/dev/null || break
        sleep 0.1
        : "$i"
    done
    die "redis-server did not start on port $PORT (see $TMP/redis.log)"
}

rcli() { redis-cli -h 127.0.0.1 -p "$PORT" "$@"; }
export -f rcli

# Loads the data set into the (flushed) Redis database.
redis_reload() {
    rcli flushdb >/dev/null
    rcli --pipe <"$D/rooms.resp" >>"$LOG" 2>&1 || { echo "redis-cli --pipe failed" >&2; return 1; }
    local have
    have=$(rcli dbsize)
    [[ $have -eq $N ]] || { echo "Redis holds $have keys after loading, expected $N" >&2; return 1; }
}
export -f redis_reload

# Makes $COPY identical to the pristine $D/rooms again (after a prune).
restore_copy() {
    if [[ -d $COPY ]]; then
        # Only deleted files need to come back; anything new goes.
        find "$COPY" -mindepth 1 -maxdepth 1 ! -name '*.json' -exec rm -rf {} +
        cp -a -n "$D/rooms/." "$COPY/" 2>/dev/null || true
    else
        cp -a "$D/rooms" "$COPY"
    fi
    local have
    have=$(count_files "$COPY")
    [[ $have -eq $N ]] || { echo "restore: $have files, expected $N" >&2; return 1; }
    sync
}
export -f restore_copy

count_files() { find "$1" -mindepth 1 -maxdepth 1 -name '*.json' | wc -l; }
export -f count_files

# CPU seconds redis-server has used (user + system), from INFO cpu.
redis_cpu() {
    rcli info cpu | tr -d '\r' | awk -F: '/^used_cpu_(sys|user):/ {s += $2} END {printf "%.6f\n", s}'
}

# ------------------------------------------------------------- harness ----

# roomctl_has SUBCOMMAND: does this roomctl have it? (`help` prints Usage.)
roomctl_has() {
    local out
    out=$("$ROOMCTL" help "$1" 2>&1) || return 1
    [[ $out == *Usage* ]]
}

# One timed run of a command string: sets T_SEC and T_RSS (KB).
timed() {
    local rc=0
    /usr/bin/time -f '%e %M' -o "$TMP/time" bash -c "$1" >/dev/null 2>>"$LOG" || rc=$?
    read -r T_SEC T_RSS < <(tail -n 1 "$TMP/time")
    return "$rc"
}

# Job definition: job NAME SUBCOMMAND [REPS]; then `contender` lines; then run_job.
job() {
    J_NAME=$1 J_SUB=$2 J_REPS=${3:-1}
    C_NAME=() C_PREP=() C_CMD=() C_CHECK=() C_TARGET=()
    J_SERVER_ROOMS= J_MAX_CPU_US= J_MAX_S= J_MAX_RSS_MB=
}
# Targets of issue #17 (and the first round), checked in the summary:
# roomctl's median seconds, its peak RSS, and (server_cpu_per) the
# redis-server CPU per room; a contender's 5th argument is the highest
# ratio roomctl/anchor that meets the target.
max_seconds() { J_MAX_S=$1; }
max_rss_mb() { J_MAX_RSS_MB=$1; }
# server_cpu_per ROOMS: with roomctl's runs of this job, report the
# redis-server CPU they cost per room; ROOMS is a command string printing
# how many rooms a run deleted or wrote (run after it, untimed).
server_cpu_per() { J_SERVER_ROOMS=$1 J_MAX_CPU_US=${2:-}; }
# contender NAME PREP CMD CHECK [MAX_RATIO]: PREP and CHECK untimed (may be
# empty). CMD may hold several commands separated by $SEP; their times are
# summed. MAX_RATIO: the target, roomctl's median over this anchor's.
SEP=$'\x1f'
contender() {
    C_NAME+=("$1") C_PREP+=("$2") C_CMD+=("$3") C_CHECK+=("$4") C_TARGET+=("${5:-}")
}

ROWS=()
SERVER_ROWS=()
TARGET_ROWS=()
TARGETS_MISSED=0

# target_row WHAT MEASURED LIMIT: a row of the targets table; MEASURED is a
# number (or FAIL/WRONG/n/a, which miss), LIMIT the highest that meets it.
target_row() {
    local verdict="**not met**"
    if [[ $2 =~ ^[0-9.]+$ ]] && awk -v m="$2" -v l="$3" 'BEGIN {exit !(m <= l)}'; then
        verdict=met
    else
        TARGETS_MISSED=$((TARGETS_MISSED + 1))
    fi
    TARGET_ROWS+=("| $1 | $2 | ≤ $3 | $verdict |")
}
ANCHOR_FAILURES=0

median() { sort -g | awk '{v[NR]=$1} END {if (NR==0) exit 1; if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
maxof() { sort -g | tail -n 1; }

# run_job ROUNDS: R timed rounds after one warm-up; contenders alternate.
run_job() {
    local rounds=$1 i r part total peak rc cpu0 cpu1 rooms
    local -a status times rsses parts
    local per_room= per_key=
    for i in "${!C_NAME[@]}"; do
        status[i]=ok times[i]='' rsses[i]=''
    done
    if ! roomctl_has "$J_SUB"; then
        status[0]=n/a
    fi
    note "job: $J_NAME (N=$N)$([[ ${status[0]} == ok ]] || echo " (roomctl: n/a)")"
    for ((r = 0; r <= rounds; r++)); do
        for i in "${!C_NAME[@]}"; do
            [[ ${status[i]} == ok ]] || continue
            if [[ -n ${C_PREP[i]} ]]; then
                bash -c "${C_PREP[i]}" >>"$LOG" 2>&1 || die "$J_NAME / ${C_NAME[i]}: preparation failed (see $LOG)"
            fi
            total=0 peak=0 rc=0
            IFS=$SEP read -r -a parts <<<"${C_CMD[i]}"
            ((i == 0)) && [[ -n $J_SERVER_ROOMS ]] && cpu0=$(redis_cpu)
            for part in "${parts[@]}"; do
                timed "$part" || rc=$?
                total=$(awk -v a="$total" -v b="$T_SEC" 'BEGIN {print a + b}')
                ((T_RSS > peak)) && peak=$T_RSS
                ((rc == 0)) || break
            done
            if ((i == 0 && rc == 0 && r > 0)) && [[ -n $J_SERVER_ROOMS ]]; then
                cpu1=$(redis_cpu)
                rooms=$(bash -c "$J_SERVER_ROOMS" 2>>"$LOG" || echo 0)
                if ((rooms > 0)); then
                    per_room+="$(awk -v a="$cpu0" -v b="$cpu1" -v n="$rooms" 'BEGIN {printf "%.2f", (b - a) * 1e6 / n}') "
                    per_key+="$(awk -v a="$cpu0" -v b="$cpu1" -v n="$N" 'BEGIN {printf "%.2f", (b - a) * 1e6 / n}') "
                fi
            fi
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$J_NAME" "$N" "${C_NAME[i]}" "$r" "$total" "$peak" "$rc" >>"$RAW"
            if ((rc != 0)); then
                note "  ${C_NAME[i]}: FAILED (exit $rc; see $LOG)"
                status[i]=FAIL
            elif [[ -n ${C_CHECK[i]} ]] && ! bash -c "${C_CHECK[i]}" >>"$LOG" 2>&1; then
                note "  ${C_NAME[i]}: WRONG RESULT (check: ${C_CHECK[i]})"
                status[i]=WRONG
            elif ((r > 0)); then
                times[i]+="$total "
                rsses[i]+="$peak "
            fi
            if ((i > 0)) && [[ ${status[i]} != ok ]]; then
                ANCHOR_FAILURES=$((ANCHOR_FAILURES + 1))
            fi
        done
    done
    # Rows: one per anchor, roomctl columns repeated.
    local rc_med=${status[0]} rc_rss=${status[0]} an_med an_rss ratio
    if [[ ${status[0]} == ok ]]; then
        rc_med=$(tr ' ' '\n' <<<"${times[0]}" | grep . | median)
        rc_rss=$(tr ' ' '\n' <<<"${rsses[0]}" | grep . | maxof)
        rc_rss=$(awk -v k="$rc_rss" 'BEGIN {printf "%.1f", k / 1024}')
    fi
    for ((i = 1; i < ${#C_NAME[@]}; i++)); do
        an_med=${status[i]} an_rss=${status[i]} ratio=n/a
        if [[ ${status[i]} == ok ]]; then
            an_med=$(tr ' ' '\n' <<<"${times[i]}" | grep . | median)
            an_rss=$(tr ' ' '\n' <<<"${rsses[i]}" | grep . | maxof)
            an_rss=$(awk -v k="$an_rss" 'BEGIN {printf "%.1f", k / 1024}')
            if [[ ${status[0]} == ok ]]; then
                ratio=$(awk -v a="$rc_med" -v b="$an_med" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "n/a"}')
            fi
        fi
        ROWS+=("| $J_NAME | $N | $(fmt_s "$rc_med") | ${C_NAME[i]//|/\\|} | $(fmt_s "$an_med") | $ratio | $rc_rss | $an_rss |")
        [[ -z ${C_TARGET[i]} ]] || target_row "$J_NAME: roomctl / ${C_NAME[i]//|/\\|}" "$ratio" "${C_TARGET[i]}"
    done
    [[ -z $J_MAX_S ]] || target_row "$J_NAME: roomctl seconds" "$rc_med" "$J_MAX_S"
    [[ -z $J_MAX_RSS_MB ]] || target_row "$J_NAME: roomctl peak RSS MB" "$rc_rss" "$J_MAX_RSS_MB"
    if [[ -n $J_SERVER_ROOMS ]]; then
        local cpu_med=n/a key_med=n/a
        [[ -z $per_room ]] || cpu_med=$(tr ' ' '\n' <<<"$per_room" | grep . | median)
        [[ -z $per_key ]] || key_med=$(tr ' ' '\n' <<<"$per_key" | grep . | median)
        note "  redis-server CPU per room: $cpu_med µs"
        SERVER_ROWS+=("| $J_NAME | $N | $cpu_med | $key_med |")
        [[ -z $J_MAX_CPU_US ]] || target_row "$J_NAME: redis-server CPU µs per room" "$cpu_med" "$J_MAX_CPU_US"
    fi
}

# Seconds for the table; per call when the job loops REPS times.
fmt_s() {
    if [[ $1 =~ ^[0-9.]+$ ]]; then
        if ((J_REPS > 1)); then
            awk -v s="$1" -v n="$J_REPS" 'BEGIN {printf "%.4f", s / n}'
        else
            awk -v s="$1" 'BEGIN {printf "%.2f", s}'
        fi
    else
        echo "$1"
    fi
}

# -------------------------------------------------------------- commands ----

RURL='redis://127.0.0.1:$PORT'
CAT_FLOOR='find "$D/rooms" -name "*.json" -print0 | xargs -0 cat'
# SCAN piped to MGET in batches of 1000. `xargs -d "\n"` passes every line as
# one argument verbatim (no quote or blank splitting), so names with spaces,
# quotes, accents or emoji survive; redis-cli prints raw keys when stdout is
# not a terminal. (Only a newline inside a name would break it.)
SCAN_MGET='redis-cli -h 127.0.0.1 -p "$PORT" --scan --pattern "room:*" | xargs -d "\n" -n 1000 redis-cli -h 127.0.0.1 -p "$PORT" mget'
FLUSH='rcli flushdb'
DBSIZE_IS_N='test "$(rcli dbsize)" -eq "$N"'
DBSIZE_IS_LIVE='test "$(rcli dbsize)" -eq "$LIVE"'
FILES_LEFT_LIVE='test "$(count_files "$COPY")" -eq "$LIVE"'
LINES_AT_LEAST_N() { echo "test \"\$(wc -l < \"$1\")\" -ge \"\$N\""; }
PRUNE_ARGS='prune-inactive --older-than 30d --now "$NOW" --yes -q'
RM_OUT='rm -f "$D/out.jsonl" "$D/out-anchor.txt"; sync'

define_list_file() {
    job "list, file" list
    max_rss_mb "$LIST_MAX_RSS_MB"
    contender roomctl "" '"$ROOMCTL" -s "file:$D/rooms" list -o json > /dev/null' ""
    contender "cat floor (find | xargs cat)" "" "$CAT_FLOOR > /dev/null" "" 1.0
    contender "jq roomName+createdAt" "" 'find "$D/rooms" -name "*.json" -print0 | xargs -0 jq -c "{roomName, createdAt}" > /dev/null' "" 0.2
    contender "python3 json" "" 'python3 "$ANCHORS/list_files.py" "$D/rooms" > /dev/null' ""
}

define_list_table() {
    job "list (table), file" list
    max_rss_mb "$LIST_MAX_RSS_MB"
    contender roomctl "" '"$ROOMCTL" -s "file:$D/rooms" list > /dev/null' ""
    contender "cat floor (find | xargs cat)" "" "$CAT_FLOOR > /dev/null" "" 1.0
}

define_list_redis() {
    job "list, Redis" list
    max_rss_mb "$LIST_MAX_RSS_MB"
    contender roomctl "" "\"\$ROOMCTL\" -s \"$RURL\" list -o json > /dev/null" ""
    contender "redis-cli --scan | xargs mget" "" "$SCAN_MGET > /dev/null" ""
}

define_show_file() {
    job "show, file (per call)" show "$SHOW_REPS"
    contender roomctl "" "for _ in \$(seq $SHOW_REPS); do \"\$ROOMCTL\" -s \"file:\$D/rooms\" show movie-night-42 -o json > /dev/null; done" ""
    contender "jq . file" "" "for _ in \$(seq $SHOW_REPS); do jq . \"\$D/rooms/movie-night-42.json\" > /dev/null; done" ""
}

define_show_redis() {
    job "show, Redis (per call)" show "$SHOW_REPS"
    contender roomctl "" "for _ in \$(seq $SHOW_REPS); do \"\$ROOMCTL\" -s \"$RURL\" show movie-night-42 -o json > /dev/null; done" ""
    contender "redis-cli GET" "" "for _ in \$(seq $SHOW_REPS); do rcli GET room:movie-night-42 > /dev/null; done" ""
}

define_export_redis() {
    job "export, Redis" export
    max_rss_mb 63.99
    contender roomctl "$RM_OUT" "\"\$ROOMCTL\" -s \"$RURL\" export \"\$D/out.jsonl\"" "$(LINES_AT_LEAST_N '$D/out.jsonl')"
    contender "redis-cli --scan | xargs mget > file" "$RM_OUT" "$SCAN_MGET > \"\$D/out-anchor.txt\"" "$(LINES_AT_LEAST_N '$D/out-anchor.txt')" 0.5
}

define_export_files() {
    job "export, files" export
    max_rss_mb 63.99
    contender roomctl "$RM_OUT" '"$ROOMCTL" -s "file:$D/rooms" export "$D/out.jsonl"' "$(LINES_AT_LEAST_N '$D/out.jsonl')"
    contender "cat floor > file" "$RM_OUT" "$CAT_FLOOR > \"\$D/out-anchor.txt\"" "" 1.5
    contender "jq -c . > file" "$RM_OUT" 'find "$D/rooms" -name "*.json" -print0 | xargs -0 jq -c . > "$D/out-anchor.txt"' "$(LINES_AT_LEAST_N '$D/out-anchor.txt')"
}

define_import_redis() {
    job "import, Redis" import
    max_rss_mb 63.99
    contender roomctl "$FLUSH" "\"\$ROOMCTL\" -s \"$RURL\" import \"\$D/rooms.jsonl\" --on-conflict overwrite --yes" "$DBSIZE_IS_N"
    contender "redis-cli --pipe < rooms.resp" "$FLUSH" 'rcli --pipe < "$D/rooms.resp"' "$DBSIZE_IS_N" 2.5
}

# Every room of the archive already in Redis, in another version (the
# data set with 90 % stale rooms: same names, other activity), replaced.
define_import_overwrite_redis() {
    job "import --on-conflict overwrite, Redis" import
    server_cpu_per 'jq -r .overwritten "$D/import-summary.json"' 10
    contender roomctl "$LOAD_OTHER" "\"\$ROOMCTL\" -s \"$RURL\" import \"\$D/rooms.jsonl\" --on-conflict overwrite --yes -o json > \"\$D/import-summary.json\"" "$DBSIZE_IS_N"
    contender "redis-cli --pipe < rooms.resp (SET over each)" "$LOAD_OTHER" 'rcli --pipe < "$D/rooms.resp"' "$DBSIZE_IS_N"
}

define_migrate() {
    job "migrate files→Redis" migrate-backend
    max_rss_mb 63.99
    contender roomctl "$FLUSH" "\"\$ROOMCTL\" migrate-backend --from \"file:\$D/rooms\" --to \"$RURL\"" "$DBSIZE_IS_N"
    contender "cat floor + redis-cli --pipe (sum)" "$FLUSH" "$CAT_FLOOR > /dev/null${SEP}rcli --pipe < \"\$D/rooms.resp\"" "$DBSIZE_IS_N" 1.0
    contender "python3 files→RESP | redis-cli --pipe" "$FLUSH" 'python3 "$ANCHORS/files_to_resp.py" "$D/rooms" | rcli --pipe' "$DBSIZE_IS_N"
}

# Writing a file store: roomctl against `cp -a` of the same pretty room
# files followed by `sync` (roomctl makes every room durable before it
# appears; cp does not, sync does it for everything at the end). Before each
# run (untimed): an empty target, and `sync`, so that neither contender
# flushes what the other left dirty.
FILE_TARGET='$D/work/target'
EMPTY_TARGET="rm -rf \"$FILE_TARGET\" && mkdir -p \"$FILE_TARGET\" && sync"
NO_TARGET="rm -rf \"$FILE_TARGET\" && sync"
CP_SYNC="cp -a \"\$D/rooms\" \"$FILE_TARGET\" && sync"
TARGET_HAS_N="test \"\$(count_files \"$FILE_TARGET\")\" -eq \"\$N\""

define_import_files() {
    job "import, files" import
    max_rss_mb 63.99
    contender roomctl "$EMPTY_TARGET" "\"\$ROOMCTL\" -s \"file:$FILE_TARGET\" import \"\$D/rooms.jsonl\" -q" "$TARGET_HAS_N"
    contender "cp -a + sync" "$NO_TARGET" "$CP_SYNC" "$TARGET_HAS_N" 1.3
}

define_migrate_files_files() {
    job "migrate files→files" migrate-backend
    max_rss_mb 63.99
    contender roomctl "$EMPTY_TARGET" "\"\$ROOMCTL\" migrate-backend --from \"file:\$D/rooms\" --to \"file:$FILE_TARGET\" -q" "$TARGET_HAS_N"
    contender "cp -a + sync" "$NO_TARGET" "$CP_SYNC" "$TARGET_HAS_N" 1.3
}

define_migrate_redis_files() {
    job "migrate Redis→files" migrate-backend
    max_rss_mb 63.99
    contender roomctl "$EMPTY_TARGET" "\"\$ROOMCTL\" migrate-backend --from \"$RURL\" --to \"file:$FILE_TARGET\" -q" "$TARGET_HAS_N"
    contender "cp -a + sync" "$NO_TARGET" "$CP_SYNC" "$TARGET_HAS_N" 1.3
}

define_prune_files() {
    job "prune, files, ${STALE_NOW:-10} % stale" prune-inactive
    max_rss_mb 63.99
    contender roomctl restore_copy "\"\$ROOMCTL\" -s \"file:\$COPY\" $PRUNE_ARGS" "$FILES_LEFT_LIVE"
    # mtime = last activity (roomgen), so "! -newermt cutoff" is `-mtime +30`
    # taken relative to the generator's --now instead of the wall clock.
    contender "find ! -newermt cutoff -delete (mtime)" restore_copy 'find "$COPY" -name "*.json" ! -newermt "$CUTOFF" -delete' "$FILES_LEFT_LIVE" 1.5
    contender "jq select + rm (content)" restore_copy 'find "$COPY" -name "*.json" -print0 | xargs -0 jq -r --arg c "$CUTOFF" --argjson cm "$CUTOFF_MS" -f "$ANCHORS/stale_files.jq" | xargs -d "\n" -r rm -f --' "$FILES_LEFT_LIVE" 0.2
}

define_prune_redis() {
    job "prune, Redis, ${STALE_NOW:-10} % stale" prune-inactive
    max_rss_mb 63.99
    # An admin's first prune deletes most rooms: at most 10 µs of server
    # CPU per deleted room (the scan of every room included) and 2 s for
    # 90 % of 100,000 (scaled with N). With few rooms to delete, the scan
    # dominates; that figure is reported, not judged.
    if ((${STALE_NOW:-10} >= 90)); then
        server_cpu_per 'echo $((N - LIVE))' 10
        max_seconds "$(awk -v n="$N" 'BEGIN {print 2 * n / 100000}')"
    else
        server_cpu_per 'echo $((N - LIVE))'
    fi
    contender roomctl redis_reload "\"\$ROOMCTL\" -s \"$RURL\" $PRUNE_ARGS" "$DBSIZE_IS_LIVE"
    contender "scan | mget | jq | del" redis_reload "$SCAN_MGET"' | jq -r --arg c "$CUTOFF" --argjson cm "$CUTOFF_MS" -f "$ANCHORS/stale_keys.jq" | xargs -d "\n" -r -n 1000 redis-cli -h 127.0.0.1 -p "$PORT" del' "$DBSIZE_IS_LIVE"
}

# size_distribution DIR: median, p90, p99 and max of the room files' sizes.
size_distribution() {
    find "$1" -maxdepth 1 -name '*.json' -printf '%s\n' | sort -n | awk '
        {v[NR] = $1}
        function q(p,  i) {i = int(p * NR + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR; return v[i]}
        END {if (NR) printf "median %d, p90 %d, p99 %d, max %d", q(0.5), q(0.9), q(0.99), v[NR]}'
}

machine_info() {
    local cpu
    cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
    echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "- machine: $(nproc) CPUs, ${cpu:-unknown CPU}, $(awk '/^MemTotal/ {printf "%.0f GB RAM", $2 / 1048576}' /proc/meminfo)"
    echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine makes timings noisy)"
    echo "- roomctl: $ROOMCTL ($(cd "$ROOT" && git describe --always --dirty 2>/dev/null || echo unknown))"
}

# ------------------------------------------------------------------ main ----

if [[ $MODE == memory ]]; then
    read -r -a SIZES <<<"${BENCH_MEMORY_SIZES:-10000 1000000}"
    start_redis
    declare -A MEM_RSS MEM_SEC
    MEM_JOBS=(define_list_file define_list_table define_list_redis define_export_files define_export_redis
        define_import_redis define_migrate define_migrate_redis_files define_import_files
        define_migrate_files_files define_prune_files define_prune_redis)
    if [[ -n ${BENCH_MEMORY_JOBS:-} ]]; then
        read -r -a MEM_JOBS <<<"$BENCH_MEMORY_JOBS"
        for def in "${MEM_JOBS[@]}"; do
            [[ $(type -t "$def") == function && $def == define_* ]] || die "BENCH_MEMORY_JOBS: no job $def"
        done
    fi
    ANY=0
    for def in "${MEM_JOBS[@]}"; do
        "$def"
        if roomctl_has "$J_SUB"; then ANY=1; fi
    done
    for size in "${SIZES[@]}"; do
        if ((ANY)); then
            gen_data "$size" 1
            redis_reload || die "loading Redis failed"
        else
            note "no roomctl subcommand of this table exists yet; not generating $size rooms"
        fi
        for def in "${MEM_JOBS[@]}"; do
            "$def"
            # roomctl alone, once, no warm-up.
            C_NAME=("${C_NAME[0]}") C_PREP=("${C_PREP[0]}") C_CMD=("${C_CMD[0]}") C_CHECK=("${C_CHECK[0]}")
            if ! roomctl_has "$J_SUB"; then
                note "job: $J_NAME (N=$N) n/a"
                MEM_RSS[$J_NAME/$size]=n/a MEM_SEC[$J_NAME/$size]=n/a
                continue
            fi
            note "job: $J_NAME (N=$N)"
            [[ -z ${C_PREP[0]} ]] || bash -c "${C_PREP[0]}" >>"$LOG" 2>&1 || die "$J_NAME: preparation failed"
            if ! timed "${C_CMD[0]}"; then
                MEM_RSS[$J_NAME/$size]=FAIL MEM_SEC[$J_NAME/$size]=FAIL
            elif [[ -n ${C_CHECK[0]} ]] && ! bash -c "${C_CHECK[0]}" >>"$LOG" 2>&1; then
                MEM_RSS[$J_NAME/$size]=WRONG MEM_SEC[$J_NAME/$size]=WRONG
            else
                MEM_RSS[$J_NAME/$size]=$(awk -v k="$T_RSS" 'BEGIN {printf "%.1f", k / 1024}')
                MEM_SEC[$J_NAME/$size]=$T_SEC
            fi
            printf '%s\t%s\troomctl\t1\t%s\t%s\t-\n' "$J_NAME" "$N" "$T_SEC" "$T_RSS" >>"$RAW"
        done
        if ((ANY)); then rm -rf "$D/work" "$D/out.jsonl" "$D/out-anchor.txt"; fi
    done
    {
        echo "# roomctl memory scaling"
        echo
        machine_info
        echo "- data: --small rooms (about 1 KB), seed $SEED; one run each, roomctl only"
        echo
        header="| job |"
        rule="|---|"
        for size in "${SIZES[@]}"; do
            header+=" peak RSS MB @ $size | s @ $size |"
            rule+="---:|---:|"
        done
        first=${SIZES[0]} last=${SIZES[${#SIZES[@]} - 1]}
        ((last > first)) && header+=" bytes per room beyond the base |" rule+="---:|"
        echo "$header"
        echo "$rule"
        for def in "${MEM_JOBS[@]}"; do
            "$def"
            line="| $J_NAME |"
            for size in "${SIZES[@]}"; do
                line+=" ${MEM_RSS[$J_NAME/$size]} | ${MEM_SEC[$J_NAME/$size]} |"
            done
            if ((last > first)); then
                a=${MEM_RSS[$J_NAME/$first]} b=${MEM_RSS[$J_NAME/$last]}
                if [[ $a =~ ^[0-9.]+$ && $b =~ ^[0-9.]+$ ]]; then
                    line+=" $(awk -v a="$a" -v b="$b" -v n="$((last - first))" 'BEGIN {v = (b - a) * 1048576 / n; printf "%.0f", v < 0 ? 0 : v}') |"
                else
                    line+=" n/a |"
                fi
            fi
            echo "$line"
        done
        echo
        echo "The growth per room is (RSS at $last − RSS at $first) / ($last − $first) rooms; list's target is < 200 bytes per room."
    } | tee "$BENCH_DIR/RESULTS-memory.md"
    exit 0
fi

gen_data "$N" "$SMALL"
start_redis
redis_reload || die "loading Redis failed"

define_list_file && run_job "$ROUNDS"
define_list_table && run_job "$ROUNDS"
define_list_redis && run_job "$ROUNDS"
define_show_file && run_job "$ROUNDS"
define_show_redis && run_job "$ROUNDS"
define_export_redis && run_job "$ROUNDS"
define_export_files && run_job "$ROUNDS"
define_import_redis && run_job "$ROUNDS"
define_migrate && run_job "$ROUNDS"
define_import_files && run_job "$ROUNDS"
define_migrate_files_files && run_job "$ROUNDS"
redis_reload || die "loading Redis failed"
define_migrate_redis_files && run_job "$ROUNDS"
rm -rf "$D/work/target"
# The other version of every room, for the overwrite job: the 90 % stale
# data set's.
MAIN_D=$D
gen_data "$N" "$SMALL" 90
export OTHER_RESP=$D/rooms.resp
gen_data "$N" "$SMALL"
LOAD_OTHER='rcli flushdb > /dev/null && rcli --pipe < "$OTHER_RESP" > /dev/null'
define_import_overwrite_redis && run_job "$ROUNDS"
for STALE_NOW in "${STALE_PERCENTS[@]}"; do
    gen_data "$N" "$SMALL" "$STALE_NOW"
    redis_reload || die "loading Redis failed"
    define_prune_files && run_job "$ROUNDS"
    define_prune_redis && run_job "$ROUNDS"
    rm -rf "$D/work" "$D/out.jsonl" "$D/out-anchor.txt" "$D/import-summary.json"
done
D=$MAIN_D
STALE=$(wc -l <"$D/stale.txt")
rm -rf "$D/work" "$D/out.jsonl" "$D/out-anchor.txt" "$D/import-summary.json"

{
    echo "# roomctl benchmark results"
    echo
    machine_info
    echo "- data: $N rooms$( ((SMALL)) && echo ' (--small)'), seed $SEED, $(du -sh "$D/rooms" | cut -f1) of room files, $STALE stale; generator now $NOW"
    echo "- room file sizes (pretty JSON, bytes): $(size_distribution "$D/rooms")"
    echo "- $ROUNDS timed rounds per contender after one warm-up, contenders alternating, warm page cache; median wall seconds and max RSS from /usr/bin/time -f '%e %M' (0.01 s resolution); show loops $SHOW_REPS calls and reports per call"
    echo
    echo "| job | N | roomctl median s | anchor | anchor median s | ratio (roomctl/anchor) | roomctl peak RSS MB | anchor peak RSS MB |"
    echo "|---|---:|---:|---|---:|---:|---:|---:|"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "n/a: roomctl has no such subcommand yet. FAIL: non-zero exit. WRONG: the result check failed. Raw runs: bench/data/last-run.tsv."
    echo
    echo "redis-server CPU of roomctl's runs (INFO cpu, used_cpu_user + used_cpu_sys, before and after each run; median of the rounds), per room deleted or written and per room in the store (the scan reads every room):"
    echo
    echo "| job | N | µs per room deleted or written | µs per room in the store |"
    echo "|---|---:|---:|---:|"
    printf '%s\n' "${SERVER_ROWS[@]}"
    echo
    echo "Targets (ratio = roomctl median / anchor median; RSS in MB):"
    echo
    echo "| target | measured | limit | verdict |"
    echo "|---|---:|---:|---|"
    printf '%s\n' "${TARGET_ROWS[@]}"
    echo
    if ((TARGETS_MISSED)); then
        echo "$TARGETS_MISSED target(s) not met in this run."
    else
        echo "Every target is met in this run."
    fi
} | tee "$BENCH_DIR/RESULTS.md"

((ANCHOR_FAILURES == 0)) || die "$ANCHOR_FAILURES anchor run(s) failed; see $LOG"
