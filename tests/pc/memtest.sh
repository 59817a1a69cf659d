#!/bin/bash
# memtest86+ 6 (Debian's memtest86+ package, 32-bit build) in four ways
# (issue 16), with 32 MiB of RAM so that a pass is short:
#   kernel        memtest86+ia32.bin as -kernel (it takes Linux's boot
#                 protocol) with -append console=ttyS0,115200: its screen
#                 is mirrored on the serial port; the first pass must end
#                 with no errors (the status row's "Pass: 1", "Errors: 0")
#   kernel-vga    (plex86 only: QEMU runs here without a VGA) the same
#                 image as -kernel with no command line and -m
#                 MEMTEST_VGA_RAM (16 MiB, the least it tests quickly):
#                 memtest draws on the VGA text screen that plex86's
#                 -kernel boot leaves in mode 03h; the monitor's
#                 `screendump FILE -f text`, taken every 10 s, must show
#                 the first pass complete with no errors ("Pass: 1",
#                 "Errors: 0" on its status row).  About 3 minutes here,
#                 most of it the bit fade test's waits on guest time.
#   cdrom-serial  tools/fetch-pc-guests.sh's memtest_iso_serial as -cdrom:
#                 isolinux boots the same image with the same command line
#                 through the firmware; memtest must get past its first test
#   cdrom         the package's memtest86+ia32.iso as -cdrom (El Torito
#                 1.44 MB floppy emulation, no command line: nothing on the
#                 serial port but the firmware's "Booting from DVD/CD")
#   floppy        the same image as -fda (memtest_floppy)
# For the last two, with nothing on the serial port: under plex86 its VGA
# text screen (the monitor's `screendump FILE -f text`, every 2 s) must
# show memtest's header and a test after Test #0; under QEMU (run here
# with -nodefaults: no VGA to read) the VM runs MEMTEST_RUN_S seconds.
# Then the VM must still be running (-no-reboot: a triple fault or a
# reset would have ended it) with the CPU in paged protected mode (CR0's
# PE and PG bits in the monitor's `info registers`), where memtest runs
# its tests and nothing before it goes.
# The serial screen is read with vt-screen.py (memtest sends only the
# cells that change, placed by cursor moves).
# usage: memtest.sh PLEX86|qemu [FETCH_PC_GUESTS_SH] (or PC_EMULATOR=...)
# Environment: PC_MEMTEST_CASES (default "kernel kernel-vga cdrom-serial
# cdrom floppy"), MEMTEST_TIMEOUT (seconds for the first pass, default
# 1500), MEMTEST_VGA_RAM (MiB for kernel-vga, default 16),
# MEMTEST_RUN_S (default 60), PC_KEEP.
PC_RAM=${PC_RAM:-32}
. "$(dirname "$0")/lib.sh"
pc_init "$@"
command -v python3 >/dev/null || { echo "SKIP: no python3 to read the screen"; exit 77; }
MEMTEST_TIMEOUT=${MEMTEST_TIMEOUT:-1500}
MEMTEST_RUN_S=${MEMTEST_RUN_S:-60}

screen() { python3 "$PC_DIR/vt-screen.py" "$OUT"; }

# wait_screen REGEX SECONDS: until a row of the screen matches (grep -E);
# status 2 at once when a row shows memory errors.
wait_screen() {
    local deadline=$(($(date +%s) + $2))
    while :; do
        screen >"$TMP/screen.txt"
        grep -qE "Errors: *[1-9]" "$TMP/screen.txt" && return 2
        grep -qE -- "$1" "$TMP/screen.txt" && return 0
        kill -0 "$pid" 2>/dev/null || { echo "FAIL: $EMU ended before the screen showed /$1/"; return 1; }
        [ "$(date +%s)" -lt "$deadline" ] || { echo "FAIL: no /$1/ on the screen within $2 s"; return 1; }
        sleep 5
    done
}
show_screen() { echo "--- the screen ---"; cat "$TMP/screen.txt"; echo "---"; }

serial_case() { # NAME REGEX SECONDS DRIVE-ARGS...
    local c=$1 re=$2 secs=$3
    shift 3
    echo "== $c"
    pc_start "memtest-$c" "$@"
    wait_screen "$re" "$secs"
    case $? in
    0) echo "$c: /$re/ after $(elapsed) s"
       grep -q "Memtest86+ v6" "$TMP/screen.txt" || fail "$c: no memtest86+ header" ;;
    2) fail "$c: memtest86+ found memory errors"; show_screen ;;
    *) fail "$c"; show_screen ;;
    esac
    pc_stop
}

