#!/usr/bin/env bash
# fetch-guest.sh: prepares plex86's default guest, Debian 12's i386 kernel
# (linux-image-686: no PAE) with a busybox initramfs, and prints where it is.
#
#   tools/fetch-guest.sh
#   plex86 -kernel KERNEL -initrd INITRD -append "console=ttyS0" -nographic
#
# What it does (idempotent: with the cache complete it only prints):
#  * resolves the linux-image-686:i386 metapackage to the real kernel
#    package (e.g. linux-image-6.1.0-50-686) and takes it and
#    busybox-static:i386 from the cache, from a local .deb directory, or
#    with `apt-get download`, adding the i386 dpkg architecture and running
#    apt-get update first when needed (as root, non-interactive);
#  * extracts vmlinuz and busybox, and packs the initramfs: busybox,
#    /bin/sh, /dev/console and our /init (tools/guest/init), as a cpio
#    "newc" archive written here (no root needed for the device node, and
#    reproducible: fixed owners, times and order) compressed with gzip -n.
#
# Output: progress on stderr; on stdout, as the last two lines,
#   kernel=PATH
#   initrd=PATH
# Exit status: 0 ready; 77 the packages cannot be had (no network, no
# Debian i386 packages, not root where apt needs it): tests skip on it;
# 1 anything else.
#
# Environment:
#   PLEX86_GUEST_DIR   the cache (default ${XDG_CACHE_HOME:-$HOME/.cache}/plex86/guest)
#   PLEX86_GUEST_DEBS  a directory of already-downloaded .debs to use first
#                      (default /var/cache/ia32-bench/debs, the benchmark
#                      guest's, when it exists)
#   PLEX86_GUEST_KERNEL_PKG  an exact kernel package instead of the one
#                      linux-image-686 depends on
#   PLEX86_GUEST_NO_APT=1    never run apt-get update or download
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
INIT_SRC=$HERE/guest/init
GUEST_DIR=${PLEX86_GUEST_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/plex86/guest}
LOCAL_DEBS=${PLEX86_GUEST_DEBS:-/var/cache/ia32-bench/debs}
KERNEL=$GUEST_DIR/vmlinuz
INITRD=$GUEST_DIR/initrd.gz
STAMP=$GUEST_DIR/guest.txt
APT_OPTS=(-o DPkg::Lock::Timeout=300 -o Acquire::Retries=2 -o APT::Get::Assume-Yes=true)
# Bump when the initramfs layout changes, so that caches are rebuilt.
LAYOUT=1

log() { printf 'fetch-guest: %s\n' "$*" >&2; }
die() { printf 'fetch-guest: error: %s\n' "$*" >&2; exit 1; }
# The packages cannot be had: a distinct status so that tests skip.
unavailable() {
    printf 'fetch-guest: cannot get the guest packages: %s\n' "$*" >&2
    printf 'fetch-guest: (needs Debian i386 packages through apt, or their .debs in %s)\n' \
        "$GUEST_DIR/debs" >&2
    exit 77
}
done_print() {
    printf 'kernel=%s\ninitrd=%s\n' "$KERNEL" "$INITRD"
    exit 0
}

[ -r "$INIT_SRC" ] || die "$INIT_SRC is missing"
# What the cache must say to be complete: our init and layout.
want_stamp="init=$(sha256sum <"$INIT_SRC" | cut -c1-64) layout=$LAYOUT"
if [ -s "$KERNEL" ] && [ -s "$INITRD" ] && [ -s "$STAMP" ] &&
    grep -qxF "$want_stamp" "$STAMP"; then
    done_print
fi
mkdir -p "$GUEST_DIR/debs" || die "cannot create $GUEST_DIR"

# --- finding the packages ----------------------------------------------------

is_root() { [ "$(id -u)" = 0 ]; }
have_apt() { command -v apt-get >/dev/null && command -v apt-cache >/dev/null; }

candidate() { # pkg:arch -> its candidate version, or nothing
    apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { if ($2 != "(none)") print $2 }'
}

KPKG="" KVER="" BBVER=""
resolve() { # sets KPKG, KVER, BBVER from the apt lists we have; 0 if all found
    have_apt || return 1
    if [ -n "${PLEX86_GUEST_KERNEL_PKG:-}" ]; then
        KPKG=${PLEX86_GUEST_KERNEL_PKG%%:*}
    else
        KPKG=$(apt-cache depends linux-image-686:i386 2>/dev/null |
            awk '/Depends: linux-image-[0-9]/ { sub(/^.*Depends: /, ""); sub(/:i386$/, ""); print; exit }')
    fi
    [ -n "$KPKG" ] || return 1
    KVER=$(candidate "$KPKG:i386")
    BBVER=$(candidate busybox-static:i386)
    [ -n "$KVER" ] && [ -n "$BBVER" ]
}

