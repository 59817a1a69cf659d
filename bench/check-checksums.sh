#!/bin/sh
# check-checksums.sh PLEX86 BENCH_ELF BENCH_NATIVE [SCALE]
#
# Runs the benchmark guest under plex86 and the native program at the same
# scale (default 1) and checks that both print the same `kernel NAME
# checksum 0x...` lines and that the guest ends through the debug-exit port
# with value 0x10 (status 33).  ctest's bench_checksums; bench/README.md.
set -u
plex86=$1 elf=$2 native=$3 scale=${4:-1}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

"$native" "scale=$scale" >"$tmp/native" || { echo "FAIL: $native failed"; exit 1; }
"$plex86" -kernel "$elf" -append "scale=$scale" -nographic -no-reboot -d exit \
    >"$tmp/guest" 2>"$tmp/log"
rc=$?
cat "$tmp/log"
if [ "$rc" -ne 33 ]; then
    echo "FAIL: plex86 exited with status $rc, expected 33 (guest debug-exit 0x10)"
    echo "--- guest output:"
    cat "$tmp/guest"
    exit 1
fi
tr -d '\r' <"$tmp/guest" | grep '^kernel ' >"$tmp/g"
grep '^kernel ' "$tmp/native" >"$tmp/n"
if ! cmp -s "$tmp/g" "$tmp/n"; then
    echo "MISMATCH between the guest under plex86 and the native program (scale=$scale):"
    diff "$tmp/n" "$tmp/g" | sed -n 's/^</  native:/p; s/^>/  plex86:/p'
    exit 1
fi
n=$(wc -l <"$tmp/g")
if [ "$n" -eq 0 ]; then
    echo "FAIL: no kernel lines in the output"
    exit 1
fi
cat "$tmp/g"
echo "ok: $n kernels, checksums equal to native"
