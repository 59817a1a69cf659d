/* x87 D9 E0-FF operations (FCHS ... FCOS), FXAM, register moves (FXCH,
 * FCMOVcc, FFREE, FINCSTP/FDECSTP) and the control instructions that do
 * not touch an environment image (FNINIT, FNCLEX, FLDCW, FNSTCW, FNSTSW,
 * FNOP).  SDM vol. 2 for each; vol. 1, 8.3.6-8.3.10. */
#define PLEX86_FPU_INTERNAL
#include "cpu/fpu.h"

#include <string.h>

#include "cpu/fpu_host.h"
#include "cpu/ops.h"

static const struct fpreg indef = { FPU_INDEF_SIG, FPU_INDEF_SE, { 0 } };

static inline void set_st(struct fpu *f, unsigned st, const struct fpreg *v)
{
    unsigned p = fpu_phys(f, st);
    f->r[p].sig = v->sig;
    f->r[p].se = v->se;
    f->full |= (uint8_t)(1u << p);
}

/* FXAM's classes in C3 C2 C0 (SDM vol. 2, FXAM, table 3-?), C1 = sign. */
static unsigned fxam(const struct fpu *f)
{
    const struct fpreg *r = &f->r[fpu_phys(f, 0)];
    unsigned c1 = (r->se & 0x8000) ? FSW_C1 : 0;
    if (!fpu_full(f, 0))
        return c1 | FSW_C3 | FSW_C0;                    /* empty */
    unsigned e = r->se & 0x7FFF;
    bool j = r->sig >> 63;
    if (e == 0)
        return c1 | (r->sig ? FSW_C3 | FSW_C2 : FSW_C3); /* denormal / zero */
    if (!j)
        return c1;                                      /* unsupported */
    if (e == 0x7FFF)
        return c1 | (r->sig << 1 ? FSW_C0 : FSW_C2 | FSW_C0); /* NaN / inf */
    return c1 | FSW_C2;                                 /* normal */
}

/* D9 E0-FF: what each needs and does.  in: registers that must be full
 * (1 = ST0, 2 = ST0 and ST1); push: pushes one; pop: result to ST1 and
 * pops; cc: condition codes the instruction defines. */
struct unop {
    int8_t op;       /* enum fhost_op, or -1 */
    int8_t pushop;   /* enum fhost_push, or -1 */
    uint8_t in;
    uint8_t pop;
    uint16_t cc;
};

static const struct unop unops[32] = {
    [0x10] = { FHO_F2XM1, -1, 1, 0, FSW_C1 },
    [0x11] = { FHO_YL2X, -1, 2, 1, FSW_C1 },
    [0x12] = { -1, FHP_PTAN, 1, 0, FSW_C1 | FSW_C2 },
    [0x13] = { FHO_PATAN, -1, 2, 1, FSW_C1 },
    [0x14] = { -1, FHP_XTRACT, 1, 0, FSW_C1 },
    [0x15] = { FHO_PREM1, -1, 2, 0, FSW_CC },
    [0x18] = { FHO_PREM, -1, 2, 0, FSW_CC },
    [0x19] = { FHO_YL2XP1, -1, 2, 1, FSW_C1 },
    [0x1A] = { FHO_SQRT, -1, 1, 0, FSW_C1 },
    [0x1B] = { -1, FHP_SINCOS, 1, 0, FSW_C1 | FSW_C2 },
    [0x1C] = { FHO_RNDINT, -1, 1, 0, FSW_C1 },
    [0x1D] = { FHO_SCALE, -1, 2, 0, FSW_C1 },
    [0x1E] = { FHO_SIN, -1, 1, 0, FSW_C1 | FSW_C2 },
    [0x1F] = { FHO_COS, -1, 1, 0, FSW_C1 | FSW_C2 },
    [0x04] = { FHO_TST, -1, 1, 0, FSW_CC },
};

/* FCHS FABS FTST FXAM F2XM1 FYL2X FPTAN FPATAN FXTRACT FPREM1 FPREM
 * FYL2XP1 FSQRT FSINCOS FRNDINT FSCALE FSIN FCOS (D9 E0-FF). */
