#!/bin/sh
# Boots one test kernel and checks the exit status it reports through the
# debug-exit port (README.md in this directory).
# usage: run-guest.sh EMULATOR KERNEL WANT_STATUS [EXTRA ARGS...]
# EMULATOR is the plex86 binary, or qemu-system-i386 to check a test
# kernel against QEMU (which is not a dependency of plex86: only for
# writing tests).
set -u
EMU=$1 KERNEL=$2 WANT=$3
shift 3
case $(basename "$EMU") in
qemu-system-*)
    set -- -device isa-debug-exit,iobase=0xf4,iosize=0x04 -m 32 "$@" ;;
*)
    # A test that loops instead of ending stops here with status 0.
    set -- -max-insns 100000000 "$@" ;;
esac
OUT=$(mktemp "${TMPDIR:-/tmp}/plex86-guest.XXXXXX")
trap 'rm -f "$OUT"' EXIT
"$EMU" -kernel "$KERNEL" -nographic -no-reboot "$@" </dev/null >"$OUT" 2>&1
got=$?
# QEMU's firmware clears the screen first; keep the kernel's lines only.
if grep -q -a 'start ' "$OUT"; then
    sed -n -e 's/^.*\(start \)/\1/' -e '/start /,$p' "$OUT"
else
    cat "$OUT"
fi
if [ "$got" != "$WANT" ]; then
    echo "FAIL: $(basename "$KERNEL") exited with status $got, want $WANT"
    exit 1
fi
echo "ok: $(basename "$KERNEL") -> $got"
