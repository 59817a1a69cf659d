#!/bin/sh
# Runs the topo test kernel (topo.S) with -smp SMP and checks the lines it
# prints, one per CPU in APIC ID order, against the layout QEMU's x86
# topology gives: the APIC IDs listed, and CPUID.1:EBX[23:16] = LPS (the
# logical processors a package, cores * threads) with HTT when LPS > 1
# (0 and no HTT for one).
# usage: topo-check.sh EMULATOR KERNEL SMP LPS APIC_ID...
# EMULATOR: the plex86 binary, or qemu-system-i386 (skipped with status 77
# where QEMU is not installed): the same expectations hold for both.
set -u
EMU=$1 KERNEL=$2 SMP=$3 LPS=$4
shift 4
case $(basename "$EMU") in
qemu-system-*)
    command -v "$EMU" >/dev/null 2>&1 || { echo "SKIP: no $EMU"; exit 77; } ;;
esac
out=$(sh "$(dirname "$0")/run-guest.sh" "$EMU" "$KERNEL" 33 -smp "$SMP")
rc=$?
printf '%s\n' "$out"
[ $rc = 0 ] || exit 1
[ "$LPS" -gt 1 ] && htt=1 || { htt=0; LPS=0; }
want=""
for id in "$@"; do
    want="$want$(printf 'topo: apic 0x%08x cpuid1 0x%08x htt 0x%08x' \
        "$id" $((id << 8 | LPS)) "$htt")
"
done
got=$(printf '%s\n' "$out" | tr -d '\r' | grep '^topo: apic ')
if [ "$got" != "$(printf '%s' "$want")" ]; then
    echo "FAIL: -smp $SMP: want"
    printf '%s' "$want"
    exit 1
fi
echo "ok: -smp $SMP: APIC IDs $*, $LPS logical processors a package"
