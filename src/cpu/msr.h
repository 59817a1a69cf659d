/* Model-specific registers (msr.c).  Which MSRs exist follows the model
 * (cpu_model.h) and its features (features.h); an MSR the model lacks, a
 * read-only one written, or a reserved bit set, is #GP(0) from RDMSR/WRMSR
 * (SDM vol. 2, RDMSR/WRMSR). */
#ifndef PLEX86_CPU_MSR_H
#define PLEX86_CPU_MSR_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"

enum {
    MSR_TSC = 0x10,
    MSR_PLATFORM_ID = 0x17,
    MSR_APIC_BASE = 0x1B,
    MSR_BIOS_SIGN_ID = 0x8B,
    MSR_P6_PERFCTR0 = 0xC1,
    MSR_P6_PERFCTR1 = 0xC2,
    MSR_MTRRCAP = 0xFE,
    MSR_SYSENTER_CS = 0x174,
    MSR_SYSENTER_ESP = 0x175,
    MSR_SYSENTER_EIP = 0x176,
    MSR_P6_PERFEVTSEL0 = 0x186,
    MSR_P6_PERFEVTSEL1 = 0x187,
    MSR_MISC_ENABLE = 0x1A0,
    MSR_MTRR_PHYSBASE0 = 0x200, /* PhysBase n = 200H + 2n, PhysMask n = 201H + 2n */
    MSR_MTRR_FIX64K_00000 = 0x250,
    MSR_MTRR_FIX16K_80000 = 0x258,
    MSR_MTRR_FIX16K_A0000 = 0x259,
    MSR_MTRR_FIX4K_C0000 = 0x268, /* to 26FH */
    MSR_PAT = 0x277,
    MSR_MTRR_DEF_TYPE = 0x2FF,
    MSR_TSC_DEADLINE = 0x6E0,
    MSR_EFER = 0xC0000080u,
};

enum { EFER_NXE = 1u << 11 };

/* IA32_MTRRCAP: 8 variable ranges, fixed ranges, write-combining. */
#define MTRRCAP_VALUE 0x508u
/* IA32_MISC_ENABLE at reset on a model that has it: fast strings on, BTS
 * and PEBS unavailable (read-only). */
#define MISC_ENABLE_RESET ((1u << 0) | (1u << 11) | (1u << 12))

/* P6 performance monitoring (SDM vol. 3B, "Performance Monitoring (P6
 * Family Processor)"; vol. 4, "MSRs in the P6 Family Processors"):
 * PerfEvtSel0/1 hold event select 7:0, unit mask 15:8, USR 16, OS 17, E 18,
 * PC 19, INT 20, EN 22 (PerfEvtSel0 only), INV 23, CMASK 31:24; bit 21 and
 * 63:32 are reserved.  The counters are 40 bits wide. */
#define P6_PERFEVTSEL_RSVD (0xFFFFFFFF00000000ull | 1ull << 21)
#define P6_PERFCTR_MASK 0xFFFFFFFFFFull

/* The model has a local APIC and the board connected one (cpu_pins). */
bool cpu_has_apic(const struct cpu *c);

/* Power-on values (cpu_reset). */
void msr_reset(struct cpu *c);

/* Reads / writes MSR `index`; false when the access is #GP(0). */
bool msr_read(struct cpu *c, uint32_t index, uint64_t *value);
bool msr_write(struct cpu *c, uint32_t index, uint64_t value);

#endif
