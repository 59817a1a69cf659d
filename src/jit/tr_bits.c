/* Native forms of SHLD/SHRD, BSF/BSR, XADD and CMPXCHG (issue 18,
 * session 14, branch `forms`): the Linux guest's boot called the
 * interpreter's handlers for them 7 million times (64-bit shifts in
 * 32-bit code, __ffs/__fls, atomic_add_return and cmpxchg loops); and
 * since session 15 (branch `bootc`) SHLD/SHRD with OF observable and
 * CLD/STD (another 0.46 million calls per boot).  Each
 * runs as the same host instruction; where the SDM leaves a result or a
 * flag undefined, the plan and the code below give what the
 * interpreter gives (cpu/ops_shift.c, cpu/ops_alu.c, cpu/ops_locked.c)
 * or leave the instruction to it. */
#include "jit/tr.h"

#include "cpu/cpu_model.h"

#define SZPC (F_SF | F_ZF | F_PF | F_CF)

static bool gpr_or_mem(const struct opnd *o)
{
    return o->kind == OPK_GPR || o->kind == OPK_MEM;
}

/* SHLD/SHRD (SDM vol. 2): CF is the last bit shifted out, SF ZF PF follow
 * the result, AF is undefined (the interpreter clears it: h_shld), OF is
 * defined for a 1-bit shift (a sign change, which is what the
 * interpreter gives for every count: MSB(result) XOR MSB(dest)) and the
 * host's is undefined for other counts.  A count of 0 (masked to 5 bits)
 * changes nothing; a 16-bit count above 16 makes everything undefined on
 * the host (the interpreter shifts dest:src:dest as the P6): those, and
 * 16-bit counts of 16, stay the interpreter's. */
static bool dshift_plan(const struct insn *in, struct plan *p)
{
    const struct opnd *o0 = &in->o[0], *o1 = &in->o[1], *o2 = &in->o[2];
    if (in->nops != 3 || !gpr_or_mem(o0) || o1->kind != OPK_GPR || o1->size != o0->size ||
        (o0->size != 4 && o0->size != 2))
        return false;
    p->R = 0;
    if (o2->kind == OPK_GPR) {
        /* By CL, 32 bits: a count of 0 writes nothing (plan.by_cl); OF,
         * undefined on the host above a count of 1, is dshift_of's where
         * it is live. */
        if (o0->size != 4 || o2->reg != R_ECX || o2->size != 1)
            return false;
        p->by_cl = true;
        p->W = 0;
        p->H = SZPC; /* and OF where it is live (dshift_of) */
        p->Z = F_AF;
        return true;
    }
    if (o2->kind != OPK_IMM)
        return false;
    unsigned n = in->imm & 31;
    if (o0->size == 2 && n >= 16)
        return false;
    if (n == 0) {
        p->W = p->H = p->Z = 0;
        return o0->kind == OPK_GPR; /* (memory: the interpreter's access check) */
    }
    p->W = ALLF;
    p->H = SZPC | F_OF; /* OF: the host's for n = 1, else dshift_of's */
    p->Z = F_AF;
    return true;
}

bool tr_bits_plan(const struct tr *t, const struct insn *in, struct plan *p)
{
    (void)t;
    const struct opnd *o0 = &in->o[0], *o1 = &in->o[1];
    switch (tr_kind_of(in)) {
    case TR_DSHIFT:
        return dshift_plan(in, p);
    case TR_BSCAN:
        /* ZF says whether the source was 0; the interpreter leaves the
         * other flags and, for a zero source, the destination as they
         * were (h_bsf): the live ones are written to cpu.eflags first,
         * as for BT, and the write is skipped on ZF. */
        p->R = 0;
        p->W = p->H = F_ZF;
        p->Z = 0;
        return in->nops == 2 && o0->kind == OPK_GPR && (o0->size == 4 || o0->size == 2) &&
               gpr_or_mem(o1) && o1->size == o0->size;
    case TR_DFLAG: /* CLD, STD: no arithmetic flag, no fault */
        p->R = p->W = p->H = p->Z = 0;
        p->faults = false;
        return in->nops == 0;
    case TR_XADD: case TR_CMPXCHG:
        /* Every flag is the ADD's or the CMP's.  The same register as
         * both operands stays the interpreter's (the order of its two
         * writes), and CMPXCHG of EAX itself (host eax holds the
         * accumulator's copy). */
        p->R = 0;
        p->W = p->H = ALLF;
        p->Z = 0;
        if (in->nops != 2 || !gpr_or_mem(o0) || o1->kind != OPK_GPR || o0->size != 4 ||
            o1->size != 4)
            return false;
        if (o0->kind == OPK_GPR &&
            (o0->reg == o1->reg || (in->op == OP_CMPXCHG && o0->reg == R_EAX)))
            return false;
        return true;
    default:
        return false;
    }
}

