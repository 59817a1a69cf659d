# newc.sh: writes cpio "newc" archives for initramfs images, sourced by
# tools/fetch-guest.sh and tools/fetch-pc-guests.sh.  No cpio(1) and no
# root are needed, and the output is reproducible: owner root, time 0,
# inodes numbered in the order written.
#
# The format (the kernel's Documentation/driver-api/early-userspace/
# buffer-format.rst): "070701", 13 fields of 8 hex digits, the name with
# its NUL padded to 4 bytes (with the 110-byte header), then the data
# padded to 4.  End an archive with `newc_trailer`.

newc_ino=0

# newc_pad4 N: zeros from N bytes already written to the next multiple of 4.
newc_pad4() {
    head -c $(((4 - $1 % 4) % 4)) /dev/zero
}

# newc_entry NAME MODE(number) DATAFILE-or-empty [RDEV-MAJOR RDEV-MINOR] [LITERAL-DATA]
# writes one entry on stdout; a symbolic link's target is its literal data.
newc_entry() {
    local name=$1 mode=$2 data=$3 rmaj=${4:-0} rmin=${5:-0} size=0
    if [ -n "$data" ]; then
        size=$(stat -c %s "$data")
    elif [ -n "${6:-}" ]; then
        size=${#6}
    fi
    newc_ino=$((newc_ino + 1))
    local nlink=1
    [ $((mode & 0170000)) = $((0040000)) ] && nlink=2
    printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
        "$newc_ino" "$mode" 0 0 "$nlink" 0 "$size" 0 0 "$rmaj" "$rmin" $((${#name} + 1)) 0
    printf '%s\0' "$name"
    newc_pad4 $((110 + ${#name} + 1))
    if [ -n "$data" ]; then
        cat "$data"
    elif [ -n "${6:-}" ]; then
        printf '%s' "$6"
    fi
    newc_pad4 "$size"
}

# newc_trailer: the end of the archive (inode 0); numbering restarts.
newc_trailer() {
    newc_ino=-1
    newc_entry 'TRAILER!!!' 0 ""
    newc_ino=0
}
