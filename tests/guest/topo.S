# The CPU topology the guest sees (-smp N,sockets=S,cores=C,threads=T,
# issue 19): the BSP starts the application processors (ap.inc); each CPU
# records its local APIC ID register and CPUID leaf 1 (EBX[31:24] the
# initial APIC ID, EBX[23:16] the logical processors per package, EDX[28]
# HTT) in the slot of its APIC ID.  The BSP then wakes each AP from HLT
# with a fixed IPI to its APIC ID by physical destination and checks that
# the AP with that ID took it, and prints one line per CPU in APIC ID
# order:
#   topo: apic 0x000000II cpuid1 0x0000IILL htt 0x0000000H
# (II the APIC ID, LL EBX[23:16], H HTT).  topo-check.sh compares them
# with the layout QEMU's x86 topology gives, on plex86 and on QEMU.
# The CPU count is the firmware's (CMOS 0x5F, QEMU's layout), 1 to 8.

    .include "rt.inc"
    .include "apic.inc"
    .include "ap.inc"

    .set SLOTS, 32              # APIC IDs below 32 (8 CPUs need under 16)

    .text
    .globl test_main
test_main:
    CMOS_APS
    movl %eax, naps
    cmpl $7, naps
    jbe 1f
    FAIL "CMOS 0x5F: want 0 to 7 APs (run with -smp 1 to 8)"
1:  APIC_ON
    call record
    CHECK %eax, $0, "BSP APIC ID"

    # The APs' IDT: one interrupt gate, for VEC_WAKE.
    AP_IDT ap_isr
    cmpl $0, naps
    je 4f
    START_APS

    AP_WAIT ap_done, naps
    CHECK ap_done, naps, "APs that recorded themselves"
    CHECK bad_ids, $0, "APs whose APIC ID is 32 or more, or taken"

    # Wake each AP by its APIC ID: the one with that ID takes the IPI.
    movl $1, %ebx
5:  cmpl $-1, slot_id(,%ebx,4)
    je 7f
    movl %ebx, %eax
    shll $24, %eax
    movl %eax, A_ICR_HI
    movl $0x4000 | VEC_WAKE, A_ICR
    movl $SPIN, %ecx
6:  cmpl $-1, slot_woken(,%ebx,4)
    jne 8f
    pause
    decl %ecx
    jnz 6b
8:  movl slot_woken(,%ebx,4), %eax
    CHECK %eax, %ebx, "the IPI to an APIC ID woke the AP with that ID"
7:  incl %ebx
    cmpl $SLOTS, %ebx
    jb 5b

    # One line per CPU, in APIC ID order.
4:  xorl %ebx, %ebx
9:  cmpl $-1, slot_id(,%ebx,4)
    je 10f
    movl $m_apic, %esi
    call puts
    movl slot_id(,%ebx,4), %eax
    call puthex
    CHECK %eax, %ebx, "APIC ID register and CPUID.1:EBX[31:24] agree"
    movl $m_cpuid, %esi
    call puts
    movl slot_ebx(,%ebx,4), %eax
    shrl $16, %eax
    call puthex
    movl $m_htt, %esi
    call puts
    movl slot_edx(,%ebx,4), %eax
    shrl $28, %eax
    andl $1, %eax
    call puthex
    call newline
10: incl %ebx
    cmpl $SLOTS, %ebx
    jb 9b
    ret

# record: this CPU's APIC ID register, CPUID.1's EBX and EDX into the
# slot of its initial APIC ID; returns the APIC ID in EAX (-1 when the
# ID is out of range or its slot taken: bad_ids counts it).
record:
    pushl %ebx
    pushl %ecx
    pushl %edx
    pushl %esi
    movl A_ID, %esi
    shrl $24, %esi
    movl $1, %eax
    cpuid
    movl %ebx, %eax
    shrl $24, %eax
    cmpl $SLOTS, %eax
    jae 1f
    movl %eax, %ecx
    movl $-1, %eax
    lock cmpxchgl %esi, slot_id(,%ecx,4)
    jne 1f
    movl %ebx, slot_ebx(,%ecx,4)
    movl %edx, slot_edx(,%ecx,4)
    movl %ecx, %eax
    jmp 2f
1:  lock incl bad_ids
    movl $-1, %eax
2:  popl %esi
    popl %edx
    popl %ecx
    popl %ebx
    ret

# --- the APs --------------------------------------------------------------

    AP_TRAMPOLINE ap32
    # A stack of its own, by arrival.
    movl $1, %eax
    lock xaddl %eax, ap_started
    incl %eax
    shll $10, %eax
    addl $ap_stacks, %eax
    movl %eax, %esp
    APIC_ON
    call record
    lidt ap_idtr
    lock incl ap_done
    sti
1:  hlt
    jmp 1b

ap_isr:
    pushl %eax
    movl A_ID, %eax
    shrl $24, %eax
    cmpl $SLOTS, %eax
    jae 1f
    movl %eax, slot_woken(,%eax,4)
1:  movl $0, A_EOI
    popl %eax
    iret

    .section .rodata
test_name: .asciz "topo"
    .globl test_name
m_apic: .asciz "topo: apic "
m_cpuid: .asciz " cpuid1 "
m_htt: .asciz " htt "

    AP_DATA
    .data
naps: .long 0
ap_started: .long 0
ap_done: .long 0
bad_ids: .long 0
slot_id: .fill SLOTS, 4, -1
slot_ebx: .fill SLOTS, 4, 0
slot_edx: .fill SLOTS, 4, 0
slot_woken: .fill SLOTS, 4, -1
