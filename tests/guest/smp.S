# Several CPUs (-smp 4, issue 19): the BSP starts the application
# processors with INIT-SIPI-SIPI (ap.inc); each AP records its local APIC ID, CPUID's initial APIC ID and the BSP flag of
# IA32_APIC_BASE, and adds to a counter with LOCK-prefixed increments
# while the BSP does the same; then it enables interrupts and halts.  The
# BSP checks what they wrote, wakes each halted AP with a fixed IPI (its
# handler counts), and checks the counts.  The CPU count is the
# firmware's (CMOS 0x5F, QEMU's layout), 2 to 8; the last line says it.
# Run with -smp 4 on plex86 and on QEMU (qemu-ref-guest-smp).

    .include "rt.inc"
    .include "apic.inc"
    .include "ap.inc"

    .set ADDS, 10000            # LOCK INCs per CPU

    .text
    .globl test_main
test_main:
    # The firmware's count.
    AP_COUNT ADDS
    # The BSP: APIC ID 0, CPUID's initial APIC ID 0, IA32_APIC_BASE.BSP.
    movl A_ID, %eax
    shrl $24, %eax
    CHECK %eax, $0, "BSP APIC ID"
    movl $1, %eax
    cpuid
    shrl $24, %ebx
    CHECK %ebx, $0, "BSP CPUID.1:EBX[31:24]"
    movl $0x1B, %ecx
    rdmsr
    andl $0x100, %eax
    CHECK %eax, $0x100, "BSP flag of IA32_APIC_BASE"
    APIC_ON

    # The APs' IDT: one interrupt gate, for VEC_WAKE.
    AP_IDT ap_isr

    START_APS

    # The BSP's share of the counter, while the APs start.
    movl $ADDS, %ecx
1:  lock incl counter
    decl %ecx
    jnz 1b

    AP_WAIT ap_done, naps
    CHECK ap_done, naps, "APs that ran the trampoline"
    CHECK counter, total, "LOCK INC counter"
    CHECK ap_started, naps, "LOCK XADD count"
    # Each AP by its APIC ID: its own ID register, CPUID, no BSP flag.
    movl $1, %ebx
4:  movl ap_id(,%ebx,4), %eax
    CHECK %eax, %ebx, "AP's APIC ID register"
    movl ap_cpuid(,%ebx,4), %eax
    CHECK %eax, %ebx, "AP's CPUID.1:EBX[31:24]"
    movl ap_bsp(,%ebx,4), %eax
    CHECK %eax, $0, "AP's IA32_APIC_BASE.BSP"
    incl %ebx
    cmpl ncpus, %ebx
    jb 4b

    # Wake each halted AP with a fixed IPI by physical destination.
    movl $1, %ebx
5:  movl %ebx, %eax
    shll $24, %eax
    movl %eax, A_ICR_HI
    movl $0x4000 | VEC_WAKE, A_ICR
    movl $SPIN, %ecx
6:  cmpl %ebx, ap_woken
    je 7f
    pause
    decl %ecx
    jnz 6b
7:  CHECK ap_woken, %ebx, "APs woken from HLT by an IPI"
    movl ap_woke_id(,%ebx,4), %eax
    CHECK %eax, %ebx, "the IPI woke the AP it named"
    incl %ebx
    cmpl ncpus, %ebx
    jb 5b

    movl $m_cpus, %esi
    call puts
    movl ap_done, %eax
    incl %eax
    call puthex
    call newline
    ret

# --- the APs --------------------------------------------------------------

    AP_TRAMPOLINE ap32
    movl $1, %eax
    lock xaddl %eax, ap_started
    movl A_ID, %esi
    shrl $24, %esi
    andl $7, %esi
    # A stack of its own, by APIC ID.
    movl %esi, %esp
    incl %esp
    shll $10, %esp
    addl $ap_stacks, %esp
    movl %esi, ap_id(,%esi,4)
    movl $1, %eax
    cpuid
    shrl $24, %ebx
    movl %ebx, ap_cpuid(,%esi,4)
    movl $0x1B, %ecx
    rdmsr
    andl $0x100, %eax
    movl %eax, ap_bsp(,%esi,4)
    APIC_ON
    movl $ADDS, %ecx
1:  lock incl counter
    decl %ecx
    jnz 1b
    lidt ap_idtr
    lock incl ap_done
    sti
2:  hlt
    jmp 2b

ap_isr:
    pushl %eax
    movl A_ID, %eax
    shrl $24, %eax
    andl $7, %eax
    movl %eax, ap_woke_id(,%eax,4)
    lock incl ap_woken
    movl $0, A_EOI
    popl %eax
    iret

    .section .rodata
test_name: .asciz "smp"
    .globl test_name
m_cpus: .asciz "smp: CPUs running: "

    AP_DATA
    .data
ncpus: .long 0
naps: .long 0
total: .long 0
counter: .long 0
ap_started: .long 0
ap_done: .long 0
ap_woken: .long 0
ap_id: .fill 8, 4, -1
ap_cpuid: .fill 8, 4, -1
ap_bsp: .fill 8, 4, -1
ap_woke_id: .fill 8, 4, -1
