# The runtime of the protected-mode test kernels: Multiboot entry, a GDT
# with ring 0 and ring 3 segments and a TSS, an IDT whose handlers record
# each exception, ways into ring 3 (and V86) by IRET and back through an
# interrupt gate, checks that report on COM1, and identity paging.
#
# Exceptions: every vector has a stub that pushes (a dummy error code and)
# the vector, then isr_common saves the registers as a frame (offsets F_* in
# rt.inc), records vector, error code, EIP, CS, EFLAGS, SS:ESP, CR2 and the
# data segment selectors in exc_*, loads DS and ES with SEL_DATA0 (FS and
# GS are left alone, so their caches survive a handler), and then
#   - calls handlers[vector] if a test installed one (a function called
#     with the frame's address; it may edit the frame, and when it returns
#     the frame is restored and IRET runs), else
#   - resumes at the TRY label, if one is armed, else
#   - reports an unexpected exception and ends the test.
#
# Ring 3: enter_ring3(fn) runs fn at CPL 3 (CS 0x1B, SS/DS/ES 0x23, FS and
# GS as they are) on the ring-3 stack; fn returns (or executes INT 0x80)
# and enter_ring3 returns fn's EAX.  enter_iret(frame) IRETs through any
# frame the test built (other selectors, V86 mode); INT 0x80 from there
# comes back the same way.  Interrupts from ring 3 and V86 arrive on the
# TSS's ring-0 stack (int_stack_top).

    .include "rt.inc"

    .section .multiboot, "a"
    .balign 4
    .long 0x1BADB002
    .long 0x00000003
    .long -(0x1BADB002 + 0x00000003)

    .text
    .globl _start
_start:
    cli
    cld
    movl $stack_top, %esp
    movl %eax, boot_eax
    movl %ebx, boot_ebx
    call rt_init
    movl $m_start, %esi
    call puts
    movl $test_name, %esi
    call puts
    call newline
    call test_main
    movl $m_pass, %esi
    call puts
    movl $test_name, %esi
    call puts
    call newline
    movb $EXIT_PASS, %al
    jmp exit_guest

# --- setup ---------------------------------------------------------------------

rt_init:
    # Mask both PICs: a firmware that ran before us (QEMU's) may have left
    # the timer unmasked at vector 8, and tests may run with IF=1.
    movb $0xFF, %al
    outb %al, $0xA1
    outb %al, $0x21
    # GDT: flat ring 0 and ring 3 code and data, the TSS.
    pushl $A_CODE0
    pushl $0xFFFFF
    pushl $0
    pushl $SEL_CODE0
    call gdt_set
    movl $A_DATA0, 12(%esp)
    movl $SEL_DATA0, (%esp)
    call gdt_set
    movl $A_CODE3, 12(%esp)
    movl $SEL_CODE3, (%esp)
    call gdt_set
    movl $A_DATA3, 12(%esp)
    movl $SEL_DATA3, (%esp)
    call gdt_set
    movl $A_TSS32, 12(%esp)
    movl $103, 8(%esp)
    movl $tss, 4(%esp)
    movl $SEL_TSS, (%esp)
    call gdt_set
    addl $16, %esp
    lgdt gdt_desc
    ljmp $SEL_CODE0, $1f
1:  movl $SEL_DATA0, %eax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    movw %ax, %ss

    # IDT: an interrupt gate per vector to its stub; some at DPL 3.
    pushl %ebx
    xorl %ebx, %ebx
2:  movl %ebx, %eax
    shll $4, %eax
    addl $isr_stubs, %eax
    pushl $G_INT0
    pushl $SEL_CODE0
    pushl %eax
    leal idt(,%ebx,8), %eax
    pushl %eax
    call gate_write
    addl $16, %esp
    incl %ebx
    cmpl $256, %ebx
    jb 2b
    popl %ebx
    pushl $VEC_USER
    call idt_user
    movl $VEC_RING0, (%esp)
    call idt_user
    movl $VEC_FAIL, (%esp)
    call idt_user
    addl $4, %esp
    lidt idt_desc
    movl $ring0_return, handlers + 4 * VEC_RING0
    movl $ring3_fail, handlers + 4 * VEC_FAIL

    # TSS: the ring-0 stack for interrupts from ring 3 and V86; no I/O
    # bitmap (its base is past the limit).
    movl $int_stack_top, tss + 4
    movl $SEL_DATA0, tss + 8
    movw $104, tss + 102
    movw $SEL_TSS, %ax
    ltr %ax
    ret

