# enter_fault: ENTER faults on its final frame (issue 20, item 3).  The SDM
# (vol. 2, ENTER, protected-mode exceptions) lists #SS(0) "if the new
# value of the SP or ESP register is outside the stack segment limit" and
# #PF "if a write using the final value of the stack pointer (within the
# current stack segment) would cause a page fault".  A fault is a fault:
# ESP and EBP keep their values from before the ENTER (SDM vol. 3A, 6.5).
#
# At CPL 3 with ESP = 0x1004, `enter 1, 0` pushes EBP at 0x1000 (allowed)
# and ends with ESP = 0x0FFF:
#   - #PF(7) with CR2 = 0x0FFF when 0x0000-0x0FFF is a supervisor page;
#   - #SS(0) on an expand-down stack segment with limit 0xFFF (offsets
#     0x1000 and up).
# `enter 1, 0` from ESP = 0x1005 ends at 0x1000 and faults neither way.
# QEMU 7.2 completes the faulting ENTERs and checks no segment limits, so
# its build keeps only the ENTERs that must not fault.

    .include "rt.inc"

    .set SEL_EXPDN3, 0x30 | 3   # ring-3 stack: expand-down, base 0x200000,
                                # limit 0xFFF, B = 1

# R3ENTER ss, esp, msg: runs r3_enter at ring 3 on ss:esp.
.macro R3ENTER ss, esp
    pushl $2                    # EFLAGS
    pushl $\ss                  # SS
    pushl $\esp                 # ESP
    pushl $SEL_CODE3            # CS
    pushl $r3_enter             # EIP
    pushl %esp
    call enter_user
    addl $24, %esp
.endm

    .text
    .globl test_main
test_main:
    pushl %ebx
    pushl $0x40F7               # P DPL3 data rw expand-down accessed, B = 1
    pushl $0xFFF
    pushl $0x200000
    pushl $SEL_EXPDN3
    call gdt_set
    addl $16, %esp

    # --- #PF: the final frame on a supervisor page ---
    call paging_on
    pushl $0
    call pte
    addl $4, %esp
    andl $~4, (%eax)            # 0x0000-0x0FFF: supervisor
    invlpg 0

    R3ENTER SEL_DATA3, 0x1005
    CHECK %eax, $0x1000, "enter 1,0 from ESP 0x1005 (user page): ESP after"
.ifndef QEMU
    TRY 1f
    R3ENTER SEL_DATA3, 0x1004
    ENDTRY
    FAIL "enter 1,0 to a supervisor page at CPL 3: no #PF"
1:  EXPECT $14, $7, $r3_enter_at, "enter 1,0 to a supervisor page at CPL 3"
    CHECK exc_cr2, $0x0FFF, "#PF from enter: CR2"
    CHECK exc_esp, $0x1004, "#PF from enter: ESP as it was"
    movl exc_frame, %eax
    CHECK F_EBP(%eax), $0x5555AAAA, "#PF from enter: EBP as it was"
.endif

    pushl $0
    call pte
    addl $4, %esp
    orl $4, (%eax)
    call paging_off

    # --- #SS: the final ESP below an expand-down limit ---
    R3ENTER SEL_EXPDN3, 0x1005
    CHECK %eax, $0x1000, "enter 1,0 from ESP 0x1005 (expand-down): ESP after"
.ifndef QEMU
    TRY 1f
    R3ENTER SEL_EXPDN3, 0x1004
    ENDTRY
    FAIL "enter 1,0 below an expand-down limit: no #SS"
1:  EXPECT $12, $0, $r3_enter_at, "enter 1,0 below an expand-down limit"
    CHECK exc_esp, $0x1004, "#SS from enter: ESP as it was"
    CHECK exc_ss, $SEL_EXPDN3, "#SS from enter: SS"
    movl exc_frame, %eax
    CHECK F_EBP(%eax), $0x5555AAAA, "#SS from enter: EBP as it was"
.endif
    popl %ebx
    ret

# Ring 3: EBP = 0x5555AAAA, enter 1, 0; back to ring 0 with EAX = ESP.
r3_enter:
    movl $0x5555AAAA, %ebp
r3_enter_at:
    enter $1, $0
    movl %esp, %eax
    int $VEC_RING0

    .section .rodata
    .globl test_name
test_name: .asciz "enter_fault"
