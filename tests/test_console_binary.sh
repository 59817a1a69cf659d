#!/bin/sh
# The console from the command line (src/host/console.h): with -serial
# stdio, piped input reaches the guest's COM1 (tests/guests/serial_echo.S
# echoes it upper-cased and stops at '.'); on a terminal, raw mode, Ctrl-C
# to the guest, Ctrl-A Ctrl-A, Ctrl-A x quitting with status 0 and the
# terminal restored (test_console_pty.py).
# usage: test_console_binary.sh PLEX86 GUEST_DIR
set -u
PLEX86=$1
ROMS=$2
HERE=$(dirname "$0")
TMP=$(mktemp -d "${TMPDIR:-/tmp}/plex86-console.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# A pipe: bytes verbatim (Ctrl-A too), in order.
printf 'hello, \001x world.ignored' |
    timeout 60 "$PLEX86" -bios "$ROMS/serial_echo.rom" -nographic >"$TMP/out" 2>"$TMP/err"
status=$?
[ "$status" = 67 ] || fail "pipe: exit status $status, want 67"
printf 'HELLO, \001X WORLD' >"$TMP/want"
cmp -s "$TMP/out" "$TMP/want" || { fail "pipe: output differs"; od -c "$TMP/out"; cat "$TMP/err"; }

# A file, and the bytes counted in the account (where plex86 was built
# with accounting: --stats help answers 0 only then).
printf 'abc.' >"$TMP/in"
stats=
"$PLEX86" --stats help >/dev/null 2>&1 && stats="--stats $TMP/s.json"
timeout 60 "$PLEX86" -bios "$ROMS/serial_echo.rom" -nographic $stats \
    <"$TMP/in" >"$TMP/out" 2>"$TMP/err"
status=$?
[ "$status" = 67 ] || fail "file: exit status $status, want 67"
[ "$(cat "$TMP/out")" = "ABC" ] || fail "file: output '$(cat "$TMP/out")', want ABC"
if grep -q '"serial_rx_bytes"' "$TMP/s.json" 2>/dev/null; then
    python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))["counters"]["serial_rx_bytes"]["value"]; sys.exit(v != 4)' \
        "$TMP/s.json" 2>/dev/null || fail "serial_rx_bytes is not 4"
fi

# A terminal.
if command -v python3 >/dev/null 2>&1; then
    timeout 120 python3 "$HERE/test_console_pty.py" "$PLEX86" "$ROMS/serial_echo.rom" ||
        fail "pty test"
else
    echo "SKIP: no python3 for the terminal test"
fi

[ "$fails" = 0 ] && echo "console: all passed"
[ "$fails" = 0 ]
