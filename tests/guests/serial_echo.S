/* Echoes COM1 input, polling LSR bit 0 (data ready): lower-case letters
 * come back upper-case, everything else as it came; a '.' ends the VM
 * with status (0x21 << 1) | 1 = 67.  For the console tests
 * (test_console_binary.sh): what is typed or piped in reaches the guest. */
    .code16
    .text
    .include "lib16.inc"

    .equ LSR_DR, 0x01

    .globl start
start:
    SETUP16
1:  mov $UART_LSR, %dx
2:  in %dx, %al
    test $LSR_DR, %al
    jz 2b
    mov $COM1, %dx
    in %dx, %al
    cmp $'.', %al
    je 3f
    cmp $'a', %al
    jb 4f
    cmp $'z', %al
    ja 4f
    sub $0x20, %al
4:  call putc
    jmp 1b
3:  EXIT 0x21

    DEFINE_PUTC

    RESET_VECTOR
