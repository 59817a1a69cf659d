/* Interrupt and exception delivery, and IRET; see interrupt.h. */
#include "cpu/interrupt.h"

#include "cpu/desc.h"
#include "cpu/exec.h"
#include "cpu/seg.h"
#include "cpu/task.h"
#include "vm/count.h"

bool exception_has_error(int v)
{
    return v == EXC_DF || (v >= EXC_TS && v <= EXC_PF) || v == EXC_AC;
}

/* Real mode (SDM vol. 3A, 20.1.4): push FLAGS, CS, IP; clear IF, TF, AC;
 * jump through IVT[vector].  No error codes. */
static void deliver_real(struct cpu *c, int vector, uint32_t ret_eip)
{
    uint32_t off = (uint32_t)vector * 4;
    if (off + 3 > c->idtr.limit)
        cpu_fault(c, EXC_GP, 0);
    uint32_t entry = lin_read(c, c->idtr.base + off, 4);
    push(c, cpu_get_eflags(c) & 0xFFFF, 2);
    push(c, c->seg[S_CS].sel, 2);
    push(c, ret_eip & 0xFFFF, 2);
    c->eflags &= ~(F_IF | F_TF | F_AC | F_RF);
    cpu_load_seg_real(c, S_CS, (uint16_t)(entry >> 16));
    c->eip = entry & 0xFFFF;
}

