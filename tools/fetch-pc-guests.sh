#!/usr/bin/env bash
# fetch-pc-guests.sh: prepares the guests that boot from drives through the
# firmware (issue 16), from the default guest (tools/fetch-guest.sh:
# Debian's i386 kernel and a busybox initramfs) and Debian packages, and
# prints where they are.
#
#   tools/fetch-pc-guests.sh
#   plex86 -cdrom ISO_ISOLINUX -m 256 -nographic
#
# What it makes (idempotent: with the cache complete it only prints):
#  * initrd_pc: the default guest's initramfs with a second archive
#    appended (the kernel unpacks both, the later entry winning): the
#    kernel modules for IDE disks and CDs and their file systems, copied
#    from the kernel package with their dependencies (each module's
#    .modinfo depends= and softdep=; the package has no modules.dep), the
#    order to load them in, and tools/guest/init-pc as /init;
#  * iso_isolinux: an ISO 9660 image (xorriso) booting that kernel and
#    initramfs with isolinux (El Torito, no emulation) on the serial
#    console; it carries /plex86/sha256sums of its own files;
#  * iso_grub: the same with GRUB (grub-mkrescue, i386-pc);
#  * data_disk: a 16 MiB ext4 file system (mke2fs -d, no root) holding
#    /known.bin (the first MiB of the kernel) and /known.sha256;
#  * hdd_syslinux: a 32 MiB hard disk: syslinux's MBR, one FAT16 partition
#    from sector 2048 (mtools) with syslinux installed, booting the same
#    kernel and initramfs;
#  * memtest_iso, memtest_bin: memtest86+'s 32-bit ISO and its Linux-style
#    image as the memtest86+ package installs them (not copied);
#    memtest_floppy: that image zero-padded to a 1.44 MB floppy (the ISO's
#    El Torito floppy image is the same bytes);
#  * memtest_iso_serial: an ISO whose isolinux boots memtest86+ia32.bin
#    with console=ttyS0,115200, so its screen is seen on the serial port.
# The kernel command lines: console=ttyS0,115200 panic=-1 and the
# scenario of tools/guest/init-pc (plex86.test=shell, the drives to wait
# for).  Images are written read-only: tests copy what they write to.
#
# Output: progress on stderr; on stdout one `name=PATH` line per image
# made (and kernel= and initrd=, the default guest).
# Exit status: 0 all made; 77 some could not be made (packages missing:
# the lines say which were; tests whose image is missing skip); 1 an error.
#
# Environment:
#   PLEX86_PC_GUESTS_DIR  the cache (default
#                         ${XDG_CACHE_HOME:-$HOME/.cache}/plex86/pc-guests)
#   and fetch-guest.sh's (PLEX86_GUEST_DIR, PLEX86_GUEST_DEBS, ...).
# Packages used from the host: xorriso, isolinux, syslinux, syslinux-common,
# grub-pc-bin (and grub-common), mtools, e2fsprogs, memtest86+
# (tools/install-deps.sh installs them).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DIR=${PLEX86_PC_GUESTS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/plex86/pc-guests}
INIT_SRC=$HERE/guest/init-pc
ISOLINUX_BIN=/usr/lib/ISOLINUX/isolinux.bin
SYSLINUX_MODS=/usr/lib/syslinux/modules/bios
MBR_BIN=/usr/lib/syslinux/mbr/mbr.bin
GRUB_PC=/usr/lib/grub/i386-pc
MEMTEST_ISO=/usr/lib/memtest86+/memtest86+ia32.iso
MEMTEST_BIN=/boot/memtest86+ia32.bin
# The modules the scenarios use; their dependencies are added.
MODULES="ata_piix ata_generic sd_mod sr_mod isofs ext4 vfat nls_cp437 nls_ascii nls_iso8859-1"
APPEND_BASE="console=ttyS0,115200 panic=-1 cryptomgr.notests noisapnp"
# Fixed times and identifiers, so that a rebuild gives the same bytes
# where the tools allow it.
EPOCH=1672531200   # 2023-01-01T00:00:00Z
DATA_UUID=6c0a5f2e-1d3b-4c8e-9a47-2b6e5d1f0c16
# Bump when what is made changes without this file changing.
LAYOUT=1

