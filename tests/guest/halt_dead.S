# halt_dead: a guest that halts for good (issue 20, item 8), as a firmware's
# panic() does: HLT with IF = 0 and no NMI source.  plex86 ends with status
# 0 (as before, for compatibility) and says so on stderr, naming CS:EIP of
# the HLT, so that a dead guest can be told from a finished one.  The
# check is check-halt.sh's: this kernel only prints `start halt_dead` and
# halts at `dead_hlt`.

    .include "rt.inc"

    .text
    .globl test_main
test_main:
    cli
    .globl dead_hlt
dead_hlt:
    hlt
    FAIL "HLT with IF = 0 returned"

    .section .rodata
    .globl test_name
test_name: .asciz "halt_dead"
