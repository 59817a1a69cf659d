#!/bin/bash
# run-bench.sh [BUILD_DIR [SCALE]]: the body of `make bench`; bench/README.md.
#
# Runs the benchmark guest (BUILD_DIR/bench/bench.elf) under plex86 once per
# kernel, with `-append "only=KERNEL scale=SCALE"`, timing each run from
# here (wall and user CPU time) and reading the instruction count from
# plex86's `-d exit` line.  The best of 3 runs with only=none measures start-up (process,
# RAM, boot, serial banner); it is subtracted from every kernel's time and
# instruction count.  The native program gives the native time per kernel
# and the reference checksums; qemu-system-i386, when installed, is timed the
# same way (best of 3 runs, start-up subtracted), but on BENCH_QEMU_FACTOR
# times the work, its time divided by the factor and its checksums compared
# with the native program's at that scale.  The default factor brings QEMU's
# scale up to 250 (about 0.6 s per kernel), well above the noise of its
# 0.2 s start-up.
#
# Environment: BENCH_ONLY="crc32 sieve ..." (default: all kernels),
# BENCH_QEMU=PATH or BENCH_QEMU=none (default: qemu-system-i386 if found),
# BENCH_QEMU_FACTOR=N (default: 250 / SCALE rounded up, at least 1),
# BENCH_PLEX86_ARGS="..." (extra plex86 options, e.g. -cpu 386).
#
# Exit status: 0, or 1 when a checksum differs from native (MISMATCH) or a
# guest run failed, or 2 when something is missing.
set -u

build=${1:-build}
scale=${2:-25}
plex86=$build/plex86
elf=$build/bench/bench.elf
native=$build/bench/bench-native
kernels=${BENCH_ONLY:-crc32 sieve sort interp lz spectral}
extra=${BENCH_PLEX86_ARGS:-}
qfactor=${BENCH_QEMU_FACTOR:-}

case $scale in
    '' | *[!0-9]* | 0 | ??????*)
        echo "bench: SCALE must be a number from 1 to 99999, not '$scale'" >&2
        exit 2 ;;
