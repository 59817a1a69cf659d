/* Multiboot (v1) entry of the benchmark guest.
 *
 * The loader (plex86 -kernel, QEMU -kernel, GRUB) enters _start in 32-bit
 * protected mode with flat segments, paging off and interrupts off,
 * EAX = 0x2BADB002 and EBX = the Multiboot information structure.  We set
 * up our own stack and call bench_main(magic, info), which never returns;
 * if it does, we stop the CPU. */

#define MB_MAGIC  0x1BADB002
#define MB_FLAGS  0x00000003    /* page-aligned modules, memory information */

    .section .multiboot, "a"
    .balign 4
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)

    .section .bss
    .balign 16
stack_bottom:
    .skip 65536
stack_top:

    .text
    .globl _start
    .type _start, @function
_start:
    movl $stack_top, %esp
    xorl %ebp, %ebp
    pushl $0                    /* EFLAGS: clear everything (DF, AC, ...) */
    popfl
    pushl %ebx                  /* info */
    pushl %eax                  /* magic */
    call bench_main
1:  cli
    hlt
    jmp 1b
    .size _start, . - _start

    .section .note.GNU-stack, "", @progbits
