/* Loops forever (a backward jump), for -max-insns tests. */
    .code16
    .text
    .include "lib16.inc"

    .globl start
start:
    SETUP16
1:  inc %ax
    jmp 1b

    RESET_VECTOR
