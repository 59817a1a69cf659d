# The local APIC (SDM vol. 3A, chapter 10) as a kernel finds it: CPUID and
# IA32_APIC_BASE, the version register; self-IPIs taken in priority order
# with the ISR and PPR seen from inside a handler, TPR masking, EOI; IPIs
# by physical and logical destination and by shorthand; the ESR's illegal
# vector and write-before-read rule with the error LVT entry; the timer in
# one-shot, periodic and TSC-deadline modes, waited for with HLT.
# TSC-deadline mode is used without CPUID.1:ECX[24] (the Pentium M has
# none; plex86 implements the mode on every APIC, dev/lapic.h).

    .include "rt.inc"
    .include "apic.inc"

    .text
    .globl test_main
test_main:
    # CPUID.1:EDX[9] and IA32_APIC_BASE: enabled, BSP, at 0xFEE00000.
    movl $1, %eax
    cpuid
    andl $0x200, %edx
    CHECK %edx, $0x200, "CPUID.1:EDX APIC bit"
    movl $0x1B, %ecx
    rdmsr
    andl $0xFFFFF900, %eax
    CHECK %eax, $0xFEE00900, "IA32_APIC_BASE"
    movl A_VER, %eax
    andl $0x00FF00FF, %eax
    CHECK %eax, $0x00050014, "version and max LVT entry"

    # Software enable, spurious vector 0xFF, TPR 0, every LVT entry masked.
    APIC_ON
    movl $0, A_TPR
    movl $0x10000, A_LVT_TIMER
    movl $0x10000, A_LVT_ERROR

    # Vectors 0x40-0x7F and 0x30 record themselves (the runtime's own
    # vectors, 0x80 and up, stay its own but for 0x92).
    movl $0x40, %ecx
1:  movl $on_vector, handlers(,%ecx,4)
    incl %ecx
    cmpl $0x80, %ecx
    jb 1b
    movl $on_vector, handlers + 4 * 0x30
    movl $on_92, handlers + 4 * 0x92

    # --- priorities: four self-IPIs while IF=0, taken highest first ----
    movl $0x40061, A_ICR        # fixed, self
    movl $0x40045, A_ICR
    movl $0x40092, A_ICR
    movl $0x40030, A_ICR
    movl A_IRR + 0x40, %eax     # vectors 0x80-0x9F
    andl $0x40000, %eax
    CHECK %eax, $0x40000, "IRR bit of vector 0x92"
    sti
    nop
    cli
    CHECK log_n, $4, "self-IPIs taken"
    CHECK log, $0x92, "first taken"
    CHECK log + 4, $0x61, "second taken"
    CHECK log + 8, $0x45, "third taken"
    CHECK log + 12, $0x30, "fourth taken"
    CHECK isr_in_92, $0x40000, "ISR bit of 0x92 in its handler"
    CHECK ppr_in_92, $0x90, "PPR in the handler of 0x92"
    movl A_PPR, %eax
    CHECK %eax, $0, "PPR after the EOIs"

    # --- TPR: classes at or below TPR[7:4] wait --------------------------
    movl $0, log_n
    movl $0x50, A_TPR
    movl $0x40055, A_ICR
    movl $0x40065, A_ICR
    sti
    nop
    cli
    CHECK log_n, $1, "taken with TPR 0x50"
    CHECK log, $0x65, "vector above TPR"
    movl A_PPR, %eax
    CHECK %eax, $0x50, "PPR is TPR"
    movl $0, A_TPR
    sti
    nop
    cli
    CHECK log_n, $2, "taken after TPR 0"
    CHECK log + 4, $0x55, "vector released by TPR"

    # --- destinations: physical (our ID), logical flat, shorthands -------
    movl $0, log_n
    movl A_ID, %eax
    movl %eax, A_ICR_HI         # the ID is in bits 31:24 of both
    movl $0x00063, A_ICR        # fixed, physical, no shorthand
    movl $0xFFFFFFFF, A_DFR     # flat model
    movl $0x01000000, A_LDR
    movl $0x01000000, A_ICR_HI
    movl $0x00864, A_ICR        # fixed, logical, destination 0x01
    movl $0x02000000, A_ICR_HI
    movl $0x00865, A_ICR        # logical 0x02: not us
    movl $0x80066, A_ICR        # all including self
    movl $0xC0067, A_ICR        # all excluding self
    sti
    nop
    cli
    CHECK log_n, $3, "IPIs taken"
    CHECK log, $0x66, "all-including-self (highest)"
    CHECK log + 4, $0x64, "logical destination"
    CHECK log + 8, $0x63, "physical destination"

    # --- ESR: an illegal vector is not sent and is reported after a write
    # (QEMU 7.2 reports no send or receive errors: left out of its build)
