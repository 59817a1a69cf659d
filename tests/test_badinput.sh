#!/bin/sh
# Bad files and options (issue 9, item 5): each must give exit status 2 and
# exactly one line on stderr, "plex86: " and a message that names the
# problem, and nothing on stdout; no VM runs.  Some cases repeat ones in
# test_cli.sh, which checks the status and message but not the single line.
# usage: test_badinput.sh PLEX86 SOURCE_DIR GUEST_DIR
#   SOURCE_DIR: the repository (for the committed kernels in
#   tests/fuzz/corpus/multiboot/); GUEST_DIR: the test ROMs.
set -u
PLEX86=$1
SRC=$2
ROMS=$3
KERNELS=$SRC/tests/fuzz/corpus/multiboot
TMP=$(mktemp -d "${TMPDIR:-/tmp}/plex86-badinput.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fails=0

# bad PATTERN ARGS...: plex86 ARGS must exit 2 with one stderr line that
# starts with "plex86: " and contains PATTERN (grep -F), and print nothing
# on stdout.
bad() {
    pattern=$1
    shift
    "$PLEX86" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
    got=$?
    lines=$(wc -l <"$TMP/err")
    why=""
    if [ "$got" != 2 ]; then
        why="exit status $got, want 2"
    elif [ "$lines" != 1 ]; then
        why="$lines lines on stderr, want 1"
    elif ! head -c 8 "$TMP/err" | grep -q "^plex86: "; then
        why="stderr does not start with 'plex86: '"
    elif ! grep -qF -- "$pattern" "$TMP/err"; then
        why="stderr lacks '$pattern'"
    elif [ -s "$TMP/out" ]; then
        why="something on stdout"
    fi
    if [ -n "$why" ]; then
        echo "FAIL: plex86 $*: $why"
        sed 's/^/  err| /' "$TMP/err"
        sed 's/^/  out| /' "$TMP/out"
        fails=$((fails + 1))
    else
        echo "ok: plex86 $* -> 2: $(cat "$TMP/err")"
    fi
}

ROM=$ROMS/spin.rom
GOOD=$KERNELS/tiny.elf
BIG=$KERNELS/mb_boot.elf

# Options.
bad "unknown option '-frobnicate'" -frobnicate
bad "unknown option '--frobnicate=1'" -bios "$ROM" --frobnicate=1
bad "unexpected argument 'disk.img'" -bios "$ROM" disk.img
bad "-m: missing argument" -bios "$ROM" -m
bad "between 1 and 3584 MiB, not 0" -bios "$ROM" -m 0
bad "between 1 and 3584 MiB, not 3585" -bios "$ROM" -m 3585
bad "unknown CPU model 'k6'" -bios "$ROM" -cpu k6
bad "between 1 and 3584 MiB" -bios "$ROM" -m 4G
bad "-m: bad size '99999999999999999999'" -bios "$ROM" -m 99999999999999999999
bad "-m: bad size '-1'" -bios "$ROM" -m -1
bad "no firmware: $TMP/none/bios-256k.bin: No such file or directory (install the package \"seabios\"" -L "$TMP/none" -m 16

# Missing and unreadable files.
bad "$TMP/missing.rom: No such file or directory" -bios "$TMP/missing.rom"
bad "$TMP/missing.elf: No such file or directory" -kernel "$TMP/missing.elf"
bad "$TMP/missing.img: No such file or directory" -kernel "$GOOD" -initrd "$TMP/missing.img"
bad "$TMP/two?lines.elf: No such file or directory" -kernel "$TMP/two
lines.elf"
bad "$TMP: not a regular file" -kernel "$TMP"
bad "$TMP: not a regular file" -kernel "$GOOD" -initrd "$TMP"
# Issue 21, item 3: a FIFO with no writer is refused at once, not waited on.
mkfifo "$TMP/fifo"
bad "$TMP/fifo: not a regular file" -bios "$TMP/fifo"
bad "$TMP/fifo: not a regular file" -kernel "$TMP/fifo"
bad "$TMP/fifo: not a regular file" -kernel "$GOOD" -initrd "$TMP/fifo"
rm -f "$TMP/fifo"
# Issue 21, item 5: two outputs on one file, however it is named, are
# refused before anything is written.
bad "-serial file:$TMP/out.x and -debugcon file:$TMP/./out.x are the same file" \
    -bios "$ROM" -serial "file:$TMP/out.x" -debugcon "file:$TMP/./out.x"
echo keep >"$TMP/kept"
ln -s "$TMP/kept" "$TMP/alias"
bad "-serial file:$TMP/kept and -D $TMP/alias are the same file" \
    -bios "$ROM" -serial "file:$TMP/kept" -D "$TMP/alias"
bad "-debugcon file:$TMP/kept and -D $TMP/../$(basename "$TMP")/kept are the same file" \
    -bios "$ROM" -debugcon "file:$TMP/kept" -D "$TMP/../$(basename "$TMP")/kept"
[ "$(cat "$TMP/kept")" = keep ] || { echo "FAIL: a refused run changed the file"; fails=$((fails + 1)); }
rm -f "$TMP/kept" "$TMP/alias"

# QEMU's device options (issue 16): bad devices, chardevs, boot settings,
# option ROMs.
bad "-chardev: backend 'pty' is not supported" -bios "$ROM" -chardev pty,id=p
bad "-device: 'e1000' is not a device plex86 has" -bios "$ROM" -device e1000
bad "-device isa-debugcon: chardev 'x' not found" -bios "$ROM" -device isa-debugcon,chardev=x
bad "-chardev file,path=$TMP/no/dir/log: No such file or directory" -bios "$ROM" -chardev "file,id=d,path=$TMP/no/dir/log" \
    -device isa-debugcon,iobase=0x402,chardev=d
bad "-boot: unknown option 'bogus'" -bios "$ROM" -boot order=c,bogus=1
bad "Invalid boot device for PC: 'f'" -bios "$ROM" -boot order=cf
bad "$TMP/missing.rom: No such file or directory" -bios "$ROM" -option-rom "$TMP/missing.rom"
: >"$TMP/empty-option.rom"
bad "option ROM is empty" -bios "$ROM" -option-rom "$TMP/empty-option.rom"

# Firmware images of a bad size.
: >"$TMP/empty.rom"
bad "firmware image is empty" -bios "$TMP/empty.rom"
head -c 5000 /dev/zero >"$TMP/odd.rom"
bad "not a multiple of 4 KiB" -bios "$TMP/odd.rom"
head -c 4095 /dev/zero >"$TMP/short.rom"
bad "not a multiple of 4 KiB" -bios "$TMP/short.rom"
# 16 MiB + 4 KiB, sparse: one page more than the largest flash part.
dd if=/dev/zero of="$TMP/huge.rom" bs=4096 count=1 seek=4096 2>/dev/null
bad "more than 16 MiB" -bios "$TMP/huge.rom"

# Kernels: truncated, foreign, empty.
: >"$TMP/empty.elf"
bad "$TMP/empty.elf: " -kernel "$TMP/empty.elf"
head -c 100 "$GOOD" >"$TMP/trunc.elf"
bad "truncated" -kernel "$TMP/trunc.elf"
head -c 40 "$GOOD" >"$TMP/trunc-header.elf"
bad "no Multiboot header" -kernel "$TMP/trunc-header.elf"
head -c 5000 "$BIG" >"$TMP/trunc-big.elf"
bad "truncated" -kernel "$TMP/trunc-big.elf"
printf 'This is not a kernel.\n' >"$TMP/text.txt"
bad "no Multiboot header" -kernel "$TMP/text.txt"
# ELF64 (class 2 at byte 4), with a good Multiboot header.
{ head -c 4 "$GOOD"; printf '\002'; tail -c +6 "$GOOD"; } >"$TMP/elf64.elf"
bad "not a 32-bit ELF file (ELF64)" -kernel "$TMP/elf64.elf"
bad "neither a Linux bzImage" -kernel "$TMP/text.txt"

dd if=/dev/zero of="$TMP/big.img" bs=1024 count=1 seek=2048 2>/dev/null

# Linux bzImages ("HdrS" at 0x202; src/pc/linux_boot.h).
# poke FILE OFFSET OCTAL-ESCAPES: writes the bytes at OFFSET (decimal).
poke() {
    printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
# mkbz FILE VERSION-LOW SETUP_SECTS SIZE: a protocol 2.VERSION-LOW bzImage
# (octal escapes for the bytes) with a 2.15-length header, LOADED_HIGH,
# initrd_addr_max 0x7FFFFFFF and cmdline_size 2047, SIZE bytes long.
mkbz() {
    head -c "$4" /dev/zero >"$1"
    poke "$1" 497 "$3"                      # 0x1F1 setup_sects
    poke "$1" 512 '\353\152HdrS'            # 0x200 jmp +0x6A, magic
    poke "$1" 518 "$2\002"                  # 0x206 version
    poke "$1" 529 '\001'                    # 0x211 loadflags: LOADED_HIGH
    poke "$1" 556 '\377\377\377\177'        # 0x22C initrd_addr_max
    poke "$1" 568 '\377\007\000\000'        # 0x238 cmdline_size 2047
}
mkbz "$TMP/bzImage" '\017' '\002' 8192
head -c 528 "$TMP/bzImage" >"$TMP/bz-trunc"
bad "truncated inside the setup header" -kernel "$TMP/bz-trunc"
head -c 1536 "$TMP/bzImage" >"$TMP/bz-nocode"
bad "no protected-mode kernel" -kernel "$TMP/bz-nocode"
mkbz "$TMP/bz-old" '\001' '\002' 8192
bad "Linux boot protocol 2.01 is too old" -kernel "$TMP/bz-old"
mkbz "$TMP/bz-setup" '\017' '\144' 8192
bad "the 100 setup sectors end at 51712" -kernel "$TMP/bz-setup"
cp "$TMP/bzImage" "$TMP/bz-zimage"
poke "$TMP/bz-zimage" 529 '\000'
bad "a zImage" -kernel "$TMP/bz-zimage"
dd if=/dev/zero of="$TMP/bz-big.img" bs=1024 count=1 seek=4000 2>/dev/null
bad "the initrd (4097024 bytes) does not fit" -kernel "$TMP/bzImage" -m 4 -initrd "$TMP/bz-big.img"
bad "too large" -kernel "$TMP/bzImage" -m 2 -initrd "$TMP/big.img"
long=$(head -c 3000 /dev/zero | tr '\0' 'x')
bad "3000 bytes, longer than the 2047" -kernel "$TMP/bzImage" -append "$long"
# The kernel needs more RAM than -m gives (mb_boot loads at 1 MiB).
bad "not in available RAM" -kernel "$BIG" -m 1

# An initrd larger than RAM, and one that fits in RAM but not beside the
# kernel.
dd if=/dev/zero of="$TMP/big.img" bs=1024 count=1 seek=2048 2>/dev/null
bad "too large" -kernel "$GOOD" -m 2 -initrd "$TMP/big.img"
dd if=/dev/zero of="$TMP/mid.img" bs=1024 count=1 seek=1500 2>/dev/null
bad "does not fit" -kernel "$GOOD" -m 2 -initrd "$TMP/mid.img"
bad "-initrd needs -kernel" -bios "$ROM" -initrd "$TMP/mid.img"

# Output files that cannot be written.
bad "-D $TMP/no/such/dir/log: No such file or directory" -bios "$ROM" -D "$TMP/no/such/dir/log"
bad "-D $TMP: Is a directory" -bios "$ROM" -D "$TMP"
bad "-serial file:$TMP/no/dir/s" -bios "$ROM" -serial "file:$TMP/no/dir/s"
bad "-debugcon file:$TMP" -bios "$ROM" -debugcon "file:$TMP"

# Drives (issue 16): bad options, and images that are missing, not regular
# files, empty, oddly sized, of a format plex86 does not read, or in use.
head -c 65536 /dev/zero >"$TMP/disk.img"
bad "-drive file=$TMP/disk.img,foo=bar: unknown option 'foo'" -bios "$ROM" -drive "file=$TMP/disk.img,foo=bar"
bad "if=virtio is not supported yet" -bios "$ROM" -drive "file=$TMP/disk.img,if=virtio"
bad "does not support if=ide,bus=2,unit=1" -bios "$ROM" -drive "file=$TMP/disk.img,index=5"
bad "-cdrom $TMP/disk.img: drive with bus=1, unit=0 (index=2) exists" -bios "$ROM" -hdc "$TMP/disk.img" -cdrom "$TMP/disk.img"
bad "invalid cache option 'fast'" -bios "$ROM" -drive "file=$TMP/disk.img,cache=fast"
bad "Parameter 'readonly' expects 'on' or 'off'" -bios "$ROM" -drive "file=$TMP/disk.img,readonly=1"
bad "a disk needs an image" -bios "$ROM" -drive "if=ide,index=0"
bad "-hda: missing argument" -bios "$ROM" -hda
bad "-hda $TMP/missing.img: No such file or directory" -bios "$ROM" -hda "$TMP/missing.img"
bad "-drive file=$TMP/mis,,sing.img: $TMP/mis,sing.img: No such file or directory" -bios "$ROM" -drive "file=$TMP/mis,,sing.img"
bad "-hdb $TMP: Is a directory" -bios "$ROM" -hdb "$TMP"
bad "-cdrom /dev/null: not a regular file" -bios "$ROM" -cdrom /dev/null
mkfifo "$TMP/fifo.img"
bad "-hda $TMP/fifo.img: not a regular file" -bios "$ROM" -hda "$TMP/fifo.img"
rm -f "$TMP/fifo.img"
: >"$TMP/empty.img"
bad "$TMP/empty.img: the image is empty" -bios "$ROM" -hda "$TMP/empty.img"
head -c 1000 /dev/zero >"$TMP/odd.img"
bad "image size 1000 bytes is not a multiple of 512" -bios "$ROM" -fda "$TMP/odd.img"
head -c 2560 /dev/zero >"$TMP/odd.iso"
bad "image size 2560 bytes is not a multiple of 2048" -bios "$ROM" -cdrom "$TMP/odd.iso"
printf 'KDMV' >"$TMP/x.vmdk"
head -c 4092 /dev/zero >>"$TMP/x.vmdk"
bad "looks like a vmdk image" -bios "$ROM" -hda "$TMP/x.vmdk"
# A qcow2 header with cluster_bits 30.
{ printf 'QFI\373\000\000\000\003'; head -c 12 /dev/zero; printf '\000\000\000\036'; head -c 4072 /dev/zero; } >"$TMP/bad.qcow2"
bad "cluster_bits 30 is out of range" -bios "$ROM" -drive "file=$TMP/bad.qcow2,readonly=on"
bad "plex86 reads qcow2 images but does not write them" -bios "$ROM" -hda "$TMP/bad.qcow2"
# The second drive fails: no warning about the first one's probed format,
# only the error.
bad "-hdb $TMP/missing.img: No such file" -bios "$ROM" -hda "$TMP/disk.img" -hdb "$TMP/missing.img"
bad "-hdb $TMP/disk.img: Failed to get \"write\" lock: the image is in use by this plex86" -bios "$ROM" -drive "file=$TMP/disk.img,format=raw" -hdb "$TMP/disk.img"
# A drive that opens well, then a firmware that does not: the probe's
# warning waits for a machine that starts, so still one line.
bad "$TMP/missing.rom: No such file or directory" -bios "$TMP/missing.rom" -hda "$TMP/disk.img"
# In use by another plex86: refused, the holder named.
"$PLEX86" -bios "$ROM" -serial null -drive "file=$TMP/disk.img,format=raw" </dev/null >/dev/null 2>&1 &
holder=$!
for _ in $(seq 600); do
    grep -q "$(stat -c '%i' "$TMP/disk.img") " /proc/locks 2>/dev/null && break
    sleep 0.05
done
bad "Failed to get \"write\" lock: the image is in use by process $holder (plex86)" -bios "$ROM" -drive "file=$TMP/disk.img,format=raw"
bad "Failed to get shared \"write\" lock: the image is in use by process $holder (plex86)" -bios "$ROM" -cdrom "$TMP/disk.img"
bad "the image is in use by process $holder (plex86)" -bios "$ROM" -hda "$TMP/disk.img" -snapshot
kill "$holder"
wait "$holder" 2>/dev/null

# Snapshots (docs/snapshots.md): -loadvm with a file that is missing, not
# a regular file, foreign, of another format version or machine, truncated
# at every section boundary and inside every section, or with a byte
# flipped in the header and in every section.
"$PLEX86" -bios "$ROM" -m 16 -icount 3 -serial null -max-insns 20000 \
    -savevm-at 10000,"$TMP/good.snap" </dev/null || echo "FAIL: cannot make a snapshot"
bad "-loadvm: $TMP/missing.snap: No such file or directory" -bios "$ROM" -m 16 -loadvm "$TMP/missing.snap"
bad "-loadvm: $TMP: not a regular file" -bios "$ROM" -m 16 -loadvm "$TMP"
mkfifo "$TMP/fifo.snap"
bad "-loadvm: $TMP/fifo.snap: not a regular file" -bios "$ROM" -m 16 -loadvm "$TMP/fifo.snap"
bad "not a plex86 snapshot" -bios "$ROM" -m 16 -loadvm "$TMP/text.txt"
: >"$TMP/empty.snap"
bad "not a plex86 snapshot" -bios "$ROM" -m 16 -loadvm "$TMP/empty.snap"
cp "$TMP/good.snap" "$TMP/v2.snap"
poke "$TMP/v2.snap" 8 '\002'
bad "snapshot format version 2, this plex86 reads version 1" -bios "$ROM" -m 16 -loadvm "$TMP/v2.snap"
bad "snapshot of a machine with 16 MiB of RAM, this one has 32 MiB (-m)" -bios "$ROM" -m 32 -loadvm "$TMP/good.snap"
bad "snapshot of a 'pentium-m' CPU, this machine has '486' (-cpu)" -bios "$ROM" -m 16 -cpu 486 -loadvm "$TMP/good.snap"
bad "-savevm-at: want N,FILE" -bios "$ROM" -savevm-at 100
bad "-savevm-at: $TMP/no/dir/x.snap: cannot create a temporary" -bios "$ROM" -icount 3 -serial null -savevm-at 10,"$TMP/no/dir/x.snap"
bad "-savevm-at: the VM stopped after" -bios "$ROMS/serial_msg_a.rom" -serial null -savevm-at 100000000,"$TMP/never.snap"
# The sections' offsets: "NAME HEADER_START PAYLOAD_START PAYLOAD_LEN".
python3 - "$TMP/good.snap" >"$TMP/sections" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
p = 12
p += 1 + d[p]
p += 4
p += 1 + d[p]
p += 4
print("header 0 0", p)
while p < len(d):
    start = p
    n = d[p]; name = d[p + 1:p + 1 + n].decode(); p += 1 + n
    ln, = struct.unpack_from('<Q', d, p); p += 12
    print(name, start, p, ln)
    p += ln
PY
while read -r name start payload len; do
    if [ "$name" != header ]; then
        head -c "$start" "$TMP/good.snap" >"$TMP/cut.snap"
        bad "truncated snapshot" -bios "$ROM" -m 16 -loadvm "$TMP/cut.snap"
        head -c $((payload - 3)) "$TMP/good.snap" >"$TMP/cut.snap"
        bad "truncated snapshot (in section '$name')" -bios "$ROM" -m 16 -loadvm "$TMP/cut.snap"
    fi
    [ "$len" -gt 0 ] || continue
    head -c $((payload + len / 2)) "$TMP/good.snap" >"$TMP/cut.snap"
    if [ "$name" = header ]; then
        bad "truncated snapshot (in the header)" -bios "$ROM" -m 16 -loadvm "$TMP/cut.snap"
        cp "$TMP/good.snap" "$TMP/flip.snap"
        poke "$TMP/flip.snap" 16 '\377'
        bad "snapshot header is corrupted (checksum mismatch)" -bios "$ROM" -m 16 -loadvm "$TMP/flip.snap"
        continue
    fi
    bad "truncated snapshot (section '$name' has" -bios "$ROM" -m 16 -loadvm "$TMP/cut.snap"
    cp "$TMP/good.snap" "$TMP/flip.snap"
    byte=$(od -An -tu1 -j $((payload + len / 2)) -N1 "$TMP/good.snap" | tr -d ' ')
    poke "$TMP/flip.snap" $((payload + len / 2)) "\\$(printf '%03o' $((byte ^ 0x10)))"
    bad "snapshot section '$name' is corrupted (checksum mismatch)" -bios "$ROM" -m 16 -loadvm "$TMP/flip.snap"
done <"$TMP/sections"
grep -q "^end " "$TMP/sections" || { echo "FAIL: no end marker found in good.snap"; fails=$((fails + 1)); }
cp "$TMP/good.snap" "$TMP/tail.snap"
printf 'x' >>"$TMP/tail.snap"
bad "data after the end marker" -bios "$ROM" -m 16 -loadvm "$TMP/tail.snap"

echo "$fails failed"
[ "$fails" = 0 ]
