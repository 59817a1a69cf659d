#!/bin/sh
# -icount runs repeat exactly (issue 15, item 3): the timer guest (PIT and
# RTC interrupts, HLT idling; tests/guest/timer.S) run twice gives the same
# bytes on COM1 and stops after the same number of instructions; so does a
# run cut short by -max-insns in the middle of its timer work.  With
# accounting built in, a third run keeps --stats: its tick timer ends CPU
# slices at other places, which must change nothing the guest sees.
# usage: test_icount_repeat.sh PLEX86 TIMER_ELF ACCOUNTING(0|1)
set -u
PLEX86=$1 KERNEL=$2 ACCT=$3
TMP=$(mktemp -d "${TMPDIR:-/tmp}/plex86-icount.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fail=0

run() { # NAME [ARGS...]
    name=$1
    shift
    "$PLEX86" -kernel "$KERNEL" -nographic -no-reboot -icount shift=3 -d exit \
        -serial "file:$TMP/$name.com1" "$@" </dev/null >"$TMP/$name.log" 2>&1
    echo "status $?" >>"$TMP/$name.log"
    cat "$TMP/$name.com1" >>"$TMP/$name.log"
}

same() { # A B
    if ! cmp -s "$TMP/$1.log" "$TMP/$2.log"; then
        echo "FAIL: runs $1 and $2 differ:"
        diff "$TMP/$1.log" "$TMP/$2.log"
        fail=1
    fi
}

run a
run b
same a b
grep -q 'PASS timer' "$TMP/a.log" || { echo "FAIL: the timer guest did not pass"; cat "$TMP/a.log"; fail=1; }
grep -q 'guest-exit (guest status 0x21) after [0-9]* instructions' "$TMP/a.log" ||
    { echo "FAIL: no exit line"; fail=1; }

run cut1 -max-insns 15000
run cut2 -max-insns 15000
same cut1 cut2
grep -q 'instruction limit after [0-9]* instructions' "$TMP/cut1.log" ||
    { echo "FAIL: -max-insns did not stop the run"; cat "$TMP/cut1.log"; fail=1; }

if [ "$ACCT" = 1 ]; then
    run acct --stats "$TMP/stats.json"
    same a acct
fi
[ $fail = 0 ] && echo "ok: -icount runs repeat ($(grep -o 'after [0-9]* instructions' "$TMP/a.log"))"
exit $fail
