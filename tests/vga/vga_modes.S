/* A test ROM per VGA mode family (tests/vga/vga-modes.sh): programs the
 * VGA's registers itself (no VGA BIOS), draws a pattern defined in
 * vga_ref.py, and halts; the screendump is compared with the image
 * vga_ref.py computes and with QEMU's screendump of the same ROM.
 * MODE (--defsym): 0 80x25 text with a font loaded into plane 2, 1 mode 12h
 * (16-colour planar, write mode 2), 2 mode 13h, 3 mode X (unchained 256
 * colours), 4 VBE 640x480x32 through the linear framebuffer (BAR0 placed
 * by the ROM at 0xE0000000, written from big real mode, and read: row 0
 * is copied over the last row). */
    .code16
    .text
    .include "../guests/lib16.inc"

    .globl start
start:
    SETUP16
    call set_dac
.if MODE == 0
    mov $mode3, %si
    call set_regs
    call load_font
    call fill_text
.elseif MODE == 1
    mov $mode12, %si
    call set_regs
    call fill_planar
.elseif MODE == 2
    mov $mode13, %si
    call set_regs
    call fill_13h
.elseif MODE == 3
    mov $mode13, %si
    call set_regs
    call fill_x
.else
    call fill_vbe
.endif
    cli
1:  hlt
    jmp 1b

/* DAC entry i: red i & 63, green (i >> 2) & 63, blue 63 - (i & 63). */
set_dac:
    mov $0x3c8, %dx
    xor %al, %al
    out %al, %dx
    inc %dx
    xor %cx, %cx
1:  mov %cl, %al
    and $63, %al
    out %al, %dx
    mov %cl, %al
    shr $2, %al
    and $63, %al
    out %al, %dx
    mov %cl, %al
    and $63, %al
    mov $63, %ah
    sub %al, %ah
    mov %ah, %al
    out %al, %dx
    inc %cx
    cmp $256, %cx
    jb 1b
    ret

/* DS:SI: misc, sequencer 0-4, CRTC 0-24, graphics 0-8, attribute 0-20. */
set_regs:
    mov $0x3c2, %dx
    lodsb
    out %al, %dx
    xor %bl, %bl
    mov $0x3c4, %dx
1:  mov %bl, %al
    out %al, %dx
    inc %dx
    lodsb
    out %al, %dx
    dec %dx
    inc %bl
    cmp $5, %bl
    jb 1b
    mov $0x3d4, %dx
    mov $0x11, %al
    out %al, %dx
    inc %dx
    xor %al, %al
    out %al, %dx
    dec %dx
    xor %bl, %bl
2:  mov %bl, %al
    out %al, %dx
    inc %dx
    lodsb
    out %al, %dx
    dec %dx
    inc %bl
    cmp $25, %bl
    jb 2b
    mov $0x3ce, %dx
    xor %bl, %bl
3:  mov %bl, %al
    out %al, %dx
    inc %dx
    lodsb
    out %al, %dx
    dec %dx
    inc %bl
    cmp $9, %bl
    jb 3b
    mov $0x3da, %dx
    in %dx, %al
    mov $0x3c0, %dx
    xor %bl, %bl
4:  mov %bl, %al
    out %al, %dx
    lodsb
    out %al, %dx
    inc %bl
    cmp $21, %bl
    jb 4b
    mov $0x20, %al
    out %al, %dx
    ret

.macro OUTW port, index, value
    mov $\port, %dx
    mov $(\index | (\value << 8)), %ax
    out %ax, %dx
.endm

.if MODE == 0
/* Glyph row y of character c: (c * 7 + y * 13) & 0xFF, 16 rows. */
load_font:
    OUTW 0x3c4, 2, 0x04
    OUTW 0x3c4, 4, 0x06
    OUTW 0x3ce, 4, 0x02
    OUTW 0x3ce, 5, 0x00
    OUTW 0x3ce, 6, 0x04
    mov $0xa000, %ax
    mov %ax, %es
    xor %bx, %bx                /* c */
1:  mov %bx, %di
    shl $5, %di
    xor %cx, %cx                /* y */
