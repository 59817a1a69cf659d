/* Protected-mode-only system instructions: LLDT/LTR/SLDT/STR, VERR/VERW,
 * LAR/LSL, ARPL, INVLPG.  All are #UD in real and V86 mode (SDM vol. 2). */
#include "cpu/desc.h"
#include "cpu/exec.h"
#include "cpu/ops.h"
#include "cpu/seg.h"

static void require_pmode(struct cpu *c)
{
    if (!cpu_pmode(c))
        cpu_fault(c, EXC_UD, 0);
}

static void require_cpl0(struct cpu *c)
{
    if (c->cpl != 0)
        cpu_fault(c, EXC_GP, 0);
}

/* SLDT/STR to a register store the selector zero-extended (P6); to memory
 * 16 bits. */
static void store_selector(struct cpu *c, const struct insn *i, uint16_t sel)
{
    if (i->o[0].kind == OPK_MEM)
        mem_write(c, i->seg, ea_offset(c, i), sel, 2);
    else
        set_reg(c, i->o[0].reg, i->o[0].size, sel);
}

void h_sldt(struct cpu *c, const struct insn *i)
{
    require_pmode(c);
    store_selector(c, i, c->ldtr.sel);
}

void h_str(struct cpu *c, const struct insn *i)
{
    require_pmode(c);
    store_selector(c, i, c->tr.sel);
}

void h_lldt(struct cpu *c, const struct insn *i)
{
    require_pmode(c);
    require_cpl0(c);
    uint16_t sel = (uint16_t)opnd_read(c, i, 0);
    if ((sel & ~3) == 0) {
        c->ldtr = (struct seg){ .sel = sel }; /* null: any LDT reference faults */
        return;
    }
    struct desc d;
    if ((sel & 4) || !desc_fetch(c, sel, &d) || d.s || d.type != SYS_LDT)
        cpu_fault(c, EXC_GP, sel & 0xFFFC);
    if (!d.present)
        cpu_fault(c, EXC_NP, sel & 0xFFFC);
    c->ldtr = (struct seg){ .base = d.base, .limit = d.limit, .sel = sel, .attr = d.attr };
}

void h_ltr(struct cpu *c, const struct insn *i)
{
    require_pmode(c);
    require_cpl0(c);
    uint16_t sel = (uint16_t)opnd_read(c, i, 0);
    if ((sel & ~3) == 0)
        cpu_fault(c, EXC_GP, 0);
    struct desc d;
    if ((sel & 4) || !desc_fetch(c, sel, &d) || d.s ||
        (d.type != SYS_TSS16_AVAIL && d.type != SYS_TSS32_AVAIL))
        cpu_fault(c, EXC_GP, sel & 0xFFFC);
    if (!d.present)
        cpu_fault(c, EXC_NP, sel & 0xFFFC);
    desc_write_hi(c, sel, d.hi | (1u << 9)); /* mark busy */
    d.attr |= 2;
    c->tr = (struct seg){ .base = d.base, .limit = d.limit, .sel = sel, .attr = d.attr };
}

/* Whether a selector's descriptor is visible at CPL and RPL for LAR, LSL,
 * VERR and VERW (SDM vol. 2): non-conforming segments and system
 * descriptors need DPL >= CPL and DPL >= RPL. */
static bool desc_visible(struct cpu *c, uint16_t sel, struct desc *d)
{
    if ((sel & ~3) == 0 || !desc_fetch(c, sel, d))
        return false;
    if (desc_conforming(d))
        return true;
    return d->dpl >= c->cpl && d->dpl >= (sel & 3);
}

static void set_zf(struct cpu *c, bool v)
{
    set_flags(c, F_ZF, v ? F_ZF : 0);
}

void h_verr(struct cpu *c, const struct insn *i)
{
    require_pmode(c);
    struct desc d;
    uint16_t sel = (uint16_t)opnd_read(c, i, 0);
    set_zf(c, desc_visible(c, sel, &d) && d.s && desc_readable(&d));
}

void h_verw(struct cpu *c, const struct insn *i)
{
    require_pmode(c);
    struct desc d;
    uint16_t sel = (uint16_t)opnd_read(c, i, 0);
    set_zf(c, desc_visible(c, sel, &d) && desc_writable(&d));
}

void h_lar(struct cpu *c, const struct insn *i)
{
    require_pmode(c);
    struct desc d;
    uint16_t sel = (uint16_t)opnd_read(c, i, 1);
    bool ok = desc_visible(c, sel, &d);
    if (ok && !d.s) {
        static const bool lar_types[16] = { [1] = 1, [2] = 1, [3] = 1, [4] = 1, [5] = 1,
                                            [9] = 1, [11] = 1, [12] = 1 };
        ok = lar_types[d.type];
    }
    set_zf(c, ok);
    if (ok)
        opnd_write(c, i, 0, d.hi & (i->o[0].size == 4 ? 0x00F0FF00u : 0xFF00u));
}

void h_lsl(struct cpu *c, const struct insn *i)
{
    require_pmode(c);
    struct desc d;
    uint16_t sel = (uint16_t)opnd_read(c, i, 1);
    bool ok = desc_visible(c, sel, &d);
    if (ok && !d.s) {
        static const bool lsl_types[16] = { [1] = 1, [2] = 1, [3] = 1, [9] = 1, [11] = 1 };
        ok = lsl_types[d.type];
    }
    set_zf(c, ok);
    if (ok)
        opnd_write(c, i, 0, d.limit);
}

void h_arpl(struct cpu *c, const struct insn *i)
{
    require_pmode(c);
    uint32_t dst = opnd_read(c, i, 0), src = opnd_read(c, i, 1);
    if ((dst & 3) < (src & 3)) {
        opnd_write(c, i, 0, (dst & ~3u) | (src & 3));
        set_zf(c, true);
    } else {
        set_zf(c, false);
    }
}

/* INVLPG m: drop the translation of the operand's linear address; no
 * access check on the operand itself (SDM vol. 2, INVLPG). */
void h_invlpg(struct cpu *c, const struct insn *i)
{
    require_cpl0(c);
    if (i->o[0].kind != OPK_MEM)
        cpu_fault(c, EXC_UD, 0);
    cpu_tlb_invlpg(c, c->seg[i->seg].base + ea_offset(c, i));
}
