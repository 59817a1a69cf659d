# sreg_stack: PUSH and POP of segment registers with both operand sizes on
# both stack sizes (issue 20, item 1).  The stack pointer moves by the
# rules of the stack in use when the instruction starts: on a 16-bit stack
# (SS.B = 0) only SP changes, wrapping at 64 KiB, and ESP's upper half is
# kept (SDM vol. 2, POP: "the stack-address size ... of the current stack
# segment"; vol. 3A, 6.2.3).  POP SS is no exception, even when the
# selector it loads is a 32-bit (B = 1) segment: ESP = 0x0002FFFC on a
# 16-bit stack becomes 0x00020000 after `o32 pop ss`, not 0x00010000.
# A 32-bit push of a segment register moves ESP by 4 and stores the
# selector in the low word (SDM vol. 2, PUSH); only that word is checked.
#
# Both stacks reach the same linear dwords: the 16-bit one is SEL_S16
# (base 0x200000, limit 0xFFFF, B = 0) with SP = 0xFFFC, the 32-bit one
# the flat SEL_DATA0 with ESP = 0x0020FFFC; the values sit at linear
# 0x20FFFC-0x20FFFF.

    .include "rt.inc"

    .set SEL_S16, 0x30          # data, base 0x200000, limit 0xFFFF, B = 0
    .set SEL_S16B, 0x38         # the same with B = 1
    .set SLOT, 0x20FFFC         # linear address of SS:0xFFFC / flat 0x20FFFC

# POPCASE stack, esp, insn, addr, val, want_esp, reg, want_sel, msg: with
# SS = stack and ESP = esp, the dword val at linear addr, runs insn; checks
# ESP, and that segment register reg now holds want_sel.
.macro POPCASE stack, esp, insn, addr, val, want_esp, reg, want_sel, msg
    movl $\val, \addr
    movl %esp, saved_esp
    movw $\stack, %ax
    movw %ax, %ss
    movl $\esp, %esp
    \insn
    movl %esp, %ebx
    movw \reg, %cx
    movw $SEL_DATA0, %ax        # all flat again
    movw %ax, %ss
    movl %ss:saved_esp, %esp
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    CHECK %ebx, $\want_esp, "\msg: ESP"
    movzwl %cx, %ecx
    CHECK %ecx, $\want_sel, "\msg: the selector loaded"
.endm

# PUSHCASE stack, esp, insn, want_esp, addr, want_sel, msg: with SS = stack
# and ESP = esp, runs insn; checks ESP and the word stored at linear addr.
.macro PUSHCASE stack, esp, insn, want_esp, addr, want_sel, msg
    movl $0xA5A5A5A5, SLOT
    movl %esp, saved_esp
    movw $\stack, %ax
    movw %ax, %ss
    movl $\esp, %esp
    \insn
    movl %esp, %ebx
    movw $SEL_DATA0, %ax
    movw %ax, %ss
    movl saved_esp, %esp
    CHECK %ebx, $\want_esp, "\msg: ESP"
    movzwl \addr, %ecx
    CHECK %ecx, \want_sel, "\msg: the selector stored"
.endm

    .text
    .globl test_main
