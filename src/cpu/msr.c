/* Model-specific registers: RDMSR/WRMSR and the TSC as the guest reads it
 * (SDM vol. 2, RDMSR/WRMSR; the registers: SDM vol. 4, chapter 2; MTRRs and
 * PAT: vol. 3A, 11.11 and 11.12).
 *
 * MTRRs and PAT are storage with the architectural validity checks: memory
 * types do not change what an emulated access does.  The P6 performance-
 * monitoring MSRs are storage too (see the P6 comment in msr.h): no event
 * is counted, so a counter keeps what was last written to it whatever its
 * event select says; a guest sees counters that never advance.  (Linux
 * checks that a value written to a counter reads back, which holds, and
 * would only see its samples never arrive.)  No machine-check banks exist,
 * so their MSRs are #GP like any unknown one. */
#include "cpu/msr.h"

#include "cpu/cpu_model.h"
#include "cpu/exec.h"
#include "cpu/features.h"
#include "cpu/ops.h"
#include "vm/clock.h"

/* The TSC counts guest time (vm/clock.h) at CPU_TSC_HZ, so that it agrees
 * with the PIT and the RTC (issue 6 item 6); the offset makes RESET and
 * WRMSR set its value. */
static uint64_t tsc_raw(const struct cpu *c)
{
    if (!c->clock)
        return 0;
    uint64_t ns = vm_clock_now(c->clock);
#if CPU_TSC_HZ == 1000000000
    return ns;
#else
    return (uint64_t)((unsigned __int128)ns * CPU_TSC_HZ / 1000000000u);
#endif
}

/* The model has a local APIC and the board built it (cpu_pins): then
 * IA32_APIC_BASE and IA32_TSC_DEADLINE are the APIC's (dev/lapic.h).
 * IA32_TSC_DEADLINE exists with the APIC whatever CPUID.1:ECX[24] says
 * (lapic.h explains why). */
bool cpu_has_apic(const struct cpu *c)
{
    return (c->model->features[FW_1_EDX] & (1u << (CPUF_APIC % 32))) && c->pins.apic_rdmsr &&
           c->pins.apic_wrmsr;
}

uint64_t cpu_read_tsc(const struct cpu *c)
{
    return tsc_raw(c) + c->msr.tsc_offset;
}

void msr_reset(struct cpu *c)
{
    c->msr = (struct msrs){
        .apic_base = 0xFEE00900u,          /* enabled, BSP, at FEE00000H */
        .pat = 0x0007040600070406ull,      /* SDM vol. 3A, 11.12.4 */
        .misc_enable = c->model->misc_enable ? MISC_ENABLE_RESET : 0,
        .tsc_offset = -tsc_raw(c),         /* RESET: the TSC starts at 0 */
    };
}

/* Physical address width (SDM vol. 3A, 4.1.4: 36 with PAE when leaf
 * 80000008H is absent, else 32): bits above it are reserved in MTRRs. */
static uint64_t phys_addr_mask(const struct cpu *c)
{
    return cpu_has(c, CPUF_PAE) ? 0xFFFFFFFFFull : 0xFFFFFFFFull;
}

