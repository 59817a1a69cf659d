/* Multiplication and division in translations: one-operand MUL/IMUL
 * (EDX:EAX), two- and three-operand IMUL, and DIV r/m32 with its #DE
 * check; the flags the interpreter gives where the SDM leaves them
 * undefined and the plan says they are observed (plan.szp).  Split from
 * translate.c (session 16) to keep that file to the block's skeleton. */
#include "jit/tr.h"

/* Two- and three-operand IMUL r32; the product is computed in the
 * destination's host register, or in ecx; returns that register. */
static uint8_t imul_core(struct tr *t, const struct insn *in, struct xrm src)
{
    struct xrm d = gpr_rm(t, in->o[0].reg, 4);
    uint8_t r = d.is_reg ? d.reg : XCX;
    if (in->nops == 3) {
        struct xenc e = XENC1(0x69); /* imul r, src, imm32 */
        x_insn(t->cur, &e, r, true, &src);
        x32(t->cur, in->imm); /* int_classify: operand 2 is the immediate */
    } else {
        if (!d.is_reg)
            x_load(t->cur, 4, XCX, d);
        x_0f(t->cur, 0xAF, false, false, r, src);
    }
    if (!d.is_reg)
        x_store(t->cur, 4, d, XCX);
    return r;
}

/* One-operand MUL/IMUL: the host's, through eax and edx.  32 bits:
 * EDX:EAX = EAX * src (a memory source at [rdx] is read before edx is
 * written); 16: DX:AX = AX * src (the source first into ecx, as rdx may
 * address it); 8: AX = AL * src.  CF and OF are the host's (SDM vol. 2,
 * MUL/IMUL), SF ZF AF PF undefined (the liveness pass keeps them unseen). */
static void mul1_core(struct tr *t, const struct insn *in, struct xrm src)
{
    unsigned size = in->o[0].size, ext = in->op == OP_MUL ? 4 : 5;
    if (size == 2) {
        x_load(t->cur, 2, XCX, src);
        src = R(XCX);
    }
    x_load(t->cur, 4, XAX, gpr_rm(t, R_EAX, 4));
    x_unary(t->cur, 0xF6, 0xF7, ext, size, src);
    x_store(t->cur, size == 1 ? 2 : size, gpr_rm(t, R_EAX, 4), XAX);
    if (size != 1)
        x_store(t->cur, size, gpr_rm(t, R_EDX, 4), XDX);
}

/* DIV r/m32 (SDM vol. 2, DIV): EAX = EDX:EAX / src, EDX = the remainder;
 * #DE when the quotient does not fit in 32 bits, i.e. EDX >= src (which
 * takes in src = 0).  The check comes first (the host would trap); its
 * way out raises #DE as the interpreter does, with the state a fault at
 * instruction k sees, in the cold section (from where this copy of the op
 * stands, which may be the memory operand's slow path).  The host's flags
 * are clobbered: none may be pending (the caller saved them). */
static void div_core(struct tr *t, const struct insn *in, struct xrm src)
{
    (void)in;
    struct xbuf *b = t->cur;
    unsigned l_de = x_label_new(&t->L);
    x_load(b, 4, XCX, src);                      /* first: src may be [rdx] */
    x_load(b, 4, XDX, gpr_rm(t, R_EDX, 4));
    x_load(b, 4, XAX, gpr_rm(t, R_EAX, 4));
    x_alu_rm_r(b, 7, 4, R(XDX), XCX);            /* cmp edx, ecx */
    x_jcc(&t->L, b, XCC_AE, l_de);
    x_unary(b, 0xF6, 0xF7, 6, 4, R(XCX));        /* div ecx */
    x_store(b, 4, gpr_rm(t, R_EAX, 4), XAX);
    x_store(b, 4, gpr_rm(t, R_EDX, 4), XDX);
    struct tstate keep = t->s;
    unsigned l_on = x_label_new(&t->L);
    bool in_cold = b == &t->cold;
    if (in_cold)
        x_jmp(&t->L, b, l_on);
    else
        t->cur = &t->cold;
    x_bind(&t->L, l_de, t->cur);
    tr_materialise(t);
    x87_spill(t);
    tr_sync_for_call(t, t->k);
    tr_gpr_writeback(t);
    tr_icount_add(t, (int64_t)t->k - t->s.flushed);
    x_mov_rr64(t->cur, XDI, R_CPU);
    x_mov_r32_imm(t->cur, XSI, EXC_DE);
    x_call_abs(t->cur, (const void *)jit_raise);  /* does not return */
    if (in_cold)
        x_bind(&t->L, l_on, t->cur);
    else
        t->cur = b;
    t->s = keep;
}

