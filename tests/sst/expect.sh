#!/bin/sh
# expect.sh RC REGEX CMD [ARGS...]
# Runs CMD; passes if it exits with status RC and its output (stdout and
# stderr together) has a line matching the extended regular expression REGEX.
# Used by the sst-run ctest cases (tools/CMakeLists.txt).
set -u
want=$1
regex=$2
shift 2
out=$("$@" 2>&1)
rc=$?
printf '%s\n' "$out"
if [ "$rc" -ne "$want" ]; then
    echo "expect.sh: exit status $rc, wanted $want" >&2
    exit 1
fi
if ! printf '%s\n' "$out" | grep -Eq -- "$regex"; then
    echo "expect.sh: no line of the output matches /$regex/" >&2
    exit 1
fi
exit 0
