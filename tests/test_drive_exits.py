#!/usr/bin/env python3
"""Disk images on every way a run ends (issue 16, "no data lost").

Each case starts plex86 with a raw image as ide0-hd0 and a monitor socket,
writes 4 KiB into the image through the monitor's `qemu-io` (the same
block layer path a disk controller uses), checks that a second plex86 is
kept out of the image while the first runs (the lock names its pid), ends
the run one way, and then checks:
  - the exit status;
  - the bytes are in the image;
  - the --stats file (when plex86 has accounting) shows the write and at
    least one flush of drive 0 (plex86 flushes every image at the end,
    before it writes the file);
  - the lock is gone: another plex86 opens the image for writing.
The ways: the monitor's quit, QMP's quit, Ctrl-A x on a terminal, SIGTERM,
SIGINT and SIGHUP (also while paused with -S), the guest's debug-exit
port, a triple fault with -no-reboot, -max-insns, a guest that halts for
good, and an internal error (a -kernel file gone before a reset reloads it).

Then -snapshot: the image stays byte-identical while the guest's writes
are visible, Ctrl-A s and the monitor's `commit` write them back, writes
after the last commit are lost on exit as they should be, and the overlay
file is never seen in $TMPDIR.  Also `info block` in QEMU's layout and
QMP's query-block.

usage: test_drive_exits.py PLEX86 GUEST_ROM_DIR HALT_DEAD_ELF
"""
import json
import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from unix_socket import connect

FAILS = []
SIZE = 1 << 20
OFF, LEN, PAT = 8192, 4096, 0x5A


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)
    return cond




class Hmp:
    def __init__(self, path):
        self.sock = connect(path)
        self.buf = b""
        self.until_prompt()  # the banner

    def until_prompt(self, timeout=20.0):
        end = time.time() + timeout
        while b"(qemu) " not in self.buf:
            left = end - time.time()
            if left <= 0:
                raise TimeoutError("no prompt: %r" % self.buf[-200:])
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("monitor closed")
            self.buf += chunk
        text, self.buf = self.buf.split(b"(qemu) ", 1)
        return text.decode().replace("\r\n", "\n")

    def cmd(self, line):
        self.sock.sendall(line.encode() + b"\n")
        return self.until_prompt()

    def send(self, line):
        self.sock.sendall(line.encode() + b"\n")


class Qmp:
    def __init__(self, path):
        self.sock = connect(path)
        self.f = self.sock.makefile("rb")
        json.loads(self.f.readline())  # greeting
        self.cmd("qmp_capabilities")

    def cmd(self, name, **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.sock.sendall(json.dumps(msg).encode())
        while True:
            r = json.loads(self.f.readline())
            if "event" not in r:
                return r


class Run:
    """One plex86 with the test image and monitor sockets."""

    def __init__(self, t, args, image, tty=False, drive=None):
        self.t = t
        self.hpath = os.path.join(t.tmp, "hmp.sock")
        self.qpath = os.path.join(t.tmp, "qmp.sock")
        self.stats = os.path.join(t.tmp, "stats.json")
        for p in (self.hpath, self.qpath, self.stats):
            if os.path.exists(p):
                os.unlink(p)
        cmd = [t.plex86] + args + [
            "-drive", drive or ("file=%s,format=raw" % image),
            "-monitor", "unix:%s,server=on,wait=off" % self.hpath,
            "-qmp", "unix:%s,server=on,wait=off" % self.qpath]
        if t.accounting:
            cmd += ["--stats", self.stats]
        self.master = None
        if tty:
            self.master, slave = pty.openpty()
            self.proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave,
                                         env=t.env)
            os.close(slave)
        else:
            cmd += ["-serial", "null"]
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL,
                                         stderr=subprocess.PIPE, env=t.env)
        self.hmp = Hmp(self.hpath)

    def screen(self, want, timeout=20.0):
        got = b""
        end = time.time() + timeout
        while want not in got and time.time() < end:
            r, _, _ = select.select([self.master], [], [], 0.1)
            if r:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                got += chunk
        return got

    def wait(self, timeout=60):
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            check(False, "plex86 did not end")
        err = b""
        if self.proc.stderr:
            err = self.proc.stderr.read()
            self.proc.stderr.close()
        if self.master is not None:
            os.close(self.master)
        return self.proc.returncode, err.decode(errors="replace")


