# Sourced by the shell tests that start plex86 in the background and wait
# for the guest to say something (test_screendump_signal.sh,
# test_sdl_offscreen.sh).  POSIX sh.
#
# wait_output FILE TEXT PID [SECONDS]: waits until FILE holds TEXT (grep),
# the process PID ends, or SECONDS (default 30) pass, whichever is first;
# status 0 when FILE holds TEXT, else 1.  A loaded machine can take a
# while to get the guest that far: the wait is bounded, never fixed.
wait_output() {
    _wo_ticks=$(( ${4:-30} * 10 ))
    while [ "$_wo_ticks" -gt 0 ] && ! grep -q -- "$2" "$1" 2>/dev/null &&
          kill -0 "$3" 2>/dev/null; do
        sleep 0.1
        _wo_ticks=$((_wo_ticks - 1))
    done
    grep -q -- "$2" "$1" 2>/dev/null
}
