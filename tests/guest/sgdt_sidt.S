# sgdt_sidt: seed 000.  SGDT and SIDT are not privileged: at ring 0 and at
# ring 3 they store exactly the guest's own GDTR and IDTR (SDM vol. 2,
# SGDT/SIDT; vol. 3A, 2.4).
#   - 32-bit operand size: limit in bytes 0-1, the 32-bit base in 2-5.
#   - 16-bit operand size (0x66): limit, then 24 bits of base and a zero
#     sixth byte on the 386 and later (the 286 stored 0xFF; SDM's
#     compatibility note and the Operation section of older SDMs; QEMU does
#     the same; Bochs stores all 32 bits).  Bytes 6-7 are never written.
#   - LGDT/LIDT with 16-bit operand size load only 24 bits of base.
# To see the sixth byte, the tables are also loaded from copies above
# 16 MiB (HIGH + the low copy's address: a 24-bit base still finds a valid
# copy); the VM needs at least 18 MiB of RAM (both QEMU's and plex86's
# default of 32 MiB do).

    .include "rt.inc"

    .set HIGH, 0x01000000

# STORE insn, o16, base_reg, limit, msg: runs `insn sbuf` (0x66 first when
# o16) and checks what it stored against base_reg (a register holding the
# table's base) and limit.
.macro STORE insn, o16, basereg, limit, msg
    movl $0xAAAAAAAA, sbuf
    movl $0xAAAAAAAA, sbuf + 4
  .if \o16
    .byte 0x66
  .endif
    \insn sbuf
    pushl \basereg
  .if \o16
    andl $0x00FFFFFF, (%esp)
  .endif
    popl %eax
    CHECK sbuf+2, %eax, "\msg: base (bytes 2-5)"
    movzwl sbuf, %eax
    CHECK %eax, \limit, "\msg: limit"
    movzwl sbuf + 6, %eax
    CHECK %eax, $0xAAAA, "\msg: bytes 6-7 untouched"
.endm

    .text
    .globl test_main
test_main:
    # --- ring 0, the runtime's tables ---
    movl $gdt, %ebx
    movl $idt, %esi
    call stores
    CHECK %eax, $0, "ring 0"

    # --- ring 3 ---
    pushl $r3_stores
    call enter_ring3
    addl $4, %esp
    CHECK %eax, $0x600D, "ring 3 did not finish"

    # --- tables above 16 MiB ---
    movl $gdt, %esi             # copies: at gdt_low and HIGH + gdt_low
    movl $gdt_low, %edi
    movl $GDT_ENTRIES * 2, %ecx
    rep movsl
    movl $gdt, %esi
    movl $HIGH + gdt_low, %edi
    movl $GDT_ENTRIES * 2, %ecx
    rep movsl
    movl $idt, %esi
    movl $idt_low, %edi
    movl $512, %ecx
    rep movsl
    movl $idt, %esi
    movl $HIGH + idt_low, %edi
    movl $512, %ecx
    rep movsl
    lgdt high_gdt_desc
    lidt high_idt_desc
    movl $HIGH + gdt_low, %ebx
    movl $HIGH + idt_low, %esi
    call stores
    CHECK %eax, $0, "ring 0, tables above 16 MiB"
    pushl $r3_stores_high
    call enter_ring3
    addl $4, %esp
    CHECK %eax, $0x600D, "ring 3 with tables above 16 MiB did not finish"

    # LGDT/LIDT with 16-bit operand size drop the base's top byte.
    .byte 0x66
    lgdt high_gdt_desc
    .byte 0x66
    lidt high_idt_desc
    sgdt sbuf
    sidt sbuf + 8
    lgdt gdt_desc               # back to the runtime's (32-bit form)
    lidt idt_desc
    CHECK sbuf+2, $gdt_low, "LGDT with 16-bit operand size: 24-bit base"
    CHECK sbuf+10, $idt_low, "LIDT with 16-bit operand size: 24-bit base"
    ret

# stores(): EBX = expected GDT base, ESI = expected IDT base; both forms of
# SGDT and SIDT.  Returns EAX = 0.  Ring 0 or ring 3.
stores:
    STORE sgdt, 0, %ebx, $GDT_ENTRIES*8-1, "SGDT 32-bit"
    STORE sgdt, 1, %ebx, $GDT_ENTRIES*8-1, "SGDT 16-bit"
    STORE sidt, 0, %esi, $256*8-1, "SIDT 32-bit"
    STORE sidt, 1, %esi, $256*8-1, "SIDT 16-bit"
    xorl %eax, %eax
    ret

r3_stores:
    movw %cs, %ax
    testw $3, %ax
    jnz 1f
    FAIL "not at ring 3"
1:  movl $gdt, %ebx
    movl $idt, %esi
    call stores
    movl $0x600D, %eax
    ret

r3_stores_high:
    movl $HIGH + gdt_low, %ebx
    movl $HIGH + idt_low, %esi
    call stores
    movl $0x600D, %eax
    ret

    .section .rodata
    .globl test_name
test_name: .asciz "sgdt_sidt"

    .data
    .balign 8
high_gdt_desc:
    .word GDT_ENTRIES * 8 - 1
    .long HIGH + gdt_low
    .balign 8
high_idt_desc:
    .word 256 * 8 - 1
    .long HIGH + idt_low
    .balign 8
sbuf: .skip 16

    .bss
    .balign 8
gdt_low: .skip GDT_ENTRIES * 8
    .balign 8
idt_low: .skip 256 * 8
