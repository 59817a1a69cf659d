#!/bin/sh
# Runs the smp_stress test kernel (smp_stress.S) with -smp N and checks,
# besides its exit status, that it ran on N CPUs (its last line).
# usage: smp-stress.sh EMULATOR KERNEL N [EXTRA ARGS...]
# EMULATOR: the plex86 binary, or qemu-system-i386 (skipped with status 77
# where QEMU is not installed).  With plex86, EXTRA ARGS may ask for one
# host thread per CPU (-accel tcg,thread=multi): a plex86 that does not
# know -accel yet refuses it ("unknown option '-accel'"), and the test is
# then skipped (77) rather than failed.
set -u
EMU=$1 KERNEL=$2 N=$3
shift 3
case $(basename "$EMU") in
qemu-system-*)
    command -v "$EMU" >/dev/null 2>&1 || { echo "SKIP: no $EMU"; exit 77; } ;;
esac
out=$(sh "$(dirname "$0")/run-guest.sh" "$EMU" "$KERNEL" 33 -smp "$N" "$@")
rc=$?
printf '%s\n' "$out"
if [ $rc != 0 ] && printf '%s\n' "$out" | grep -q "unknown option '-accel'"; then
    echo "SKIP: $(basename "$EMU") has no -accel"
    exit 77
fi
[ $rc = 0 ] || exit 1
want=$(printf 'smp_stress: CPUs 0x%08x' "$N")
printf '%s\n' "$out" | grep -q "^$want" || { echo "FAIL: no '$want'"; exit 1; }
echo "ok: $N CPUs"
