#!/bin/bash
# The cost of accounting: a benchmark, not a test (ctest does not run it).
# Runs the CPU benchmark guest (bench/) under a plex86 built with accounting
# and one built without (cmake -DPLEX86_ACCOUNTING=OFF), interleaved, and
# prints the best and median wall time of each configuration:
#   off      the build without accounting
#   on       the build with it, no options (the engine's exit counters only)
#   on+files the same with --stats and --metrics (interval 1 s): the run
#            loop in slices, files written
# usage: test_account_overhead.sh BUILD_ON BUILD_OFF [SCALE [RUNS]]
#   SCALE: bench scale (default 25: about 450 million guest instructions)
#   RUNS:  runs per configuration (default 5)
set -u
on=${1:?usage: $0 BUILD_ON BUILD_OFF [SCALE [RUNS]]}
off=${2:?usage: $0 BUILD_ON BUILD_OFF [SCALE [RUNS]]}
scale=${3:-25}
runs=${4:-5}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/plex86-overhead.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
for b in "$on" "$off"; do
    [ -x "$b/plex86" ] && [ -f "$b/bench/bench.elf" ] || { echo "no $b/plex86 or bench.elf" >&2; exit 2; }
done

# one BUILD ARGS...: one run; prints its wall time in ms.
one() {
    local b=$1
    shift
    local t0 t1
    t0=$(date +%s%N)
    "$b/plex86" -kernel "$b/bench/bench.elf" -append "scale=$scale" -nographic -no-reboot \
        -serial null "$@" </dev/null || [ $? = 33 ] || { echo "run failed" >&2; exit 1; }
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000000))
}

for ((i = 0; i < runs; i++)); do
    one "$off" >>"$tmp/off"
    one "$on" >>"$tmp/on"
    one "$on" --stats "$tmp/s.json" --metrics "$tmp/m.prom" --metrics-interval 1 >>"$tmp/files"
done
python3 - "$tmp" "$scale" "$runs" <<'PY'
import statistics, sys
d, scale, runs = sys.argv[1], sys.argv[2], sys.argv[3]
t = {k: [int(x) / 1000 for x in open(f"{d}/{k}")] for k in ("off", "on", "files")}
print(f"bench scale {scale}, {runs} runs each (wall seconds)")
base = min(t["off"])
for k, name in (("off", "off"), ("on", "on"), ("files", "on+files")):
    best, med = min(t[k]), statistics.median(t[k])
    print(f"  {name:9s} best {best:7.3f}  median {med:7.3f}  best vs off {100 * (best / base - 1):+6.2f}%")
PY
