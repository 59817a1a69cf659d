#!/bin/sh
# Runs every test kernel under QEMU, to check the tests themselves against
# another implementation while writing them.  QEMU is not a dependency of
# plex86 and this script is not part of ctest.
# usage: qemu-check.sh BUILD_DIR [QEMU]   (BUILD_DIR: the CMake build tree)
set -u
B=${1:?usage: qemu-check.sh BUILD_DIR [QEMU]}/tests/guest
QEMU=${2:-qemu-system-i386}
HERE=$(dirname "$0")
pass=0 fail=0
run() {
    if sh "$HERE/run-guest.sh" "$QEMU" "$@" >"$B/qemu-check.out" 2>&1; then
        pass=$((pass + 1)); tail -n 1 "$B/qemu-check.out"
    else
        fail=$((fail + 1)); cat "$B/qemu-check.out"
    fi
}
for k in mb_boot.elf mb_aout.bin; do
    run "$B/$k" 33 -append "arg1 arg2" -initrd "$HERE/module.txt"
done
for k in "$B"/*-qemu.elf; do
    run "$k" 33
done
rm -f "$B/qemu-check.out"
echo "qemu-check: $pass passed, $fail failed"
[ "$fail" = 0 ]
