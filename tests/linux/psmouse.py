#!/usr/bin/env python3
"""psmouse.py PLEX86 FETCH_GUEST_SH: Linux's PS/2 mouse driver on our mouse.

Issue 17: the default guest's kernel (tools/fetch-guest.sh) loads psmouse
and evdev from the kernel .deb in the guest's cache (guest_modules.py, as
bochs-drm.py adds its modules) with an init of ours.  psmouse probes the
mouse behind the 8042's aux port: its IntelliMouse knock (sample rates
200, 100, 80) and the Explorer one (200, 200, 80) must find our wheel
mouse, so /proc/bus/input/devices lists "ImExPS/2 Generic Explorer Mouse"
(or "ImPS/2 Generic Wheel Mouse") on isa0060/serio1.  Then the init reads
/dev/input/mice (mousedev, built in: a 3-byte PS/2 packet per event) and
the test moves the pointer through VNC (tests/vnc_client.py, -vnc
localhost:N): the guest must read packets whose summed X motion is to
the right and Y motion down-screen (PS/2's Y grows upwards).  Exit
status 77 when the guest cannot be had or plex86 has no VNC.
"""
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from vnc_client import VncClient  # noqa: E402
from vnc_guest import free_display  # noqa: E402
from guest_modules import (default_guest, extract_modules, fail, initrd_with,  # noqa: E402
                           kernel_deb, load_order, module_entries, skip, init_script)

BOOT_TIMEOUT = int(os.environ.get("BOOT_TIMEOUT", "600"))
PACKETS = 4

INIT = init_script("mouse", r"""n=0
while ! grep -q serio1 /proc/bus/input/devices && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
sed 's/^/mouse-init: /' /proc/bus/input/devices
echo "mouse-init: mice $(ls -l /dev/input/mice 2>&1)"
echo "mouse-init: reading"
dd if=/dev/input/mice bs=3 count=@PACKETS@ 2>/dev/null | hexdump -v -e '/1 "%02x "' > /tmp/p
echo "mouse-init: packets $(cat /tmp/p)"
echo "mouse-init: done"
while :; do sleep 60; done
""")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: psmouse.py PLEX86 FETCH_GUEST_SH")
    plex86, fetch = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="plex86-psmouse.")
    kernel, initrd = default_guest(fetch, tmp)
    mods = extract_modules(kernel_deb(kernel), tmp)
    order = load_order(mods, "psmouse", "evdev")
    print("modules, in load order: " + " ".join(order))
    mouse_initrd = os.path.join(tmp, "initrd-mouse.gz")
    initrd_with(initrd, module_entries(mods, order, "mouse") +
                [("mouse-init", 0o100755, INIT.replace("@PACKETS@", str(PACKETS)).encode())],
                mouse_initrd)

    n = free_display(800, 1100)
    serial = os.path.join(tmp, "serial")
    with open(serial, "wb") as out:
        vm = subprocess.Popen(
            [plex86, "-kernel", kernel, "-initrd", mouse_initrd, "-m", "256", "-display", "none",
             "-vnc", "localhost:%d" % n, "-serial", "stdio", "-no-reboot",
             "-append", "console=ttyS0 rdinit=/mouse-init panic=-1 cryptomgr.notests noisapnp"],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)

    def log():
        with open(serial, "rb") as f:
            return f.read().decode(errors="replace").replace("\r", "")

    def wait_for(text, timeout):
        deadline = time.time() + timeout
        while text not in log():
            if vm.poll() is not None:
                if "built without VNC" in log():
                    skip(log().strip())
                fail("plex86 ended (status %d) before '%s'" % (vm.returncode, text), log())
            if time.time() > deadline:
                fail("no '%s' within %d s" % (text, timeout), log())
            time.sleep(0.2)

    try:
        wait_for("mouse-init: reading", BOOT_TIMEOUT)
        c = VncClient("127.0.0.1", 5900 + n)
        # Absolute positions: the frontend sends the differences as
        # relative motion, right and down, until the guest has its packets.
        x, y = 100, 100
        c.pointer(x, y)
        deadline = time.time() + 60
        while "mouse-init: done" not in log() and time.time() < deadline:
            x, y = x + 7, y + 5
            c.pointer(x, y)
            time.sleep(0.2)
        c.close()
        wait_for("mouse-init: done", 5)
        text = log()
    finally:
        if vm.poll() is None:
            vm.kill()
            vm.wait()
    print("\n".join(l for l in text.splitlines() if "mouse-init" in l or "psmouse" in l
                    or "serio1" in l))

    m = re.search(r'mouse-init: N: Name="((?:ImExPS/2 Generic Explorer|ImPS/2 Generic '
                  r'Wheel) Mouse)"\nmouse-init: P: Phys=isa0060/serio1/input0', text)
    if not m:
        fail("/proc/bus/input/devices has no wheel mouse on isa0060/serio1", text)
    block = text[m.start():].split("mouse-init: \n")[0]
    h = re.search(r"H: Handlers=([^\n]*)", block)
    if not h or "mouse0" not in h.group(1) or "B: REL=" not in block:
        fail("the mouse's input device has no mouse0 handler or no relative axes", text)
    m2 = re.search(r"mouse-init: packets ((?:[0-9a-f]{2} ){%d})" % (3 * PACKETS), text)
    if not m2:
        fail("the guest did not read %d packets from /dev/input/mice" % PACKETS, text)
    b = bytes.fromhex(m2.group(1).replace(" ", ""))
    dx = dy = 0
    for i in range(0, len(b), 3):
        flags = b[i]
        if not flags & 0x08:
            fail("packet %d lacks bit 3 of its first byte: %s" % (i // 3, b.hex()))
        dx += b[i + 1] - (256 if flags & 0x10 else 0)
        dy += b[i + 2] - (256 if flags & 0x20 else 0)
    if dx <= 0 or dy >= 0:
        fail("the guest's motion is (%d, %d), not right and down (y < 0 in PS/2)" % (dx, dy))
    print("PASS: %s, handlers %s; %d packets from /dev/input/mice, motion (%d, %d)"
          % (m.group(1), h.group(1).strip(), PACKETS, dx, dy))
    subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