static void deliver_protected(struct cpu *c, int vector, enum event_source src,
                              bool has_err, uint32_t err, uint32_t ret_eip)
{
    /* EXT: the event is external to the program (SDM vol. 3A, 6.13). */
    uint16_t ext = (src == EV_EXTERNAL || src == EV_ICEBP || c->delivering >= 0) ? 1 : 0;
    uint16_t idt_err = (uint16_t)(vector * 8 + 2 + ext);
    bool v86 = (c->eflags & F_VM) != 0;

    if (v86 && src == EV_INT && ((c->eflags & F_IOPL) >> 12) < 3)
        cpu_fault(c, EXC_GP, 0); /* IOPL-sensitive INT n (SDM 20.2.7) */
    if ((uint32_t)vector * 8 + 7 > c->idtr.limit)
        cpu_fault(c, EXC_GP, idt_err);
    struct desc g;
    desc_decode(&g, sys_read(c, c->idtr.base + vector * 8u, 4),
                sys_read(c, c->idtr.base + vector * 8u + 4, 4));
    bool is_int = g.type == SYS_INT_GATE16 || g.type == SYS_INT_GATE32;
    bool is_trap = g.type == SYS_TRAP_GATE16 || g.type == SYS_TRAP_GATE32;
    if (g.s || (!is_int && !is_trap && g.type != SYS_TASK_GATE))
        cpu_fault(c, EXC_GP, idt_err);
    if ((src == EV_INT || src == EV_INT3_INTO) && g.dpl < c->cpl)
        cpu_fault(c, EXC_GP, idt_err);
    if (!g.present)
        cpu_fault(c, EXC_NP, idt_err);

    if (g.type == SYS_TASK_GATE) {
        uint16_t tsel = gate_selector(&g);
        struct desc t;
        if ((tsel & 4) || !desc_fetch(c, tsel, &t))
            cpu_fault(c, EXC_GP, (tsel & 0xFFFC) | ext);
        if (t.s || (t.type != SYS_TSS16_AVAIL && t.type != SYS_TSS32_AVAIL))
            cpu_fault(c, EXC_GP, (tsel & 0xFFFC) | ext);
        if (!t.present)
            cpu_fault(c, EXC_NP, (tsel & 0xFFFC) | ext);
        task_switch(c, tsel, &t, TASK_CALL, ret_eip, has_err, err);
        return;
    }

    uint16_t csel = gate_selector(&g);
    struct desc cd;
    if ((csel & ~3) == 0)
        cpu_fault(c, EXC_GP, ext);
    if (!desc_fetch(c, csel, &cd) || !desc_is_code(&cd) || cd.dpl > c->cpl)
        cpu_fault(c, EXC_GP, (csel & 0xFFFC) | ext);
    if (!cd.present)
        cpu_fault(c, EXC_NP, (csel & 0xFFFC) | ext);
    uint32_t off = gate_offset(&g);
    unsigned sz = (g.type & 8) ? 4 : 2;
    uint32_t flags = cpu_get_eflags(c);
    unsigned ncpl = c->cpl;

    if (!desc_conforming(&cd) && cd.dpl < c->cpl) {
        /* Inter-privilege: the handler's stack comes from the TSS. */
        ncpl = cd.dpl;
        if (v86 && ncpl != 0)
            cpu_fault(c, EXC_GP, (csel & 0xFFFC) | ext);
        struct new_stack ns;
        tss_stack(c, ncpl, &ns, ext);
        if (off > cd.limit)
            cpu_fault(c, EXC_GP, ext);
        if (v86) {
            new_stack_push(c, &ns, c->seg[S_GS].sel, sz);
            new_stack_push(c, &ns, c->seg[S_FS].sel, sz);
            new_stack_push(c, &ns, c->seg[S_DS].sel, sz);
            new_stack_push(c, &ns, c->seg[S_ES].sel, sz);
        }
        new_stack_push(c, &ns, c->seg[S_SS].sel, sz);
        new_stack_push(c, &ns, c->gpr[R_ESP], sz);
        new_stack_push(c, &ns, flags, sz);
        new_stack_push(c, &ns, c->seg[S_CS].sel, sz);
        new_stack_push(c, &ns, ret_eip, sz);
        if (has_err)
            new_stack_push(c, &ns, err, sz);
        /* Commit: leave V86 first so the segment loads are protected-mode
         * ones. */
        c->eflags &= ~(F_VM | F_TF | F_RF | F_NT);
        if (is_int)
            c->eflags &= ~F_IF;
        cpu_mode_changed(c);
        struct desc ssd = { .base = ns.ss.base, .limit = ns.ss.limit, .attr = ns.ss.attr };
        seg_load_cache(c, S_SS, ns.ss.sel, &ssd);
        c->gpr[R_ESP] = ns.big ? ns.esp : (c->gpr[R_ESP] & 0xFFFF0000u) | (ns.esp & 0xFFFF);
        desc_set_accessed(c, csel, &cd);
        seg_load_cache(c, S_CS, (uint16_t)((csel & ~3) | ncpl), &cd);
        if (v86) {
            static const int segs[] = { S_ES, S_DS, S_FS, S_GS };
            for (unsigned k = 0; k < 4; k++) {
                c->seg[segs[k]].sel = 0;
                c->seg[segs[k]].attr = 0;
            }
        }
        cpu_mode_changed(c);
        c->eip = off;
        return;
    }
    if (v86)
        cpu_fault(c, EXC_GP, (csel & 0xFFFC) | ext);
    /* Same privilege: push on the current stack. */
    if (off > cd.limit)
        cpu_fault(c, EXC_GP, ext);
    uint32_t sp = get_sp(c);
    unsigned n = has_err ? 4 : 3;
    uint32_t vals[4] = { flags, c->seg[S_CS].sel, ret_eip, err };
    for (unsigned k = 0; k < n; k++) {
        sp = sp_add(c, sp, -(int32_t)sz);
        mem_write(c, S_SS, sp, vals[k], sz);
    }
    set_sp(c, sp);
    c->eflags &= ~(F_TF | F_RF | F_NT);
    if (is_int)
        c->eflags &= ~F_IF;
    desc_set_accessed(c, csel, &cd);
    seg_load_cache(c, S_CS, (uint16_t)((csel & ~3) | ncpl), &cd);
    cpu_mode_changed(c);
    c->eip = off;
}

