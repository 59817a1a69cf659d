#!/bin/bash
# Issue 19, -smp with sockets= and cores=: the default guest (tools/fetch-
# guest.sh) must see the topology through CPUID and the APIC IDs (from the
# MADT) as it does under QEMU 7.2 with the same CPUID: /proc/cpuinfo's
# "physical id", "siblings", "core id", "cpu cores" and "apicid" of each
# CPU are compared with what Linux makes of them.  None of plex86's CPU
# models has CPUID leaf 4 (cores per package), so Linux counts the LPS
# logical processors of a package (CPUID.1 EBX[23:16], HTT) as threads of
# one core (arch/x86/kernel/cpu: without leaf 4 a package has one core):
# physical id = APIC ID >> log2(LPS rounded up), siblings LPS, core id 0,
# cpu cores 1.  QEMU is run with -cpu qemu32,level=2 (no leaf 4 either)
# for the reference (qemu-ref-linux-topo-2).  Exit status 77 (ctest:
# skipped) when the guest's packages, or QEMU for the reference, cannot be
# had.
# usage: topo.sh EMULATOR FETCH_GUEST_SH SMP LPS APIC_ID...
# EMULATOR: the plex86 binary, or qemu-system-i386.
set -u
EMU=$1 FETCH=$2 SMP=$3 LPS=$4
shift 4
BOOT_TIMEOUT=${BOOT_TIMEOUT:-900}
args=(-smp "$SMP")
case $(basename "$EMU") in
qemu-system-*)
    command -v "$EMU" >/dev/null 2>&1 || { echo "SKIP: no $EMU"; exit 77; }
    args+=(-cpu qemu32,level=2 -accel tcg) ;;
esac
. "$(dirname "$0")/guest-shell.sh"
guest_tmp topo
guest_boot "$EMU" "${args[@]}"

wait_for "plex86 guest ready" "$BOOT_TIMEOUT" || finish 1
echo "topo: shell after $(($(date +%s) - start)) s"
# The kernel's console messages off first: a late one ("tsc: Refined TSC
# clocksource calibration") printed into the middle of the line (CI,
# session 15).
send "echo 1 > /proc/sys/kernel/printk; grep -E '^(processor|physical id|siblings|core id|cpu cores|apicid)' /proc/cpuinfo | sed 's/[[:space:]]*:[[:space:]]*/:/; s/ /_/g' | paste -s -d ' '; echo topo-done"
wait_for '^topo-done' 120 || finish 1
got=$(tr -d '\r' <"$OUT" | grep -a '^processor' | tail -n 1)
bits=0
while [ $((1 << bits)) -lt "$LPS" ]; do bits=$((bits + 1)); done
want="" cpu=0
for id in "$@"; do
    want="$want${want:+ }processor:$cpu physical_id:$((id >> bits)) siblings:$LPS core_id:0"
    want="$want cpu_cores:1 apicid:$id"
    cpu=$((cpu + 1))
done
echo "topo: got  $got"
echo "topo: want $want"
[ "$got" = "$want" ] || { echo "FAIL: /proc/cpuinfo's topology differs"; finish 1; }
guest_reboot || finish 1
echo "ok"
finish 0
