#!/usr/bin/env python3
"""bochs-drm.py PLEX86 FETCH_GUEST_SH: Linux's bochs-drm drives our VGA.

Issue 17: the default guest's kernel (tools/fetch-guest.sh) with its
bochs-drm module brings up a framebuffer console on the std VGA at
00:02.0.  The modules come from the kernel .deb in the guest's cache:
bochs.ko and what its .modinfo "depends=" names, transitively (drm,
drm_kms_helper, drm_vram_helper, drm_ttm_helper, ttm and the fbdev
helpers), loaded in dependency order by an init of ours (busybox insmod;
.ko.xz are decompressed here).  They travel in a second cpio archive
appended to the default initramfs (the kernel unpacks concatenated
archives) and the kernel runs our init with rdinit=.

The init clears the first virtual terminal, hides its cursor and writes
a marker on its row 0 and a row of 60 'X' on its row 2, then tells the
serial console the terminal's size.  The test takes a screendump through
the human monitor (-monitor unix:) and checks: the kernel log says
bochs-drm found the adapter and fbcon uses its framebuffer; the picture
is 1024x768 (the preferred mode of the EDID in BAR2, which the guest
read: its connector's edid file and modes are checked); the cells
of the marker and the X row have ink, and every other cell is the
background.  Exit status 77 when the guest cannot be had.
"""
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from unix_socket import connect  # noqa: E402
from guest_modules import (default_guest, extract_modules, fail, initrd_with,  # noqa: E402
                           kernel_deb, load_order, module_entries, init_script)

BOOT_TIMEOUT = int(os.environ.get("BOOT_TIMEOUT", "600"))
MARKER = "PLEX86 BOCHS-DRM FBCON MARKER"
XROW = 60

INIT = init_script("drm", r"""n=0
while [ ! -e /sys/class/graphics/fb0 ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
echo "drm-init: fb0 $(cat /sys/class/graphics/fb0/name 2>/dev/null)" \
     "$(cat /sys/class/graphics/fb0/virtual_size 2>/dev/null)"
# What the connector read from BAR2's EDID, and the modes it made of it.
for c in /sys/class/drm/card*-*; do
    echo "drm-init: connector ${c##*/} modes $(tr '\n' ' ' < $c/modes)"
    echo "drm-init: connector ${c##*/} edid $(hexdump -v -e '/1 "%02x"' $c/edid)"
done
sleep 1
# Clear the terminal, home, hide the cursor; the marker on row 0, X on row 2.
printf '\033[2J\033[H\033[?25l%s\n\n%s' "@MARKER@" "@XROW@" > /dev/tty0
set -- $(stty -F /dev/tty0 size)
sleep 2
echo "drm-init: tty0 rows=$1 cols=$2"
echo "drm-init: ready"
while :; do sleep 60; done
""")


