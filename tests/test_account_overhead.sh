#!/bin/sh
# The cost of accounting: a benchmark, not a test (ctest does not run it).
# Runs the CPU benchmark guest (bench/) under a plex86 built with accounting
# and one built without (cmake -DPLEX86_ACCOUNTING=OFF), the three
# configurations below in turn, RUNS times, and prints for each the best and
# median wall time and CPU time (user + system: less disturbed by other
# work on the machine than wall time):
#   off        the build without accounting
#   on         the build with it, no options (the engine's exit counters only)
#   on+files   the same with --stats and --metrics (interval 1 s): the run
#              loop in slices, the files written
#   on+stats   --stats only            (with OVERHEAD_TOOL=callgrind)
#   on+metrics --stats and --metrics with an interval longer than the run:
#              one more file at the start and at the end (callgrind)
# usage: test_account_overhead.sh BUILD_ON BUILD_OFF [SCALE [RUNS]]
#   SCALE: bench scale (default 25: about 460 million guest instructions)
#   RUNS:  runs per configuration (default 7)
# With OVERHEAD_TOOL=callgrind it counts the host instructions each
# configuration executes under valgrind's callgrind instead (one run each,
# default scale 1): exact, and blind to other work on the machine.
set -u
if [ $# -lt 2 ]; then
    echo "usage: $0 BUILD_ON BUILD_OFF [SCALE [RUNS]]" >&2
    exit 2
fi
for b in "$1" "$2"; do
    if [ ! -x "$b/plex86" ] || [ ! -f "$b/bench/bench.elf" ]; then
        echo "$0: no $b/plex86 or $b/bench/bench.elf" >&2
        exit 2
    fi
done
if [ "${OVERHEAD_TOOL:-}" = callgrind ]; then
    exec python3 - "$1" "$2" "${3:-1}" <<'EOF'
import os, re, subprocess, sys, tempfile

on, off, scale = sys.argv[1], sys.argv[2], sys.argv[3]
tmp = tempfile.mkdtemp(prefix="plex86-overhead.")
stats = ["--stats", f"{tmp}/s.json"]
metrics = stats + ["--metrics", f"{tmp}/m.prom", "--metrics-interval", "86400"]
configs = [("off", off, []), ("on", on, []), ("on+stats", on, stats),
           ("on+metrics", on, metrics)]
counts = {}
for name, build, extra in configs:
    args = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
            f"{build}/plex86", "-kernel", f"{build}/bench/bench.elf", "-append",
            f"scale={scale}", "-nographic", "-no-reboot", "-serial", "null"] + extra
    r = subprocess.run(args, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    m = re.search(r"Collected : (\d+)", r.stderr)
    if r.returncode != 33 or not m:
        sys.exit(f"{args}: exit status {r.returncode}\n{r.stderr}")
    counts[name] = int(m.group(1))
for f in os.listdir(tmp):
    os.unlink(os.path.join(tmp, f))
os.rmdir(tmp)
print(f"bench scale {scale}: host instructions (callgrind), whole process")
for name, _, _ in configs:
    d = counts[name] - counts["off"]
    print(f"  {name:10s} {counts[name]:15,d}  {d:+12,d} ({100 * d / counts['off']:+.4f}%)")
EOF
fi
exec python3 - "$1" "$2" "${3:-25}" "${4:-7}" <<'EOF'
import os, resource, statistics, subprocess, sys, tempfile, time

on, off, scale, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
tmp = tempfile.mkdtemp(prefix="plex86-overhead.")
files = ["--stats", f"{tmp}/s.json", "--metrics", f"{tmp}/m.prom", "--metrics-interval", "1"]
configs = [("off", off, []), ("on", on, []), ("on+files", on, files)]

def one(build, extra):
    args = [f"{build}/plex86", "-kernel", f"{build}/bench/bench.elf", "-append",
            f"scale={scale}", "-nographic", "-no-reboot", "-serial", "null"] + extra
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    st = subprocess.run(args, stdin=subprocess.DEVNULL).returncode
    t1 = time.monotonic()
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if st != 33:   # the guest's "done" (debug-exit 0x10)
        sys.exit(f"{args}: exit status {st}")
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return t1 - t0, cpu

res = {name: [] for name, _, _ in configs}
for _ in range(runs):
    for name, build, extra in configs:
        res[name].append(one(build, extra))
for f in os.listdir(tmp):
    os.unlink(os.path.join(tmp, f))
os.rmdir(tmp)

print(f"bench scale {scale}, {runs} runs of each, interleaved (seconds)")
base_wall = min(w for w, _ in res["off"])
base_cpu = min(c for _, c in res["off"])
for name, _, _ in configs:
    wall = [w for w, _ in res[name]]
    cpu = [c for _, c in res[name]]
    print(f"  {name:9s} wall best {min(wall):7.3f} median {statistics.median(wall):7.3f}"
          f" ({100 * (min(wall) / base_wall - 1):+5.2f}%)   cpu best {min(cpu):7.3f}"
          f" median {statistics.median(cpu):7.3f} ({100 * (min(cpu) / base_cpu - 1):+5.2f}%)")
EOF
