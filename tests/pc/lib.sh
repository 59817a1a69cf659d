# shellcheck shell=bash
# Sourced by the drive tests (tests/pc/*.sh): which emulator, the images
# of tools/fetch-pc-guests.sh, starting a VM with its serial console on a
# FIFO (or a pseudo-terminal), waiting for text there, typing into it.
#
#   . "$(dirname "$0")/lib.sh"
#   pc_init "$@"          # EMULATOR [FETCH_PC_GUESTS_SH]
#
# EMULATOR (the first argument, else $PC_EMULATOR): the path of a plex86
# binary, or `qemu` for qemu-system-i386 ($QEMU) with QEMU's equivalent
# options.  Both get the same drive options (-cdrom, -hda, -snapshot,
# -kernel ...), spelled as QEMU spells them; only the board differs:
#   plex86: plex86 -m 256 -nographic -no-reboot
#           (its isa-debug-exit port 0xF4 is always there)
#   qemu:   qemu-system-i386 -M pc -nodefaults -m 256 -nographic
#           -serial mon:stdio -no-reboot
#           -device isa-debug-exit,iobase=0xf4,iosize=0x04
# Exit status 77 (ctest: skipped) when the emulator or the images are not
# here.  Environment: BOOT_TIMEOUT (seconds to the shell, default 900),
# PC_KEEP (keep the temporary directory and the consoles), PC_RAM (MiB,
# default 256).

set -u
PC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BOOT_TIMEOUT=${BOOT_TIMEOUT:-900}
PC_RAM=${PC_RAM:-256}   # MiB
# The kernel command line the -kernel boots use (the ISOs and the disk
# carry the same in their boot loader's configuration).
PC_APPEND="console=ttyS0,115200 panic=-1 cryptomgr.notests noisapnp"
pid=""
fails=0

pc_cleanup() {
    exec 3>&- 2>/dev/null
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    if [ -n "${PC_KEEP:-}" ]; then
        echo "kept $TMP"
    else
        rm -rf "$TMP"
    fi
}

# pc_emulator EMULATOR: sets EMU (plex86|qemu) and EMU_CMD (the command
# and its board options); status 1, with the reason in $PC_WHY, when that
# emulator is not here.
pc_emulator() {
    case $1 in
    qemu)
        local q=${QEMU:-qemu-system-i386}
        command -v "$q" >/dev/null || { PC_WHY="no $q here"; return 1; }
        EMU=qemu
        EMU_CMD=("$q" -M pc -nodefaults -m "$PC_RAM" -nographic -serial mon:stdio -no-reboot
            -device isa-debug-exit,iobase=0xf4,iosize=0x04) ;;
    *)
        [ -x "$1" ] || { PC_WHY="no plex86 at '$1'"; return 1; }
        EMU=plex86
        EMU_CMD=("$1" -m "$PC_RAM" -nographic -no-reboot) ;;
    esac
}

# pc_images FETCH: runs fetch-pc-guests.sh and sets a variable for each
# image it made (iso_isolinux, data_disk, ... as it names them); its
# messages are in $TMP/fetch.err.  Status 1 when it failed outright.
pc_images() {
    local out rc line
    out=$(bash "$1" 2>"$TMP/fetch.err")
    rc=$?
    if [ $rc != 0 ] && [ $rc != 77 ]; then
        echo "FAIL: fetch-pc-guests.sh exited with status $rc:"
        cat "$TMP/fetch.err"
        return 1
    fi
    while IFS= read -r line; do
        case $line in
        [a-z]*=*) printf -v "${line%%=*}" '%s' "${line#*=}" ;;
        esac
    done <<<"$out"
}

# pc_init EMULATOR [FETCH]: TMP, the emulator and the images for a test;
# exit status 77 when the emulator is not here, 1 when fetching failed.
pc_init() {
    local emu=${1:-${PC_EMULATOR:-}}
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/plex86-pc.XXXXXX")
    trap pc_cleanup EXIT
    trap "exit 143" TERM INT HUP
    [ -n "$emu" ] || { echo "usage: $0 PLEX86|qemu (or PC_EMULATOR=...)"; exit 2; }
    pc_emulator "$emu" || { echo "SKIP: $PC_WHY"; exit 77; }
    pc_images "${2:-$PC_DIR/../../tools/fetch-pc-guests.sh}" || exit 1
}

# pc_need NAME...: skip (77) unless fetch-pc-guests.sh made these images.
pc_need() {
    local n
    for n in "$@"; do
        if [ -z "${!n:-}" ] || [ ! -r "${!n}" ]; then
            echo "SKIP: no $n image: $(grep -E 'cannot|error' "$TMP/fetch.err" | tail -n 1)"
            exit 77
        fi
    done
}

