#!/bin/bash
# The default guest (tools/fetch-guest.sh) booted twice under -icount to
# the same instruction count, with the RTC's base fixed: the console
# output (printk timestamps included) and the stop line must be the same
# bytes (issue 15, item 3: the scheduler keeps -icount repeatable).  Exit
# status 77 (ctest: skipped) when the guest's packages cannot be had.
# usage: icount-repeat.sh PLEX86 FETCH_GUEST_SH [INSTRUCTIONS]
set -u
PLEX86=$1 FETCH=$2 INSNS=${3:-2500000000}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/plex86-icount.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

. "$(dirname "$0")/default-guest.sh"
default_guest "$FETCH" "$TMP"

for r in 1 2; do
    "$PLEX86" -kernel "$kernel" -initrd "$initrd" -m 256 -nographic -no-reboot \
        -append "console=ttyS0 panic=-1 cryptomgr.notests noisapnp" \
        -icount shift=2 -rtc base=2026-01-01 -max-insns "$INSNS" \
        -serial "file:$TMP/com1.$r" -d exit </dev/null >"$TMP/log.$r" 2>&1
    echo "status $?" >>"$TMP/log.$r"
done
fail=0
grep -q 'instruction limit after' "$TMP/log.1" || { echo "FAIL: run 1 did not reach the limit:"; cat "$TMP/log.1"; fail=1; }
[ "$(grep -c '^\[' "$TMP/com1.1")" -ge 50 ] || { echo "FAIL: too little console output"; cat "$TMP/com1.1"; fail=1; }
cmp -s "$TMP/log.1" "$TMP/log.2" || { echo "FAIL: the runs stopped differently:"; diff "$TMP/log.1" "$TMP/log.2"; fail=1; }
cmp -s "$TMP/com1.1" "$TMP/com1.2" || { echo "FAIL: the consoles differ:"; diff "$TMP/com1.1" "$TMP/com1.2" | head -20; fail=1; }
[ $fail = 0 ] && echo "ok: $(grep -c . "$TMP/com1.1") identical console lines; $(grep -o 'after [0-9]* instructions' "$TMP/log.1")"
exit $fail
