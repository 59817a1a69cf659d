#!/usr/bin/env python3
"""Boot time of the default Linux guest under plex86 and QEMU TCG (issue 18).

    bench/boot-vs-qemu.py [BUILD_DIR]

Boots the default guest (tools/fetch-guest.sh: Debian's i386 kernel and
our busybox initramfs) with make demo's machine (-m 256 -nographic
-no-reboot) and notes, for each emulator, when the serial console first
shows each milestone:

  kernel  "Linux version": the kernel's first line, i.e. the end of the
          bzImage's XZ decompressor (the part of the boot issue 18 names)
  ready   "plex86 guest ready": the initramfs's line just before the shell
          prompt (the end of kernel init and of busybox's start)

It prints the wall-clock seconds and the emulator's CPU seconds (user +
system, from /proc/PID/stat) at each milestone, and the peak resident
memory (VmHWM) at the last, per run; then the median of the runs and
plex86 / QEMU per milestone (below 1: plex86 is faster).
Runs alternate between the two emulators, so load that comes and goes
touches both alike; the CPU figures move less with load than the wall.

Environment: BENCH_RUNS (runs per emulator, default 3), BOOT_APPEND (the
guest's command line, default "console=ttyS0": without `quiet`, so the
kernel's first line reaches the console; the crypto self-tests run),
QEMU (default qemu-system-i386; QEMU=none leaves it out), PLEX86_ARGS
(extra plex86 options), BOOT_TIMEOUT (seconds per run, default 300).
"""
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MILESTONES = [("kernel", b"Linux version"), ("ready", b"plex86 guest ready")]


def cpu_seconds(pid):
    """User + system seconds of process PID so far (proc(5), fields 14, 15)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def peak_rss_mib(pid):
    """The process's peak resident set (VmHWM in /proc/PID/status), MiB."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return float("nan")


def boot_once(cmd, timeout):
    """Runs CMD until the last milestone; returns {name: (wall, cpu)} and,
    under "rss", the peak RSS in MiB at the last one."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    os.set_blocking(proc.stdout.fileno(), False)
    seen, out = {}, b""
    try:
        while len(seen) < len(MILESTONES):
            if time.monotonic() - start > timeout:
                raise RuntimeError(f"no '{MILESTONES[len(seen)][1].decode()}' within {timeout} s")
            chunk = proc.stdout.read()
            if chunk:
                out = (out + chunk)[-65536:]
                now = time.monotonic() - start
                for name, text in MILESTONES:
                    if name not in seen and text in out:
                        seen[name] = (now, cpu_seconds(proc.pid))
                if len(seen) == len(MILESTONES):
                    seen["rss"] = peak_rss_mib(proc.pid)
            elif proc.poll() is not None:
                raise RuntimeError(f"the emulator ended (status {proc.returncode}) before "
                                   f"'{MILESTONES[len(seen)][1].decode()}':\n"
                                   + out[-2000:].decode(errors="replace"))
            else:
                time.sleep(0.005)
    finally:
        proc.kill()
        proc.wait()
    return seen


def guest_paths():
    res = subprocess.run(["bash", os.path.join(ROOT, "tools/fetch-guest.sh")],
                         stdout=subprocess.PIPE, text=True)
    if res.returncode != 0:
        sys.exit("boot-vs-qemu: tools/fetch-guest.sh failed (no default guest)")
    paths = dict(line.split("=", 1) for line in res.stdout.split() if "=" in line)
    return paths["kernel"], paths["initrd"]


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build")
    if len(sys.argv) > 2 or build in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if build in ("-h", "--help") else 2
    plex86 = os.path.join(os.path.abspath(build), "plex86")
    if not os.access(plex86, os.X_OK):
        sys.exit(f"boot-vs-qemu: no {plex86} (build first)")
    try:
        runs = int(os.environ.get("BENCH_RUNS", "3"))
        timeout = float(os.environ.get("BOOT_TIMEOUT", "300"))
    except ValueError:
        sys.exit("boot-vs-qemu: BENCH_RUNS and BOOT_TIMEOUT are numbers")
    if runs < 1:
        sys.exit("boot-vs-qemu: BENCH_RUNS must be at least 1")
    append = os.environ.get("BOOT_APPEND", "console=ttyS0")
    kernel, initrd = guest_paths()
    machine = ["-m", "256", "-nographic", "-no-reboot", "-kernel", kernel,
               "-initrd", initrd, "-append", append]
    emulators = {"plex86": [plex86] + shlex.split(os.environ.get("PLEX86_ARGS", "")) + machine}
    qemu = os.environ.get("QEMU", "qemu-system-i386")
    if qemu != "none" and shutil.which(qemu):
        emulators["qemu"] = [qemu, "-accel", "tcg"] + machine
    print(f"boot-vs-qemu: {runs} runs each, -append '{append}', load average "
          f"{os.getloadavg()[0]:.2f}")
    results = {name: [] for name in emulators}
    for i in range(runs):
        for name, cmd in emulators.items():
            try:
                r = boot_once(cmd, timeout)
            except RuntimeError as e:
                sys.exit(f"boot-vs-qemu: {name}, run {i + 1}: {e}")
            results[name].append(r)
            print(f"  run {i + 1} {name:7s} " + "  ".join(
                f"{m}: {r[m][0]:6.2f} s wall {r[m][1]:6.2f} s cpu" for m, _ in MILESTONES)
                + f"  peak RSS {r['rss']:6.1f} MiB", flush=True)
    print(f"\n{'milestone':10s} {'emulator':8s} {'wall s':>8s} {'cpu s':>8s}   (medians)")
    med = {}
    for m, _ in MILESTONES:
        for name in emulators:
            w = statistics.median(r[m][0] for r in results[name])
            c = statistics.median(r[m][1] for r in results[name])
            med[name, m] = (w, c)
            print(f"{m:10s} {name:8s} {w:8.2f} {c:8.2f}")
        if "qemu" in emulators:
            (pw, pc), (qw, qc) = med["plex86", m], med["qemu", m]
            print(f"{m:10s} {'p86/qemu':8s} {pw / qw:8.2f} {pc / qc:8.2f}")
    for name in emulators:
        print(f"peak RSS at 'ready' {name:8s} {statistics.median(r['rss'] for r in results[name]):8.1f} MiB")
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
