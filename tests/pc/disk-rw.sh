#!/bin/bash
# No data lost (issue 16): the data disk of tools/fetch-pc-guests.sh (ext4
# with /known.bin and its checksum) as -hda, the guest booted with -kernel
# and the drive initramfs (tools/guest/init-pc, plex86.test=disk): the
# guest checks known.bin, writes /new.bin with random content, prints its
# hash and syncs; then the VM is ended, one way per case:
#   poweroff   the guest's `poweroff -f` (ACPI S5: status 0; a guest that
#              sees no ACPI says so, a failure since issue 19)
#   debugexit  the guest writes 0x2a to the isa-debug-exit port 0xF4:
#              exit status 85
#   ctrl-a-x   C-a x typed on the console (a pseudo-terminal): status 0
#   monitor    `quit` on the human monitor (-monitor unix:...): status 0
#   sigterm    SIGTERM to the emulator (QEMU exits 0; plex86 writes
#              everything out and then dies of the signal, 143)
#   snapshot   -snapshot, ended by the debug-exit port: the image must be
#              byte-identical afterwards
# After each (but snapshot) the host replays the journal on a copy of the
# image (e2fsck), reads /new.bin out of it (debugfs) and compares the hash.
# usage: disk-rw.sh PLEX86|qemu [FETCH_PC_GUESTS_SH] (or PC_EMULATOR=...)
# Environment: PC_DISK_CASES (default: all six, in the order above),
# BOOT_TIMEOUT, PC_KEEP (tests/pc/lib.sh).
. "$(dirname "$0")/lib.sh"
pc_init "$@"
pc_need kernel initrd_pc data_disk
for t in e2fsck debugfs; do
    command -v "$t" >/dev/null || { echo "SKIP: no $t (e2fsprogs) here"; exit 77; }
done

# check_image NAME HASH: /new.bin in $TMP/disk.img has HASH.
check_image() {
    cp "$TMP/disk.img" "$TMP/check.img"
    e2fsck -fy "$TMP/check.img" >"$TMP/$1.fsck" 2>&1
    local rc=$?
    # 0 clean, 1 errors corrected (a replayed journal is not an error).
    [ $rc -le 1 ] || { fail "$1: e2fsck found errors (status $rc)"; cat "$TMP/$1.fsck"; }
    local got
    got=$(debugfs -R "cat /new.bin" "$TMP/check.img" 2>/dev/null | sha256sum | cut -c1-64)
    if [ "$got" = "$2" ]; then
        echo "$1: /new.bin in the image has the guest's hash"
    else
        fail "$1: /new.bin in the image: $got, the guest wrote $2"
    fi
}

run_case() {
    local c=$1 quit=debugexit tty="" extra=()
    case $c in
    poweroff) quit=poweroff ;;
    ctrl-a-x) quit=none tty=--tty ;;
    monitor) quit=none extra=(-monitor "unix:$TMP/mon.sock,server,nowait") ;;
    sigterm) quit=none ;;
    snapshot) extra=(-snapshot) ;;
    esac
    if [ "$c" = monitor ] && ! command -v python3 >/dev/null; then
        echo "$c: skipped (no python3 to talk to the monitor)"
        return
    fi
    echo "== $c"
    cp "$data_disk" "$TMP/disk.img" && chmod u+w "$TMP/disk.img"
    cp "$TMP/disk.img" "$TMP/before.img"
    pc_start $tty "disk-$c" -kernel "$kernel" -initrd "$initrd_pc" \
        -append "$PC_APPEND plex86.test=disk plex86.quit=$quit" -hda "$TMP/disk.img" "${extra[@]}"
    if ! wait_for "PLEX86-DISK: synced" "$BOOT_TIMEOUT"; then
        fail "$c: the guest did not write and sync"
        pc_stop
        return
    fi
    console | grep -aqx "PLEX86-DISK: known ok" || fail "$c: known.bin read back wrong"
    local hash
    hash=$(console | sed -n 's/^PLEX86-DISK: new \([0-9a-f]\{64\}\)$/\1/p' | tail -n 1)
    [ -n "$hash" ] || { fail "$c: no hash of /new.bin"; pc_stop; return; }
    echo "$c: the guest wrote /new.bin, sha256 $hash, after $(elapsed) s"
    local want=0
    case $c in
    poweroff)
        wait_for "PLEX86-QUIT: " 60
        # The board has ACPI tables since issue 19 (as QEMU): a guest
        # that finds none is a failure, not a skip.
        if console | grep -aq "PLEX86-QUIT: no ACPI"; then
            fail "$c: the guest sees no ACPI, so it cannot power off"
            pc_stop
            return
        fi ;;
    debugexit | snapshot) want=85 ;;
    ctrl-a-x)
        wait_for "plex86 guest ready" 60
        sleep 1
        printf '\001x' >&3 ;;
    monitor)
        wait_for "plex86 guest ready" 60
        pc_monitor "$TMP/mon.sock" quit >/dev/null || fail "$c: talking to the monitor" ;;
    sigterm)
        wait_for "plex86 guest ready" 60
        kill -TERM "$pid" ;;
    esac
    wait_end 120
    if [ -z "$status" ]; then
        fail "$c: the VM did not end"
        return
    fi
    if [ "$c" = sigterm ] && [ "$status" = 143 ] && [ "$EMU" = plex86 ]; then
        want=143
    fi
    [ "$status" = "$want" ] || fail "$c: exit status $status, want $want"
    if [ "$c" = snapshot ]; then
        if cmp -s "$TMP/before.img" "$TMP/disk.img"; then
            echo "$c: the image is unchanged"
        else
            fail "$c: -snapshot changed the image"
        fi
    else
        check_image "$c" "$hash"
    fi
}

for c in ${PC_DISK_CASES:-poweroff debugexit ctrl-a-x monitor sigterm snapshot}; do
    run_case "$c"
done
pc_done
