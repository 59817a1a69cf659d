# sysenter: the P6 system instructions and MSRs (SDM vol. 2, SYSENTER,
# SYSEXIT, RDMSR, WRMSR, RDPMC, WBINVD, NOP; vol. 3A, 11.11-11.12 for MTRRs
# and PAT).  Needs a CPU with SEP and MSR (plex86's default model; under
# QEMU e.g. -cpu coreduo).
#  1. CPUID: family 6, SEP, MSR, TSC, CX8, CMOV.
#  2. MSR round trips: SYSENTER_CS/ESP/EIP, PAT, a variable MTRR; a TSC
#     write sets what RDTSC reads next.
#  3. SYSENTER/SYSEXIT round trips from ring 3: the kernel side sees CS
#     SYSENTER_CS, SS SYSENTER_CS + 8, ESP SYSENTER_ESP and IF clear; back
#     at ring 3 CS and SS are SYSENTER_CS + 16 / + 24 with RPL 3, ESP = ECX,
#     EIP = EDX, and the registers the kernel did not touch survive.
#  4. #GP(0): SYSEXIT at ring 3, SYSENTER with SYSENTER_CS = 0, RDMSR,
#     WRMSR, WBINVD and RDPMC at ring 3; unknown MSRs, reserved PAT and
#     MTRR bits, EFER.LME, RDPMC counter 2 (not in QEMU, which returns 0 for
#     unknown MSRs and checks no reserved bits).
#  5. Hints: NOPL, PREFETCHh and CLFLUSH execute as no-ops; UD2 is #UD.

    .include "rt.inc"

    .set MSR_TSC, 0x10
    .set MSR_SYSENTER_CS, 0x174
    .set MSR_SYSENTER_ESP, 0x175
    .set MSR_SYSENTER_EIP, 0x176
    .set MSR_MTRR_PHYSBASE1, 0x202
    .set MSR_PAT, 0x277
    .set MSR_MTRR_DEF_TYPE, 0x2FF
    .set MSR_EFER, 0xC0000080
    .set ROUNDS, 5

# WRMSR_GP msr, edx, eax, msg: WRMSR at ring 0 must raise #GP(0).
.macro WRMSR_GP msr, hi, lo, msg
    movl $\msr, %ecx
    movl $\hi, %edx
    movl $\lo, %eax
    TRY 1f
2:  wrmsr
    NOFAULT "\msg"
1:  EXPECT $13, $0, $2b, "\msg"
.endm

# R3FAULT fn, vec, err, eip, msg: runs fn at ring 3, expects a fault.
.macro R3FAULT fn, vec, err, eip, msg
    TRY 1f
    pushl $\fn
    call enter_ring3
    ENDTRY
1:  EXPECT $\vec, $\err, $\eip, "\msg"
.endm

    .text
    .globl test_main
