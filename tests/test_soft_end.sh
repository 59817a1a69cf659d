#!/bin/sh
# Soft slice ends (engine_set_soft_end, bench/README.md session 16 `kinit`):
# under the host clock a slice stops before a block that would cross its
# budget instead of cutting the block, and -max-insns still stops exactly.
# usage: test_soft_end.sh PLEX86 BENCH_ELF
set -u
PLEX86=$1
ELF=$2
TMP=$(mktemp -d "${TMPDIR:-/tmp}/plex86-soft.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fails=0
N=7777777 # about 119 slices of 65536 steps

# The translated sort kernel, stopped by -max-insns: exactly N steps, and
# (host clock) no block cut by a slice's budget but the last slice's.
PLEX86_JIT_STATS="$TMP/stats" "$PLEX86" -kernel "$ELF" -append "scale=50 only=sort" \
    -nographic -no-reboot -max-insns $N -d exit >"$TMP/out" 2>&1 </dev/null
if ! grep -q "instruction limit after $N instructions" "$TMP/out"; then
    echo "FAIL: host clock: not stopped after exactly $N instructions"; sed 's/^/  | /' "$TMP/out"
    fails=$((fails + 1))
fi
cut=$(awk '$1 == "budget" { print $2; exit }' "$TMP/stats")
if [ -z "$cut" ] || [ "$cut" -ge 64 ]; then
    echo "FAIL: host clock: ${cut:-no} instructions interpreted for a slice's budget (want < 64)"
    fails=$((fails + 1))
else
    echo "ok: host clock: $N steps, $cut interpreted for a budget"
fi

# Under -icount slices end exactly at timer deadlines (guest time counts
# steps): the limit is exact there too.
"$PLEX86" -kernel "$ELF" -append "scale=50 only=sort" -nographic -no-reboot \
    -icount shift=2 -max-insns $N -d exit >"$TMP/out" 2>&1 </dev/null
if ! grep -q "instruction limit after $N instructions" "$TMP/out"; then
    echo "FAIL: -icount: not stopped after exactly $N instructions"; sed 's/^/  | /' "$TMP/out"
    fails=$((fails + 1))
else
    echo "ok: -icount: $N steps"
fi
exit $fails
