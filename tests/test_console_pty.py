#!/usr/bin/env python3
"""plex86 on a pseudo-terminal, as a user at a keyboard sees it.

The guest (tests/guests/serial_echo.S) echoes COM1 input upper-cased.
Checks: the terminal is raw while plex86 runs (typed keys are not echoed
by the terminal, only by the guest), Ctrl-C reaches the guest instead of
killing plex86, Ctrl-A Ctrl-A sends one Ctrl-A, Ctrl-A c switches to the monitor and
back, Ctrl-A x quits with exit
status 0, and the terminal's settings are restored afterwards.

usage: test_console_pty.py PLEX86 SERIAL_ECHO_ROM
"""
import os
import select
import subprocess
import sys
import termios
import time


def read_until(fd, want, timeout=20.0):
    got = b""
    end = time.time() + timeout
    while want not in got and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            got += chunk
    return got


def main():
    plex86, rom = sys.argv[1], sys.argv[2]
    master, slave = os.openpty()
    before = termios.tcgetattr(slave)
    proc = subprocess.Popen([plex86, "-bios", rom, "-nographic"],
                            stdin=slave, stdout=slave, stderr=slave)
    fails = []

    # Wait for raw mode (the console sets it before the guest runs).
    end = time.time() + 20
    while time.time() < end:
        if not termios.tcgetattr(slave)[3] & termios.ICANON:
            break
        time.sleep(0.01)
    lflag = termios.tcgetattr(slave)[3]
    if lflag & (termios.ICANON | termios.ECHO | termios.ISIG):
        fails.append("terminal not raw: lflag %#x" % lflag)

    os.write(master, b"abc")
    got = read_until(master, b"ABC")
    if b"ABC" not in got or b"abc" in got:
        fails.append("typed 'abc', screen shows %r (want the guest's ABC, no echo)" % got)

    # Ctrl-C goes to the guest, which echoes it; plex86 keeps running.
    os.write(master, b"\x03q")
    got = read_until(master, b"Q")
    if b"\x03Q" not in got:
        fails.append("Ctrl-C: screen shows %r" % got)
    if proc.poll() is not None:
        fails.append("Ctrl-C ended plex86 (status %s)" % proc.returncode)

    # Ctrl-A Ctrl-A: one Ctrl-A; Ctrl-A h: help, not sent.
    os.write(master, b"\x01\x01z\x01hy")
    got = read_until(master, b"Y")
    if b"\x01Z" not in got or b"\x01\x01" in got or b"C-a x" not in got:
        fails.append("Ctrl-A Ctrl-A / help: screen shows %r" % got)

    # Ctrl-A c: the monitor (QEMU's mux), with its prompt and echo; typed
    # bytes go to it, not to the guest; Ctrl-A c again: back to the guest.
    os.write(master, b"\x01c")
    got = read_until(master, b"(qemu) ")
    if b"(qemu) " not in got:
        fails.append("Ctrl-A c: no monitor prompt: %r" % got)
    os.write(master, b"info stax\x7ftus\r")
    got = read_until(master, b"VM status: running")
    if b"\x08 \x08tus\r\nVM status: running\r\n" not in got or b"INFO" in got:
        fails.append("monitor on the console: screen shows %r" % got)
    os.write(master, b"stop\r")
    read_until(master, b"(qemu) ")
    os.write(master, b"info status\r")
    got = read_until(master, b"VM status: paused")
    if b"VM status: paused" not in got:
        fails.append("monitor stop on the console: screen shows %r" % got)
    os.write(master, b"cont\r\x01cw")
    got = read_until(master, b"W")
    if b"W" not in got:
        fails.append("back to the guest after Ctrl-A c: screen shows %r" % got)

    # Ctrl-A x quits with status 0.
    os.write(master, b"\x01x")
    try:
        status = proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        status = proc.wait()
        fails.append("Ctrl-A x did not end plex86")
    if status != 0:
        fails.append("Ctrl-A x: exit status %s, want 0" % status)
    after = termios.tcgetattr(slave)
    if after != before:
        fails.append("terminal settings not restored: %r != %r" % (after, before))

    # SIGTERM: the terminal is restored too.
    proc = subprocess.Popen([plex86, "-bios", rom, "-nographic"],
                            stdin=slave, stdout=slave, stderr=slave)
    end = time.time() + 20
    while time.time() < end and termios.tcgetattr(slave)[3] & termios.ICANON:
        time.sleep(0.01)
    proc.terminate()
    proc.wait(timeout=20)
    if termios.tcgetattr(slave) != before:
        fails.append("terminal settings not restored after SIGTERM")

    for f in fails:
        print("FAIL:", f)
    print("pty: %d failures" % len(fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
