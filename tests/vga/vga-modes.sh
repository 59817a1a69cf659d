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
    python3 - "$QEMU" "$rom" "$T/q$m.ppm" <<'PY' || { echo "FAIL: mode family $m: QEMU run"; bad=1; continue; }
import json, os, socket, subprocess, sys, tempfile, time
qemu, rom, out = sys.argv[1:4]
d = tempfile.mkdtemp()
sock = os.path.join(d, "qmp")
p = subprocess.Popen([qemu, "-M", "pc", "-bios", rom, "-display", "none", "-serial", "null",
                      "-qmp", "unix:%s,server,nowait" % sock],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(100):
        if os.path.exists(sock):
            break
        time.sleep(0.1)
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock)
    f = s.makefile("rw")
    def cmd(c, **a):
        f.write(json.dumps({"execute": c, "arguments": a}) + "\n")
        f.flush()
        while True:
            r = json.loads(f.readline())
            if "return" in r or "error" in r:
                return r
    json.loads(f.readline())
    cmd("qmp_capabilities")
    time.sleep(4)
    r = cmd("screendump", filename=out)
    assert "return" in r, r
finally:
    p.kill()
    p.wait()
PY
    if ! cmp -s "$T/q$m.ppm" "$T/ref$m.ppm"; then
        echo "FAIL: mode family $m: QEMU's screendump differs from plex86's"
        head -c 20 "$T/q$m.ppm" | od -c | head -2
        bad=1
    fi
done
[ $bad = 0 ] && echo PASS
exit $bad
