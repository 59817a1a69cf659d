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
TMP=$(mktemp -d "${TMPDIR:-/tmp}/plex86-boot.XXXXXX")
trap 'exec 3>&- 2>/dev/null; kill "$pid" 2>/dev/null; rm -rf "$TMP"' EXIT

. "$(dirname "$0")/default-guest.sh"
default_guest "$FETCH" "$TMP"

OUT=$TMP/console
mkfifo "$TMP/in"
start=$(date +%s)
"$PLEX86" -kernel "$kernel" -initrd "$initrd" -m 256 -nographic -no-reboot \
    -append "console=ttyS0 panic=-1 cryptomgr.notests noisapnp" "$@" \
    <"$TMP/in" >"$OUT" 2>&1 &
pid=$!
exec 3>"$TMP/in"

# wait_for TEXT SECONDS: until the console shows TEXT (fixed string).
wait_for() {
    local deadline=$(($(date +%s) + $2))
    while ! grep -qaF -- "$1" "$OUT"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "FAIL: plex86 ended before the console showed '$1'"
            return 1
        fi
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "FAIL: no '$1' on the console within $2 s"
            return 1
        fi
        sleep 0.5
    done
}
finish() {
    [ -n "${BOOT_LOG:-}" ] && cp "$OUT" "$BOOT_LOG"
    echo "--- console (last 40 lines) ---"
    tail -n 40 "$OUT" | tr -d '\r'
    exit "$1"
}

wait_for "plex86 guest ready" "$BOOT_TIMEOUT" || finish 1
echo "boot: shell after $(($(date +%s) - start)) s"
# A person types one line at a time, after the prompt.
send() { printf '%s\n' "$1" >&3; }
send 'uname -a'
wait_for 'i686' 60 || wait_for 'i586' 1 || finish 1
send 'cat /proc/cpuinfo'
wait_for 'model name' 60 || finish 1
send 'echo answer=$((6 * 7))'
wait_for 'answer=42' 60 || finish 1
send 'reboot -f'
deadline=$(($(date +%s) + 120))
while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.5; done
if kill -0 "$pid" 2>/dev/null; then
    echo "FAIL: 'reboot -f' did not end the VM (-no-reboot)"
    finish 1
fi
wait "$pid"
status=$?
echo "boot: plex86 exited with status $status after $(($(date +%s) - start)) s"
[ "$status" = 0 ] || { echo "FAIL: want exit status 0 after reboot -f with -no-reboot"; finish 1; }
grep -aq 'Linux version' "$OUT" || { echo "FAIL: no kernel banner"; finish 1; }
echo "ok"
finish 0