void deliver_event(struct cpu *c, int vector, enum event_source src, bool has_err,
                   uint32_t err, uint32_t ret_eip)
{
    if (src == EV_EXCEPTION)
        ACCT_INC(c->exc_by_vector[vector & 31]);
    if (c->cr0 & CR0_PE)
        deliver_protected(c, vector, src, has_err, err, ret_eip);
    else
        deliver_real(c, vector, ret_eip);
}

/* --- IRET ----------------------------------------------------------------- */

/* The EFLAGS bits an IRET or POPF at this privilege may change. */
static uint32_t iret_flag_mask(const struct cpu *c, unsigned osize)
{
    uint32_t m = F_ARITH | F_TF | F_DF | F_NT | F_RF | F_AC | F_ID | F_IF | F_IOPL;
    if (c->cpl > 0)
        m &= ~F_IOPL;
    if (c->cpl > ((c->eflags & F_IOPL) >> 12))
        m &= ~F_IF;
    if (c->cpl == 0 && osize == 4)
        m |= F_VIF | F_VIP;
    if (osize == 2)
        m &= 0xFFFF;
    return m;
}

/* The real-address-style IRET frame (real mode and V86): pops IP, CS and
 * FLAGS, checks IP against CS's limit, loads CS real-style.  Returns the
 * popped FLAGS for the caller's own merge rule. */
static uint32_t iret_pop_real_frame(struct cpu *c, unsigned sz)
{
    uint32_t ip = stack_peek(c, 0, sz);
    uint16_t sel = (uint16_t)stack_peek(c, sz, 2);
    uint32_t fl = stack_peek(c, 2 * sz, sz);
    if ((sz == 2 ? ip & 0xFFFF : ip) > c->seg[S_CS].limit)
        cpu_fault(c, EXC_GP, 0);
    set_sp(c, sp_add(c, get_sp(c), (int32_t)(3 * sz)));
    cpu_load_seg_real(c, S_CS, sel);
    c->eip = sz == 2 ? ip & 0xFFFF : ip;
    return fl;
}

static void iret_real(struct cpu *c, unsigned sz)
{
    uint32_t fl = iret_pop_real_frame(c, sz);
    if (sz == 4)
        cpu_set_eflags(c, (fl & 0x257FD5u) | (c->eflags & (F_VM | F_VIF | F_VIP)));
    else
        cpu_set_eflags(c, (c->eflags & 0xFFFF0000u) | (fl & 0xFFFF));
}

/* IRET inside V86 mode with IOPL 3 acts as a real-mode IRET that cannot
 * change IOPL (SDM vol. 2, IRET). */
static void iret_v86(struct cpu *c, unsigned sz)
{
    if (((c->eflags & F_IOPL) >> 12) < 3)
        cpu_fault(c, EXC_GP, 0);
    uint32_t fl = iret_pop_real_frame(c, sz);
    uint32_t keep = F_VM | F_IOPL | F_VIF | F_VIP | (sz == 2 ? 0xFFFF0000u : 0);
    cpu_set_eflags(c, (c->eflags & keep) | (fl & ~keep));
}

/* Protected-mode IRET to V86 (SDM vol. 2, IRET, RETURN-TO-VIRTUAL-8086-
 * MODE): EIP, CS, EFLAGS, ESP, SS, ES, DS, FS, GS from the ring-0 stack. */
static void iret_to_v86(struct cpu *c, uint32_t ip, uint16_t cs, uint32_t fl)
{
    uint32_t v[6];
    for (unsigned k = 0; k < 6; k++)
        v[k] = stack_peek(c, 12 + 4 * k, 4);
    cpu_set_eflags(c, fl);
    cpu_mode_changed(c);           /* now V86: loads are real-style */
    cpu_load_seg_real(c, S_CS, cs);
    cpu_load_seg_real(c, S_SS, (uint16_t)v[1]);
    cpu_load_seg_real(c, S_ES, (uint16_t)v[2]);
    cpu_load_seg_real(c, S_DS, (uint16_t)v[3]);
    cpu_load_seg_real(c, S_FS, (uint16_t)v[4]);
    cpu_load_seg_real(c, S_GS, (uint16_t)v[5]);
    c->gpr[R_ESP] = v[0];
    c->eip = ip & 0xFFFF;
    cpu_mode_changed(c);
}

