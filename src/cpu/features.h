/* CPU feature predicates: what the selected model offers (cpu_model.h),
 * limited to what plex86 implements.
 *
 * A feature is a CPUID bit, named by the register it is reported in (SDM
 * vol. 2, CPUID, tables 3-10 and 3-11; leaf 80000001H for NX).  struct
 * cpu.features holds the model's bits ANDed with cpu_model_implemented(),
 * so code anywhere asks `cpu_has(c, CPUF_PAE)` and gets exactly what
 * CPUID tells the guest.
 */
#ifndef PLEX86_CPU_FEATURES_H
#define PLEX86_CPU_FEATURES_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"

/* The feature words, in struct cpu.features and struct cpu_model.features. */
enum cpu_feature_word {
    FW_1_EDX,   /* CPUID.01H:EDX */
    FW_1_ECX,   /* CPUID.01H:ECX */
    FW_81_EDX,  /* CPUID.80000001H:EDX */
    FW_81_ECX,  /* CPUID.80000001H:ECX */
};

#define CPUF(word, bit) ((word) * 32 + (bit))

enum cpu_feature {
    CPUF_FPU = CPUF(FW_1_EDX, 0),    /* x87 on chip */
    CPUF_VME = CPUF(FW_1_EDX, 1),    /* CR4.VME/PVI */
    CPUF_DE = CPUF(FW_1_EDX, 2),     /* CR4.DE, I/O breakpoints */
    CPUF_PSE = CPUF(FW_1_EDX, 3),    /* 4 MiB pages, CR4.PSE */
    CPUF_TSC = CPUF(FW_1_EDX, 4),    /* RDTSC, CR4.TSD */
    CPUF_MSR = CPUF(FW_1_EDX, 5),    /* RDMSR/WRMSR */
    CPUF_PAE = CPUF(FW_1_EDX, 6),    /* CR4.PAE, 64-bit page tables */
    CPUF_MCE = CPUF(FW_1_EDX, 7),    /* #MC, CR4.MCE */
    CPUF_CX8 = CPUF(FW_1_EDX, 8),    /* CMPXCHG8B */
    CPUF_APIC = CPUF(FW_1_EDX, 9),   /* local APIC, IA32_APIC_BASE */
    CPUF_SEP = CPUF(FW_1_EDX, 11),   /* SYSENTER/SYSEXIT */
    CPUF_MTRR = CPUF(FW_1_EDX, 12),  /* MTRR MSRs */
    CPUF_PGE = CPUF(FW_1_EDX, 13),   /* global pages, CR4.PGE */
    CPUF_MCA = CPUF(FW_1_EDX, 14),   /* MCG_CAP and the MCA banks */
    CPUF_CMOV = CPUF(FW_1_EDX, 15),  /* CMOVcc (FCMOVcc with FPU) */
    CPUF_PAT = CPUF(FW_1_EDX, 16),   /* IA32_PAT */
    CPUF_PSE36 = CPUF(FW_1_EDX, 17), /* 36-bit 4 MiB page addresses */
    CPUF_PSN = CPUF(FW_1_EDX, 18),   /* processor serial number */
    CPUF_CLFSH = CPUF(FW_1_EDX, 19), /* CLFLUSH */
    CPUF_DS = CPUF(FW_1_EDX, 21),    /* debug store */
    CPUF_ACPI = CPUF(FW_1_EDX, 22),  /* thermal monitor MSRs */
    CPUF_MMX = CPUF(FW_1_EDX, 23),
    CPUF_FXSR = CPUF(FW_1_EDX, 24),  /* FXSAVE/FXRSTOR, CR4.OSFXSR */
    CPUF_SSE = CPUF(FW_1_EDX, 25),   /* and CR4.OSXMMEXCPT */
    CPUF_SSE2 = CPUF(FW_1_EDX, 26),
    CPUF_SS = CPUF(FW_1_EDX, 27),    /* self snoop */
    CPUF_TM = CPUF(FW_1_EDX, 29),    /* thermal monitor */
    CPUF_PBE = CPUF(FW_1_EDX, 31),   /* pending break enable */
    CPUF_EST = CPUF(FW_1_ECX, 7),    /* Enhanced SpeedStep */
    CPUF_TM2 = CPUF(FW_1_ECX, 8),
    CPUF_NX = CPUF(FW_81_EDX, 20),   /* execute disable, EFER.NXE */
    CPUF_RDTSCP = CPUF(FW_81_EDX, 27),
};

static inline bool cpu_has(const struct cpu *c, enum cpu_feature f)
{
    return (c->features[f / 32] >> (f % 32)) & 1;
}

/* The CR4 bits this CPU has (SDM vol. 3A, 2.5): setting any other is
 * #GP(0) (SDM vol. 2, MOV CRn).  PCE exists with RDPMC (P6 family). */
static inline uint32_t cpu_cr4_valid(const struct cpu *c)
{
    uint32_t m = 0;
    if (cpu_has(c, CPUF_VME))
        m |= CR4_VME | CR4_PVI;
    if (cpu_has(c, CPUF_TSC))
        m |= CR4_TSD;
    if (cpu_has(c, CPUF_DE))
        m |= CR4_DE;
    if (cpu_has(c, CPUF_PSE))
        m |= CR4_PSE;
    if (cpu_has(c, CPUF_PAE))
        m |= CR4_PAE;
    if (cpu_has(c, CPUF_MCE))
        m |= CR4_MCE;
    if (cpu_has(c, CPUF_PGE))
        m |= CR4_PGE;
    if (c->level >= CPU_P6)
        m |= CR4_PCE;
    if (cpu_has(c, CPUF_FXSR))
        m |= CR4_OSFXSR;
    if (cpu_has(c, CPUF_SSE))
        m |= CR4_OSXMMEXCPT;
    return m;
}

/* The FPU engineer's predicates, in terms of the model. */
static inline bool cpu_has_fpu(const struct cpu *c) { return cpu_has(c, CPUF_FPU); }
static inline bool cpu_has_mmx(const struct cpu *c) { return cpu_has(c, CPUF_MMX); }
static inline bool cpu_has_fxsr(const struct cpu *c) { return cpu_has(c, CPUF_FXSR); }
static inline bool cpu_has_sse(const struct cpu *c) { return cpu_has(c, CPUF_SSE); }
static inline bool cpu_has_sse2(const struct cpu *c) { return cpu_has(c, CPUF_SSE2); }

#endif
