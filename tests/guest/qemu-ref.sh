#!/bin/sh
# Runs a test kernel's QEMU build under qemu-system-i386 (label qemu-ref):
# the reference that shows the test itself is right.  Status 77 (ctest:
# skipped) without QEMU.
# usage: qemu-ref.sh KERNEL-qemu.elf
command -v qemu-system-i386 >/dev/null 2>&1 || { echo "SKIP: no qemu-system-i386"; exit 77; }
exec sh "$(dirname "$0")/run-guest.sh" qemu-system-i386 "$1" 33