/* --- SHLD / SHRD ------------------------------------------------------- */

/* The host's SHLD/SHRD of `dst` (a guest register's slot or [rdx]) by the
 * immediate or by cl. */
static void dshift_on(struct tr *t, const struct insn *in, struct xrm dst, bool cl)
{
    unsigned size = in->o[0].size;
    uint8_t src = tr_gpr_in(t, in->o[1].reg, size, XAX);
    uint8_t op = (uint8_t)((in->op == OP_SHLD ? 0xA4 : 0xAC) + (cl ? 1 : 0));
    x_0f(t->cur, op, size == 2, false, src, dst);
    if (!cl)
        xb(t->cur, (uint8_t)(in->imm & 31));
}

/* OF where the host leaves it undefined (a count above 1) and it is
 * observable: the interpreter's MSB(result) XOR MSB(dest) (h_shld,
 * h_shrd), which is the SDM's for a count of 1.  dshift_keep put the
 * destination's old value in the stack slot before the shift; every
 * flag is in cpu.eflags by now (the and/or here clobber the host's). */
static bool dshift_of_live(const struct tr *t, const struct insn *in)
{
    return (t->plan[t->k].live_after & F_OF) &&
           (t->plan[t->k].by_cl || (in->imm & 31) > 1);
}

static void dshift_keep(struct tr *t, const struct insn *in, struct xrm dst)
{
    if (!dshift_of_live(t, in))
        return;
    x_load(t->cur, in->o[0].size, XDI, dst);
    x_store(t->cur, 4, xr_mem(xm(XSP, SLOT_TMP)), XDI);
}

static void dshift_of(struct tr *t, const struct insn *in, struct xrm dst)
{
    if (!dshift_of_live(t, in))
        return;
    struct xbuf *b = t->cur;
    unsigned size = in->o[0].size;
    x_load(b, 4, XCX, xr_mem(xm(XSP, SLOT_TMP)));
    x_alu_r_rm(b, 6, size, XCX, dst);                       /* xor: the MSBs */
    x_shift_imm(b, 5, 4, R(XCX), size == 4 ? 20 : 4);       /* shr: MSB to bit 11 */
    x_alu_rm_imm(b, 4, 4, R(XCX), F_OF);                    /* and */
    x_alu_rm_imm(b, 4, 4, cpu_rm(CPU_OFF(eflags)), ~(uint32_t)F_OF);
    x_alu_rm_r(b, 1, 4, cpu_rm(CPU_OFF(eflags)), XCX);      /* or */
}

/* By an immediate: the host's flags, but OF above a count of 1 where it
 * is live (dshift_of: every flag goes to cpu.eflags first). */
static void dshift_imm_on(struct tr *t, const struct insn *in, struct xrm dst)
{
    const struct plan *p = &t->plan[t->k];
    dshift_keep(t, in, dst);
    dshift_on(t, in, dst, false);
    tr_set_flags_after(t, p);
    if ((in->imm & 31) > 1)
        t->s.pending &= ~F_OF; /* (undefined on the host) */
    if (dshift_of_live(t, in)) {
        tr_materialise(t);
        dshift_of(t, in, dst);
    }
}

static void op_dshift_imm_mem(struct tr *t, const struct insn *in)
{
    const struct plan *p = &t->plan[t->k];
    if ((t->s.pending | t->s.pending_zero) & (p->live_after & ~p->W))
        tr_materialise(t); /* (nothing pending after the probe: no-op) */
    dshift_imm_on(t, in, xr_mem(xm(XDX, 0)));
}

/* By CL, a register: a count of 0 changes nothing, flags included, so
 * the live ones go to cpu.eflags first and those it writes join them
 * there (translate.c shift_cl_on does the same); the host masks the
 * count to 5 bits as the guest does. */
