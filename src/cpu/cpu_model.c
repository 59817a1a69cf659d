/* The CPU model table and CPUID (SDM vol. 2, CPUID; vol. 3A, 9.1.1 for the
 * reset signature).
 *
 * Each row is the real chip as it identified itself; the guest sees its
 * feature bits ANDed with `implemented` below.  The default is `pentium-m`
 * (a Dothan Pentium M): it is the one P6-class chip that has PAE and NX
 * together with SSE2 and a brand string, so Debian's 686 and 686-pae
 * kernels (family >= 6, FPU, CX8, CMOV, TSC; PAE and NX for 686-pae) find
 * what they look for, and as the x87/SSE work lands it only has to add bits
 * to `implemented`.  None of the family-6 models is model < 3 with
 * stepping < 3, where software must ignore SEP (SDM vol. 2, SYSENTER).
 */
#include "cpu/cpu_model.h"

#include <string.h>

#include "cpu/features.h"

#define B(f) (1u << ((f) % 32))

/* What plex86 implements, one bit per CPUID feature.  A bit is here only
 * when the whole feature works:
 *   FPU    x87 (the FPU engineer's work, counted from the start by plan)
 *   PSE    4 MiB pages (mmu.c)          TSC   RDTSC, CR4.TSD
 *   CX8    CMPXCHG8B                    PGE   global pages (mmu.c)
 *   CMOV   CMOVcc
 *   MSR    RDMSR/WRMSR (msr.c); on the family-6 models also PerfEvtSel0/1
 *          and PerfCtr0/1, counters that never advance (p6_perfmon)
 *   SEP    SYSENTER/SYSEXIT
 *   MTRR, PAT  storage with validity checks (msr.c)
 *   CLFSH  CLFLUSH (a fault check, no cache)
 *   PAE    PAE paging, 2 MiB pages, PDPTE loading (mmu.c)
 *   NX     execute disable with EFER.NXE (mmu.c, msr.c)
 *   MMX, FXSR, SSE, SSE2  every MMX/SSE/SSE2 instruction, FXSAVE/FXRSTOR,
 *          MXCSR and #XM (simd.h)
 * Not here: VME (no CR4.VME/PVI), DE (no I/O breakpoints), MCE/MCA (no
 * machine checks), APIC (the board's: CPUID shows it when the board built
 * one and it is enabled, h_cpuid), PSE36, PSN, DS, ACPI, TM, SS, PBE,
 * EST, TM2, RDTSCP. */
static const uint32_t implemented[CPU_FEATURE_WORDS] = {
    [FW_1_EDX] = B(CPUF_FPU) | B(CPUF_PSE) | B(CPUF_TSC) | B(CPUF_CX8) | B(CPUF_PGE) |
                 B(CPUF_CMOV) | B(CPUF_MSR) | B(CPUF_SEP) | B(CPUF_MTRR) | B(CPUF_PAT) |
                 B(CPUF_CLFSH) | B(CPUF_PAE) | B(CPUF_MMX) | B(CPUF_FXSR) |
                 B(CPUF_SSE) | B(CPUF_SSE2),
    [FW_81_EDX] = B(CPUF_NX),
};

uint32_t cpu_model_implemented(unsigned word)
{
    return word < CPU_FEATURE_WORDS ? implemented[word] : 0;
}

const struct cpu_model cpu_models[] = {
    {
        .name = "386",
        .description = "Intel 80386DX: no CPUID, no FPU",
        .level = CPU_386, .vendor = "GenuineIntel",
        .family = 3, .model = 0, .stepping = 8,
        .flags386 = true,
    },
    {
        /* A CPUID-capable late 486 (IntelDX4): FPU and VME. */
        .name = "486",
        .description = "Intel 486DX4 (family 4 model 8): CPUID, on-chip FPU",
        .level = CPU_486, .vendor = "GenuineIntel",
        .family = 4, .model = 8, .stepping = 0,
        .max_basic = 1,
        .features = { [FW_1_EDX] = B(CPUF_FPU) | B(CPUF_VME) },
    },
    {
        /* P54C with its local APIC enabled: 0x000003BF. */
        .name = "pentium",
        .description = "Intel Pentium P54C (family 5 model 2): TSC, CX8, MSRs",
        .level = CPU_586, .vendor = "GenuineIntel",
        .family = 5, .model = 2, .stepping = 12,
        .max_basic = 1,
        .features = { [FW_1_EDX] = 0x000003BFu },
    },
    {
        /* Deschutes, 512 KiB L2 (descriptors 01 02 03, 43 04 08 0C). */
        .name = "pentium2",
        .description = "Intel Pentium II (Deschutes, family 6 model 5): P6, SYSENTER",
        .level = CPU_P6, .vendor = "GenuineIntel",
        .family = 6, .model = 5, .stepping = 2,
        .max_basic = 2,
        .features = { [FW_1_EDX] = 0x0183FBFFu },
        .leaf2 = { 0x03020101u, 0, 0, 0x0C040843u },
        .ucode_rev = 0x2A, .platform_id = 0, .p6_msrs = true, .p6_perfmon = true,
    },
    {
        /* Coppermine, 256 KiB L2 (descriptor 82), serial number off. */
        .name = "pentium3",
        .description = "Intel Pentium III (Coppermine, family 6 model 8): P6, SSE",
        .level = CPU_P6, .vendor = "GenuineIntel",
        .family = 6, .model = 8, .stepping = 6,
        .brand_index = 2,
        .max_basic = 2,
        .features = { [FW_1_EDX] = 0x0383FBFFu },
        .leaf2 = { 0x03020101u, 0, 0, 0x0C040882u },
        .ucode_rev = 0x0A, .platform_id = 4, .p6_msrs = true, .p6_perfmon = true,
    },
    {
        /* Dothan C0 with execute disable, 2 MiB L2 (descriptor 7D). */
        .name = "pentium-m",
        .description = "Intel Pentium M 755 (Dothan, family 6 model 13): PAE, NX, SSE2 "
                       "(the default)",
        .level = CPU_P6, .vendor = "GenuineIntel",
        .family = 6, .model = 13, .stepping = 8,
        .brand_index = 0x16,
        .max_basic = 2, .max_ext = 0x80000004u,
        .features = { [FW_1_EDX] = 0xAFE9FBFFu, [FW_1_ECX] = 0x00000180u,
                      [FW_81_EDX] = 0x00100000u },
        .leaf2 = { 0x02B3B001u, 0x000000F0u, 0, 0x2C04307Du },
        .brand = "Intel(R) Pentium(R) M processor 2.00GHz",
        .ucode_rev = 0x20, .platform_id = 4, .p6_msrs = true, .misc_enable = true,
        .p6_perfmon = true,
    },
};

