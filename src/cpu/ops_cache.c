/* Cache control, performance counters and hints that change no
 * architectural state in an emulator: WBINVD/INVD, CLFLUSH, RDPMC,
 * PREFETCHh and the multi-byte NOP. */
#include "cpu/exec.h"
#include "cpu/features.h"
#include "cpu/msr.h"
#include "cpu/ops.h"

/* WBINVD/INVD: privileged (#GP(0) at CPL > 0, V86 included; SDM vol. 2);
 * there is no cache to write back or drop. */
void h_wbinvd(struct cpu *c, const struct insn *i)
{
    if (c->cpl != 0)
        cpu_fault(c, EXC_GP, 0);
}

/* CLFLUSH m8: only with CPUID.CLFSH.  It faults as a byte read of the
 * operand would (segment checks and #PF; SDM vol. 2, CLFLUSH), and
 * otherwise does nothing. */
void h_clflush(struct cpu *c, const struct insn *i)
{
    if (!cpu_has(c, CPUF_CLFSH) || i->o[0].kind != OPK_MEM)
        cpu_fault(c, EXC_UD, 0);
    uint32_t la = seg_linear(c, i->seg, ea_offset(c, i), 1, SEG_READ);
    mmu_translate(c, la, MMU_READ);
}

/* RDPMC (SDM vol. 2): at CPL > 0 only with CR4.PCE (real mode is CPL 0);
 * the P6 family has two counters, ECX 0 and 1, anything else is #GP(0).
 * EDX:EAX gets the whole 40-bit counter (EDX 31:8 zero): PerfCtr0/1 as
 * RDMSR reads them, which count no events here (msr.c). */
void h_rdpmc(struct cpu *c, const struct insn *i)
{
    if (c->cpl != 0 && !(c->cr4 & CR4_PCE))
        cpu_fault(c, EXC_GP, 0);
    uint32_t n = c->gpr[R_ECX];
    if (n > 1)
        cpu_fault(c, EXC_GP, 0);
    uint64_t v = c->msr.perfctr[n] & P6_PERFCTR_MASK;
    c->gpr[R_EAX] = (uint32_t)v;
    c->gpr[R_EDX] = (uint32_t)(v >> 32);
}
