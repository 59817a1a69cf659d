# Sourced by the display benchmarks (display-cost.sh, display-fps.sh): one
# timed run of a test kernel that ends through the debug-exit port (status
# 33), and the best of several.  Needs bash; the caller sets `runs` (how
# many runs best_of takes) and `bench_name` (its messages' prefix).
#
#   need_files FILE...       exits with status 2 when one is missing
#   free_display              a free VNC display number: port 5900+N that
#                             nobody listens on
#   run_one [client N] [xvfb] CMD...
#                             runs CMD once under /usr/bin/time (with a VNC
#                             client of ours on display N asking for
#                             updates all along when `client N` comes
#                             first; inside xvfb-run with `xvfb`); prints
#                             "WALL CPU" in seconds, CPU being the
#                             emulator's user + system time: on a machine
#                             shared with other work the wall time moves
#                             with the load, the CPU time much less
#   best_of [client N] [xvfb] CMD...
#                             the best wall and the best CPU time of `runs`
BENCH_LIB_TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")/../tests" && pwd)

need_files() {
    local f
    for f in "$@"; do
        if [ ! -e "$f" ]; then
            echo "$bench_name: $f is missing (make first)" >&2
            exit 2
        fi
    done
}

free_display() {
    python3 - <<'PY'
import socket
for n in range(70, 400):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", 5900 + n))
        print(n)
        break
    except OSError:
        pass
    finally:
        s.close()
PY
}

run_one() {
    local n="" tf pre=()
    if [ "$1" = client ]; then
        n=$2
        shift 2
    fi
    if [ "$1" = xvfb ]; then
        pre=(xvfb-run -a)
        shift
    fi
    tf=$(mktemp)
    "${pre[@]+"${pre[@]}"}" /usr/bin/time -f "%e %U %S" -o "$tf" "$@" </dev/null >/dev/null 2>&1 &
    local pid=$! cpid=""
    if [ -n "$n" ]; then
        # The server may not listen yet: the client retries for 2 s.
        python3 - "$n" "$BENCH_LIB_TESTS" <<'PY' &
import sys, time
sys.path.insert(0, sys.argv[2])
from vnc_client import VncClient
c = None
for _ in range(100):
    try:
        c = VncClient("127.0.0.1", 5900 + int(sys.argv[1]), timeout=10)
        break
    except Exception:
        time.sleep(0.02)
try:
    while c:
        c.request(True)
        c.read_update()
except Exception:
    pass
PY
        cpid=$!
    fi
    wait "$pid"
    local rc=$?
    [ -n "$cpid" ] && { kill "$cpid" 2>/dev/null; wait "$cpid" 2>/dev/null; }
    if [ "$rc" != 33 ]; then
        echo "$bench_name: '$*' exited with status $rc, not 33" >&2
        rm -f "$tf"
        return 1
    fi
    tail -n 1 "$tf" | awk '{ printf "%s %.2f\n", $1, $2 + $3 }'
    rm -f "$tf"
}

best_of() {
    local bw="" bc="" w c
    for _ in $(seq "$runs"); do
        read -r w c < <(run_one "$@") || return 1
        [ -n "$w" ] || return 1
        if [ -z "$bw" ] || [ "$(echo "$w < $bw" | bc -l)" = 1 ]; then bw=$w; fi
        if [ -z "$bc" ] || [ "$(echo "$c < $bc" | bc -l)" = 1 ]; then bc=$c; fi
    done
    echo "$bw $bc"
}
