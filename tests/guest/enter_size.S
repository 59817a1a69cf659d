# enter_size: ENTER with both operand sizes on both stack sizes, nesting
# levels 0, 1 and 3 (issue 20, item 2).  The SDM's pseudo-code (vol. 2,
# ENTER) is keyed on the operand size: with OperandSize = 32 it pushes EBP
# and sets FrameTemp <- ESP, all 32 bits, whatever the stack size; the
# final EBP <- FrameTemp and the pushed frame pointer are that value.  On
# a 16-bit stack (SS.B = 0) every push moves SP only, wrapping at 64 KiB
# with ESP's upper half kept, and the nested copies are read at BP - 4k
# (BP - 2k for a 16-bit operand).  So `o32 enter 8, 0` with ESP =
# 0x00010000 on a 16-bit stack leaves ESP = 0x0001FFF4 and EBP =
# 0x0001FFFC (not 0x0000FFFC: QEMU 7.2 agrees with the old plex86 here, so
# it is no oracle for those cases, left out of the QEMU build).
#
# The 16-bit stack is SEL_S16 (base 0x200000, limit 0xFFFF, B = 0), the
# 32-bit one the flat SEL_DATA0 with ESP and EBP 0x200000 higher: both
# reach the same linear bytes.  The enclosing frame's pointers for the
# nested copies sit at linear 0x2000F8-0x2000FF.

    .include "rt.inc"

    .set SEL_S16, 0x30          # data, base 0x200000, limit 0xFFFF, B = 0
    .set STK, 0x200000          # linear base of both stacks' test area

# ENTERCASE stack, esp, ebp, insn, want_esp, want_ebp, msg: with SS =
# stack, ESP = esp and EBP = ebp, runs insn; checks ESP and EBP.
.macro ENTERCASE stack, esp, ebp, insn, want_esp, want_ebp, msg
    movl $0xAAAABBBB, STK + 0xFC    # [BP-4] dword; words [BP-2], [BP-4]
    movl $0xCCCCDDDD, STK + 0xF8    # [BP-8] dword
    movl %ebp, saved_ebp
    movl %esp, saved_esp
    movw $\stack, %ax
    movw %ax, %ss
    movl $\esp, %esp
    movl $\ebp, %ebp
    \insn
    movl %esp, %ebx
    movl %ebp, %ecx
    movw $SEL_DATA0, %ax
    movw %ax, %ss
    movl saved_esp, %esp
    movl saved_ebp, %ebp
    CHECK %ebx, $\want_esp, "\msg: ESP"
    CHECK %ecx, $\want_ebp, "\msg: EBP"
.endm

# MEMW addr, want, msg / MEMD: the word / dword at linear addr.
.macro MEMW addr, want, msg
    movzwl \addr, %eax
    CHECK %eax, $\want, "\msg"
.endm
.macro MEMD addr, want, msg
    CHECK \addr, $\want, "\msg"
.endm

    .text
    .globl test_main
test_main:
    pushl %ebx
    pushl $0x0093               # P DPL0 data rw accessed, B = 0, byte limit
    pushl $0xFFFF
    pushl $STK
    pushl $SEL_S16
    call gdt_set
    addl $16, %esp

    # --- 32-bit operand, 16-bit stack (QEMU 7.2 gives EBP = 0x0000FFFC) ---
.ifndef QEMU
    ENTERCASE SEL_S16, 0x00010000, 0x12345678, "enterl $8, $0", 0x0001FFF4, 0x0001FFFC, "o32 enter 8,0 on a 16-bit stack"
    MEMD STK + 0xFFFC, 0x12345678, "o32 enter 8,0 on a 16-bit stack: EBP pushed at SS:FFFC"
    ENTERCASE SEL_S16, 0x00010000, 0x12345678, "enterl $8, $1", 0x0001FFF0, 0x0001FFFC, "o32 enter 8,1 on a 16-bit stack"
    MEMD STK + 0xFFF8, 0x0001FFFC, "o32 enter 8,1 on a 16-bit stack: the frame pointer pushed"
    ENTERCASE SEL_S16, 0x00010000, 0xABCD0100, "enterl $8, $3", 0x0001FFE8, 0x0001FFFC, "o32 enter 8,3 on a 16-bit stack"
    MEMD STK + 0xFFFC, 0xABCD0100, "o32 enter 8,3 on a 16-bit stack: EBP pushed"
    MEMD STK + 0xFFF8, 0xAAAABBBB, "o32 enter 8,3 on a 16-bit stack: [BP-4] copied"
    MEMD STK + 0xFFF4, 0xCCCCDDDD, "o32 enter 8,3 on a 16-bit stack: [BP-8] copied"
    MEMD STK + 0xFFF0, 0x0001FFFC, "o32 enter 8,3 on a 16-bit stack: the frame pointer pushed"
