# The PC/AT timers through the interrupt controller: the 8254's channel 0
# (rate generator, 1 kHz) on IRQ 0 and the RTC's periodic interrupt
# (1024 Hz) on IRQ 8 through the cascaded 8259As, taken while the CPU
# idles in HLT.  Both count guest time from one clock, so after 100 PIT
# ticks (100 ms) the RTC must have interrupted 102 times, give or take
# one at each end (issue 6 item 6, issue 7 item 6: one view of time).
# Also: the PIT's count, latched, goes down between two reads; an IRQ
# that is masked in the IMR does not wake HLT; EOI lets the next one in.
#
# Under plex86 the test runs with -icount (tests/guest/CMakeLists.txt),
# so its counts are exact and repeatable.  On the host clock (HOSTCLOCK=1)
# a late VM merges timer periods, so the RTC/PIT ratio is not checked.

    .include "rt.inc"

    .set PIT_HZ, 1193182
    .set PIT_DIV, 1193          # ~1000.15 Hz
    .set VEC_IRQ0, 0x20
    .set VEC_IRQ8, 0x28

    .text
    .globl test_main
test_main:
    call pic_init
    movl $on_irq0, handlers + 4 * VEC_IRQ0
    movl $on_irq8, handlers + 4 * VEC_IRQ8

    # PIT channel 0: LSB then MSB, mode 2, binary.
    movb $0x34, %al
    outb %al, $0x43
    movb $(PIT_DIV & 0xFF), %al
    outb %al, $0x40
    movb $(PIT_DIV >> 8), %al
    outb %al, $0x40

    # The count goes down: latch it twice with some work in between.
    call pit_latch
    movl %eax, %ebx
    movl $2000, %ecx
1:  loop 1b
    call pit_latch
    cmpl %ebx, %eax
    jb 2f
    FAIL "PIT count did not go down"
2:
    # RTC: periodic interrupt at 1024 Hz (RS = 6), PIE on; read C to
    # clear any old flag.
    movb $0x8A, %al             # register A (NMI stays masked: bit 7)
    outb %al, $0x70
    movb $0x26, %al             # DV = 010 (32.768 kHz), RS = 6
    outb %al, $0x71
    movb $0x8B, %al
    outb %al, $0x70
    inb $0x71, %al
    orb $0x40, %al              # PIE
    movb %al, %ah
    movb $0x8B, %al
    outb %al, $0x70
    movb %ah, %al
    outb %al, $0x71
    movb $0x8C, %al
    outb %al, $0x70
    inb $0x71, %al

    # Unmask IRQ 0 and the cascade (IRQ 2) on the master, IRQ 8 on the
    # slave, and count.
    movl $0, ticks0
    movl $0, ticks8
    movb $0xFA, %al
    outb %al, $0x21
    movb $0xFE, %al
    outb %al, $0xA1
    sti
3:  hlt
    cmpl $100, ticks0
    jb 3b
    cli
    movl ticks8, %eax
    movl %eax, rtc_at_100

    CHECK ticks0, $100, "IRQ 0 count"
.ifndef HOSTCLOCK
    movl rtc_at_100, %eax
    subl $101, %eax
    cmpl $2, %eax               # 101..103
    jbe 4f
    CHECK rtc_at_100, $102, "RTC interrupts in 100 PIT periods"
4:
.endif
    # Masked IRQ 0 must not wake HLT: mask it, keep IRQ 8, wait for 20
    # RTC interrupts and check that no PIT tick came in between.
    movb $0xFB, %al
    outb %al, $0x21
    movl ticks8, %ebx
    addl $20, %ebx
    sti
5:  hlt
    cmpl %ebx, ticks8
    jb 5b
    cli
    CHECK ticks0, $100, "masked IRQ 0 was delivered"

    # Stop the RTC interrupt and leave.
    movb $0xFF, %al
    outb %al, $0x21
    outb %al, $0xA1
    ret

# pit_latch: EAX = channel 0's count (counter latch command).
pit_latch:
    movb $0x00, %al
    outb %al, $0x43
    inb $0x40, %al
    movb %al, %ah
    inb $0x40, %al
    xchgb %al, %ah
    movzwl %ax, %eax
    ret

# pic_init: both 8259As edge-triggered, vectors 0x20 and 0x28, cascade on
# IRQ 2, 8086 mode, everything masked.
pic_init:
    movb $0x11, %al
    outb %al, $0x20
    outb %al, $0xA0
    movb $VEC_IRQ0, %al
    outb %al, $0x21
    movb $VEC_IRQ8, %al
    outb %al, $0xA1
    movb $0x04, %al
    outb %al, $0x21
    movb $0x02, %al
    outb %al, $0xA1
    movb $0x01, %al
    outb %al, $0x21
    outb %al, $0xA1
    movb $0xFF, %al
    outb %al, $0x21
    outb %al, $0xA1
    ret

# handlers: called with the frame; non-specific EOI.
on_irq0:
    incl ticks0
    movb $0x20, %al
    outb %al, $0x20
    ret

on_irq8:
    incl ticks8
    movb $0x8C, %al             # read C: acknowledges the RTC
    outb %al, $0x70
    inb $0x71, %al
    movb $0x20, %al
    outb %al, $0xA0
    outb %al, $0x20
    ret

    .data
ticks0: .long 0
ticks8: .long 0
rtc_at_100: .long 0

    .section .rodata
    .globl test_name
test_name: .asciz "timer"
