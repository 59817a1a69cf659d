#!/bin/sh
# -screendump-at-exit FILE when the VM ends by a signal (timeout(1), a
# kill, a closed terminal): plex86 catches SIGTERM and SIGHUP (and SIGINT,
# which a shell's background job ignores, so it is not sent here) and
# still writes FILE, here the text screen of the kbd_echo guest (the
# -kernel boot's VGA text mode, docs/display.md), which waits for keys
# forever.  Each signal in turn; the dump must be an 80x25 text screen.
# usage: test_screendump_signal.sh PLEX86 GUEST_DIR
set -u
PLEX86=$1 GUESTS=$2
. "$(dirname "$0")/wait_output.sh"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/plex86-sdsig.XXXXXX")
trap 'exec 3>&- 2>/dev/null; rm -rf "$TMP"' EXIT
# The serial console's input stays open (a FIFO we hold), or the halted
# guest would end the run itself since no input could come.
mkfifo "$TMP/in"
exec 3<>"$TMP/in"
fails=0
for sig in TERM HUP; do
    rm -f "$TMP/out" "$TMP/screen.txt"
    "$PLEX86" -display none -kernel "$GUESTS/kbd_echo.elf" -no-reboot \
        -serial stdio -screendump-at-exit "$TMP/screen.txt" \
        <"$TMP/in" >"$TMP/out" 2>"$TMP/err" &
    pid=$!
    wait_output "$TMP/out" ready "$pid"
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "FAIL ($sig): plex86 ended before the signal"; cat "$TMP/err"
        fails=$((fails + 1)); wait "$pid"; continue
    fi
    kill -"$sig" "$pid"
    # Bounded: a plex86 that missed the signal is killed after 30 s.
    ( sleep 30; kill -KILL "$pid" 2>/dev/null ) >/dev/null 2>&1 &
    guard=$!
    wait "$pid"
    rc=$?
    kill "$guard" 2>/dev/null
    lines=$(wc -l < "$TMP/screen.txt" 2>/dev/null || echo 0)
    if ! grep -q ready "$TMP/out"; then
        echo "FAIL ($sig): kbd_echo did not start"; cat "$TMP/err"; fails=$((fails + 1))
    elif [ "$lines" != 25 ]; then
        echo "FAIL ($sig): no 25-line text dump after the signal (exit $rc, $lines lines)"
        cat "$TMP/err"; fails=$((fails + 1))
    else
        echo "ok: SIG$sig (exit $rc): the text screen was written"
    fi
done
[ "$fails" = 0 ] || exit 1
echo "test_screendump_signal: ok"
