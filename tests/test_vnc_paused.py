"""The VNC server while the VM is stopped (issue 17): plex86 starts the
kbd_echo guest with -S, so the guest has not run a single instruction; a
VNC client must still be accepted and get a full framebuffer update, then
a second client too, and the guest must still not have run (no "ready"
on COM1).  `cont` on the monitor starts it ("ready"), and the first
client, still connected, gets an update after that.  Without the
frontends polled in the paused wait, the server would not even answer
the handshake.

usage: test_vnc_paused.py PLEX86 KBD_ECHO_ELF"""
import os
import subprocess
import sys
import tempfile
import time

from unix_socket import connect
from vnc_client import VncClient
from vnc_guest import free_display


def monitor(path, cmd):
    s = connect(path)
    s.settimeout(20)
    buf = b""
    while b"(qemu) " not in buf:
        buf += s.recv(4096)
    s.sendall(cmd.encode() + b"\n")
    time.sleep(0.3)
    s.close()


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    plex86, guest = sys.argv[1:]
    n = free_display()
    tmp = tempfile.mkdtemp(prefix="plex86-vnc-paused.")
    mon = os.path.join(tmp, "mon.sock")
    out = os.path.join(tmp, "serial")
    with open(out, "wb") as f:
        p = subprocess.Popen([plex86, "-kernel", guest, "-nographic", "-no-reboot", "-S",
                              "-vnc", "localhost:%d" % n,
                              "-monitor", "unix:%s,server,nowait" % mon],
                             stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT)

    def log():
        with open(out, "rb") as f:
            return f.read().decode(errors="replace")

    ok = False
    try:
        time.sleep(0.5)
        if p.poll() is not None and "built without VNC" in log():
            print("test_vnc_paused: skipped: " + log().strip())
            return 77
        c = VncClient("127.0.0.1", 5900 + n, timeout=20)
        c.request(False)
        rects = c.read_update()
        assert rects, "no rectangles in the first update"
        print("paused: first client %dx%d, update %s" % (c.width, c.height, rects[:2]))
        c2 = VncClient("127.0.0.1", 5900 + n, timeout=20)
        c2.request(False)
        assert c2.read_update(), "no rectangles for the second client"
        c2.close()
        assert "ready" not in log(), "the guest ran while stopped:\n" + log()
        monitor(mon, "cont")
        end = time.time() + 30
        while "ready" not in log() and time.time() < end:
            time.sleep(0.1)
        assert "ready" in log(), "no 'ready' after cont:\n" + log()
        c.request(False)
        assert c.read_update(), "no update after cont"
        c.close()
        monitor(mon, "quit")
        p.wait(timeout=30)
        ok = p.returncode == 0
        if not ok:
            print("plex86 exited with status %d:\n%s" % (p.returncode, log()))
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        subprocess.run(["rm", "-rf", tmp])
    print("ok" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
