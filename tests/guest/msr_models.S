# msr_models: IA32_MISC_ENABLE (0x1A0) on each CPU model (issue 20, item
# 5).  The Pentium M (family 6 model 13, plex86's default) has it: RDMSR
# reads fast strings (bit 0) and BTS/PEBS unavailable (11, 12), bit 22
# (limit CPUID maxval) is writable, a reserved bit is #GP(0) (SDM vol. 4,
# MSRs in the Pentium M processor).  Earlier P6 models and the Pentium do
# not have it: RDMSR and WRMSR of it are #GP(0) (Linux reads it only from
# the Pentium M Dothan on).  The model is told by CPUID; ctest runs this
# on `pentium`, `pentium2`, `pentium3` and the default.

    .include "rt.inc"

    .set MSR_MISC, 0x1A0

    .text
    .globl test_main
test_main:
    pushl %ebx
    movl $1, %eax
    cpuid
    movl %eax, %ebx
    shrl $4, %eax
    andl $0xF, %eax             # model
    shrl $8, %ebx
    andl $0xF, %ebx             # family
    cmpl $6, %ebx
    jne absent
    cmpl $13, %eax
    jb absent

    movl $MSR_MISC, %ecx
    rdmsr
    CHECK %eax, $0x1801, "Pentium M: IA32_MISC_ENABLE at reset, low half"
    CHECK %edx, $0, "Pentium M: IA32_MISC_ENABLE at reset, high half"
    orl $0x400000, %eax         # bit 22: limit CPUID maxval
    wrmsr
    rdmsr
    CHECK %eax, $0x401801, "Pentium M: IA32_MISC_ENABLE bit 22 written"
    andl $~0x400000, %eax
    wrmsr
    orl $2, %eax                # bit 1: reserved
    TRY 1f
2:  wrmsr
    NOFAULT "WRMSR IA32_MISC_ENABLE reserved bit 1"
1:  EXPECT $13, $0, $2b, "WRMSR IA32_MISC_ENABLE reserved bit 1"
    movl $MSR_MISC, %ecx
    rdmsr
    CHECK %eax, $0x1801, "Pentium M: IA32_MISC_ENABLE after the refused write"
    popl %ebx
    ret

absent:
    movl $MSR_MISC, %ecx
    TRY 1f
2:  rdmsr
    NOFAULT "RDMSR IA32_MISC_ENABLE before the Pentium M"
1:  EXPECT $13, $0, $2b, "RDMSR IA32_MISC_ENABLE before the Pentium M"
    movl $MSR_MISC, %ecx
    movl $0x1801, %eax
    xorl %edx, %edx
    TRY 1f
2:  wrmsr
    NOFAULT "WRMSR IA32_MISC_ENABLE before the Pentium M"
1:  EXPECT $13, $0, $2b, "WRMSR IA32_MISC_ENABLE before the Pentium M"
    popl %ebx
    ret

    .section .rodata
    .globl test_name
test_name: .asciz "msr_models"
