/* CPU models (cpu_model.c): each model's CPUID leaves are consistent with
 * its table row and never claim more than plex86 implements; the CPUID
 * instruction, the reset signature, CR4 writes and MSRs follow the model
 * (SDM vol. 2, CPUID, MOV CRn, RDMSR/WRMSR; vol. 3A, 9.1.1). */
#include <string.h>

#include "check.h"
#include "hexload.h"
#include "cpu/cpu_model.h"
#include "cpu/exec.h"
#include "cpu/features.h"
#include "cpu/msr.h"
#include "machine/vm.h"
#include "engine/engine.h"

static void effective(const struct cpu_model *m, uint32_t f[CPU_FEATURE_WORDS])
{
    for (unsigned w = 0; w < CPU_FEATURE_WORDS; w++)
        f[w] = m->features[w] & cpu_model_implemented(w);
}

/* The table alone: CPUID leaves as cpu_model_cpuid() builds them. */
static void test_leaves(const struct cpu_model *m)
{
    uint32_t f[CPU_FEATURE_WORDS], r[4], top[4];
    effective(m, f);
    CHECK(m->name && m->description && strlen(m->vendor) == 12);
    CHECK(m->level >= CPU_386 && m->level <= CPU_P6);
    CHECK_EQ(m->family, m->level); /* our models: family = instruction level */
    CHECK_EQ(cpu_model_find(m->name), m);
    if (m->max_basic == 0) {
        CHECK_EQ(m->level, CPU_386); /* only the 386 lacks CPUID */
        return;
    }
    cpu_model_cpuid(m, f, 0, r);
    CHECK_EQ(r[0], m->max_basic);
    char vendor[13] = { 0 };
    memcpy(vendor, &r[1], 4);
    memcpy(vendor + 4, &r[3], 4);
    memcpy(vendor + 8, &r[2], 4);
    CHECK_STR(vendor, m->vendor);

    cpu_model_cpuid(m, f, 1, r);
    CHECK_EQ(r[0], (uint32_t)m->family << 8 | m->model << 4 | m->stepping);
    CHECK_EQ(r[0], cpu_model_signature(m));
    CHECK_EQ(r[1] & 0xFF, m->brand_index);
    CHECK_EQ((r[1] >> 8) & 0xFF, (r[3] & (1u << 19)) ? 8 : 0); /* CLFLUSH line */
    CHECK_EQ(r[3], f[FW_1_EDX]);
    CHECK_EQ(r[2], f[FW_1_ECX]);
    for (unsigned w = 0; w < CPU_FEATURE_WORDS; w++)
        CHECK_EQ(f[w] & ~cpu_model_implemented(w), 0);
    /* SEP on a family-6 model < 3 stepping < 3 means nothing (SDM
     * SYSENTER): no model may be such a chip. */
    if (m->family == 6)
        CHECK(!(m->model < 3 && m->stepping < 3));
    /* PAE/PSE need their CR4 bits, and a model with NX must have PAE. */
    if (f[FW_81_EDX] & (1u << 20))
        CHECK(f[FW_1_EDX] & (1u << 6));

    /* Beyond the maximum: the highest basic leaf (Intel behaviour). */
    cpu_model_cpuid(m, f, m->max_basic, top);
    cpu_model_cpuid(m, f, m->max_basic + 1, r);
    CHECK(!memcmp(r, top, sizeof(r)));
    cpu_model_cpuid(m, f, 0x40000000u, r);
    CHECK(!memcmp(r, top, sizeof(r)));
    if (m->max_basic >= 2)
        CHECK_EQ(top[0] & 0xFF, 1); /* leaf 2: AL = 1 call needed */
    if (m->max_ext == 0) {
        CHECK(m->brand == NULL);
        cpu_model_cpuid(m, f, 0x80000000u, r);
        CHECK(!memcmp(r, top, sizeof(r)));
        return;
    }
    cpu_model_cpuid(m, f, 0x80000000u, r);
    CHECK_EQ(r[0], m->max_ext);
    CHECK(m->max_ext >= 0x80000001u);
    cpu_model_cpuid(m, f, 0x80000001u, r);
    CHECK_EQ(r[3], f[FW_81_EDX]);
    cpu_model_cpuid(m, f, m->max_ext + 1, r);
    CHECK(!memcmp(r, top, sizeof(r)));
    if (m->brand) {
        CHECK_EQ(m->max_ext, 0x80000004u);
        char brand[49] = { 0 };
        for (unsigned k = 0; k < 3; k++) {
            cpu_model_cpuid(m, f, 0x80000002u + k, r);
            memcpy(brand + 16 * k, r, 16);
        }
        CHECK(strlen(m->brand) <= 47); /* 48 bytes with the terminator */
        CHECK_STR(brand, m->brand);
    }
}

