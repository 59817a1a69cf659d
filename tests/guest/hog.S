# A guest that would make a careless VMM grow without bound (issue 9 item
# 6): forever, it maps a new physical page at one linear address (a PTE
# rewrite and INVLPG), writes a few instructions there, and calls them; it
# cycles through 32 MiB of physical pages, so every pass brings 8192
# pages of fresh code: new attribute maps (bounded: 4096, then a flush),
# new decoded blocks (bounded: a 32 MiB arena), TLB refills (a fixed
# table).  It never ends by itself: tests/test_resources.sh runs it for a
# number of instructions and compares the host's resident memory at two
# lengths of run (needs -m 48 or more).

    .include "rt.inc"

    .set WINDOW, 0x800000       # the linear page the code appears at
    .set FIRST_PA, 0x800000     # physical pages 8 MiB ..
    .set NPAGES, 8192           # .. 40 MiB

    .text
    .globl test_main
test_main:
    call paging_on
    pushl $WINDOW
    call pte
    addl $4, %esp
    movl %eax, %edi             # EDI: the window's PTE
    xorl %ebx, %ebx             # EBX: pass count
1:  xorl %esi, %esi             # ESI: page in this pass
2:  movl %esi, %eax
    shll $12, %eax
    addl $FIRST_PA | 7, %eax
    movl %eax, (%edi)
    invlpg WINDOW
    # mov $imm32, %eax ; add %ebx, %eax ; ret -- with the page number as
    # the immediate, so every page's code differs.
    movb $0xB8, WINDOW
    movl %esi, WINDOW + 1
    movw $0xD801, WINDOW + 5
    movb $0xC3, WINDOW + 7
    call WINDOW
    subl %ebx, %eax
    cmpl %esi, %eax
    je 3f
    FAIL "the fresh code returned a wrong value"
3:  incl %esi
    cmpl $NPAGES, %esi
    jb 2b
    incl %ebx
    jmp 1b

    .section .rodata
    .globl test_name
test_name: .asciz "hog"
