#!/usr/bin/env python3
"""bb-phases.py BUILD_OR_BINARY [RUNS] [KEY=VALUE ...]: the Linux bench
guest's busybox gen and exec phases alone, timed in the emulator's CPU
seconds rather than by the guest clock.

The guest clock is host wall time, which a loaded host (six helpers on two
cores) stretches by a different factor every run.  This boots the bench
guest's kernel (../shared/bench, fetch-guest.sh's cache) with its
initramfs, /init replaced by one that runs `cpubench gen BBSIZE >/tmp/data`
NGEN times and `busybox true` NEXEC times with a console marker between the
phases, and reads the emulator process's utime+stime (/proc/PID/stat) as
each marker arrives.  It prints, per run, the CPU seconds of each phase and
the guest's own times.  KEY=VALUE: ngen (default 10), nexec (200), bbsize
(8388608), on the guest's command line.  Any emulator with plex86's
(or QEMU's) -kernel/-initrd/-append options and COM1 on stdout works:
pass its binary.  bench/README.md, session 17 (branch bbx)."""
import os
import subprocess
import sys
import tempfile

INIT = r'''#!/bin/busybox sh
BB=/bin/busybox
export PATH=/bin
$BB mkdir -p /proc /sys /dev /tmp
$BB mount -t proc proc /proc
$BB mount -t sysfs sysfs /sys
$BB mount -t devtmpfs devtmpfs /dev 2>/dev/null
[ -c /dev/console ] && exec </dev/console >/dev/console 2>&1
$BB mount -t tmpfs -o size=96m tmpfs /tmp
$BB --install -s /bin
ngen=10; nexec=200; bbsize=8388608
for kv in $($BB cat /proc/cmdline); do
    case "$kv" in ngen=*|nexec=*|bbsize=*) export "$kv" ;; esac
done
el() { $BB awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", b - a }'; }
echo "BBX-M a"
g=0
while [ "$g" -lt "$ngen" ]; do
    t0=$(/bin/cpubench now); /bin/cpubench gen "$bbsize" >/tmp/data; t1=$(/bin/cpubench now)
    echo "BBX gen $(el "$t0" "$t1")"; $BB rm -f /tmp/data; g=$((g + 1))
done
echo "BBX-M b"
i=0; t0=$(/bin/cpubench now)
while [ "$i" -lt "$nexec" ]; do $BB true; i=$((i + 1)); done
t1=$(/bin/cpubench now)
echo "BBX exec $(el "$t0" "$t1")"
echo "BBX-M c"
$BB poweroff -f
'''


def make_initrd(cache, tmp):
    root = os.path.join(tmp, 'root')
    # (cp -a: the tree holds device nodes, which copytree would read)
    subprocess.run(['cp', '-a', os.path.join(cache, 'initramfs-root'), root], check=True)
    with open(os.path.join(root, 'init'), 'w') as f:
        f.write(INIT)
    os.chmod(os.path.join(root, 'init'), 0o755)
    names = subprocess.run('find . | LC_ALL=C sort', shell=True, cwd=root, check=True,
                           capture_output=True).stdout
    cpio = subprocess.run(['cpio', '-o', '-H', 'newc', '--quiet'], cwd=root, input=names,
                          check=True, capture_output=True).stdout
    path = os.path.join(tmp, 'initrd.gz')
    with open(path, 'wb') as f:
        f.write(subprocess.run(['gzip', '-n', '-1'], input=cpio, check=True,
                               capture_output=True).stdout)
    return path


def cpu_seconds(pid):
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def run(binary, kernel, initrd, append):
    args = [binary, '-m', '256', '-nographic', '-no-reboot', '-kernel', kernel, '-initrd', initrd,
            '-append', 'console=ttyS0 quiet panic=-1 ' + append]
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    marks, gens, execs = {}, [], None
    for raw in p.stdout:
        line = raw.decode('latin1').strip()
        if line.startswith('BBX-M '):
            marks[line[6:]] = cpu_seconds(p.pid)
        elif line.startswith('BBX gen '):
            gens.append(float(line.split()[2]))
        elif line.startswith('BBX exec '):
            execs = float(line.split()[2])
    p.wait()
    if set(marks) != {'a', 'b', 'c'}:
        sys.exit('bb-phases: the guest did not reach its markers (status %d)' % p.returncode)
    return marks['b'] - marks['a'], marks['c'] - marks['b'], gens, execs


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    binary = sys.argv[1]
    if os.path.isdir(binary):
        binary = os.path.join(binary, 'plex86')
    if not os.access(binary, os.X_OK):
        sys.exit('bb-phases: no emulator binary %s' % binary)
    runs = int(sys.argv[2]) if len(sys.argv) > 2 and '=' not in sys.argv[2] else 1
    append = ' '.join(a for a in sys.argv[2:] if '=' in a)
    cache = os.environ.get('BENCH_CACHE', '/var/cache/ia32-bench')
    kernel = os.path.join(cache, 'vmlinuz')
    if not os.path.exists(kernel):
        sys.exit('bb-phases: no %s (run ../shared/bench/fetch-guest.sh)' % kernel)
    with tempfile.TemporaryDirectory() as tmp:
        initrd = make_initrd(cache, tmp)
        for _ in range(runs):
            cg, ce, gens, execs = run(binary, kernel, initrd, append)
            with open('/proc/loadavg') as f:
                load = f.read().split()[0]
            print('cpu_gen %.2f cpu_exec %.2f | guest gen %s exec %.3f | load %s' %
                  (cg, ce, ' '.join('%.3f' % g for g in gens), execs or 0.0, load), flush=True)


if __name__ == '__main__':
    main()