test_main:
    pushl %ebx
    pushl $0x0093               # P DPL0 data rw accessed, B = 0, byte limit
    pushl $0xFFFF
    pushl $0x200000
    pushl $SEL_S16
    call gdt_set
    movl $0x4093, 12(%esp)      # the same, B = 1
    movl $SEL_S16B, (%esp)
    call gdt_set
    addl $16, %esp

    # --- POP SS: the old stack's rules, whatever the new segment ---
    POPCASE SEL_S16, 0x0002FFFC, "popl %ss", SLOT, SEL_DATA0, 0x00020000, %ss, SEL_DATA0, "o32 pop ss, 16-bit stack, to a 32-bit segment"
    POPCASE SEL_S16, 0x0002FFFC, "popl %ss", SLOT, SEL_S16, 0x00020000, %ss, SEL_S16, "o32 pop ss, 16-bit stack, to a 16-bit segment"
    POPCASE SEL_S16, 0x0002FFFC, "popw %ss", SLOT, SEL_S16B, 0x0002FFFE, %ss, SEL_S16B, "o16 pop ss, 16-bit stack, to a 32-bit segment"
    POPCASE SEL_S16, 0x0002FFFE, "popw %ss", SLOT+2, SEL_DATA0, 0x00020000, %ss, SEL_DATA0, "o16 pop ss, 16-bit stack, SP wraps"
    POPCASE SEL_DATA0, 0x0020FFFC, "popl %ss", SLOT, SEL_S16, 0x00210000, %ss, SEL_S16, "o32 pop ss, 32-bit stack, to a 16-bit segment"
    POPCASE SEL_DATA0, 0x0020FFFC, "popw %ss", SLOT, SEL_S16, 0x0020FFFE, %ss, SEL_S16, "o16 pop ss, 32-bit stack, to a 16-bit segment"

    # --- POP DS/ES/FS/GS ---
    .irp r, ds, es, fs, gs
    POPCASE SEL_S16, 0x0002FFFC, "popl %\r", SLOT, SEL_S16B, 0x00020000, %\r, SEL_S16B, "o32 pop \r, 16-bit stack"
    POPCASE SEL_S16, 0x0002FFFC, "popw %\r", SLOT, SEL_S16B, 0x0002FFFE, %\r, SEL_S16B, "o16 pop \r, 16-bit stack"
    POPCASE SEL_S16, 0x0002FFFE, "popw %\r", SLOT+2, SEL_S16B, 0x00020000, %\r, SEL_S16B, "o16 pop \r, 16-bit stack, SP wraps"
    POPCASE SEL_DATA0, 0x0020FFFC, "popl %\r", SLOT, SEL_S16B, 0x00210000, %\r, SEL_S16B, "o32 pop \r, 32-bit stack"
    POPCASE SEL_DATA0, 0x0020FFFC, "popw %\r", SLOT, SEL_S16B, 0x0020FFFE, %\r, SEL_S16B, "o16 pop \r, 32-bit stack"
    .endr

    # --- PUSH SS, CS, DS, ES, FS, GS ---
    movl $SEL_S16, want_sel
    PUSHCASE SEL_S16, 0x00020000, "pushl %ss", 0x0002FFFC, SLOT, want_sel, "o32 push ss, 16-bit stack, SP wraps"
    PUSHCASE SEL_S16, 0x00020000, "pushw %ss", 0x0002FFFE, SLOT+2, want_sel, "o16 push ss, 16-bit stack, SP wraps"
    movl $SEL_DATA0, want_sel
    PUSHCASE SEL_DATA0, 0x00210000, "pushl %ss", 0x0020FFFC, SLOT, want_sel, "o32 push ss, 32-bit stack"
    PUSHCASE SEL_DATA0, 0x00210000, "pushw %ss", 0x0020FFFE, SLOT+2, want_sel, "o16 push ss, 32-bit stack"
    .irp r, cs, ds, es, fs, gs
    movw %\r, %dx
    movzwl %dx, %edx
    movl %edx, want_sel
    PUSHCASE SEL_S16, 0x00020000, "pushl %\r", 0x0002FFFC, SLOT, want_sel, "o32 push \r, 16-bit stack, SP wraps"
    PUSHCASE SEL_S16, 0x00020000, "pushw %\r", 0x0002FFFE, SLOT+2, want_sel, "o16 push \r, 16-bit stack, SP wraps"
    PUSHCASE SEL_S16, 0x1234FFFE, "pushw %\r", 0x1234FFFC, SLOT, want_sel, "o16 push \r, 16-bit stack, upper half kept"
    PUSHCASE SEL_DATA0, 0x00210000, "pushl %\r", 0x0020FFFC, SLOT, want_sel, "o32 push \r, 32-bit stack"
    PUSHCASE SEL_DATA0, 0x00210000, "pushw %\r", 0x0020FFFE, SLOT+2, want_sel, "o16 push \r, 32-bit stack"
    .endr
    popl %ebx
    ret

    .data
saved_esp: .long 0
want_sel: .long 0

    .globl test_name
test_name: .asciz "sreg_stack"
