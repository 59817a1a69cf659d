# smc_chain: self-modifying code against the translator's chained jumps
# (docs/internals.md, "Chaining"): once two blocks of a page are hot, the
# exit of one jumps straight into the other's translation without going
# back to the run loop.  A write to either must end that: seed 003's rule
# (a write to a scanned instruction discards every block, translation and
# chained jump built from it) covers the jumps too.
#
# The loop (in a page of its own, .data.smc; paging is off):
#   A: incl %eax; jmp B            (A's exit is chained to B)
#   C: addl $100, %ebx; jmp D      (only reached once A's jump is patched)
#   B: addl $imm32, %ebx           (B's loop exit is chained to A)
#   D: decl %ecx; jnz A
# Each phase runs it N = 1000 times, far past the translator's threshold,
# so the second and later phases start with A and B translated and linked.
#  1. imm32 = 1: EBX grows by N.
#  2. B's imm32 patched to 3 (from another page, between runs): 3 N.
#  3. A's jmp rel8 patched to go to C instead of B: 100 N.
#  4. patched back to B, and B's imm32 to 5: 5 N (the chained jump that
#     phase 3 replaced must not come back stale either).
#  5. from inside the loop: E, which runs on the way from B to the loop's
#     end, patches the imm32 of B with ECX on every iteration, so B adds
#     the ECX of the previous iteration: 0 + N + (N - 1) + ... + 2.

    .include "rt.inc"

    .set N, 1000

    .text
    .globl test_main
test_main:
    pushl %ebx
    pushl %esi
    xorl %eax, %eax
    xorl %ebx, %ebx
    movl $N, %ecx
    call chain_loop
    CHECK %ebx, $N, "phase 1: B added 1 per pass"
    CHECK %eax, $N, "phase 1: A ran once per pass"

    movl $3, b_imm
    xorl %ebx, %ebx
    movl $N, %ecx
    call chain_loop
    CHECK %ebx, $(3 * N), "phase 2: the chained successor B saw its new immediate"

    movb $(c_blk - a_jmp - 2), a_jmp + 1
    xorl %ebx, %ebx
    movl $N, %ecx
    call chain_loop
    CHECK %ebx, $(100 * N), "phase 3: A's patched jump went to C, not to the chained B"

    movb $(b_blk - a_jmp - 2), a_jmp + 1
    movl $5, b_imm
    xorl %ebx, %ebx
    movl $N, %ecx
    call chain_loop
    CHECK %ebx, $(5 * N), "phase 4: A's jump back to B, B with its new immediate"

    xorl %ebx, %ebx
    movl $N, %ecx
    call chain_loop_patching
    CHECK %ebx, $(N * (N + 1) / 2 - 1), "phase 5: B patched from inside the loop"
    popl %esi
    popl %ebx
    ret

    .section .data.smc, "aw", @progbits
    .balign 4096
chain_loop:
a_blk:
    incl %eax
a_jmp:
    .byte 0xEB, b_blk - a_jmp - 2   # jmp b_blk (rel8): patched in phases 3 and 4
c_blk:
    addl $100, %ebx
    jmp d_blk
b_blk:
    .byte 0x81, 0xC3            # addl $imm32, %ebx
b_imm:
    .long 1
d_blk:
    decl %ecx
    jnz a_blk
    ret

    .balign 64
chain_loop_patching:
1:  incl %eax
    jmp 2f
2:  .byte 0x81, 0xC3            # addl $imm32, %ebx
3:  .long 0
    jmp 4f
4:  movl %ecx, 3b               # E: the next pass's immediate
    decl %ecx
    jnz 1b
    ret

    .section .rodata
    .globl test_name
test_name: .asciz "smc_chain"
