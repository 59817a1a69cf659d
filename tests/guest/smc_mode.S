# smc_mode: the same bytes executed as 32-bit and as 16-bit code.  Maps are
# keyed by physical page and decode mode (DESIGN.md section 3): the two
# readings of md_shared live in two maps of one page, and a write to the
# bytes discards every map whose instructions it hits.
#   md_shared: b8 34 12 eb 02 c3 90 66 cb
#   32-bit (CS D=1, flat, near call):  movl $0x02EB1234, %eax; ret
#   16-bit (CS D=0, base md_page, far call from 32-bit code):
#          movw $0x1234, %ax; jmp +2; (c3 90 skipped) lretl
#  1. Both readings, one after the other.
#  2. The immediate rewritten (a byte both readings use): both see it.
#  3. 200 rounds: the immediate rewritten, then run in one mode or the
#     other, alternately.
#  4. The LRETL rewritten with the same bytes (code in the 16-bit reading
#     only, bytes after the RET in the 32-bit one): both still run.
# The code lives in .data.smc (writable; paging is off).

    .include "rt.inc"

    .set SEL16, SEL_FREE        # 16-bit code segment, base md_page
    .set A_CODE16, 0x009B       # G=0 D=0 P DPL0 code exec/read accessed
    .set OFF, 0x100             # md_shared's offset in md_page

    .text
    .globl test_main
test_main:
    pushl %ebx
    pushl %esi
    pushl %edi
    pushl $A_CODE16
    pushl $0xFFFF
    pushl $md_page
    pushl $SEL16
    call gdt_set
    addl $16, %esp

    # --- 1 ---
    call md_shared
    CHECK %eax, $0x02EB1234, "part 1: 32-bit reading"
    movl $0xAAAA0000, %eax
    lcall $SEL16, $OFF
    CHECK %eax, $0xAAAA1234, "part 1: 16-bit reading"

    # --- 2 ---
    movw $0x5678, md_shared + 1
    call md_shared
    CHECK %eax, $0x02EB5678, "part 2: 32-bit reading after the write"
    movl $0xAAAA0000, %eax
    lcall $SEL16, $OFF
    CHECK %eax, $0xAAAA5678, "part 2: 16-bit reading after the write"

    # --- 3 ---
    xorl %esi, %esi
1:  movw %si, md_shared + 1
    movl $0xBBBB0000, %eax
    testl $1, %esi
    jnz 2f
    call md_shared
    movl %esi, %ecx
    orl $0x02EB0000, %ecx
    CHECK %eax, %ecx, "part 3: 32-bit reading of a round's immediate"
    jmp 3f
2:  lcall $SEL16, $OFF
    movl %esi, %ecx
    orl $0xBBBB0000, %ecx
    CHECK %eax, %ecx, "part 3: 16-bit reading of a round's immediate"
3:  incl %esi
    cmpl $200, %esi
    jb 1b

    # --- 4 ---
    movw $0xCB66, md_shared + 7
    call md_shared
    CHECK %eax, $0x02EB00C7, "part 4: 32-bit reading"
    movl $0xAAAA0000, %eax
    lcall $SEL16, $OFF
    CHECK %eax, $0xAAAA00C7, "part 4: 16-bit reading"

    popl %edi
    popl %esi
    popl %ebx
    ret

    .section .data.smc, "aw", @progbits
    .balign 4096
md_page:
    .org OFF
md_shared:
    .byte 0xB8, 0x34, 0x12, 0xEB, 0x02, 0xC3, 0x90, 0x66, 0xCB

    .section .rodata
    .globl test_name
test_name: .asciz "smc_mode"
