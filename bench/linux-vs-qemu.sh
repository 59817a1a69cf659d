#!/usr/bin/env bash
# linux-vs-qemu.sh [BUILD_DIR] [-- EXTRA_APPEND]: the Linux guest benchmark
# of ../shared/bench (Debian's i386 kernel and a busybox initramfs with a
# CPU benchmark; see its README) under plex86 and under QEMU TCG, one run
# each, in the same session, and a table of both with the ratio
# plex86 / QEMU per figure (lower is better; below 1 plex86 is faster).
# Checksums are compared: a chk_ mismatch between the two is an emulation
# bug and makes the script fail.
#
# Environment: BENCH_APPEND (default: the staged small scale,
# 'bench_scale=10 bench_bbsize=1048576 bench_exec=20'; set it empty for the
# full run), BENCH_SHARED (default ../shared/bench beside the repository),
# QEMU (default qemu-system-i386; QEMU=none skips it), PLEX86_ARGS (extra
# plex86 options, e.g. -icount 3).
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:-build}
SHARED=${BENCH_SHARED:-$HERE/../../shared/bench}
APPEND=${BENCH_APPEND-bench_scale=10 bench_bbsize=1048576 bench_exec=20}
QEMU=${QEMU:-qemu-system-i386}
plex86=$(cd "$build" && pwd)/plex86
[ -x "$plex86" ] || { echo "linux-vs-qemu: no $plex86 (build first)" >&2; exit 2; }
[ -x "$SHARED/run-guest.sh" ] || { echo "linux-vs-qemu: no $SHARED/run-guest.sh" >&2; exit 2; }
bash "$SHARED/fetch-guest.sh" >/dev/null || { echo "linux-vs-qemu: fetch-guest.sh failed" >&2; exit 2; }
out=$(mktemp -d "${TMPDIR:-/tmp}/plex86-linux-bench.XXXXXX")

run() { # NAME TEMPLATE
    echo "== $1" >&2
    bash "$SHARED/run-guest.sh" --quiet --timeout 3000 --boot-timeout 1200 --log "$out/$1.log" \
        ${APPEND:+--extra-append "$APPEND"} -- "$2" >"$out/$1.txt" 2>"$out/$1.err"
    local rc=$?
    [ $rc = 0 ] || { echo "linux-vs-qemu: the $1 run failed (status $rc):" >&2; tail -n 20 "$out/$1.err" >&2; }
    return $rc
}
run plex86 "$plex86 -m 256 -nographic -no-reboot ${PLEX86_ARGS:-} -kernel {kernel} -initrd {initrd} -append {append}" || exit 1
have_qemu=0
if [ "$QEMU" != none ] && command -v "$QEMU" >/dev/null; then
    run qemu "$QEMU -accel tcg -nographic -no-reboot -m 256 -kernel {kernel} -initrd {initrd} -append {append}" && have_qemu=1
fi
echo "guest command line extras: ${APPEND:-none}; results in $out"
awk -v hq=$have_qemu '
    FNR == 1 { f++ }
    f == 1 { p[$1] = $2; order[++n] = $1 }
    f == 2 { q[$1] = $2 }
    END {
        bad = 0
        printf "%-22s %12s %12s %8s\n", "figure", "plex86", (hq ? "qemu" : "-"), "ratio"
        for (i = 1; i <= n; i++) {
            k = order[i]
            if (k !~ /_s$/ && k !~ /^chk_/) continue
            if (k ~ /^chk_/) {
                st = !hq ? "" : (p[k] == q[k] ? "same" : "MISMATCH")
                if (st == "MISMATCH") bad = 1
                printf "%-22s %12s %12s %8s\n", k, p[k], (hq ? q[k] : ""), st
            } else if (hq && q[k] > 0)
                printf "%-22s %12.3f %12.3f %8.2f\n", k, p[k], q[k], p[k] / q[k]
            else
                printf "%-22s %12.3f\n", k, p[k]
        }
        exit bad
    }' "$out/plex86.txt" "$( [ $have_qemu = 1 ] && echo "$out/qemu.txt" || echo /dev/null)"
