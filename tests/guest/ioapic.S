# The I/O APIC (82093AA data sheet) beside the 8259s, as on QEMU's pc:
# its version register through IOREGSEL/IOWIN; the 8254 (ISA IRQ 0) on
# pin 2, edge-triggered, with the 8259s masked; the 8042's IRQ 1, a level
# source (high while its output buffer is full), on pin 1 level-triggered:
# the remote IRR is set while the interrupt is in service, an EOI with the
# line still high delivers it again, reading the byte ends it; a masked
# level pin delivers when unmasked.

    .include "rt.inc"
    .include "apic.inc"

    .set VEC_PIT, 0x40
    .set VEC_KBD, 0x41

    .text
    .globl test_main
test_main:
    APIC_ON
    movl $on_pit, handlers + 4 * VEC_PIT
    movl $on_kbd, handlers + 4 * VEC_KBD

    IORD $1
    CHECK %eax, $0x00170020, "IOAPIC version: 24 entries, version 0x20 (QEMU's)"
    IORD $0x14                  # pin 2, low half
    andl $0x10000, %eax
    CHECK %eax, $0x10000, "pin 2 masked at reset"

    # --- the PIT on pin 2, edge, to APIC ID 0 ----------------------------
    IOWR $0x15, $0
    IOWR $0x14, $VEC_PIT
    movb $0x34, %al             # ch 0, LSB then MSB, mode 2
    outb %al, $0x43
    movb $(1193 & 0xFF), %al    # ~1 kHz
    outb %al, $0x40
    movb $(1193 >> 8), %al
    outb %al, $0x40
    sti
1:  hlt
    cmpl $10, pit_n
    jb 1b
    cli
    IOWR $0x14, $(0x10000 | VEC_PIT)
    CHECK pit_n, $10, "PIT interrupts through pin 2"

    # --- the 8042's IRQ 1 on pin 1, level --------------------------------
    call kbd_flush
    movb $0x60, %al             # write the command byte: IRQ 1 on
    outb %al, $0x64
    call kbd_wait_in
    movb $0x01, %al
    outb %al, $0x60
    call kbd_flush
    IOWR $0x13, $0
    IOWR $0x12, $(0x8000 | VEC_KBD)
    call kbd_put                # a byte in the output buffer: IRQ 1 high
    sti
    nop
    cli
    CHECK kbd_n, $2, "level interrupt again after an EOI while high"
    CHECK rirr_in_handler, $0x4000, "remote IRR while in service"
    IORD $0x12
    andl $0x4000, %eax
    CHECK %eax, $0, "remote IRR after the last EOI"

    # Masked while high: nothing, then delivered on unmask.
    movl $0, kbd_n
    movl $1, kbd_read_at
    IOWR $0x12, $(0x18000 | VEC_KBD)
    call kbd_put
    sti
    nop
    nop
    cli
    CHECK kbd_n, $0, "masked level pin delivered"
    IOWR $0x12, $(0x8000 | VEC_KBD)
    sti
    nop
    cli
    CHECK kbd_n, $1, "unmasked level pin not delivered"
    IOWR $0x12, $(0x10000 | VEC_KBD)
    ret

on_pit:
    incl pit_n
    movl $0, A_EOI
    ret

# The first time: EOI without reading the byte (the line stays high, so
# the interrupt comes again); at kbd_read_at: read it, then EOI.
on_kbd:
    incl kbd_n
    IORD $0x12
    andl $0x4000, %eax
    movl %eax, rirr_in_handler
    movl kbd_n, %eax
    cmpl kbd_read_at, %eax
    jb 1f
    inb $0x60, %al
1:  movl $0, A_EOI
    ret

# Puts 0xAB in the output buffer as if the keyboard sent it (command D2).
kbd_put:
    call kbd_wait_in
    movb $0xD2, %al
    outb %al, $0x64
    call kbd_wait_in
    movb $0xAB, %al
    outb %al, $0x60
    ret

kbd_wait_in:
    inb $0x64, %al
    testb $2, %al
    jnz kbd_wait_in
    ret

kbd_flush:
    movl $1000, %ecx
1:  inb $0x64, %al
    testb $1, %al
    jz 2f
    inb $0x60, %al
2:  loop 1b
    ret

    .data
pit_n: .long 0
kbd_n: .long 0
kbd_read_at: .long 2
rirr_in_handler: .long 0

    .section .rodata
    .globl test_name
test_name: .asciz "ioapic"
