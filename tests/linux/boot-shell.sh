#!/bin/bash
# Boots the default guest (Debian's i386 kernel and a busybox initramfs,
# tools/fetch-guest.sh) to its shell on the serial console, types a script
# into it as a person would (waiting for the prompt first), and checks what
# the guest printed (issue 7 item 5).  Exit status 77 (ctest: skipped) when
# the guest's packages cannot be had.
# usage: boot-shell.sh PLEX86 FETCH_GUEST_SH [EXTRA PLEX86 ARGS...]
# Environment: BOOT_TIMEOUT (seconds to the prompt, default 600),
# BOOT_LOG (keep the console output in this file).
set -u
PLEX86=$1 FETCH=$2
shift 2
BOOT_TIMEOUT=${BOOT_TIMEOUT:-600}
. "$(dirname "$0")/guest-shell.sh"
guest_tmp boot
guest_boot "$PLEX86" "$@"

wait_for "plex86 guest ready" "$BOOT_TIMEOUT" || finish 1
echo "boot: shell after $(($(date +%s) - start)) s"
# A person types one line at a time, after the prompt.
send 'uname -a'
wait_for 'i686' 60 || wait_for 'i586' 1 || finish 1
send 'cat /proc/cpuinfo'
wait_for 'model name' 60 || finish 1
send 'echo answer=$((6 * 7))'
wait_for 'answer=42' 60 || finish 1
guest_reboot || finish 1
echo "boot: plex86 exited with status $guest_status after $(($(date +%s) - start)) s"
[ "$guest_status" = 0 ] ||
    { echo "FAIL: want exit status 0 after reboot -f with -no-reboot"; finish 1; }
grep -aq 'Linux version' "$OUT" || { echo "FAIL: no kernel banner"; finish 1; }
echo "ok"
finish 0