# idt_user(vec): makes vec's gate DPL 3.
    .globl idt_user
idt_user:
    movl 4(%esp), %eax
    orb $0x60, idt + 5(,%eax,8)
    ret

# desc_write(ptr, base, limit, attr): an 8-byte segment descriptor with a
# 20-bit limit and attr = descriptor bytes 5-6 (see rt.inc A_*).
    .globl desc_write
desc_write:
    pushl %ebx
    movl 8(%esp), %edx          # ptr
    movl 12(%esp), %eax         # base
    movl 16(%esp), %ecx         # limit
    movl %eax, %ebx
    shll $16, %ebx
    movw %cx, %bx
    movl %ebx, (%edx)
    movl %eax, %ebx
    andl $0xFF000000, %ebx
    shrl $16, %eax
    movzbl %al, %eax
    orl %eax, %ebx
    andl $0xF0000, %ecx
    orl %ecx, %ebx
    movl 20(%esp), %eax         # attr
    andl $0xF0FF, %eax
    shll $8, %eax
    orl %eax, %ebx
    movl %ebx, 4(%edx)
    popl %ebx
    ret

# gdt_set(sel, base, limit, attr): desc_write into the runtime's GDT.
    .globl gdt_set
gdt_set:
    movl 4(%esp), %eax
    andl $0xFFF8, %eax
    addl $gdt, %eax
    pushl 16(%esp)
    pushl 16(%esp)
    pushl 16(%esp)
    pushl %eax
    call desc_write
    addl $16, %esp
    ret

# gate_write(ptr, offset, sel, type): an 8-byte gate; type as G_* in rt.inc.
    .globl gate_write
gate_write:
    movl 4(%esp), %edx          # ptr
    movl 8(%esp), %eax          # offset
    movl 12(%esp), %ecx         # selector
    shll $16, %ecx
    movw %ax, %cx
    movl %ecx, (%edx)
    andl $0xFFFF0000, %eax
    movw 16(%esp), %ax          # type
    movl %eax, 4(%edx)
    ret

# --- exceptions --------------------------------------------------------------

# One 16-byte stub per vector.  Vectors 8, 10-14 and 17 come with an error
# code; the others get a zero so that all frames look alike.
    .balign 16
    .globl isr_stubs
isr_stubs:
    .set vec, 0
    .rept 256
    .balign 16
    .if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17)
    pushl $vec
    jmp isr_common
    .else
    pushl $0
    pushl $vec
    jmp isr_common
    .endif
    .set vec, vec + 1
    .endr

isr_common:
    pushal
    pushl %ds
    pushl %es
    pushl %fs
    pushl %gs
    movl $SEL_DATA0, %eax
    movw %ax, %ds
    movw %ax, %es
    movl %esp, %ebp
    incl exc_depth
    cmpl $1, exc_depth
    jne nested
    movl F_VEC(%ebp), %eax
    movl %eax, exc_vector
    movl F_ERR(%ebp), %eax
    movl %eax, exc_error
    movl F_EIP(%ebp), %eax
    movl %eax, exc_eip
    movl F_CS(%ebp), %eax
    movl %eax, exc_cs
    movl F_EFLAGS(%ebp), %eax
    movl %eax, exc_eflags
    movl F_DS(%ebp), %eax
    movl %eax, exc_ds
    movl F_ES(%ebp), %eax
    movl %eax, exc_es
    movl F_FS(%ebp), %eax
    movl %eax, exc_fs
    movl F_GS(%ebp), %eax
    movl %eax, exc_gs
    movl %cr2, %eax
    movl %eax, exc_cr2
    movl %ebp, exc_frame
    incl exc_count
    # SS:ESP at the exception: pushed when it came from an outer ring or
    # V86 mode, else the stack just above the frame.
    testl $0x20000, F_EFLAGS(%ebp)
    jnz 1f
    testl $3, F_CS(%ebp)
    jnz 1f
    leal F_ESP(%ebp), %eax
    movl %eax, exc_esp
    movw %ss, %ax
    movzwl %ax, %eax
    movl %eax, exc_ss
    jmp 2f
