#!/usr/bin/env bash
# B1: schemathesis (from PyPI, in a venv under target/) against /api/openapi.json of the real
# `waypost serve` on the shipped courses, signed in as a learner: 0 server errors, 0 responses
# that break the schema, 0 undocumented status codes or content types.
#   bash tests/schemathesis/run.sh          (WAYPOST_BIN=… to test another binary)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${WAYPOST_BIN:-$root/target/debug/waypost}"
venv="$root/target/schemathesis-venv"
[ -x "$bin" ] || { echo "no $bin: run cargo build first"; exit 1; }

if [ ! -x "$venv/bin/st" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
fi

work="$(mktemp -d)"
log="$work/serve.log"
"$bin" serve "$root/courses" --listen 127.0.0.1:0 --data-dir "$work/data" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
base=""
for _ in $(seq 1 100); do
    base="$(grep -o 'http://127.0.0.1:[0-9]*' "$log" | head -1 || true)"
    [ -n "$base" ] && break
    sleep 0.1
done
[ -n "$base" ] || { echo "waypost serve printed no URL:"; cat "$log"; exit 1; }

# A signed-in learner: its session cookie and CSRF token go on every request.
signup="$(curl -sS -i -X POST "$base/api/users" -H 'Content-Type: application/json' \
    -d '{"email":"fuzz@example.org","display_name":"Fuzz","password":"correct horse battery"}')"
cookie="$(printf '%s\n' "$signup" | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' | head -1)"
csrf="$(printf '%s\n' "$signup" | tail -1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])')"
[ -n "$cookie" ] && [ -n "$csrf" ] || { echo "sign-up failed: $signup"; exit 1; }

cd "$here"
# DELETE /api/session(s) would end the session the rest of the run uses: covered by the Rust tests.
"$venv/bin/st" --no-color run "$base/api/openapi.json" \
    --exclude-checks positive_data_acceptance \
    --exclude-method DELETE \
    -H "Cookie: $cookie" -H "X-CSRF-Token: $csrf" \
    --max-examples "${ST_MAX_EXAMPLES:-100}" \
    --seed 20261204 \
    --request-timeout 10
status=$?
# The server must not have crashed or logged an error under the fuzzing.
kill -0 $pid || { echo "waypost serve died:"; cat "$log"; exit 1; }
if grep -q ' ERROR ' "$log"; then echo "the server logged errors:"; grep ' ERROR ' "$log"; exit 1; fi
exit $status
