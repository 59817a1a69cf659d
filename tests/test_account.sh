#!/bin/sh
# The accounting from the command line (docs/accounting.md): --stats JSON
# (checked with python3 -m json.tool), --metrics Prometheus text (checked
# with test_account_promcheck.py, and `promtool check metrics` when it is
# installed), -name, SIGTERM/SIGINT, crashes, and the build without
# accounting.
# usage: test_account.sh PLEX86 GUEST_DIR DEMO_ROM PAGING_ELF DOCS_MD ACCOUNTING(1|0)
set -u
PLEX86=$1
ROMS=$2
DEMO=$3
PAGING=$4
DOCS=$5
ACCOUNTING=$6
HERE=$(dirname "$0")
TMP=$(mktemp -d "${TMPDIR:-/tmp}/plex86-acct.XXXXXX")
pid=
# Killed or not, leave no files and no spinning guest behind.
trap '[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null && wait "$pid"; rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM HUP
fails=0
# The spinning guest's limit, should the test die before it kills it
# (about a minute at today's speed).
SPIN_MAX=--max-insns=3000000000

fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}

# run WANT ARGS...: runs plex86 ARGS (output in $TMP/out), checks the status.
run() {
    want=$1
    shift
    "$PLEX86" "$@" >"$TMP/out" 2>&1 </dev/null
    got=$?
    if [ "$got" != "$want" ]; then
        fail "plex86 $*: exit status $got, want $want"
        sed 's/^/  | /' "$TMP/out"
        return 1
    fi
    echo "ok: plex86 $* -> $got"
}

# check_json FILE EXPR...: FILE is JSON (python3 -m json.tool says so) and
# every Python expression EXPR over it is true (d: the whole object, c: its
# counters, v(name): a counter's value).  One python3 per file: it starts
# slowly on a loaded machine.
check_json() {
    f=$1
    shift
    if ! python3 -m json.tool "$f" >/dev/null; then
        fail "$f is not valid JSON"
        return
    fi
    python3 - "$f" "$@" <<'EOF' || fails=$((fails + 1))
import json, sys
d = json.load(open(sys.argv[1]))
c = d["counters"]
def v(name):
    return c[name]["value"]
bad = [e for e in sys.argv[2:] if eval(e) is not True]
for e in bad:
    print("FAIL: %s: want %s" % (sys.argv[1], e))
sys.exit(1 if bad else 0)
EOF
}

# check_prom FILE [LABEL=VALUE]: a strict parse, and promtool's if present.
check_prom() {
    if ! python3 "$HERE/test_account_promcheck.py" "$@"; then
        fail "$1 is not good Prometheus text"
    fi
    if command -v promtool >/dev/null 2>&1 && ! promtool check metrics <"$1"; then
        fail "promtool check metrics refuses $1"
    fi
}

# wait_for COMMAND...: polls for up to 30 s until COMMAND succeeds.
wait_for() {
    i=0
    while ! "$@" 2>/dev/null; do
        i=$((i + 1))
        [ $i -ge 300 ] && return 1
        sleep 0.1
    done
}

if [ "$ACCOUNTING" = 0 ]; then
    # Compiled out: the options are refused, clearly; -name is accepted.
    run 2 -bios "$DEMO" --stats "$TMP/s.json" &&
        { grep -q "built without accounting" "$TMP/out" || fail "no clear message"; }
    run 2 -bios "$DEMO" --metrics "$TMP/m.prom"
    run 2 --stats help
    run 0 -bios "$DEMO" -name demo
    [ -e "$TMP/s.json" ] && fail "a stats file appeared"
    echo "$fails failed"
    [ "$fails" = 0 ]
    exit
fi

# A guest that does exactly 2001 port writes (port_writes.S: 1000 to 0xE9,
# 1000 to 0x80, the exit to 0xF4) shows 2001, and nothing else.
run 67 -bios "$ROMS/port_writes.rom" --stats "$TMP/pw.json" -name pw
check_json "$TMP/pw.json" 'v("exits_io_write") == 2001 and v("exits_io_read") == 0' \
    'd["name"] == "pw" and d["end"] == {"reason": "guest-exit", "status": 67, "signal": None}' \
    'v("vm_running") == 0 and v("exits_hlt") == 0 and v("guest_instructions") > 10000'
ls "$TMP" | grep -q '^pw\.json\.' && fail "a temporary file was left: $(ls "$TMP")"

# Issue 21, item 1: a symbolic link planted where a temporary file could be
# is never followed (its target keeps its bytes), and two VMs writing the
# same files at once each get their own temporary: both end well.
echo "precious" >"$TMP/victim"
ln -s "$TMP/victim" "$TMP/race.json.tmp"
ln -s "$TMP/victim" "$TMP/race.prom.tmp"
"$PLEX86" -bios "$ROMS/port_writes.rom" --stats "$TMP/race.json" --metrics "$TMP/race.prom" \
    --metrics-interval 0.1 -name a >"$TMP/out.a" 2>&1 </dev/null &
