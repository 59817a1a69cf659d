/* A 1.44 MB boot diskette (issue 16, "a floppy boot"): the boot sector
 * loads four sectors with INT 13h AH=02h, from cylinder 0, head 0, sector
 * 17 on: 17 and 18 of head 0 and 1 and 2 of head 1 (a read across the
 * head boundary of the track), and prints the line each of them holds
 * on COM1 directly, then a last line, and stops the
 * machine through the debug-exit port (plex86's, and QEMU's isa-debug-exit
 * at 0xF4): status 33 for success, 35 when the read failed.
 *
 * Assembled with `as --32` and linked with `ld -m elf_i386 -Ttext 0x7c00
 * --oformat binary`: the output is the whole image (the sector lines sit at
 * their offsets, the rest is zeros up to 1,474,560 bytes). */
    .code16
    .text
    .globl start

    .equ COM1, 0x3f8
    .equ DEBUG_EXIT, 0xf4
    .equ BUF, 0x8000            /* where the four sectors go */
    .equ SECTORS, 4

start:
    cli
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $0x7c00, %sp
    ljmp $0, $1f                /* CS:IP = 0:7Cxx whatever the BIOS used */
1:  sti
    cld
    mov %dl, drive

    /* COM1: 115200 8N1, FIFOs on (harmless under a BIOS that set it up). */
    mov $COM1 + 3, %dx
    mov $0x80, %al
    out %al, %dx
    mov $COM1, %dx
    mov $1, %al
    out %al, %dx
    inc %dx
    xor %al, %al
    out %al, %dx
    mov $COM1 + 3, %dx
    mov $3, %al
    out %al, %dx
    mov $COM1 + 2, %dx
    mov $0x07, %al
    out %al, %dx

    mov $hello, %si
    call puts

    /* INT 13h AH=02h, three tries with a reset (AH=00h) between. */
    movb $3, tries
read:
    mov $BUF, %bx
    mov $0x0200 + SECTORS, %ax  /* AH=02 read, AL=sectors */
    mov $0x0011, %cx            /* CH=cylinder 0, CL=sector 17 */
    xor %dh, %dh                /* head 0 */
    mov drive, %dl
    int $0x13
    jnc loaded
    mov %ah, status
    xor %ah, %ah
    mov drive, %dl
    int $0x13
    decb tries
    jnz read
    mov status, %al
    call tohex
    mov $readerr, %si
    call puts
    mov $0x11, %al
    jmp stop

loaded:
    /* Each sector begins with its line. */
    mov $BUF, %si
    mov $SECTORS, %cx
2:  push %si
    push %cx
    call puts
    pop %cx
    pop %si
    add $512, %si
    loop 2b
    mov $done, %si
    call puts
    mov $0x10, %al

stop:
    out %al, $DEBUG_EXIT
    cli
3:  hlt
    jmp 3b

/* Prints the NUL-terminated string at DS:SI on COM1.  Not also through
 * INT 10h: SeaBIOS's serial console (-nographic) holds back the last
 * character written through INT 10h until its next call or timer tick, so
 * the two copies interleaved on the serial line, cutting lines apart. */
puts:
    lodsb
    test %al, %al
    jz 4f
    call putc
    jmp puts
4:  ret

/* Prints AL on COM1. */
putc:
    push %ax
    push %bx
    push %cx
    push %dx
    mov %al, %cl
    /* Wait for THRE, a bounded number of times (no UART: go on). */
    mov $COM1 + 5, %dx
    mov $0xffff, %bx
9:  in %dx, %al
    test $0x20, %al
    jnz 6f
    dec %bx
    jnz 9b
6:  mov $COM1, %dx
    mov %cl, %al
    out %al, %dx
    pop %dx
    pop %cx
    pop %bx
    pop %ax
    ret

/* Writes AL as two hex digits into the error line. */
tohex:
    mov %al, %ah
    shr $4, %al
    call hexdigit
    mov %al, errhex
    mov %ah, %al
    call hexdigit
    mov %al, errhex + 1
    ret
hexdigit:
    and $0x0f, %al
    add $'0', %al
    cmp $'9', %al
    jbe 7f
    add $'a' - '0' - 10, %al
7:  ret

hello:   .asciz "plex86 floppy test: boot sector running\r\n"
readerr: .ascii "plex86 floppy test: INT 13h read failed, AH="
errhex:  .asciz "??\r\n"
done:    .asciz "plex86 floppy test: done\r\n"
drive:   .byte 0
tries:   .byte 0
status:  .byte 0

    .org 510
    .byte 0x55, 0xaa

/* The four sectors the boot sector reads, at their LBA: C/H/S 0/0/17 is
 * LBA 16, and so on (18 sectors a track, 2 heads). */
    .org 16 * 512
    .asciz "plex86 floppy test: sector C0 H0 S17 ok\r\n"
    .org 17 * 512
    .asciz "plex86 floppy test: sector C0 H0 S18 ok\r\n"
    .org 18 * 512
    .asciz "plex86 floppy test: sector C0 H1 S1 ok\r\n"
    .org 19 * 512
    .asciz "plex86 floppy test: sector C0 H1 S2 ok\r\n"
/* A decoy: the sector after them must not be printed. */
    .org 20 * 512
    .asciz "plex86 floppy test: sector C0 H1 S3 ok (too far)\r\n"
    .org 1474560