void h_funary(struct cpu *c, const struct insn *i)
{
    if (!fpu_begin(c, i))
        return;
    struct fpu *f = &c->fpu;
    unsigned k = i->modrm - 0xE0;
    fpu_note(c, i, false, 0);
    if (k == 5) { /* FXAM: no stack fault, no exception */
        f->sw = (uint16_t)((f->sw & ~FSW_CC) | fxam(f));
        return;
    }
    if (k <= 1) { /* FCHS, FABS: sign only, never an exception */
        if (!fpu_full(f, 0)) {
            if (fpu_stack_fault(f, false))
                set_st(f, 0, &indef);
            return;
        }
        struct fpreg *r = fpu_st(f, 0);
        r->se = k == 0 ? r->se ^ 0x8000 : r->se & 0x7FFF;
        f->sw &= (uint16_t)~FSW_C1;
        return;
    }
    const struct unop *u = &unops[k];
    if (u->in == 0)
        cpu_fault(c, EXC_UD, 0); /* the decoder rejects these first */
    if (!fpu_full(f, 0) || (u->in == 2 && !fpu_full(f, 1)) ||
        (u->pushop >= 0 && fpu_full(f, 7))) {
        bool overflow = fpu_full(f, 0) && (u->in < 2 || fpu_full(f, 1));
        f->sw &= (uint16_t)~(u->cc & FSW_C2); /* C0 and C3 are kept */
        bool masked = fpu_stack_fault(f, overflow);
        if (u->op == FHO_TST)
            f->sw |= FSW_C0 | FSW_C2 | FSW_C3; /* unordered, masked or not */
        if (!masked)
            return;
        if (u->op == FHO_TST || u->op == FHO_PREM || u->op == FHO_PREM1) {
            if (u->op == FHO_TST)
                f->sw |= FSW_C0 | FSW_C2 | FSW_C3;
            else
                set_st(f, 0, &indef);
        } else if (u->pop) {
            set_st(f, 1, &indef);
            fpu_pop(f);
        } else if (u->pushop >= 0) {
            set_st(f, 0, &indef);
            fpu_push(f, &indef);
        } else {
            set_st(f, 0, &indef);
        }
        return;
    }
    if (u->pushop >= 0) {
        struct fpreg out[2];
        unsigned n;
        unsigned hsw = fpu_host_push((enum fhost_push)u->pushop, fpu_st(f, 0), out, &n, f->cw);
        unsigned unmasked = fpu_merge(f, hsw);
        fpu_cc(f, hsw, u->cc);
        if (unmasked & FPU_PRE)
            return;
        if (n == 2) {
            set_st(f, 0, &out[1]);
            fpu_push(f, &out[0]);
        } else {
            set_st(f, 0, &out[0]);
        }
        return;
    }
    struct fpreg a = *fpu_st(f, 0), b = *fpu_st(f, 1);
    unsigned hsw = fpu_host_op((enum fhost_op)u->op, &a, &b, f->cw);
    unsigned unmasked = fpu_merge(f, hsw);
    unsigned cc = u->cc;
    /* FPREM/FPREM1 with a NaN result or an unmasked invalid operand leave
     * the quotient bits C0 C3 (C1 too when unmasked) as they were. */
    if ((u->op == FHO_PREM || u->op == FHO_PREM1) &&
        ((unmasked & FPU_PRE) || ((a.se & 0x7FFF) == 0x7FFF && a.sig << 1)))
        cc = FSW_C1 | FSW_C2;
    fpu_cc(f, hsw, cc);
    if ((unmasked & FPU_PRE) || u->op == FHO_TST)
        return;
    if (u->pop) {
        set_st(f, 1, &a);
        fpu_pop(f);
    } else {
        set_st(f, 0, &a);
    }
}

/* --- register moves --------------------------------------------------------- */

/* FXCH ST(i) (D9 C8+i and the aliases DD C8+i, DF C8+i).  An empty
 * operand is a stack underflow; the masked response swaps in the real
 * indefinite for it. */
void h_fxch(struct cpu *c, const struct insn *i)
{
    if (!fpu_begin(c, i))
        return;
    struct fpu *f = &c->fpu;
    unsigned sti = i->modrm & 7;
    fpu_note(c, i, false, 0);
    struct fpreg a = *fpu_st(f, 0), b = *fpu_st(f, sti);
    if (!fpu_full(f, 0) || !fpu_full(f, sti)) {
        if (!fpu_stack_fault(f, false))
            return;
        if (!fpu_full(f, 0))
            a = indef;
        if (!fpu_full(f, sti))
            b = indef;
    } else {
        f->sw &= (uint16_t)~FSW_C1;
    }
    set_st(f, 0, &b);
    set_st(f, sti, &a);
}