static void dshift_cl_reg(struct tr *t, const struct insn *in)
{
    const struct plan *p = &t->plan[t->k];
    uint32_t live = p->live_after;
    struct xbuf *b = t->cur;
    unsigned l_zero = x_label_new(&t->L);
    if (t->s.saved)
        tr_materialise(t); /* all of them: nothing may wait in the slot */
    else
        tr_flags_before_clobber(t, live);
    x_load(b, 4, XCX, gpr_rm(t, R_ECX, 4));
    x_test_rm_imm(b, 1, R(XCX), 31);
    x_jcc(&t->L, b, XCC_E, l_zero);
    struct xrm dst = gpr_rm(t, in->o[0].reg, 4);
    dshift_keep(t, in, dst);
    dshift_on(t, in, dst, true);
    t->s.pending = p->H;
    t->s.pending_zero = p->Z;
    tr_flags_before_clobber(t, live);
    dshift_of(t, in, dst);
    x_bind(&t->L, l_zero, b);
}

/* By CL, memory, a count that is not 0: probed for a write; CL loaded
 * again (the slow path calls C); the flags were all written before. */
static void op_dshift_cl_mem(struct tr *t, const struct insn *in)
{
    const struct plan *p = &t->plan[t->k];
    tr_materialise(t);
    dshift_keep(t, in, xr_mem(xm(XDX, 0)));
    x_load(t->cur, 4, XCX, gpr_rm(t, R_ECX, 4));
    dshift_on(t, in, xr_mem(xm(XDX, 0)), true);
    t->s.pending = p->H;
    t->s.pending_zero = p->Z;
    tr_flags_before_clobber(t, p->live_after);
    dshift_of(t, in, xr_mem(xm(XDX, 0)));
}

static void dshift(struct tr *t, const struct insn *in)
{
    const struct plan *p = &t->plan[t->k];
    const struct opnd *o0 = &in->o[0];
    if (p->by_cl) {
        if (o0->kind == OPK_MEM)
            tr_by_cl_mem(t, in, op_dshift_cl_mem);
        else
            dshift_cl_reg(t, in);
        return;
    }
    if (!(in->imm & 31))
        return;
    if (o0->kind == OPK_MEM) {
        tr_with_memory(t, in, in->seg, o0->size, JM_RMW, op_dshift_imm_mem, false);
        return;
    }
    if ((t->s.pending | t->s.pending_zero) & (p->live_after & ~p->W))
        tr_materialise(t);
    dshift_imm_on(t, in, gpr_rm(t, o0->reg, o0->size));
}

/* --- BSF / BSR --------------------------------------------------------- */

/* The scan into ecx, then the destination unless ZF (a zero source: the
 * host's destination is undefined, the interpreter's unchanged).  The
 * host's BSF without the guest's REP prefix: F3 0F BC is TZCNT on a host
 * with BMI1. */
static void bscan_on(struct tr *t, const struct insn *in, struct xrm src)
{
    struct xbuf *b = t->cur;
    unsigned size = in->o[0].size;
    unsigned l_zero = x_label_new(&t->L);
    x_0f(b, in->op == OP_BSF ? 0xBC : 0xBD, size == 2, false, XCX, src);
    x_jcc(&t->L, b, XCC_E, l_zero);
    x_store(b, size, gpr_rm(t, in->o[0].reg, size), XCX); /* (mov keeps ZF) */
    x_bind(&t->L, l_zero, b);
    t->s.pending = F_ZF;
    t->s.pending_zero = 0;
    t->s.saved &= ~F_ZF;
}

static void op_bscan_mem(struct tr *t, const struct insn *in)
{
    bscan_on(t, in, xr_mem(xm(XDX, 0)));
}

/* --- BT BTS BTR BTC m32, r32 ------------------------------------------ */

/* The bit within the dword (offset AND 31) of [rdx]; the register is
 * loaded again (the slow path calls C). */
static void op_bt_moved(struct tr *t, const struct insn *in)
{
    x_load(t->cur, 4, XCX, gpr_rm(t, in->o[1].reg, 4));
    x_alu_rm_imm(t->cur, 4, 4, R(XCX), 31); /* and */
    tr_bt_on(t, in, xr_mem(xm(XDX, 0)));
}

/* A register bit offset into memory addresses a bit string (SDM vol. 2,
 * BT): the dword at the operand's offset plus (offset SAR 5) * 4,
 * wrapping at 4 GiB, as the interpreter's bt_mem_offset computes it
 * (floor division); that dword is the access, which faults or takes the
 * slow path there (tr_with_memory with the offset in esi).  The live
 * flags but CF were written to cpu.eflags before (emit_native). */
