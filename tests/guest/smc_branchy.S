# smc_branchy: self-modifying code in a page full of branchy code, the
# case where seed 003's recursive descent loses ("when the code page is
# modified frequently via self modifying code"): every patch discards the
# page's map, and each new scan follows the in-page branches again, as deep
# as -sbe-depth allows.  docs/sbe.md measures the scanner's depth on it.
#  - br_chain: 64 elements, each `testl $1, %eax; jz; addl %edx, %ebx;
#    roll $1, %eax; call <next element>; ret`, so element k is k calls (and
#    k scan levels) from the first.  Called with EAX = 0x12345678, it adds
#    EDX once per set bit of EAX per 32 elements (26 times), and leaves EAX
#    as it was.
#  - br_loop: ESI = 4096..1; patches ESI into the immediate of the
#    `movl $imm32, %edx` after the store (a discard every iteration), and
#    calls br_chain when ESI is a multiple of 16:
#    EBX = 26 * (16 + 32 + ... + 4096) = 13684736.
# The code lives in .data.smc (writable; paging is off).

    .include "rt.inc"

    .set ITER, 4096
    .set EXPECT, 13684736

    .text
    .globl test_main
test_main:
    pushl %ebx
    pushl %esi
    xorl %ebx, %ebx
    movl $0x12345678, %eax
    call br_loop
    CHECK %ebx, $EXPECT, "the sum over 4096 patches and 256 chain calls"
    CHECK %eax, $0x12345678, "EAX came back from the chains"
    popl %esi
    popl %ebx
    ret

    .section .data.smc, "aw", @progbits
    .balign 4096
br_loop:
    movl $ITER, %esi
1:  movl %esi, 2f + 1
2:  movl $0, %edx               # b8 imm32: patched above
    testl $15, %esi
    jnz 3f
    call br_chain
3:  decl %esi
    jnz 1b
    ret

br_chain:
    .rept 64
    testl $1, %eax
    jz 1f
    addl %edx, %ebx
1:  roll $1, %eax
    call 2f
    ret
2:
    .endr
    ret

    .section .rodata
    .globl test_name
test_name: .asciz "smc_branchy"
