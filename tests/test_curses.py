"""The curses frontend in a pseudo-terminal (issue 17): plex86 runs the
kbd_echo guest with -display curses and COM1 in a file; characters typed
into the terminal become key presses (with Shift for capitals, Ctrl for
control characters, Alt for Esc + key) that the guest echoes as scan codes;
the screen is the text screen a -kernel boot leaves (the VGA in mode 03h,
blank cells in light grey on black: no "graphics mode" line); Ctrl-A x
ends the VM with status 0.  Skips (77) when plex86 was built without
curses.

usage: test_curses.py PLEX86 KBD_ECHO_ELF"""
import os
import pty
import select
import subprocess
import sys
import tempfile
import threading
import time


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    plex86, guest = sys.argv[1:]
    fd, serial = tempfile.mkstemp(prefix="plex86-curses.")
    os.close(fd)
    master, slave = pty.openpty()
    env = dict(os.environ, TERM="xterm", LANG="C.UTF-8", LC_ALL="C.UTF-8")
    p = subprocess.Popen([plex86, "-display", "curses", "-kernel", guest, "-no-reboot",
                          "-serial", "file:" + serial],
                         stdin=slave, stdout=slave, stderr=slave, env=env,
                         start_new_session=True)
    os.close(slave)
    screen = bytearray()

    def drain():
        while True:
            try:
                r, _, _ = select.select([master], [], [], 0.1)
                if r:
                    chunk = os.read(master, 4096)
                    if not chunk:
                        return
                    screen.extend(chunk)
            except OSError:
                return
            if p.poll() is not None and not r:
                return

    t = threading.Thread(target=drain, daemon=True)
    t.start()

    def serial_text():
        with open(serial, errors="replace") as f:
            return f.read()

    def expect(lines, timeout=20):
        end = time.time() + timeout
        while time.time() < end:
            text = serial_text()
            if all(l in text for l in lines):
                return
            if p.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError("expected %r; COM1:\n%s\nscreen:\n%r"
                             % (lines, serial_text(), bytes(screen[-2000:])))

    ok = False
    try:
        end = time.time() + 30
        while "ready" not in serial_text() and time.time() < end and p.poll() is None:
            time.sleep(0.05)
        if p.poll() is not None:
            if b"built without curses" in screen:
                print("test_curses: skipped: built without curses")
                return 77
            raise AssertionError("plex86 ended: %r" % bytes(screen))
        expect(["ready"])
        os.write(master, b"a")
        expect(["k 0x0000001e", "k 0x0000009e"])
        os.write(master, b"Q")                     # Shift, Q (0x10), release
        expect(["k 0x0000002a", "k 0x00000010", "k 0x00000090", "k 0x000000aa"])
        os.write(master, b"\x05")                  # Ctrl-E: Ctrl (0x1d), E (0x12)
        expect(["k 0x0000001d", "k 0x00000012", "k 0x00000092", "k 0x0000009d"])
        os.write(master, b"\x1bz")                 # Alt-z: Alt (0x38), Z (0x2c)
        expect(["k 0x00000038", "k 0x0000002c", "k 0x000000ac", "k 0x000000b8"])
        os.write(master, b"\x1bOA")                # Up (xterm keypad mode): E0 48
        expect(["k 0x000000e0\nk 0x00000048"])
        assert b"graphics mode" not in screen and b"\x1b[37m\x1b[40m" in screen, \
            bytes(screen[-2000:])
        os.write(master, b"\x01x")                 # Ctrl-A x: quit
        status = p.wait(timeout=20)
        assert status == 0, "exit status %d" % status
        ok = True
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        os.close(master)
        os.unlink(serial)
    print("test_curses: %s" % ("ok" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
