#!/bin/bash
# display-fps.sh [BUILD_DIR [FRAMES_13H [FRAMES_VBE [RUNS]]]]: frames per
# second of a full-screen redraw loop (issue 17; bench/README.md), under
# plex86 and QEMU in the same run.  The guest is BUILD_DIR/bench/fps.elf
# (bench/fps.c): mode 13h through the legacy window at 0xA0000, and
# 1024x768x32 through the Bochs VBE linear framebuffer; a frame is one pass
# of 32-bit stores over the whole picture.
#
# Each configuration runs FRAMES frames and 0 frames (the start-up: process,
# firmware, mode set), best of RUNS runs each (default 3); the rate is
# FRAMES / (time(FRAMES) - time(0)), from the CPU time (user + system of the
# emulator's process: on a host shared with other work it moves much less
# than the wall time, which is also printed).  Configurations: -display none
# for both; with BENCH_VNC=1 also a VNC server with a client of ours
# (tests/vnc_client.py) asking for updates all along (plex86 -display
# vnc=..., QEMU -vnc ...).  The ratio is plex86's rate over QEMU's (above 1:
# plex86 draws faster).
#
# Environment: BENCH_PLEX86 (another plex86 binary, e.g. a build from before
# a change), BENCH_QEMU (default qemu-system-i386; "none" leaves it out),
# BENCH_VNC=1, BENCH_MODES (default "13h vbe").  It prints figures and never fails on speed: exit status 0,
# 1 when a run fails, 2 when something is missing.
set -u

build=${1:-build}
f13=${2:-2000}
fvbe=${3:-300}
runs=${4:-3}
plex86=${BENCH_PLEX86:-$build/plex86}
elf=$build/bench/fps.elf
qemu=${BENCH_QEMU:-qemu-system-i386}
here=$(cd "$(dirname "$0")" && pwd)
bench_name=display-fps
. "$here/lib-run.sh"
need_files "$plex86" "$elf"
if [ "$qemu" != none ] && ! command -v "$qemu" >/dev/null 2>&1; then
    echo "display-fps: $qemu is not installed: plex86 alone"
    qemu=none
fi

# measure WHO DISPLAY MODE FRAMES: prints "FPS_CPU FPS_WALL" and a line
# on stderr with the raw times.
measure() {
    local who=$1 disp=$2 mode=$3 frames=$4 n cmd=() client=() dargs=()
    if [ "$disp" = vnc ]; then
        n=$(free_display)
        client=(client "$n")
        if [ "$who" = plex86 ]; then dargs=(-display "vnc=127.0.0.1:$n"); else
            dargs=(-display none -vnc "127.0.0.1:$n"); fi
    else
        dargs=(-display none)
    fi
    if [ "$who" = plex86 ]; then
        cmd=("$plex86" -kernel "$elf" -serial null -no-reboot "${dargs[@]}")
    else
        cmd=("$qemu" -kernel "$elf" -serial null -no-reboot -m 64 -vga std
             -device isa-debug-exit,iobase=0xf4,iosize=0x04 "${dargs[@]}")
    fi
    local t0 t1 w0 c0 w1 c1
    t0=$(best_of "${client[@]+"${client[@]}"}" "${cmd[@]}" -append "mode=$mode frames=0") ||
        return 1
    t1=$(best_of "${client[@]+"${client[@]}"}" "${cmd[@]}" -append "mode=$mode frames=$frames") ||
        return 1
    read -r w0 c0 <<<"$t0"
    read -r w1 c1 <<<"$t1"
    echo "  $who $disp $mode: $frames frames wall $w1 s cpu $c1 s; start-up wall $w0 s cpu $c0 s" >&2
    awk -v f="$frames" -v c="$c1" -v c0="$c0" -v w="$w1" -v w0="$w0" 'BEGIN {
        dc = c - c0; dw = w - w0; if (dc < 0.01) dc = 0.01; if (dw < 0.01) dw = 0.01;
        printf "%.1f %.1f\n", f / dc, f / dw }'
}

displays=(none)
[ "${BENCH_VNC:-0}" = 1 ] && displays+=(vnc)
echo "display-fps: $elf, best of $runs runs; frames/s from CPU time (wall in brackets)"
echo "  plex86: $plex86"
[ "$qemu" != none ] && echo "  qemu: $($qemu --version | head -n 1)"
printf '%-26s %20s %20s %12s\n' "" "plex86 fps" "qemu fps" "plex86/qemu"
status=0
for d in "${displays[@]}"; do
    for m in ${BENCH_MODES:-13h vbe}; do
        frames=$f13
        label="mode 13h (320x200x8)"
        if [ "$m" = vbe ]; then
            frames=$fvbe
            label="VBE 1024x768x32 (LFB)"
        fi
        p=$(measure plex86 "$d" "$m" "$frames") || { status=1; continue; }
        read -r pc pw <<<"$p"
        q="- -"
        if [ "$qemu" != none ]; then
            q=$(measure qemu "$d" "$m" "$frames") || { status=1; q="- -"; }
        fi
        read -r qc qw <<<"$q"
        ratio=-
        [ "$qc" != - ] && ratio=$(awk -v a="$pc" -v b="$qc" 'BEGIN { printf "%.2f", a / b }')
        printf '%-26s %9s (%8s) %9s (%8s) %12s\n' "$label, -display $d" "$pc" "$pw" "$qc" "$qw" \
            "$ratio"
    done
done
exit $status