void tr_bt_mem_reg(struct tr *t, const struct insn *in)
{
    struct xbuf *b = t->cur;
    tr_flags_save(t); /* (the SAR clobbers the host's flags) */
    tr_ea_to(t, in, R_OFF);
    x_load(b, 4, XCX, gpr_rm(t, in->o[1].reg, 4));
    x_shift_imm(b, 7, 4, R(XCX), 5);                        /* sar ecx, 5 */
    x_lea(b, false, R_OFF, xmi(R_OFF, XCX, 4, 0));          /* esi += ecx * 4 */
    tr_with_memory(t, in, in->seg, 4, in->op == OP_BT ? JM_READ : JM_RMW, op_bt_moved, true);
}

/* --- XADD / CMPXCHG ---------------------------------------------------- */

/* XADD dst, r32: the host's (LOCK too: with one host thread h_locked's
 * fast path is the same host atomic), the source through eax when it is
 * not cached. */
static void xadd_on(struct tr *t, const struct insn *in, struct xrm dst)
{
    unsigned r = in->o[1].reg;
    uint8_t src = tr_gpr_in(t, r, 4, XAX);
    if (in->lock)
        xb(t->cur, 0xF0);
    x_0f(t->cur, 0xC1, false, false, src, dst);
    if (src == XAX)
        x_store(t->cur, 4, gpr_rm(t, r, 4), XAX);
    tr_set_flags_after(t, &t->plan[t->k]);
}

/* CMPXCHG dst, r32: EAX through the host's eax (written back whatever
 * the outcome: unchanged when equal), the source through ecx when it is
 * not cached.  The host writes a memory destination in either case, as
 * the interpreter's handler does (store_result with the old value). */
static void cmpxchg_on(struct tr *t, const struct insn *in, struct xrm dst)
{
    uint8_t src = tr_gpr_in(t, in->o[1].reg, 4, XCX);
    x_load(t->cur, 4, XAX, gpr_rm(t, R_EAX, 4));
    if (in->lock)
        xb(t->cur, 0xF0);
    x_0f(t->cur, 0xB1, false, false, src, dst);
    x_store(t->cur, 4, gpr_rm(t, R_EAX, 4), XAX);
    tr_set_flags_after(t, &t->plan[t->k]);
}

static void op_xadd_mem(struct tr *t, const struct insn *in)
{
    xadd_on(t, in, xr_mem(xm(XDX, 0)));
}

static void op_cmpxchg_mem(struct tr *t, const struct insn *in)
{
    cmpxchg_on(t, in, xr_mem(xm(XDX, 0)));
}

/* --- CLD / STD --------------------------------------------------------- */

/* DF lives in cpu.eflags only (the string forms test it there at run
 * time: tr_string.c); the and/or clobbers the host's flags, so the live
 * pending ones go to cpu.eflags first. */
static void dflag(struct tr *t, const struct insn *in)
{
    tr_flags_before_clobber(t, t->plan[t->k].live_after);
    if (in->op == OP_CLD)
        x_alu_rm_imm(t->cur, 4, 4, cpu_rm(CPU_OFF(eflags)), ~(uint32_t)F_DF);
    else
        x_alu_rm_imm(t->cur, 1, 4, cpu_rm(CPU_OFF(eflags)), F_DF);
}

void tr_bits_emit(struct tr *t, const struct insn *in)
{
    const struct plan *p = &t->plan[t->k];
    const struct opnd *o0 = &in->o[0], *o1 = &in->o[1];
    switch (tr_kind_of(in)) {
    case TR_DSHIFT:
        dshift(t, in);
        return;
    case TR_BSCAN:
        if ((t->s.pending | t->s.pending_zero) & p->live_after & ~F_ZF)
            tr_materialise(t);
        if (o1->kind == OPK_MEM)
            tr_with_memory(t, in, in->seg, o1->size, JM_READ, op_bscan_mem, false);
        else
            bscan_on(t, in, gpr_rm(t, o1->reg, o1->size));
        return;
    case TR_XADD:
        if (o0->kind == OPK_MEM)
            tr_with_memory(t, in, in->seg, 4, JM_RMW, op_xadd_mem, false);
        else
            xadd_on(t, in, gpr_rm(t, o0->reg, 4));
        return;
    case TR_CMPXCHG:
        if (o0->kind == OPK_MEM)
            tr_with_memory(t, in, in->seg, 4, JM_RMW, op_cmpxchg_mem, false);
        else
            cmpxchg_on(t, in, gpr_rm(t, o0->reg, 4));
        return;
    case TR_DFLAG:
        dflag(t, in);
        return;
    default:
        return;
    }
}
