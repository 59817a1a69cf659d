#!/bin/bash
# Linux's VGA text console on a -kernel boot (issue 17): plex86 leaves the
# VGA in mode 03h and fills boot_params.screen_info as a BIOS and its
# loader would (src/pc/linux_boot.c), so vgacon, not the dummy console,
# takes the screen.  The default guest boots with its messages on both
# tty0 and ttyS0; the kernel must say "Console: colour VGA+ 80x25" on the
# serial log, and the text dump of the screen at the end
# (-screendump-at-exit FILE.txt) must hold kernel messages: at least 15 of
# its rows, each a piece of a line of the serial log (a long line wraps on
# the 80 columns), none of them made up.  Exit status 77 when the guest
# cannot be had.
# usage: vgacon.sh PLEX86 FETCH_GUEST_SH
set -u
PLEX86=$1 FETCH=$2
BOOT_TIMEOUT=${BOOT_TIMEOUT:-600}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/plex86-vgacon.XXXXXX")
trap 'exec 3>&- 2>/dev/null; kill "$pid" 2>/dev/null; rm -rf "$TMP"' EXIT

. "$(dirname "$0")/default-guest.sh"
default_guest "$FETCH" "$TMP"

OUT=$TMP/console
SCREEN=$TMP/screen.txt
mkfifo "$TMP/in"
"$PLEX86" -kernel "$kernel" -initrd "$initrd" -m 256 -display none -serial stdio \
    -no-reboot -screendump-at-exit "$SCREEN" \
    -append "console=tty0 console=ttyS0 panic=-1 cryptomgr.notests noisapnp" \
    <"$TMP/in" >"$OUT" 2>&1 &
pid=$!
exec 3>"$TMP/in"

finish() {
    echo "--- console (last 30 lines) ---"
    tail -n 30 "$OUT" | tr -d '\r'
    echo "--- screen ---"
    cat "$SCREEN" 2>/dev/null
    exit "$1"
}

deadline=$(($(date +%s) + BOOT_TIMEOUT))
while ! grep -qaF "plex86 guest ready" "$OUT"; do
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "FAIL: plex86 ended before the guest was ready"
        finish 1
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
        echo "FAIL: the guest was not ready within $BOOT_TIMEOUT s"
        finish 1
    fi
    sleep 0.5
done
# The VM ends (-no-reboot): the screen is dumped then.
printf 'reboot -f\n' >&3
deadline=$(($(date +%s) + 120))
while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.5; done
if kill -0 "$pid" 2>/dev/null; then
    echo "FAIL: plex86 did not end after reboot -f"
    finish 1
fi

grep -qaF "Console: colour VGA+ 80x25" "$OUT" ||
    { echo "FAIL: the kernel did not take the VGA text console (no 'Console: colour VGA+ 80x25')"; finish 1; }
[ -s "$SCREEN" ] || { echo "FAIL: no text dump of the screen"; finish 1; }
python3 - "$OUT" "$SCREEN" <<'PY' || finish 1
import sys
log = open(sys.argv[1], "rb").read().decode(errors="replace").replace("\r", "")
rows = [r.rstrip() for r in open(sys.argv[2], encoding="utf-8").read().split("\n")]
if len(rows) < 25:
    sys.exit("FAIL: the text dump has %d rows, not 25" % len(rows))
shown = [r for r in rows if r.strip()]
foreign = [r for r in shown if r not in log]
stamped = [r for r in shown if r.startswith("[") and r in log]
if foreign:
    sys.exit("FAIL: rows on the screen that are not in the kernel's log: %r" % foreign[:5])
if len(stamped) < 15:
    sys.exit("FAIL: only %d kernel messages on the screen" % len(stamped))
print("ok: %d rows of kernel messages on the VGA text screen, the last %r"
      % (len(stamped), stamped[-1]))
PY
finish 0