/* MTRR memory types: UC WC WT WP WB (SDM vol. 3A, table 11-8). */
static bool mtrr_type_ok(unsigned t)
{
    return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

/* PAT types: the MTRR ones and UC- (7) (table 11-10). */
static bool pat_type_ok(unsigned t)
{
    return mtrr_type_ok(t) || t == 7;
}

static bool all_bytes_ok(uint64_t v, bool (*ok)(unsigned))
{
    for (unsigned k = 0; k < 8; k++)
        if (!ok((v >> (8 * k)) & 0xFF))
            return false;
    return true;
}

/* Fixed-range MTRR slot for an index, or -1. */
static int mtrr_fixed_slot(uint32_t index)
{
    if (index == MSR_MTRR_FIX64K_00000)
        return 0;
    if (index == MSR_MTRR_FIX16K_80000 || index == MSR_MTRR_FIX16K_A0000)
        return 1 + (int)(index - MSR_MTRR_FIX16K_80000);
    if (index >= MSR_MTRR_FIX4K_C0000 && index <= MSR_MTRR_FIX4K_C0000 + 7)
        return 3 + (int)(index - MSR_MTRR_FIX4K_C0000);
    return -1;
}

/* PerfCtr0/1, PerfEvtSel0/1: counter or select n, or -1. */
static int p6_perfctr(const struct cpu *c, uint32_t index)
{
    if (!c->model->p6_perfmon || index < MSR_P6_PERFCTR0 || index > MSR_P6_PERFCTR1)
        return -1;
    return (int)(index - MSR_P6_PERFCTR0);
}

static int p6_perfevtsel(const struct cpu *c, uint32_t index)
{
    if (!c->model->p6_perfmon || index < MSR_P6_PERFEVTSEL0 || index > MSR_P6_PERFEVTSEL1)
        return -1;
    return (int)(index - MSR_P6_PERFEVTSEL0);
}

/* MISC_ENABLE bits software may change: fast strings (0) and limit CPUID
 * maxval (22, no effect: our models report at most leaf 2 anyway).  BTS
 * and PEBS unavailable (11, 12) are read-only. */
#define MISC_ENABLE_RW ((1u << 0) | (1u << 22))
#define MISC_ENABLE_RO ((1u << 11) | (1u << 12))

bool msr_read(struct cpu *c, uint32_t index, uint64_t *value)
{
    const struct cpu_model *m = c->model;
    bool mtrr = cpu_has(c, CPUF_MTRR);
    int fixed = mtrr_fixed_slot(index);
    int ctr = p6_perfctr(c, index), sel = p6_perfevtsel(c, index);
    uint64_t v;
    if (index == MSR_TSC)
        v = cpu_read_tsc(c);
    else if (ctr >= 0)
        v = c->msr.perfctr[ctr];   /* all 40 bits */
    else if (sel >= 0)
        v = c->msr.perfevtsel[sel];
    else if (index == MSR_PLATFORM_ID && m->p6_msrs)
        v = (uint64_t)m->platform_id << 50;
    else if ((index == MSR_APIC_BASE || index == MSR_TSC_DEADLINE) && cpu_has_apic(c))
        return c->pins.apic_rdmsr(c->pins.apic_opaque, index, value);
    else if (index == MSR_BIOS_SIGN_ID && m->p6_msrs)
        v = c->msr.bios_sign_id;
    else if (index == MSR_MTRRCAP && mtrr)
        v = MTRRCAP_VALUE;
    else if (index == MSR_SYSENTER_CS && cpu_has(c, CPUF_SEP))
        v = c->msr.sysenter_cs;
    else if (index == MSR_SYSENTER_ESP && cpu_has(c, CPUF_SEP))
        v = c->msr.sysenter_esp;
    else if (index == MSR_SYSENTER_EIP && cpu_has(c, CPUF_SEP))
        v = c->msr.sysenter_eip;
    else if (index == MSR_MISC_ENABLE && m->misc_enable)
        v = c->msr.misc_enable;
    else if (index >= MSR_MTRR_PHYSBASE0 && index < MSR_MTRR_PHYSBASE0 + 16 && mtrr)
        v = c->msr.mtrr_var[index - MSR_MTRR_PHYSBASE0];
    else if (fixed >= 0 && mtrr)
        v = c->msr.mtrr_fixed[fixed];
    else if (index == MSR_MTRR_DEF_TYPE && mtrr)
        v = c->msr.mtrr_def_type;
    else if (index == MSR_PAT && cpu_has(c, CPUF_PAT))
        v = c->msr.pat;
    else if (index == MSR_EFER && cpu_has(c, CPUF_NX))
        v = c->msr.efer;
    else
        return false;
    *value = v;
    return true;
}

bool msr_write(struct cpu *c, uint32_t index, uint64_t v)
{
    const struct cpu_model *m = c->model;
    bool mtrr = cpu_has(c, CPUF_MTRR);
    int fixed = mtrr_fixed_slot(index);
    int ctr = p6_perfctr(c, index), sel = p6_perfevtsel(c, index);
    uint64_t pmask = phys_addr_mask(c);
    if (index == MSR_TSC) {
        /* P6 family: only the low 32 bits are written, the high half is
         * cleared; the Pentium takes all 64 (SDM vol. 3B, 17.17). */
        if (m->family == 6)
            v = (uint32_t)v;
        c->msr.tsc_offset = v - tsc_raw(c);
    } else if (ctr >= 0) {
        /* WRMSR cannot set a P6 counter arbitrarily: EAX is written and
         * bits 39:32 become copies of its bit 31, EDX is ignored (SDM
         * vol. 3B, P6 family, "PerfCtr0 and PerfCtr1 MSRs"). */
        c->msr.perfctr[ctr] = (uint64_t)(int64_t)(int32_t)(uint32_t)v & P6_PERFCTR_MASK;
    } else if (sel >= 0) {
        /* Reserved bits (21, 63:32) are #GP(0), as WRMSR does for any MSR
         * (SDM vol. 2, WRMSR).  EN (22) is "only present in PerfEvtSel0"
         * (SDM vol. 3B, P6 family, PerfEvtSel0 and PerfEvtSel1 MSRs), and
         * the SDM does not call that bit reserved in PerfEvtSel1: it is
         * kept there and does nothing.  Family-6 software sets it in both
         * selects (oprofile's driver does, to start counting), so a #GP
         * would break it. */
        if (v & P6_PERFEVTSEL_RSVD)
            return false;
        c->msr.perfevtsel[sel] = v;
    } else if ((index == MSR_APIC_BASE || index == MSR_TSC_DEADLINE) && cpu_has_apic(c)) {
        return c->pins.apic_wrmsr(c->pins.apic_opaque, index, v);
    } else if (index == MSR_BIOS_SIGN_ID && m->p6_msrs) {
        c->msr.bios_sign_id = v;
    } else if (index == MSR_SYSENTER_CS && cpu_has(c, CPUF_SEP)) {
        c->msr.sysenter_cs = (uint32_t)v; /* 32-bit processors: EDX ignored */
    } else if (index == MSR_SYSENTER_ESP && cpu_has(c, CPUF_SEP)) {
        c->msr.sysenter_esp = (uint32_t)v;
    } else if (index == MSR_SYSENTER_EIP && cpu_has(c, CPUF_SEP)) {
        c->msr.sysenter_eip = (uint32_t)v;
    } else if (index == MSR_MISC_ENABLE && m->misc_enable) {
        if ((v & ~(uint64_t)(MISC_ENABLE_RW | MISC_ENABLE_RO)) ||
            (v & MISC_ENABLE_RO) != (c->msr.misc_enable & MISC_ENABLE_RO))
            return false;
        c->msr.misc_enable = v;
    } else if (index >= MSR_MTRR_PHYSBASE0 && index < MSR_MTRR_PHYSBASE0 + 16 && mtrr) {
        bool is_mask = (index - MSR_MTRR_PHYSBASE0) & 1;
        /* PhysBase: type 7:0, base 35:12; PhysMask: valid 11, mask 35:12 */
        uint64_t ok = (pmask & ~0xFFFull) | (is_mask ? 0x800 : 0xFF);
        if ((v & ~ok) || (!is_mask && !mtrr_type_ok(v & 0xFF)))
            return false;
        c->msr.mtrr_var[index - MSR_MTRR_PHYSBASE0] = v;
    } else if (fixed >= 0 && mtrr) {
        if (!all_bytes_ok(v, mtrr_type_ok))
            return false;
        c->msr.mtrr_fixed[fixed] = v;
    } else if (index == MSR_MTRR_DEF_TYPE && mtrr) {
        /* type 7:0, fixed enable 10, enable 11 */
        if ((v & ~0xCFFull) || !mtrr_type_ok(v & 0xFF))
            return false;
        c->msr.mtrr_def_type = v;
    } else if (index == MSR_PAT && cpu_has(c, CPUF_PAT)) {
        if (!all_bytes_ok(v, pat_type_ok))
            return false;
        c->msr.pat = v;
    } else if (index == MSR_EFER && cpu_has(c, CPUF_NX)) {
        if (v & ~(uint64_t)EFER_NXE) /* no LME/SCE on a 32-bit processor */
            return false;
        if ((c->msr.efer ^ v) & EFER_NXE)
            cpu_tlb_flush(c, true); /* entries hold the execute outcome */
        c->msr.efer = v;
    } else {
        return false; /* unknown, absent, or read-only (TSC aside) */
    }
    return true;
}

/* RDMSR/WRMSR: CPL 0 only (V86 is CPL 3); ECX names the MSR. */
void h_rdmsr(struct cpu *c, const struct insn *i)
{
    if (!cpu_has(c, CPUF_MSR))
        cpu_fault(c, EXC_UD, 0);
    if (c->cpl != 0)
        cpu_fault(c, EXC_GP, 0);
    uint64_t v;
    if (!msr_read(c, c->gpr[R_ECX], &v))
        cpu_fault(c, EXC_GP, 0);
    c->gpr[R_EAX] = (uint32_t)v;
    c->gpr[R_EDX] = (uint32_t)(v >> 32);
}

void h_wrmsr(struct cpu *c, const struct insn *i)
{
    if (!cpu_has(c, CPUF_MSR))
        cpu_fault(c, EXC_UD, 0);
    if (c->cpl != 0)
        cpu_fault(c, EXC_GP, 0);
    uint64_t v = (uint64_t)c->gpr[R_EDX] << 32 | c->gpr[R_EAX];
    if (!msr_write(c, c->gpr[R_ECX], v))
        cpu_fault(c, EXC_GP, 0);
}
