#!/bin/sh
# The SDL frontend without a screen (issue 17): SDL's offscreen video
# driver, asked for by name, gives plex86 a window nobody sees, so
# -display sdl opens it, renders into it at 60 Hz and polls its events
# while a guest runs: the mb_boot guest must end as it does with
# -nographic (status 33), and the kbd_echo guest, which waits for keys,
# must start and still be running after two more seconds of refreshes.  Skips (77) when
# plex86 was built without SDL or SDL has no offscreen driver.
# usage: test_sdl_offscreen.sh PLEX86 GUEST_DIR GUEST_SRC_DIR
set -u
PLEX86=$1 GUESTS=$2 SRC=$3
. "$(dirname "$0")/wait_output.sh"
out=$(mktemp "${TMPDIR:-/tmp}/plex86-sdl.XXXXXX")
trap 'rm -f "$out"' EXIT
SDL_VIDEODRIVER=offscreen "$PLEX86" -display sdl -kernel "$GUESTS/mb_boot.elf" \
    -append "arg1 arg2" -initrd "$SRC/module.txt" -no-reboot -serial "file:$out" \
    </dev/null 2>"$out.err"
rc=$?
if grep -q "built without SDL\|offscreen" "$out.err"; then
    echo "test_sdl_offscreen: skipped: $(cat "$out.err")"
    rm -f "$out.err"
    exit 77
fi
if [ "$rc" != 33 ]; then
    echo "FAIL: mb_boot with -display sdl exited with $rc, want 33"
    cat "$out.err" "$out"
    rm -f "$out.err"
    exit 1
fi
SDL_VIDEODRIVER=offscreen "$PLEX86" -display sdl -kernel "$GUESTS/kbd_echo.elf" \
    -no-reboot -serial "file:$out" </dev/null 2>"$out.err" &
pid=$!
# Under load the guest may take a while to print "ready": wait for it (up
# to 30 s), then let the window refresh for two seconds more.
wait_output "$out" ready "$pid"
sleep 2
if ! kill -0 "$pid" 2>/dev/null; then
    wait "$pid"
    echo "FAIL: kbd_echo with -display sdl ended early (status $?)"
    cat "$out.err" "$out"
    rm -f "$out.err"
    exit 1
fi
kill "$pid"
wait "$pid" 2>/dev/null
rm -f "$out.err"
grep -q ready "$out" || { echo "FAIL: kbd_echo did not start"; cat "$out"; exit 1; }
echo "test_sdl_offscreen: ok"
