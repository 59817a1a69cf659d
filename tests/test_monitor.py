#!/usr/bin/env python3
"""The monitor and QMP over their unix sockets, driving a running guest.

The guest (tests/guests/spin.S) increments AX forever, so its registers
tell whether it runs.  Checks, over QMP: the greeting, commands refused
before qmp_capabilities, query-status, stop (STOP event, status paused,
EAX and EIP frozen while paused), cont (RESUME, EAX moves again),
human-monitor-command with `info registers` and `xp /4xw 0xffff0` (the
reset vector's far jump), malformed JSON, a non-object, an unknown command
(CommandNotFound), a huge value, a client leaving mid-command and the next
one accepted, system_reset (RESET event), and quit (SHUTDOWN event, exit
status 0).  Over the human monitor's socket: the banner and prompt, help,
info status, stop/cont, x with an unmapped address, an over-long line, an
unknown command, and a second client after the first one left.  Also -S
(starts paused) and the option errors.

usage: test_monitor.py PLEX86 SPIN_ROM
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

from unix_socket import connect

FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)


class Qmp:
    def __init__(self, path):
        self.sock = connect(path)
        self.buf = b""
        self.events = []

    def line(self, timeout=10.0):
        end = time.time() + timeout
        while b"\n" not in self.buf:
            left = end - time.time()
            if left <= 0:
                raise TimeoutError("no reply from QMP")
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("QMP closed")
            self.buf += chunk
        text, self.buf = self.buf.split(b"\n", 1)
        return json.loads(text)

    def reply(self):
        """The next reply; events on the way are kept."""
        while True:
            msg = self.line()
            if "event" in msg:
                self.events.append(msg)
            else:
                return msg

    def send(self, raw):
        self.sock.sendall(raw if isinstance(raw, bytes) else raw.encode())

    def cmd(self, name, **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.send(json.dumps(msg))   # no newline, as qemu.qmp sends it
        return self.reply()

    def hmp(self, line):
        r = self.cmd("human-monitor-command", **{"command-line": line})
        text = r.get("return", "")
        check("\n" not in text.replace("\r\n", ""), "QMP's HMP lines end in CR LF: %r" % text)
        return text.replace("\r\n", "\n")

    def event(self, name, timeout=10.0):
        end = time.time() + timeout
        while time.time() < end:
            for e in self.events:
                if e["event"] == name:
                    self.events.remove(e)
                    return e
            self.events.append(self.line(end - time.time()))
        return None


class Hmp:
    def __init__(self, path):
        self.sock = connect(path)
        self.buf = b""

    def until_prompt(self, timeout=10.0):
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
        check(b"\n" not in text.replace(b"\r\n", b""), "HMP lines end in CR LF: %r" % text)
        return text.decode().replace("\r\n", "\n")

    def cmd(self, line):
        self.sock.sendall(line.encode() + b"\n")
        return self.until_prompt()




def regs(text):
    return dict(re.findall(r"\b(E[A-Z]{2})=([0-9a-f]{8})", text))


def main():
    plex86, rom = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="plex86-mon-")
    qpath, hpath = os.path.join(tmp, "qmp.sock"), os.path.join(tmp, "hmp.sock")
    proc = subprocess.Popen([plex86, "-bios", rom, "-serial", "null",
                             "-qmp", "unix:%s,server,nowait" % qpath,
                             "-monitor", "unix:%s,server=on,wait=off" % hpath],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        run_checks(qpath, hpath, proc)
    except Exception as e:  # a timeout or a closed socket is a failure
        import traceback; traceback.print_exc()
        check(False, "exception: %r" % e)
    try:
        out, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        check(False, "plex86 did not exit after quit")
    check(proc.returncode == 0, "exit status %s, stderr %r" % (proc.returncode, err[-500:]))
    check(not os.path.exists(qpath), "the QMP socket file is removed at exit")
    check_start_stopped(plex86, rom, tmp)
    check_topology(plex86, rom, tmp)
    check_thread_ids(plex86, rom, tmp)
    check_option_errors(plex86, rom)
    if FAILS:
        print("%d failure(s)" % len(FAILS))
        return 1
    print("monitor and QMP: all checks passed")
    return 0


def run_checks(qpath, hpath, proc):
    q = Qmp(qpath)
    greeting = q.line()
    check("QMP" in greeting and "version" in greeting["QMP"]
          and greeting["QMP"]["capabilities"] == [], "greeting: %r" % greeting)

    r = q.cmd("query-status")
    check(r.get("error", {}).get("class") == "CommandNotFound",
          "a command before qmp_capabilities is refused: %r" % r)
    r = q.cmd("qmp_capabilities", enable=["oob"])
    check(r.get("error", {}).get("class") == "GenericError", "no oob: %r" % r)
    r = q.cmd("qmp_capabilities", enable=[])    # what qemu.qmp sends
    check(r == {"return": {}}, "qmp_capabilities: %r" % r)
    r = q.cmd("qmp_capabilities")
    check(r.get("error", {}).get("class") == "CommandNotFound",
          "qmp_capabilities twice: %r" % r)

    r = q.cmd("query-status")
    check(r.get("return") == {"running": True, "singlestep": False, "status": "running"},
          "query-status running: %r" % r)
    v = q.cmd("query-version")
    check(isinstance(v.get("return", {}).get("qemu", {}).get("major"), int),
          "query-version: %r" % v)
    names = [c["name"] for c in q.cmd("query-commands").get("return", [])]
    check("human-monitor-command" in names and "quit" in names, "query-commands: %r" % names)
    cpus = q.cmd("query-cpus-fast").get("return")
    check(isinstance(cpus, list) and len(cpus) == 1 and cpus[0].get("cpu-index") == 0 and
          cpus[0].get("target") == "i386" and isinstance(cpus[0].get("thread-id"), int) and
          cpus[0].get("props") == {"core-id": 0, "thread-id": 0, "socket-id": 0},
          "query-cpus-fast: one CPU: %r" % cpus)

    # The id comes back, whatever JSON it is.
    q.send('{"execute": "query-status", "id": {"n": [1, "two"]}}')
    r = q.reply()
    check(r.get("id") == {"n": [1, "two"]}, "id echoed: %r" % r)

    # stop: the STOP event, paused, and the guest's registers stand still.
    r = q.cmd("stop")
    check(r == {"return": {}}, "stop: %r" % r)
    check(q.event("STOP") is not None, "STOP event")
    r = q.cmd("query-status")
    check(r.get("return", {}).get("status") == "paused"
          and r["return"]["running"] is False, "query-status paused: %r" % r)
    a = regs(q.hmp("info registers"))
    time.sleep(0.3)
    b = regs(q.hmp("info registers"))
    check(a and a == b, "registers frozen while paused: %r %r" % (a, b))
    check("paused" in q.hmp("info status"), "info status paused")

    # cont: RESUME, and the guest runs again.
    r = q.cmd("cont")
    check(r == {"return": {}}, "cont: %r" % r)
    check(q.event("RESUME") is not None, "RESUME event")
    time.sleep(0.2)
    c = regs(q.hmp("info registers"))
    check(c.get("EAX") != b.get("EAX"), "EAX moves after cont: %r %r" % (b, c))

    text = q.hmp("info registers")
    for want in ("EAX=", "EIP=", "EFL=", "CS =f000", "GDT=", "IDT=", "CR0=", "DR7=", "EFER="):
        check(want in text, "info registers has %s" % want)
    # The reset vector: EA F0 FF?? -> ljmp $0xf000,$start.
    text = q.hmp("xp /4xw 0xffff0")
    check(re.match(r"^00000000000ffff0: 0x[0-9a-f]{8} 0x[0-9a-f]{8} 0x[0-9a-f]{8} "
                   r"0x[0-9a-f]{8}\n$", text) is not None, "xp layout: %r" % text)
    check(text.split()[1].endswith("ea"), "xp reads the far jump: %r" % text)
    text = q.hmp("xp /2xb 0xfffffff0")
    check("0xea" in text, "xp at the top of 4 GiB: %r" % text)
    text = q.hmp("xp /1xw 0xe0000000")
    check("Cannot access memory" in text, "xp unmapped: %r" % text)
    check("unknown command" in q.hmp("frobnicate"), "HMP unknown command over QMP")

    # Bad input: each gets an error and the session goes on.
    q.send('{"execute": }\n')
    r = q.reply()
    check(r.get("error", {}).get("class") == "GenericError", "malformed JSON: %r" % r)
    q.send("[1, 2, 3]")
    r = q.reply()
    check("must be a JSON object" in r.get("error", {}).get("desc", ""), "non-object: %r" % r)
    q.send("42\n")
    r = q.reply()
    check("error" in r, "a bare number: %r" % r)
    q.send('{"arguments": {}}')
    r = q.reply()
    check("lacks member 'execute'" in r.get("error", {}).get("desc", ""),
          "no execute: %r" % r)
    q.send('{"execute": "no-such-command", "id": 5}')
    r = q.reply()
    check(r.get("error", {}).get("class") == "CommandNotFound" and r.get("id") == 5,
          "unknown command: %r" % r)
    r = q.cmd("human-monitor-command")
    check("is missing" in r.get("error", {}).get("desc", ""), "missing argument: %r" % r)
    r = q.cmd("stop", bogus=1)
    check("unexpected" in r.get("error", {}).get("desc", ""), "extra argument: %r" % r)
    r = q.cmd("system_powerdown")
    check(r.get("return") == {}, "system_powerdown: %r" % r)
    check(q.event("POWERDOWN") is not None, "POWERDOWN event")
    q.send(b"\xff\xfe\x01garbage}\n")
    r = q.reply()
    check("error" in r, "binary junk: %r" % r)
    # A huge value: one error, then the session works.
    q.send('{"execute": "query-status", "arguments": {"x": "' + "A" * 300000 + '"}}')
    r = q.reply()
    check("too large" in r.get("error", {}).get("desc", ""), "huge value: %r" % r)
    q.send('{"execute": "stop", "arguments": {"x": ["' + "{" * 100000 + '"]}}')
    r = q.reply()
    check("too large" in r.get("error", {}).get("desc", ""), "huge value, brackets: %r" % r)
    r = q.cmd("query-status")
    check(r.get("return", {}).get("running") is True, "usable after a huge value: %r" % r)

    # screendump: this ROM never programs the VGA, so there is no picture
    # (the pictures themselves: tests/vga/).
    dump = os.path.join(os.path.dirname(hpath), "dump.ppm")
    r = q.cmd("screendump", filename=dump)
    check("shows nothing" in r.get("error", {}).get("desc", ""), "screendump blank: %r" % r)
    check(not os.path.exists(dump), "no file for a blank screen")
    r = q.cmd("screendump", filename=dump, format="jpeg")
    check("does not accept value" in r.get("error", {}).get("desc", ""),
          "screendump format: %r" % r)
    r = q.cmd("screendump")
    check("is missing" in r.get("error", {}).get("desc", ""), "screendump no file: %r" % r)
    check("missing file name" in q.hmp("screendump"), "HMP screendump without a file")
    check("unknown format 'gif'" in q.hmp("screendump x -f gif"), "HMP screendump format")
    check("not in a text mode" in q.hmp("screendump %s -f text" % dump),
          "HMP screendump text")

    check_hmp(hpath)

    # A client that leaves mid-command; the next one is served.
    q.send('{"execute": "query-sta')
    q.sock.close()
    q = Qmp(qpath)
    check("QMP" in q.line(), "second QMP client greeted")
    check(q.cmd("qmp_capabilities") == {"return": {}}, "second client negotiates")

    r = q.cmd("system_reset")
    check(r == {"return": {}}, "system_reset: %r" % r)
    e = q.event("RESET")
    check(e is not None and e.get("data", {}).get("guest") is False, "RESET event: %r" % e)
    check(q.cmd("query-status").get("return", {}).get("running") is True, "runs after reset")

    r = q.cmd("quit")
    check(r == {"return": {}}, "quit: %r" % r)
    e = q.event("SHUTDOWN")
    check(e is not None and e.get("data") == {"guest": False, "reason": "host-qmp-quit"},
          "SHUTDOWN event: %r" % e)
    check(e is not None and set(e.get("timestamp", {})) == {"seconds", "microseconds"},
          "event timestamp: %r" % e)


def check_hmp(hpath):
    h = Hmp(hpath)
    banner = h.until_prompt()
    check("monitor" in banner, "HMP banner: %r" % banner)
    text = h.cmd("help")
    for name in ("info", "stop", "cont", "x ", "xp ", "quit", "system_reset", "savevm"):
        check(name in text, "help lists %r" % name)
    check("info registers" in h.cmd("help info"), "help info")
    check(h.cmd("info status") == "VM status: running\n", "HMP info status")
    h.cmd("stop")
    check(h.cmd("info status") == "VM status: paused\n", "HMP stop")
    h.cmd("c")
    check(h.cmd("info status") == "VM status: running\n", "HMP cont (c)")
    check("unknown command: 'bogus'" in h.cmd("bogus"), "HMP unknown command")
    check("Cannot access memory" in h.cmd("xp /4xw 0xf0000000"), "HMP xp unmapped")
    text = h.cmd("x /3xh 0xffff0")
    check(re.match(r"^000ffff0: 0x[0-9a-f]{4} 0x[0-9a-f]{4} 0x[0-9a-f]{4}\n$", text) is not None,
          "HMP x layout: %r" % text)
    check("invalid" in h.cmd("x /4q 0"), "bad format")
    text = h.cmd("savevm /nonexistent-dir/snap")
    check(text.startswith("Error: savevm: "), "savevm to a bad path: %r" % text)
    check("too long" in h.cmd("x" * 10000), "HMP long line")
    check(h.cmd("info status") == "VM status: running\n", "HMP usable after a long line")
    h.sock.sendall(b"info regi")
    h.sock.close()
    h = Hmp(hpath)
    h.until_prompt()
    check("EAX=" in h.cmd("info registers"), "second HMP client")
    h.sock.close()


# query-cpus-fast with a topology: QEMU 7.2's answer for the same -smp
# (its pc machine; seen with qemu-system-i386 -M pc -smp 6,sockets=2,
# cores=3): props in index order, cores within sockets.
def check_topology(plex86, rom, tmp):
    qpath = os.path.join(tmp, "t.sock")
    proc = subprocess.Popen([plex86, "-bios", rom, "-serial", "null", "-S",
                             "-smp", "6,sockets=2,cores=3",
                             "-qmp", "unix:%s,server,nowait" % qpath],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        q = Qmp(qpath)
        q.line()
        q.cmd("qmp_capabilities")
        cpus = q.cmd("query-cpus-fast").get("return") or []
        got = [(c.get("cpu-index"), c.get("props")) for c in cpus]
        want = [(i, {"core-id": i % 3, "thread-id": 0, "socket-id": i // 3}) for i in range(6)]
        check(got == want, "query-cpus-fast -smp 6,sockets=2,cores=3: %r" % got)
        q.cmd("quit")
        proc.communicate(timeout=20)
    except Exception as e:
        proc.kill()
        proc.communicate()
        check(False, "-smp 6,sockets=2,cores=3: %r" % e)


# The host thread of each CPU in query-cpus-fast and `info cpus`: with one
# thread (the default) every CPU runs on the process's main thread; with
# -accel tcg,thread=multi each on its own thread of the process.
def check_thread_ids(plex86, rom, tmp):
    for accel, distinct in (("tcg,thread=single", False), ("tcg,thread=multi", True)):
        qpath = os.path.join(tmp, "ids.sock")
        proc = subprocess.Popen([plex86, "-bios", rom, "-serial", "null", "-smp", "2",
                                 "-accel", accel, "-qmp", "unix:%s,server,nowait" % qpath],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            q = Qmp(qpath)
            q.line()
            q.cmd("qmp_capabilities")
            ids = [c.get("thread-id") for c in q.cmd("query-cpus-fast").get("return") or []]
            tasks = set(int(t) for t in os.listdir("/proc/%d/task" % proc.pid))
            if distinct:
                ok = (len(ids) == 2 and ids[0] != ids[1] and proc.pid not in ids and
                      set(ids) <= tasks)
            else:
                ok = ids == [proc.pid, proc.pid]
            check(ok, "-accel %s: query-cpus-fast thread-ids %r (pid %d, tasks %r)" %
                  (accel, ids, proc.pid, sorted(tasks)))
            info = re.findall(r"CPU #(\d+): thread_id=(\d+)", q.hmp("info cpus"))
            check([int(t) for _, t in info] == ids, "-accel %s: info cpus %r, QMP %r" %
                  (accel, info, ids))
            q.cmd("quit")
            proc.communicate(timeout=20)
        except Exception as e:
            proc.kill()
            proc.communicate()
            check(False, "-accel %s thread ids: %r" % (accel, e))


def check_start_stopped(plex86, rom, tmp):
    qpath = os.path.join(tmp, "s.sock")
    proc = subprocess.Popen([plex86, "-bios", rom, "-serial", "null", "-S",
                             "-qmp", "unix:%s,server,nowait" % qpath],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        q = Qmp(qpath)
        q.line()
        q.cmd("qmp_capabilities")
        r = q.cmd("query-status")
        check(r.get("return", {}).get("status") == "paused", "-S starts paused: %r" % r)
        a = regs(q.hmp("info registers"))
        check(a.get("EIP") == "0000fff0", "-S: nothing ran: %r" % a)
        q.cmd("cont")
        check(q.event("RESUME") is not None, "-S then cont")
        q.cmd("quit")
        proc.wait(timeout=20)
        check(proc.returncode == 0, "-S run: exit status %s" % proc.returncode)
    except Exception as e:
        proc.kill()
        proc.wait()
        check(False, "-S: %r" % e)


def check_option_errors(plex86, rom):
    for args in (["-qmp", "unix:/tmp/x"], ["-qmp", "tcp:1234"],
                 ["-monitor", "unix:/tmp/y,server,bogus"], ["-monitor", "stdio"]):
        r = subprocess.run([plex86, "-bios", rom] + args, capture_output=True, timeout=20)
        check(r.returncode == 2 and r.stderr.count(b"\n") == 1,
              "%r: status 2, one line: %r %r" % (args, r.returncode, r.stderr))


if __name__ == "__main__":
    sys.exit(main())
