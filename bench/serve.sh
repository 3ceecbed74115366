#!/usr/bin/env bash
# Benchmark: `waypost serve` under signed-in learners, on SQLite (synchronous=FULL) and
# PostgreSQL, next to the raw write ceiling of the same database, and its lesson pages
# against nginx serving the same `waypost build` output.
#
#   bash bench/serve.sh [SECONDS] [N]
#
# SECONDS per load phase (default 10); N lessons in the generated corpus (default 10000).
# Release binary, loopback; the load client (server/examples/load.rs) and the server share
# this machine's cores. Installs wrk and nginx (apt) when missing. PostgreSQL: the server on
# 127.0.0.1:5432 (WAYPOST_BENCH_POSTGRES to use another; "none" to skip).
# Prints: start-up time and memory on the corpus; progress writes/s with p50/p99 at 50 and
# 200 clients; graded submissions/s; the 2,000-learner exam-start spike; the raw ceiling;
# lesson pages req/s and p99 at 100 connections against nginx; the server's peak memory.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_PHASE=${1:-10}
N=${2:-10000}
PG_ADMIN=${WAYPOST_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}
WORK=$(mktemp -d /dev/shm/waypost-serve-bench.XXXX)
chmod 755 "$WORK" # nginx workers read the built site
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

for tool in wrk nginx; do
    command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || {
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$tool" >/dev/null
    }
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
cargo build --release --locked --quiet --bin waypost --example load
BIN=target/release/waypost
LOAD=target/release/examples/load

python3 ../shared/bench/gen_corpus.py "$N" --out "$WORK/corpus" --layouts waypost >/dev/null
COURSES="$WORK/corpus/waypost-$N"
PAGE=/course-001/lesson-003.html
echo "corpus: $N lessons; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"

# start_server NAME ARGS…: starts `waypost serve` on a free port; sets URL and SERVER_PID;
# prints the time from spawn to /readyz 200 and the memory then.
start_server() {
    local name=$1; shift
    local log="$WORK/$name.log"
    local t0; t0=$(date +%s.%N)
    WAYPOST_LOG=warn "$BIN" serve "$COURSES" --listen 127.0.0.1:0 "$@" >"$log" 2>&1 &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    URL=""
    for _ in $(seq 1 600); do
        URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$log" | head -1 || true)
        [ -n "$URL" ] && curl -fs -o /dev/null "$URL/readyz" && break
        sleep 0.02
    done
    [ -n "$URL" ] || { cat "$log"; exit 1; }
    local t1; t1=$(date +%s.%N)
    printf 'start-up, %s, %d lessons: ready in %.2f s (spawn to /readyz 200), RSS %d MB\n' "$name" "$N" \
        "$(echo "$t1 - $t0" | bc)" "$(( $(awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status") / 1024 ))"
}

peak() {
    printf 'server peak memory, %s: %d MB (VmHWM, over all of its phases)\n' "$1" \
        "$(( $(awk '/VmHWM/ {print $2}' "/proc/$SERVER_PID/status") / 1024 ))"
}

stop_server() {
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
}

# wrk_line NAME URL [HEADER]: req/s and p99 at 100 connections.
wrk_line() {
    local out; out=$(wrk -t2 -c100 -d"${SECONDS_PER_PHASE}s" --latency ${3:+-H "$3"} "$2")
    printf '%s: %s req/s, p99 %s, %s\n' "$1" "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
        "$(awk '$1 == "99%" {print $2}' <<<"$out")" "$(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr -s ' ' | paste -sd ';' || echo '0 errors')"
    awk '/Requests\/sec/ {print $2}' <<<"$out" >"$WORK/rps-$1"
}

echo
echo "== SQLite (synchronous=FULL, WAL)"
start_server sqlite --data-dir "$WORK/data"
"$LOAD" ceiling --database-url "sqlite://$WORK/raw.db?mode=rwc" --seconds 5
"$LOAD" run --base "$URL" --database-url "sqlite://$WORK/data/waypost.db" --courses "$COURSES" \
    --seconds "$SECONDS_PER_PHASE" --tag sqlite

echo
echo "== lesson page $PAGE, 100 connections: waypost serve against nginx on the same build"
"$BIN" build "$COURSES" --out "$WORK/site" >/dev/null 2>&1
mkdir -p "$WORK/nginx"
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    gzip_static on;
    keepalive_requests 100000;
    types { text/html html; text/css css; application/javascript js; }
    client_body_temp_path $WORK/nginx; proxy_temp_path $WORK/nginx; fastcgi_temp_path $WORK/nginx;
    uwsgi_temp_path $WORK/nginx; scgi_temp_path $WORK/nginx;
    server { listen 127.0.0.1:18089; root $WORK/site; }
}
EOF
"$NGINX" -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" -g 'daemon off;' &
PIDS+=("$!")
sleep 0.5
curl -fs -o /dev/null "http://127.0.0.1:18089$PAGE" || { echo "nginx does not serve $PAGE"; cat "$WORK/nginx/error.log"; exit 1; }
# As a browser asks (waypost sends its .br twin, nginx its .gz twin), then without compression.
BROWSER="Accept-Encoding: gzip, deflate, br"
wrk_line "waypost-serve-browser" "$URL$PAGE" "$BROWSER"
wrk_line "nginx-browser" "http://127.0.0.1:18089$PAGE" "$BROWSER"
wrk_line "waypost-serve-identity" "$URL$PAGE"
wrk_line "nginx-identity" "http://127.0.0.1:18089$PAGE"
for how in browser identity; do
    echo "waypost serve / nginx, $how: $(echo "scale=2; $(cat "$WORK/rps-waypost-serve-$how") / $(cat "$WORK/rps-nginx-$how")" | bc)x (target ≥ 0.8x)"
done
peak sqlite
stop_server

if [ "$PG_ADMIN" != none ]; then
    echo
    echo "== PostgreSQL ($PG_ADMIN)"
    psql "$PG_ADMIN" -q -c "DROP DATABASE IF EXISTS waypost_bench" -c "CREATE DATABASE waypost_bench" 2>/dev/null
    PG="${PG_ADMIN%/*}/waypost_bench"
    start_server postgres --data-dir "$WORK/data-pg" --database-url "$PG"
    "$LOAD" ceiling --database-url "$PG" --seconds 5
    "$LOAD" run --base "$URL" --database-url "$PG" --courses "$COURSES" --seconds "$SECONDS_PER_PHASE" --tag pg
    peak postgres
    stop_server
    psql "$PG_ADMIN" -q -c "DROP DATABASE IF EXISTS waypost_bench" 2>/dev/null || true
fi
