#!/bin/sh
# SeaBIOS and its VGA BIOS (Debian's vgabios-stdvga.bin, run from the VGA's
# expansion ROM BAR) on plex86's VGA: the firmware's banner is read back
# from the text screen through the text dump, the PPM and PNG screendumps
# have the 80x25 text mode's size (720x400), and, with QEMU 7.2 present,
# QEMU's own screendump of the same moment shows the same characters.
#
# usage: seabios-vga.sh PLEX86
# Exit status: 0 pass, 1 fail, 77 skip (no SeaBIOS or no VGA BIOS).
set -u
PLEX86=$1
BIOS=/usr/share/seabios/bios-256k.bin
VGABIOS=/usr/share/seabios/vgabios-stdvga.bin
[ -r "$BIOS" ] && [ -r "$VGABIOS" ] || { echo "SKIP: no SeaBIOS or VGA BIOS"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# Deterministic time, and a step count well past the banner (about 3
# million steps in) and before SeaBIOS gives up booting and idles.
run() {
    timeout 120 "$PLEX86" -m 32 -serial null -icount shift=0 -max-insns 5000000 \
        -screendump-at-exit "$1" </dev/null >"$T/out" 2>"$T/err" ||
        fail "plex86 failed: $(cat "$T/err")"
}
run "$T/screen.txt"
head -1 "$T/screen.txt" | grep -q '^SeaBIOS (version ' ||
    fail "no banner on the text screen: $(head -3 "$T/screen.txt")"
run "$T/screen.ppm"
[ "$(head -c 15 "$T/screen.ppm" | tr '\n' ' ')" = "P6 720 400 255 " ] ||
    fail "PPM header: $(head -c 15 "$T/screen.ppm" | od -c | head -2)"
run "$T/screen.png"
python3 - "$T/screen.png" <<'PY' || fail "PNG is not 720x400"
import struct, sys
d = open(sys.argv[1], "rb").read()
assert d[:8] == b"\x89PNG\r\n\x1a\n" and d[12:16] == b"IHDR"
w, h = struct.unpack(">II", d[16:24])
sys.exit(0 if (w, h) == (720, 400) else 1)
PY
# -vga none: no adapter, and the dump says so.
timeout 60 "$PLEX86" -m 32 -serial null -vga none -icount shift=0 -max-insns 100000 \
    -screendump-at-exit "$T/none.txt" </dev/null >/dev/null 2>"$T/err"
grep -q "no display adapter" "$T/err" || fail "-vga none: $(cat "$T/err")"

QEMU=$(command -v qemu-system-i386 || true)
if [ -z "$QEMU" ]; then
    echo "PASS (no qemu-system-i386: the comparison with QEMU is left out)"
    exit 0
fi
# QEMU at the same point of the boot, its screen through QMP's screendump:
# the banner line's pixels (the first 16 rows) must match ours.
. "$(dirname "$0")/qemu-screendump.sh"
qemu_screendump "$QEMU" "$T/qemu.ppm" 3 -m 32 -icount shift=0 || fail "QEMU's screendump"
python3 - "$T" <<'PY' || fail "QEMU comparison"
import os, sys
t = sys.argv[1]
def pixels(path):
    d = open(path, "rb").read()
    parts = d.split(b"\n", 3)
    assert parts[0] == b"P6", parts[0]
    w, h = map(int, parts[1].split())
    return w, h, parts[3]
w1, h1, a = pixels(os.path.join(t, "screen.ppm"))
w2, h2, b = pixels(os.path.join(t, "qemu.ppm"))
if (w1, h1) != (w2, h2):
    print("sizes differ: plex86 %dx%d, QEMU %dx%d" % (w1, h1, w2, h2))
    sys.exit(1)
row = w1 * 3 * 16
# The banner line; the cursor is elsewhere (below the boot messages).
if a[:row] != b[:row]:
    print("the banner's pixels differ from QEMU's")
    sys.exit(1)
PY
echo PASS