1:  movl F_ESP(%ebp), %eax
    movl %eax, exc_esp
    movl F_SS(%ebp), %eax
    movl %eax, exc_ss
2:  movl F_VEC(%ebp), %eax
    movl handlers(,%eax,4), %eax
    testl %eax, %eax
    jz 3f
    pushl %ebp
    call *%eax
    addl $4, %esp
    jmp isr_return
3:  cmpl $0, catch_eip
    jne rt_resume
    # Nobody expected it.
    movl $m_fail, %esi
    call puts
    movl $test_name, %esi
    call puts
    movl $m_unexpected, %esi
    call puts
    movl exc_vector, %eax
    call puthex
    movl $m_error, %esi
    call puts
    movl exc_error, %eax
    call puthex
    movl $m_at, %esi
    call puts
    movl exc_cs, %eax
    call puthex
    movb $':', %al
    call putc
    movl exc_eip, %eax
    call puthex
    movl $m_cr2, %esi
    call puts
    movl exc_cr2, %eax
    call puthex
    call newline
    movb $EXIT_EXC, %al
    jmp exit_guest

nested:
    movl $m_fail, %esi
    call puts
    movl $test_name, %esi
    call puts
    movl $m_nested, %esi
    call puts
    movl F_VEC(%ebp), %eax
    call puthex
    movl $m_at, %esi
    call puts
    movl F_CS(%ebp), %eax
    call puthex
    movb $':', %al
    call putc
    movl F_EIP(%ebp), %eax
    call puthex
    call newline
    movb $EXIT_NESTED, %al
    jmp exit_guest

# Restores a frame (possibly edited by a handler) and returns through it.
# DS and ES are reloaded from the frame (the handler changed them); FS and
# GS were never touched and keep their caches, whatever the tables say now.
    .globl isr_return
isr_return:
    decl exc_depth
    addl $8, %esp               # GS, FS
    popl %es
    popl %ds
    popal
    addl $8, %esp
    iret

# Resumes at the armed TRY label; see rt.inc.
    .globl rt_resume
rt_resume:
    movl $0, exc_depth
    movl catch_eip, %eax
    movl $0, catch_eip
    movl $SEL_DATA0, %ecx
    movw %cx, %ds
    movw %cx, %es
    movw %cx, %ss
    movl catch_esp, %esp
    movl catch_ebx, %ebx
    movl catch_esi, %esi
    movl catch_edi, %edi
    movl catch_ebp, %ebp
    jmp *%eax

# rt_try(resume): arms the catch (the TRY macro).
    .globl rt_try
rt_try:
    pushl %eax                  # preserves all registers
    movl 8(%esp), %eax
    movl %eax, catch_eip
    leal 12(%esp), %eax         # ESP after TRY's `addl $4, %esp`
    movl %eax, catch_esp
    movl %ebx, catch_ebx
    movl %esi, catch_esi
    movl %edi, catch_edi
    movl %ebp, catch_ebp
    movl $0xFFFFFFFF, exc_vector
    popl %eax
    ret

# --- rings ------------------------------------------------------------------------

# enter_ring3(fn): runs fn at ring 3; returns its EAX.
    .globl enter_ring3
enter_ring3:
    movl 4(%esp), %eax
    movl $r3_exit, ring3_stack_top - 4
    pushl $0x2                  # EFLAGS: IF=0, IOPL=0
    pushl $SEL_DATA3            # SS
    pushl $ring3_stack_top - 4  # ESP
    pushl $SEL_CODE3            # CS
    pushl %eax                  # EIP
    pushl %esp                  # the frame: EIP CS ESP SS EFLAGS
    call enter_user
    addl $24, %esp
    ret