static void test_default(void)
{
    const struct cpu_model *m = cpu_model_default();
    uint32_t f[CPU_FEATURE_WORDS];
    CHECK(m != NULL);
    effective(m, f);
    /* What Debian's 686 kernel needs: family >= 6, FPU, TSC, CX8, CMOV. */
    CHECK(m->family >= 6);
    uint32_t need = (1u << 0) | (1u << 4) | (1u << 8) | (1u << 15);
    CHECK_EQ(f[FW_1_EDX] & need, need);
    CHECK(cpu_model_find("no-such-cpu") == NULL);
    CHECK_EQ(cpu_model_for_level(CPU_386)->level, CPU_386);
    CHECK_EQ(cpu_model_for_level(CPU_486)->level, CPU_486);
    CHECK_EQ(cpu_model_for_level(CPU_586)->level, CPU_586);
    CHECK_EQ(cpu_model_for_level(CPU_P6), m);
    /* What is not implemented is never claimed. */
    CHECK_EQ(cpu_model_implemented(FW_1_EDX) & ((1u << 9) | (1u << 1)), 0);
    /* MMX, FXSR, SSE, SSE2 are (simd_*.c, sse_fp.c, fpu_fxsave.c). */
    CHECK_EQ(f[FW_1_EDX] & (0xFu << 23), 0xFu << 23);
}

/* --- one VM per model --------------------------------------------------- */

static struct vm *vm;

static void put32(uint32_t pa, uint32_t v)
{
    phys_copy_in(&vm->mem, pa, &v, 4);
}

/* Flat 32-bit protected mode at CPL 0 (GDT 0x500, IDT 0x600 with every
 * vector to a HLT at 0x3000, stack 0x8000, code at 0x1000). */
static struct cpu *flat(void)
{
    struct cpu *c = &vm->cpu;
    cpu_reset(c);
    put32(0x508, 0x0000FFFF); put32(0x50C, 0x00CF9A00);
    put32(0x510, 0x0000FFFF); put32(0x514, 0x00CF9200);
    for (int v = 0; v < 32; v++) {
        put32(0x600 + 8 * v, (0x08u << 16) | 0x3000);
        put32(0x604 + 8 * v, 0x00008E00);
    }
    put_hex(vm, 0x3000, "f4");
    c->gdtr = (struct dtr){ 0x500, 0x17 };
    c->idtr = (struct dtr){ 0x600, 32 * 8 - 1 };
    c->cr0 |= CR0_PE;
    for (int s = 0; s < S_COUNT; s++)
        c->seg[s] = (struct seg){ .sel = s == S_CS ? 0x08 : 0x10, .base = 0,
                                  .limit = 0xFFFFFFFF, .attr = s == S_CS ? 0xC09B : 0xC093 };
    c->eip = 0x1000;
    c->gpr[R_ESP] = 0x8000;
    cpu_mode_changed(c);
    return c;
}

/* Runs `hex` at 0x1000 (ending in HLT) and returns the vector of the
 * exception taken, or -1 when it reached its own HLT. */
