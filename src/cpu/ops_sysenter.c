/* SYSENTER and SYSEXIT: the fast system call pair of the P6 family (SDM
 * vol. 2, SYSENTER and SYSEXIT).  Both load CS and SS with fixed flat
 * descriptors computed from IA32_SYSENTER_CS instead of reading the GDT:
 * the hidden caches get base 0, limit 4 GiB, 32-bit, present, accessed;
 * the GDT entries are expected (not checked) to match. */
#include "cpu/exec.h"
#include "cpu/features.h"
#include "cpu/ops.h"

/* Flat 4 GiB segment caches (attr: G, D/B, P, S, type; DPL in 5-6). */
#define FLAT_CODE_ATTR 0xC09Bu /* execute/read, accessed */
#define FLAT_DATA_ATTR 0xC093u /* read/write, accessed */

static void load_flat(struct seg *s, uint16_t sel, uint16_t attr, unsigned dpl)
{
    s->sel = sel;
    s->base = 0;
    s->limit = 0xFFFFFFFFu;
    s->attr = (uint16_t)(attr | dpl << 5);
}

static void require_sep(struct cpu *c)
{
    if (!cpu_has(c, CPUF_SEP))
        cpu_fault(c, EXC_UD, 0);
}

/* SYSENTER: to CPL 0 at SYSENTER_EIP with the stack at SYSENTER_ESP;
 * #GP(0) in real mode or with a null SYSENTER_CS.  Clears VM, IF and RF;
 * works from V86 mode too. */
void h_sysenter(struct cpu *c, const struct insn *i)
{
    require_sep(c);
    uint16_t cs = (uint16_t)c->msr.sysenter_cs;
    if (!(c->cr0 & CR0_PE) || (cs & 0xFFFC) == 0)
        cpu_fault(c, EXC_GP, 0);
    c->eflags &= ~(F_VM | F_IF | F_RF);
    load_flat(&c->seg[S_CS], cs & 0xFFFC, FLAT_CODE_ATTR, 0);
    load_flat(&c->seg[S_SS], (uint16_t)((cs & 0xFFFC) + 8), FLAT_DATA_ATTR, 0);
    c->cpl = 0;
    c->gpr[R_ESP] = c->msr.sysenter_esp;
    c->eip = c->msr.sysenter_eip;
    cpu_mode_changed(c);
}

/* SYSEXIT: from CPL 0 to CPL 3 at EDX with the stack at ECX; CS is
 * SYSENTER_CS + 16 and SS SYSENTER_CS + 24, both with RPL 3.  #GP(0) in
 * real mode, at CPL > 0 (V86 included) or with a null SYSENTER_CS. */
void h_sysexit(struct cpu *c, const struct insn *i)
{
    require_sep(c);
    uint16_t cs = (uint16_t)c->msr.sysenter_cs;
    if (!(c->cr0 & CR0_PE) || c->cpl != 0 || (cs & 0xFFFC) == 0)
        cpu_fault(c, EXC_GP, 0);
    load_flat(&c->seg[S_CS], (uint16_t)((cs + 16) | 3), FLAT_CODE_ATTR, 3);
    load_flat(&c->seg[S_SS], (uint16_t)((cs + 24) | 3), FLAT_DATA_ATTR, 3);
    c->cpl = 3;
    c->gpr[R_ESP] = c->gpr[R_ECX];
    c->eip = c->gpr[R_EDX];
    cpu_mode_changed(c);
}