# enter_user(frame): frame = EIP, CS, ESP, SS, EFLAGS (the order of
# arguments; enter_iret's order differs).  Returns the EAX of INT 0x80.
    .globl enter_user
enter_user:
    movl 4(%esp), %edx
    subl $20, %esp
    movl (%edx), %eax
    movl %eax, (%esp)           # EIP
    movl 4(%edx), %eax
    movl %eax, 4(%esp)          # CS
    movl 16(%edx), %eax
    movl %eax, 8(%esp)          # EFLAGS
    movl 8(%edx), %eax
    movl %eax, 12(%esp)         # ESP
    movl 12(%edx), %eax
    movl %eax, 16(%esp)         # SS
    pushl %esp
    call enter_iret
    addl $24, %esp
    ret

# enter_iret(frame): saves the ring-0 context, then IRETs through the
# frame (EIP CS EFLAGS [ESP SS [ES DS FS GS]] in memory) with DS = ES =
# SEL_DATA3.  Returns the EAX of the INT 0x80 that comes back.
    .globl enter_iret
enter_iret:
    pushl %ebp
    pushl %ebx
    pushl %esi
    pushl %edi
    movl %esp, r0_esp
    movl 20(%esp), %esp
    movl $SEL_DATA3, %eax
    movw %ax, %ds
    movw %ax, %es
    iret

# The return address of enter_ring3's fn.
r3_exit:
    int $VEC_RING0

# handlers[VEC_RING0]: back to the ring-0 context enter_iret saved.
ring0_return:
    movl 4(%esp), %ebp
    movl F_EAX(%ebp), %eax
    movl $0, exc_depth
    movl $SEL_DATA0, %ecx
    movw %cx, %ss
    movl r0_esp, %esp
    movw %cx, %ds
    movw %cx, %es
    popl %edi
    popl %esi
    popl %ebx
    popl %ebp
    ret

# --- checks ----------------------------------------------------------------------

# check_eq(msg, got, want), from CHECK.
    .globl check_eq
check_eq:
    pushfl
    pushl %eax
    movl 16(%esp), %eax
    cmpl 20(%esp), %eax
    jne 1f
    popl %eax
    popfl
    ret
1:  movl %eax, fail_got
    movl 20(%esp), %eax
    movl %eax, fail_want
    movl 12(%esp), %eax
    movl %eax, fail_text
    movl 8(%esp), %eax
    movl %eax, fail_where
    movl $1, fail_values
    jmp fail_report

# fail_msg(msg), from FAIL.
    .globl fail_msg
fail_msg:
    movl 4(%esp), %eax
    movl %eax, fail_text
    movl (%esp), %eax
    movl %eax, fail_where
    movl $0, fail_values
fail_report:
    movw %cs, %ax
    testw $3, %ax
    jz report_fail
    int $VEC_FAIL               # at ring 3: the report needs ring 0

# handlers[VEC_FAIL]
ring3_fail:
report_fail:
    movl $SEL_DATA0, %eax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movl $stack_top, %esp
    movl $m_fail, %esi
    call puts
    movl $test_name, %esi
    call puts
    movl $m_colon, %esi
    call puts
    movl fail_text, %esi
    call puts
    cmpl $0, fail_values
    je 1f
    movl $m_got, %esi
    call puts
    movl fail_got, %eax
    call puthex
    movl $m_want, %esi
    call puts
    movl fail_want, %eax
    call puthex
1:  movl $m_check_at, %esi
    call puts
    movl fail_where, %eax
    call puthex
    movl $m_paren, %esi
    call puts
    call newline
    movb $EXIT_FAIL, %al
    jmp exit_guest

# --- paging ------------------------------------------------------------------------

# paging_on(): identity-maps 0-8 MiB with 4 KiB pages (P, R/W, U/S all
# set), leaves 8-12 MiB to the tests (page table entries at
# page_tables + 8 KiB, all not present), loads CR3 and sets CR0.PG.
    .globl paging_on
paging_on:
    pushl %edi
    movl $page_tables, %edi
    xorl %ecx, %ecx
