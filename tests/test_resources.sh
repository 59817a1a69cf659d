#!/bin/sh
# Bounded resources (issue 9 item 6): a guest that brings fresh code and
# fresh page mappings forever (tests/guest/hog.S) must hold the host's
# memory flat once the VM's bounded structures (attribute maps, code
# cache, TLB) are full.  Runs it for N and 4N instructions and compares
# the peak resident memory that --stats reports; prints the figures.
# usage: test_resources.sh PLEX86 HOG_ELF
set -u
PLEX86=$1 HOG=$2
N1=${N1:-4000000}
N2=$((N1 * 4))
# Growth allowed between the two runs: allocator noise, far below what one
# unbounded structure would add (the hog brings 8192 new code pages, so
# 32 MiB of maps and tens of MiB of blocks, per 4 million instructions).
SLACK_KIB=${SLACK_KIB:-4096}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/plex86-res.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

run() { # N -> prints "peak_kib flushes"
    "$PLEX86" -m 64 -kernel "$HOG" -nographic -max-insns "$1" --stats "$TMP/s$1.json" \
        </dev/null >"$TMP/out$1" 2>&1 || { echo "FAIL: run of $1 instructions:"; cat "$TMP/out$1"; exit 1; }
    python3 - "$TMP/s$1.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["counters"]
print(c["host_peak_resident_bytes"]["value"] // 1024, c["code_cache_flushes"]["value"],
      c["code_cache_blocks_built"]["value"])
PY
}
set -- $(run $N1)
p1=$1 f1=$2 b1=$3
set -- $(run $N2)
p2=$1 f2=$2 b2=$3
echo "hog: $N1 instructions: peak RSS $p1 KiB, $b1 blocks built, $f1 code-cache flushes"
echo "hog: $N2 instructions: peak RSS $p2 KiB, $b2 blocks built, $f2 code-cache flushes"
echo "hog: growth $((p2 - p1)) KiB (allowed $SLACK_KIB)"
if [ "$f1" -lt 1 ]; then
    echo "FAIL: the code cache never filled in the first run: the test proves nothing"
    exit 1
fi
if [ $((p2 - p1)) -gt "$SLACK_KIB" ]; then
    echo "FAIL: resident memory grew by $((p2 - p1)) KiB"
    exit 1
fi
echo "ok"
