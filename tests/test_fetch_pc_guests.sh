#!/bin/bash
# tools/fetch-pc-guests.sh: status 77 and a clear message without the
# packages; built (into a private cache, from the default guest), each image
# is what it claims to be, looked at from the host: the drive initramfs
# appends the modules and our /init to the default one, the ISOs are El
# Torito bootable with the kernel and their checksums, the data disk is a
# clean ext4 with known.bin, the hard disk has an active partition with
# syslinux and the kernel on it, the memtest floppy is the .bin padded;
# a re-run does nothing and a rebuild gives the same bytes.  Exits 77
# (ctest: skipped) when the default guest or the tools cannot be had.
# usage: test_fetch_pc_guests.sh SOURCE_DIR
set -u
SRC=$1
FETCH=$SRC/tools/fetch-pc-guests.sh
TMP=$(mktemp -d "${TMPDIR:-/tmp}/plex86-fetch-pc.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fails=0
fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}

# No packages: the default guest cannot be had.
mkdir -p "$TMP/nodebs"
PLEX86_GUEST_DIR=$TMP/none PLEX86_GUEST_DEBS=$TMP/nodebs PLEX86_GUEST_NO_APT=1 \
    PLEX86_PC_GUESTS_DIR=$TMP/pc-none bash "$FETCH" >"$TMP/out" 2>"$TMP/err"
rc=$?
[ "$rc" = 77 ] || fail "without packages: exit status $rc, want 77"
grep -q "cannot" "$TMP/err" || fail "without packages: no clear message"
[ -s "$TMP/out" ] && fail "without packages: something on stdout"
echo "ok: without packages -> $rc: $(tail -n 1 "$TMP/err")"

G=$TMP/pc
PLEX86_PC_GUESTS_DIR=$G bash "$FETCH" >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ "$rc" = 77 ] && ! grep -q '^iso_isolinux=' "$TMP/out"; then
    echo "skipped: $(tail -n 1 "$TMP/err")"
    [ "$fails" = 0 ] && exit 77
    exit 1
fi
[ "$rc" = 0 ] || { fail "build: exit status $rc"; sed 's/^/  err| /' "$TMP/err"; }
while IFS= read -r line; do
    printf -v "${line%%=*}" '%s' "${line#*=}"
    [ -s "${line#*=}" ] || fail "${line%%=*}: ${line#*=} is missing or empty"
done <"$TMP/out"
for n in kernel initrd initrd_pc iso_isolinux iso_grub data_disk hdd_syslinux \
    memtest_iso memtest_bin memtest_floppy memtest_iso_serial; do
    [ -n "${!n:-}" ] || fail "no $n= line"
done

# The drive initramfs: the default one, then a gzip member with /init and
# the modules, every module in the load list there, the IDE ones included.
if [ -n "${initrd_pc:-}" ] && command -v cpio >/dev/null; then
    size=$(stat -c %s "$initrd")
    cmp -s -n "$size" "$initrd" "$initrd_pc" || fail "initrd_pc does not start with the default initramfs"
    tail -c +$((size + 1)) "$initrd_pc" | gzip -dc | cpio -it 2>/dev/null >"$TMP/list"
    grep -qx init "$TMP/list" || fail "initrd_pc: no /init in the appended archive"
    load=$(grep '/plex86.load$' "$TMP/list")
    [ -n "$load" ] || fail "initrd_pc: no plex86.load"
    kdir=${load%/plex86.load}
    tail -c +$((size + 1)) "$initrd_pc" | gzip -dc | (cd "$TMP" && cpio -id --quiet "$load" 2>/dev/null)
    for m in ata_piix libata scsi_mod sd_mod sr_mod cdrom isofs ext4 jbd2 mbcache crc16 crc32c_generic; do
        grep -q "/$m.ko$" "$TMP/$load" || fail "initrd_pc: $m is not loaded"
    done
    while IFS= read -r m; do
        grep -qx "$kdir/$m" "$TMP/list" || fail "initrd_pc: $m is listed but not there"
    done <"$TMP/$load"
    # Dependencies come first: libata before ata_piix, jbd2 before ext4.
    awk '/libata.ko$/ { l = NR } /ata_piix.ko$/ { a = NR } /jbd2.ko$/ { j = NR } /ext4.ko$/ { e = NR }
        END { exit !(l < a && j < e) }' "$TMP/$load" || fail "initrd_pc: the load order is wrong"
    echo "ok: initrd_pc loads $(wc -l <"$TMP/$load") modules"
