#!/bin/sh
# Snapshots with several CPUs (issue 19): the smp test kernel under -smp 2
# and -icount is saved in the middle of its run (the APs started, the
# counter half done), and the snapshot restored: the restored run ends
# as the whole run did, at the same instruction count (every CPU's
# registers, activity state and local APIC, and the round robin's place,
# came back).  The same snapshot is refused by a machine with another CPU
# count, or with as many CPUs in another layout (sockets, cores, threads),
# with a message that says so.
# usage: smp-snapshot.sh PLEX86 KERNEL
set -u
P=$1 K=$2
T=$(mktemp -d "${TMPDIR:-/tmp}/plex86-smpsnap.XXXXXX")
trap 'rm -rf "$T"' EXIT
args="-kernel $K -nographic -no-reboot -smp 2 -icount shift=3 -d exit -max-insns 100000000"
fail() { echo "FAIL: $*"; exit 1; }

# shellcheck disable=SC2086
"$P" $args -savevm-at 15000,"$T/snap" </dev/null >"$T/whole" 2>&1
rc=$?
cat "$T/whole"
[ $rc = 33 ] || fail "the whole run exited with $rc, want 33"
[ -s "$T/snap" ] || fail "no snapshot written"
# shellcheck disable=SC2086
"$P" $args -loadvm "$T/snap" </dev/null >"$T/restored" 2>&1
rc=$?
cat "$T/restored"
[ $rc = 33 ] || fail "the restored run exited with $rc, want 33"
grep -q '^smp: CPUs running: 0x00000002' "$T/restored" || fail "the restored run saw no 2 CPUs"
w=$(grep -a 'VM stopped' "$T/whole")
r=$(grep -a 'VM stopped' "$T/restored")
[ -n "$w" ] && [ "$w" = "$r" ] || fail "the runs ended differently: '$w' / '$r'"
echo "ok: restored run ends as the whole run: $r"
for n in 1 4; do
    "$P" -kernel "$K" -nographic -no-reboot -smp $n -icount shift=3 -loadvm "$T/snap" \
        </dev/null >"$T/other" 2>&1
    rc=$?
    cat "$T/other"
    [ $rc != 33 ] && [ $rc != 0 ] || fail "-smp $n loaded a snapshot of 2 CPUs (status $rc)"
    grep -q "snapshot of a machine with 2 CPUs, this one has $n (-smp)" "$T/other" ||
        fail "-smp $n: no clear message"
done
"$P" -kernel "$K" -nographic -no-reboot -smp 2,sockets=2 -icount shift=3 -loadvm "$T/snap" \
    </dev/null >"$T/other" 2>&1
rc=$?
cat "$T/other"
[ $rc != 33 ] && [ $rc != 0 ] || fail "-smp 2,sockets=2 loaded a snapshot of one socket (status $rc)"
grep -q "snapshot of a machine with sockets=1,cores=2,threads=1, this one has sockets=2,cores=1,threads=1 (-smp)" \
    "$T/other" || fail "-smp 2,sockets=2: no clear message"
echo "ok"
