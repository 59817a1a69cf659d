#!/bin/sh
# tools/fetch-guest.sh without the network: it must say clearly, with exit
# status 77, when the packages cannot be had; and where the .debs are
# already on this machine (the benchmark guest's cache), build the guest
# from them: a kernel that is a bzImage, an initramfs holding busybox, /init
# and /dev/console, the same bytes on a rebuild, and nothing done on a
# re-run.  Exits 77 (ctest: skipped) when no .debs are here for the second
# part.
# usage: test_fetch_guest.sh SOURCE_DIR
set -u
SRC=$1
FETCH=$SRC/tools/fetch-guest.sh
TMP=$(mktemp -d "${TMPDIR:-/tmp}/plex86-fetch.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fails=0
fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}

# No packages to be had: no apt, an empty .deb directory.
mkdir -p "$TMP/nodebs"
PLEX86_GUEST_DIR=$TMP/none PLEX86_GUEST_DEBS=$TMP/nodebs PLEX86_GUEST_NO_APT=1 \
    bash "$FETCH" >"$TMP/out" 2>"$TMP/err"
rc=$?
[ "$rc" = 77 ] || fail "without packages: exit status $rc, want 77"
grep -q "cannot get the guest packages" "$TMP/err" || fail "without packages: no clear message"
[ -s "$TMP/out" ] && fail "without packages: something on stdout"
echo "ok: without packages -> $rc: $(head -n 1 "$TMP/err")"

# From the .debs on this machine, if any.
DEBS=${PLEX86_GUEST_DEBS:-/var/cache/ia32-bench/debs}
if ! ls "$DEBS"/linux-image-*-686_*_i386.deb "$DEBS"/busybox-static_*_i386.deb >/dev/null 2>&1; then
    echo "skipped: no Debian i386 .debs in $DEBS"
    [ "$fails" = 0 ] && exit 77
    exit 1
fi
G=$TMP/guest
PLEX86_GUEST_DIR=$G PLEX86_GUEST_DEBS=$DEBS PLEX86_GUEST_NO_APT=1 bash "$FETCH" >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ "$rc" = 77 ]; then
    # The lists name a newer kernel than the .debs here hold.
    echo "skipped: $(grep 'cannot get' "$TMP/err")"
    [ "$fails" = 0 ] && exit 77
    exit 1
fi
[ "$rc" = 0 ] || { fail "build: exit status $rc"; sed 's/^/  err| /' "$TMP/err"; }
[ "$(tail -n 2 "$TMP/out")" = "kernel=$G/vmlinuz
initrd=$G/initrd.gz" ] || fail "build: the last lines are not kernel= and initrd="
[ "$(dd if="$G/vmlinuz" bs=1 skip=514 count=4 2>/dev/null)" = HdrS ] ||
    fail "vmlinuz is not a bzImage"
if command -v cpio >/dev/null; then
    list=$(gzip -dc "$G/initrd.gz" | cpio -it 2>/dev/null)
    for f in init bin/busybox bin/sh dev/console proc sys; do
        echo "$list" | grep -qx "$f" || fail "the initramfs lacks $f"
    done
    gzip -dc "$G/initrd.gz" | cpio -itv 2>/dev/null | grep -q '^c.* 5, *1 .*dev/console$' ||
        fail "dev/console is not character device 5,1"
else
    echo "note: no cpio here: the initramfs's contents are not listed"
fi
sum1=$(cat "$G/initrd.gz" | cksum)
# A re-run does nothing (not even look at apt) and prints the same.
start=$(date +%s)
PLEX86_GUEST_DIR=$G PLEX86_GUEST_DEBS=$TMP/nodebs PLEX86_GUEST_NO_APT=1 bash "$FETCH" >"$TMP/out2" 2>"$TMP/err2" ||
    fail "re-run: exit status $?"
cmp -s "$TMP/out" "$TMP/out2" || fail "re-run: different output"
[ -s "$TMP/err2" ] && fail "re-run: did something: $(cat "$TMP/err2")"
# A rebuild (the stamp gone) gives the same bytes.
rm "$G/guest.txt"
PLEX86_GUEST_DIR=$G PLEX86_GUEST_DEBS=$TMP/nodebs PLEX86_GUEST_NO_APT=1 bash "$FETCH" >/dev/null 2>&1 ||
    fail "rebuild: exit status $?"
[ "$(cat "$G/initrd.gz" | cksum)" = "$sum1" ] || fail "rebuild: a different initramfs"
echo "ok: built from $DEBS, re-run in $(($(date +%s) - start)) s"
echo "$fails failed"
[ "$fails" = 0 ]
