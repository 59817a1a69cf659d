#!/bin/sh
# test_include_graph.sh SRC_DIR: the layering of DESIGN.md section 8 in the
# include graph.  Fails (status 1) when
#   - a file in cpu/ includes one from jit/ or engine/ (the CPU is state,
#     handlers, exceptions and the MMU; the engines are above it), or
#   - the folders of SRC_DIR include each other in a circle (an edge A -> B
#     for every `#include "B/..."` in a file of A; tsort finds the loops).
# Before looking at SRC_DIR it checks itself on two small trees that break
# each rule, so that a broken check cannot pass.
set -u

# check DIR: prints what is wrong, status 1 if anything is.
check() {
    dir=$1
    bad=0
    up=$(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"\(jit\|engine\)/' \
             "$dir"/cpu/*.[ch] 2>/dev/null)
    if [ -n "$up" ]; then
        echo "cpu/ includes the engine or the translator:"
        echo "$up"
        bad=1
    fi
    edges=$(for f in "$dir"/*/*.[ch] "$dir"/*/*.def; do
                [ -f "$f" ] || continue
                from=$(basename "$(dirname "$f")")
                sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([a-z0-9_]*\)\/.*/\1/p' "$f" |
                    while read -r to; do
                        [ "$to" != "$from" ] && [ -d "$dir/$to" ] && echo "$from $to"
                    done
            done | sort -u)
    loops=$(printf '%s\n' "$edges" | tsort 2>&1 >/dev/null)
    if [ -n "$loops" ]; then
        echo "folders include each other in a circle:"
        echo "$loops"
        echo "folder edges (A includes B):"
        printf '%s\n' "$edges"
        bad=1
    fi
    return $bad
}

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/a/cpu" "$tmp/a/engine" "$tmp/b/cpu" "$tmp/b/vm"
echo '#include "engine/engine.h"' > "$tmp/a/cpu/x.c"
echo '#include "vm/vm.h"' > "$tmp/b/cpu/x.c"
echo '#include "cpu/cpu.h"' > "$tmp/b/vm/y.h"
if check "$tmp/a" >/dev/null || check "$tmp/b" >/dev/null; then
    echo "self-test: the check passes trees that break the rules"
    exit 1
fi

check "${1:?usage: test_include_graph.sh SRC_DIR}"
