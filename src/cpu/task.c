/* Hardware task switching; see task.h.  TSS layouts: SDM vol. 3A, figures
 * 7-2 (32-bit) and 7-11 (16-bit). */
#include "cpu/task.h"

#include "cpu/exec.h"
#include "cpu/seg.h"

/* Offsets of the fields we save and load. */
struct tss_layout {
    unsigned eip, eflags, gpr, seg, ldt, width, min_limit;
};
static const struct tss_layout tss32 = { 0x20, 0x24, 0x28, 0x48, 0x60, 4, 0x67 };
static const struct tss_layout tss16 = { 0x0E, 0x10, 0x12, 0x22, 0x2A, 2, 0x2B };

static bool is_tss32(unsigned type)
{
    return type >= SYS_TSS32_AVAIL;
}

/* Segment loads of the new task: faults are #TS (or #NP/#SS for absence)
 * and happen in the new task's context (SDM vol. 3A, 7.3 step 13). */
static void task_load_seg(struct cpu *c, int sreg, uint16_t sel)
{
    uint16_t err = sel & 0xFFFC;
    if (c->eflags & F_VM) {
        cpu_load_seg_real(c, sreg, sel);
        return;
    }
    if ((sel & ~3) == 0) {
        if (sreg == S_SS || sreg == S_CS)
            cpu_fault(c, EXC_TS, 0);
        c->seg[sreg].sel = sel;
        c->seg[sreg].attr = 0;
        cpu_mode_changed(c);
        return;
    }
    struct desc d;
    if (!desc_fetch(c, sel, &d))
        cpu_fault(c, EXC_TS, err);
    unsigned cpl = c->seg[S_CS].sel & 3;
    if (sreg == S_CS) {
        if (!desc_is_code(&d) || (desc_conforming(&d) ? d.dpl > (sel & 3) : d.dpl != (sel & 3)))
            cpu_fault(c, EXC_TS, err);
        if (!d.present)
            cpu_fault(c, EXC_NP, err);
    } else if (sreg == S_SS) {
        if (!desc_writable(&d) || (sel & 3) != cpl || d.dpl != cpl)
            cpu_fault(c, EXC_TS, err);
        if (!d.present)
            cpu_fault(c, EXC_SS, err);
    } else {
        if (!d.s || !desc_readable(&d) ||
            (!desc_conforming(&d) && (d.dpl < cpl || d.dpl < (sel & 3))))
            cpu_fault(c, EXC_TS, err);
        if (!d.present)
            cpu_fault(c, EXC_NP, err);
    }
    desc_set_accessed(c, sel, &d);
    seg_load_cache(c, sreg, sel, &d);
    cpu_mode_changed(c);
}

static void set_busy(struct cpu *c, uint16_t sel, const struct desc *d, bool busy)
{
    uint32_t hi = busy ? d->hi | (1u << 9) : d->hi & ~(1u << 9);
    desc_write_hi(c, sel, hi);
}