pa=$!
"$PLEX86" -bios "$ROMS/port_writes.rom" --stats "$TMP/race.json" --metrics "$TMP/race.prom" \
    --metrics-interval 0.1 -name b >"$TMP/out.b" 2>&1 </dev/null
sb=$?
wait $pa
sa=$?
[ "$sa" = 67 ] && [ "$sb" = 67 ] || fail "two VMs on the same paths: statuses $sa and $sb, want 67 and 67: $(cat "$TMP/out.a" "$TMP/out.b")"
[ "$(cat "$TMP/victim")" = precious ] || fail "the target of a planted link was changed"
check_json "$TMP/race.json" 'd["name"] in ("a", "b") and v("exits_io_write") == 2001'
rm -f "$TMP/race.json.tmp" "$TMP/race.prom.tmp"
ls "$TMP" | grep -q '^race\.' && ls "$TMP" | grep '^race\.' | grep -qv '^race\.\(json\|prom\)$' &&
    fail "temporary files left: $(ls "$TMP")"

# A halted guest: one HLT exit, little CPU time, halted time reported (0
# until a timer can wake it), its serial bytes counted.
run 0 -bios "$DEMO" --stats "$TMP/demo.json"
check_json "$TMP/demo.json" 'v("exits_hlt") == 1 and d["end"]["reason"] == "halted"' \
    'v("host_cpu_user_seconds") + v("host_cpu_system_seconds") < 2' \
    'v("guest_halted_seconds") == 0 and v("guest_wall_seconds") > 0' \
    "v('serial_tx_bytes') == $(grep -av '^plex86: the guest halted' "$TMP/out" | wc -c)" \
    'd["name"].startswith("plex86-") and v("guest_ram_bytes") == 128 << 20' \
    'all(c[k]["type"] in ("counter", "gauge") and c[k]["help"] for k in c)'

# Page faults, and the vectors add up.
run 33 -kernel "$PAGING" -serial null --stats "$TMP/pf.json"
check_json "$TMP/pf.json" 'v("page_faults") > 0 and v("page_faults") == c["exceptions"]["values"]["14"]'

# A crash: a triple fault with -no-reboot ends the VM and writes the file;
# without it the guest reboots (counted) until -max-insns.
run 0 -bios "$ROMS/triple.rom" -no-reboot --stats "$TMP/tf.json"
check_json "$TMP/tf.json" 'd["end"]["reason"].startswith("shutdown") and c["exceptions"]["values"]["8"] == 1'
run 0 -bios "$ROMS/triple.rom" -max-insns 1000 --metrics "$TMP/tf.prom" -name tf
grep -q '^plex86_guest_resets_total{vm="tf"} [1-9]' "$TMP/tf.prom" || fail "no resets counted"
check_prom "$TMP/tf.prom" vm=tf

# SIGTERM: the metrics file is there while the VM runs and good; the VM
# ends with both files written and the process dies by the signal.
"$PLEX86" -bios "$ROMS/spin.rom" --stats "$TMP/kill.json" --metrics "$TMP/kill.prom" \
    --metrics-interval 0.2 -name 'spin "1"' $SPIN_MAX >"$TMP/out" 2>&1 </dev/null &
pid=$!
# A rewrite while the VM runs (the first file, written before the guest
# starts and after the signal handlers are in place, shows 0 instructions).
if wait_for grep -q '^plex86_guest_instructions_total{vm="spin \\"1\\""} [1-9]' "$TMP/kill.prom"; then
    check_prom "$TMP/kill.prom" 'vm=spin "1"'
    grep -q '^plex86_vm_running{vm="spin \\"1\\""} 1$' "$TMP/kill.prom" ||
        fail "vm_running is not 1 while the VM runs"
else
    fail "--metrics file not rewritten in 30 s"
fi
kill -TERM $pid
wait $pid
st=$?
pid=
[ "$st" = 143 ] || fail "SIGTERM: status $st, want 143 (killed by SIGTERM)"
check_json "$TMP/kill.json" 'd["end"] == {"reason": "signal", "status": None, "signal": "SIGTERM"}' \
    'v("guest_instructions") > 0 and v("host_cpu_user_seconds") > 0'
check_prom "$TMP/kill.prom" 'vm=spin "1"'
grep -q '^plex86_vm_running{vm="spin \\"1\\""} 0$' "$TMP/kill.prom" ||
    fail "vm_running is not 0 after the end"
ls "$TMP" | grep -q '^kill\.\(json\|prom\)\.' && fail "temporary files left: $(ls "$TMP")"

