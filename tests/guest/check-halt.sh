#!/bin/sh
# Runs halt_dead.elf (halt_dead.S) and checks how plex86 reports a guest
# that halted for good: exit status 0 and exactly one line on stderr
# naming the halt and CS:EIP of its HLT (the symbol dead_hlt).
# usage: check-halt.sh PLEX86 KERNEL NM [EXTRA ARGS...]
set -u
PLEX86=$1 KERNEL=$2 NM=$3
shift 3
TMP=$(mktemp -d "${TMPDIR:-/tmp}/plex86-halt.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
eip=$("$NM" "$KERNEL" | sed -n 's/^\([0-9a-fA-F]*\) T dead_hlt$/\1/p')
[ -n "$eip" ] || { echo "FAIL: no dead_hlt in $KERNEL"; exit 1; }
"$PLEX86" -kernel "$KERNEL" -nographic -max-insns 10000000 "$@" \
    </dev/null >"$TMP/out" 2>"$TMP/err"
got=$?
cat "$TMP/out" "$TMP/err"
fails=0
[ "$got" = 0 ] || { echo "FAIL: exit status $got, want 0"; fails=$((fails + 1)); }
grep -q "start halt_dead" "$TMP/out" || { echo "FAIL: the kernel did not start"; fails=$((fails + 1)); }
printf 'plex86: the guest halted with interrupts disabled at CS:EIP 0008:%s; nothing can wake it\n' \
    "$eip" >"$TMP/want"
cmp -s "$TMP/err" "$TMP/want" || { echo "FAIL: stderr is not the one line:"; cat "$TMP/want"; fails=$((fails + 1)); }
[ "$fails" = 0 ] && echo "ok: $(basename "$KERNEL") halted for good, reported"
[ "$fails" = 0 ]
