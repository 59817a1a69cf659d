/* Asks the IDE drives what a driver asks and prints the answers on the
 * debug console (0xE9), one line per question: a tag letter, the status
 * and error registers after it, then the data in hex.  test_ide_qemu runs
 * it on plex86 and on QEMU with the same images and compares the lines.
 * Expects a disk at primary master and a CD-ROM at secondary master.
 *   D  IDENTIFY DEVICE (disk)          N  READ NATIVE MAX ADDRESS
 *   P  CHECK POWER MODE                 G  EXECUTE DEVICE DIAGNOSTIC
 *   E  IDENTIFY DEVICE to the CD        I  IDENTIFY PACKET DEVICE
 *   packets: t TEST UNIT READY, q INQUIRY, c READ CAPACITY, T/M READ TOC
 *   (LBA, MSF), S READ TOC session info (SFF-8020i format field), m/e
 *   MODE SENSE(10) pages 2Ah and 01h, g GET CONFIGURATION, n GESN, d READ
 *   DISC INFORMATION, h MECHANISM STATUS, R READ(10), x an unknown opcode,
 *   r REQUEST SENSE after it, s SET CD SPEED, k SEEK(10). */
    .code16
    .text
    .include "lib16.inc"

    .equ BUF, 0x1000

    .globl start
start:
    SETUP16
    /* The firmware's part: I/O decoding and both IDE decode enables of
     * 00:01.1 (QEMU decodes without them). */
    mov $0x80000904, %eax
    mov $0xCF8, %dx
    out %eax, %dx
    mov $0x0005, %ax
    mov $0xCFC, %dx
    out %ax, %dx
    mov $0x80000940, %eax
    mov $0xCF8, %dx
    out %eax, %dx
    mov $0x80008000, %eax
    mov $0xCFC, %dx
    out %eax, %dx

    /* The disk. */
    mov $0x1F6, %dx
    mov $0xA0, %al
    out %al, %dx
    mov $0xEC, %al
    mov $'D', %bl
    mov $0x1F0, %bp
    call ata_in
    mov $0x1F6, %dx
    mov $0xE0, %al
    out %al, %dx
    mov $0xF8, %al
    mov $'N', %bl
    call ata_regs
    mov $0xE5, %al
    mov $'P', %bl
    call ata_regs
    mov $0x90, %al
    mov $'G', %bl
    call ata_regs

    /* The CD. */
    mov $0x170, %bp
    mov $0x176, %dx
    mov $0xA0, %al
    out %al, %dx
    mov $0xEC, %al
    mov $'E', %bl
    call ata_regs
    mov $0xA1, %al
    mov $'I', %bl
    call ata_in
    mov $cdbs, %si
1:  mov (%si), %bl
    test %bl, %bl
    jz 2f
    inc %si
    call packet
    add $12, %si
    jmp 1b
2:  EXIT 0x10

/* Waits while BSY; AL = status. */
wait:
    lea 7(%bp), %dx
1:  in %dx, %al
    test $0x80, %al
    jnz 1b
    ret

/* Command AL, tag BL: prints the status, error, count, LBA registers. */
ata_regs:
    lea 7(%bp), %dx
    out %al, %dx
    call wait
    mov $6, %cx
    call line_head
    mov $2, %di
1:  lea (%bp,%di), %dx
    in %dx, %al
    call hexbyte
    inc %di
    cmp $7, %di
    jb 1b
    jmp newline

/* Command AL with 512 bytes of data in, tag BL. */
ata_in:
    lea 7(%bp), %dx
    out %al, %dx
    call wait
    xor %cx, %cx
    test $0x08, %al
    jz 1f
    mov $BUF, %di
    mov $256, %cx
    mov %bp, %dx
    rep insw
    mov $512, %cx
1:  call line_head
    jmp dump

/* A packet from DS:SI (tag BL) by PIO, byte count limit FFFEh; the data
 * in, block by block, then the line. */
packet:
    push %si
    lea 1(%bp), %dx
    xor %al, %al
    out %al, %dx
    lea 4(%bp), %dx
    mov $0xFE, %al
    out %al, %dx
    inc %dx
    mov $0xFF, %al
    out %al, %dx
    lea 7(%bp), %dx
    mov $0xA0, %al
    out %al, %dx
    call wait
    mov %bp, %dx
    mov $6, %cx
    rep outsw
    mov $BUF, %di
    xor %bx, %bx                /* bytes so far (the tag is pushed) */
    pop %si
    push %si
    push -1(%si)
1:  call wait
    test $0x08, %al
    jz 2f
    lea 4(%bp), %dx
    in %dx, %al
    mov %al, %cl
    inc %dx
    in %dx, %al
    mov %al, %ch
    add %cx, %bx
    inc %cx
    shr $1, %cx
    mov %bp, %dx
    rep insw
    jmp 1b
2:  mov %bx, %cx
    pop %bx
    call line_head
    call dump
    pop %si
    ret

/* The tag BL, the status and error registers, ':'; CX is kept. */
line_head:
    mov %bl, %al
    out %al, $DEBUGCON
    lea 7(%bp), %dx
    in %dx, %al
    call hexbyte
    lea 1(%bp), %dx
    in %dx, %al
    call hexbyte
    mov $':', %al
    out %al, $DEBUGCON
    ret

/* CX bytes from ES:BUF in hex, then a newline. */
dump:
    mov $BUF, %si
1:  jcxz newline
    mov %es:(%si), %al
    call hexbyte
    inc %si
    dec %cx
    jmp 1b
newline:
    mov $'\n', %al
    out %al, $DEBUGCON
    ret

hexbyte:
    push %ax
    shr $4, %al
    call nibble
    pop %ax
    and $0x0F, %al
nibble:
    cmp $10, %al
    jb 1f
    add $'a' - 10 - '0', %al
1:  add $'0', %al
    out %al, $DEBUGCON
    ret

/* Tag, then 12 bytes of packet. */
cdbs:
    .byte 't', 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    .byte 'q', 0x12, 0, 0, 0, 36, 0, 0, 0, 0, 0, 0, 0
    .byte 'c', 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    .byte 'T', 0x43, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0, 0
    .byte 'M', 0x43, 2, 0, 0, 0, 0, 0, 0, 64, 0, 0, 0
    .byte 'S', 0x43, 0, 0, 0, 0, 0, 0, 0, 12, 0x40, 0, 0
    .byte 'm', 0x5A, 0, 0x2A, 0, 0, 0, 0, 0, 255, 0, 0, 0
    .byte 'e', 0x5A, 0, 0x01, 0, 0, 0, 0, 0, 255, 0, 0, 0
    .byte 'g', 0x46, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0
    .byte 'n', 0x4A, 1, 0, 0, 0x10, 0, 0, 0, 8, 0, 0, 0
    .byte 'd', 0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0, 0, 0
    .byte 'h', 0xBD, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0
    .byte 'R', 0x28, 0, 0, 0, 0, 16, 0, 0, 1, 0, 0, 0
    .byte 'x', 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    .byte 'r', 0x03, 0, 0, 0, 18, 0, 0, 0, 0, 0, 0, 0
    .byte 's', 0xBB, 0, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0
    .byte 'k', 0x2B, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0
    .byte 0

    RESET_VECTOR
