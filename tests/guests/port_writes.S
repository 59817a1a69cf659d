/* Writes exactly N_WRITES bytes to the debug console (0xE9): 'a'..'z'
 * repeating, and N_WRITES POST codes (0x80): the low byte of the count, then
 * exits through the debug-exit port with a 32-bit OUT (operand-size prefix)
 * of EXIT_VALUE: status (0x21 << 1) | 1 = 67.  test_port_writes.c checks the
 * counts, the bytes and the status. */
    .code16
    .text
    .include "lib16.inc"

    .equ N_WRITES, 1000
    .equ EXIT_VALUE, 0x21

    .globl start
start:
    SETUP16
    xor %bx, %bx               /* BX = i */
    mov $'a', %ah              /* AH = next letter */
1:  mov %ah, %al
    out %al, $DEBUGCON
    mov %bl, %al
    out %al, $POST_PORT
    inc %ah
    cmp $'z' + 1, %ah
    jne 2f
    mov $'a', %ah
2:  inc %bx
    cmp $N_WRITES, %bx
    jb 1b
    mov $EXIT_VALUE, %eax
    out %eax, $DEBUG_EXIT
    cli
3:  hlt
    jmp 3b

    RESET_VECTOR