static int run(struct cpu *c, const char *hex)
{
    put_hex(vm, 0x1000, hex);
    uint64_t exc = c->exceptions;
    engine_run(c->vm->engine, 1000);
    return c->exceptions == exc ? -1 : c->exc_vector;
}

static void test_vm(const struct cpu_model *m)
{
    char err[128];
    vm = vm_create(&(struct vm_config){ .ram_mb = 1, .cpu_model = m }, err, sizeof(err));
    CHECK(vm != NULL);
    if (!vm)
        return;
    struct cpu *c = &vm->cpu;
    CHECK_EQ(c->model, m);
    CHECK_EQ(c->level, m->level);
    cpu_reset(c);
    CHECK_EQ(c->gpr[R_EDX], cpu_model_signature(m)); /* SDM vol. 3A, 9.1.1 */

    if (m->max_basic > 0) {
        /* CPUID in the guest gives the table's answer for each leaf. */
        static const uint32_t leaves[] = { 0, 1, 2, 3, 0x80000000u, 0x80000001u,
                                           0x80000002u, 0x80000004u, 0x80000005u };
        for (size_t k = 0; k < sizeof(leaves) / sizeof(leaves[0]); k++) {
            c = flat();
            c->gpr[R_EAX] = leaves[k];
            CHECK_EQ(run(c, "0fa2f4"), -1); /* cpuid; hlt */
            uint32_t want[4];
            cpu_model_cpuid(m, c->features, leaves[k], want);
            CHECK_EQ(c->gpr[R_EAX], want[0]);
            CHECK_EQ(c->gpr[R_EBX], want[1]);
            CHECK_EQ(c->gpr[R_ECX], want[2]);
            CHECK_EQ(c->gpr[R_EDX], want[3]);
        }
    } else {
        c = flat();
        CHECK_EQ(run(c, "0fa2f4"), EXC_UD);
    }

    /* EFLAGS.ID toggles exactly when the model has CPUID. */
    c = flat();
    cpu_set_eflags(c, c->eflags | F_ID);
    CHECK_EQ((c->eflags & F_ID) != 0, m->max_basic > 0);

    /* MOV CR4: each bit #GP(0) unless the model has its feature; CR4 does
     * not exist before the Pentium (#UD). */
    for (unsigned bit = 0; bit < 32; bit++) {
        c = flat();
        c->gpr[R_EAX] = 1u << bit;
        int v = run(c, "0f22e0f4"); /* mov cr4, eax; hlt */
        int want = m->level < CPU_586 ? EXC_UD
                   : (cpu_cr4_valid(c) >> bit) & 1 ? -1 : EXC_GP;
        if (v != want)
            fprintf(stderr, "%s: CR4 bit %u: vector %d, want %d\n", m->name, bit, v, want);
        CHECK_EQ(v, want);
        if (want == -1)
            CHECK_EQ(c->cr4, 1u << bit);
    }
    if (m->level >= CPU_586) {
        c = flat();
        CHECK((cpu_cr4_valid(c) & CR4_PSE) != 0);
        CHECK_EQ((cpu_cr4_valid(c) & CR4_PGE) != 0, (m->features[FW_1_EDX] >> 13) & 1);
        CHECK_EQ(cpu_cr4_valid(c) & (CR4_VME | CR4_MCE), 0);
        CHECK_EQ((cpu_cr4_valid(c) & CR4_OSFXSR) != 0, (m->features[FW_1_EDX] >> 24) & 1);
        CHECK_EQ((cpu_cr4_valid(c) & CR4_OSXMMEXCPT) != 0, (m->features[FW_1_EDX] >> 25) & 1);
    }
    vm_destroy(vm);
    vm = NULL;
}

/* MSRs on the default model: round trips, validity checks, #GP cases, and
 * RDMSR/WRMSR as instructions. */
