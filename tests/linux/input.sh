#!/bin/bash
# Linux drives our PS/2 keyboard (issue 17): the default guest
# (tools/fetch-guest.sh) boots with a VNC server; its i8042 driver must
# accept the aux port (the mouse's port: psmouse is a module the guest's
# initramfs does not have; linux-psmouse, psmouse.py, loads it), its atkbd driver must find "AT Translated Set 2
# keyboard" (our keyboard through the 8042's translation) in
# /proc/bus/input/devices; then a key typed
# through VNC (tests/vnc_client.py) must arrive on the guest's first
# virtual terminal.  Exit status 77 when the guest
# cannot be had or plex86 has no VNC.
# usage: input.sh PLEX86 FETCH_GUEST_SH
set -u
PLEX86=$1 FETCH=$2
HERE=$(cd "$(dirname "$0")" && pwd)
BOOT_TIMEOUT=${BOOT_TIMEOUT:-600}
. "$HERE/guest-shell.sh"
guest_tmp input
# plex86 built without libvncserver: skipped.
on_guest_end() {
    if grep -q "built without VNC" "$OUT"; then
        echo "SKIP: $(cat "$OUT")"
        exit 77
    fi
}

n=$(python3 -c '
import socket
for n in range(420, 800):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", 5900 + n)); print(n); break
    except OSError: pass
    finally: s.close()')
guest_boot "$PLEX86" -vnc "localhost:$n"

wait_for "plex86 guest ready" "$BOOT_TIMEOUT" || finish 1
send 'cat /proc/bus/input/devices; echo devices-listed'
wait_for 'devices-listed' 60 || finish 1
wait_for 'N: Name="AT Translated Set 2 keyboard"' 5 || finish 1
# The 8042's aux port passed Linux's checks (its loopback through 0xD3 and
# IRQ 12); the mouse driver itself is a module the default guest lacks.
wait_for 'serio: i8042 AUX port at 0x60,0x64 irq 12' 5 || finish 1
# Keys typed through VNC reach the guest's first virtual terminal (the
# kbd handler: evdev is a module the guest lacks): a line read from
# /dev/tty1 holds what was typed.
send 'mknod /dev/tty1 c 4 1 2>/dev/null; (head -n 1 /dev/tty1 > /tmp/k) & sleep 1; echo reading-tty1'
wait_for 'reading-tty1' 30 || finish 1
python3 - "$n" "$HERE/.." <<'PY' || finish 1
import sys, time
sys.path.insert(0, sys.argv[2])
from vnc_client import VncClient
c = VncClient("127.0.0.1", 5900 + int(sys.argv[1]))
time.sleep(0.5)
for ch in b"plex86":
    c.tap(ch)
c.key(0xFFE1, True)                 # Shift: "X"
c.tap(ord("X"))
c.key(0xFFE1, False)
c.tap(0xFF0D)                       # Return
time.sleep(1)
c.close()
PY
send 'sleep 1; echo "typed=[$(cat /tmp/k)]"'
wait_for 'typed=\[plex86X\]' 60 || finish 1
guest_reboot || finish 1
echo "ok"
finish 0