void task_switch(struct cpu *c, uint16_t sel, const struct desc *d, enum task_reason why,
                 uint32_t ret_eip, bool has_err, uint32_t err)
{
    const struct tss_layout *nl = is_tss32(d->type) ? &tss32 : &tss16;
    if (d->limit < nl->min_limit)
        cpu_fault(c, EXC_TS, sel & 0xFFFC);

    /* Read everything of the new task first: a fault here leaves the old
     * task untouched. */
    uint32_t nb = d->base;
    uint32_t n_eip = sys_read(c, nb + nl->eip, nl->width);
    uint32_t n_flags = sys_read(c, nb + nl->eflags, nl->width);
    uint32_t n_gpr[8];
    for (unsigned r = 0; r < 8; r++)
        n_gpr[r] = sys_read(c, nb + nl->gpr + r * nl->width, nl->width);
    uint16_t n_seg[S_COUNT] = { 0 };
    unsigned nsegs = nl == &tss32 ? 6 : 4;
    for (unsigned s = 0; s < nsegs; s++)
        n_seg[s] = (uint16_t)sys_read(c, nb + nl->seg + s * nl->width, 2);
    uint16_t n_ldt = (uint16_t)sys_read(c, nb + nl->ldt, 2);
    uint32_t n_cr3 = nl == &tss32 ? sys_read(c, nb + 0x1C, 4) : c->cr3;

    /* Save the old task. */
    struct desc old;
    uint16_t old_sel = c->tr.sel;
    bool have_old = desc_fetch(c, old_sel, &old);
    const struct tss_layout *ol = (c->tr.attr & SEG_ATTR_TYPE) >= SYS_TSS32_AVAIL ? &tss32
                                                                                 : &tss16;
    uint32_t ob = c->tr.base;
    uint32_t o_flags = cpu_get_eflags(c);
    if (why != TASK_CALL)
        o_flags &= ~F_NT;
    sys_write(c, ob + ol->eip, ret_eip, ol->width);
    sys_write(c, ob + ol->eflags, o_flags, ol->width);
    for (unsigned r = 0; r < 8; r++)
        sys_write(c, ob + ol->gpr + r * ol->width, c->gpr[r], ol->width);
    for (unsigned s = 0; s < (ol == &tss32 ? 6u : 4u); s++)
        sys_write(c, ob + ol->seg + s * ol->width, c->seg[s].sel, 2);

    if (why != TASK_CALL && have_old)
        set_busy(c, old_sel, &old, false);
    if (why == TASK_CALL) {
        sys_write(c, nb, old_sel, 2);   /* back link */
        n_flags |= F_NT;
    }
    if (why != TASK_IRET)
        set_busy(c, sel, d, true);

    /* Commit point: from here on faults belong to the new task. */
    struct desc nd = *d;
    nd.type |= 2;                     /* busy */
    nd.attr |= 2;
    c->tr = (struct seg){ .base = nd.base, .limit = nd.limit, .sel = sel, .attr = nd.attr };
    c->cr0 |= CR0_TS;
    if (nl == &tss32 && (c->cr0 & CR0_PG) && n_cr3 != c->cr3) {
        /* PAE: the new task's PDPTEs load with its CR3 (SDM 4.4.1). */
        if ((c->cr4 & CR4_PAE) && !mmu_load_pdptes(c, n_cr3))
            cpu_fault(c, EXC_GP, 0);
        c->cr3 = n_cr3;
        cpu_tlb_flush(c, false);
    }
    c->eip = nl == &tss32 ? n_eip : n_eip & 0xFFFF;
    if (nl == &tss32)
        cpu_set_eflags(c, n_flags);
    else
        cpu_set_eflags(c, (n_flags & 0xFFFF) | F_1);
    /* A 16-bit TSS holds the low words only, and the SDM does not say what
     * the upper halves become.  We follow Bochs 3.0 (tasking.cc: "upper
     * word of general registers is set to 0xFFFF"), as CPU test suites do;
     * keeping the old task's matches no reference.  FLAGS' upper half is
     * zero (above). */
    for (unsigned r = 0; r < 8; r++)
        c->gpr[r] = nl == &tss32 ? n_gpr[r] : 0xFFFF0000u | (n_gpr[r] & 0xFFFF);
    /* Selectors first, so that a fault below reports the new task's. */
    for (unsigned s = 0; s < S_COUNT; s++)
        if (s < nsegs)
            c->seg[s].sel = n_seg[s];
    c->cpl = (c->eflags & F_VM) ? 3 : n_seg[S_CS] & 3;
    c->insn_eip = c->eip;
    c->insn_esp = c->gpr[R_ESP];
    cpu_mode_changed(c);

    /* LDT, then CS, SS and the data segments. */
    c->ldtr.sel = n_ldt;
    if ((n_ldt & ~3) == 0) {
        c->ldtr.attr = 0;
    } else {
        struct desc ld;
        if ((n_ldt & 4) || !desc_fetch(c, n_ldt, &ld) || ld.s || ld.type != SYS_LDT)
            cpu_fault(c, EXC_TS, n_ldt & 0xFFFC);
        if (!ld.present)
            cpu_fault(c, EXC_TS, n_ldt & 0xFFFC);
        c->ldtr = (struct seg){ .base = ld.base, .limit = ld.limit, .sel = n_ldt, .attr = ld.attr };
    }
    static const int order[] = { S_CS, S_SS, S_DS, S_ES, S_FS, S_GS };
    for (unsigned k = 0; k < S_COUNT; k++)
        if ((unsigned)order[k] < nsegs)
            task_load_seg(c, order[k], n_seg[order[k]]);
    if (c->eip > c->seg[S_CS].limit)
        cpu_fault(c, EXC_GP, 0);
    if (has_err) {
        unsigned w = nl->width;
        push(c, err, w);
    }
    c->insn_esp = c->gpr[R_ESP];
}