class Test:
    def __init__(self, plex86, roms, halt_elf):
        self.plex86 = plex86
        self.roms = roms
        self.halt_elf = halt_elf
        self.tmp = tempfile.mkdtemp(prefix="plex86-drives-")
        self.overlays = os.path.join(self.tmp, "overlays")
        os.mkdir(self.overlays)
        self.env = dict(os.environ, TMPDIR=self.overlays)
        self.accounting = subprocess.run([plex86, "--stats", "help"],
                                         stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL).returncode == 0
        self.spin = os.path.join(roms, "spin.rom")

    def image(self, name="disk.img"):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(bytes(SIZE))
        return path

    def read(self, path, off, n):
        with open(path, "rb") as f:
            f.seek(off)
            return f.read(n)

    def second_is_refused(self, image, pid):
        r = subprocess.run([self.plex86, "-bios", self.spin, "-serial", "null",
                            "-drive", "file=%s,format=raw" % image, "-max-insns", "100"],
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
        err = r.stderr.decode(errors="replace")
        want = "the image is in use by process %d (plex86)" % pid
        return check(r.returncode == 2 and want in err and err.count("\n") == 1,
                     "a second plex86 on the image: status %d, %r" % (r.returncode, err))

    def lock_released(self, image, what):
        r = subprocess.run([self.plex86, "-bios", self.spin, "-serial", "null",
                            "-drive", "file=%s,format=raw" % image, "-max-insns", "100"],
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
        check(r.returncode == 0, "%s: the image is still locked afterwards: %r"
              % (what, r.stderr[-300:]))

    def stats_ok(self, run, what, flushes_min=1):
        if not self.accounting:
            return
        try:
            with open(run.stats) as f:
                c = json.load(f)["counters"]
        except (OSError, ValueError) as e:
            check(False, "%s: no --stats file: %r" % (what, e))
            return
        w = c["drive_written_bytes"]["values"]
        fl = c["drive_flushes"]["values"]
        rq = c["drive_write_requests"]["values"]
        check(w["0"] == LEN and rq["0"] == 1 and c["disk_written_bytes"]["value"] == LEN,
              "%s: --stats written %r requests %r" % (what, w, rq))
        check(fl["0"] >= flushes_min, "%s: --stats shows %r flushes of drive 0"
              % (what, fl["0"]))
        check(all(w[str(i)] == 0 and fl[str(i)] == 0 for i in range(1, 6)),
              "%s: absent drives count nothing: %r %r" % (what, w, fl))

    def exit_case(self, what, args, end, want_status, tty=False, before=None):
        """Writes through the monitor, ends the run with end(run), checks."""
        image = self.image()
        run = Run(self, args, image, tty=tty)
        try:
            r = run.hmp.cmd('qemu-io ide0-hd0 "write -P 0x%x %d %d"' % (PAT, OFF, LEN))
            check("wrote %d/%d bytes at offset %d" % (LEN, LEN, OFF) in r,
                  "%s: qemu-io write: %r" % (what, r))
            self.second_is_refused(image, run.proc.pid)
            if before:
                before(run)
            end(run)
        except Exception as e:
            import traceback
            traceback.print_exc()
            check(False, "%s: %r" % (what, e))
        status, err = run.wait()
        check(status == want_status, "%s: exit status %s, want %s; stderr %r"
              % (what, status, want_status, err[-400:]))
        check(self.read(image, OFF, LEN) == bytes([PAT]) * LEN,
              "%s: the write is not in the image" % what)
        self.stats_ok(run, what)
        self.lock_released(image, what)
        print("ok: %s" % what)

    def exits(self):
        roms = self.roms
        spin = ["-bios", self.spin]
        self.exit_case("monitor quit", spin, lambda r: r.hmp.send("quit"), 0)
        self.exit_case("QMP quit", spin, lambda r: Qmp(r.qpath).cmd("quit"), 0)
        self.exit_case("C-a x", spin + ["-nographic"],
                       lambda r: os.write(r.master, b"\x01x"), 0, tty=True)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            self.exit_case(signal.Signals(sig).name, spin,
                           lambda r, s=sig: r.proc.send_signal(s), -sig)
        self.exit_case("SIGTERM while paused (-S)", spin + ["-S"],
                       lambda r: r.proc.send_signal(signal.SIGTERM), -signal.SIGTERM)
        cont = lambda r: r.hmp.send("cont")
        self.exit_case("guest debug-exit", ["-bios", os.path.join(roms, "port_writes.rom"),
                                            "-S"], cont, 67)
        self.exit_case("triple fault, -no-reboot",
                       ["-bios", os.path.join(roms, "triple.rom"), "-no-reboot", "-S"],
                       cont, 0)
        self.exit_case("-max-insns", spin + ["-max-insns", "100000", "-S"], cont, 0)
        self.exit_case("guest halts for good", ["-kernel", self.halt_elf, "-S"], cont, 0)
        kernel = os.path.join(self.tmp, "gone.elf")
        shutil.copy(self.halt_elf, kernel)

        def reset_without_kernel(r):
            os.unlink(kernel)
            r.hmp.send("system_reset")
        self.exit_case("internal error (reboot fails)", ["-kernel", kernel, "-S"],
                       reset_without_kernel, 4)

    def probed(self):
        """-hda without format=: QEMU's warning, once, and the guard on
        sector 0."""
        image = self.image("probed.img")
        run = Run(self, ["-bios", self.spin], image, drive="file=%s" % image)
        try:
            r = run.hmp.cmd('qemu-io ide0-hd0 "write -P 0x51 512 512"')
            check("wrote 512/512" in r, "probed: a plain write: %r" % r)
            # "QFI\xfb" with version 0 is no header; version 3 makes one:
            # refused.
            for i, byte in enumerate([0x51, 0x46, 0x49, 0xFB]):
                r = run.hmp.cmd('qemu-io ide0-hd0 "write -P 0x%x %d 1"' % (byte, i))
                check("wrote 1/1" in r, "probed: magic byte %d: %r" % (i, r))
            r = run.hmp.cmd('qemu-io ide0-hd0 "write -P 3 7 1"')
            check("write failed: Operation not permitted" in r,
                  "probed: sector 0 became a qcow2 header: %r" % r)
            run.hmp.send("quit")
        except Exception as e:
            check(False, "probed: %r" % e)
        status, err = run.wait()
        check(status == 0, "probed: exit status %s" % status)
        want = ("plex86: WARNING: Image format was not specified for '%s' and probing "
                "guessed raw." % image)
        check(err.count(want) == 1 and "write operations on block 0 will be restricted" in err,
              "probed: the warning: %r" % err)
        check(self.read(image, 0, 8) == b"QFI\xfb\0\0\0\0",
              "probed: sector 0 holds %r" % self.read(image, 0, 8))
        print("ok: a probed raw image")

    def snapshot(self):
        image = self.image("snap.img")
        run = Run(self, ["-bios", self.spin, "-nographic", "-snapshot"], image, tty=True)
        try:
            check(os.listdir(self.overlays) == [],
                  "-snapshot: the overlay is visible in $TMPDIR: %r" % os.listdir(self.overlays))
            r = run.hmp.cmd('qemu-io ide0-hd0 "write -P 0x%x %d %d"' % (PAT, OFF, LEN))
            check("wrote" in r, "snapshot write: %r" % r)
            r = run.hmp.cmd('qemu-io ide0-hd0 "read -P 0x%x %d %d"' % (PAT, OFF, LEN))
            check("read %d/%d" % (LEN, LEN) in r and "verification failed" not in r,
                  "the guest sees its write: %r" % r)
            check(self.read(image, 0, SIZE) == bytes(SIZE), "-snapshot changed the image")
            info = run.hmp.cmd("info block")
            check("Snapshot overlay: %d bytes written" % LEN in info, "info block: %r" % info)
            os.write(run.master, b"\x01s")
            got = run.screen(b"bytes written back")
            check(b"C-a s: %d bytes written back to the disk images" % LEN in got,
                  "C-a s: %r" % got)
            check(self.read(image, OFF, LEN) == bytes([PAT]) * LEN, "C-a s did not commit")
            info = run.hmp.cmd("info block ide0-hd0")
            check("Snapshot overlay: 0 bytes written" in info, "after commit: %r" % info)
            # The monitor's commit, then a write that is never committed.
            r = run.hmp.cmd('qemu-io ide0-hd0 "write -P 0x11 0 512"')
            r = run.hmp.cmd("commit ide0-hd0")
            check(r == "", "commit: %r" % r)
            check(self.read(image, 0, 512) == b"\x11" * 512, "commit did not write back")
            r = run.hmp.cmd('qemu-io ide0-hd0 "write -P 0x22 512 512"')
            r = run.hmp.cmd("commit ide9-hd9")
            check(r.strip() == "Device 'ide9-hd9' not found", "commit unknown: %r" % r)
            check(os.listdir(self.overlays) == [], "overlay visible in $TMPDIR")
            os.write(run.master, b"\x01x")
        except Exception as e:
            import traceback
            traceback.print_exc()
            check(False, "snapshot: %r" % e)
        status, _ = run.wait()
        check(status == 0, "snapshot run: exit status %s" % status)
        check(self.read(image, 512, 512) == bytes(512), "an uncommitted write reached the image")
        check(self.read(image, OFF, LEN) == bytes([PAT]) * LEN, "the commit was undone")
        print("ok: -snapshot, C-a s, commit")

    def info(self):
        image = self.image("info.img")
        iso = os.path.join(self.tmp, "cd.iso")
        with open(iso, "wb") as f:
            f.write(bytes(4096))
        run = Run(self, ["-bios", self.spin, "-cdrom", iso,
                         "-drive", "if=ide,index=3,media=cdrom",
                         "-drive", "file=%s,format=raw,if=floppy,readonly=on" % iso],
                  image, drive="file=%s,format=raw,cache=none,id=sys" % image)
        try:
            info = run.hmp.cmd("info block")
            want = ("sys: %s (raw)\n"
                    "    Attached to:      IDE primary master\n"
                    "    Cache mode:       writeback, direct\n"
                    "\n"
                    "ide1-cd0: %s (raw, read-only)\n"
                    "    Attached to:      IDE secondary master\n"
                    "    Removable device: not locked, tray closed\n"
                    "    Cache mode:       writeback\n"
                    "\n"
                    "ide1-cd1: [not inserted]\n"
                    "    Attached to:      IDE secondary slave\n"
                    "    Removable device: not locked, tray closed\n"
                    "\n"
                    "floppy0: %s (raw, read-only)\n"
                    "    Attached to:      floppy drive A\n"
                    "    Removable device: not locked, tray closed\n"
                    "    Cache mode:       writeback\n") % (image, iso, iso)
            # cache=none falls back to the page cache where the file system
            # has no O_DIRECT (the warning says so).
            info_fb = info.replace("writeback\n    \n", "")
            check(info == want or info == want.replace("writeback, direct", "writeback"),
                  "info block:\n%s\nwant:\n%s" % (info_fb, want))
            r = run.hmp.cmd("qemu-io ide1-cd0 \"write 0 512\"")
            check("write failed: Read-only file system" in r, "CD write: %r" % r)
            r = run.hmp.cmd("commit all")
            check(r == "", "commit all without -snapshot drives: %r" % r)
            r = run.hmp.cmd("commit sys")
            check("'commit' error for 'sys': Operation not supported" in r, "commit: %r" % r)
            q = Qmp(run.qpath)
            blocks = q.cmd("query-block").get("return", [])
            names = [b["device"] for b in blocks]
            check(names == ["sys", "ide1-cd0", "ide1-cd1", "floppy0"], "query-block: %r" % names)
            if len(blocks) == 4:
                check(blocks[0]["inserted"]["file"] == image
                      and blocks[0]["inserted"]["ro"] is False
                      and blocks[0]["inserted"]["image"]["virtual-size"] == SIZE
                      and blocks[0]["removable"] is False, "query-block sys: %r" % blocks[0])
                check(blocks[1]["inserted"]["ro"] is True and blocks[1]["removable"] is True,
                      "query-block cd: %r" % blocks[1])
                check("inserted" not in blocks[2], "query-block empty cd: %r" % blocks[2])
            q.cmd("quit")
        except Exception as e:
            import traceback
            traceback.print_exc()
            check(False, "info: %r" % e)
        status, _ = run.wait()
        check(status == 0, "info run: exit status %s" % status)
        print("ok: info block, query-block")


def main():
    t = Test(sys.argv[1], sys.argv[2], sys.argv[3])
    try:
        t.exits()
        t.probed()
        t.snapshot()
        t.info()
    finally:
        shutil.rmtree(t.tmp, ignore_errors=True)
    if FAILS:
        print("%d failure(s)" % len(FAILS))
        return 1
    print("drives on every exit path: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
