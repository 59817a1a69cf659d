# gates: privilege changes through the IDT and a call gate (SDM vol. 3A,
# 5.8 and 6.12).
#  1. INT 0x30 from ring 3 through a DPL 3 interrupt gate: the handler runs
#     at CPL 0 on the stack from the TSS (SS0:ESP0): the CPU's frame (EIP,
#     CS, EFLAGS, ESP, SS) sits exactly below ESP0, holding ring 3's SS:ESP
#     and the address after the INT; IF is clear in the handler; IRET goes
#     back to ring 3 with a register the handler changed.  With another
#     ESP0 in the TSS, the next INT uses that stack.
#  2. INT 0x31 (DPL 0 gate) and INT3 (vector 3, DPL 0) from ring 3:
#     #GP(vector * 8 + 2) at the INT.  A fault (#UD) from ring 3 goes
#     through its DPL 0 gate all the same.
#  3. A call gate (DPL 3, to ring 0, 2 parameters) from ring 3: the ring-0
#     stack holds EIP, CS, the two parameters copied from ring 3's stack,
#     ESP, SS; RETF 8 returns to ring 3 and releases the parameters on
#     both stacks; a DPL 0 data segment loaded into FS at ring 0 is nulled
#     by that RETF.  A call gate of DPL 0 from ring 3 is #GP(selector).
#  4. A far call from ring 3 to conforming DPL 0 code: CPL stays 3 (CS
#     reads SEL|3), no stack switch.
#  5. A trap gate leaves IF set; an interrupt gate to ring-3 code from
#     ring 3 pushes only EIP, CS, EFLAGS on the ring-3 stack, and IRET
#     returns at the same level.

    .include "rt.inc"

    .set SEL_GATE3, 0x30 | 3    # call gate, DPL 3, 2 parameters
    .set SEL_GATE0, 0x38 | 3    # call gate, DPL 0 (RPL 3 in the selector)
    .set SEL_CONF, 0x40         # conforming code, DPL 0
    .set VEC_TRAP, 0x32         # trap gate, DPL 3
    .set VEC_R3, 0x33           # interrupt gate, DPL 3, to ring-3 code

    .text
    .globl test_main
test_main:
    movl $on_int, handlers + 4 * VEC_USER

    # --- 1: ring 3 runs with IF=1 (the runtime masks the PICs) ---
    movl $r3_exit_gates, ring3_stack_top - 4
    pushl $0x202                # EFLAGS
    pushl $SEL_DATA3            # SS
    pushl $ring3_stack_top - 4  # ESP
    pushl $SEL_CODE3            # CS
    pushl $r3_int               # EIP
    pushl %esp
    call enter_user
    addl $24, %esp
    CHECK %eax, $0x600D, "part 1: ring 3 did not finish"
    CHECK h_count, $2, "part 1: the INT 0x30 handler ran twice"
    CHECK h_frame, $int_stack_top-20, "part 1: the frame sits below TSS.ESP0"
    CHECK h_frame2, $alt_stack_top-20, "part 1: with a new ESP0, the frame sits below it"
    CHECK h_eip, $r3_int_after, "part 1: EIP in the frame is after the INT"
    CHECK h_cs, $SEL_CODE3, "part 1: CS in the frame"
    CHECK h_ss, $SEL_DATA3, "part 1: SS in the frame"
    CHECK h_esp, r3_esp_at_int, "part 1: ESP in the frame is ring 3's"
    CHECK h_cpl_ss, $SEL_DATA0, "part 1: the handler's SS is SS0"
    CHECK h_if, $0, "part 1: IF clear in the handler"
    CHECK h_flags_if, $0x200, "part 1: IF as ring 3 had it, in the frame"
    movl $int_stack_top, tss + 4

    # --- 2 ---
    TRY 1f
    pushl $r3_int31
    call enter_ring3
    ENDTRY
1:  EXPECT $13, $0x31*8+2, $r3_int31_at, "INT 0x31 (DPL 0 gate) from ring 3"
    TRY 1f
    pushl $r3_int3
    call enter_ring3
    ENDTRY
1:  EXPECT $13, $3*8+2, $r3_int3_at, "INT3 (DPL 0 gate) from ring 3"
    TRY 1f
    pushl $r3_ud
    call enter_ring3
    ENDTRY
