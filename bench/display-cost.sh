#!/bin/bash
# display-cost.sh [BUILD_DIR [SCALE [RUNS]]]: what a display frontend costs
# the guest (issue 17; docs/display.md).  Runs the CPU benchmark guest
# (BUILD_DIR/bench/bench.elf, bench/README.md) with `-display none`, with a
# VNC server (`-display vnc=127.0.0.1:N`; with BENCH_VNC_CLIENT=1 a client
# of ours stays connected and asks for updates all along), and with the SDL
# window under xvfb-run when that is installed; best wall time of RUNS runs
# each (default 3), and the ratio to -display none.  It prints figures and
# never fails on speed: exit status 0, or 1 when a run fails, 2 when
# something is missing.
set -u

build=${1:-build}
scale=${2:-10}
runs=${3:-3}
plex86=$build/plex86
elf=$build/bench/bench.elf
here=$(cd "$(dirname "$0")" && pwd)
for f in "$plex86" "$elf"; do
    if [ ! -e "$f" ]; then
        echo "display-cost: $f is missing (make first)" >&2
        exit 2
    fi
done

# A free display number: port 5900+N nobody listens on.
free_display() {
    python3 - <<'PY'
import socket
for n in range(70, 400):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", 5900 + n))
        print(n)
        break
    except OSError:
        pass
    finally:
        s.close()
PY
}

# best_of CMD...: the best wall time in seconds of `runs` runs.
best_of() {
    local best="" t s e
    for _ in $(seq "$runs"); do
        s=$(date +%s.%N)
        "$@" </dev/null >/dev/null 2>&1
        local rc=$?
        e=$(date +%s.%N)
        if [ "$rc" != 33 ]; then
            echo "display-cost: '$*' exited with status $rc, not 33" >&2
            return 1
        fi
        t=$(echo "$e - $s" | bc -l)
        if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then
            best=$t
        fi
    done
    printf '%.3f' "$best"
}

# The VNC run with a client asking for updates while the guest runs.
with_client() {
    local n=$1
    shift
    "$@" &
    local pid=$!
    python3 - "$n" "$here/../tests" <<'PY' &
import sys
sys.path.insert(0, sys.argv[2])
from vnc_client import VncClient
try:
    c = VncClient("127.0.0.1", 5900 + int(sys.argv[1]), timeout=10)
    while True:
        c.request(True)
        c.read_update()
except Exception:
    pass
PY
    local cpid=$!
    wait "$pid"
    local rc=$?
    kill "$cpid" 2>/dev/null
    wait "$cpid" 2>/dev/null
    return $rc
}

common=(-kernel "$elf" -append "scale=$scale" -no-reboot -serial null)
echo "display-cost: bench.elf scale=$scale, best of $runs runs"
base=$(best_of "$plex86" "${common[@]}" -display none) || exit 1
printf '%-28s %8s s\n' "-display none" "$base"
n=$(free_display)
vnc=$(best_of "$plex86" "${common[@]}" -display "vnc=127.0.0.1:$n") || exit 1
printf '%-28s %8s s  ratio %.3f\n' "-display vnc=127.0.0.1:$n" "$vnc" \
    "$(echo "$vnc / $base" | bc -l)"
if [ "${BENCH_VNC_CLIENT:-0}" = 1 ]; then
    vncc=$(best_of with_client "$n" "$plex86" "${common[@]}" -display "vnc=127.0.0.1:$n") ||
        exit 1
    printf '%-28s %8s s  ratio %.3f\n' "vnc, a client connected" "$vncc" \
        "$(echo "$vncc / $base" | bc -l)"
fi
if command -v xvfb-run >/dev/null 2>&1; then
    sdl=$(best_of xvfb-run -a "$plex86" "${common[@]}" -display sdl) || exit 1
    # xvfb-run's own start-up is in this figure; its baseline too:
    xbase=$(best_of xvfb-run -a "$plex86" "${common[@]}" -display none) || exit 1
    printf '%-28s %8s s  ratio %.3f (to -display none under xvfb-run: %s s)\n' \
        "-display sdl (xvfb-run)" "$sdl" "$(echo "$sdl / $xbase" | bc -l)" "$xbase"
else
    echo "-display sdl: skipped (no xvfb-run)"
fi
