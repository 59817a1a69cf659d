# task: hardware task switches (SDM vol. 3A, 7.3-7.4).  Task A is the
# runtime's TSS (TR = 0x28); task B's TSS is at 0x30.
#  1. JMP to B's TSS: B starts with the registers, segments and EIP of its
#     TSS; TR = 0x30; B is busy and A is not (JMP clears the old busy
#     bit); NT is clear and B's back link is left alone.  B JMPs back: A
#     goes on after its JMP with its registers (saved in A's TSS, whose EIP
#     field holds the address after the JMP).
#  2. CALL to B's TSS: B goes on after its JMP back; its back link is 0x28
#     and NT is set; A stays busy.  B's IRET (NT=1) returns to A, and
#     clears B's busy bit.  Every switch sets CR0.TS.  INT through a task
#     gate in the IDT nests like CALL.
#  3. Errors before the switch: JMP to a busy TSS (A itself) is
#     #GP(0x28); to a not-present TSS #NP(selector); to a TSS whose limit
#     is below 0x67 #TS(selector).

    .include "rt.inc"

    .set SEL_B, 0x30
    .set SEL_NP, 0x38
    .set SEL_SHORT, 0x40
    .set VEC_TASK, 0x40         # a task gate to B

# TYPE sel -> EAX: the descriptor's type (low nibble of byte 5).
.macro TYPE sel
    movzbl gdt + (\sel & ~7) + 5, %eax
    andl $0xF, %eax
.endm

    .text
    .globl test_main
test_main:
    pushl $A_TSS32
    pushl $103
    pushl $tss_b
    pushl $SEL_B
    call gdt_set
    movl $SEL_NP, (%esp)
    movl $0x0009, 12(%esp)      # not present
    call gdt_set
    movl $SEL_SHORT, (%esp)
    movl $0x50, 8(%esp)         # limit 0x50 < 0x67
    movl $A_TSS32, 12(%esp)
    call gdt_set
    addl $16, %esp

    movl %cr3, %eax
    movl %eax, tss + 28         # task A: CR3 (loaded when A resumes)
    movl %eax, tss_b + 28       # task B
    movl $0x1234, tss_b         # back link: JMP must leave it alone
    movl $task_b, tss_b + 32    # EIP
    movl $2, tss_b + 36         # EFLAGS
    movl $0xB0B0, tss_b + 40    # EAX
    movl $task_b_stack_top, tss_b + 56  # ESP
    movl $SEL_DATA0, tss_b + 72 # ES
    movl $SEL_CODE0, tss_b + 76 # CS
    movl $SEL_DATA0, tss_b + 80 # SS
    movl $SEL_DATA0, tss_b + 84 # DS
    movl $SEL_DATA0, tss_b + 88 # FS
    movl $SEL_DATA0, tss_b + 92 # GS
    movw $104, tss_b + 102      # no I/O bitmap

    # --- 1: JMP ---
    movl $0xA1A1, %ebx
    movl $0xA2A2, %esi
    ljmp $SEL_B, $0
