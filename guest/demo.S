/* plex86's demo guest: a 64 KiB real-mode ROM that starts at the reset
 * vector, says hello on COM1 and halts.
 *
 * It does what a small BIOS does first: a far jump from the reset vector to
 * reload CS (so that execution moves to the copy of the ROM below 1 MiB), a
 * stack in RAM, the UART programmed to 115200 8N1, a POST code or two, then
 * a driver-style print loop that polls the line status register before each
 * byte.  It copies its banner to RAM with REP MOVSB and prints it from there,
 * and prints a number it computes, so that the run exercises calls, string
 * instructions, loops, and division.
 *
 * Build: as --32, ld -T rom16.ld, objcopy -O binary (guest/rom.cmake).
 * Ends with CLI; HLT, which makes plex86 exit with status 0. */

    .code16
    .text

    .equ COM1, 0x3f8
    .equ UART_LCR, COM1 + 3
    .equ UART_LSR, COM1 + 5
    .equ LSR_THRE, 0x20        /* transmit holding register empty */
    .equ POST_PORT, 0x80
    .equ STACK_TOP, 0x7c00     /* below the traditional boot sector */
    .equ RAM_BANNER, 0x0500    /* first free RAM after the BIOS data area */

    .globl start
start:
    cli
    cld
    xor %ax, %ax
    mov %ax, %ss               /* SS:SP = 0000:7C00, in RAM */
    mov $STACK_TOP, %sp
    mov %ax, %es               /* ES = 0: RAM */
    mov %cs, %ax
    mov %ax, %ds               /* DS = F000: this ROM */

    mov $0x01, %al             /* POST 01: alive */
    out %al, $POST_PORT

    call uart_init

    /* Copy the banner into RAM and print the copy: what a BIOS does when it
     * shadows itself, and a check that RAM holds what was stored. */
    mov $banner, %si
    mov $RAM_BANNER, %di
    mov $banner_len, %cx
    rep movsb
    push %ds
    push %es
    pop %ds                    /* DS = 0 */
    mov $RAM_BANNER, %si
    call puts
    pop %ds                    /* DS = ROM again */

    /* 1 + 2 + ... + 100, counted down with LOOP. */
    mov $sum_msg, %si
    call puts
    xor %ax, %ax
    mov $100, %cx
1:  add %cx, %ax
    loop 1b
    call print_dec
    mov $crlf, %si
    call puts

    mov $0x02, %al             /* POST 02: done */
    out %al, $POST_PORT
    cli
halt:
    hlt
    jmp halt                   /* nothing can wake us, but be safe */

/* Programs COM1 for 115200 baud, 8 data bits, no parity, 1 stop bit: the
 * divisor latch is reached with LCR.DLAB set (NS16550A data sheet). */
uart_init:
    mov $UART_LCR, %dx
    mov $0x80, %al             /* DLAB = 1 */
    out %al, %dx
    mov $COM1, %dx
    mov $1, %al                /* DLL = 1: 115200 baud */
    out %al, %dx
    inc %dx
    xor %al, %al               /* DLM = 0 */
    out %al, %dx
    mov $UART_LCR, %dx
    mov $0x03, %al             /* 8N1, DLAB = 0 */
    out %al, %dx
    ret

/* Prints the NUL-terminated string at DS:SI. */
puts:
    push %ax
1:  lodsb
    test %al, %al
    jz 2f
    call putc
    jmp 1b
2:  pop %ax
    ret

/* Sends AL on COM1 once the transmitter can take it. */
putc:
    push %dx
    push %ax
    mov $UART_LSR, %dx
1:  in %dx, %al
    test $LSR_THRE, %al
    jz 1b
    pop %ax
    mov $COM1, %dx
    out %al, %dx
    pop %dx
    ret

/* Prints AX in decimal: digits are pushed least significant first, then
 * popped and printed. */
print_dec:
    push %ax
    push %bx
    push %cx
    push %dx
    mov $10, %bx
    xor %cx, %cx
1:  xor %dx, %dx
    div %bx                    /* DX:AX / 10 -> AX, remainder DX */
    push %dx
    inc %cx
    test %ax, %ax
    jnz 1b
2:  pop %ax
    add $'0', %al
    call putc
    loop 2b
    pop %dx
    pop %cx
    pop %bx
    pop %ax
    ret

banner:
    .asciz "plex86: hello from a real-mode guest\r\n"
    .equ banner_len, . - banner
sum_msg:
    .asciz "plex86: 1 + 2 + ... + 100 = "
crlf:
    .asciz "\r\n"

/* The reset vector: the CPU starts at F000:FFF0 with CS.base = FFFF0000
 * (SDM vol. 3A, 9.1.4); a far jump reloads CS with a real-mode base. */
    .org 0xfff0, 0xff
reset:
    ljmp $0xf000, $start
    .ascii "06/01/25"          /* BIOS date at F000:FFF5, as PCs have it */
    .byte 0x00
    .byte 0xfc                 /* model byte at F000:FFFE: PC/AT */
    .byte 0x00
