#!/bin/sh
# The plex86 binary's command line: exit statuses and messages.
# usage: test_cli.sh PLEX86 GUEST_DIR   (GUEST_DIR holds the test ROMs)
set -u
PLEX86=$1
ROMS=$2
TMP=$(mktemp -d "${TMPDIR:-/tmp}/plex86-cli.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fails=0

# expect STATUS PATTERN ARGS...: runs plex86 ARGS, checks the exit status and
# that stderr+stdout match the grep pattern (empty pattern: no check).
expect() {
    want=$1 pattern=$2
    shift 2
    "$PLEX86" "$@" >"$TMP/out" 2>&1 </dev/null
    got=$?
    if [ "$got" != "$want" ]; then
        echo "FAIL: plex86 $*: exit status $got, want $want"; sed 's/^/  | /' "$TMP/out"
        fails=$((fails + 1))
    elif [ -n "$pattern" ] && ! grep -q -- "$pattern" "$TMP/out"; then
        echo "FAIL: plex86 $*: output lacks '$pattern'"; sed 's/^/  | /' "$TMP/out"
        fails=$((fails + 1))
    else
        echo "ok: plex86 $* -> $got"
    fi
}

# Requests that answer and exit 0.
expect 0 "usage: plex86" --help
expect 0 "usage: plex86" -h
expect 0 "plex86 version" -version
expect 0 "486" -cpu help
expect 0 "pentium-m" -cpu help
expect 0 "post" -d help

# Usage errors: status 2 and one line naming the problem.
expect 2 'install the package "seabios"' -L "$TMP/no-such-dir"
expect 2 "unknown option '-frobnicate'" -frobnicate
expect 2 "-bios: missing argument" -bios
expect 2 "-m: bad size" -bios x -m lots
expect 2 "unknown CPU model" -bios x -cpu 8086
# -smp (issue 19): 1 to 8, QEMU's [cpus=]N and topology keys (the rules
# are test_cli.c's test_smp); local APICs needed.
expect 0 "smp \[cpus=\]N\[,sockets=S\]" --help
expect 2 "-smp: .*must be greater than zero" -bios x -smp 0
expect 2 "-smp: 9 CPUs: plex86 runs 1 to 8" -bios x -smp cpus=9
expect 2 "-smp: .*bad CPU count 'four'" -bios x -smp four
expect 2 "-smp: .*bad CPU count '2x'" -bios x -smp 2x
expect 2 "Invalid CPU topology: product of the hierarchy" -bios x -smp 3,sockets=2
expect 2 "-smp 2 needs local APICs" -bios "$ROMS/spin.rom" -smp 2 -cpu 486
expect 2 "No such file or directory" -bios "$TMP/missing.rom"
head -c 5000 /dev/zero >"$TMP/odd.rom"
expect 2 "not a multiple of 4 KiB" -bios "$TMP/odd.rom"
: >"$TMP/empty.rom"
expect 2 "empty" -bios "$TMP/empty.rom"
expect 2 "not a regular file" -bios "$TMP"
expect 2 "-serial file:" -bios "$ROMS/spin.rom" -serial "file:$TMP/no/such/dir/x"
expect 2 "-D" -bios "$ROMS/spin.rom" -D "$TMP/no/such/dir/log"
# QEMU's device options (issue 16).
expect 0 "isa-debugcon" -device help
expect 0 "file null stdio" -chardev help
expect 2 "backend 'socket' is not supported" -chardev socket,id=s,path=x
expect 2 "'virtio-blk-pci' is not a device plex86 has" -device virtio-blk-pci
expect 2 "chardev 'nope' not found" -device isa-debugcon,chardev=nope
expect 2 "-chardev file,path=" -bios "$ROMS/spin.rom" -chardev "file,id=d,path=$TMP/no/such/dir/x" \
    -device isa-debugcon,iobase=0x402,chardev=d
expect 2 "port 0x402" -bios "$ROMS/spin.rom" -chardev null,id=a -chardev null,id=b \
    -device isa-debugcon,iobase=0x402,chardev=a -device isa-debugcon,iobase=0x402,chardev=b
expect 2 "Invalid boot device for PC: 'e'" -bios "$ROMS/spin.rom" -boot order=ce
expect 2 "Too many boot devices for PC" -bios "$ROMS/spin.rom" -boot order=cdan
expect 2 "$TMP/none.rom" -bios "$ROMS/spin.rom" -option-rom "$TMP/none.rom"
# A debug console on a file: the guest's bytes there.
"$PLEX86" -bios "$ROMS/spin.rom" -max-insns 1000 -chardev "file,id=d,path=$TMP/d,,c.txt" \
    -device isa-debugcon,iobase=0x402,chardev=d >/dev/null 2>&1
if [ ! -f "$TMP/d,c.txt" ]; then
    echo "FAIL: -chardev file,path= with ,, did not create $TMP/d,c.txt"
    fails=$((fails + 1))
else
    echo "ok: -chardev file with a comma in its path"
fi

# Exactly one line on stderr for a usage error.
"$PLEX86" -bogus >/dev/null 2>"$TMP/err"
if [ "$(wc -l <"$TMP/err")" != 1 ]; then
    echo "FAIL: a usage error printed more than one line:"; cat "$TMP/err"
    fails=$((fails + 1))
fi

echo "$fails failed"
[ "$fails" = 0 ]