static void op_div_mem(struct tr *t, const struct insn *in)
{
    div_core(t, in, xr_mem(xm(XDX, 0)));
}

/* The flags of a two- or three-operand IMUL whose undefined ones are
 * observable (plan.szp): the interpreter's (ops_alu.c mul_flags: SF ZF PF
 * from the truncated product, AF clear, CF = OF = it did not fit) as the
 * slot's image, every arithmetic flag "saved" (IMUL writes them all).
 * Right after the host's IMUL, whose CF and OF are defined; `r` holds the
 * product. */
static void imul_flags(struct tr *t, uint8_t r, unsigned size)
{
    struct xbuf *b = t->cur;
    x_setcc(b, XCC_O, R(XCX));
    x_test_rm_r(b, size, R(r), r);                               /* SF ZF PF */
    x_lahf(b);
    x_load(b, 1, XAX, R(XCX));                                   /* al = OF, as SETO */
    x_store(b, 2, xr_mem(xm(XSP, SLOT_SAVED)), XAX);
    x_alu_rm_imm(b, 4, 1, xr_mem(xm(XSP, SLOT_SAVED + 1)), (uint8_t)~(F_AF | F_CF));
    x_alu_rm_r(b, 1, 1, xr_mem(xm(XSP, SLOT_SAVED + 1)), XCX);  /* CF = OF */
    t->s.pending = t->s.pending_zero = 0;
    t->s.saved = ALLF;
}

/* One-operand MUL/IMUL and its flags: with SF ZF PF observable
 * (plan.szp) the interpreter's from the low half, AL AX or EAX (ops_alu.c
 * mul_flags), which mul1_core leaves in eax. */
static void mul1_with_flags(struct tr *t, const struct insn *in, struct xrm src)
{
    mul1_core(t, in, src);
    if (t->plan[t->k].szp)
        imul_flags(t, XAX, in->o[0].size);
    else
        tr_set_flags_after(t, &t->plan[t->k]);
}

static void op_mul1_mem(struct tr *t, const struct insn *in)
{
    mul1_with_flags(t, in, xr_mem(xm(XDX, 0)));
}

/* IMUL r, src(, imm) and its flags. */
static void imul_with_flags(struct tr *t, const struct insn *in, struct xrm src)
{
    const struct plan *p = &t->plan[t->k];
    imul_core(t, in, src);
    if (!p->szp) {
        tr_set_flags_after(t, p);
        return;
    }
    struct xrm d = gpr_rm(t, in->o[0].reg, 4);
    if (!d.is_reg)
        x_load(t->cur, 4, XAX, d);
    imul_flags(t, d.is_reg ? d.reg : XAX, 4);
}

static void op_imul_mem(struct tr *t, const struct insn *in)
{
    imul_with_flags(t, in, xr_mem(xm(XDX, 0)));
}


/* The code of an instruction the plan classed TR_IMUL or TR_DIV. */
void tr_muldiv_emit(struct tr *t, const struct insn *in)
{
    const struct plan *p = &t->plan[t->k];
    const struct opnd *o0 = &in->o[0], *o1 = &in->o[1];
    uint32_t live = p->live_after;
    if (tr_kind_of(in) == TR_IMUL) {
        if (in->nops == 1) {
            if (o0->kind == OPK_MEM) {
                tr_with_memory(t, in, in->seg, o0->size, JM_READ, op_mul1_mem, false);
            } else {
                mul1_with_flags(t, in, gpr_rm(t, o0->reg, o0->size));
            }
            return;
        }
        if (o1->kind == OPK_MEM) {
            tr_with_memory(t, in, in->seg, 4, JM_READ, op_imul_mem, false);
        } else {
            if ((t->s.pending | t->s.pending_zero) & (live & ~p->W))
                tr_materialise(t);
            imul_with_flags(t, in, gpr_rm(t, o1->reg, 4));
        }
        return;
    }
    /* TR_DIV */
    if (o0->kind == OPK_MEM) {
        tr_with_memory(t, in, in->seg, 4, JM_READ, op_div_mem, false);
    } else {
        tr_flags_save(t); /* the check and DIV clobber the host's flags */
        div_core(t, in, gpr_rm(t, o0->reg, 4));
    }
}
