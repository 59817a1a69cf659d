#!/bin/sh
# The demo guest boots from the reset vector, prints its banner and the sum
# it computes on COM1, and halts: plex86 exits with status 0.
# usage: test_demo.sh PLEX86 DEMO_ROM
set -u
PLEX86=$1
ROM=$2
TMP=$(mktemp -d "${TMPDIR:-/tmp}/plex86-demo.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fails=0

"$PLEX86" -bios "$ROM" -nographic -max-insns 1000000 -d exit,post \
    >"$TMP/out" 2>"$TMP/err" </dev/null
status=$?
echo "--- stdout"; cat "$TMP/out"; echo "--- stderr"; cat "$TMP/err"; echo "---"
check() {
    if ! grep -q -- "$2" "$TMP/$1"; then
        echo "FAIL: $1 lacks '$2'"; fails=$((fails + 1))
    fi
}
[ "$status" = 0 ] || { echo "FAIL: exit status $status, want 0"; fails=$((fails + 1)); }
check out "plex86: hello from a real-mode guest"
check out "plex86: 1 + 2 + ... + 100 = 5050"
check err "POST 0x01"
check err "POST 0x02"
check err "VM stopped: halted"
# The serial output is exactly the two lines (CR LF endings).
printf 'plex86: hello from a real-mode guest\r\nplex86: 1 + 2 + ... + 100 = 5050\r\n' \
    >"$TMP/want"
cmp -s "$TMP/out" "$TMP/want" || { echo "FAIL: stdout differs from the expected two lines"; fails=$((fails + 1)); }

# The same run with -serial to a file leaves stdout empty.
"$PLEX86" -bios "$ROM" -serial "file:$TMP/serial" >"$TMP/out2" 2>"$TMP/err2" </dev/null
status=$?
[ "$status" = 0 ] || { echo "FAIL: -serial file: exit status $status"; fails=$((fails + 1)); }
cmp -s "$TMP/serial" "$TMP/want" || { echo "FAIL: -serial file: contents differ"; fails=$((fails + 1)); }
[ -s "$TMP/out2" ] && { echo "FAIL: -serial file: stdout not empty"; fails=$((fails + 1)); }
# The demo ends in HLT with interrupts off: one line on stderr says so.
grep -q "^plex86: the guest halted with interrupts disabled at CS:EIP f000:[0-9a-f]\{4\}; nothing can wake it$" \
    "$TMP/err2" && [ "$(wc -l <"$TMP/err2")" = 1 ] ||
    { echo "FAIL: -serial file: stderr is not the one halt line"; cat "$TMP/err2"; fails=$((fails + 1)); }

echo "$fails failed"
[ "$fails" = 0 ]