/* FCMOVcc ST0, ST(i) (P6): B E BE U (DA), NB NE NBE NU (DB). */
void h_fcmov(struct cpu *c, const struct insn *i)
{
    if (!cpu_has_fcmov(c) && cpu_has_fpu(c))
        cpu_fault(c, EXC_UD, 0);
    if (!fpu_begin(c, i))
        return;
    struct fpu *f = &c->fpu;
    unsigned sti = i->modrm & 7;
    fpu_note(c, i, false, 0);
    if (!fpu_full(f, 0) || !fpu_full(f, sti)) {
        if (fpu_stack_fault(f, false))
            set_st(f, 0, &indef);
        return;
    }
    uint32_t fl = c->eflags; /* C1 is left alone, as on the host */
    bool t;
    switch (i->modrm_reg & 3) {
    case 0: t = fl & F_CF; break;
    case 1: t = fl & F_ZF; break;
    case 2: t = fl & (F_CF | F_ZF); break;
    default: t = fl & F_PF; break;
    }
    if (i->opcode == 0xDB)
        t = !t;
    if (t) {
        struct fpreg v = *fpu_st(f, sti);
        set_st(f, 0, &v);
    }
}

/* FFREE ST(i) (DD C0+i), FFREEP ST(i) (DF C0+i: FFREE, then pop). */
void h_ffree(struct cpu *c, const struct insn *i)
{
    if (!fpu_begin(c, i))
        return;
    struct fpu *f = &c->fpu;
    fpu_note(c, i, false, 0);
    f->full &= (uint8_t)~(1u << fpu_phys(f, i->modrm & 7));
    f->sw &= (uint16_t)~FSW_C1; /* undefined; the host clears it */
    if (i->opcode == 0xDF)
        fpu_pop(f);
}

/* FINCSTP (D9 F7), FDECSTP (D9 F6): TOP moves, tags stay; C1 = 0. */
void h_fincdec(struct cpu *c, const struct insn *i)
{
    if (!fpu_begin(c, i))
        return;
    struct fpu *f = &c->fpu;
    fpu_note(c, i, false, 0);
    f->top = (f->top + (i->modrm == 0xF7 ? 1 : 7)) & 7;
    f->sw &= (uint16_t)~FSW_C1;
}

/* FNOP (D9 D0): a waiting instruction that does nothing else. */
void h_fnop(struct cpu *c, const struct insn *i)
{
    if (!fpu_begin(c, i))
        return;
    fpu_note(c, i, false, 0);
}

/* FENI, FDISI, FSETPM (DB E0, E1, E4): 8087/287 controls that the 387
 * and later execute as no-ops, without waiting. */
void h_fnop_legacy(struct cpu *c, const struct insn *i)
{
    fpu_begin_nowait(c, i);
}

/* --- control ---------------------------------------------------------------- */

void fpu_init_state(struct cpu *c)
{
    struct fpu *f = &c->fpu;
    f->cw = FCW_INIT;
    f->sw = 0;
    f->top = 0;
    f->full = 0;
    f->fip = f->fdp = 0;
    f->fcs = f->fds = f->fop = 0;
    fpu_update_es(c);
}

void h_fninit(struct cpu *c, const struct insn *i)
{
    if (!fpu_begin_nowait(c, i))
        return;
    fpu_init_state(c);
}

void h_fnclex(struct cpu *c, const struct insn *i)
{
    if (!fpu_begin_nowait(c, i))
        return;
    c->fpu.sw &= (uint16_t)~(FSW_EXC | FSW_SF | FSW_ES | FSW_B);
    fpu_update_es(c);
}

/* FLDCW m16: reserved bits 7 and 13-15 read as 0, bit 6 as 1 (what P6
 * and later store back).  Unmasking a raised flag makes it pending. */
void h_fldcw(struct cpu *c, const struct insn *i)
{
    if (!fpu_begin(c, i))
        return;
    uint16_t v = (uint16_t)mem_read(c, i->seg, ea_offset(c, i), 2);
    c->fpu.cw = (uint16_t)((v & ~0xE0C0u) | 0x0040);
    fpu_update_es(c);
}

void h_fnstcw(struct cpu *c, const struct insn *i)
{
    if (!fpu_begin_nowait(c, i))
        return;
    mem_write(c, i->seg, ea_offset(c, i), c->fpu.cw, 2);
}

/* FNSTSW AX (DF E0) or m16 (DD /7). */
void h_fnstsw(struct cpu *c, const struct insn *i)
{
    if (!fpu_begin_nowait(c, i))
        return;
    uint16_t sw = fpu_get_sw(&c->fpu);
    if (i->o[0].kind == OPK_MEM)
        mem_write(c, i->seg, ea_offset(c, i), sw, 2);
    else
        set_reg(c, R_EAX, 2, sw);
}