static void test_msrs(void)
{
    char err[128];
    /* icount with shift 0: guest time (and the TSC, at 1 GHz) is the
     * step count, so TSC reads are exact. */
    vm = vm_create(&(struct vm_config){ .ram_mb = 1, .cpu_model = cpu_model_find("pentium-m"),
                                        .icount = true, .icount_shift = 0 },
                   err, sizeof(err));
    CHECK(vm != NULL);
    if (!vm)
        return;
    struct cpu *c = flat();
    uint64_t v;
    CHECK(!msr_read(c, 0x12345678, &v));
    CHECK(!msr_read(c, MSR_APIC_BASE, &v));   /* no local APIC claimed */
    CHECK(msr_read(c, MSR_MTRRCAP, &v) && v == MTRRCAP_VALUE);
    CHECK(!msr_write(c, MSR_MTRRCAP, 0));      /* read-only */
    CHECK(msr_read(c, MSR_PAT, &v) && v == 0x0007040600070406ull);
    CHECK(msr_write(c, MSR_PAT, 0x0001050400070406ull));
    CHECK(msr_read(c, MSR_PAT, &v) && v == 0x0001050400070406ull);
    CHECK(!msr_write(c, MSR_PAT, 0x0000000000000002ull)); /* type 2 reserved */
    CHECK(!msr_write(c, MSR_PAT, 0x0000000000000800ull)); /* bits 7:3 of a byte */
    CHECK(msr_write(c, MSR_MTRR_PHYSBASE0 + 2, 0x00100006ull));
    CHECK(msr_read(c, MSR_MTRR_PHYSBASE0 + 2, &v) && v == 0x00100006ull);
    CHECK(!msr_write(c, MSR_MTRR_PHYSBASE0, 0x00100106ull));  /* bits 11:8 */
    CHECK(!msr_write(c, MSR_MTRR_PHYSBASE0, 0x00100003ull));  /* type 3 */
    CHECK(msr_write(c, MSR_MTRR_PHYSBASE0 + 1, 0xFFF00800ull));
    CHECK(!msr_write(c, MSR_MTRR_PHYSBASE0 + 1, 0x00000001ull)); /* bits 10:0 */
    CHECK(!msr_write(c, MSR_MTRR_PHYSBASE0 + 1, 1ull << 40));     /* > MAXPHYADDR */
    CHECK(msr_write(c, MSR_MTRR_FIX4K_C0000 + 7, 0x0606060605050404ull));
    CHECK(msr_read(c, MSR_MTRR_FIX4K_C0000 + 7, &v) && v == 0x0606060605050404ull);
    CHECK(!msr_write(c, MSR_MTRR_FIX16K_A0000, 0x0700000000000000ull)); /* UC- not MTRR */
    CHECK(msr_write(c, MSR_MTRR_DEF_TYPE, 0xC06));
    CHECK(!msr_write(c, MSR_MTRR_DEF_TYPE, 0x1006));
    CHECK(!msr_write(c, MSR_MTRR_DEF_TYPE, 0x300));
    CHECK(msr_write(c, MSR_SYSENTER_EIP, 0xDEADBEEFCAFEF00Dull));
    CHECK(msr_read(c, MSR_SYSENTER_EIP, &v) && v == 0xCAFEF00Dull);
    CHECK(msr_read(c, MSR_MISC_ENABLE, &v) && v == MISC_ENABLE_RESET);
    CHECK(!msr_write(c, MSR_MISC_ENABLE, MISC_ENABLE_RESET | (1u << 16))); /* no EST */
    CHECK(!msr_write(c, MSR_MISC_ENABLE, 0)); /* clears read-only bits */
    CHECK(msr_write(c, MSR_MISC_ENABLE, MISC_ENABLE_RESET & ~1ull));
    CHECK(msr_read(c, MSR_PLATFORM_ID, &v) && v == (uint64_t)4 << 50);
    CHECK(!msr_write(c, MSR_PLATFORM_ID, 0));
    /* BIOS_SIGN_ID: write 0, CPUID.1 latches the microcode revision. */
    CHECK(msr_write(c, MSR_BIOS_SIGN_ID, 0));
    CHECK(msr_read(c, MSR_BIOS_SIGN_ID, &v) && v == 0);
    c->gpr[R_EAX] = 1;
    CHECK_EQ(run(c, "0fa2f4"), -1);
    CHECK(msr_read(c, MSR_BIOS_SIGN_ID, &v) && v == (uint64_t)c->model->ucode_rev << 32);
    /* TSC: a write sets what reads return from then on; P6 clears the high
     * half of what is written. */
    CHECK(msr_write(c, MSR_TSC, 0x1234567800001000ull));
    CHECK_EQ(cpu_read_tsc(c), 0x1000);
    c->icount += 5; /* five steps later: 5 ns, 5 ticks */
    CHECK_EQ(cpu_read_tsc(c), 0x1005);

    /* The instructions: RDMSR/WRMSR round trip and #GP for an unknown MSR,
     * a reserved bit, and CPL 3. */
    c = flat();
    c->gpr[R_ECX] = MSR_SYSENTER_ESP;
    c->gpr[R_EAX] = 0x11223344;
    c->gpr[R_EDX] = 0;
    /* wrmsr; xor eax,eax; rdmsr; hlt */
    CHECK_EQ(run(c, "0f3031c00f32f4"), -1);
    CHECK_EQ(c->gpr[R_EAX], 0x11223344);
    c = flat();
    c->gpr[R_ECX] = 0xC0010000; /* an AMD MSR */
    CHECK_EQ(run(c, "0f32f4"), EXC_GP);
    c = flat();
    c->gpr[R_ECX] = MSR_PAT;
    c->gpr[R_EAX] = 0x08;
    c->gpr[R_EDX] = 0;
    CHECK_EQ(run(c, "0f30f4"), EXC_GP);
    CHECK(msr_read(c, MSR_PAT, &v) && v == 0x0007040600070406ull); /* unchanged (reset) */
    c = flat();
    c->cpl = 3;
    c->seg[S_CS].attr |= 0x60;
    c->seg[S_SS].attr |= 0x60;
    c->seg[S_CS].sel |= 3;
    c->seg[S_SS].sel |= 3;
    cpu_mode_changed(c);
    c->gpr[R_ECX] = MSR_TSC;
    unsigned first = c->exits.next;
#if PLEX86_ACCOUNTING
    uint64_t gps = c->exc_by_vector[EXC_GP];
#endif
    run(c, "0f32f4"); /* the #GP then finds no ring-0 stack: only count it */
    /* The first exit after RDMSR is its #GP(0), raised at the RDMSR. */
    CHECK(c->exits.next > first);
    const struct exit_entry *x = &c->exits.e[first % EXIT_LOG_SIZE];
    CHECK_EQ(x->kind, EXIT_EXCEPTION);
    CHECK_EQ(x->what, EXC_GP);
    CHECK_EQ(x->value, 0);
#if PLEX86_ACCOUNTING
    CHECK_EQ(c->exc_by_vector[EXC_GP], gps + 1);
#endif
    vm_destroy(vm);
    vm = NULL;
}

