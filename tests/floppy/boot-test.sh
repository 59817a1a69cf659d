#!/bin/sh
# The floppy boot (issue 16): boots tests/floppy/boot.S's 1.44 MB image from
# drive A through the firmware and checks what it prints on the serial
# console: the four sectors it read with INT 13h (across the head boundary)
# and its last line, then the debug-exit status 33.
#
# usage: boot-test.sh qemu QEMU IMAGE     the image itself, on QEMU; skipped
#                                         (77) when QEMU is not installed
#        boot-test.sh plex86 PLEX86 IMAGE on plex86 with its default firmware
#                                         (SeaBIOS); skipped (77) while plex86
#                                         has no -fda or cannot start SeaBIOS
#        boot-test.sh qemu-rom QEMU IMAGE ROM
#                                         tests/guests/fdc_read.S (the ROM that
#                                         test_fdc_guest runs on plex86) as
#                                         QEMU's firmware, with a 486 (no local
#                                         APIC to program): its expectations
#                                         checked on QEMU's controller
set -u
mode=${1:?usage: boot-test.sh qemu|plex86|qemu-rom EMULATOR IMAGE [ROM]}
emu=${2:?}
image=${3:?}
rom=${4:-}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# A copy per run: both emulators lock an image opened for writing.
cp "$image" "$dir/floppy.img"
out=$dir/out

skip() {
    echo "SKIP: $*"
    exit 77
}

case $mode in
qemu)
    command -v "$emu" >/dev/null 2>&1 || skip "$emu is not installed"
    timeout 60 "$emu" -nodefaults -nographic -serial stdio -fda "$dir/floppy.img" \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 </dev/null >"$out" 2>&1
    rc=$?
    ;;
qemu-rom)
    command -v "$emu" >/dev/null 2>&1 || skip "$emu is not installed"
    timeout 60 "$emu" -nodefaults -cpu 486 -display none -serial stdio -bios "$rom" \
        -drive "file=$dir/floppy.img,if=floppy,format=raw" \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 </dev/null >"$out" 2>&1
    rc=$?
    ;;
plex86)
    timeout 120 "$emu" -fda "$dir/floppy.img" -nographic </dev/null >"$out" 2>&1
    rc=$?
    grep -q "unknown option '-fda'" "$out" && skip "plex86 has no -fda yet"
    grep -q "nothing to run" "$out" && skip "plex86 has no default firmware yet"
    # SeaBIOS shows its banner on the serial console with -nographic; with
    # neither it nor the boot sector's first line, the firmware never ran.
    if ! grep -q "SeaBIOS" "$out" && ! grep -q "boot sector running" "$out"; then
        tail -n 5 "$out"
        skip "SeaBIOS did not start (exit status $rc)"
    fi
    ;;
*)
    echo "boot-test.sh: unknown mode '$mode'" >&2
    exit 2
    ;;
esac

if [ "$mode" = qemu-rom ]; then
    first="fdc_read: done" last="fdc_read: done"
else
    first="boot sector running" last="plex86 floppy test: done"
fi
# The lines are looked for in the console with spaces, dots and line ends
# taken out: under QEMU, SeaBIOS's progress dots (".") can land in the
# middle of a line the boot sector prints ("sector C0 H1 .\nS2 ok": a
# CI failure).
squash() { tr -d ' .\r\n'; }
flat=$(squash < "$out")
fail=0
for line in "$first" "sector C0 H0 S17 ok" "sector C0 H0 S18 ok" \
            "sector C0 H1 S1 ok" "sector C0 H1 S2 ok" "$last"; do
    if ! printf '%s' "$flat" | grep -qF "$(printf '%s' "$line" | squash)"; then
        echo "FAIL: no \"$line\" on the serial console"
        fail=1
    fi
done
if printf '%s' "$flat" | grep -qF "S3ok"; then
    echo "FAIL: a fifth sector was printed"
    fail=1
fi
if [ "$rc" != 33 ]; then
    echo "FAIL: exit status $rc, not 33 (the debug-exit port's 0x10)"
    fail=1
fi
if [ "$fail" != 0 ]; then
    echo "--- console:"
    cat "$out"
    exit 1
fi
echo "PASS: $mode read the floppy across the head boundary"
