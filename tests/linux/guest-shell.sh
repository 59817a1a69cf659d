# Sourced by the tests and benchmarks that boot the default guest to its
# shell on the serial console and type into it (boot-shell.sh, smp.sh,
# input.sh, bench/smp-scale.sh).  Needs bash.
#
#   guest_tmp NAME            a temporary directory $TMP, removed (and the
#                             emulator killed) when the script exits
#   guest_boot EMULATOR ARGS... fetches the default guest (default-guest.sh)
#                             and starts EMULATOR ARGS with it on the serial
#                             console: the console output goes to $OUT,
#                             `send` types into it; sets $pid and $start
#   wait_for REGEX SECONDS    until the console shows REGEX (grep -E), or
#                             fails (status 1) with a message when the
#                             emulator ends first (after calling
#                             on_guest_end, when the script defines it) or
#                             the time runs out
#   send LINE                 types LINE and Enter
#   guest_reboot              types `reboot -f` and waits up to 120 s for
#                             the emulator (with -no-reboot) to end: status
#                             1 if it did not; the emulator's status in
#                             $guest_status
#   finish STATUS             keeps the console in $BOOT_LOG when set,
#                             prints its last 40 lines, exits with STATUS
#
# The guest's command line; BOOT_TIMEOUT (seconds to the prompt) is the
# caller's.
GUEST_APPEND="console=ttyS0 panic=-1 cryptomgr.notests noisapnp"

. "$(dirname "${BASH_SOURCE[0]}")/default-guest.sh"

guest_tmp() {
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/plex86-$1.XXXXXX")
    pid=""
    trap 'exec 3>&- 2>/dev/null; [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$TMP"' EXIT
}

guest_boot() {
    local emu=$1
    shift
    [ -n "${kernel:-}" ] || default_guest "$FETCH" "$TMP"
    OUT=$TMP/console
    rm -f "$TMP/in"
    mkfifo "$TMP/in"
    start=$(date +%s)
    "$emu" -kernel "$kernel" -initrd "$initrd" -m 256 -nographic -no-reboot \
        -append "$GUEST_APPEND" "$@" <"$TMP/in" >"$OUT" 2>&1 &
    pid=$!
    exec 3>"$TMP/in"
}

wait_for() {
    local deadline=$(($(date +%s) + $2))
    while ! grep -qaE -- "$1" "$OUT"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            declare -F on_guest_end >/dev/null && on_guest_end
            echo "FAIL: the emulator ended before the console showed '$1'"
            return 1
        fi
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "FAIL: no '$1' on the console within $2 s"
            return 1
        fi
        sleep 0.5
    done
}

send() { printf '%s\n' "$1" >&3; }

guest_reboot() {
    send 'reboot -f'
    local deadline=$(($(date +%s) + 120))
    while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then
        echo "FAIL: 'reboot -f' did not end the VM (-no-reboot)"
        return 1
    fi
    wait "$pid"
    guest_status=$?
    pid=""
}

finish() {
    [ -n "${BOOT_LOG:-}" ] && cp "$OUT" "$BOOT_LOG"
    echo "--- console (last 40 lines) ---"
    tail -n 40 "$OUT" | tr -d '\r'
    exit "$1"
}
