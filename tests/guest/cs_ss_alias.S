# cs_ss_alias: seed 001, scenario 2.  Ring 3 has a writable alias of the
# GDT's page (paging: the page mapped a second time with U/S=1, R/W=1; the
# GDT's own mapping is supervisor-only) and rewrites the descriptors of its
# live CS and SS (base 0 -> NEWBASE).  Execution goes on with the cached
# descriptors (SDM vol. 3A, 3.4.3): near calls return where they should, a
# push lands at linear SS.base(0) + ESP.  The next far transfer (a JMP to
# the same selector) loads the new CS base: EIP is now linear - NEWBASE;
# the next `mov %ax, %ss` loads the new SS base.  Descriptor fetches for
# those loads are supervisor accesses, so the supervisor-only mapping of
# the GDT does not fault at CPL 3.

    .include "rt.inc"

    .set ALIAS, 0x00800000      # linear: the GDT page again, user-writable
    .set SEL_CS3, 0x38 | 3
    .set SEL_SS3, 0x40 | 3
    .set NEWBASE, 0x1000

    .text
    .globl test_main
test_main:
    call paging_on
    pushl $gdt
    call pte
    addl $4, %esp
    movl $gdt + 3, (%eax)       # the GDT itself: supervisor, writable
    pushl $ALIAS
    call pte
    addl $4, %esp
    movl $gdt + 7, (%eax)       # the alias: user, writable
    movl %cr3, %eax
    movl %eax, %cr3

    pushl $A_CODE3
    pushl $0xFFFFF
    pushl $0
    pushl $SEL_CS3
    call gdt_set
    movl $A_DATA3, 12(%esp)
    movl $SEL_SS3, (%esp)
    call gdt_set
    addl $16, %esp

    # At its own address, ring 3 cannot write the GDT: #PF, error code
    # P | W | U.
    TRY 1f
    pushl $r3_poke
    call enter_ring3
    ENDTRY
1:  EXPECT $14, $7, $r3_poke, "ring 3 writes the GDT at its own address"
    CHECK exc_cr2, $gdt+0x38, "#PF: CR2"

    pushl $2                    # EFLAGS
    pushl $SEL_SS3              # SS
    pushl $r3_stack + 8192      # ESP
    pushl $SEL_CS3              # CS
    pushl $r3_main              # EIP
    pushl %esp
    call enter_user
    addl $24, %esp
    CHECK %eax, $0x600D, "ring 3 did not finish"

    # Ring 0 saw the same: the table holds the new bases.
    movl gdt + (SEL_CS3 & ~7) + 2, %eax
    andl $0xFFFFFF, %eax
    CHECK %eax, $NEWBASE, "the GDT entry of CS holds the new base"
    call paging_off
    ret

r3_poke:
    movl $0, gdt + 0x38
    ret

# Ring 3, CS = SEL_CS3 and SS = SEL_SS3, both base 0 to begin with.
r3_main:
    # Through the alias, ring 3 may write the GDT.
    pushl $A_CODE3
    pushl $0xFFFFF
    pushl $NEWBASE
    pushl $ALIAS + (SEL_CS3 & ~7)
    call desc_write
    movl $ALIAS + (SEL_SS3 & ~7), (%esp)
    movl $A_DATA3, 12(%esp)
    call desc_write
    addl $16, %esp
    movl ALIAS + (SEL_CS3 & ~7) + 2, %eax
    andl $0xFFFFFF, %eax
    CHECK %eax, $NEWBASE, "ring 3 wrote the CS descriptor through the alias"

    # CS still has base 0: a near call pushes the linear address.
    call 1f
1:  popl %eax
    CHECK %eax, $1b, "after the rewrite: EIP still counts from CS base 0"
    movw %cs, %ax
    movzwl %ax, %eax
    CHECK %eax, $SEL_CS3, "CS selector"
    # SS still has base 0: a push lands at linear ESP.
    pushl $0x5A5A5A5A
    movl %esp, %ebx
    popl %ecx
    CHECK %ecx, $0x5A5A5A5A, "push/pop through the old SS cache"
    CHECK (%ebx), $0x5A5A5A5A, "the push landed at linear SS.base 0 + ESP"

    # A far jump to the same selector loads the new descriptor: from now on
    # EIP = linear - NEWBASE.
    ljmp $SEL_CS3, $r3_newcs - NEWBASE
r3_newcs:
    call 2f
2:  popl %eax
    CHECK %eax, $2b-NEWBASE, "after the far jump: EIP counts from the new CS base"

    # Reloading SS loads the new base: a push lands at linear NEWBASE + ESP.
    movl $0, NEWBASE - 4(%esp)
    movw $SEL_SS3, %ax
    movw %ax, %ss
    pushl $0x6B6B6B6B
    movl %esp, %ebx
    CHECK NEWBASE(%ebx), $0x6B6B6B6B, "after reloading SS: pushes land at NEWBASE + ESP"
    movl $0x600D, %eax
    int $VEC_RING0

    .section .rodata
    .globl test_name
test_name: .asciz "cs_ss_alias"

    .bss
    .balign 4096
r3_stack:
    .skip 16384
