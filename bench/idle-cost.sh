#!/usr/bin/env bash
# idle-cost.sh [BUILD_DIR]: what an idle guest costs the host (issue 19).
# Boots the default Linux guest (tools/fetch-guest.sh: Debian's i386
# kernel and a busybox initramfs) to its shell under plex86 with the APICs
# (the default), under plex86 without them (-cpu pentium-m,-apic: the PIT
# is the only clock event device, as before issue 19), and under QEMU TCG,
# one after the other in the same run; waits 5 s for the boot's leftovers,
# then reads the emulator's host CPU time (user + system, /proc/PID/stat)
# over IDLE_SECONDS of an idle shell and prints it scaled to 60 s.  A
# benchmark that prints figures, not a test.
#
# Environment: IDLE_SECONDS (default 60), QEMU (default qemu-system-i386;
# none skips it), PLEX86_ARGS (extra plex86 options), GUEST_APPEND (extra
# kernel parameters for every run, e.g. highres=off), NOAPIC (default 1;
# 0 leaves out the -apic run), BOOT_TIMEOUT (seconds to the shell,
# default 600).
#
# The guest ticks 250 times a second whatever the emulator: Debian's i386
# kernels are built with CONFIG_HZ_PERIODIC=y and CONFIG_HZ=250 (no
# NO_HZ_IDLE), so no kernel parameter makes it tickless; bench/README.md.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:-build}
plex86=$(cd "$build" 2>/dev/null && pwd)/plex86
QEMU_BIN=${QEMU:-qemu-system-i386}
IDLE=${IDLE_SECONDS:-60}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-600}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/plex86-idle.XXXXXX")
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$TMP"' EXIT
. "$HERE/../tests/linux/default-guest.sh"
default_guest "$HERE/../tools/fetch-guest.sh" "$TMP"
APPEND="console=ttyS0 panic=-1 cryptomgr.notests noisapnp${GUEST_APPEND:+ $GUEST_APPEND}"
TICK=$(getconf CLK_TCK)

# cpu_ticks PID: user + system time of the process, in clock ticks.
cpu_ticks() {
    awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# measure NAME CMD...: prints "NAME SECONDS" (host CPU per 60 s idle), or
# "NAME n/a (why)".
measure() {
    local name=$1
    shift
    local out=$TMP/$name.console
    rm -f "$TMP/in"
    mkfifo "$TMP/in"
    "$@" <"$TMP/in" >"$out" 2>&1 &
    pid=$!
    exec 3>"$TMP/in"
    local deadline=$(($(date +%s) + BOOT_TIMEOUT))
    while ! grep -qaF "plex86 guest ready" "$out"; do
        if ! kill -0 "$pid" 2>/dev/null || [ "$(date +%s)" -ge "$deadline" ]; then
            echo "$name n/a (no shell: $(tr -d '\r' <"$out" | grep . | tail -n 1))"
            kill "$pid" 2>/dev/null
            exec 3>&-
            pid=
            return
        fi
        sleep 0.5
    done
    sleep 5
    local t0 t1
    t0=$(cpu_ticks "$pid")
    sleep "$IDLE"
    t1=$(cpu_ticks "$pid")
    printf 'cat /proc/interrupts\n' >&3
    sleep 2
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    exec 3>&-
    pid=
    awk -v n="$name" -v d=$((t1 - t0)) -v hz="$TICK" -v s="$IDLE" \
        'BEGIN { printf "%-16s %8.2f\n", n, d / hz * 60 / s }'
    grep -aE "^ *(LOC|[0-9]+):" "$out" | tr -d '\r' | sed "s/^/    $name: /" >&2
}

echo "host CPU seconds per 60 s of an idle guest shell ($IDLE s measured)"
measure plex86 "$plex86" -kernel "$kernel" -initrd "$initrd" -m 256 -nographic \
    -no-reboot -append "$APPEND" ${PLEX86_ARGS:-}
[ "${NOAPIC:-1}" = 0 ] ||
    measure plex86-noapic "$plex86" -kernel "$kernel" -initrd "$initrd" -m 256 -nographic \
        -no-reboot -append "$APPEND" -cpu pentium-m,-apic ${PLEX86_ARGS:-}
if [ "$QEMU_BIN" != none ] && command -v "$QEMU_BIN" >/dev/null; then
    measure qemu "$QEMU_BIN" -kernel "$kernel" -initrd "$initrd" -m 256 -nographic \
        -no-reboot -append "$APPEND"
else
    echo "qemu             n/a (no $QEMU_BIN)"
fi
