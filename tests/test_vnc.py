"""The VNC frontend end to end (issue 17): plex86 runs the kbd_echo guest
(tests/guest/kbd_echo.S) with -vnc on 127.0.0.1; our RFB client
(vnc_client.py) connects, checks that the framebuffer arrives (720x400:
the VGA in the text mode 03h a BIOS leaves for a -kernel boot, its
cells blank, so black), types keys that the guest reads from
the PS/2 keyboard and echoes on COM1 as set 1 scan codes, moves the
pointer, which the guest sums from the mouse's packets, and ends the guest
with Esc.  A second client on localhost: only 127.0.0.1 listens.

usage: test_vnc.py PLEX86 KBD_ECHO_ELF"""
import socket
import sys

from vnc_client import VncClient
from vnc_guest import Guest, free_display


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    plex86, guest = sys.argv[1:]
    n = free_display()
    g = Guest([plex86, "-kernel", guest, "-nographic", "-no-reboot",
               "-vnc", "localhost:%d" % n])
    p = g.p

    def expect(want, timeout=20.0):
        if not g.expect(want, timeout):
            raise AssertionError("expected %r from the guest; its output:\n%s"
                                 % (want, g.output()))

    ok = False
    try:
        try:
            expect("ready", 60)
        except AssertionError:
            if g.no_vnc():
                print("test_vnc: skipped: %s" % g.log[-1])
                return 77
            raise
        c = VncClient("127.0.0.1", 5900 + n)
        assert c.name == "plex86", c.name
        c.request(False)
        rects = c.read_update()
        covered = sum(w * h for (_, _, w, h, enc) in rects if enc == 0)
        assert covered >= c.width * c.height, rects
        assert (c.width, c.height) == (720, 400), (c.width, c.height)
        assert all(c.pixel(x, y) == 0 for x, y in ((0, 0), (719, 399), (360, 200)))
        # Keys: 'a' (A: 0x1E, 0x9E), Shift+'1' as '!' (Shift 0x2A, 1 0x02).
        c.tap(0x61)
        expect("k 0x0000001e")
        expect("k 0x0000009e")
        c.key(0xFFE1, True)
        c.tap(0x21)
        c.key(0xFFE1, False)
        for code in ("2a", "02", "82", "aa"):
            expect("k 0x000000" + code)
        c.key(0xFF52, True)                       # Up: E0 48
        c.key(0xFF52, False)
        for code in ("e0", "48", "e0", "c8"):
            expect("k 0x000000" + code)
        # The pointer: absolute positions become relative motion.
        c.pointer(100, 100)
        c.pointer(130, 100)
        expect("m 0x0000001e")
        c.pointer(120, 90)
        expect("m 0x00000014")
        # An incremental update after nothing changed still answers.
        c.request(True)
        # Only 127.0.0.1 listens.
        try:
            addrs = socket.gethostbyname_ex(socket.gethostname())[2]
        except OSError:
            addrs = []
        for a in addrs:
            if a.startswith("127."):
                continue
            s = socket.socket()
            s.settimeout(2)
            try:
                s.connect((a, 5900 + n))
                raise AssertionError("VNC also listens on %s" % a)
            except OSError:
                pass
            finally:
                s.close()
        c.tap(0xFF1B)                             # Esc: the guest ends
        expect("k 0x00000001")
        status = p.wait(timeout=30)
        assert status == 33, "exit status %d; output:\n%s" % (status, g.output())
        c.close()
        ok = True
    finally:
        g.stop()
    print("test_vnc: %s" % ("ok" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
