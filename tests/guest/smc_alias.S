# smc_alias: one physical page executed at two linear addresses (two PTEs
# to one frame).  Attribute maps are keyed by physical page (DESIGN.md
# section 3), so the two aliases share one map, and a write through
# either alias reaches the write rule and is seen when the code runs
# through the other.
#  1. al_page, identity-mapped at its own address, is mapped again at
#     AL = 8 MiB.  al_fn (`movl $imm32, %eax; ret`) runs through both.
#  2. Its immediate written through the alias, then run through the
#     identity address; and the other way round.
#  3. 400 times, alternately: written through one, run through the other.
#  4. Code running at the alias patches the instruction after it through
#     the identity address, and code running at the identity address
#     patches through the alias (a JMP between store and instruction, as
#     the SDM asks for a store through another linear address).
# The code lives in .data.smc (writable; paging on, all pages writable).

    .include "rt.inc"

    .set AL, 0x00800000         # the alias, in the runtime's spare table

    .text
    .globl test_main
test_main:
    pushl %ebx
    pushl %esi
    pushl %edi
    call paging_on
    movl $al_page + 7, page_tables + 4 * (AL >> 12)
    invlpg AL

    # --- 1 ---
    call al_fn
    CHECK %eax, $0x11111111, "part 1: al_fn at its own address"
    call AL + (al_fn - al_page)
    CHECK %eax, $0x11111111, "part 1: al_fn through the alias"
    movl AL + (al_fn - al_page), %eax
    CHECK %eax, al_fn, "part 1: the alias reads the same bytes"

    # --- 2 ---
    movl $0x22222222, AL + (al_fn - al_page) + 1
    call al_fn
    CHECK %eax, $0x22222222, "part 2: written through the alias, run at the identity"
    movl $0x33333333, al_fn + 1
    call AL + (al_fn - al_page)
    CHECK %eax, $0x33333333, "part 2: written at the identity, run through the alias"

    # --- 3 ---
    xorl %ebx, %ebx
    xorl %edi, %edi
    xorl %esi, %esi
1:  leal 0x1000(%esi), %ecx     # the value for this round
    addl %ecx, %edi
    testl $1, %esi
    jnz 2f
    movl %ecx, AL + (al_fn - al_page) + 1
    call al_fn
    jmp 3f
2:  movl %ecx, al_fn + 1
    call AL + (al_fn - al_page)
3:  addl %eax, %ebx
    incl %esi
    cmpl $400, %esi
    jb 1b
    CHECK %ebx, %edi, "part 3: 400 writes through one alias, runs through the other"

    # --- 4 ---
    movl $0x44444444, %ecx
    call AL + (al_self_id - al_page)
    CHECK %eax, $0x44444444, "part 4: code at the alias patched itself through the identity"
    movl $0x55555555, %ecx
    call AL + (al_self_id - al_page)
    CHECK %eax, $0x55555555, "part 4: and again"
    movl $0x66666666, %ecx
    call al_self_al
    CHECK %eax, $0x66666666, "part 4: code at the identity patched itself through the alias"
    movl $0x77777777, %ecx
    call al_self_al
    CHECK %eax, $0x77777777, "part 4: and again"

    call paging_off
    popl %edi
    popl %esi
    popl %ebx
    ret

    .section .data.smc, "aw", @progbits
    .balign 4096
al_page:
al_fn:
    movl $0x11111111, %eax
    ret
# Run at the alias: writes the MOV's immediate through its identity
# address (the absolute address in the store).
al_self_id:
    movl %ecx, 1f + 1
    jmp 1f
1:  movl $0, %eax
    ret
# Run at the identity: writes through the alias.
al_self_al:
    movl %ecx, AL + (1f - al_page) + 1
    jmp 1f
1:  movl $0, %eax
    ret

    .section .rodata
    .globl test_name
test_name: .asciz "smc_alias"
