#!/usr/bin/env bash
# pc-vs-qemu.sh [BUILD_DIR]: firmware boot and disk figures (issue 16)
# under plex86 and under QEMU TCG, one run each, in the same session, and a
# table of both with the ratio plex86 / QEMU per figure.  A benchmark that
# prints figures, not a test.
#
# Each run boots tools/fetch-pc-guests.sh's isolinux ISO as -cdrom through
# the firmware, with an 80 MiB scratch disk (zeros, made here) as -hda, and
# measures:
#   boot_s        seconds from the emulator's start to the guest's shell
#                 (the console's "plex86 guest ready"; lower is better)
#   write_MB_s    dd if=/dev/zero of=/dev/sda bs=1M count=64 conv=fsync
#   read_MB_s     dd if=/dev/sda of=/dev/null bs=1M count=64 iflag=direct
#                 (MB = 10^6 bytes; timed in the guest with /proc/uptime;
#                 higher is better)
# Where plex86 cannot do it yet (no -cdrom, no firmware boot, no IDE) its
# column says n/a and why; QEMU's figures are printed all the same.
#
# Environment: QEMU (default qemu-system-i386; QEMU=none skips it),
# PLEX86_ARGS (extra plex86 options), BENCH_BOOT_TIMEOUT (seconds to the
# shell, default 600), BENCH_KEEP (keep the consoles).
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:-build}
plex86=$(cd "$build" 2>/dev/null && pwd)/plex86
QEMU_BIN=${QEMU:-qemu-system-i386}
BOOT_TIMEOUT=${BENCH_BOOT_TIMEOUT:-600}
. "$HERE/../tests/pc/lib.sh"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/plex86-pc-bench.XXXXXX")
PC_KEEP=${BENCH_KEEP:-}
trap pc_cleanup EXIT
trap "exit 143" TERM INT HUP
pc_images "$HERE/../tools/fetch-pc-guests.sh" || exit 1
if [ -z "${iso_isolinux:-}" ]; then
    echo "pc-vs-qemu: no isolinux ISO: $(tail -n 1 "$TMP/fetch.err")" >&2
    exit 2
fi

# measure NAME: boots and measures under $EMU_CMD; the figures go to
# $TMP/NAME.txt as `figure value` lines, the reason it failed to
# $TMP/NAME.why.
measure() {
    local name=$1 w
    echo "== $name: ${EMU_CMD[*]}" >&2
    rm -f "$TMP/scratch.img"
    truncate -s 80M "$TMP/scratch.img"
    : >"$TMP/$name.txt"
    pc_start "$name" -cdrom "$iso_isolinux" -hda "$TMP/scratch.img"
    if ! w=$(wait_for "plex86 guest ready" "$BOOT_TIMEOUT"); then
        echo "${w#FAIL: }: $(grep -a -v '^\[' "$OUT" | tr -d '\r' | grep . | tail -n 1)" >"$TMP/$name.why"
        pc_stop
        return 1
    fi
    echo "boot_s $(elapsed)" >>"$TMP/$name.txt"
    # dd's own report differs between busybox builds: the guest's clock
    # (/proc/uptime, 10 ms) times it instead.
    local dd
    for dd in "write if=/dev/zero of=/dev/sda bs=1M count=64 conv=fsync" \
        "read if=/dev/sda of=/dev/null bs=1M count=64 iflag=direct"; do
        local fig=${dd%% *}
        guest "t0=\$(cut -d' ' -f1 /proc/uptime); dd ${dd#* } 2>/dev/null && t1=\$(cut -d' ' -f1 /proc/uptime) && echo \"BENCH\"\"_$fig=\$(awk \"BEGIN { print \$t1 - \$t0 }\")\"" 600
        local s
        s=$(console | sed -n "s/^BENCH_$fig=\\([0-9.]*\\)\$/\\1/p" | tail -n 1)
        if [ "$grc" != 0 ] || [ -z "$s" ]; then
            echo "dd ($fig) failed in the guest (status '$grc')" >"$TMP/$name.why"
            pc_stop
            return 1
        fi
        awk -v f="$fig" -v s="$s" 'BEGIN { printf "%s_MB_s %.2f\n", f, (s > 0 ? 67.108864 / s : 0) }' \
            >>"$TMP/$name.txt"
    done
    send 'reboot -f'
    wait_end 120
    [ -n "$status" ] || echo "note: $name did not end after reboot -f" >&2
    return 0
}

have_p=0 have_q=0
: >"$TMP/plex86.txt"
: >"$TMP/qemu.txt"
if pc_emulator "$plex86"; then
    # shellcheck disable=SC2206  # options are words
    EMU_CMD+=(${PLEX86_ARGS:-})
    measure plex86 && have_p=1
else
    echo "$PC_WHY" >"$TMP/plex86.why"
fi
if [ "$QEMU_BIN" != none ] && QEMU=$QEMU_BIN pc_emulator qemu; then
    EMU_CMD+=(-accel tcg)
    measure qemu && have_q=1
else
    echo "${PC_WHY:-QEMU=none}" >"$TMP/qemu.why"
fi

echo "ISO boot (isolinux, -cdrom) and 64 MiB dd on -hda; plex86 / QEMU TCG"
[ $have_p = 1 ] || echo "plex86: n/a ($(cat "$TMP/plex86.why"))"
[ $have_q = 1 ] || echo "qemu: n/a ($(cat "$TMP/qemu.why"))"
[ $have_p = 1 ] || [ $have_q = 1 ] || exit 1
awk -v hp=$have_p -v hq=$have_q '
    FILENAME == ARGV[1] { p[$1] = $2; if (!hq) order[++n] = $1 }
    FILENAME == ARGV[2] { q[$1] = $2; order[++n] = $1 }
    END {
        printf "%-14s %10s %10s %8s\n", "figure", "plex86", "qemu", "ratio"
        for (i = 1; i <= n; i++) {
            k = order[i]
            ps = hp ? sprintf("%.2f", p[k]) : "n/a"
            qs = hq ? sprintf("%.2f", q[k]) : "n/a"
            r = (hp && hq && q[k] > 0) ? sprintf("%.2f", p[k] / q[k]) : "-"
            printf "%-14s %10s %10s %8s\n", k, ps, qs, r
        }
    }' "$TMP/plex86.txt" "$TMP/qemu.txt"
