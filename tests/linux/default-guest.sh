# Sourced by the Linux guest tests: `default_guest FETCH_GUEST_SH TMPDIR`
# sets $kernel and $initrd to the default guest (tools/fetch-guest.sh,
# which fetches and caches it), or ends the test: status 77 (ctest:
# skipped) when the packages cannot be had, 1 when fetching failed.
default_guest() {
    local paths rc
    paths=$(bash "$1" 2>"$2/fetch.err")
    rc=$?
    if [ $rc = 77 ]; then
        echo "SKIP: the default guest cannot be had: $(tail -n 1 "$2/fetch.err")"
        exit 77
    elif [ $rc != 0 ]; then
        echo "FAIL: fetch-guest.sh exited with status $rc:"
        cat "$2/fetch.err"
        exit 1
    fi
    kernel=$(printf '%s\n' "$paths" | sed -n 's/^kernel=//p' | tail -n 1)
    initrd=$(printf '%s\n' "$paths" | sed -n 's/^initrd=//p' | tail -n 1)
    [ -f "$kernel" ] && [ -f "$initrd" ] ||
        { echo "FAIL: fetch-guest.sh printed no kernel/initrd"; exit 1; }
}
