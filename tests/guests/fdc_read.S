/* A firmware-less floppy driver (for tests/floppy/test_fdc_guest.c): what
 * SeaBIOS's floppy code does, written out, run by the CPU against the
 * board's 8259, 8237 and 82077AA.  IRQ 6 arrives through the PIC (vector
 * 0x0E); the guest waits for it with STI; HLT.
 *
 *   DMA: master clear both, channel 4 cascade, unmasked
 *   FDC: reset through DOR, the interrupt and four SENSE INTERRUPT STATUS,
 *        500 kbit/s, SPECIFY, RECALIBRATE, READ ID, then READ DATA of C0
 *        H0 S17 with SeaBIOS's command byte (MT MFM SK) and EOT (20) into
 *        0x8000 by DMA: sectors 17 and 18 of head 0, 1 and 2 of head 1
 *
 * It prints the line each sector starts with (the floppy boot image's,
 * tests/floppy/boot.S) and the READ DATA result bytes on COM1, and exits
 * with 0x10 when every status was right, 0x11 (and "fdc error N") when
 * not. */
    .code16
    .text
    .include "lib16.inc"

    .equ FLAG, 0x500            /* in RAM (ES = 0): IRQ 6 came */
    .equ RES, 0x510             /* in RAM: the last result bytes */
    .equ BUF, 0x8000
    .equ FD_DOR, 0x3f2
    .equ FD_MSR, 0x3f4
    .equ FD_DATA, 0x3f5
    .equ FD_CCR, 0x3f7

    .globl start
start:
    SETUP16
    /* The IRQ 6 vector, and the 8259s: master at 0x08, slave at 0x70,
     * only IRQ 6 unmasked. */
    movw $irq6, %es:(0x0e * 4)
    movw $0xf000, %es:(0x0e * 4 + 2)
    mov $0x11, %al
    out %al, $0x20
    out %al, $0xa0
    mov $0x08, %al
    out %al, $0x21
    mov $0x70, %al
    out %al, $0xa1
    mov $0x04, %al
    out %al, $0x21
    mov $0x02, %al
    out %al, $0xa1
    mov $0x01, %al
    out %al, $0x21
    out %al, $0xa1
    mov $0xbf, %al
    out %al, $0x21
    mov $0xff, %al
    out %al, $0xa1
    movb $0, %es:FLAG

    /* DMA: SeaBIOS's dma_setup. */
    xor %al, %al
    out %al, $0x0d
    out %al, $0xda
    mov $0xc0, %al
    out %al, $0xd6
    xor %al, %al
    out %al, $0xd4

    /* FDC reset: DOR 0, then drive 0, motor, DMA and INT, running. */
    mov $FD_DOR, %dx
    xor %al, %al
    out %al, %dx
    mov $0x1c, %al
    out %al, %dx
    mov $1, %bp                 /* error number */
    call wait_irq
    mov $4, %bx
1:  mov $0x08, %al
    call fdc_out
    mov $2, %cx
    call results
    mov $2, %bp
    movb %es:RES, %al
    and $0xfc, %al
    cmp $0xc0, %al
    jne error
    dec %bx
    jnz 1b

    mov $FD_CCR, %dx
    xor %al, %al
    out %al, %dx
    mov $0x03, %al              /* SPECIFY: SRT 12 ms, HUT 240 ms, DMA */
    call fdc_out
    mov $0xaf, %al
    call fdc_out
    mov $0x02, %al
    call fdc_out

    mov $0x07, %al              /* RECALIBRATE drive 0 */
    call fdc_out
    xor %al, %al
    call fdc_out
    mov $3, %bp
    call wait_irq
    mov $0x08, %al
    call fdc_out
    mov $2, %cx
    call results
    cmpb $0x20, %es:RES
    jne error

    mov $0x4a, %al              /* READ ID, head 0 */
    call fdc_out
    xor %al, %al
    call fdc_out
    mov $4, %bp
    call wait_irq
    mov $7, %cx
    call results
    testb $0xc0, %es:RES
    jnz error

    /* DMA channel 2: 2048 bytes to 0x8000, single mode, write. */
    mov $0x06, %al
    out %al, $0x0a
    out %al, $0x0c
    xor %al, %al
    out %al, $0x04
    mov $(BUF >> 8), %al
    out %al, $0x04
    out %al, $0x0c
    mov $0xff, %al
    out %al, $0x05
    mov $0x07, %al
    out %al, $0x05
    mov $0x46, %al
    out %al, $0x0b
    xor %al, %al
    out %al, $0x81
    mov $0x02, %al
    out %al, $0x0a

    mov $cmd_read, %si
    mov $9, %cx
2:  lodsb
    call fdc_out
    loop 2b
    mov $5, %bp
    call wait_irq
    mov $7, %cx
    call results
    /* ST0 head 1, normal; ST1 ST2 0; C 0, H 1, R 3, N 2. */
    mov $6, %bp
    mov $RES, %di
    mov $expect, %si
    mov $7, %cx
3:  mov %es:(%di), %al
    cmp (%si), %al
    jne error
    inc %si
    inc %di
    loop 3b

    /* The four lines, from RAM. */
    push %ds
    xor %ax, %ax
    mov %ax, %ds
    mov $BUF, %bx
    mov $4, %cx
4:  mov %bx, %si
    call puts
    add $512, %bx
    loop 4b
    pop %ds
    mov $ok, %si
    call puts
    EXIT 0x10

error:
    mov $errmsg, %si
    call puts
    mov %bp, %ax
    call print_dec
    mov $'\n', %al
    call putc
    EXIT 0x11

/* Waits for IRQ 6 (a bounded number of halts; BP says which wait failed). */
wait_irq:
    push %cx
    mov $1000, %cx
5:  cli
    cmpb $0, %es:FLAG
    jne 6f
    sti
    hlt
    loop 5b
    pop %cx
    jmp error
6:  movb $0, %es:FLAG
    sti
    pop %cx
    ret

/* Writes AL to the FIFO once the controller asks for a byte. */
fdc_out:
    push %ax
    mov $FD_MSR, %dx
7:  in %dx, %al
    and $0xc0, %al
    cmp $0x80, %al
    jne 7b
    pop %ax
    mov $FD_DATA, %dx
    out %al, %dx
    ret

/* Reads CX result bytes into RES. */
results:
    push %di
    mov $RES, %di
8:  mov $FD_MSR, %dx
9:  in %dx, %al
    and $0xc0, %al
    cmp $0xc0, %al
    jne 9b
    mov $FD_DATA, %dx
    in %dx, %al
    mov %al, %es:(%di)
    inc %di
    loop 8b
    pop %di
    ret

/* IRQ 6: note it, end the interrupt at the master. */
irq6:
    push %ax
    push %ds
    xor %ax, %ax
    mov %ax, %ds
    movb $1, FLAG
    mov $0x20, %al
    out %al, $0x20
    pop %ds
    pop %ax
    iret

    DEFINE_PUTC

cmd_read: .byte 0xe6, 0x00, 0, 0, 17, 2, 20, 0x1b, 0xff
expect:   .byte 0x04, 0x00, 0x00, 0, 1, 3, 2
ok:       .asciz "fdc_read: done\r\n"
errmsg:   .asciz "fdc error "

    RESET_VECTOR
