#!/bin/sh
# Runs a test kernel's QEMU build under qemu-system-i386 (label qemu-ref):
# the reference that shows the test itself is right.  Status 77 (ctest:
# skipped) without QEMU.
# A failed run is run once more, and the reference holds if that one
# passes: QEMU's timers follow the host's clock, and on a host under load
# (CI's first stage, load above 20) its HPET once delivered the hpet
# test's level interrupt 3,040 times where it delivers it once on a quiet
# host (qemu-ref-guest-hpet; qemu-ref-guest-ioapic once counted 11 PIT
# interrupts for 10).  plex86's own runs of the same tests are
# deterministic and get no second try.
# usage: qemu-ref.sh KERNEL-qemu.elf
command -v qemu-system-i386 >/dev/null 2>&1 || { echo "SKIP: no qemu-system-i386"; exit 77; }
run="$(dirname "$0")/run-guest.sh"
sh "$run" qemu-system-i386 "$1" 33 && exit 0
echo "qemu-ref: the run above failed; once more (QEMU's timers under host load)"
exec sh "$run" qemu-system-i386 "$1" 33
