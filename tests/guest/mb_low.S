# mb_low: a Multiboot kernel with a segment at 0x8000-0xA84C (issue 20,
# item 7), over the place where plex86 used to put the boot information
# (0x9000-0xC000) and refused such a kernel.  The loader may put the info
# structure, the command line, the memory map and the module list anywhere
# (Multiboot 0.6.96, 3.3), so it must put them where the kernel is not:
# the segment's bytes (the Multiboot header, then 0xA5) arrive intact, and every pointer in the
# info structure points outside it.  Booted with -append and -initrd so
# that the command line and the module list exist.  QEMU 7.2 writes its
# info at 0x9500 over such a kernel, which then does not run there: no QEMU
# build of this one.

    .include "rt.inc"

    .set LOW, 0x8000
    .set LOW_END, 0xA84C

    .set FILL, LOW + 12         # after the Multiboot header (low_link.ld)
    .section .low, "aw"
    .fill LOW_END - FILL, 1, 0xA5

# OUTSIDE reg, len, msg: [reg, reg + len) lies outside [LOW, LOW_END).
.macro OUTSIDE reg, len, msg
    movl \reg, %eax
    cmpl $LOW_END, %eax
    jae 1f
    addl \len, %eax
    cmpl $LOW, %eax
    jbe 1f
    FAIL "\msg lies in the kernel's segment 0x8000-0xA84C"
1:
.endm

    .text
    .globl test_main
test_main:
    pushl %ebx
    pushl %edi
    CHECK boot_eax, $0x2BADB002, "EAX at entry"
    movl boot_ebx, %ebx
    CHECK 20(%ebx), $1, "mods_count"
    testl $0x48, (%ebx)
    jnz 1f
    FAIL "info flags lack the memory map or the modules"
1:
    # The segment as loaded.
    cld
    movl $FILL, %edi
    movl $LOW_END - FILL, %ecx
    movb $0xA5, %al
    repe scasb
    je 1f
    decl %edi
    FAIL "the kernel's segment at 0x8000-0xA84C was overwritten"
1:  OUTSIDE %ebx, $0x58, "the info structure"
    OUTSIDE 16(%ebx), $16, "the command line"
    OUTSIDE 24(%ebx), $16, "the module list"
    OUTSIDE 48(%ebx), 44(%ebx), "the memory map"
    OUTSIDE 64(%ebx), $7, "the boot loader name"
    movl 24(%ebx), %eax
    OUTSIDE 8(%eax), $8, "the module string"
    popl %edi
    popl %ebx
    ret

    .section .rodata
    .globl test_name
test_name: .asciz "mb_low"