# pc_start [--tty] NAME ARGS...: starts the emulator with ARGS after the
# board's options; its console (stdout and stderr) goes to $TMP/NAME.log
# ($OUT), its input comes from what `send` writes.  With --tty the console
# is a pseudo-terminal (script(1)), as a person's would be: plex86 takes
# C-a escapes only from a terminal (from a pipe every byte is the guest's).
pc_start() {
    local tty=0
    [ "$1" = --tty ] && { tty=1; shift; }
    OUT=$TMP/$1.log
    shift
    rm -f "$TMP/in" "$OUT"
    mkfifo "$TMP/in"
    echo "run: ${EMU_CMD[*]} $*" >"$TMP/cmd"
    if [ $tty = 1 ]; then
        local cmd
        cmd=$(printf '%q ' "${EMU_CMD[@]}" "$@")
        script -q -e -f -c "$cmd" /dev/null <"$TMP/in" >"$OUT" 2>&1 &
    else
        "${EMU_CMD[@]}" "$@" <"$TMP/in" >"$OUT" 2>&1 &
    fi
    pid=$!
    exec 3>"$TMP/in"
    START=$(date +%s.%N)
}

# elapsed: seconds since pc_start, with a tenth.
elapsed() {
    awk -v s="$START" -v n="$(date +%s.%N)" 'BEGIN { printf "%.1f", n - s }'
}

# wait_for TEXT SECONDS: until the console shows TEXT (a fixed string).
wait_for() {
    local deadline=$(($(date +%s) + $2))
    while ! grep -qaF -- "$1" "$OUT"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            # It may have written the line and ended between the grep
            # above and this check (a guest that powers off at once, on a
            # busy host): look once more.
            grep -qaF -- "$1" "$OUT" && return 0
            echo "FAIL: $EMU ended before the console showed '$1'"
            return 1
        fi
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "FAIL: no '$1' on the console within $2 s"
            return 1
        fi
        sleep 0.2
    done
}

# console: the console so far, without the CRs of its line ends.
console() { tr -d '\r' <"$OUT"; }

# send LINE: typed into the console, with a newline.
send() { printf '%s\n' "$1" >&3; }

# guest CMD SECONDS: runs CMD in the guest's shell and waits for it to
# end; $grc is its exit status (empty, and status 1, when no answer came).
# The end marker is split by quotes in the typed line, so that the echo
# of that line never matches it (nor does the terminal's wrapping of it).
gcount=0
guest() {
    gcount=$((gcount + 1))
    send "$1; echo \"PLEX86-RC\"\"-$gcount=\$?\""
    grc=""
    wait_for "PLEX86-RC-$gcount=" "$2" || return 1
    grc=$(console | sed -n "s/^.*PLEX86-RC-$gcount=\([0-9]*\).*/\1/p" | tail -n 1)
}

# pc_monitor SOCKET COMMAND: one human-monitor command on the unix socket
# (-monitor unix:SOCKET,server,nowait), after its "(qemu) " prompt; prints
# the reply (until the next prompt, or the end for `quit`).  Needs python3.
pc_monitor() {
    python3 - "$1" "$2" <<'EOF'
import socket, sys, time
path, cmd = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX)
deadline = time.time() + 30
while True:
    try:
        s.connect(path)
        break
    except OSError:
        if time.time() > deadline:
            raise
        time.sleep(0.2)
s.settimeout(60)
def until_prompt():
    buf = b""
    while not buf.endswith(b"(qemu) "):
        data = s.recv(4096)
        if not data:
            return buf, False
        buf += data
    return buf, True
_, ok = until_prompt()
if not ok:
    sys.exit("the monitor closed before its prompt")
s.sendall(cmd.encode() + b"\n")
try:
    reply, _ = until_prompt()
except OSError:
    reply = b""
sys.stdout.write(reply.decode(errors="replace").replace("\r", ""))
EOF
}

# wait_end SECONDS: until the emulator exits; its exit status in $status
# (empty when it did not end in time: then it is killed).
wait_end() {
    local deadline=$(($(date +%s) + $1))
    while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.2; done
    status=""
    if kill -0 "$pid" 2>/dev/null; then
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    else
        wait "$pid"
        status=$?
    fi
    exec 3>&-
    pid=""
}

# fail WHAT: counts a failure and shows the end of the console.
fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
    [ -n "${OUT:-}" ] && [ -f "$OUT" ] && {
        echo "--- $(cat "$TMP/cmd" 2>/dev/null)"
        echo "--- console (last 30 lines of $OUT) ---"
        tail -n 30 "$OUT" | tr -d '\r'
        echo "---"
    }
    return 0
}

# pc_stop: ends a VM that is still running (SIGTERM, then SIGKILL).
pc_stop() {
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null
    wait_end 20
}

# pc_done: the summary line and the exit status.
pc_done() {
    echo "$EMU: $fails failed"
    [ "$fails" = 0 ]
    exit $?
}