# SIGINT (Ctrl-C) the same way.  Started from Python: sh starts
# background commands with SIGINT ignored, and plex86 leaves it so.
st=$(python3 - "$PLEX86" "$ROMS/spin.rom" "$TMP/int.json" "$TMP/int.prom" $SPIN_MAX <<'EOF'
import os, signal, subprocess, sys, time
p = subprocess.Popen([sys.argv[1], "-bios", sys.argv[2], "--stats", sys.argv[3],
                      "--metrics", sys.argv[4], sys.argv[5]],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
for _ in range(300):   # the first metrics file: the handlers are in place
    if os.path.exists(sys.argv[4]):
        break
    time.sleep(0.1)
p.send_signal(signal.SIGINT)
print(p.wait(timeout=60))
EOF
)
[ "$st" = -2 ] || fail "SIGINT: $st, want -2 (killed by SIGINT)"
check_json "$TMP/int.json" 'd["end"]["signal"] == "SIGINT"'

# Issue 21, item 2: a hang-up (the terminal went away) and SIGQUIT end
# the VM like SIGTERM: both files complete, the metrics say it stopped,
# no temporary left, and the process then dies by the signal.  Started
# from Python: sh starts background commands with SIGQUIT ignored.
for s in HUP QUIT; do
    st=$(python3 - "$PLEX86" "$ROMS/spin.rom" "$TMP/$s.json" "$TMP/$s.prom" "$s" $SPIN_MAX <<'EOF'
import os, resource, signal, subprocess, sys, time
name = sys.argv[5]
p = subprocess.Popen([sys.argv[1], "-bios", sys.argv[2], "--stats", sys.argv[3],
                      "--metrics", sys.argv[4], "--metrics-interval", "0.2", "-name", name]
                     + sys.argv[6:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_CORE, (0, 0)))
want = 'plex86_guest_instructions_total{vm="%s"} ' % name
for _ in range(300):   # a rewrite while the guest runs
    try:
        if any(l.startswith(want) and not l.startswith(want + "0")
               for l in open(sys.argv[4])):
            break
    except OSError:
        pass
    time.sleep(0.1)
p.send_signal(getattr(signal, "SIG" + name))
print(p.wait(timeout=60))
EOF
)
    n=1; [ $s = QUIT ] && n=3
    [ "$st" = "-$n" ] || fail "SIG$s: $st, want -$n (killed by SIG$s)"
    check_json "$TMP/$s.json" "d['end']['signal'] == 'SIG$s' and v('guest_instructions') > 0"
    grep -q "^plex86_vm_running{vm=\"$s\"} 0$" "$TMP/$s.prom" ||
        fail "SIG$s: vm_running is not 0 after the end"
done
ls "$TMP" | grep -q '^\(HUP\|QUIT\)\.\(json\|prom\)\.' && fail "temporary files left: $(ls "$TMP")"

# Issue 21, item 6: output to a file that cannot take it is reported
# once, with the option and the path; the VM runs to its end and the
# accounting counts what was lost (port_writes.rom sends 1000 bytes to
# the 0xE9 console, the demo ROM a banner to COM1).
run 67 -bios "$ROMS/port_writes.rom" -debugcon file:/dev/full --stats "$TMP/full.json"
[ "$(grep -c 'debugcon file:/dev/full: No space left on device' "$TMP/out")" = 1 ] ||
    fail "-debugcon file:/dev/full: not reported exactly once: $(cat "$TMP/out")"
check_json "$TMP/full.json" 'v("output_dropped_bytes") == 1000'
run 0 -bios "$DEMO" -serial file:/dev/full -D /dev/full -d exit --stats "$TMP/full2.json"
grep -q 'serial file:/dev/full: No space left on device' "$TMP/out" ||
    fail "-serial file:/dev/full: not reported: $(cat "$TMP/out")"
grep -q -- '-D /dev/full: No space left on device' "$TMP/out" ||
    fail "-D /dev/full: not reported: $(cat "$TMP/out")"
check_json "$TMP/full2.json" 'v("output_dropped_bytes") > 0'

# Usage errors: status 2, one line, before the guest runs.
run 2 -bios "$DEMO" --stats "$TMP/no/such/dir/s.json" &&
    { grep -q -- "--stats" "$TMP/out" || fail "message does not name --stats"; }
run 2 -bios "$DEMO" --metrics "$TMP/no/such/dir/m.prom"
run 2 -bios "$DEMO" --metrics "$TMP/m.prom" --metrics-interval 0
run 2 -bios "$DEMO" -name ""
run 2 -bios "$DEMO" --stats "$TMP/same" --metrics "$TMP/same"
run 2 -bios "$DEMO" --stats "$TMP/same" --metrics "$TMP/./same" &&
    { grep -q "are the same file" "$TMP/out" || fail "--stats/--metrics alias: no clear message"; }
run 2 -bios "$DEMO" --stats "$TMP"
ln -s "$TMP/pw.json" "$TMP/link.json"
run 2 -bios "$DEMO" --stats "$TMP/link.json"

# The list, and the documentation names every counter in it.
run 0 --stats help
for name in $(sed -n 's/^  \([a-z_]*\).*/\1/p' "$TMP/out"); do
    grep -q "\`$name" "$DOCS" || fail "docs/accounting.md does not describe $name"
done

echo "$fails failed"
[ "$fails" = 0 ]
