#!/bin/sh
# What a halted guest costs the host in wake-ups (issue 19): runs the timer
# guest (timer.S: PIT at 1 kHz and RTC at 1024 Hz, idling in HLT between
# interrupts) on the host clock with --stats, once with stdin open (the
# console's wait: ppoll) and once at end of file (no input: nanosleep),
# and checks that the VM's thread slept about once per HLT: each sleep
# (guest_halted_waits) ends at a guest timer, the accounting tick (every
# 10 ms while --stats is kept) or input, never at the 0.5 ms input poll,
# which before issue 19 woke it 2000 times a second.  Counts, not speed:
# a busy host only merges wake-ups.
# usage: check-idle-waits.sh PLEX86 TIMER_KERNEL
# Exit status 77 (skipped) where plex86 is built without accounting.
set -u
PLEX86=$1 KERNEL=$2
TMP=$(mktemp -d "${TMPDIR:-/tmp}/plex86-idle.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# value NAME FILE: the counter's value in a --stats file.
value() {
    sed -n "s/^ *\"$1\": {[^}]*\"value\": \([0-9.]*\).*/\1/p" "$2" | head -n 1
}

if "$PLEX86" --stats "$TMP/probe.json" -version 2>&1 | grep -q "without accounting"; then
    echo "SKIP: plex86 is built without accounting (no --stats)"
    exit 77
fi

fails=0
check() { # NAME STDIN-MODE
    stats=$TMP/$1.json
    if [ "$2" = open ]; then
        mkfifo "$TMP/in"
        exec 3<>"$TMP/in"
        "$PLEX86" -kernel "$KERNEL" -nographic -no-reboot --stats "$stats" \
            <"$TMP/in" >"$TMP/$1.out" 2>&1
        got=$?
        exec 3>&-
        rm -f "$TMP/in"
    else
        "$PLEX86" -kernel "$KERNEL" -nographic -no-reboot --stats "$stats" \
            </dev/null >"$TMP/$1.out" 2>&1
        got=$?
    fi
    if [ "$got" != 33 ]; then
        cat "$TMP/$1.out"
        echo "FAIL: $1: the timer guest exited with status $got, want 33"
        fails=$((fails + 1))
        return
    fi
    waits=$(value guest_halted_waits "$stats")
    hlts=$(value exits_hlt "$stats")
    wall=$(value guest_wall_seconds "$stats")
    if [ -z "$waits" ]; then
        echo "SKIP: no guest_halted_waits in the --stats file (no accounting)"
        exit 77
    fi
    # HLTs, plus one wake-up per accounting tick (10 ms), plus slack.
    limit=$(awk -v h="$hlts" -v w="$wall" 'BEGIN { printf "%d", h + w * 100 + 20 }')
    echo "$1: $waits host sleeps for $hlts HLTs in $wall s (at most $limit)"
    [ "$hlts" -ge 100 ] || { echo "FAIL: $1: only $hlts HLTs"; fails=$((fails + 1)); }
    [ "$waits" -ge 1 ] && [ "$waits" -le "$limit" ] ||
        { echo "FAIL: $1: $waits host sleeps, want 1 to $limit"; fails=$((fails + 1)); }
}
check console open
check eof eof
[ "$fails" = 0 ] && echo "ok: a halted guest wakes the host for its timers only"
[ "$fails" = 0 ]