esac
scale=$((10#$scale))
[ "$scale" -gt 0 ] || { echo "bench: SCALE must be at least 1" >&2; exit 2; }
[ -n "$qfactor" ] || qfactor=$(( (250 + scale - 1) / scale ))
case $qfactor in
    '' | *[!0-9]* | 0 | ????*)
        echo "bench: BENCH_QEMU_FACTOR must be a number from 1 to 999, not '$qfactor'" >&2
        exit 2 ;;
esac
qfactor=$((10#$qfactor))
[ $((scale * qfactor)) -le 99999 ] || qfactor=$((99999 / scale))
qscale=$((scale * qfactor))
if [ ! -x "$plex86" ] || [ ! -x "$native" ]; then
    echo "bench: $plex86 or $native is missing: run make first" >&2
    exit 2
fi
if [ ! -f "$elf" ]; then
    cat >&2 <<EOF
bench: the benchmark guest $elf was not built.
bench: It needs a C compiler that can build 32-bit code (gcc -m32).  On Debian:
bench:     sudo apt-get install gcc-multilib
bench: then run make bench again (CMake checks again on every configure; see
bench: also the PLEX86_BENCH option and the build's "bench:" configure message).
EOF
    exit 2
fi

qemu=${BENCH_QEMU:-}
no_qemu="qemu-system-i386 not found: no QEMU column"
if [ -z "$qemu" ]; then
    qemu=$(command -v qemu-system-i386 || true)
elif [ "$qemu" = none ]; then
    qemu=''
    no_qemu="BENCH_QEMU=none: no QEMU column"
fi

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
status=0
TIMEFORMAT='%R %U'

# run_plex86 APPEND: runs the guest once; sets p_wall, p_user, p_insns,
# p_rc and leaves the serial output in $tmp/out, the -d log in $tmp/log.
run_plex86() {
    # shellcheck disable=SC2086 # $extra is a list of options
    { time "$plex86" -kernel "$elf" -append "$1" -nographic -no-reboot -d exit \
          -D "$tmp/log" $extra >"$tmp/out" 2>"$tmp/err"; } 2>"$tmp/time"
    p_rc=$?
    read -r p_wall p_user <"$tmp/time"
    p_insns=$(sed -n 's/.* after \([0-9]*\) instructions.*/\1/p' "$tmp/log" | tail -n 1)
    p_insns=${p_insns:-0}
}

# run_qemu APPEND: best wall time of 3 runs in q_wall; output in $tmp/qout.
run_qemu() {
    q_wall=
    for _ in 1 2 3; do
        { time "$qemu" -kernel "$elf" -append "$1" -nographic -no-reboot \
              -device isa-debug-exit,iobase=0xf4,iosize=0x04 -m 64 \
              </dev/null >"$tmp/qout" 2>&1; } 2>"$tmp/qtime"
        q_rc=$?
        local w
        read -r w _ <"$tmp/qtime"
        if [ -z "$q_wall" ] || awk -v a="$w" -v b="$q_wall" 'BEGIN { exit !(a < b) }'; then
            q_wall=$w
        fi
    done
}

checksum_of() { # FILE KERNEL
    tr -d '\r' <"$1" | sed -n "s/^kernel $2 checksum \(0x[0-9a-f]*\)$/\1/p" | head -n 1
}

# --- native -----------------------------------------------------------------
# shellcheck disable=SC2086 # word splitting wanted: a list of names
only_list=$(printf '%s\n' $kernels | paste -sd, -)
if ! "$native" "scale=$scale" "only=$only_list" -t >"$tmp/native"; then
    echo "bench: $native failed" >&2
    exit 2
fi
if [ -n "$qemu" ] && ! "$native" "scale=$qscale" "only=$only_list" >"$tmp/qnative"; then
    echo "bench: $native failed" >&2
    exit 2
fi

# --- start-up --------------------------------------------------------------------
echo "plex86 bench: scale $scale, kernels: $kernels"
echo "  guest $elf, about $((scale * 18 / 5)) million instructions per kernel"
# The best of 3, as QEMU's: one run's noise (10-20 ms on a 2-core host,
# session 14) moved every kernel's figure at scale 100 by 10-20 %.
base_wall=
for _ in 1 2 3; do
    run_plex86 "only=none scale=$scale"
    if [ "$p_rc" != 33 ]; then
        echo "FAILED: plex86 did not run the empty guest (exit status $p_rc):"
        cat "$tmp/err" "$tmp/log" "$tmp/out"
        exit 1
    fi
    if [ -z "$base_wall" ] || awk -v a="$p_wall" -v b="$base_wall" 'BEGIN { exit !(a < b) }'; then
        base_wall=$p_wall
    fi
done
base_insns=$p_insns
line="  start-up (only=none, best of 3, subtracted below): plex86 ${base_wall} s, $base_insns instructions"
qbase=
if [ -n "$qemu" ]; then
    run_qemu "only=none scale=$scale"
    if [ "$q_rc" = 33 ]; then
        qbase=$q_wall
        line="$line; qemu ${qbase} s (QEMU runs at scale $qscale, times / $qfactor)"
    else
        echo "  qemu ($qemu) did not run the guest (status $q_rc): not compared"
        qemu=
    fi
else
    line="$line; $no_qemu"
fi
echo "$line"
echo

hdr=$(printf '%-7s %8s %8s %13s %7s %9s %9s' kernel 'sec' 'user s' 'guest insns' MIPS \
             'native s' 'x native')
[ -n "$qemu" ] && hdr="$hdr $(printf '%8s %9s %9s' 'qemu s' 'qemu/nat' 'p86/qemu')"
echo "$hdr  checksum"

tot_sec=0 tot_insns=0 tot_native=0 tot_qemu=0
# Sums of natural logarithms of the per-kernel ratios, for the geomeans.
nk=0 log_pn=0 log_qn=0 log_pq=0
for k in $kernels; do
    nsum=$(checksum_of "$tmp/native" "$k")
    ntime=$(sed -n "s/^time $k \([0-9.]*\) .*/\1/p" "$tmp/native")
    if [ -z "$nsum" ]; then
        echo "bench: unknown kernel '$k' (BENCH_ONLY)" >&2
        exit 2
    fi
    run_plex86 "only=$k scale=$scale"
    psum=$(checksum_of "$tmp/out" "$k")
    sec=$(awk -v a="$p_wall" -v b="$base_wall" 'BEGIN { d = a - b; if (d < 0.001) d = 0.001; printf "%.3f", d }')
    insns=$((p_insns - base_insns))
    mips=$(awk -v i="$insns" -v s="$sec" 'BEGIN { printf "%.2f", i / s / 1e6 }')
    ratio=$(awk -v s="$sec" -v n="$ntime" 'BEGIN { printf "%.1f", (n > 0 ? s / n : 0) }')
    row=$(printf '%-7s %8.3f %8.3f %13d %7s %9.4f %9s' "$k" "$sec" "$p_user" "$insns" "$mips" \
                 "$ntime" "$ratio")
    qsum=
    if [ -n "$qemu" ]; then
        run_qemu "only=$k scale=$qscale"
        qsum=$(checksum_of "$tmp/qout" "$k")
        qnsum=$(checksum_of "$tmp/qnative" "$k")
        qsec=$(awk -v a="$q_wall" -v b="$qbase" -v f="$qfactor" 'BEGIN { d = (a - b) / f; if (d < 0.0001) d = 0.0001; printf "%.4f", d }')
        qn=$(awk -v q="$qsec" -v n="$ntime" 'BEGIN { printf "%.1f", (n > 0 ? q / n : 0) }')
        pq=$(awk -v s="$sec" -v q="$qsec" 'BEGIN { printf "%.2f", s / q }')
        log_qn=$(awk -v a="$log_qn" -v q="$qsec" -v n="$ntime" 'BEGIN { print a + (n > 0 ? log(q / n) : 0) }')
        log_pq=$(awk -v a="$log_pq" -v s="$sec" -v q="$qsec" 'BEGIN { print a + log(s / q) }')
        row="$row $(printf '%8.4f %9s %9s' "$qsec" "$qn" "$pq")"
        tot_qemu=$(awk -v a="$tot_qemu" -v b="$qsec" 'BEGIN { print a + b }')
    fi
    verdict="$psum ok"
    if [ "$p_rc" != 33 ]; then
        verdict="FAILED (plex86 exit status $p_rc)"
        status=1
    elif [ "$psum" != "$nsum" ]; then
        verdict="MISMATCH"
        status=1
    fi
    if [ -n "$qemu" ] && [ "$qsum" != "$qnsum" ]; then
        verdict="$verdict, QEMU MISMATCH (scale $qscale: qemu ${qsum:-missing}, native $qnsum)"
    fi
    echo "$row  $verdict"
    if [ "$p_rc" != 33 ]; then
        echo "  plex86 did not finish kernel $k; its stderr and log:"
        sed 's/^/    /' "$tmp/err" "$tmp/log"
        echo "    guest output:"
        tr -d '\r' <"$tmp/out" | sed 's/^/    /'
    elif [ "$psum" != "$nsum" ]; then
        echo "  !!!!!!!! MISMATCH: kernel $k checksum under plex86 is ${psum:-missing}, native is $nsum !!!!!!!!"
        echo "  !!!!!!!! the CPU computed something wrong: see bench/README.md, 'A mismatch' !!!!!!!!"
    fi
    tot_sec=$(awk -v a="$tot_sec" -v b="$sec" 'BEGIN { print a + b }')
    tot_insns=$((tot_insns + insns))
    tot_native=$(awk -v a="$tot_native" -v b="$ntime" 'BEGIN { print a + b }')
    log_pn=$(awk -v a="$log_pn" -v s="$sec" -v n="$ntime" 'BEGIN { print a + (n > 0 ? log(s / n) : 0) }')
    nk=$((nk + 1))
done

echo
tot_ratio=$(awk -v s="$tot_sec" -v n="$tot_native" 'BEGIN { printf "%.1f", (n > 0 ? s / n : 0) }')
summary="total: ${tot_sec} s for $tot_insns guest instructions; native ${tot_native} s (plex86 x$tot_ratio)"
if [ -n "$qemu" ]; then
    summary="$summary; qemu ${tot_qemu} s (plex86/qemu x$(awk -v s="$tot_sec" -v q="$tot_qemu" 'BEGIN { printf "%.1f", s / q }'))"
fi
echo "$summary"
# The geometric means of the per-kernel ratios (each kernel weighs the
# same, whatever its length): against native, and against QEMU.
geo() { awk -v l="$1" -v n="$nk" 'BEGIN { printf "%.2f", exp(l / n) }'; }
if [ "$nk" -gt 0 ]; then
    summary="geomean over $nk kernels: plex86 x$(geo "$log_pn") native"
    if [ -n "$qemu" ]; then
        summary="$summary; qemu x$(geo "$log_qn") native; plex86/qemu x$(geo "$log_pq")"
    fi
    echo "$summary"
fi
if [ "$status" -ne 0 ]; then
    echo "bench: MISMATCH or FAILED above: plex86 computed a wrong result (or stopped)"
fi
awk -v i="$tot_insns" -v s="$tot_sec" 'BEGIN { printf "plex86 bench: %d instructions in %.2f s: %.2f MIPS\n", i, s, i / s / 1e6 }'
exit $status