1:  EXPECT $6, $0, $r3_ud, "#UD from ring 3 through a DPL 0 gate"
    CHECK exc_cs, $SEL_CODE3, "#UD from ring 3: CS"

    # --- 3 ---
    pushl $G_CALL3 | 2
    pushl $SEL_CODE0
    pushl $gate_target
    pushl $gdt + (SEL_GATE3 & ~7)
    call gate_write
    movl $0x8C00 | 2, 12(%esp)  # the same at DPL 0
    movl $gdt + (SEL_GATE0 & ~7), (%esp)
    call gate_write
    addl $16, %esp
    pushl $r3_call
    call enter_ring3
    addl $4, %esp
    CHECK %eax, $0x600D, "part 3: ring 3 did not finish"
    CHECK g_eip, $r3_call_ret, "call gate: EIP on the ring-0 stack"
    CHECK g_cs, $SEL_CODE3, "call gate: CS on the ring-0 stack"
    CHECK g_p1, $0x2222, "call gate: the last parameter pushed, copied"
    CHECK g_p2, $0x1111, "call gate: the first parameter pushed, copied"
    CHECK g_esp, r3_esp_at_call, "call gate: ring 3's ESP on the ring-0 stack"
    CHECK g_ss, $SEL_DATA3, "call gate: ring 3's SS on the ring-0 stack"
    CHECK g_stack, $int_stack_top-24, "call gate: ring-0 stack from the TSS"
    CHECK g_cpl, $SEL_CODE0, "call gate: CS at the target"
    CHECK r3_esp_after, r3_esp_before, "RETF 8: ring 3's parameters released"
    CHECK r3_fs_after, $0, "RETF to ring 3 nulled FS (DPL 0)"

    # --- 4: a conforming code segment runs at the caller's CPL ---
    pushl $0xC09F               # conforming, readable, DPL 0
    pushl $0xFFFFF
    pushl $0
    pushl $SEL_CONF
    call gdt_set
    addl $16, %esp
    pushl $r3_conf
    call enter_ring3
    addl $4, %esp
    CHECK %eax, $SEL_CONF|3, "far call to conforming DPL 0 code from ring 3: CS (CPL 3)"
    CHECK conf_ss, $SEL_DATA3, "conforming code: no stack switch"

    # --- 5: a trap gate keeps IF; a gate to ring-3 code has no stack
    # switch and a 3-dword frame ---
    pushl $0xEF00               # trap gate, DPL 3
    pushl $SEL_CODE0
    pushl $isr_stubs + 16 * VEC_TRAP
    pushl $idt + 8 * VEC_TRAP
    call gate_write
    movl $G_INT3, 12(%esp)      # interrupt gate, DPL 3, to ring-3 code
    movl $SEL_CODE3, 8(%esp)
    movl $r3_handler, 4(%esp)
    movl $idt + 8 * VEC_R3, (%esp)
    call gate_write
    addl $16, %esp
    movl $on_trap, handlers + 4 * VEC_TRAP
    movl $r3_exit_gates, ring3_stack_top - 4
    pushl $0x202
    pushl $SEL_DATA3
    pushl $ring3_stack_top - 4
    pushl $SEL_CODE3
    pushl $r3_traps
    pushl %esp
    call enter_user
    addl $24, %esp
    CHECK %eax, $0x600D, "part 5: ring 3 did not finish"
    CHECK t_if, $0x200, "trap gate: IF stays set in the handler"
    CHECK r3h_esp, r3h_esp_before_minus12, "gate to ring 3: 3-dword frame on ring 3's stack"
    CHECK r3h_cs, $SEL_CODE3, "gate to ring 3: CS in the frame"
    CHECK r3h_eip, $r3_traps_r3h_after, "gate to ring 3: EIP in the frame"
    CHECK r3h_own_cs, $SEL_CODE3, "gate to ring 3: the handler runs at CPL 3"
    TRY 1f
    pushl $r3_call0
    call enter_ring3
    ENDTRY
1:  EXPECT $13, $SEL_GATE0&~3, $r3_call0_at, "call gate of DPL 0 from ring 3"
    ret

# Ring 3, part 1.
r3_int:
    movl $0x1234, %eax
    movl %esp, r3_esp_at_int
    int $VEC_USER
r3_int_after:
    CHECK %eax, $0x4321, "ring 3 after IRET: EAX set by the handler"
    movw %cs, %ax
    movzwl %ax, %eax
    CHECK %eax, $SEL_CODE3, "ring 3 after IRET: CS"
    movl %esp, %ecx
    CHECK %ecx, r3_esp_at_int, "ring 3 after IRET: ESP"
    movl %esp, r3_esp_at_int
    int $VEC_USER
    movl $0x600D, %eax
    ret

r3_exit_gates:
    int $VEC_RING0