fi

# The ISOs: El Torito, the kernel and its checksum list.
for iso in ${iso_isolinux:-} ${iso_grub:-}; do
    xorriso -indev "$iso" -report_el_torito plain -find / -type f 2>/dev/null >"$TMP/iso"
    grep -q "El Torito boot img : *1 *BIOS *y *none " "$TMP/iso" ||
        fail "$iso: no bootable BIOS El Torito image without emulation"
    for f in /boot/vmlinuz /boot/initrd.gz /plex86/sha256sums; do
        grep -q "^'$f'$" "$TMP/iso" || fail "$iso: no $f"
    done
    rm -rf "$TMP/x"
    xorriso -osirrox on -indev "$iso" -extract /boot/vmlinuz "$TMP/x" >/dev/null 2>&1
    cmp -s "$TMP/x" "$kernel" || fail "$iso: /boot/vmlinuz is not the default guest's kernel"
done

# The data disk.
if [ -n "${data_disk:-}" ]; then
    e2fsck -fn "$data_disk" >"$TMP/fsck" 2>&1 || { fail "data_disk: e2fsck"; cat "$TMP/fsck"; }
    debugfs -R "cat /known.bin" "$data_disk" 2>/dev/null >"$TMP/known"
    head -c 1048576 "$kernel" | cmp -s - "$TMP/known" || fail "data_disk: /known.bin"
    [ "$(debugfs -R "cat /known.sha256" "$data_disk" 2>/dev/null)" = \
        "$(sha256sum "$TMP/known" | cut -c1-64)  known.bin" ] || fail "data_disk: /known.sha256"
fi

# The hard disk: the MBR's signature and one active FAT16 (LBA) partition
# at sector 2048, syslinux's boot sector in it, and the files.
if [ -n "${hdd_syslinux:-}" ]; then
    mbr=$(od -An -tx1 -j446 -N16 "$hdd_syslinux" | tr -d ' \n')
    sig=$(od -An -tx1 -j510 -N2 "$hdd_syslinux" | tr -d ' \n')
    [ "$sig" = 55aa ] || fail "hdd: no MBR signature ($sig)"
    case $mbr in
    80??????0e??????00080000*) ;;
    *) fail "hdd: partition entry $mbr" ;;
    esac
    dd if="$hdd_syslinux" bs=512 skip=2048 count=1 status=none | grep -aq SYSLINUX ||
        fail "hdd: no syslinux boot sector in the partition"
    MTOOLS_SKIP_CHECK=1 mdir -a -b -i "$hdd_syslinux@@1048576" :: 2>/dev/null | tr 'A-Z' 'a-z' >"$TMP/mdir"
    for f in ldlinux.sys ldlinux.c32 syslinux.cfg vmlinuz initrd.gz; do
        grep -q "$f" "$TMP/mdir" || fail "hdd: no $f on the partition"
    done
fi

if [ -n "${memtest_floppy:-}" ]; then
    [ "$(stat -c %s "$memtest_floppy")" = 1474560 ] || fail "memtest_floppy: not 1.44 MB"
    cmp -s -n "$(stat -c %s "$memtest_bin")" "$memtest_bin" "$memtest_floppy" ||
        fail "memtest_floppy: does not start with the .bin"
fi

# A re-run does nothing and prints the same; a rebuild gives the same bytes.
PLEX86_PC_GUESTS_DIR=$G bash "$FETCH" >"$TMP/out2" 2>"$TMP/err2" || fail "re-run: status $?"
cmp -s "$TMP/out" "$TMP/out2" || fail "re-run: different output"
[ -s "$TMP/err2" ] && fail "re-run: did something: $(head -n 3 "$TMP/err2")"
(cd "$G" && sha256sum -- *.img *.iso *.gz) >"$TMP/sums"
rm "$G/stamp.txt"
PLEX86_PC_GUESTS_DIR=$G bash "$FETCH" >/dev/null 2>&1
(cd "$G" && sha256sum -c --quiet "$TMP/sums") || fail "rebuild: different bytes"
echo "ok: images in $G checked, rebuilt the same"
echo "$fails failed"
[ "$fails" = 0 ]
