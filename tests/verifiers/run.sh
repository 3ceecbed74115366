#!/usr/bin/env bash
# Independent verification of Waypost certificates (C1, C2, C3), offline, against the real binary:
#   1. starts `waypost serve` on a free loopback port with a throw-away data dir and the
#      one-lesson course in ./course (or uses WAYPOST_BASE_URL with WAYPOST_CERT_IDS given);
#   2. issues certificates over HTTP as learners would (Latin and Arabic names), rotates the
#      signing key (`waypost admin rotate-signing-key`, SIGHUP), issues more (Chinese,
#      Cyrillic), and an admin revokes the last one;
#   3. runs Digital Bazaar's Data Integrity verifier (node --test dataintegrity.test.mjs) and
#      the PyJWT VC-JWT verifier (verify_jwt.py, in .venv), positive and negative cases.
# Needs Node 20+ and Python 3 with venv; installs npm packages from package-lock.json (npm ci)
# and PyPI packages from requirements.txt. WAYPOST_PNG_DIR=dir also renders two PDFs to PNG.
set -euo pipefail
cd "$(dirname "$0")"
HERE=$PWD
ROOT=$(cd ../.. && pwd)

[ -d node_modules/@digitalbazaar/vc ] || npm ci --no-audit --no-fund
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -c 'import jwt, cryptography, jsonschema' 2>/dev/null || .venv/bin/pip install -q -r requirements.txt

if [ -z "${WAYPOST_BASE_URL:-}" ]; then
    BIN=${WAYPOST_BIN:-$ROOT/target/debug/waypost}
    if [ -z "${WAYPOST_BIN:-}" ]; then
        (cd "$ROOT" && cargo build --locked -q -p waypost)
    fi
    WORK=$(mktemp -d)
    trap 'kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
    mkdir -p "$WORK/courses" && cp -R "$HERE/course" "$WORK/courses/verifier-course"
    ADMIN_EMAIL=admin@example.org
    ADMIN_PASSWORD="verifier admin passphrase"
    printf '%s' "$ADMIN_PASSWORD" | env -u WAYPOST_SIGNING_KEY_FILE -u WAYPOST_DATABASE_URL \
        "$BIN" admin --data-dir "$WORK/data" create-admin --email "$ADMIN_EMAIL" --name Admin > /dev/null
    env -u WAYPOST_SIGNING_KEY_FILE -u WAYPOST_DATABASE_URL -u WAYPOST_BASE_URL \
        "$BIN" serve "$WORK/courses" --data-dir "$WORK/data" --listen 127.0.0.1:0 > "$WORK/out" 2> "$WORK/err" &
    SERVER_PID=$!
    for _ in $(seq 1 100); do
        grep -q "Waypost is serving" "$WORK/out" 2>/dev/null && break
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/err"; exit 1; }
        sleep 0.1
    done
    export WAYPOST_BASE_URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$WORK/out" | head -1)
    echo "waypost serve at $WAYPOST_BASE_URL"
    [ "$(stat -c %a "$WORK/data/signing-key")" = 600 ] || { echo "the key file is not 0600"; exit 1; }
    BEFORE=$(.venv/bin/python issue_certificates.py "$WAYPOST_BASE_URL" "$ADMIN_EMAIL" "$ADMIN_PASSWORD" \
        "Zoë Åkesson" "أميرة حداد")
    # Rotate the signing key (C3): certificates signed before and after must all verify.
    env -u WAYPOST_SIGNING_KEY_FILE -u WAYPOST_DATABASE_URL "$BIN" admin --data-dir "$WORK/data" rotate-signing-key
    kill -HUP "$SERVER_PID"
    for _ in $(seq 1 50); do
        grep -q "site rebuilt and published" "$WORK/err" && break
        sleep 0.1
    done
    AFTER=$(.venv/bin/python issue_certificates.py "$WAYPOST_BASE_URL" "$ADMIN_EMAIL" "$ADMIN_PASSWORD" \
        --revoke-last "王小明" "Юлия Соколова")
    export WAYPOST_CERT_IDS=$(sed -n 's/^ids=//p' <<< "$BEFORE"),$(sed -n 's/^ids=//p' <<< "$AFTER")
    export WAYPOST_REVOKED_IDS=$(sed -n 's/^revoked=//p' <<< "$AFTER")
    export WAYPOST_EXPECT_KEYS=2
    echo "issued: $WAYPOST_CERT_IDS (revoked: $WAYPOST_REVOKED_IDS)"
    if [ -n "${WAYPOST_PNG_DIR:-}" ]; then
        mkdir -p "$WAYPOST_PNG_DIR"
        IFS=, read -r -a ids <<< "$WAYPOST_CERT_IDS"
        for pair in "latin:${ids[0]}" "arabic:${ids[1]}" "chinese:${ids[2]}"; do
            curl -sf "$WAYPOST_BASE_URL/certificates/${pair#*:}.pdf" -o "$WAYPOST_PNG_DIR/${pair%%:*}.pdf"
            pdftoppm -png -r 60 -singlefile "$WAYPOST_PNG_DIR/${pair%%:*}.pdf" "$WAYPOST_PNG_DIR/${pair%%:*}"
        done
        echo "PNGs in $WAYPOST_PNG_DIR"
    fi
fi

if [ -n "${WORK:-}" ]; then
    # The private key is never logged (A9, C3).
    SEED=$(tr -d '\n' < "$WORK/data/signing-key")
    if grep -qF "$SEED" "$WORK/out" "$WORK/err"; then echo "the server logged its signing key"; exit 1; fi
fi

echo "== Data Integrity (eddsa-rdfc-2022): @digitalbazaar/vc"
node --test dataintegrity.test.mjs
echo "== VC-JWT (EdDSA): PyJWT + cryptography, OB 3.0 required fields"
.venv/bin/python verify_jwt.py