2:  mov %bl, %al
    mov $7, %ah
    mul %ah
    mov %al, %dl
    mov %cl, %al
    mov $13, %ah
    mul %ah
    add %dl, %al
    stosb
    inc %cx
    cmp $16, %cx
    jb 2b
    inc %bx
    cmp $256, %bx
    jb 1b
    OUTW 0x3c4, 2, 0x03
    OUTW 0x3c4, 4, 0x02
    OUTW 0x3ce, 4, 0x00
    OUTW 0x3ce, 5, 0x10
    OUTW 0x3ce, 6, 0x0e
    ret

/* Cell i: character 0x20 + i % 96, attribute 1 + i % 15 with background
 * (i / 15) % 8. */
fill_text:
    mov $0xb800, %ax
    mov %ax, %es
    xor %di, %di
    xor %bx, %bx                /* i */
1:  mov %bx, %ax
    xor %dx, %dx
    mov $96, %cx
    div %cx
    add $0x20, %dl
    mov %dl, %es:(%di)
    mov %bx, %ax
    xor %dx, %dx
    mov $15, %cx
    div %cx                     /* ax = i / 15, dx = i % 15 */
    inc %dl
    and $7, %al
    shl $4, %al
    or %al, %dl
    mov %dl, %es:1(%di)
    add $2, %di
    inc %bx
    cmp $2000, %bx
    jb 1b
    ret
.endif

.if MODE == 1
/* Byte xb of line y: colour (xb + y / 16) & 15 for all 8 pixels. */
fill_planar:
    OUTW 0x3ce, 5, 0x02
    OUTW 0x3ce, 8, 0xff
    OUTW 0x3c4, 2, 0x0f
    mov $0xa000, %ax
    mov %ax, %es
    xor %di, %di
    xor %cx, %cx                /* y */
1:  xor %bx, %bx                /* xb */
2:  mov %cx, %ax
    shr $4, %ax
    add %bx, %ax
    and $15, %al
    mov %es:(%di), %ah          /* load the latches */
    mov %al, %es:(%di)
    inc %di
    inc %bx
    cmp $80, %bx
    jb 2b
    inc %cx
    cmp $480, %cx
    jb 1b
    ret
.endif

.if MODE == 2
/* Pixel (x, y): (x + y) & 0xFF. */
fill_13h:
    mov $0xa000, %ax
    mov %ax, %es
    xor %di, %di
    xor %cx, %cx
1:  xor %bx, %bx
2:  mov %bx, %ax
    add %cx, %ax
    stosb
    inc %bx
    cmp $320, %bx
    jb 2b
    inc %cx
    cmp $200, %cx
    jb 1b
    ret
.endif

.if MODE == 3
/* Unchained: pixel (x, y) = (3x + y) & 0xFF, in plane x & 3 at y*80 + x/4. */
fill_x:
    OUTW 0x3c4, 4, 0x06
    OUTW 0x3d4, 0x14, 0x00
    OUTW 0x3d4, 0x17, 0xe3
    mov $0xa000, %ax
    mov %ax, %es
    xor %si, %si                /* plane */
1:  mov $0x3c4, %dx
    mov $2, %al
    out %al, %dx
    inc %dx
    mov $1, %al
    mov %si, %cx
    shl %cl, %al
    out %al, %dx
    xor %di, %di
    xor %cx, %cx                /* y */
2:  xor %bx, %bx                /* x / 4 */
3:  mov %bx, %ax
    shl $2, %ax
    add %si, %ax                /* x */
    mov %ax, %dx
    add %ax, %ax
    add %dx, %ax                /* 3x */
    add %cx, %ax
    stosb
    inc %bx
    cmp $80, %bx
    jb 3b
    inc %cx
    cmp $200, %cx
    jb 2b
    inc %si
    cmp $4, %si
    jb 1b
    ret
.endif

.if MODE == 4
    .equ LFB, 0xe0000000
