/* Loops forever (a backward jump), for -max-insns tests. */
    .code16
    .text
    .include "lib16.inc"

    .globl start
start:
    SETUP16
1:  inc %eax     /* 32 bits: the monitor test sees it move between polls */
    jmp 1b

    RESET_VECTOR
