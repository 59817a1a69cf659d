#!/usr/bin/env bash
# smp-scale.sh [BUILD_DIR]: how a parallel CPU workload in the default
# Linux guest (tools/fetch-guest.sh) scales with -smp 1, 2 and 4 (issue 19;
# bench/README.md), under plex86 and QEMU in the same run.
#
# Each configuration boots the guest to its shell, makes a file of
# BENCH_MB MiB (the kernel's symbol table, repeated), and then times, from
# the host, four md5sum workers started at once, each summing the file
# BENCH_PASSES times: the wall time until the last one is done, and the
# host CPU seconds (user + system) the emulator's process spent in it,
# read from /proc/PID/stat.  The work is the same for every -smp: the
# speed-up is the -smp 1 wall time of the same emulator over this one's.
# The four workers' sums must agree with one md5sum run alone, or the run
# fails.
#
# Rows: plex86 with its vCPUs taking turns on one host thread (plex86's
# `-accel tcg,thread=single`, or no -accel where plex86 does not take the
# option), plex86 with a host thread per vCPU (`-accel tcg,thread=multi`:
# left out, with a note, where plex86 refuses it), and QEMU TCG
# (`-accel tcg,thread=multi`).
#
# Environment: BENCH_PLEX86 (another plex86 binary), BENCH_QEMU (default
# qemu-system-i386; "none" leaves it out), BENCH_SMP (default "1 2 4"),
# BENCH_MB (default 4), BENCH_PASSES (default 4), BOOT_TIMEOUT (seconds to
# the shell, default 900).  It prints figures and never fails on speed:
# exit status 0, 1 when a run fails, 2 when something is missing, 77 when
# the guest cannot be had.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:-build}
PLEX86=${BENCH_PLEX86:-$build/plex86}
QEMU=${BENCH_QEMU:-qemu-system-i386}
SMPS=${BENCH_SMP:-1 2 4}
MB=${BENCH_MB:-4}
PASSES=${BENCH_PASSES:-4}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-900}
FETCH=$HERE/../tools/fetch-guest.sh
[ -x "$PLEX86" ] || { echo "smp-scale: no $PLEX86 (build first)" >&2; exit 2; }
. "$HERE/../tests/linux/guest-shell.sh"
guest_tmp smp-scale
default_guest "$FETCH" "$TMP"

# plex86's -accel: "single" and "multi" rows where it takes them.
accepts() { "$PLEX86" -accel "tcg,thread=$1" -version >/dev/null 2>&1; }
configs=()
if accepts single; then
    configs+=("plex86 thread=single|$PLEX86|-accel tcg,thread=single")
else
    configs+=("plex86 one thread|$PLEX86|")
fi
if accepts multi; then
    configs+=("plex86 thread=multi|$PLEX86|-accel tcg,thread=multi")
else
    echo "note: $PLEX86 refuses -accel tcg,thread=multi: no rows for it"
fi
if [ "$QEMU" != none ] && command -v "$QEMU" >/dev/null 2>&1; then
    configs+=("qemu thread=multi|$QEMU|-accel tcg,thread=multi")
else
    echo "note: no $QEMU: plex86 alone"
fi

# The emulator's user + system CPU time in seconds (/proc/PID/stat
# fields 14 and 15, in clock ticks).
cpu_s() {
    awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' \
        "/proc/$1/stat"
}

# run NAME EMULATOR "ARGS" SMP: one configuration; sets $wall and $cpu,
# the seconds of the workload.
run() {
    local name=$1 emu=$2 args=$3 smp=$4
    # shellcheck disable=SC2086
    guest_boot "$emu" -smp "$smp" $args
    wait_for "plex86 guest ready" "$BOOT_TIMEOUT" || return 1
    send "for i in 1 2 3 4 5 6 7 8 9 10; do cat /proc/kallsyms; done | head -c $((MB * 1048576)) > /tmp/f; echo made=\$(wc -c < /tmp/f) one=\$(md5sum < /tmp/f)"
    wait_for 'one=[0-9a-f]{32}' 600 || return 1
    local one
    one=$(grep -aoE 'one=[0-9a-f]{32}' "$OUT" | tail -n 1 | cut -d= -f2)
    local c0 t0 c1 t1
    c0=$(cpu_s "$pid")
    t0=$(date +%s.%N)
    send "for w in 1 2 3 4; do (for p in \$(seq $PASSES); do md5sum < /tmp/f; done | sort -u | sed \"s/^/w\$w=/\") & done; wait; echo work-done"
    wait_for '^work-done' 3000 || return 1
    t1=$(date +%s.%N)
    c1=$(cpu_s "$pid")
    local sums bad
    sums=$(grep -aoE 'w[1-4]=[0-9a-f]{32}' "$OUT" | sort -u)
    bad=$(printf '%s\n' "$sums" | cut -d= -f2 | grep -vc "^$one\$")
    if [ "$(printf '%s\n' "$sums" | grep -c .)" != 4 ] || [ "$bad" != 0 ]; then
        echo "smp-scale: $name -smp $smp: the workers' sums differ from the single one:" >&2
        printf '%s\n' "$sums" >&2
        return 1
    fi
    guest_reboot >/dev/null || kill "$pid" 2>/dev/null
    pid=""
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
    cpu=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')
}

echo "workload: 4 md5sum workers x $PASSES passes over $MB MiB; host: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-22s %4s %9s %9s %8s\n' configuration smp wall_s cpu_s speedup
status=0
for c in "${configs[@]}"; do
    IFS='|' read -r name emu args <<<"$c"
    base=""
    for smp in $SMPS; do
        if ! run "$name" "$emu" "$args" "$smp"; then
            echo "smp-scale: $name -smp $smp failed; console:" >&2
            tail -n 20 "$OUT" | tr -d '\r' >&2
            status=1
            [ -n "$pid" ] && kill "$pid" 2>/dev/null
            pid=""
            continue
        fi
        [ -z "$base" ] && [ "$smp" = 1 ] && base=$wall
        printf '%-22s %4s %9s %9s %8s\n' "$name" "$smp" "$wall" "$cpu" \
            "$( [ -n "$base" ] && awk -v b="$base" -v w="$wall" 'BEGIN { printf "%.2fx", b / w }' || echo -)"
    done
done
exit $status