.ifndef QEMU
    movl $0, A_ESR
    movl $0, A_ESR
    movl $0x40003, A_ICR        # vector 3 to self
    movl A_ESR, %eax
    CHECK %eax, $0, "ESR before the write"
    movl $0, A_ESR
    movl A_ESR, %eax
    andl $0x20, %eax
    CHECK %eax, $0x20, "ESR send illegal vector"
    movl $0, A_ESR
    movl A_ESR, %eax
    CHECK %eax, $0, "ESR cleared by the next write"
    # The error entry interrupts on a new error.
    movl $0, log_n
    movl $0x7E, A_LVT_ERROR
    movl $0x40004, A_ICR
    sti
    nop
    cli
    CHECK log_n, $1, "error interrupt"
    CHECK log, $0x7E, "error vector"
    movl $0x1007E, A_LVT_ERROR
    movl $0, A_ESR
.endif

    # --- timer, one-shot: 1 ms at divide-by-1 -----------------------------
    movl $0, log_n
    movl $0xB, A_TIMER_DCR
    movl $0x70, A_LVT_TIMER
    movl $1000000, A_TIMER_ICR
    movl A_TIMER_CCR, %eax
    cmpl $1000000, %eax
    jb 2f
    FAIL "current count did not go down"
2:  sti
3:  hlt
    cmpl $0, log_n
    je 3b
    cli
    CHECK log, $0x70, "one-shot vector"
    movl A_TIMER_CCR, %eax
    CHECK %eax, $0, "current count after the one-shot"
    # It fires once: wait 2 ms by the TSC and look again.
    call wait_2ms
    CHECK log_n, $1, "one-shot fired once"

    # --- periodic: 10 periods of 1 ms at divide-by-16 ---------------------
    movl $0, log_n
    movl $0x3, A_TIMER_DCR
    movl $0x20071, A_LVT_TIMER
    rdtsc
    movl %eax, tsc0
    movl %edx, tsc0 + 4
    movl $62500, A_TIMER_ICR
    sti
4:  hlt
    cmpl $10, log_n
    jb 4b
    cli
    movl $0, A_TIMER_ICR        # stops it
    CHECK log + 36, $0x71, "periodic vector"
    # 10 periods took at least 10 ms of guest time (TSC at 1 GHz here).
    rdtsc
    subl tsc0, %eax
    sbbl tsc0 + 4, %edx
.ifndef QEMU
    cmpl $10000000, %eax
    jae 5f
    FAIL "10 periods in under 10 ms"
5:
.endif
    call wait_2ms
    CHECK log_n, $10, "periodic timer stopped"

    # --- TSC deadline ------------------------------------------------------
.ifndef QEMU
    movl $0, log_n
    movl $0x40072, A_LVT_TIMER
    rdtsc
    addl $1000000, %eax
    adcl $0, %edx
    movl %eax, tsc0
    movl %edx, tsc0 + 4
    movl $0x6E0, %ecx
    wrmsr
    rdmsr
    CHECK %eax, tsc0, "IA32_TSC_DEADLINE reads back"
    sti
6:  hlt
    cmpl $0, log_n
    je 6b
    cli
    CHECK log, $0x72, "TSC-deadline vector"
    rdtsc
    subl tsc0, %eax
    sbbl tsc0 + 4, %edx
    shrl $31, %edx
    CHECK %edx, $0, "fired before the deadline"
    movl $0x6E0, %ecx
    rdmsr
    CHECK %eax, $0, "IA32_TSC_DEADLINE after it fired"
.endif
    movl $0x10000, A_LVT_TIMER
    ret

# Records the vector and ends it.
on_vector:
    movl 4(%esp), %eax
    movl F_VEC(%eax), %ecx
    movl log_n, %edx
    movl %ecx, log(,%edx,4)
    incl log_n
    movl $0, A_EOI
    ret

# Vector 0x92 also looks at the ISR and the PPR while in service.
on_92:
    movl A_ISR + 0x40, %eax
    andl $0x40000, %eax
    movl %eax, isr_in_92
    movl A_PPR, %eax
    movl %eax, ppr_in_92
    jmp on_vector

# Spins until the TSC has moved 2,000,000 (2 ms at 1 GHz).
wait_2ms:
    rdtsc
    movl %eax, %ebx
1:  rdtsc
    subl %ebx, %eax
    cmpl $2000000, %eax
    jb 1b
    ret

    .data
log_n: .long 0
log: .fill 16, 4, 0
isr_in_92: .long 0
ppr_in_92: .long 0
tsc0: .quad 0

    .section .rodata
    .globl test_name
test_name: .asciz "apic"