/* 640x480x32: pixel (x, y) = (x & 255) << 16 | (y & 255) << 8 | (x + y) & 255. */
fill_vbe:
    /* BAR0 and the command register of 00:02.0. */
    mov $0xcf8, %dx
    mov $0x80001010, %eax
    out %eax, %dx
    mov $0xcfc, %dx
    mov $LFB, %eax
    out %eax, %dx
    mov $0xcf8, %dx
    mov $0x80001004, %eax
    out %eax, %dx
    mov $0xcfc, %dx
    mov $0x0003, %ax
    out %ax, %dx
    /* VBE: 640x480x32, linear. */
    mov $1, %bx
    mov $640, %cx
    call vbe_write
    mov $2, %bx
    mov $480, %cx
    call vbe_write
    mov $3, %bx
    mov $32, %cx
    call vbe_write
    mov $4, %bx
    mov $0x41, %cx
    call vbe_write
    mov $0x3da, %dx
    in %dx, %al
    mov $0x3c0, %dx
    mov $0x20, %al
    out %al, %dx
    /* Big real mode: FS with a 4 GiB limit. */
    lgdtl %cs:gdt_desc
    mov %cr0, %eax
    or $1, %al
    mov %eax, %cr0
    jmp 1f
1:  mov $8, %ax
    mov %ax, %fs
    mov %cr0, %eax
    and $0xfe, %al
    mov %eax, %cr0
    jmp 2f
2:  xor %ax, %ax
    mov %ax, %fs
    mov $LFB, %edi
    xor %ecx, %ecx              /* y */
3:  xor %ebx, %ebx              /* x */
4:  mov %ebx, %eax
    and $255, %eax
    shl $16, %eax
    mov %ecx, %edx
    and $255, %edx
    shl $8, %edx
    or %edx, %eax
    mov %ebx, %edx
    add %ecx, %edx
    and $255, %edx
    or %edx, %eax
    mov %eax, %fs:(%edi)
    add $4, %edi
    inc %ebx
    cmp $640, %ebx
    jb 4b
    inc %ecx
    cmp $480, %ecx
    jb 3b
    /* Reads of the framebuffer: row 0 copied over row 479. */
    mov $LFB, %esi
    mov $LFB + 479 * 640 * 4, %edi
    mov $640, %ecx
5:  mov %fs:(%esi), %eax
    mov %eax, %fs:(%edi)
    add $4, %esi
    add $4, %edi
    loop 5b
    ret

vbe_write:
    mov $0x1ce, %dx
    mov %bx, %ax
    out %ax, %dx
    inc %dx
    mov %cx, %ax
    out %ax, %dx
    ret

    .p2align 3
gdt:
    .quad 0
    .quad 0x00cf92000000ffff    /* flat data */
gdt_desc:
    .word 15
    .long 0xf0000 + gdt
.endif

mode3:
    .byte 0x67
    .byte 0x03, 0x00, 0x03, 0x00, 0x02
    .byte 0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00, 0x4f, 0x20, 0x0e, 0x00
    .byte 0x00, 0x00, 0x00, 0x9c, 0x8e, 0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3, 0xff
    .byte 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0e, 0x00, 0xff
    .byte 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c
    .byte 0x0d, 0x0e, 0x0f, 0x0c, 0x00, 0x0f, 0x08, 0x00
mode12:
    .byte 0xe3
    .byte 0x03, 0x01, 0x0f, 0x00, 0x06
    .byte 0x5f, 0x4f, 0x50, 0x82, 0x54, 0x80, 0x0b, 0x3e, 0x00, 0x40, 0x00, 0x00, 0x00
    .byte 0x00, 0x00, 0x00, 0xea, 0x8c, 0xdf, 0x28, 0x00, 0xe7, 0x04, 0xe3, 0xff
    .byte 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0f, 0xff
    .byte 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c
    .byte 0x0d, 0x0e, 0x0f, 0x01, 0x00, 0x0f, 0x00, 0x00
mode13:
    .byte 0x63
    .byte 0x03, 0x01, 0x0f, 0x00, 0x0e
    .byte 0x5f, 0x4f, 0x50, 0x82, 0x54, 0x80, 0xbf, 0x1f, 0x00, 0x41, 0x00, 0x00, 0x00
    .byte 0x00, 0x00, 0x00, 0x9c, 0x0e, 0x8f, 0x28, 0x40, 0x96, 0xb9, 0xa3, 0xff
    .byte 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0f, 0xff
    .byte 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c
    .byte 0x0d, 0x0e, 0x0f, 0x41, 0x00, 0x0f, 0x00, 0x00

    RESET_VECTOR
