#!/bin/sh
# How guests end, seen from the command line: exit statuses and -d exit.
# usage: test_guest_exits.sh PLEX86 GUEST_DIR
set -u
PLEX86=$1
ROMS=$2
TMP=$(mktemp -d "${TMPDIR:-/tmp}/plex86-exits.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fails=0

expect() {
    want=$1 pattern=$2
    shift 2
    "$PLEX86" "$@" >"$TMP/out" 2>&1 </dev/null
    got=$?
    if [ "$got" != "$want" ]; then
        echo "FAIL: plex86 $*: exit status $got, want $want"; sed 's/^/  | /' "$TMP/out"
        fails=$((fails + 1))
    elif [ -n "$pattern" ] && ! grep -q -- "$pattern" "$TMP/out"; then
        echo "FAIL: plex86 $*: output lacks '$pattern'"; sed 's/^/  | /' "$TMP/out"
        fails=$((fails + 1))
    else
        echo "ok: plex86 $* -> $got"
    fi
}

# -max-insns stops an endless loop: status 0, and -d exit says why.
expect 0 "instruction limit after 10000 instructions" \
    -bios "$ROMS/spin.rom" -max-insns 10000 -d exit
# The debug-exit port: (0x21 << 1) | 1 = 67; -d post prints the codes.
expect 67 "POST 0xe7" -bios "$ROMS/port_writes.rom" -d post
expect 67 "guest status 0x43" -bios "$ROMS/port_writes.rom" -d exit -debugcon null
# The 0xE9 console to a file.
expect 67 "" -bios "$ROMS/port_writes.rom" -debugcon "file:$TMP/con"
if [ "$(wc -c <"$TMP/con")" != 1000 ]; then
    echo "FAIL: -debugcon file: got $(wc -c <"$TMP/con") bytes, want 1000"
    fails=$((fails + 1))
fi
# -D sends the -d log to a file.
expect 67 "" -bios "$ROMS/port_writes.rom" -d post,exit -D "$TMP/log"
if ! grep -q "POST 0x00" "$TMP/log" || ! grep -q "guest-exit" "$TMP/log"; then
    echo "FAIL: -D log lacks POST codes or the exit line"; sed 's/^/  | /' "$TMP/log"
    fails=$((fails + 1))
fi
# A triple fault resets the machine (the ROM starts again, faults again...)
# until -max-insns; with -no-reboot it ends the VM with status 0.
expect 0 "triple fault, rebooting" -bios "$ROMS/triple.rom" -d exit -max-insns 1000
expect 0 "shutdown" -bios "$ROMS/triple.rom" -d exit -no-reboot -max-insns 1000

echo "$fails failed"
[ "$fails" = 0 ]
