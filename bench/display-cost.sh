#!/bin/bash
# display-cost.sh [BUILD_DIR [SCALE [RUNS]]]: what a display frontend costs
# the guest (issue 17; docs/display.md).  Runs the CPU benchmark guest
# (BUILD_DIR/bench/bench.elf, bench/README.md) with `-display none`, with a
# VNC server (`-display vnc=127.0.0.1:N`; with BENCH_VNC_CLIENT=1 a client
# of ours stays connected and asks for updates all along), and with the SDL
# window under xvfb-run (a virtual X server; Debian's xvfb) when that is
# installed.  Each configuration runs at SCALE and at SCALE / 5; the
# guest's time is the difference (four fifths of the work, with every
# start-up cost cancelled: the process, the firmware, and a frontend's own
# start, e.g. SDL loading its renderer and compiling its shaders at the
# first picture), best of RUNS runs each (default 3), and the ratio to
# -display none is what the frontend costs the guest's speed.  Times are of the plex86 process alone (under
# xvfb-run too: the X server's work is not plex86's), wall and CPU (user +
# system; on a machine shared with other work the wall time moves with
# the load, the CPU time much less).  It prints figures and never fails on
# speed: exit status 0, or 1 when a run fails, 2 when something is missing.
set -u

build=${1:-build}
scale=${2:-100}
runs=${3:-3}
plex86=$build/plex86
elf=$build/bench/bench.elf
here=$(cd "$(dirname "$0")" && pwd)
bench_name=display-cost
. "$here/lib-run.sh"
need_files "$plex86" "$elf"

# net [client N] [xvfb] ARGS...: the guest's time with plex86 ARGS at
# `scale` less at `small`: "WALL CPU".
net() {
    local pre=() t1 t0 w1 c1 w0 c0
    while [ "$1" = client ] || [ "$1" = xvfb ]; do
        if [ "$1" = client ]; then pre+=(client "$2"); shift 2; else pre+=(xvfb); shift; fi
    done
    t1=$(best_of "${pre[@]}" "$plex86" -kernel "$elf" -append "scale=$scale" "${common[@]}" \
         "$@") || return 1
    t0=$(best_of "${pre[@]}" "$plex86" -kernel "$elf" -append "scale=$small" "${common[@]}" \
         "$@") || return 1
    read -r w1 c1 <<<"$t1"
    read -r w0 c0 <<<"$t0"
    echo "  $*: scale $scale wall $w1 s, cpu $c1 s; scale $small wall $w0 s, cpu $c0 s" >&2
    awk -v w1="$w1" -v c1="$c1" -v w0="$w0" -v c0="$c0" \
        'BEGIN { printf "%.3f %.2f\n", w1 - w0, c1 - c0 }'
}

# line LABEL "WALL CPU" ["BASE_WALL BASE_CPU"]
line() {
    local w c bw bcpu
    read -r w c <<<"$2"
    if [ -n "${3:-}" ]; then
        read -r bw bcpu <<<"$3"
        printf '%-30s wall %7.3f s (x%.3f)  cpu %6.2f s (x%.3f)\n' "$1" "$w" \
            "$(echo "$w / $bw" | bc -l)" "$c" "$(echo "$c / ($bcpu + 0.0001)" | bc -l)"
    else
        printf '%-30s wall %7.3f s          cpu %6.2f s\n' "$1" "$w" "$c"
    fi
}

common=(-no-reboot -serial null)
small=$((scale / 5))
[ "$small" -ge 1 ] || small=1
echo "display-cost: bench.elf scale=$scale less scale=$small, best of $runs runs (ratios to -display none)"
base=$(net -display none) || exit 1
line "-display none" "$base"
n=$(free_display)
vnc=$(net -display "vnc=127.0.0.1:$n") || exit 1
line "-display vnc=127.0.0.1:$n" "$vnc" "$base"
if [ "${BENCH_VNC_CLIENT:-0}" = 1 ]; then
    vncc=$(net client "$n" -display "vnc=127.0.0.1:$n") || exit 1
    line "vnc, a client connected" "$vncc" "$base"
fi
if command -v xvfb-run >/dev/null 2>&1; then
    # The same under xvfb-run for both, so that the machine's state with
    # an X server running is the same.
    xbase=$(net xvfb -display none) || exit 1
    line "-display none (xvfb-run)" "$xbase"
    sdl=$(net xvfb -display sdl) || exit 1
    line "-display sdl (xvfb-run)" "$sdl" "$xbase"
else
    echo "-display sdl: skipped (no xvfb-run; apt-get install xvfb)"
fi
