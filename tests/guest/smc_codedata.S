# smc_codedata: code and data in one page.  Seed 003: a write to bytes of a
# code page that no scanned instruction covers is a data write and
# discards nothing; the code keeps running from its map and blocks.  The
# guest cannot see that (tests/sbe/test_sbe_engine.c checks the counters
# with the same layout); here it checks that the data and the code both
# stay right while the loop writes the page 10000 times per variable:
#  - a counter right after the last instruction of the loop's function
#    (the byte after a RET: the look-back must not call it code),
#  - an array between two functions of the page, written by one of them,
#  - a byte and a word in the data between the two functions, the word
#    ending right where the next function's first instruction starts.
# The page is .data.smc: writable, paging off.

    .include "rt.inc"

    .set N, 10000
    .set SUM, N * (N - 1) / 2
    .set LAST_BYTE, (N - 1) & 0xFF

    .text
    .globl test_main
test_main:
    pushl %ebx
    pushl %esi
    call cd_loop
    CHECK cd_count, $N, "the counter after the RET"
    CHECK cd_sum, $SUM, "the sum kept between the functions"
    movzbl cd_gap, %eax
    CHECK %eax, $LAST_BYTE, "the byte in the gap"
    CHECK cd_last, $N-1, "the word just before cd_add"
    # The array: slot i & 15 holds the last i written there.
    xorl %esi, %esi
1:  movl cd_array(,%esi,4), %eax
    leal N - 16(%esi), %ecx
    CHECK %eax, %ecx, "an array slot between the functions"
    incl %esi
    cmpl $16, %esi
    jb 1b
    popl %esi
    popl %ebx
    ret

    .section .data.smc, "aw", @progbits
    .balign 4096
# The loop: i = 0..N-1.
cd_loop:
    xorl %esi, %esi
1:  incl cd_count
    movl %esi, %eax
    call cd_add
    movb %al, cd_gap
    movl %eax, cd_last
    incl %esi
    cmpl $N, %esi
    jb 1b
    ret
cd_count:
    .long 0
cd_sum:
    .long 0
    .balign 64
cd_array:
    .fill 16, 4, 0
cd_gap:
    .byte 0
    .fill 7, 1, 0
cd_last:
    .long 0
# cd_add(EAX = i): cd_sum += i; cd_array[i & 15] = i.  Keeps EAX.
cd_add:
    addl %eax, cd_sum
    movl %eax, %ecx
    andl $15, %ecx
    movl %eax, cd_array(,%ecx,4)
    ret

    .section .rodata
    .globl test_name
test_name: .asciz "smc_codedata"
