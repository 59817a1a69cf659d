/* CPU models: what `-cpu NAME` selects.
 *
 * One const table (cpu_model.c) describes each model as the real chip
 * identified itself: CPUID vendor, signature, feature bits, cache
 * descriptors, brand string, and which MSRs it has.  The guest sees the
 * feature bits ANDed with cpu_model_implemented(), so a model never claims
 * something plex86 does not do (features.h).
 */
#ifndef PLEX86_CPU_CPU_MODEL_H
#define PLEX86_CPU_CPU_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cpu/cpu.h"

#define CPU_FEATURE_WORDS 4 /* enum cpu_feature_word (features.h) */

struct cpu_model {
    const char *name;        /* for -cpu */
    const char *description; /* one line for -cpu help */
    enum cpu_level level;    /* instruction set (insn_table.def levels) */
    const char *vendor;      /* CPUID.0 vendor, 12 characters */
    uint8_t family, model, stepping; /* the signature (also EDX at reset) */
    uint8_t brand_index;     /* CPUID.01H:EBX[7:0] */
    uint32_t max_basic;      /* highest basic leaf; 0: no CPUID at all */
    uint32_t max_ext;        /* highest extended leaf, 0: none */
    uint32_t features[CPU_FEATURE_WORDS]; /* as the chip reports them */
    uint32_t leaf2[4];       /* CPUID.02H EAX EBX ECX EDX (cache/TLB
                                descriptors), when max_basic >= 2 */
    const char *brand;       /* leaves 80000002H-80000004H, or NULL */
    uint32_t ucode_rev;      /* IA32_BIOS_SIGN_ID[63:32] after CPUID */
    uint8_t platform_id;     /* IA32_PLATFORM_ID[52:50] */
    bool p6_msrs;            /* has IA32_PLATFORM_ID and IA32_BIOS_SIGN_ID */
    bool misc_enable;        /* has IA32_MISC_ENABLE */
    bool p6_perfmon;         /* has the P6 PerfEvtSel0/1 and PerfCtr0/1 */
    bool flags386;           /* the 80386's values for some flags the SDM
                                leaves undefined (AAA/AAS, byte and word
                                SHL/SHR, BT*'s OF): docs/cpu-models.md */
};

extern const struct cpu_model cpu_models[];
extern const size_t cpu_model_count;

/* The model called `name`, or NULL. */
const struct cpu_model *cpu_model_find(const char *name);
/* The model plex86 runs without -cpu. */
const struct cpu_model *cpu_model_default(void);
/* The model that stands for a bare level (callers that only say "a 486"). */
const struct cpu_model *cpu_model_for_level(enum cpu_level level);

/* The feature bits plex86 implements in `word` (one place; see the list in
 * cpu_model.c). */
uint32_t cpu_model_implemented(unsigned word);

/* The processor signature: family, model, stepping (CPUID.01H:EAX, and
 * EDX after reset). */
uint32_t cpu_model_signature(const struct cpu_model *m);

/* CPUID for leaf `leaf` on model m whose effective features are
 * `features` (the model's, masked): out = EAX, EBX, ECX, EDX.  Leaves above
 * the maximum return the highest basic leaf, as Intel processors do (SDM
 * vol. 2, CPUID). */
void cpu_model_cpuid(const struct cpu_model *m, const uint32_t *features, uint32_t leaf,
                     uint32_t out[4]);

/* Prints one line per model ("  NAME  description"). */
void cpu_model_list(FILE *out);

#endif
