#!/bin/bash
# Snapshot benchmark (issue 15, item 6): the default guest (Debian's kernel
# and busybox initramfs, tools/fetch-guest.sh) at -m 256, booted for STEPS
# steps (default 2.5e9: past the kernel's boot, at the shell), saved and
# loaded; prints the save time, the load time and the file's size.  The
# guest's console goes to stderr.
# usage: bench/snapshot.sh BUILD_DIR [STEPS]
set -eu
BUILD=${1:-build} STEPS=${2:-2500000000}
HERE=$(cd "$(dirname "$0")" && pwd)
paths=$(bash "$HERE/../tools/fetch-guest.sh")
kernel=$(printf '%s\n' "$paths" | sed -n 's/^kernel=//p' | tail -n 1)
initrd=$(printf '%s\n' "$paths" | sed -n 's/^initrd=//p' | tail -n 1)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/plex86-snapbench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
"$BUILD/bench/snapshot-bench" "$kernel" "$initrd" 256 "$STEPS" "$TMP/guest.snap" 2>/dev/null