void do_iret(struct cpu *c, unsigned sz)
{
    if (!(c->cr0 & CR0_PE)) {
        iret_real(c, sz);
        return;
    }
    if (c->eflags & F_VM) {
        iret_v86(c, sz);
        return;
    }
    if (c->eflags & F_NT) {
        /* Return from a nested task through the back link (SDM 7.3). */
        uint16_t back = (uint16_t)sys_read(c, c->tr.base, 2);
        struct desc t;
        if ((back & 4) || !desc_fetch(c, back, &t))
            cpu_fault(c, EXC_TS, back & 0xFFFC);
        if (t.s || (t.type != SYS_TSS16_BUSY && t.type != SYS_TSS32_BUSY))
            cpu_fault(c, EXC_TS, back & 0xFFFC);
        if (!t.present)
            cpu_fault(c, EXC_NP, back & 0xFFFC);
        task_switch(c, back, &t, TASK_IRET, c->eip, false, 0);
        return;
    }
    uint32_t ip = stack_peek(c, 0, sz);
    uint16_t sel = (uint16_t)stack_peek(c, sz, 2);
    uint32_t fl = stack_peek(c, 2 * sz, sz);
    if (sz == 2)
        ip &= 0xFFFF;
    if (sz == 4 && (fl & F_VM) && c->cpl == 0) {
        iret_to_v86(c, ip, sel, fl);
        return;
    }
    unsigned rpl = sel & 3;
    struct desc d;
    if ((sel & ~3) == 0)
        cpu_fault(c, EXC_GP, 0);
    if (!desc_fetch(c, sel, &d) || !desc_is_code(&d) || rpl < c->cpl ||
        (desc_conforming(&d) ? d.dpl > rpl : d.dpl != rpl))
        cpu_fault(c, EXC_GP, sel & 0xFFFC);
    if (!d.present)
        cpu_fault(c, EXC_NP, sel & 0xFFFC);
    if (ip > d.limit)
        cpu_fault(c, EXC_GP, 0);
    uint32_t mask = iret_flag_mask(c, sz);
    if (rpl == c->cpl) {
        set_sp(c, sp_add(c, get_sp(c), (int32_t)(3 * sz)));
        desc_set_accessed(c, sel, &d);
        seg_load_cache(c, S_CS, sel, &d);
        c->eip = ip;
        cpu_set_eflags(c, (c->eflags & ~mask) | (fl & mask));
        cpu_mode_changed(c);
        return;
    }
    /* To an outer level: ESP and SS follow. */
    uint32_t nesp = stack_peek(c, 3 * sz, sz);
    uint16_t nss = (uint16_t)stack_peek(c, 4 * sz, 2);
    struct desc sd;
    if ((nss & ~3) == 0)
        cpu_fault(c, EXC_GP, 0);
    if (!desc_fetch(c, nss, &sd) || (nss & 3) != rpl || !desc_writable(&sd) || sd.dpl != rpl)
        cpu_fault(c, EXC_GP, nss & 0xFFFC);
    if (!sd.present)
        cpu_fault(c, EXC_SS, nss & 0xFFFC);
    desc_set_accessed(c, sel, &d);
    desc_set_accessed(c, nss, &sd);
    cpu_set_eflags(c, (c->eflags & ~mask) | (fl & mask));
    seg_load_cache(c, S_CS, sel, &d);
    seg_load_cache(c, S_SS, nss, &sd);
    c->eip = ip;
    c->gpr[R_ESP] = c->stack32 ? nesp : (c->gpr[R_ESP] & 0xFFFF0000u) | (nesp & 0xFFFF);
    cpu_mode_changed(c);
    null_inaccessible_segs(c);
}