/* Runs `hex` at 0x1000 for one instruction (CPL 3, where the HLT of run()
 * would fault): the vector of the first exception it raised, or -1.  The
 * exit log gives the first: delivering it may raise more. */
static int step(struct cpu *c, const char *hex)
{
    put_hex(vm, 0x1000, hex);
    c->eip = 0x1000;
    uint64_t exc = c->exceptions;
    unsigned first = c->exits.next;
    engine_run(c->vm->engine, 1);
    if (c->exceptions == exc)
        return -1;
    const struct exit_entry *x = &c->exits.e[first % EXIT_LOG_SIZE];
    CHECK_EQ(x->kind, EXIT_EXCEPTION);
    CHECK_EQ(x->value, 0); /* error code 0 */
    return (int)x->what;
}

/* The P6 performance-monitoring MSRs (msr.c): storage with the SDM's rules,
 * read by RDMSR and RDPMC.  Counters never advance. */
static void test_perfmon(const struct cpu_model *m)
{
    char err[128];
    vm = vm_create(&(struct vm_config){ .ram_mb = 1, .cpu_model = m }, err, sizeof(err));
    CHECK(vm != NULL);
    if (!vm)
        return;
    struct cpu *c = flat();
    uint64_t v;
    static const uint32_t msrs[4] = { MSR_P6_PERFCTR0, MSR_P6_PERFCTR1, MSR_P6_PERFEVTSEL0,
                                      MSR_P6_PERFEVTSEL1 };
    /* Only the family-6 models have them; the Pentium's are 11H-13H. */
    CHECK_EQ(m->p6_perfmon, m->family == 6);
    for (unsigned k = 0; k < 4; k++) {
        CHECK_EQ(msr_read(c, msrs[k], &v), m->p6_perfmon);
        CHECK_EQ(msr_write(c, msrs[k], 0), m->p6_perfmon);
        if (m->p6_perfmon) {
            CHECK(msr_read(c, msrs[k], &v));
            CHECK_EQ(v, 0);
        }
    }
    if (!m->p6_perfmon) {
        vm_destroy(vm);
        vm = NULL;
        return;
    }
    /* RESET: all zero (SDM vol. 3A, table 9-1). */
    CHECK(msr_write(c, MSR_P6_PERFCTR0, 5));
    CHECK(msr_write(c, MSR_P6_PERFEVTSEL0, 0x79));
    cpu_reset(c);
    CHECK(msr_read(c, MSR_P6_PERFCTR0, &v) && v == 0);
    CHECK(msr_read(c, MSR_P6_PERFEVTSEL0, &v) && v == 0);
    c = flat();

    /* Event selects: every defined bit reads back (CMASK, INV, EN, INT,
     * PC, E, OS, USR, unit mask, event); bit 21 and 63:32 are #GP and
     * leave the register alone.  EN in PerfEvtSel1 is kept. */
    CHECK(msr_write(c, MSR_P6_PERFEVTSEL0, 0xFFDFFFFFull));
    CHECK(msr_read(c, MSR_P6_PERFEVTSEL0, &v) && v == 0xFFDFFFFFull);
    CHECK(msr_write(c, MSR_P6_PERFEVTSEL0, 0x00530079ull)); /* Linux: cycles, EN */
    CHECK(!msr_write(c, MSR_P6_PERFEVTSEL0, 0x00200000ull));
    CHECK(!msr_write(c, MSR_P6_PERFEVTSEL0, 1ull << 32));
    CHECK(!msr_write(c, MSR_P6_PERFEVTSEL1, 1ull << 63));
    CHECK(msr_read(c, MSR_P6_PERFEVTSEL0, &v) && v == 0x00530079ull);
    CHECK(msr_write(c, MSR_P6_PERFEVTSEL1, 0x004300C0ull));
    CHECK(msr_read(c, MSR_P6_PERFEVTSEL1, &v) && v == 0x004300C0ull);

    /* Counters: EAX is written, bits 39:32 copy its bit 31, EDX is
     * ignored; reads give 40 bits.  The counters are enabled above but
     * count nothing: they hold what was written. */
    CHECK(msr_write(c, MSR_P6_PERFCTR0, 0x1234ull));
    CHECK(msr_read(c, MSR_P6_PERFCTR0, &v) && v == 0x1234ull);
    CHECK(msr_write(c, MSR_P6_PERFCTR0, 0x1234567880000000ull));
    CHECK(msr_read(c, MSR_P6_PERFCTR0, &v) && v == 0xFF80000000ull);
    CHECK(msr_write(c, MSR_P6_PERFCTR1, 0xFFFFFFFF7FFFFFFFull));
    CHECK(msr_read(c, MSR_P6_PERFCTR1, &v) && v == 0x7FFFFFFFull);
    CHECK(msr_write(c, MSR_P6_PERFCTR1, (uint64_t)-100)); /* a period of 100 */
    CHECK(msr_read(c, MSR_P6_PERFCTR1, &v) && v == 0xFFFFFFFF9Cull);
    CHECK(run(c, "90909090f4") == -1);
    CHECK(msr_read(c, MSR_P6_PERFCTR1, &v) && v == 0xFFFFFFFF9Cull);
    /* Linux's check_hw_exists: a counter's value with its low 16 bits
     * flipped reads back as written. */
    for (unsigned k = 0; k < 2; k++) {
        uint64_t old, back;
        CHECK(msr_read(c, MSR_P6_PERFCTR0 + k, &old));
        CHECK(msr_write(c, MSR_P6_PERFCTR0 + k, old ^ 0xFFFF));
        CHECK(msr_read(c, MSR_P6_PERFCTR0 + k, &back) && back == (old ^ 0xFFFF));
    }

    /* The instructions: WRMSR of a reserved select bit is #GP(0); RDPMC
     * gives EDX:EAX = the 40-bit counter, #GP(0) for ECX > 1. */
    c = flat();
    c->gpr[R_ECX] = MSR_P6_PERFEVTSEL1;
    c->gpr[R_EAX] = 1u << 21;
    c->gpr[R_EDX] = 0;
    CHECK_EQ(run(c, "0f30f4"), EXC_GP);
    c = flat();
    CHECK(msr_write(c, MSR_P6_PERFCTR0, 0x80000001ull));
    CHECK(msr_write(c, MSR_P6_PERFCTR1, 0x7FFFFFFEull));
    c->gpr[R_ECX] = 0;
    CHECK_EQ(run(c, "0f33f4"), -1);
    CHECK_EQ(c->gpr[R_EAX], 0x80000001u);
    CHECK_EQ(c->gpr[R_EDX], 0xFF);
    c->eip = 0x1000;
    c->halted = false;
    c->gpr[R_ECX] = 1;
    c->gpr[R_EDX] = 0x12345678;
    CHECK_EQ(run(c, "0f33f4"), -1);
    CHECK_EQ(c->gpr[R_EAX], 0x7FFFFFFEu);
    CHECK_EQ(c->gpr[R_EDX], 0);
    c->eip = 0x1000;
    c->halted = false;
    c->gpr[R_ECX] = 2;
    CHECK_EQ(run(c, "0f33f4"), EXC_GP);
    /* CPL 3: #GP(0) without CR4.PCE; with it, the counter. */
    for (unsigned pce = 0; pce < 2; pce++) {
        c = flat();
        CHECK(msr_write(c, MSR_P6_PERFCTR0, 0x80000001ull));
        c->cr4 |= pce ? CR4_PCE : 0;
        c->cpl = 3;
        c->seg[S_CS].attr |= 0x60;
        c->seg[S_SS].attr |= 0x60;
        c->seg[S_CS].sel |= 3;
        c->seg[S_SS].sel |= 3;
        cpu_mode_changed(c);
        c->gpr[R_ECX] = 0;
        c->gpr[R_EAX] = c->gpr[R_EDX] = 0xDEAD;
        if (pce) {
            CHECK_EQ(step(c, "0f33"), -1);
            CHECK_EQ(c->gpr[R_EAX], 0x80000001u);
            CHECK_EQ(c->gpr[R_EDX], 0xFF);
        } else {
            CHECK_EQ(step(c, "0f33"), EXC_GP);
            CHECK_EQ(c->gpr[R_EAX], 0xDEAD);
        }
    }
    vm_destroy(vm);
    vm = NULL;
}

int main(void)
{
    CHECK(cpu_model_count >= 6);
    for (size_t k = 0; k < cpu_model_count; k++) {
        test_leaves(&cpu_models[k]);
        test_vm(&cpu_models[k]);
    }
    test_default();
    test_msrs();
    for (size_t k = 0; k < cpu_model_count; k++)
        test_perfmon(&cpu_models[k]);
    return check_report();
}