1:  movl %ecx, %eax
    shll $12, %eax
    orl $7, %eax
    movl %eax, (%edi,%ecx,4)
    incl %ecx
    cmpl $2048, %ecx
    jb 1b
2:  movl $0, (%edi,%ecx,4)
    incl %ecx
    cmpl $3072, %ecx
    jb 2b
    movl $page_dir, %edi
    xorl %ecx, %ecx
3:  movl $0, (%edi,%ecx,4)
    incl %ecx
    cmpl $1024, %ecx
    jb 3b
    movl $page_tables + 0x0007, (%edi)
    movl $page_tables + 0x1007, 4(%edi)
    movl $page_tables + 0x2007, 8(%edi)
    movl $page_dir, %eax
    movl %eax, %cr3
    movl %cr0, %eax
    orl $0x80000000, %eax
    movl %eax, %cr0
    jmp 4f
4:  popl %edi
    ret

# paging_off()
    .globl paging_off
paging_off:
    movl %cr0, %eax
    andl $0x7FFFFFFF, %eax
    movl %eax, %cr0
    jmp 1f
1:  ret

# pte(linear) -> EAX = the address of the PTE for a linear address below
# 12 MiB.
    .globl pte
pte:
    movl 4(%esp), %eax
    shrl $12, %eax
    leal page_tables(,%eax,4), %eax
    ret

# --- data --------------------------------------------------------------------------

    .section .rodata
m_start:      .asciz "start "
m_pass:       .asciz "PASS "
m_fail:       .asciz "FAIL "
m_colon:      .asciz ": "
m_got:        .asciz ": got "
m_want:       .asciz " want "
m_check_at:   .asciz " (check at "
m_paren:      .asciz ")"
m_unexpected: .asciz ": unexpected exception "
m_nested:     .asciz ": exception in an exception handler, vector "
m_error:      .asciz " error "
m_at:         .asciz " at "
m_cr2:        .asciz " cr2 "

    .data
    .balign 8
    .globl gdt_desc, idt_desc
gdt_desc:
    .word GDT_ENTRIES * 8 - 1
    .long gdt
    .balign 8
idt_desc:
    .word 256 * 8 - 1
    .long idt

    .globl boot_eax, boot_ebx
boot_eax: .long 0
boot_ebx: .long 0

# What the last exception was (see the top of this file).
    .globl exc_vector, exc_error, exc_eip, exc_cs, exc_eflags, exc_esp, exc_ss
    .globl exc_cr2, exc_ds, exc_es, exc_fs, exc_gs, exc_count, exc_frame
exc_vector: .long 0xFFFFFFFF
exc_error:  .long 0
exc_eip:    .long 0
exc_cs:     .long 0
exc_eflags: .long 0
exc_esp:    .long 0
exc_ss:     .long 0
exc_cr2:    .long 0
exc_ds:     .long 0
exc_es:     .long 0
exc_fs:     .long 0
exc_gs:     .long 0
exc_count:  .long 0
exc_frame:  .long 0
exc_depth:  .long 0

    .globl catch_eip
catch_eip: .long 0
catch_esp: .long 0
catch_ebx: .long 0
catch_esi: .long 0
catch_edi: .long 0
catch_ebp: .long 0
r0_esp:    .long 0

fail_text:   .long 0
fail_got:    .long 0
fail_want:   .long 0
fail_where:  .long 0
fail_values: .long 0

# The GDT has a page of its own (tests map it elsewhere); so have the page
# tables.
    .section .data.page, "aw"
    .balign 4096
    .globl gdt
gdt:
    .skip 4096

    .section .bss.page, "aw", @nobits
    .balign 4096
    .globl page_dir, page_tables
page_dir:
    .skip 4096
page_tables:
    .skip 3 * 4096

    .bss
    .balign 8
    .globl idt, tss, handlers
idt:
    .skip 256 * 8
tss:
    .skip 104
handlers:
    .skip 256 * 4
    .balign 16
    .skip 16384
    .globl stack_top
stack_top:
    .skip 8192
    .globl int_stack_top
int_stack_top:
    .skip 8192
    .globl ring3_stack_top
ring3_stack_top:
    .skip 16
