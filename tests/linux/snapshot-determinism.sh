#!/bin/bash
# Snapshots are exact (issue 15, item 6): the default guest (Debian's
# kernel and busybox initramfs, tools/fetch-guest.sh) under -icount.
#   A: runs N steps                        (its console: the prefix P)
#   B: runs past M steps, saving at step N (-savevm-at N,snap)
#   C: loads the snapshot, runs past M, saving at step M
#   D: runs past M steps, saving at step M
# C's console must be B's without its first len(P) bytes, byte for byte,
# D's console B's, and C's snapshot D's: the machine state, not only what
# it printed (an interrupt taken a few instructions off may print the
# same).  N is during the boot, with the PIT's and the UART's timers
# armed.  Exit
# status 77 (ctest: skipped) when the guest's packages cannot be had.
# usage: snapshot-determinism.sh PLEX86 FETCH_GUEST_SH [N M]
set -u
PLEX86=$1 FETCH=$2
N=${3:-2600000000} M=${4:-4500000000}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/plex86-snapdet.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

. "$(dirname "$0")/default-guest.sh"
default_guest "$FETCH" "$TMP"

run() {
    "$PLEX86" -kernel "$kernel" -initrd "$initrd" -m 256 -nographic -no-reboot -icount 3 \
        -rtc base=2024-01-01 -append "console=ttyS0 panic=-1 cryptomgr.notests noisapnp" \
        "$@" </dev/null
}
run -max-insns "$N" -serial file:"$TMP/a" || { echo "FAIL: run A"; exit 1; }
run -max-insns $((M + 1)) -savevm-at "$N,$TMP/snap" -serial file:"$TMP/b" || { echo "FAIL: run B"; exit 1; }
run -max-insns $((M + 1)) -loadvm "$TMP/snap" -savevm-at "$M,$TMP/snap-c" -serial file:"$TMP/c" ||
    { echo "FAIL: run C"; exit 1; }
run -max-insns $((M + 1)) -savevm-at "$M,$TMP/snap-d" -serial file:"$TMP/d" || { echo "FAIL: run D"; exit 1; }
plen=$(wc -c <"$TMP/a")
echo "prefix $plen bytes, B $(wc -c <"$TMP/b") bytes, C $(wc -c <"$TMP/c") bytes," \
     "snapshot $(wc -c <"$TMP/snap") bytes"
if ! head -c "$plen" "$TMP/b" | cmp -s - "$TMP/a"; then
    echo "FAIL: run B's console does not start with run A's"
    exit 1
fi
if ! tail -c +$((plen + 1)) "$TMP/b" | cmp - "$TMP/c"; then
    echo "FAIL: the console after -loadvm differs from the one after -savevm-at"
    echo "--- B after the snapshot (last 10 lines) ---"
    tail -c +$((plen + 1)) "$TMP/b" | tail -n 10
    echo "--- C (last 10 lines) ---"
    tail -n 10 "$TMP/c"
    exit 1
fi
[ -s "$TMP/c" ] || { echo "FAIL: no console output after the snapshot"; exit 1; }
cmp "$TMP/b" "$TMP/d" || { echo "FAIL: saving at step N changed the run's console"; exit 1; }
cmp "$TMP/snap-c" "$TMP/snap-d" ||
    { echo "FAIL: the machine at step M after -loadvm differs from the one that ran straight there"; exit 1; }
[ "$plen" -gt 1000 ] || { echo "FAIL: the snapshot came before the kernel printed much: pick a later N"; exit 1; }
grep -q "plex86 guest ready" "$TMP/c" ||
    { echo "FAIL: the run after -loadvm did not reach the shell: pick a larger M"; exit 1; }
echo "ok: the console after -loadvm is the same $(wc -c <"$TMP/c") bytes, the state at step $M the same"
