#!/usr/bin/env bash
# Waypost browser suite: Debian's Chromium driven by playwright-core, axe-core for accessibility.
#
#   bash tests/browser/run.sh            (from anywhere; .ci/run calls it)
#
# 1. installs Debian's chromium if /usr/bin/chromium is missing (never a downloaded browser)
# 2. npm ci in tests/browser (versions pinned by package-lock.json; no install scripts)
# 3. builds the waypost binary and, into a temp dir, three sites:
#      site/     the shipped courses (precompressed .br/.gz twins)
#      static/   the same with --static-only (every quiz is practice)
#      hostile/  fixtures/hostile, a lesson full of injection vectors (QUALITY B3)
#    and passes the binary itself (WAYPOST_BIN) to preview.test.mjs, which runs `waypost preview`
# 4. runs node's test runner on tests/browser/*.test.mjs; exits non-zero if any test fails.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
START=$SECONDS

export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
    echo "browser suite: $CHROMIUM is missing; installing Debian's chromium"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi
"$CHROMIUM" --version 2>/dev/null | grep -i chromium || true

echo "browser suite: npm ci"
(cd "$HERE" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)

echo "browser suite: cargo build"
(cd "$ROOT" && cargo build --locked --quiet)
WAYPOST="${CARGO_TARGET_DIR:-$ROOT/target}/debug/waypost"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/waypost-browser.XXXXXX")"
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT

echo "browser suite: building the sites into $WORK"
(cd "$ROOT" && "$WAYPOST" build courses --out "$WORK/site")
(cd "$ROOT" && "$WAYPOST" build courses --out "$WORK/static" --static-only --no-compress)
(cd "$ROOT" && "$WAYPOST" build "$HERE/fixtures/hostile" --out "$WORK/hostile" --no-compress)

export WAYPOST_BIN="$WAYPOST"
export WAYPOST_SITE="$WORK/site"
export WAYPOST_STATIC_SITE="$WORK/static"
export WAYPOST_HOSTILE_SITE="$WORK/hostile"

echo "browser suite: running tests"
status=0
(
    cd "$HERE"
    # Hard stop well inside CI's budget if a browser ever hangs; node's runner also times out tests.
    exec timeout --kill-after=20 600 node --test --test-concurrency=2 \
        --test-reporter=spec --test-reporter-destination=stdout \
        --test-reporter=tap --test-reporter-destination="$WORK/results.tap" \
        ./*.test.mjs
) || status=$?

pass="$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$WORK/results.tap" 2>/dev/null | tail -n 1)"
fail="$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$WORK/results.tap" 2>/dev/null | tail -n 1)"
echo "browser suite finished in $((SECONDS - START)) s (exit $status)"
echo "browser: ${pass:-0} passed, ${fail:-0} failed"
if [ "$status" -eq 0 ] && [ "${fail:-0}" != "0" ]; then status=1; fi
if [ "$status" -eq 0 ] && [ "${pass:-0}" = "0" ]; then
    echo "browser suite: no test passed" >&2
    status=1
fi
exit "$status"
