# exceptions: faults, their vectors, error codes and faulting EIPs (SDM
# vol. 3A, 6.15, and the segment-load rules of 5.x and vol. 2 MOV/JMP).
# Each fault is a fault: EIP (and ESP) point at the faulting instruction.
#   #UD (ud2), #DE (divide by zero, quotient overflow, IDIV INT_MIN/-1),
#   #BR (BOUND out of range; in range does not fault)
#   #GP(selector): index past the GDT limit, a TSS into DS, an
#     execute-only code segment into DS, a DPL 3 segment into SS at CPL 0,
#     a read-only segment into SS, a data segment or nonconforming DPL 3
#     code as a JMP target at CPL 0, a DPL 0 segment into DS at CPL 3
#     (error codes without the RPL)
#   #GP(0): null SS at CPL 0; [SDM only:] a write through a readable code
#     segment or read-only data, a read through a null segment, past a
#     byte limit, below an expand-down segment's limit
#   #NP(selector): a not-present segment into DS; #SS(selector): into SS
#   [SDM only:] #SS(0): a ring-3 push past its stack segment's limit, with
#     SS:ESP of the faulting push in the frame
# QEMU (TCG) checks no segment limits, types or null selectors on data
# accesses; the checks marked [SDM only] are left out of the QEMU build.

    .include "rt.inc"

    .set SEL_BYTE, 0x30         # data, base buf, byte limit 0xFFF
    .set SEL_RCODE, 0x38        # readable code
    .set SEL_XCODE, 0x40        # execute-only code
    .set SEL_RODATA, 0x48       # read-only data
    .set SEL_NP, 0x50           # not present
    .set SEL_R3STK, 0x58 | 3    # ring-3 stack, base r3stk, limit 0xFFF
    .set SEL_EXPDN, 0x60        # expand-down data, limit 0xFFF

# SEGDESC sel, base, limit, attr
.macro SEGDESC sel, base, limit, attr
    pushl $\attr
    pushl $\limit
    pushl $\base
    pushl $\sel
    call gdt_set
    addl $16, %esp
.endm

# LOADFAULT sreg, sel, vec, err, msg: `mov sel, sreg` must fault.
.macro LOADFAULT sreg, sel, vec, err, msg
    movw $\sel, %ax
    TRY 1f
2:  movw %ax, \sreg
    NOFAULT "\msg"
1:  EXPECT $\vec, $\err, $2b, "\msg"
.endm

    .text
    .globl test_main
test_main:
    SEGDESC SEL_BYTE, buf, 0xFFF, 0x4093
    SEGDESC SEL_RCODE, 0, 0xFFFFF, 0xC09B
    SEGDESC SEL_XCODE, 0, 0xFFFFF, 0xC099
    SEGDESC SEL_RODATA, 0, 0xFFFFF, 0xC091
    SEGDESC SEL_NP, 0, 0xFFFFF, 0xC013
    SEGDESC SEL_R3STK, r3stk, 0xFFF, 0x40F3
    SEGDESC SEL_EXPDN, 0, 0xFFF, 0x4097

    # --- #UD ---
    TRY 1f
2:  ud2
    NOFAULT "ud2"
1:  EXPECT $6, $0, $2b, "#UD"
    CHECK exc_cs, $SEL_CODE0, "#UD: CS"
    CHECK exc_esp, %esp, "#UD: ESP at the fault"

    # --- #DE ---
    xorl %ecx, %ecx
    movl $1, %eax
    xorl %edx, %edx
    TRY 1f
2:  divl %ecx
    NOFAULT "divide by zero"
1:  EXPECT $0, $0, $2b, "#DE divide by zero"
    movl $2, %edx               # 0x2_00000000 / 1 overflows
    xorl %eax, %eax
    movl $1, %ecx
    TRY 1f
2:  divl %ecx
    NOFAULT "quotient overflow"
1:  EXPECT $0, $0, $2b, "#DE quotient overflow"
    movl $0x80000000, %eax
    cltd
    movl $-1, %ecx
    TRY 1f
2:  idivl %ecx
    NOFAULT "IDIV INT_MIN / -1"
1:  EXPECT $0, $0, $2b, "#DE IDIV INT_MIN / -1"

    # --- #BR ---
    movl $5, %eax
    bound %eax, bounds          # in range: nothing
    movl $6, %eax
    TRY 1f
2:  bound %eax, bounds
    NOFAULT "BOUND out of range"