apt_prepare() { # the i386 architecture and fresh lists; 1 if not possible
    [ "${PLEX86_GUEST_NO_APT:-0}" = 1 ] && return 1
    have_apt && is_root || return 1
    if ! dpkg --print-foreign-architectures | grep -qx i386; then
        log "dpkg --add-architecture i386"
        dpkg --add-architecture i386 || return 1
    fi
    log "apt-get update"
    # A partial failure (one mirror mid-sync) is not fatal: resolve() says
    # whether the lists now have what we need.
    DEBIAN_FRONTEND=noninteractive timeout 600 apt-get "${APT_OPTS[@]}" update -q \
        </dev/null >&2 || log "apt-get update reported errors; trying the lists we have"
    return 0
}

# The .deb's file name as apt-get download writes it (epoch ':' as '%3a').
debname() { printf '%s_%s_i386.deb' "$1" "${2//:/%3a}"; }

fetch_deb() { # pkg version -> prints the path of the .deb in the cache
    local name f
    name=$(debname "$1" "$2")
    f=$GUEST_DIR/debs/$name
    if [ ! -s "$f" ] && [ -s "$LOCAL_DEBS/$name" ]; then
        log "using $LOCAL_DEBS/$name"
        cp "$LOCAL_DEBS/$name" "$f.tmp" && mv "$f.tmp" "$f"
    fi
    if [ ! -s "$f" ]; then
        [ "${PLEX86_GUEST_NO_APT:-0}" = 1 ] && unavailable "$name is not cached (PLEX86_GUEST_NO_APT=1)"
        log "apt-get download $1:i386=$2"
        (cd "$GUEST_DIR/debs" && timeout 900 apt-get "${APT_OPTS[@]}" download -q \
            "$1:i386=$2" </dev/null >&2) || unavailable "apt-get download $1:i386=$2 failed"
        [ -s "$f" ] || unavailable "apt-get download did not write $name"
    fi
    printf '%s\n' "$f"
}

newest_local() { # glob -> the newest matching .deb in the cache or LOCAL_DEBS
    local f
    for f in $(ls -1 "$GUEST_DIR"/debs/$1 "$LOCAL_DEBS"/$1 2>/dev/null | sort -V -r); do
        [ -s "$f" ] && { printf '%s\n' "$f"; return 0; }
    done
    return 1
}

if ! resolve; then
    apt_prepare && resolve || true
fi
if [ -n "$KVER" ] && [ -n "$BBVER" ]; then
    log "kernel $KPKG:i386 $KVER, busybox-static:i386 $BBVER"
    KDEB=$(fetch_deb "$KPKG" "$KVER")
    BBDEB=$(fetch_deb busybox-static "$BBVER")
else
    # No apt lists for i386 (and no way to get them): .debs already here do.
    KDEB=$(newest_local 'linux-image-[0-9]*-686_*_i386.deb') ||
        unavailable "linux-image-686:i386 cannot be resolved (no i386 apt lists; run as root to add them)"
    BBDEB=$(newest_local 'busybox-static_*_i386.deb') ||
        unavailable "busybox-static:i386 cannot be resolved"
    log "no i386 apt lists: using $KDEB and $BBDEB"
fi

# --- extracting ----------------------------------------------------------------

WORK=$(mktemp -d "${TMPDIR:-/tmp}/plex86-guest.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/k" "$WORK/bb"
dpkg-deb --fsys-tarfile "$KDEB" | tar -x -C "$WORK/k" --wildcards './boot/vmlinuz-*' ||
    die "no ./boot/vmlinuz-* in $KDEB"
dpkg-deb --fsys-tarfile "$BBDEB" | tar -x -C "$WORK/bb" ./bin/busybox ||
    die "no ./bin/busybox in $BBDEB"
set -- "$WORK"/k/boot/vmlinuz-*
[ $# = 1 ] && [ -s "$1" ] || die "expected one kernel in $KDEB"
KFILE=$1

# --- the initramfs: cpio newc, written here (tools/guest/newc.sh) -----------

. "$HERE/guest/newc.sh"
CPIO=$WORK/initrd.cpio
{
    for d in bin dev etc proc root sbin sys tmp usr usr/bin usr/sbin; do
        newc_entry "$d" $((0040755)) ""
    done
    newc_entry bin/busybox $((0100755)) "$WORK/bb/bin/busybox"
    newc_entry bin/sh $((0120777)) "" 0 0 busybox
    newc_entry dev/console $((0020600)) "" 5 1
    newc_entry init $((0100755)) "$INIT_SRC"
    newc_trailer
} >"$CPIO"
gzip -n -9 <"$CPIO" >"$WORK/initrd.gz"

cp "$KFILE" "$KERNEL.tmp" && mv "$KERNEL.tmp" "$KERNEL"
cp "$WORK/initrd.gz" "$INITRD.tmp" && mv "$INITRD.tmp" "$INITRD"
{
    printf 'kernel_deb=%s\nbusybox_deb=%s\nkernel_file=%s\n' "$(basename "$KDEB")" \
        "$(basename "$BBDEB")" "$(basename "$KFILE")"
    printf '%s\n' "$want_stamp"
} >"$STAMP"
log "ready in $GUEST_DIR"
done_print
