#!/bin/sh
# Makes sure clang with libFuzzer (and, optionally, Capstone) is here for
# `make fuzz` and .ci/run, installing Debian's packages when they are
# missing and we may (root, or sudo without a password).  Exit status 0
# when clang can link a libFuzzer target, 1 when it cannot.
#
# Packages: clang and libclang-rt-14-dev (libFuzzer and the sanitizer
# runtimes; Debian 12's clang is 14), libcapstone-dev (the decoder
# harness's second opinion; optional).
set -u

CC=${FUZZ_CC:-clang}

can_fuzz() {
    command -v "$CC" >/dev/null 2>&1 || return 1
    dir=$(mktemp -d "${TMPDIR:-/tmp}/plex86-fuzzprobe.XXXXXX") || return 1
    printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
        >"$dir/probe.c"
    "$CC" -fsanitize=fuzzer,address,undefined "$dir/probe.c" -o "$dir/probe" >/dev/null 2>&1
    rc=$?
    rm -rf "$dir"
    return $rc
}

installed() {
    command -v dpkg-query >/dev/null 2>&1 &&
        dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

missing=""
can_fuzz || missing="clang libclang-rt-14-dev"
installed libcapstone-dev || missing="$missing libcapstone-dev"
[ -z "$missing" ] && exit 0

SUDO=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        echo "fuzz-deps: not root and no sudo; please install:$missing" >&2
        can_fuzz
        exit $?
    fi
fi
if command -v apt-get >/dev/null 2>&1; then
    echo "fuzz-deps: installing:$missing" >&2
    # shellcheck disable=SC2086  # word splitting of $missing is intended
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null >&2 &&
        $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
            $missing </dev/null >&2
else
    echo "fuzz-deps: no apt-get here; please install:$missing" >&2
fi
if ! can_fuzz; then
    echo "fuzz-deps: $CC cannot build libFuzzer targets" >&2
    exit 1
fi
exit 0