a_after_jmp:
    CHECK %ebx, $0xA1A1, "JMP back: A's EBX"
    CHECK %esi, $0xA2A2, "JMP back: A's ESI"
    str %ax
    movzwl %ax, %eax
    CHECK %eax, $SEL_TSS, "JMP back: TR"
    CHECK b_tr, $SEL_B, "JMP: TR in B"
    CHECK b_eax, $0xB0B0, "JMP: B's EAX from its TSS"
    CHECK b_cs, $SEL_CODE0, "JMP: B's CS"
    CHECK b_type_a, $9, "JMP: A is not busy while B runs"
    CHECK b_type_b, $11, "JMP: B is busy"
    CHECK b_nt, $0, "JMP: NT clear in B"
    CHECK b_link, $0x1234, "JMP: B's back link untouched"
    CHECK tss+32, $a_after_jmp, "JMP: A's TSS holds the EIP after the JMP"
    TYPE SEL_TSS
    CHECK %eax, $11, "JMP back: A busy"
    TYPE SEL_B
    CHECK %eax, $9, "JMP back: B not busy"
    movl %cr0, %eax
    andl $8, %eax
    CHECK %eax, $8, "a task switch sets CR0.TS"
    clts

    # --- 2: CALL ---
    lcall $SEL_B, $0
    str %ax
    movzwl %ax, %eax
    CHECK %eax, $SEL_TSS, "IRET back: TR"
    CHECK b_link, $SEL_TSS, "CALL: B's back link is A"
    CHECK b_nt, $0x4000, "CALL: NT set in B"
    CHECK b_type_a, $11, "CALL: A stays busy"
    CHECK b_type_b, $11, "CALL: B is busy"
    TYPE SEL_B
    CHECK %eax, $9, "IRET back: B not busy"
    TYPE SEL_TSS
    CHECK %eax, $11, "IRET back: A busy"
    pushfl
    popl %eax
    andl $0x4000, %eax
    CHECK %eax, $0, "IRET back: NT clear in A"

    # --- 2b: INT through a task gate: like CALL ---
    movl $task_b2, tss_b + 32
    movl $2, tss_b + 36
    movl $task_b_stack_top, tss_b + 56
    movl $0x1234, tss_b
    pushl $G_TASK0
    pushl $SEL_B
    pushl $0
    pushl $idt + 8 * VEC_TASK
    call gate_write
    addl $16, %esp
    movl $0, b_link
    int $VEC_TASK
    str %ax
    movzwl %ax, %eax
    CHECK %eax, $SEL_TSS, "task gate, IRET back: TR"
    CHECK b_link, $SEL_TSS, "task gate: B's back link is A"
    CHECK b_nt, $0x4000, "task gate: NT set in B"
    CHECK b_type_a, $11, "task gate: A stays busy"
    TYPE SEL_B
    CHECK %eax, $9, "task gate, IRET back: B not busy"

    # --- 3: errors ---
    TRY 1f
2:  ljmp $SEL_TSS, $0
    NOFAULT "JMP to a busy TSS"
1:  EXPECT $13, $SEL_TSS, $2b, "JMP to a busy TSS"
    TRY 1f
2:  ljmp $SEL_NP, $0
    NOFAULT "JMP to a not-present TSS"
1:  EXPECT $11, $SEL_NP, $2b, "JMP to a not-present TSS"
    TRY 1f
2:  ljmp $SEL_SHORT, $0
    NOFAULT "JMP to a TSS with limit 0x50"
1:  EXPECT $10, $SEL_SHORT, $2b, "JMP to a TSS with a limit below 0x67"
    str %ax
    movzwl %ax, %eax
    CHECK %eax, $SEL_TSS, "after the failed switches: TR"
    ret

# Task B.  First entered by the JMP, then resumed by the CALL.
task_b:
    movl %eax, b_eax
    call record
    ljmp $SEL_TSS, $0
    call record
    iret
    FAIL "task B resumed a third time"

task_b2:
    call record
    iret
    FAIL "task B (task gate) resumed a second time"

# record(): TR, CS, NT, back link and busy bits as B sees them.
record:
    str %ax
    movzwl %ax, %eax
    movl %eax, b_tr
    movw %cs, %ax
    movzwl %ax, %eax
    movl %eax, b_cs
    pushfl
    popl %eax
    andl $0x4000, %eax
    movl %eax, b_nt
    movzwl tss_b, %eax
    movl %eax, b_link
    TYPE SEL_TSS
    movl %eax, b_type_a
    TYPE SEL_B
    movl %eax, b_type_b
    ret

    .section .rodata
    .globl test_name
test_name: .asciz "task"

    .data
b_eax: .long 0
b_tr: .long 0
b_cs: .long 0
b_nt: .long 0xFFFFFFFF
b_link: .long 0
b_type_a: .long 0
b_type_b: .long 0

    .bss
    .balign 16
tss_b:
    .skip 104
    .balign 16
    .skip 4096
task_b_stack_top:
