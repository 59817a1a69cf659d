# db_shadow: an instruction breakpoint (DR0, R/W = 00) on the instruction
# right after MOV SS or POP SS is not taken (issue 20, item 6): those two
# inhibit interrupts and debug exceptions until the next instruction has
# run (SDM vol. 3A, 6.8.3), so the stack pointer can be loaded before any
# handler uses the stack.  STI inhibits interrupts only: a breakpoint after
# STI is taken, as is one after an ordinary instruction.  QEMU 7.2 takes
# the breakpoints after MOV SS and POP SS; its build leaves them out.
#
# The #DB handler counts hits, records the EIP and sets RF in the frame so
# that the instruction runs when the handler returns (SDM vol. 3A,
# 17.3.1.1).

    .include "rt.inc"

# BP label: arms DR0 at label (execute, one byte, L0) and clears the count.
.macro BP at
    movl $\at, %eax
    movl %eax, %dr0
    movl $0x401, %eax           # L0, R/W0 = 00 (execute), LEN0 = 00
    movl %eax, %dr7
    movl $0, db_count
    movl $0, db_eip
.endm

.macro DISARM
    movl $0x400, %eax
    movl %eax, %dr7
.endm

    .text
    .globl test_main
test_main:
    movl $db_handler, handlers + 4 * 1

    # An ordinary instruction before: the breakpoint is taken once.
    BP 1f
    nop
1:  incl marker
    DISARM
    CHECK db_count, $1, "breakpoint after NOP: taken"
    CHECK db_eip, $1b, "breakpoint after NOP: EIP"

    # STI inhibits interrupts, not debug exceptions.
    BP 1f
    sti
1:  cli
    DISARM
    CHECK db_count, $1, "breakpoint after STI: taken"

.ifndef QEMU
    # MOV SS: the next instruction runs without its breakpoint.
    movl $0, marker
    BP 1f
    movw %ss, %ax
    movw %ax, %ss
1:  incl marker
    DISARM
    CHECK db_count, $0, "breakpoint after MOV SS: not taken"
    CHECK marker, $1, "breakpoint after MOV SS: the instruction ran once"

    # POP SS likewise.
    movl $0, marker
    BP 1f
    pushl %ss
    popl %ss
1:  incl marker
    DISARM
    CHECK db_count, $0, "breakpoint after POP SS: not taken"
    CHECK marker, $1, "breakpoint after POP SS: the instruction ran once"

    # Only the one instruction: a breakpoint on the second is taken.
    BP 1f
    movw %ss, %ax
    movw %ax, %ss
    nop
1:  incl marker
    DISARM
    CHECK db_count, $1, "breakpoint two instructions after MOV SS: taken"
.endif
    ret

# db_handler(frame): counts the hit and resumes the instruction with RF.
db_handler:
    movl 4(%esp), %eax
    incl db_count
    movl F_EIP(%eax), %ecx
    movl %ecx, db_eip
    orl $0x10000, F_EFLAGS(%eax)
    ret

    .data
db_count: .long 0
db_eip: .long 0
marker: .long 0

    .section .rodata
    .globl test_name
test_name: .asciz "db_shadow"