const size_t cpu_model_count = sizeof(cpu_models) / sizeof(cpu_models[0]);

const struct cpu_model *cpu_model_find(const char *name)
{
    for (size_t i = 0; i < cpu_model_count; i++)
        if (!strcmp(cpu_models[i].name, name))
            return &cpu_models[i];
    return NULL;
}

const struct cpu_model *cpu_model_default(void)
{
    return cpu_model_find("pentium-m");
}

const struct cpu_model *cpu_model_for_level(enum cpu_level level)
{
    switch (level) {
    case CPU_386: return cpu_model_find("386");
    case CPU_486: return cpu_model_find("486");
    case CPU_586: return cpu_model_find("pentium");
    default: return cpu_model_default();
    }
}

uint32_t cpu_model_signature(const struct cpu_model *m)
{
    return (uint32_t)m->family << 8 | (uint32_t)m->model << 4 | m->stepping;
}

void cpu_model_list(FILE *out)
{
    for (size_t i = 0; i < cpu_model_count; i++)
        fprintf(out, "  %-10s %s\n", cpu_models[i].name, cpu_models[i].description);
    fputs("CPUID reports only the features plex86 implements.\n", out);
}

/* Four characters of s starting at `at`, little-endian (0 past the end). */
static uint32_t chars4(const char *s, size_t len, size_t at)
{
    uint32_t v = 0;
    for (size_t k = 0; k < 4; k++)
        if (at + k < len)
            v |= (uint32_t)(uint8_t)s[at + k] << (8 * k);
    return v;
}

void cpu_model_cpuid(const struct cpu_model *m, const uint32_t *features, uint32_t leaf,
                     uint32_t out[4])
{
    memset(out, 0, 4 * sizeof(out[0]));
    bool ext = leaf >= 0x80000000u;
    if ((!ext && leaf > m->max_basic) || (ext && (m->max_ext == 0 || leaf > m->max_ext)))
        leaf = m->max_basic; /* Intel: the highest basic leaf's data */
    const char *v = m->vendor;
    size_t vlen = strlen(v);
    switch (leaf) {
    case 0:
        out[0] = m->max_basic;
        out[1] = chars4(v, vlen, 0);
        out[3] = chars4(v, vlen, 4);
        out[2] = chars4(v, vlen, 8);
        break;
    case 1:
        out[0] = cpu_model_signature(m);
        /* EBX: brand index; CLFLUSH line size in 8-byte units when CLFSH;
         * initial APIC ID 0. */
        out[1] = m->brand_index;
        if (features[FW_1_EDX] & B(CPUF_CLFSH))
            out[1] |= 64 / 8 << 8;
        out[2] = features[FW_1_ECX];
        out[3] = features[FW_1_EDX];
        break;
    case 2:
        memcpy(out, m->leaf2, sizeof(m->leaf2));
        break;
    case 0x80000000u:
        out[0] = m->max_ext;
        break;
    case 0x80000001u:
        out[2] = features[FW_81_ECX];
        out[3] = features[FW_81_EDX];
        break;
    case 0x80000002u:
    case 0x80000003u:
    case 0x80000004u: {
        const char *b = m->brand ? m->brand : "";
        size_t blen = strlen(b);
        size_t at = (leaf - 0x80000002u) * 16;
        for (unsigned r = 0; r < 4; r++)
            out[r] = chars4(b, blen, at + 4 * r);
        break;
    }
    default:
        break; /* a leaf below the maximum that the model leaves zero */
    }
}