.endif

    # --- 16-bit operand, 16-bit stack ---
    ENTERCASE SEL_S16, 0x00010000, 0x12345678, "enterw $8, $0", 0x0001FFF6, 0x1234FFFE, "o16 enter 8,0 on a 16-bit stack"
    MEMW STK + 0xFFFE, 0x5678, "o16 enter 8,0 on a 16-bit stack: BP pushed"
    ENTERCASE SEL_S16, 0x00010000, 0x12345678, "enterw $8, $1", 0x0001FFF4, 0x1234FFFE, "o16 enter 8,1 on a 16-bit stack"
    MEMW STK + 0xFFFC, 0xFFFE, "o16 enter 8,1 on a 16-bit stack: the frame pointer pushed"
    ENTERCASE SEL_S16, 0x00010000, 0xABCD0100, "enterw $8, $3", 0x0001FFF0, 0xABCDFFFE, "o16 enter 8,3 on a 16-bit stack"
    MEMW STK + 0xFFFE, 0x0100, "o16 enter 8,3 on a 16-bit stack: BP pushed"
    MEMW STK + 0xFFFC, 0xAAAA, "o16 enter 8,3 on a 16-bit stack: [BP-2] copied"
    MEMW STK + 0xFFFA, 0xBBBB, "o16 enter 8,3 on a 16-bit stack: [BP-4] copied"
    MEMW STK + 0xFFF8, 0xFFFE, "o16 enter 8,3 on a 16-bit stack: the frame pointer pushed"

    # --- 32-bit operand, 32-bit stack ---
    ENTERCASE SEL_DATA0, STK + 0x10000, 0x12345678, "enterl $8, $0", STK + 0xFFF4, STK + 0xFFFC, "o32 enter 8,0 on a 32-bit stack"
    MEMD STK + 0xFFFC, 0x12345678, "o32 enter 8,0 on a 32-bit stack: EBP pushed"
    ENTERCASE SEL_DATA0, STK + 0x10000, 0x12345678, "enterl $8, $1", STK + 0xFFF0, STK + 0xFFFC, "o32 enter 8,1 on a 32-bit stack"
    MEMD STK + 0xFFF8, STK + 0xFFFC, "o32 enter 8,1 on a 32-bit stack: the frame pointer pushed"
    ENTERCASE SEL_DATA0, STK + 0x10000, STK + 0x100, "enterl $8, $3", STK + 0xFFE8, STK + 0xFFFC, "o32 enter 8,3 on a 32-bit stack"
    MEMD STK + 0xFFF8, 0xAAAABBBB, "o32 enter 8,3 on a 32-bit stack: [EBP-4] copied"
    MEMD STK + 0xFFF4, 0xCCCCDDDD, "o32 enter 8,3 on a 32-bit stack: [EBP-8] copied"
    MEMD STK + 0xFFF0, STK + 0xFFFC, "o32 enter 8,3 on a 32-bit stack: the frame pointer pushed"

    # --- 16-bit operand, 32-bit stack: FrameTemp is SP, 16 bits ---
    ENTERCASE SEL_DATA0, STK + 0x10000, 0x12345678, "enterw $8, $0", STK + 0xFFF6, 0x1234FFFE, "o16 enter 8,0 on a 32-bit stack"
    MEMW STK + 0xFFFE, 0x5678, "o16 enter 8,0 on a 32-bit stack: BP pushed"
    ENTERCASE SEL_DATA0, STK + 0x10000, 0x12345678, "enterw $8, $1", STK + 0xFFF4, 0x1234FFFE, "o16 enter 8,1 on a 32-bit stack"
    MEMW STK + 0xFFFC, 0xFFFE, "o16 enter 8,1 on a 32-bit stack: the frame pointer pushed"
    ENTERCASE SEL_DATA0, STK + 0x10000, STK + 0x100, "enterw $8, $3", STK + 0xFFF0, STK + 0xFFFE, "o16 enter 8,3 on a 32-bit stack"
    MEMW STK + 0xFFFC, 0xAAAA, "o16 enter 8,3 on a 32-bit stack: [EBP-2] copied"
    MEMW STK + 0xFFFA, 0xBBBB, "o16 enter 8,3 on a 32-bit stack: [EBP-4] copied"
    MEMW STK + 0xFFF8, 0xFFFE, "o16 enter 8,3 on a 32-bit stack: the frame pointer pushed"
    popl %ebx
    ret

    .data
saved_esp: .long 0
saved_ebp: .long 0

    .globl test_name
test_name: .asciz "enter_size"