test_main:
    # --- 1: CPUID ---
    movl $1, %eax
    cpuid
    movl %eax, %ebx
    shrl $8, %ebx
    andl $0xF, %ebx
    CHECK %ebx, $6, "CPUID family"
    andl $0x8930, %edx          # CMOV SEP CX8 MSR TSC
    CHECK %edx, $0x8930, "CPUID CMOV SEP CX8 MSR TSC"

    # --- 2: MSR round trips ---
    movl $MSR_SYSENTER_CS, %ecx
    movl $SEL_CODE0, %eax
    xorl %edx, %edx
    wrmsr
    movl $MSR_SYSENTER_ESP, %ecx
    movl $kstack_top, %eax
    wrmsr
    movl $MSR_SYSENTER_EIP, %ecx
    movl $sysenter_entry, %eax
    wrmsr
    movl $MSR_SYSENTER_CS, %ecx
    movl $-1, %eax
    movl $-1, %edx
    rdmsr
    CHECK %eax, $SEL_CODE0, "SYSENTER_CS read back"
    movl $MSR_SYSENTER_EIP, %ecx
    rdmsr
    CHECK %eax, $sysenter_entry, "SYSENTER_EIP read back"
    CHECK %edx, $0, "SYSENTER_EIP high half"

    movl $MSR_PAT, %ecx
    rdmsr
    CHECK %eax, $0x00070406, "PAT reset value (low)"
    CHECK %edx, $0x00070406, "PAT reset value (high)"
    movl $0x00010604, %eax
    movl $0x07050406, %edx
    wrmsr
    movl $0, %eax
    movl $0, %edx
    rdmsr
    CHECK %eax, $0x00010604, "PAT read back (low)"
    CHECK %edx, $0x07050406, "PAT read back (high)"
    movl $0x00070406, %eax      # back to the reset value
    movl %eax, %edx
    wrmsr

    movl $MSR_MTRR_PHYSBASE1, %ecx
    movl $0x00200006, %eax      # 2 MiB, write-back
    xorl %edx, %edx
    wrmsr
    xorl %eax, %eax
    rdmsr
    CHECK %eax, $0x00200006, "MTRR PhysBase1 read back"

    movl $MSR_TSC, %ecx
    xorl %eax, %eax
    xorl %edx, %edx
    wrmsr
    rdtsc
    CHECK %edx, $0, "TSC high half after writing 0"
.ifdef QEMU
    cmpl $0x40000000, %eax      # QEMU's TSC runs at the host's rate
.else
    cmpl $1000000, %eax
.endif
    jb 1f
    FAIL "TSC far from 0 right after writing 0"
1:

    # --- 3: SYSENTER/SYSEXIT round trips ---
    movl $0, k_count
    pushl $0x202                # EFLAGS: IF=1 (both PICs are masked)
    pushl $SEL_DATA3            # SS
    pushl $ring3_stack_top - 4  # ESP
    pushl $SEL_CODE3            # CS
    pushl $user_sysenter        # EIP
    pushl %esp
    call enter_user
    addl $24, %esp
    CHECK %eax, $0x600D, "the ring-3 SYSENTER loop ran to its end"
    CHECK k_count, $ROUNDS, "SYSENTER entries"

    # --- 4: #GP(0) ---
    R3FAULT user_sysexit, 13, 0, user_sysexit, "SYSEXIT at ring 3"
    R3FAULT user_rdmsr, 13, 0, user_rdmsr, "RDMSR at ring 3"
    R3FAULT user_wrmsr, 13, 0, user_wrmsr_insn, "WRMSR at ring 3"
    R3FAULT user_wbinvd, 13, 0, user_wbinvd, "WBINVD at ring 3"
    R3FAULT user_rdpmc, 13, 0, user_rdpmc_insn, "RDPMC at ring 3 without CR4.PCE"
    movl $MSR_SYSENTER_CS, %ecx
    xorl %eax, %eax
    xorl %edx, %edx
    wrmsr
    R3FAULT user_sysenter_once, 13, 0, user_sysenter_insn, "SYSENTER with SYSENTER_CS 0"
    TRY 1f
2:  sysexit
    NOFAULT "SYSEXIT with SYSENTER_CS 0"
1:  EXPECT $13, $0, $2b, "SYSEXIT with SYSENTER_CS 0"
.ifndef QEMU
    movl $0xC0010000, %ecx      # an AMD MSR
    TRY 1f
2:  rdmsr
    NOFAULT "RDMSR of an unknown MSR"
1:  EXPECT $13, $0, $2b, "RDMSR of an unknown MSR"
    WRMSR_GP 0x12345, 0, 0, "WRMSR of an unknown MSR"
    WRMSR_GP MSR_PAT, 0x00070406, 0x00070402, "WRMSR PAT type 2"
    WRMSR_GP MSR_PAT, 0x00070406, 0x00070C06, "WRMSR PAT reserved bit 3 of a byte"
    WRMSR_GP MSR_MTRR_DEF_TYPE, 0, 0x1006, "WRMSR MTRRdefType bit 12"
    WRMSR_GP MSR_MTRR_DEF_TYPE, 0, 0x0002, "WRMSR MTRRdefType type 2"
    WRMSR_GP MSR_MTRR_PHYSBASE1, 0, 0x00200106, "WRMSR PhysBase bit 8"
    WRMSR_GP MSR_EFER, 0, 0x100, "WRMSR EFER.LME on a 32-bit CPU"
    WRMSR_GP 0xFE, 0, 0, "WRMSR MTRRcap (read-only)"
    movl $MSR_PAT, %ecx
    rdmsr
    CHECK %eax, $0x00070406, "PAT unchanged by the refused writes"
    movl $2, %ecx
    TRY 1f
