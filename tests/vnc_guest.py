"""What the VNC tests share (test_vnc.py, test_novnc.py, test_vnc_paused.py,
linux/psmouse.py): a free TCP port for a server, and plex86 running a
guest with COM1 on a pipe whose lines the test waits for."""
import queue
import socket
import subprocess
import threading
import time


def free_port(lo, hi):
    """A TCP port in [lo, hi) that 127.0.0.1 can bind now."""
    for p in range(lo, hi):
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", p))
            return p
        except OSError:
            continue
        finally:
            s.close()
    raise SystemExit("no free port in %d-%d" % (lo, hi))


def free_display(lo=50, hi=400):
    """A VNC display number N (port 5900+N) in [lo, hi) that is free now."""
    return free_port(5900 + lo, 5900 + hi) - 5900


class Guest:
    """plex86 with `args`, its COM1 (stdout and stderr) read line by line
    into `log` by a thread."""

    def __init__(self, args):
        self.p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)
        self.lines = queue.Queue()
        self.log = []
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self):
        for raw in self.p.stdout:
            line = raw.decode(errors="replace").strip()
            self.log.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def expect(self, want, timeout=20.0):
        """True once a line equal to `want` comes; False at the timeout or
        when the output ends."""
        end = time.time() + timeout
        while time.time() < end:
            try:
                line = self.lines.get(timeout=max(0.01, end - time.time()))
            except queue.Empty:
                break
            if line is None:
                break
            if line == want:
                return True
        return False

    def no_vnc(self):
        """True when plex86 said it was built without VNC (the test skips)."""
        return any("built without VNC" in l for l in self.log)

    def output(self):
        return "\n".join(self.log)

    def stop(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()