log() { printf 'fetch-pc-guests: %s\n' "$*" >&2; }
die() { printf 'fetch-pc-guests: error: %s\n' "$*" >&2; exit 1; }

# --- the default guest ----------------------------------------------------------

set +e
base=$(bash "$HERE/fetch-guest.sh")
rc=$?
set -e
if [ $rc = 77 ]; then
    log "the default guest cannot be had (fetch-guest.sh: status 77)"
    exit 77
fi
[ $rc = 0 ] || die "fetch-guest.sh failed (status $rc)"
KERNEL=$(printf '%s\n' "$base" | sed -n 's/^kernel=//p' | tail -n 1)
INITRD=$(printf '%s\n' "$base" | sed -n 's/^initrd=//p' | tail -n 1)
GUEST_DIR=$(dirname "$KERNEL")
KDEB=$GUEST_DIR/debs/$(sed -n 's/^kernel_deb=//p' "$GUEST_DIR/guest.txt")
[ -s "$KDEB" ] || die "the kernel package $KDEB is not in the guest's cache"

# What each image is made from: when this changes, the images are remade.
want_stamp=$(
    {
        echo "layout=$LAYOUT"
        sha256sum "$0" "$INIT_SRC" "$HERE/guest/newc.sh" "$KERNEL" "$INITRD" | cut -c1-64
        for p in xorriso isolinux syslinux syslinux-common grub-pc-bin mtools e2fsprogs memtest86+; do
            echo "$p $(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || echo none)"
        done
    } | sha256sum | cut -c1-64
)
STAMP=$DIR/stamp.txt
OUTPUTS=$DIR/outputs.txt
mkdir -p "$DIR" || die "cannot create $DIR"
# Tests run in parallel: one builds, the others wait and then find the
# cache complete.
if command -v flock >/dev/null; then
    exec 9>"$DIR/lock"
    flock 9
fi
if [ -s "$STAMP" ] && [ -s "$OUTPUTS" ] && [ "$(cat "$STAMP")" = "$want_stamp" ]; then
    printf 'kernel=%s\ninitrd=%s\n' "$KERNEL" "$INITRD"
    cat "$OUTPUTS"
    exit "$(sed -n 's/^# status //p' "$STAMP.status" 2>/dev/null || echo 0)"
fi
rm -f "$STAMP" "$STAMP.status"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/plex86-pc-guests.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
made=()      # name=PATH lines
missing=()   # what could not be made, and why
lack() { missing+=("$1: $2"); log "cannot make $1: $2"; }
have() { command -v "$1" >/dev/null 2>&1; }
# install_ro SRC NAME VAR: SRC into the cache as NAME, read-only, replaced
# in one rename; VAR=PATH is printed at the end.
install_ro() {
    cp "$1" "$DIR/$2.tmp" && chmod 0444 "$DIR/$2.tmp" && mv -f "$DIR/$2.tmp" "$DIR/$2" ||
        die "cannot write $DIR/$2"
    made+=("$3=$DIR/$2")
}
stamp_tree() { find "$1" -exec touch -h -d "@$EPOCH" {} +; }
export SOURCE_DATE_EPOCH=$EPOCH

# --- the modules and the drive initramfs ---------------------------------------

log "modules from $(basename "$KDEB")"
dpkg-deb --fsys-tarfile "$KDEB" | tar -x -C "$WORK" ./lib/modules ||
    die "no modules in $KDEB"
