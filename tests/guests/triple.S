/* Triple-faults: with an IDT limit of 0 every vector is out of bounds, so
 * INT 3 raises #GP, whose delivery raises #DF, whose delivery shuts the
 * processor down (SDM vol. 3A, 6.15, interrupt 8, and 20.1.4 for real mode). */
    .code16
    .text
    .include "lib16.inc"

    .globl start
start:
    SETUP16
    lidt empty_idt
    int $3
    EXIT 0x7f                  /* not reached */

empty_idt:
    .word 0                    /* limit */
    .long 0                    /* base */

    RESET_VECTOR
