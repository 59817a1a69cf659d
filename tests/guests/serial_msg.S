/* Prints LINES numbered lines on COM1 and exits with status
 * ((0x10 + VARIANT) << 1) | 1.  Built twice (--defsym VARIANT=0 and 1) with
 * different text and line counts, for the two-VMs-in-one-process test:
 *   VARIANT 0: "guest A line N\n", N = 0..39
 *   VARIANT 1: "guest B says hello N\n", N = 0..69 */
    .code16
    .text
    .include "lib16.inc"

    .if VARIANT
    .equ LINES, 70
    .else
    .equ LINES, 40
    .endif

    .globl start
start:
    SETUP16
    xor %cx, %cx               /* CX = line number */
1:  mov $prefix, %si
    call puts
    mov %cx, %ax
    call print_dec
    mov $'\n', %al
    call putc
    inc %cx
    cmp $LINES, %cx
    jb 1b
    EXIT 0x10 + VARIANT

    DEFINE_PUTC

prefix:
    .if VARIANT
    .asciz "guest B says hello "
    .else
    .asciz "guest A line "
    .endif

    RESET_VECTOR
