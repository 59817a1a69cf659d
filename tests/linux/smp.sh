#!/bin/bash
# Issue 19, -smp: boots the default guest with four CPUs (tools/fetch-
# guest.sh; Linux finds them in the ACPI MADT, which -kernel boots get in
# RAM) and checks that Linux brought them all up (nproc, /proc/cpuinfo)
# and that four md5sum of the same file, running at once on the four
# CPUs, agree with each other and with one run alone; and that its TSC
# synchronisation check found the CPUs' TSCs in step.  The CPUs take
# turns on one host thread, so the workload is small.  Exit status 77
# (ctest: skipped) when the guest's packages cannot be had.
# usage: smp.sh PLEX86 FETCH_GUEST_SH [EXTRA PLEX86 ARGS...]
# Environment: BOOT_TIMEOUT (seconds to the prompt, default 900),
# BOOT_LOG (keep the console output in this file).
set -u
PLEX86=$1 FETCH=$2
shift 2
BOOT_TIMEOUT=${BOOT_TIMEOUT:-900}
. "$(dirname "$0")/guest-shell.sh"
guest_tmp smp
guest_boot "$PLEX86" -smp 4 "$@"

wait_for "plex86 guest ready" "$BOOT_TIMEOUT" || finish 1
echo "smp: shell after $(($(date +%s) - start)) s"
grep -aE "smp: Brought up|smpboot: Total of|smpboot: Allowing" "$OUT" | tr -d '\r'
# The CPUs' TSCs start together at RESET and count the one guest time:
# Linux's synchronisation check must find no warp between them.
if grep -aE "TSC warp|Marking TSC unstable" "$OUT"; then
    echo "FAIL: Linux found the CPUs' TSCs out of step"
    finish 1
fi
send 'echo nproc=$(nproc) cpuinfo=$(grep -c ^processor /proc/cpuinfo)'
wait_for 'nproc=[0-9]+ cpuinfo=[0-9]+' 120 || finish 1
line=$(grep -aoE 'nproc=[0-9]+ cpuinfo=[0-9]+' "$OUT" | tail -n 1)
echo "smp: $line"
[ "$line" = "nproc=4 cpuinfo=4" ] || { echo "FAIL: want nproc=4 cpuinfo=4"; finish 1; }
# 4 MiB of a file (the kernel image, repeated) summed alone, then by four
# md5sum at once; each prints its sum with a tag.
send 'for i in 1 2 3 4 5 6 7 8; do cat /proc/kallsyms; done | head -c 4194304 > /tmp/f; echo made=$(wc -c < /tmp/f)'
wait_for 'made=[0-9]+' 300 || finish 1
send 'echo one=$(md5sum < /tmp/f)'
wait_for 'one=[0-9a-f]{32}' 300 || finish 1
send 'for i in 1 2 3 4; do (echo par$i=$(md5sum < /tmp/f)) & done; wait; echo par-done'
wait_for '^par-done' 600 || finish 1
one=$(grep -aoE 'one=[0-9a-f]{32}' "$OUT" | tail -n 1 | cut -d= -f2)
sums=$(grep -aoE 'par[1-4]=[0-9a-f]{32}' "$OUT" | sort -u)
echo "smp: one md5sum: $one"
printf '%s\n' "$sums" | sed 's/^/smp: /'
n=$(printf '%s\n' "$sums" | grep -c .)
[ "$n" = 4 ] || { echo "FAIL: want 4 parallel sums, got $n"; finish 1; }
bad=$(printf '%s\n' "$sums" | cut -d= -f2 | grep -vc "^$one\$")
[ "$bad" = 0 ] || { echo "FAIL: the parallel sums differ from the single one"; finish 1; }
send 'cat /proc/interrupts | head -3'
guest_reboot || finish 1
echo "smp: done after $(($(date +%s) - start)) s"
echo "ok"
finish 0
