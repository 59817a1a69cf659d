#!/bin/bash
# Issue 19: Linux booted through the firmware (the isolinux CD of
# tools/fetch-pc-guests.sh, SeaBIOS's MP table and ACPI tables) finds the
# IOAPIC and routes the ISA interrupts through it, the PIT on pin 2 by the
# IRQ 0 override, takes its tick from the local APIC timer (LOC counts)
# and has the HPET as a clocksource.  Run under plex86 (label pc) and
# under QEMU as the reference (label qemu-ref): the same checks hold there.
# usage: apic-routing.sh PLEX86|qemu [FETCH_PC_GUESTS_SH]
. "$(dirname "$0")/lib.sh"
pc_init "$@"
pc_need iso_isolinux
echo "== $EMU: -cdrom $iso_isolinux"
pc_start apic -cdrom "$iso_isolinux"
wait_for "plex86 guest ready" "$BOOT_TIMEOUT" || { fail "no shell"; pc_stop; pc_done; }
echo "shell after $(elapsed) s"
guest 'cat /proc/interrupts; cat /sys/devices/system/clocksource/clocksource0/available_clocksource' 60
ints=$(console | sed -n '/cat \/proc\/interrupts/,$p')
echo "$ints" | grep -E "^ *[0-9]+:|LOC:|hpet"
# (Under QEMU 7.2 Linux names the timer's chip local-APIC, the pin the
# same; plex86 gives IO-APIC, as QEMU does for every other line.)
case $EMU in
plex86) chip=IO-APIC ;;
*) chip="(IO-APIC|local-APIC)" ;;
esac
echo "$ints" | grep -Eq "^ *0: +[0-9]+ +$chip +2-edge +timer" ||
    fail "the PIT is not IRQ 0 on IOAPIC pin 2"
echo "$ints" | grep -Eq "^ *4: +[0-9]+ +IO-APIC +4-edge +ttyS0" ||
    fail "COM1 is not on IOAPIC pin 4"
loc=$(echo "$ints" | sed -n 's/^ *LOC: *\([0-9]*\).*/\1/p' | head -n 1)
[ "${loc:-0}" -gt 0 ] || fail "no local APIC timer interrupts (LOC: '${loc:-}')"
echo "$ints" | grep -q "hpet" || fail "no hpet clocksource"
send 'reboot -f'
wait_end 120
[ -n "$status" ] || fail "'reboot -f' did not end the VM"
pc_done