silent_case() { # NAME BANNER DRIVE-ARGS...: memtest's tests run, then CR0
    local c=$1 banner=$2
    shift 2
    echo "== $c"
    pc_start "memtest-$c" -monitor "unix:$TMP/mon.sock,server,nowait" "$@"
    wait_for "$banner" 120 || { fail "$c: the firmware did not boot it"; pc_stop; return; }
    if [ "$EMU" = plex86 ]; then
        # The VGA text screen shows memtest's header and a test after
        # Test #0 (a triple fault or reset on the way ends the VM, with
        # -no-reboot): looked at every 2 s for up to MEMTEST_RUN_S + 90 s
        # (Test #0 can take long on a loaded host).  QEMU, with no VGA
        # here, runs MEMTEST_RUN_S s instead.
        local deadline=$(($(date +%s) + MEMTEST_RUN_S + 90))
        while :; do
            pc_monitor "$TMP/mon.sock" "screendump $TMP/vga-$c.txt -f text" >/dev/null
            if grep -q "Memtest86+ v6" "$TMP/vga-$c.txt" 2>/dev/null &&
                grep -qE "Test #([1-9]|1[0-9]) " "$TMP/vga-$c.txt"; then
                break
            fi
            [ "$(date +%s)" -lt "$deadline" ] && kill -0 "$pid" 2>/dev/null || break
            sleep 2
        done
    else
        sleep "$MEMTEST_RUN_S"
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
        wait_end 1
        fail "$c: the VM ended (status $status) after $(elapsed) s: a triple fault or reset?"
        return
    fi
    local regs cr0
    regs=$(pc_monitor "$TMP/mon.sock" "info registers")
    cr0=$(printf '%s\n' "$regs" | sed -n 's/.*CR0=\([0-9a-fA-F]*\).*/\1/p' | head -n 1)
    if [ -z "$cr0" ]; then
        fail "$c: no CR0 in the monitor's info registers: $regs"
    elif [ $((0x$cr0 & 0x80000001)) != $((0x80000001)) ]; then
        fail "$c: CR0=$cr0 after $(elapsed) s: not in paged protected mode"
    else
        echo "$c: running after $(elapsed) s, CR0=$cr0"
    fi
    if [ "$EMU" = plex86 ]; then
        if ! grep -q "Memtest86+ v6" "$TMP/vga-$c.txt" 2>/dev/null ||
            ! grep -qE "Test #([1-9]|1[0-9]) " "$TMP/vga-$c.txt"; then
            fail "$c: the VGA text screen shows no memtest86+ header and test"
            cat "$TMP/vga-$c.txt" 2>/dev/null
        else
            echo "$c: the VGA text screen shows memtest86+ running a test"
        fi
    fi
    pc_stop
}

# The first pass on the VGA text screen, read through the monitor's text
# dump.
vga_pass_case() {
    echo "== kernel-vga"
    pc_start memtest-kernel-vga -monitor "unix:$TMP/mon.sock,server,nowait" \
        -m "${MEMTEST_VGA_RAM:-16}" -kernel "$memtest_bin"
    local deadline=$(($(date +%s) + MEMTEST_TIMEOUT)) dump=$TMP/vga-pass.txt
    while :; do
        sleep 10
        if ! kill -0 "$pid" 2>/dev/null; then
            wait_end 1
            fail "kernel-vga: the VM ended (status $status) before the pass"
            return
        fi
        rm -f "$dump"
        pc_monitor "$TMP/mon.sock" "screendump $dump -f text" >/dev/null
        if grep -qE "Errors: *[1-9]" "$dump" 2>/dev/null; then
            fail "kernel-vga: memtest86+ found memory errors"
            cat "$dump"
            break
        fi
        if grep -qE "Pass: +1 .*Errors: 0" "$dump" 2>/dev/null; then
            if grep -q "Memtest86+ v6" "$dump" &&
                grep -qE "Memory *: *${MEMTEST_VGA_RAM:-16}MB" "$dump"; then
                echo "kernel-vga: pass 1 complete on the VGA text screen after $(elapsed) s:"
                grep -E "Time:|Pass:" "$dump"
            else
                fail "kernel-vga: the screen lacks memtest86+'s header or its RAM size"
                cat "$dump"
            fi
            break
        fi
        if [ "$(date +%s)" -ge "$deadline" ]; then
            fail "kernel-vga: no completed pass on the VGA screen within $MEMTEST_TIMEOUT s"
            cat "$dump" 2>/dev/null
            break
        fi
    done
    pc_stop
}

for c in ${PC_MEMTEST_CASES:-kernel kernel-vga cdrom-serial cdrom floppy}; do
    case $c in
    kernel)
        pc_need memtest_bin
        serial_case kernel "Pass: +1 .*Errors: 0" "$MEMTEST_TIMEOUT" \
            -kernel "$memtest_bin" -append "console=ttyS0,115200" ;;
    kernel-vga)
        if [ "$EMU" = plex86 ]; then
            pc_need memtest_bin
            vga_pass_case
        fi ;;
    cdrom-serial)
        pc_need memtest_iso_serial
        serial_case cdrom-serial "Test #([1-9]|1[0-9]) " 900 -cdrom "$memtest_iso_serial" ;;
    cdrom)
        pc_need memtest_iso
        silent_case cdrom "Booting from DVD/CD" -cdrom "$memtest_iso" ;;
    floppy)
        pc_need memtest_floppy
        # A copy: a floppy is opened for writing.
        cp "$memtest_floppy" "$TMP/floppy.img" && chmod u+w "$TMP/floppy.img"
        silent_case floppy "Booting from Floppy" -fda "$TMP/floppy.img" ;;
    esac
done
pc_done
