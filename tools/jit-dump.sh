#!/bin/sh
# Disassembles the translations plex86 wrote with PLEX86_JIT_DUMP=FILE
# (src/jit/jit.c), one block at a time: tools/jit-dump.sh FILE [PA-HEX]
# shows every block, or only those at guest physical address PA.
set -eu
file=$1
want=${2:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
awk -v dir="$tmp" -v want="$want" '
    /^block / { n++; split($2, a, "="); keep = (want == "" || a[2] == want);
                if (keep) { print > (dir "/" n ".hdr"); out = dir "/" n ".hex" } next }
    keep { print > out }
' "$file"
for h in "$tmp"/*.hdr; do
    [ -e "$h" ] || continue
    base=${h%.hdr}
    cat "$h"
    at=$(sed -n 's/.* at=\(0x[0-9a-f]*\).*/\1/p' "$h")
    tr -d '\n' < "$base.hex" | xxd -r -p > "$base.bin"
    objdump -D -b binary -m i386:x86-64 --adjust-vma="$at" "$base.bin" | tail -n +8
done
