# task16: a CALL into a 16-bit (286) TSS (issue 20, item 4).  The 16-bit
# TSS holds only the low words of the general registers and of FLAGS (SDM
# vol. 3A, 7.6 and figure 7-11); the SDM does not say what the upper halves
# become.  plex86 follows Bochs 3.0 (tasking.cc: "upper word of general
# registers is set to 0xFFFF", "upper word of eflags is zero'd"), which is
# what CPU test suites expect, instead of keeping the previous task's upper
# halves (which matches no reference).
#
# Task A (the runtime's TSS, 32-bit) sets every register's upper half to a
# marker and EFLAGS.AC, then CALLs task C (a 16-bit TSS at SEL_T16).  C
# runs 32-bit code (CS = SEL_C16, a D = 1 segment based at task_c) and
# first stores all eight registers and EFLAGS, then IRETs back (NT = 1).
# Want: each register 0xFFFF:<word from the TSS>, EFLAGS = the TSS's FLAGS
# with NT (a CALL sets it) and nothing above bit 15.

    .include "rt.inc"

    .set SEL_T16, 0x30          # available 286 TSS, base tss16, limit 0x2B
    .set SEL_C16, 0x38          # 32-bit code, base task_c, limit 0xFFFF

# CHECKREG var, want, msg: the whole value; the QEMU build checks the low
# word only (QEMU 7.2 keeps the previous task's upper halves).
.macro CHECKREG var, want, msg
.ifdef QEMU
    movzwl \var, %eax
    CHECK %eax, $(\want & 0xFFFF), "\msg (low word)"
.else
    CHECK \var, $\want, "\msg"
.endif
.endm

    .text
    .globl test_main
test_main:
    pushl %ebx
    pushl %esi
    pushl %edi
    pushl %ebp
    pushl $0x0081               # P DPL0 available 286 TSS
    pushl $0x2B
    pushl $tss16
    pushl $SEL_T16
    call gdt_set
    movl $0x409B, 12(%esp)      # P DPL0 code exec/read, D = 1, byte limit
    movl $0xFFFF, 8(%esp)
    movl $task_c, 4(%esp)
    movl $SEL_C16, (%esp)
    call gdt_set
    addl $16, %esp

    movl %esp, a_esp
    pushfl
    orl $0x40000, (%esp)        # AC: an upper EFLAGS bit that must go
    popfl
    movl $0x11AA0000, %eax
    movl $0x11CC0000, %ecx
    movl $0x11DD0000, %edx
    movl $0x11BB0000, %ebx
    movl $0x11BF0000, %ebp
    movl $0x11510000, %esi
    movl $0x11D10000, %edi
    lcall $SEL_T16, $0
    # Back in A (its TSS restored everything, ESP included).
    pushfl
    andl $~0x40000, (%esp)
    popfl
    CHECKREG c_eax, 0xFFFF1234, "EAX after the switch to a 16-bit TSS"
    CHECKREG c_ecx, 0xFFFF2345, "ECX after the switch to a 16-bit TSS"
    CHECKREG c_edx, 0xFFFF3456, "EDX after the switch to a 16-bit TSS"
    CHECKREG c_ebx, 0xFFFF4567, "EBX after the switch to a 16-bit TSS"
    CHECKREG c_esp, 0xFFFF1122, "ESP after the switch to a 16-bit TSS"
    CHECKREG c_ebp, 0xFFFF5678, "EBP after the switch to a 16-bit TSS"
    CHECKREG c_esi, 0xFFFF6789, "ESI after the switch to a 16-bit TSS"
    CHECKREG c_edi, 0xFFFF789A, "EDI after the switch to a 16-bit TSS"
    CHECKREG c_eflags, 0x000048D7, "EFLAGS after the switch to a 16-bit TSS"
    CHECKREG c_eip_ok, 1, "task C started at IP 0 of its CS"
    popl %ebp
    popl %edi
    popl %esi
    popl %ebx
    ret

# Task C: 32-bit code at CS base task_c, IP 0.  Nothing here may use the
# stack before ESP is recorded (ESP = 0xFFFF1122 is no stack).
    .balign 16
task_c:
    movl %eax, c_eax
    movl %ecx, c_ecx
    movl %edx, c_edx
    movl %ebx, c_ebx
    movl %esp, c_esp
    movl %ebp, c_ebp
    movl %esi, c_esi
    movl %edi, c_edi
    movw $SEL_DATA0, %ax
    movw %ax, %ss
    movl $c_stack_top, %esp
    pushfl
    popl c_eflags
    movl $1, c_eip_ok
    iret                        # NT = 1: back to task A

    .data
    .balign 4
# The 16-bit TSS of task C (SDM vol. 3A, figure 7-11).
tss16:
    .word 0                     # 0x00 back link (the CALL writes it)
    .word 0, 0, 0, 0, 0, 0      # 0x02 SP0 SS0 SP1 SS1 SP2 SS2
    .word 0                     # 0x0E IP
    .word 0x08D7                # 0x10 FLAGS: OF SF ZF AF PF CF, bit 1
    .word 0x1234, 0x2345, 0x3456, 0x4567    # 0x12 AX CX DX BX
    .word 0x1122, 0x5678, 0x6789, 0x789A    # 0x1A SP BP SI DI
    .word SEL_DATA0             # 0x22 ES
    .word SEL_C16               # 0x24 CS
    .word SEL_DATA0             # 0x26 SS
    .word SEL_DATA0             # 0x28 DS
    .word 0                     # 0x2A LDT
a_esp: .long 0
c_eax: .long 0
c_ecx: .long 0
c_edx: .long 0
c_ebx: .long 0
c_esp: .long 0
c_ebp: .long 0
c_esi: .long 0
c_edi: .long 0
c_eflags: .long 0
c_eip_ok: .long 0
    .balign 16
    .skip 256
c_stack_top:

    .section .rodata
    .globl test_name
test_name: .asciz "task16"