1:  EXPECT $5, $0, $2b, "#BR"

    # --- #GP(selector) and #GP(0) on segment loads ---
    LOADFAULT %ds, 0x100, 13, 0x100, "DS index past the GDT limit"
    LOADFAULT %ds, SEL_TSS, 13, SEL_TSS, "a TSS into DS"
    LOADFAULT %ds, SEL_XCODE, 13, SEL_XCODE, "execute-only code into DS"
    LOADFAULT %ss, SEL_DATA3, 13, SEL_DATA3&~3, "a DPL 3 segment into SS at CPL 0"
    LOADFAULT %ss, SEL_RODATA, 13, SEL_RODATA, "read-only data into SS"
    LOADFAULT %ss, 0, 13, 0, "a null selector into SS"
    LOADFAULT %ds, SEL_NP, 11, SEL_NP, "#NP: a not-present segment into DS"
    LOADFAULT %ss, SEL_NP, 12, SEL_NP, "#SS: a not-present segment into SS"
    TRY 1f
2:  ljmp $SEL_DATA0, $0
    NOFAULT "JMP to a data segment"
1:  EXPECT $13, $SEL_DATA0, $2b, "JMP to a data segment"
    TRY 1f
2:  ljmp $SEL_CODE3, $0
    NOFAULT "JMP to DPL 3 code at CPL 0"
1:  EXPECT $13, $SEL_CODE3&~3, $2b, "JMP to nonconforming DPL 3 code at CPL 0"

    # A readable code segment may be read through DS, not written.
    movw $SEL_RCODE, %ax
    movw %ax, %es
    movl %es:bounds, %eax
    CHECK %eax, $0, "read through a readable code segment"
.ifndef QEMU
    TRY 1f
2:  movl %eax, %es:scratch
    NOFAULT "write through a code segment"
1:  EXPECT $13, $0, $2b, "write through a code segment"
    movw $SEL_RODATA, %ax
    movw %ax, %es
    TRY 1f
2:  movl %eax, %es:scratch
    NOFAULT "write through read-only data"
1:  EXPECT $13, $0, $2b, "write through read-only data"
    # A null DS may be loaded, not used.
    xorl %eax, %eax
    movw %ax, %es
    TRY 1f
2:  movl %es:scratch, %eax
    NOFAULT "read through a null ES"
1:  EXPECT $13, $0, $2b, "read through a null ES"
    # Limits: a dword at 0xFFE crosses a byte limit of 0xFFF.
    movw $SEL_BYTE, %ax
    movw %ax, %es
    movl %es:0xFFC, %eax        # the last dword: fine
    CHECK %eax, $0x12345678, "the last dword below the limit"
    TRY 1f
2:  movl %es:0xFFE, %eax
    NOFAULT "read past the limit"
1:  EXPECT $13, $0, $2b, "read past a byte limit"
    # Expand-down, limit 0xFFF: offsets 0x1000-0xFFFFFFFF are valid.
    movw $SEL_EXPDN, %ax
    movw %ax, %es
    movl %es:scratch, %eax      # scratch is above 1 MiB: valid
    TRY 1f
2:  movl %es:0x800, %eax
    NOFAULT "expand-down below the limit"
1:  EXPECT $13, $0, $2b, "expand-down segment below its limit"
.endif
    movl $SEL_DATA0, %eax
    movw %ax, %es

    # --- at ring 3 ---
    TRY 1f
    pushl $r3_ds_dpl0
    call enter_ring3
    ENDTRY
1:  EXPECT $13, $SEL_DATA0, $r3_ds_dpl0_at, "a DPL 0 segment into DS at CPL 3"
    CHECK exc_cs, $SEL_CODE3, "the #GP came from ring 3"

.ifndef QEMU
    # A ring-3 stack segment with limit 0xFFF; ESP = 8: two pushes fit,
    # the third wraps to 0xFFFFFFFC and faults with #SS(0).
    TRY 1f
    pushl $2                    # EFLAGS
    pushl $SEL_R3STK            # SS
    pushl $8                    # ESP
    pushl $SEL_CODE3            # CS
    pushl $r3_pushes            # EIP
    pushl %esp
    call enter_user
    ENDTRY
1:  EXPECT $12, $0, $r3_push3, "#SS: ring-3 push past the stack limit"
    CHECK exc_ss, $SEL_R3STK, "#SS: SS in the frame"
    CHECK exc_esp, $0, "#SS: ESP in the frame is the faulting push's"
    CHECK exc_cs, $SEL_CODE3, "#SS: CS in the frame"
    CHECK r3stk+4, $1, "#SS: the first push landed at SS.base + 4"
    CHECK r3stk, $2, "#SS: the second push landed at SS.base + 0"
.endif
    ret

r3_ds_dpl0:
    movw $SEL_DATA0 | 3, %ax
r3_ds_dpl0_at:
    movw %ax, %ds
    ret

r3_pushes:
    pushl $1
    pushl $2
r3_push3:
    pushl $3
    movl $0x600D, %eax
    int $VEC_RING0

    .section .rodata
    .globl test_name
test_name: .asciz "exceptions"

    .data
    .balign 8
bounds: .long 0, 5
scratch: .long 0
    .balign 4096
buf:
    .skip 0xFFC
    .long 0x12345678

    .bss
    .balign 4096
r3stk:
    .skip 4096
