# The keyboard and mouse from the guest's side (issue 17): the 8042 set up
# as Linux leaves it (translation on, IRQ 1 and 12), the mouse streaming;
# every byte from the keyboard is printed on COM1 as "k 0x000000XX", every
# whole mouse packet as "m 0x..." with the X motion summed so far (a
# guest-visible counter).  Esc (set 1 make code 0x01) ends the test with
# PASS.  Driven by tests/test_vnc.py through a VNC client, and by hand with
# any frontend: plex86 -kernel kbd_echo.elf -vnc :1 (or -display sdl).

    .include "rt.inc"

    .set VEC_IRQ0, 0x20
    .set VEC_IRQ8, 0x28

    .text
    .globl test_main
test_main:
    call pic_init
    movl $on_irq1, handlers + 4 * (VEC_IRQ0 + 1)
    movl $on_irq12, handlers + 4 * (VEC_IRQ8 + 4)
    # The controller: keyboard and aux interrupts, translation.
    movb $0x60, %al
    call kbc_cmd
    movb $0x47, %al
    call kbc_data
    movb $0xA8, %al             # aux port on
    call kbc_cmd
    # The mouse: reporting on (its ACK arrives as an aux byte: skipped).
    movb $0xD4, %al
    call kbc_cmd
    movb $0xF4, %al
    call kbc_data
    movl $1, skip_aux
    # Unmask IRQ 1, the cascade and IRQ 12.
    movb $0xF9, %al
    outb %al, $0x21
    movb $0xEF, %al
    outb %al, $0xA1
    movl $m_ready, %esi
    call puts
    sti
1:  hlt
    cmpl $0, done
    je 1b
    cli
    movb $0xFF, %al
    outb %al, $0x21
    outb %al, $0xA1
    ret

# kbc_cmd / kbc_data: AL to port 0x64 / 0x60 once the input buffer is empty.
kbc_cmd:
    pushl %eax
1:  inb $0x64, %al
    testb $2, %al
    jnz 1b
    popl %eax
    outb %al, $0x64
    ret
kbc_data:
    pushl %eax
1:  inb $0x64, %al
    testb $2, %al
    jnz 1b
    popl %eax
    outb %al, $0x60
    ret

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

on_irq1:
    inb $0x60, %al
    movzbl %al, %eax
    movl $m_key, %esi
    call puts
    call puthex
    call newline
    cmpl $0x01, %eax
    jne 1f
    movl $1, done
1:  movb $0x20, %al
    outb %al, $0x20
    ret

on_irq12:
    inb $0x60, %al
    movzbl %al, %eax
    cmpl $0, skip_aux
    je 1f
    movl $0, skip_aux           # the ACK of 0xF4
    jmp 9f
1:  movl npkt, %ecx
    movb %al, pkt(%ecx)
    incl %ecx
    cmpl $3, %ecx
    jb 8f
    # A whole packet: X is byte 1 with the sign in byte 0 bit 4.
    movzbl pkt + 1, %eax
    testb $0x10, pkt
    jz 2f
    orl $0xFFFFFF00, %eax
2:  addl %eax, mouse_x
    movl mouse_x, %eax
    movl $m_mouse, %esi
    call puts
    call puthex
    call newline
    xorl %ecx, %ecx
8:  movl %ecx, npkt
9:  movb $0x20, %al
    outb %al, $0xA0
    outb %al, $0x20
    ret

    .data
done: .long 0
skip_aux: .long 0
npkt: .long 0
mouse_x: .long 0
pkt: .byte 0, 0, 0, 0

    .section .rodata
m_ready: .asciz "ready\r\n"
m_key: .asciz "k "
m_mouse: .asciz "m "
    .globl test_name
test_name: .asciz "kbd_echo"
