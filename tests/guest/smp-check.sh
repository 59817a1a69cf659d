#!/bin/sh
# Runs an SMP test kernel (smp.S, smp_stress.S) with -smp N and checks,
# besides its exit status, that it saw N CPUs (its last line: SMP_LINE,
# default "smp: CPUs running:", then N as 0x%08x).
# usage: smp-check.sh EMULATOR KERNEL N [EXTRA ARGS...]
# EMULATOR: the plex86 binary, or qemu-system-i386 (skipped with status 77
# where QEMU is not installed).
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
[ $rc = 0 ] || exit 1
want=$(printf '%s 0x%08x' "${SMP_LINE:-smp: CPUs running:}" "$N")
printf '%s\n' "$out" | grep -q "^$want" || { echo "FAIL: no '$want'"; exit 1; }
echo "ok: $N CPUs"