set -- "$WORK"/lib/modules/*
[ $# = 1 ] || die "expected one module tree in $KDEB"
KVER=$(basename "$1")
MODROOT=$1
# Module names treat - and _ alike.
norm() { printf '%s\n' "${1//-/_}"; }
declare -A modpath=()
while IFS= read -r f; do
    n=${f##*/}
    n=${n%.ko}
    modpath[${n//-/_}]=${f#"$MODROOT"/}
done < <(find "$MODROOT/kernel" -name '*.ko' | sort)
# modinfo KEY MODULE: the values of KEY in the module's .modinfo strings.
modinfo_key() {
    tr '\0' '\n' <"$MODROOT/${modpath[$2]}" | sed -n "s/^$1=//p"
}
# A softdep names a module or an alias (crypto-crc32c): the generic
# implementations in kernel/crypto and kernel/lib come before the
# CPU-specific ones in arch/ (crc32c-intel needs SSE4.2).
declare -A aliases=()
alias_module() {
    local want=$1 f n a
    if [ ${#aliases[@]} = 0 ]; then
        for f in "$MODROOT"/kernel/crypto/*.ko "$MODROOT"/kernel/lib/*.ko "$MODROOT"/kernel/arch/x86/crypto/*.ko; do
            [ -e "$f" ] || continue
            n=${f##*/}
            n=${n%.ko}
            n=${n//-/_}
            while IFS= read -r a; do
                [ -n "${aliases[$a]:-}" ] || aliases[$a]=$n
            done < <(tr '\0' '\n' <"$f" | sed -n 's/^alias=//p')
        done
    fi
    printf '%s\n' "${aliases[$want]:-}"
}
declare -A state=()  # 1 visiting, 2 done
order=()
visit() { # MODULE: its dependencies first, then it (depth-first post-order)
    local m d deps
    m=$(norm "$1")
    if [ -z "${modpath[$m]:-}" ]; then
        local a
        a=$(alias_module "$1")
        [ -n "$a" ] || die "module $1 is not in $(basename "$KDEB")"
        m=$a
    fi
    [ "${state[$m]:-0}" = 2 ] && return 0
    [ "${state[$m]:-0}" = 1 ] && die "module dependency cycle at $m"
    state[$m]=1
    deps=$(modinfo_key depends "$m" | tr ',' ' ')
    deps="$deps $(modinfo_key softdep "$m" | sed 's/pre://; s/post://g')"
    for d in $deps; do visit "$d"; done
    state[$m]=2
    order+=("$m")
}
config=$(dpkg-deb --fsys-tarfile "$KDEB" | tar -xO --wildcards './boot/config-*')
for m in $MODULES; do
    visit "$m"
done
log "modules ($KVER): ${order[*]}"
# Built in (=y) rather than modules: nothing to load, say so for the record.
for c in CONFIG_BLK_DEV_INITRD CONFIG_DEVTMPFS CONFIG_DEVPORT CONFIG_MSDOS_PARTITION; do
    grep -qx "$c=y" <<<"$config" || log "note: $c is not =y in this kernel"
done

. "$HERE/guest/newc.sh"
{
    # Directories the kernel needs before the files (it does not make them).
    newc_entry init $((0100755)) "$INIT_SRC"
    dirs=()
    for m in "${order[@]}"; do
        p=lib/modules/$KVER/${modpath[$m]}
        while p=$(dirname "$p") && [ "$p" != . ]; do dirs+=("$p"); done
    done
    for d in $(printf '%s\n' "${dirs[@]}" | sort -u); do
        newc_entry "$d" $((0040755)) ""
    done
    for m in "${order[@]}"; do
        newc_entry "lib/modules/$KVER/${modpath[$m]}" $((0100644)) "$MODROOT/${modpath[$m]}"
    done
    for m in "${order[@]}"; do printf '%s\n' "${modpath[$m]}"; done >"$WORK/plex86.load"
    newc_entry "lib/modules/$KVER/plex86.load" $((0100644)) "$WORK/plex86.load"
    newc_trailer
} >"$WORK/drives.cpio"
{
    cat "$INITRD"
    gzip -n -9 <"$WORK/drives.cpio"
} >"$WORK/initrd-pc.gz"
install_ro "$WORK/initrd-pc.gz" initrd-pc.gz initrd_pc
PC_INITRD=$WORK/initrd-pc.gz

# --- ISO images ------------------------------------------------------------------

# iso_tree DIR: the kernel, the initramfs and their checksums.
iso_tree() {
    mkdir -p "$1/boot" "$1/plex86"
    cp "$KERNEL" "$1/boot/vmlinuz"
    cp "$PC_INITRD" "$1/boot/initrd.gz"
    (cd "$1" && sha256sum boot/vmlinuz boot/initrd.gz >plex86/sha256sums)
}

if have xorriso && [ -r "$ISOLINUX_BIN" ] && [ -r "$SYSLINUX_MODS/ldlinux.c32" ]; then
    log "iso_isolinux"
    T=$WORK/iso-isolinux
    iso_tree "$T"
    mkdir -p "$T/isolinux"
    cp "$ISOLINUX_BIN" "$SYSLINUX_MODS/ldlinux.c32" "$T/isolinux/"
    # serial 0 115200: isolinux's own messages and prompt on COM1 too.
    cat >"$T/isolinux/isolinux.cfg" <<EOF
serial 0 115200
default linux
prompt 0
timeout 0
label linux
  kernel /boot/vmlinuz
  initrd /boot/initrd.gz
  append $APPEND_BASE plex86.test=shell plex86.wait=sr0
EOF
    stamp_tree "$T"
    xorriso -as mkisofs -quiet -o "$WORK/isolinux.iso" -V PLEX86_ISOLINUX -R -J \
        -b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot -boot-load-size 4 \
        -boot-info-table "$T" >&2 || die "xorriso failed"
    install_ro "$WORK/isolinux.iso" isolinux.iso iso_isolinux
else
    lack iso_isolinux "needs xorriso, isolinux and syslinux-common"
fi

if have grub-mkrescue && have xorriso && have mformat && [ -d "$GRUB_PC" ]; then
    log "iso_grub"
    T=$WORK/iso-grub
    iso_tree "$T"
    mkdir -p "$T/boot/grub"
    cat >"$T/boot/grub/grub.cfg" <<EOF
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout=0
menuentry "plex86 guest" {
  linux /boot/vmlinuz $APPEND_BASE plex86.test=shell plex86.wait=sr0
  initrd /boot/initrd.gz
}
EOF
    stamp_tree "$T"
    # The files grub-mkrescue adds carry the time it ran: all dates fixed.
    grub-mkrescue -o "$WORK/grub.iso" "$T" -- -volid PLEX86_GRUB \
        -volume_date uuid 2023010100000000 -volume_date all_file_dates 2023010100000000 \
        >"$WORK/grub.log" 2>&1 ||
        { cat "$WORK/grub.log" >&2; die "grub-mkrescue failed"; }
    install_ro "$WORK/grub.iso" grub.iso iso_grub
else
    lack iso_grub "needs grub-pc-bin, grub-common, xorriso and mtools"
fi

# --- the data disk -----------------------------------------------------------------

if have mke2fs; then
    log "data_disk"
    T=$WORK/data
    mkdir -p "$T"
    head -c 1048576 "$KERNEL" >"$T/known.bin"
    (cd "$T" && sha256sum known.bin >known.sha256)
    stamp_tree "$T"
    rm -f "$WORK/data.img"
    E2FSPROGS_FAKE_TIME=$EPOCH mke2fs -q -F -t ext4 -L PLEX86DATA -U "$DATA_UUID" \
        -E "hash_seed=$DATA_UUID,root_owner=0:0" -d "$T" "$WORK/data.img" 16M >&2 ||
        die "mke2fs failed"
    # mke2fs -d gives the files the time it ran as their ctime.
    debugfs -w -f - "$WORK/data.img" >/dev/null 2>&1 <<EOF || die "debugfs failed"
sif /known.bin ctime @$EPOCH
sif /known.sha256 ctime @$EPOCH
EOF
    install_ro "$WORK/data.img" data-ext4.img data_disk
else
    lack data_disk "needs e2fsprogs"
fi

# --- the bootable hard disk ----------------------------------------------------------

# chs LBA: the 3 CHS bytes of a partition entry for a 16-head, 63-sector
# geometry (what IDENTIFY reports for a disk this small).
chs() {
    local c=$(($1 / (16 * 63))) h=$((($1 / 63) % 16)) s=$(($1 % 63 + 1))
    printf '\\x%02x\\x%02x\\x%02x' "$h" $(((s & 63) | ((c >> 2) & 0xc0))) $((c & 255))
}
le32() { printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $((($1 >> 8) & 255)) \
    $((($1 >> 16) & 255)) $((($1 >> 24) & 255)); }

if have syslinux && have mformat && have mcopy && [ -r "$MBR_BIN" ]; then
    log "hdd_syslinux"
    IMG=$WORK/hdd.img
    SECTORS=$((32 * 2048)) START=2048
    LEN=$((SECTORS - START))
    rm -f "$IMG"
    truncate -s $((SECTORS * 512)) "$IMG"
    # The MBR: syslinux's boot code, then one active FAT16 (LBA) partition
    # entry at 0x1BE and the signature 55 AA.
    dd if="$MBR_BIN" of="$IMG" conv=notrunc status=none
    # shellcheck disable=SC2059  # the escapes are built by chs and le32
    printf "\\x80$(chs $START)\\x0e$(chs $((SECTORS - 1)))$(le32 $START)$(le32 $LEN)" |
        dd of="$IMG" bs=1 seek=446 conv=notrunc status=none
    printf '\x55\xaa' | dd of="$IMG" bs=1 seek=510 conv=notrunc status=none
    PART="$IMG@@$((START * 512))"
    MTOOLS_SKIP_CHECK=1 mformat -i "$PART" -T $LEN -h 16 -s 63 -H $START -N 504c3836 \
        -v PLEX86HDD :: || die "mformat failed"
    cat >"$WORK/syslinux.cfg" <<EOF
serial 0 115200
default linux
prompt 0
timeout 0
label linux
  kernel /vmlinuz
  initrd /initrd.gz
  append $APPEND_BASE plex86.test=shell plex86.wait=sda
EOF
    cp "$KERNEL" "$WORK/vmlinuz"
    cp "$PC_INITRD" "$WORK/initrd.gz"
    touch -d "@$EPOCH" "$WORK/syslinux.cfg" "$WORK/vmlinuz" "$WORK/initrd.gz"
    MTOOLS_SKIP_CHECK=1 mcopy -m -i "$PART" "$WORK/syslinux.cfg" "$WORK/vmlinuz" "$WORK/initrd.gz" :: ||
        die "mcopy failed"
    syslinux --offset $((START * 512)) --install "$IMG" || die "syslinux --install failed"
    install_ro "$IMG" hdd-syslinux.img hdd_syslinux
else
    lack hdd_syslinux "needs syslinux, syslinux-common and mtools"
fi

# --- memtest86+ ----------------------------------------------------------------------

if [ -r "$MEMTEST_ISO" ] && [ -r "$MEMTEST_BIN" ]; then
    made+=("memtest_iso=$MEMTEST_ISO" "memtest_bin=$MEMTEST_BIN")
    # The .bin starts with a floppy boot sector: zero-padded to 1.44 MB it
    # is the floppy image the ISO boots in El Torito floppy emulation.
    log "memtest_floppy"
    cp "$MEMTEST_BIN" "$WORK/memtest.img"
    truncate -s 1474560 "$WORK/memtest.img"
    install_ro "$WORK/memtest.img" memtest-floppy.img memtest_floppy
    if have xorriso && [ -r "$ISOLINUX_BIN" ]; then
        log "memtest_iso_serial"
        T=$WORK/iso-memtest
        mkdir -p "$T/isolinux" "$T/boot"
        cp "$ISOLINUX_BIN" "$SYSLINUX_MODS/ldlinux.c32" "$T/isolinux/"
        cp "$MEMTEST_BIN" "$T/boot/memtest.bin"
        # memtest86+ 6 takes Linux's boot protocol and a command line;
        # console=ttyS0,115200 mirrors its screen on COM1.
        cat >"$T/isolinux/isolinux.cfg" <<EOF
serial 0 115200
default memtest
prompt 0
timeout 0
label memtest
  linux /boot/memtest.bin
  append console=ttyS0,115200
EOF
        stamp_tree "$T"
        xorriso -as mkisofs -quiet -o "$WORK/memtest.iso" -V PLEX86_MEMTEST -R -J \
            -b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot -boot-load-size 4 \
            -boot-info-table "$T" >&2 || die "xorriso failed"
        install_ro "$WORK/memtest.iso" memtest-serial.iso memtest_iso_serial
    fi
else
    lack memtest "needs memtest86+ ($MEMTEST_ISO, $MEMTEST_BIN)"
fi

# --- done ---------------------------------------------------------------------------------

status=0
[ ${#missing[@]} = 0 ] || status=77
printf '%s\n' "${made[@]}" >"$OUTPUTS"
echo "# status $status" >"$STAMP.status"
printf '%s\n' "$want_stamp" >"$STAMP"
log "ready in $DIR${missing:+ (missing: ${missing[*]})}"
printf 'kernel=%s\ninitrd=%s\n' "$KERNEL" "$INITRD"
cat "$OUTPUTS"
exit $status