2:  rdpmc
    NOFAULT "RDPMC of counter 2"
1:  EXPECT $13, $0, $2b, "RDPMC of counter 2"
    movl $0, %ecx
    rdpmc                       # counter 0 at ring 0: fine
.endif

    # --- 5: hints and UD2 ---
    nopl (%eax)
    nopw 0x12345678(%eax,%eax,1)
    prefetcht0 (%esp)
    prefetchnta 0x7FFFFFF0      # a hint: never faults
    movl $1, %eax
    cpuid
    testl $0x80000, %edx        # CLFSH
    jz 1f
    clflush kstack_top - 4
1:  TRY 1f
2:  ud2
    NOFAULT "UD2"
1:  EXPECT $6, $0, $2b, "UD2"
    ret

# --- ring 3 --------------------------------------------------------------------

# ROUNDS SYSENTER/SYSEXIT trips; EDI counts, ESI and EBP must survive.
user_sysenter:
    movl $ROUNDS, %edi
    movl $0x5A5A5A5A, %esi
    movl $0x0BADF00D, %ebp
1:  movl %esp, %ecx
    movl $2f, %edx
    sysenter
2:  movl %cs, %eax
    CHECK %eax, $SEL_CODE3, "CS after SYSEXIT"
    movl %ss, %eax
    CHECK %eax, $SEL_DATA3, "SS after SYSEXIT"
    CHECK k_cs, $SEL_CODE0, "CS in the SYSENTER handler"
    CHECK k_ss, $SEL_DATA0, "SS in the SYSENTER handler"
    CHECK k_esp, $kstack_top, "ESP in the SYSENTER handler"
    CHECK k_if, $0, "IF in the SYSENTER handler"
    CHECK %esi, $0x5A5A5A5A, "ESI across SYSENTER/SYSEXIT"
    CHECK %ebp, $0x0BADF00D, "EBP across SYSENTER/SYSEXIT"
    pushfl
    popl %eax
    andl $0x200, %eax
    CHECK %eax, $0, "IF stays clear after SYSEXIT"
    decl %edi
    jnz 1b
    movl $0x600D, %eax
    int $VEC_RING0              # back to enter_user's caller

# The kernel side: records what it sees, then returns with ECX/EDX as the
# user set them.
sysenter_entry:
    movl %cs, %eax
    movl %eax, k_cs
    movl %ss, %eax
    movl %eax, k_ss
    movl %esp, k_esp
    pushfl
    popl %eax
    andl $0x200, %eax
    movl %eax, k_if
    incl k_count
    sysexit

user_sysexit:
    sysexit
user_rdmsr:
    rdmsr
    ret
user_wrmsr:
    movl $MSR_SYSENTER_EIP, %ecx
user_wrmsr_insn:
    wrmsr
    ret
user_wbinvd:
    wbinvd
    ret
user_rdpmc:
    xorl %ecx, %ecx
user_rdpmc_insn:
    rdpmc
    ret
user_sysenter_once:
    movl %esp, %ecx
    movl $1f, %edx
user_sysenter_insn:
    sysenter
1:  ret

    .data
    .balign 4
k_cs: .long 0
k_ss: .long 0
k_esp: .long 0
k_if: .long 0
k_count: .long 0
    .balign 16
    .space 1024
kstack_top:

    .section .rodata
    .globl test_name
test_name: .asciz "sysenter"
