#!/bin/sh
# One ROM per VGA mode family (vga_modes.S: text with a loaded font, mode
# 12h, 13h, X, VBE linear): the emulator's screendump must equal the image
# vga_ref.py computes from the mode's definition.  Run with plex86
# (vga-modes), and with QEMU 7.2 (qemu-ref-vga-modes: the reference that
# shows vga_ref.py and the ROMs are right; skipped without QEMU), whose
# screen is taken once its CPU has halted at the ROM's end.
#
# usage: vga-modes.sh PLEX86|qemu ROM_DIR
# Exit status: 0 pass, 1 fail, 77 skip (qemu without qemu-system-i386).
set -u
EMU=$1
ROMS=$2
HERE=$(dirname "$0")
. "$HERE/qemu-screendump.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
if [ "$EMU" = qemu ]; then
    QEMU=$(command -v qemu-system-i386) || { echo "SKIP: no qemu-system-i386"; exit 77; }
    who=QEMU
else
    who=plex86
fi
bad=0
for m in 0 1 2 3 4; do
    rom=$ROMS/vga_mode$m.rom
    python3 "$HERE/vga_ref.py" $m "$T/ref$m.ppm"
    if [ "$EMU" = qemu ]; then
        qemu_screendump "$QEMU" "$T/s$m.ppm" halt -bios "$rom" 2>"$T/err$m" ||
            { echo "FAIL: mode family $m: QEMU run"; cat "$T/err$m"; bad=1; continue; }
    else
        timeout 120 "$EMU" -bios "$rom" -serial null -screendump-at-exit "$T/s$m.ppm" \
            </dev/null >/dev/null 2>"$T/err$m"
    fi
    if ! cmp -s "$T/s$m.ppm" "$T/ref$m.ppm"; then
        echo "FAIL: mode family $m: $who's screendump differs from the reference"
        head -c 20 "$T/s$m.ppm" | od -c | head -2
        cat "$T/err$m"
        bad=1
    fi
done
[ $bad = 0 ] && echo PASS
exit $bad
