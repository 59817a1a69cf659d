#!/bin/sh
# The code cache's counters under -accel tcg,thread=multi are every CPU's
# engine together (vm_engine_stats): the smp test kernel on 4 CPUs builds
# more blocks with an engine per CPU (each AP decodes the AP code into its
# own cache) than with the one engine all CPUs share under thread=single.
# Counting CPU 0's engine alone gave fewer than thread=single.
# usage: smp-stats.sh PLEX86 KERNEL
set -u
P=$1 K=$2
T=$(mktemp -d "${TMPDIR:-/tmp}/plex86-smpstats.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
for mode in single multi; do
    "$P" -kernel "$K" -nographic -no-reboot -smp 4 -accel tcg,thread=$mode \
        --stats "$T/$mode.json" </dev/null >"$T/$mode.out" 2>&1
    rc=$?
    [ $rc = 33 ] || { cat "$T/$mode.out"; fail "thread=$mode: exit status $rc, want 33"; }
done
built() {
    python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["counters"]["code_cache_blocks_built"]["value"])' "$1"
}
s=$(built "$T/single.json") m=$(built "$T/multi.json")
echo "blocks built: thread=single $s, thread=multi $m"
[ "$m" -gt "$s" ] || fail "thread=multi counted $m blocks, not more than thread=single's $s"
echo "ok"
