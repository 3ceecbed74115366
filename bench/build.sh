#!/usr/bin/env bash
# Benchmark: `waypost build` against Hugo and mdBook on the same generated text.
#
#   bash bench/build.sh [N] [OUT_ROOT]
#
# N defaults to 10000 lessons; mdBook runs at min(N, 1000) because its sidebar makes it
# quadratic (QUALITY.md). OUT_ROOT defaults to /dev/shm (RAM) so the figures measure the
# tools rather than this machine's disk; pass a disk path to include write cost.
# Installs Hugo (apt) when missing; mdBook runs only if installed (`cargo install mdbook`).
# Prints wall, CPU (user + sys) and peak memory per tool, the ratios, the compressed weight of
# one lesson page, and the size of the site and of its search index.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-10000}
ROOT=${2:-/dev/shm}
WORK=$(mktemp -d "$ROOT/waypost-bench.XXXX")
trap 'rm -rf "$WORK"' EXIT
MDN=$(( N < 1000 ? N : 1000 ))

command -v hugo >/dev/null || { apt-get update -qq && apt-get install -y -qq hugo >/dev/null; }
MDBOOK=$(command -v mdbook || ls ~/.cargo/bin/mdbook 2>/dev/null || true)
cargo build --release --locked --quiet
BIN=target/release/waypost

python3 ../shared/bench/gen_corpus.py "$N" --out "$WORK/corpus" --layouts waypost,hugo >/dev/null
[ -n "$MDBOOK" ] && python3 ../shared/bench/gen_corpus.py "$MDN" --out "$WORK/corpus-md" --layouts mdbook >/dev/null

# measure NAME COMMAND…: one run, prints wall s, CPU s (user+sys) and peak RSS MB.
measure() {
    local name=$1; shift
    /usr/bin/time -f "%e %U %S %M" -o "$WORK/time" "$@" >"$WORK/log" 2>&1 || { cat "$WORK/log"; exit 1; }
    read -r wall user sys rss <"$WORK/time"
    printf '%-44s wall %7.2f s   cpu %7.2f s   peak %6.0f MB\n' "$name" "$wall" "$(echo "$user + $sys" | bc)" "$(echo "$rss / 1024" | bc)"
    echo "$wall" >"$WORK/wall-$name"
}

echo "corpus: $N lessons (mdBook: $MDN) in $ROOT, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$BIN" build "$WORK/corpus/waypost-$N" --out "$WORK/warm" --no-compress >/dev/null 2>&1 # warm the page cache
rm -rf "$WORK/warm"
measure "waypost-build" "$BIN" build "$WORK/corpus/waypost-$N" --out "$WORK/site" --no-compress
measure "waypost-rebuild-unchanged" "$BIN" build "$WORK/corpus/waypost-$N" --out "$WORK/site" --no-compress
rm -rf "$WORK/site"
measure "waypost-build+precompress" "$BIN" build "$WORK/corpus/waypost-$N" --out "$WORK/site"
measure "hugo" hugo --quiet -s "$WORK/corpus/hugo-$N" --config "$WORK/corpus/hugo-$N/config.toml,$WORK/corpus/hugo-$N/lean.toml" -d "$WORK/hugo-out"
ratio() { echo "scale=1; $(cat "$WORK/wall-$1") / $(cat "$WORK/wall-$2")" | bc; }
if [ -n "$MDBOOK" ]; then
    measure "mdbook-$MDN" "$MDBOOK" build "$WORK/corpus-md/mdbook-$MDN" -d "$WORK/mdbook-out"
    python3 ../shared/bench/gen_corpus.py "$MDN" --out "$WORK/corpus-wmd" --layouts waypost >/dev/null
    measure "waypost-build-$MDN" "$BIN" build "$WORK/corpus-wmd/waypost-$MDN" --out "$WORK/site-wmd" --no-compress
    echo "ratios (wall): hugo / waypost = $(ratio hugo waypost-build)x, mdbook / waypost at $MDN = $(ratio "mdbook-$MDN" "waypost-build-$MDN")x"
else
    echo "mdbook: not installed, skipped (cargo install --locked mdbook)"
    echo "ratio (wall): hugo / waypost = $(ratio hugo waypost-build)x"
fi

# First-visit weight of one lesson page with its CSS and JS, as a browser receives it (brotli).
page="$WORK/site/course-001/lesson-003.html"
# Asset URLs in the page are HTML-escaped (`assets&#x2f;waypost.<hash>.css`): match the names.
size=$(stat -c %s "$page.br")
for asset in $(grep -o '[a-z]*\.[0-9a-f]\{8\}\.\(js\|css\)' "$page" | sort -u); do
    size=$(( size + $(stat -c %s "$WORK/site/assets/$asset.br") ))
done
echo "lesson page + CSS + JS, brotli: $(echo "scale=1; $size / 1024" | bc) KB (target ≤ 60 KB)"
echo "search index: $(du -sh --exclude='*.br' --exclude='*.gz' "$WORK/site/search" | cut -f1), site: $(du -sh --exclude='*.br' --exclude='*.gz' "$WORK/site" | cut -f1)"