# handlers[VEC_USER]
on_int:
    movl 4(%esp), %edx          # the frame
    incl h_count
    cmpl $1, h_count
    jne 2f
    leal F_EIP(%edx), %eax
    movl %eax, h_frame
    movl F_EIP(%edx), %eax
    movl %eax, h_eip
    movl F_CS(%edx), %eax
    movl %eax, h_cs
    movl F_ESP(%edx), %eax
    movl %eax, h_esp
    movl F_SS(%edx), %eax
    movl %eax, h_ss
    movl F_EFLAGS(%edx), %eax
    andl $0x200, %eax
    movl %eax, h_flags_if
    movw %ss, %ax
    movzwl %ax, %eax
    movl %eax, h_cpl_ss
    pushfl
    popl %eax
    andl $0x200, %eax
    movl %eax, h_if
    movl $0x4321, F_EAX(%edx)
    movl $alt_stack_top, tss + 4    # the next INT: another stack
    ret
2:  leal F_EIP(%edx), %eax
    movl %eax, h_frame2
    ret

r3_int31:
r3_int31_at:
    int $VEC_KERNEL
    ret

r3_int3:
r3_int3_at:
    int3
    ret

r3_ud:
    ud2

# Ring 3, part 3.
r3_call:
    movl $SEL_DATA3, %eax
    movw %ax, %fs
    movl %esp, r3_esp_before
    pushl $0x1111
    pushl $0x2222
    movl %esp, r3_esp_at_call
    lcall $SEL_GATE3, $0
r3_call_ret:
    movl %esp, r3_esp_after
    movw %fs, %ax
    movzwl %ax, %eax
    movl %eax, r3_fs_after
    movl $0x600D, %eax
    ret

r3_conf:
    lcall $SEL_CONF, $conf_target
    ret
conf_target:
    movw %ss, %ax
    movzwl %ax, %eax
    movl %eax, conf_ss
    movw %cs, %ax
    movzwl %ax, %eax
    lret

r3_traps:
    int $VEC_TRAP
    movl %esp, %eax
    subl $12, %eax
    movl %eax, r3h_esp_before_minus12
    int $VEC_R3
r3_traps_r3h_after:
    movl $0x600D, %eax
    ret

# The ring-3 handler of VEC_R3 (no stack switch).
r3_handler:
    movl %esp, r3h_esp
    movl (%esp), %eax
    movl %eax, r3h_eip
    movl 4(%esp), %eax
    movl %eax, r3h_cs
    movw %cs, %ax
    movzwl %ax, %eax
    movl %eax, r3h_own_cs
    iret

# handlers[VEC_TRAP]
on_trap:
    pushfl
    popl %eax
    andl $0x200, %eax
    movl %eax, t_if
    ret

r3_call0:
r3_call0_at:
    lcall $SEL_GATE0, $0
    ret

# The call gate's target, at ring 0.
gate_target:
    movl %esp, g_stack
    movl (%esp), %eax
    movl %eax, g_eip
    movl 4(%esp), %eax
    movl %eax, g_cs
    movl 8(%esp), %eax
    movl %eax, g_p1
    movl 12(%esp), %eax
    movl %eax, g_p2
    movl 16(%esp), %eax
    movl %eax, g_esp
    movl 20(%esp), %eax
    movl %eax, g_ss
    movw %cs, %ax
    movzwl %ax, %eax
    movl %eax, g_cpl
    movl $SEL_DATA0, %eax
    movw %ax, %fs
    lret $8

    .section .rodata
    .globl test_name
test_name: .asciz "gates"

    .data
h_count: .long 0
h_frame: .long 0
h_frame2: .long 0
h_eip: .long 0
h_cs: .long 0
h_esp: .long 0
h_ss: .long 0
h_if: .long 0xFFFFFFFF
h_flags_if: .long 0xFFFFFFFF
h_cpl_ss: .long 0
r3_esp_at_int: .long 0
g_stack: .long 0
g_eip: .long 0
g_cs: .long 0
g_p1: .long 0
g_p2: .long 0
g_esp: .long 0
g_ss: .long 0
g_cpl: .long 0
r3_esp_before: .long 0
r3_esp_at_call: .long 0
r3_esp_after: .long 0
r3_fs_after: .long 0xFFFFFFFF
conf_ss: .long 0
t_if: .long 0xFFFFFFFF
r3h_esp: .long 0
r3h_esp_before_minus12: .long 1
r3h_eip: .long 0
r3h_cs: .long 0
r3h_own_cs: .long 0

    .bss
    .balign 16
    .skip 4096
alt_stack_top:
