#!/bin/sh
# The benchmark's hot loops stay in translated code: at scale 1, each
# kernel (the x87 one included) enters translated code from the run loop
# (jit_entries) fewer than once per 100 guest instructions: the integer
# kernels about once per 1500-20000, the x87 one (whose translations are
# not chained: each of its outer loops' passes comes back to C) once per
# 500.  A loop whose every pass went back through C, as the x87 kernel's
# inner loop did when its block took in the loop's back edge (which an x87
# translation cannot keep inside it), made it once per 13.
# Not a timing: counts from --stats, the same on every host.
# usage: check-loops-stay.sh PLEX86 BENCH_ELF
set -u
P=$1 ELF=$2
T=$(mktemp -d "${TMPDIR:-/tmp}/plex86-loops.XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0
for k in crc32 sieve sort interp lz spectral; do
    "$P" -kernel "$ELF" -append "scale=1 only=$k" -nographic -no-reboot \
        --stats "$T/$k.json" </dev/null >"$T/$k.out" 2>&1
    rc=$?
    [ $rc = 33 ] || { cat "$T/$k.out"; echo "FAIL: $k: exit status $rc, want 33"; fails=$((fails + 1)); continue; }
    line=$(python3 - "$T/$k.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["counters"]
v = lambda n: c[n]["value"]
print(v("guest_instructions"), v("jit_entries"))
PY
)
    set -- $line
    echo "$k: $1 guest instructions, $2 translations entered from C"
    [ "$2" -lt $(($1 / 100)) ] || { echo "FAIL: $k: its loops leave translated code"; fails=$((fails + 1)); }
done
[ $fails = 0 ] && echo ok
[ $fails = 0 ]
