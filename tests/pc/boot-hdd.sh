#!/bin/bash
# Boots the default guest from a hard disk through the firmware (issue
# 16): tools/fetch-pc-guests.sh's hdd_syslinux (syslinux's MBR, one active
# FAT16 partition with syslinux, the kernel and the drive initramfs) as
# -hda, to the busybox shell on the serial console; then checks in the
# guest that the disk and its partition are there and that the partition
# mounts and holds what the boot loader read; `reboot -f` ends the VM.
# The disk is a copy: the guest may write to it.
# usage: boot-hdd.sh PLEX86|qemu [FETCH_PC_GUESTS_SH] (or PC_EMULATOR=...)
. "$(dirname "$0")/lib.sh"
pc_init "$@"
pc_need hdd_syslinux

cp "$hdd_syslinux" "$TMP/hdd.img" && chmod u+w "$TMP/hdd.img"
echo "== -hda $hdd_syslinux (a copy)"
pc_start hdd -hda "$TMP/hdd.img"
if wait_for "plex86 guest ready" "$BOOT_TIMEOUT"; then
    echo "shell after $(elapsed) s"
    grep -aq "SYSLINUX 6" "$OUT" || fail "no syslinux banner on the serial console"
    console | grep -aq "^PLEX86-MODULES: [0-9]* loaded$" ||
        fail "modules: $(console | grep -a 'PLEX86-MODULES' | tail -n 1)"
    console | grep -aq "^PLEX86-BLOCK: .*sda1" || fail "the guest has no sda1"
    guest 'echo "CMDLINE=$(cat /proc/cmdline)"' 60 || fail "cat /proc/cmdline"
    line=$(console | grep -a "^CMDLINE=BOOT" | tail -n 1)
    case $line in
    *"BOOT_IMAGE=/vmlinuz "*"plex86.wait=sda"*) echo "$line" ;;
    *) fail "not syslinux's command line: '$line'" ;;
    esac
    # The boot loader's files, read back through the guest's IDE driver:
    # the kernel on the FAT partition is the one that runs.
    guest 'mount -t vfat -o ro /dev/sda1 /mnt && ls -1 /mnt && echo "KSUM=$(sha256sum /mnt/vmlinuz | cut -c1-64)"' 300
    [ "$grc" = 0 ] || fail "mounting /dev/sda1 (status '$grc')"
    want=$(sha256sum <"$kernel" | cut -c1-64)
    line=$(console | grep -a "^KSUM=[0-9a-f]" | tail -n 1)
    [ "$line" = "KSUM=$want" ] || fail "the partition's kernel: '$line', want $want"
    for f in ldlinux.sys ldlinux.c32 syslinux.cfg initrd.gz vmlinuz; do
        console | grep -aqx "$f" || fail "no $f on the partition"
    done
    send 'umount /mnt; reboot -f'
    wait_end 120
    if [ -z "$status" ]; then
        fail "'reboot -f' did not end the VM (-no-reboot)"
    elif [ "$status" != 0 ]; then
        fail "exit status $status after reboot -f, want 0"
    else
        echo "ok, $(elapsed) s"
    fi
else
    fail "no shell"
    pc_stop
fi
pc_done
