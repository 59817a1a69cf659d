#!/bin/bash
# Issue 19: what a host thread per vCPU buys (docs/smp.md, "Figures").
# Boots the default guest (tools/fetch-guest.sh) with -smp N under
# -accel tcg,thread=MODE, makes a 4 MiB file, then times four md5sum of it
# run at once: the host's wall-clock seconds from the command to its
# answer, and the CPU seconds plex86 used meanwhile (user + system, from
# /proc/PID/stat), so the ratio says how many host CPUs were busy.
# usage: smp-threads.sh PLEX86 FETCH_GUEST_SH N single|multi
# Environment: ROUNDS (default 4): how many times each md5sum reads the file.
# Prints one line: "smp=N thread=MODE wall=S cpu=S sums=OK|BAD".
set -u
PLEX86=$1 FETCH=$2 N=$3 MODE=$4
ROUNDS=${ROUNDS:-4}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/plex86-smpb.XXXXXX")
trap 'exec 3>&- 2>/dev/null; kill "$pid" 2>/dev/null; rm -rf "$TMP"' EXIT
. "$(dirname "$0")/../tests/linux/default-guest.sh"
default_guest "$FETCH" "$TMP"
OUT=$TMP/console
mkfifo "$TMP/in"
"$PLEX86" -smp "$N" -accel "tcg,thread=$MODE" -kernel "$kernel" -initrd "$initrd" -m 256 \
    -nographic -no-reboot -append "console=ttyS0 panic=-1 cryptomgr.notests noisapnp" \
    <"$TMP/in" >"$OUT" 2>&1 &
pid=$!
exec 3>"$TMP/in"
wait_for() {
    local deadline=$(($(date +%s) + $2))
    until grep -qaE -- "$1" "$OUT"; do
        kill -0 "$pid" 2>/dev/null || { echo "FAIL: plex86 ended"; exit 1; }
        [ "$(date +%s)" -lt "$deadline" ] || { echo "FAIL: no '$1' in $2 s"; exit 1; }
        sleep 0.2
    done
}
# utime + stime of plex86, in clock ticks.
ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
send() { printf '%s\n' "$1" >&3; }
wait_for "plex86 guest ready" 900
send 'for i in 1 2 3 4 5 6 7 8; do cat /proc/kallsyms; done | head -c 4194304 > /tmp/f; echo made=$(wc -c < /tmp/f)'
wait_for 'made=[0-9]+' 300
sleep 1
t0=$(date +%s.%N) c0=$(ticks)
send "for i in 1 2 3 4; do (for r in \$(seq $ROUNDS); do s=\$(md5sum < /tmp/f); done; echo par\$i=\$s) & done; wait; echo par-done"
wait_for '^par-done' 900
t1=$(date +%s.%N) c1=$(ticks)
hz=$(getconf CLK_TCK)
n=$(grep -aoE 'par[1-4]=[0-9a-f]{32}' "$OUT" | cut -d= -f2 | sort -u | wc -l)
ok=BAD
[ "$n" = 1 ] && ok=OK
send 'reboot -f'
awk -v n="$N" -v m="$MODE" -v t0="$t0" -v t1="$t1" -v c0="$c0" -v c1="$c1" -v hz="$hz" \
    -v ok="$ok" -v r="$ROUNDS" 'BEGIN { printf "smp=%s thread=%s rounds=%s wall=%.1f cpu=%.1f sums=%s\n",
                         n, m, r, t1 - t0, (c1 - c0) / hz, ok }'
sleep 2
