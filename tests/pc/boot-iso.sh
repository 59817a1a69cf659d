#!/bin/bash
# Boots the default guest from a CD through the firmware (issue 16): the
# ISO images of tools/fetch-pc-guests.sh, one with isolinux and one made
# by grub-mkrescue, each as -cdrom, to the busybox shell on the serial
# console; then types commands into it and checks what they print: the
# kernel command line the boot loader gave, /dev/sr0, the CD mounted with
# every file's checksum right, the ACPI tables SeaBIOS installed in the
# kernel log, and `reboot -f` (isolinux: -no-reboot) or `poweroff -f` (grub:
# ACPI S5) ending the VM with status 0.
# First, the variant `direct`: the drive alone, the guest booted with
# -kernel, its init mounting the CD and checking it.
# usage: boot-iso.sh PLEX86|qemu [FETCH_PC_GUESTS_SH] (or PC_EMULATOR=...)
# Environment: PC_ISOS (the variants, default "direct isolinux grub"),
# BOOT_TIMEOUT, PC_KEEP (tests/pc/lib.sh).
. "$(dirname "$0")/lib.sh"
pc_init "$@"

# direct: the CD drive without the firmware: -kernel boots the guest,
# whose init (plex86.test=cdrom) mounts the isolinux ISO from /dev/sr0 and
# checks its files' sums.
direct() {
    pc_need kernel initrd_pc iso_isolinux
    echo "== direct: -kernel, -cdrom $iso_isolinux"
    pc_start iso-direct -kernel "$kernel" -initrd "$initrd_pc" -cdrom "$iso_isolinux" \
        -append "$PC_APPEND plex86.test=cdrom plex86.wait=sr0"
    if wait_for "plex86 guest ready" "$BOOT_TIMEOUT"; then
        echo "direct: shell after $(elapsed) s"
        console | grep -aq "^PLEX86-CDROM: ok" ||
            fail "direct: $(console | grep -a '^PLEX86-CDROM:' | tail -n 1)"
        console | grep -aqx "boot/vmlinuz: OK" || fail "direct: the CD's kernel read back wrong"
    else
        fail "direct: no shell"
    fi
    pc_stop
}

for v in ${PC_ISOS:-direct isolinux grub}; do
    [ "$v" = direct ] && { direct; continue; }
    iso_var=iso_$v
    pc_need "$iso_var"
    echo "== $v: -cdrom ${!iso_var}"
    pc_start "iso-$v" -cdrom "${!iso_var}"
    wait_for "plex86 guest ready" "$BOOT_TIMEOUT" || { fail "$v: no shell"; pc_stop; continue; }
    echo "$v: shell after $(elapsed) s"
    case $v in
    isolinux) grep -aq "ISOLINUX 6" "$OUT" || fail "$v: no isolinux banner on the serial console" ;;
    esac
    # ACPI through the firmware (issue 19): SeaBIOS installed the board's
    # tables from etc/table-loader, and Linux found and used them.
    console | grep -aq "A valid RSDP was not found" && fail "$v: Linux found no RSDP"
    console | grep -aq "ACPI: RSDP 0x" && console | grep -aqE "ACPI: PM: \(supports S0 .*S5\)" ||
        fail "$v: no ACPI tables or S5 in the kernel log"
    console | grep -aq "^PLEX86-MODULES: [0-9]* loaded$" ||
        fail "$v: modules: $(grep -a 'PLEX86-MODULES' "$OUT" | tr -d '\r' | tail -n 1)"
    grep -aq "PLEX86-BLOCK: .*sr0" "$OUT" || fail "$v: the guest has no sr0"
    guest 'echo "CMDLINE=$(cat /proc/cmdline)"' 60 || fail "$v: cat /proc/cmdline"
    line=$(console | grep -a "^CMDLINE=BOOT" | tail -n 1)
    case $line in
    *"BOOT_IMAGE=/boot/vmlinuz "*"plex86.wait=sr0"*) echo "$v: $line" ;;
    *) fail "$v: not the boot loader's command line: '$line'" ;;
    esac
    guest '[ -b /dev/sr0 ]' 60
    [ "$grc" = 0 ] || fail "$v: no block device /dev/sr0 (status '$grc')"
    guest 'mount -t iso9660 -o ro /dev/sr0 /mnt && ls /mnt && (cd /mnt && sha256sum -c plex86/sha256sums)' 300
    [ "$grc" = 0 ] || fail "$v: mounting and reading the CD (status '$grc')"
    console | grep -aqx "boot/vmlinuz: OK" && console | grep -aqx "boot/initrd.gz: OK" ||
        fail "$v: checksums of the CD's files"
    # The isolinux guest resets (the FADT's reset register, then the
    # keyboard controller), ending the VM under -no-reboot; the grub one
    # powers off through ACPI S5.
    end='reboot -f'
    [ "$v" = grub ] && end='poweroff -f'
    send "umount /mnt; $end"
    wait_end 120
    if [ -z "$status" ]; then
        fail "$v: '$end' did not end the VM"
    elif [ "$status" != 0 ]; then
        fail "$v: exit status $status after $end, want 0"
    else
        echo "$v: ok, $(elapsed) s"
    fi
done
pc_done