def read_ppm(path):
    with open(path, "rb") as f:
        data = f.read()
    m = re.match(rb"P6\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    if not m:
        fail("the screendump is not a binary PPM")
    w, h = int(m.group(1)), int(m.group(2))
    pix = data[m.end():]
    if len(pix) < w * h * 3:
        fail("the screendump is short: %d bytes for %dx%d" % (len(pix), w, h))
    return w, h, pix


def monitor(sock_path, cmd):
    s = connect(sock_path)
    s.settimeout(60)
    buf = b""
    while b"(qemu) " not in buf:
        chunk = s.recv(4096)
        if not chunk:
            break
        buf += chunk
    s.sendall(cmd.encode() + b"\n")
    buf = b""
    try:
        while b"(qemu) " not in buf:
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
    except OSError:
        pass
    s.close()
    return buf.decode(errors="replace")


def check_edid(text):
    """The guest's connector read our EDID (dev/edid.h) from BAR2: a valid
    E-EDID 1.4 block named "plex86 screen", and its modes are the block's:
    the preferred 1024x768 first, 1920x1080 from the standard timings, and
    nothing past the range limits (without an EDID bochs-drm would list
    every DMT mode up to 8192x8192, 2048x1536 among them)."""
    m = re.search(r"drm-init: connector (\S+) edid ([0-9a-f]*)", text)
    if not m:
        fail("the guest did not report its connector's EDID", text)
    edid = bytes.fromhex(m.group(2))
    if len(edid) != 128:
        fail("the connector's EDID is %d bytes, not one 128-byte block" % len(edid), text)
    if edid[:8] != b"\0\xff\xff\xff\xff\xff\xff\0" or sum(edid) % 256 or edid[0x12:0x14] != b"\1\4":
        fail("the EDID the guest read is not a valid E-EDID 1.4 block: " + edid.hex())
    names = [edid[o + 5:o + 18].split(b"\n")[0].decode() for o in range(0x36, 0x7e, 18)
             if edid[o:o + 4] == b"\0\0\0\xfc"]
    if names != ["plex86 screen"]:
        fail("the EDID's monitor name is %r" % names)
    m = re.search(r"drm-init: connector \S+ modes (.*)", text)
    modes = m.group(1).split() if m else []
    if not modes or modes[0] != "1024x768" or "1920x1080" not in modes or "2048x1536" in modes:
        fail("the connector's modes are not the EDID's: %s" % modes, text)
    print("EDID: %s read 128 bytes, name %r, modes %s" % (m.group(0).split()[2] if m else "?",
                                                         names[0], " ".join(modes[:6])))


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: bochs-drm.py PLEX86 FETCH_GUEST_SH")
    plex86, fetch = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="plex86-bochs-drm.")
    kernel, initrd = default_guest(fetch, tmp)
    deb = kernel_deb(kernel)
    mods = extract_modules(deb, tmp)
    order = load_order(mods, "bochs")
    print("modules, in load order: " + " ".join(order))

    init = INIT.replace("@MARKER@", MARKER).replace("@XROW@", "X" * XROW)
    drm_initrd = os.path.join(tmp, "initrd-drm.gz")
    # Our archive adds /drm and /drm-init.
    initrd_with(initrd, module_entries(mods, order, "drm") +
                [("drm-init", 0o100755, init.encode())], drm_initrd)

    serial = os.path.join(tmp, "serial")
    mon = os.path.join(tmp, "mon.sock")
    dump = os.path.join(tmp, "screen.ppm")
    with open(serial, "wb") as out:
        vm = subprocess.Popen(
            [plex86, "-kernel", kernel, "-initrd", drm_initrd, "-m", "256", "-display", "none",
             "-serial", "stdio", "-monitor", "unix:%s,server,nowait" % mon, "-no-reboot",
             "-append", "console=ttyS0 rdinit=/drm-init panic=-1 consoleblank=0 "
             "cryptomgr.notests noisapnp"],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)

    def log():
        with open(serial, "rb") as f:
            return f.read().decode(errors="replace").replace("\r", "")

    try:
        deadline = time.time() + BOOT_TIMEOUT
        while "drm-init: ready" not in log():
            if vm.poll() is not None:
                fail("plex86 ended (status %d) before the guest was ready" % vm.returncode, log())
            if time.time() > deadline:
                fail("no 'drm-init: ready' within %d s" % BOOT_TIMEOUT, log())
            time.sleep(0.5)
        reply = monitor(mon, "screendump %s -f ppm" % dump)
        text = log()
        monitor(mon, "quit")
        vm.wait(timeout=60)
    finally:
        if vm.poll() is None:
            vm.kill()
    print("\n".join(l for l in text.splitlines() if re.search(r"drm|bochs|fb0|fbcon|Console", l)))

    # The kernel's word: bochs-drm bound to 00:02.0 and fbcon took fb0.
    for pat in (r"\[drm\] Found bochs VGA, ID 0x[bB]0[cC][0-9a-fA-F]",
                r"\[drm\] Initialized bochs-drm \d+\.\d+\.\d+ \d+ for 0000:00:02\.0",
                r"fb0: bochs-?drmdrmfb frame buffer device",
                r"drm-init: fb0 bochs-?drmdrmfb 1024,768"):
        if not re.search(pat, text):
            fail("not in the serial log: /%s/" % pat, text)
    check_edid(text)
    m = re.search(r"drm-init: tty0 rows=(\d+) cols=(\d+)", text)
    if not m:
        fail("the guest did not report tty0's size", text)
    rows, cols = int(m.group(1)), int(m.group(2))

    if not os.path.isfile(dump):
        fail("no screendump written: " + reply.strip())
    w, h, pix = read_ppm(dump)
    if (w, h) != (1024, 768):
        fail("the screen is %dx%d, not bochs-drm's default 1024x768" % (w, h))
    cw, ch = w // cols, h // rows
    if cw < 6 or ch < 8:
        fail("odd cell size %dx%d for %dx%d characters" % (cw, ch, cols, rows))
    bg = pix[(h - 1) * w * 3 + (w - 1) * 3:][:3]

    def inked(r, c):
        for y in range(r * ch, (r + 1) * ch):
            row = pix[(y * w + c * cw) * 3:(y * w + (c + 1) * cw) * 3]
            if any(row[i:i + 3] != bg for i in range(0, len(row), 3)):
                return True
        return False

    want = {0: {i for i, ch_ in enumerate(MARKER) if ch_ != " "}, 2: set(range(XROW))}
    bad = []
    for r in range(rows):
        for c in range(cols):
            expect = c in want.get(r, ())
            if inked(r, c) != expect:
                bad.append((r, c, expect))
    if bad:
        fail("%d cells wrong (row, column, should have ink): %s; the screendump is %s"
             % (len(bad), bad[:20], dump))

    def cell(r, c):
        return b"".join(pix[(y * w + c * cw) * 3:(y * w + (c + 1) * cw) * 3]
                        for y in range(r * ch, (r + 1) * ch))

    # The same glyph in every X cell, and a different one for the marker's
    # first letter: characters, not smears.
    x = cell(2, 0)
    if any(cell(2, c) != x for c in range(XROW)) or cell(0, 0) == x:
        fail("the X row's cells differ, or 'P' looks like 'X'; the screendump is " + dump)
    print("PASS: bochs-drm at 1024x768, fbcon %dx%d cells of %dx%d pixels, marker on row 0 and "
          "X row on row 2, the rest background %s" % (cols, rows, cw, ch, bg.hex()))
    subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
