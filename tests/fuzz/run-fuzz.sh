#!/usr/bin/env bash
# Runs each libFuzzer harness for a bounded time (docs/fuzzing.md).
#
#   run-fuzz.sh BUILD_DIR SECONDS [NAME...]
#
# BUILD_DIR was configured with clang, -DPLEX86_FUZZ=ON -DPLEX86_SANITIZE=ON
# and built with --target fuzzers (`make fuzz` does all of it).  NAMEs
# default to every harness.  Each harness starts from its seed corpus
# (tests/fuzz/corpus/NAME/) and from what earlier runs found
# (BUILD_DIR/fuzz-corpus/NAME/, kept between runs), and runs SECONDS
# seconds on one core or until its first crash, FUZZ_JOBS (default: the
# number of cores) at a time.  A crash, timeout (an
# input that runs longer than FUZZ_TIMEOUT seconds, default 10: a hang),
# out-of-memory or leak is copied to tests/regress/NAME/, where ctest
# replays it (fuzz-replay-NAME) until it is fixed.  Logs go to
# BUILD_DIR/fuzz-logs/NAME.log.
#
# Prints one line per harness and ends with "fuzz: N passed, M failed";
# the exit status is 1 if any harness failed.
set -uo pipefail

if [[ $# -lt 2 ]]; then
    echo "usage: $0 BUILD_DIR SECONDS [NAME...]" >&2
    exit 2
fi
BUILD=$1
SECONDS_EACH=$2
shift 2
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
REGRESS=${FUZZ_REGRESS:-$ROOT/tests/regress}
TIMEOUT=${FUZZ_TIMEOUT:-10}
NAMES=("$@")
if [[ ${#NAMES[@]} == 0 ]]; then
    # Every harness the build made (tests/fuzz/CMakeLists.txt keeps the
    # one list of them).
    for f in "$BUILD"/fuzz/fuzz-*; do
        [[ -x $f && ! -d $f ]] && NAMES+=("${f##*/fuzz-}")
    done
fi
if [[ ${#NAMES[@]} == 0 ]]; then
    echo "fuzz: no harnesses in $BUILD/fuzz (build the 'fuzzers' target)"
    echo "fuzz: 0 passed, 1 failed"
    exit 1
fi

mkdir -p "$BUILD/fuzz-logs"

# fuzz_one NAME: runs one harness; its report (the lines printed for it)
# goes to fuzz-logs/NAME.report, its verdict (ok or FAILED) to
# fuzz-logs/NAME.verdict, so several can run at once and still be printed
# in order.
fuzz_one() {
    local name=$1
    local bin=$BUILD/fuzz/fuzz-$name
    local log=$BUILD/fuzz-logs/$name.log
    local work=$BUILD/fuzz-corpus/$name
    local art=$BUILD/fuzz-artifacts/$name
    local report=$BUILD/fuzz-logs/$name.report
    local verdict=$BUILD/fuzz-logs/$name.verdict
    if [[ ! -x $bin ]]; then
        echo "fuzz $name: FAILED: $bin is missing (build the 'fuzzers' target)" >"$report"
        echo FAILED >"$verdict"
        return
    fi
    mkdir -p "$work"
    rm -rf "$art"
    mkdir -p "$art"
    local start=$SECONDS
    # FUZZ_SEED (CI sets it from the commit) makes a run explore the same
    # inputs when repeated, so a find is reproducible before it lands.
    "$bin" ${FUZZ_SEED:+-seed="$FUZZ_SEED"} -max_total_time="$SECONDS_EACH" \
        -timeout="$TIMEOUT" -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$art/" \
        "$work" "$HERE/corpus/$name" </dev/null >"$log" 2>&1
    local rc=$?
    local took=$((SECONDS - start))
    local runs rate ncorpus f s
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    ncorpus=$(find "$work" -type f | wc -l)
    local saved=()
    for f in "$art"/crash-* "$art"/timeout-* "$art"/oom-* "$art"/leak-*; do
        [[ -f $f ]] || continue
        mkdir -p "$REGRESS/$name"
        cp "$f" "$REGRESS/$name/"
        saved+=("tests/regress/$name/$(basename "$f")")
    done
    if [[ $rc == 0 && ${#saved[@]} == 0 ]]; then
        echo "fuzz $name: ok: ${runs:-?} runs in ${took} s (${rate:-?}/s), corpus $ncorpus" >"$report"
        echo ok >"$verdict"
        return
    fi
    {
        echo "fuzz $name: FAILED (status $rc) after ${runs:-?} runs in ${took} s"
        grep -E "^(==[0-9]+==ERROR|SUMMARY|fuzz: property failed|ALARM)" "$log" | head -n 5 |
            sed 's/^/  | /'
        for s in "${saved[@]}"; do
            echo "  saved $s (run it again: $bin $s)"
        done
        [[ ${#saved[@]} == 0 ]] && tail -n 20 "$log" | sed 's/^/  | /'
    } >"$report"
    echo FAILED >"$verdict"
}

# FUZZ_JOBS harnesses at a time (default: one per core), each on one core:
# the same time per harness, the stage done sooner.
JOBS=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || JOBS=1
for name in "${NAMES[@]}"; do
    rm -f "$BUILD/fuzz-logs/$name.report" "$BUILD/fuzz-logs/$name.verdict"
done
for name in "${NAMES[@]}"; do
    while (($(jobs -rp | wc -l) >= JOBS)); do
        wait -n
    done
    fuzz_one "$name" &
done
wait

passed=0
failed=0
for name in "${NAMES[@]}"; do
    cat "$BUILD/fuzz-logs/$name.report" 2>/dev/null ||
        echo "fuzz $name: FAILED: no report"
    if [[ $(cat "$BUILD/fuzz-logs/$name.verdict" 2>/dev/null) == ok ]]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
done
echo "fuzz: $passed passed, $failed failed"
[[ $failed == 0 ]]
