#!/bin/sh
# One ROM per VGA mode family (vga_modes.S: text with a loaded font, mode
# 12h, 13h, X, VBE linear): plex86's screendump must equal the image
# vga_ref.py computes from the mode's definition, and, with QEMU 7.2
# present, QEMU's screendump of the same ROM (skipped without it).
#
# usage: vga-modes.sh PLEX86 ROM_DIR
# Exit status: 0 pass, 1 fail.
set -u
PLEX86=$1
ROMS=$2
HERE=$(dirname "$0")
. "$HERE/qemu-screendump.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
QEMU=$(command -v qemu-system-i386 || true)
bad=0
for m in 0 1 2 3 4; do
    rom=$ROMS/vga_mode$m.rom
    python3 "$HERE/vga_ref.py" $m "$T/ref$m.ppm"
    timeout 120 "$PLEX86" -bios "$rom" -serial null -screendump-at-exit "$T/p$m.ppm" \
        </dev/null >/dev/null 2>"$T/err$m"
    if ! cmp -s "$T/p$m.ppm" "$T/ref$m.ppm"; then
        echo "FAIL: mode family $m: plex86's screendump differs from the reference"
        head -c 20 "$T/p$m.ppm" | od -c | head -2
        cat "$T/err$m"
        bad=1
        continue
    fi
    [ -n "$QEMU" ] || continue
    qemu_screendump "$QEMU" "$T/q$m.ppm" 4 -bios "$rom" ||
        { echo "FAIL: mode family $m: QEMU run"; bad=1; continue; }
    if ! cmp -s "$T/q$m.ppm" "$T/ref$m.ppm"; then
        echo "FAIL: mode family $m: QEMU's screendump differs from plex86's"
        head -c 20 "$T/q$m.ppm" | od -c | head -2
        bad=1
    fi
done
[ $bad = 0 ] && echo PASS
exit $bad
