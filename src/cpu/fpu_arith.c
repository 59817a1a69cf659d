/* x87 loads, stores, arithmetic and compares (SDM vol. 1, 8.3; vol. 2,
 * FLD/FST/FADD/FCOM...).  The operation runs on the host's x87
 * (fpu_host.c); this file moves operands, keeps the stack and tags, and
 * applies the masked and unmasked responses. */
#define PLEX86_FPU_INTERNAL
#include "cpu/fpu.h"

#include <string.h>

#include "cpu/fpu_host.h"
#include "cpu/ops.h"

static inline bool is_mem(const struct insn *i)
{
    return i->modrm < 0xC0;
}

static inline void set_reg80(struct fpu *f, unsigned st, const struct fpreg *v)
{
    unsigned p = fpu_phys(f, st);
    f->r[p].sig = v->sig;
    f->r[p].se = v->se;
    f->full |= (uint8_t)(1u << p);
}

/* Pushes v, or handles a stack overflow (ST(7) full): the masked response
 * pushes the real indefinite.  C1 is the overflow flag. */
static void push_checked(struct fpu *f, struct fpreg *v)
{
    if (__builtin_expect(fpu_full(f, 7), 0)) {
        if (!fpu_stack_fault(f, true))
            return;
        fpu_set_indef(v);
    } else {
        f->sw &= (uint16_t)~FSW_C1;
    }
    fpu_push(f, v);
}

/* --- loads ---------------------------------------------------------------- */

/* FLD m32/m64/m80/ST(i), FILD m16/m32/m64, FBLD m80. */
void h_fld(struct cpu *c, const struct insn *i)
{
    if (!fpu_begin(c, i))
        return;
    struct fpu *f = &c->fpu;
    struct fpreg v;
    uint32_t ea = 0;
    if (!is_mem(i)) {
        unsigned src = i->modrm & 7;
        fpu_note(c, i, false, 0);
        if (!fpu_full(f, src)) { /* underflow first, then overflow */
            if (!fpu_stack_fault(f, false))
                return;
            fpu_set_indef(&v);
            fpu_push(f, &v);
            return;
        }
        v = *fpu_st(f, src);
        push_checked(f, &v);
        return;
    }
    ea = ea_offset(c, i);
    struct fpmem m;
    unsigned hsw = 0;
    int kind = -1;
    switch (((i->opcode & 7) << 3) | i->modrm_reg) {
    case 0x08:                                  /* D9 /0: FLD m32 */
        fpu_read_mem(c, i, ea, m.b, 4);
        kind = FHL_M32;
        break;
    case 0x28:                                  /* DD /0: FLD m64 */
        fpu_read_mem(c, i, ea, m.b, 8);
        kind = FHL_M64;
        break;
    case 0x1D:                                  /* DB /5: FLD m80 */
        fpu_read_mem(c, i, ea, m.b, 10);
        memset(&v, 0, sizeof(v));
        memcpy(&v.sig, m.b, 8);
        memcpy(&v.se, m.b + 8, 2);
        break;
    case 0x18: {                                /* DB /0: FILD m32 */
        int32_t n;
        fpu_read_mem(c, i, ea, &n, 4);
        fpu_int_to_reg(n, &v);
        break;
    }
    case 0x38: {                                /* DF /0: FILD m16 */
        int16_t n;
        fpu_read_mem(c, i, ea, &n, 2);
        fpu_int_to_reg(n, &v);
        break;
    }
    case 0x3D: {                                /* DF /5: FILD m64 */
        int64_t n;
        fpu_read_mem(c, i, ea, &n, 8);
        fpu_int_to_reg(n, &v);
        break;
    }
    case 0x3C:                                  /* DF /4: FBLD m80 */
        fpu_read_mem(c, i, ea, m.b, 10);
        kind = FHL_BCD;
        break;
    default:
        cpu_fault(c, EXC_UD, 0);
    }
    fpu_note(c, i, true, ea);
    if (kind >= 0) {
        if (__builtin_expect(fpu_full(f, 7), 0)) {
            push_checked(f, &v);
            return;
        }
        hsw = fpu_host_load((enum fhost_load)kind, &v, &m, f->cw);
        if (fpu_merge(f, hsw) & FSW_IE) {
            f->sw &= (uint16_t)~FSW_C1;
            return; /* unmasked #IA (SNaN): nothing loaded; an unmasked #D
                       still loads (as the host does) */
        }
    }
    push_checked(f, &v);
}

/* FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ (D9 E8-EE): the host
 * loads them, so the rounding-control-dependent last bit of pi, log2(e),
 * log10(2) and ln(2) is the hardware's (SDM vol. 1, 8.3.8). */
void h_fldconst(struct cpu *c, const struct insn *i)
{
    if (!fpu_begin(c, i))
        return;
    struct fpu *f = &c->fpu;
    struct fpreg v;
    struct fpmem m;
    fpu_note(c, i, false, 0);
    if (!fpu_full(f, 7))
        fpu_host_load((enum fhost_load)(FHL_ONE + (i->modrm - 0xE8)), &v, &m, f->cw);
    push_checked(f, &v);
}

/* --- stores --------------------------------------------------------------- */

/* FST/FSTP m32/m64/m80/ST(i), FIST/FISTP m16/m32/m64, FBSTP m80. */
void h_fst(struct cpu *c, const struct insn *i)
{
    if (!fpu_begin(c, i))
        return;
    struct fpu *f = &c->fpu;
    bool pop;
    if (!is_mem(i)) {
        /* DD D0+i FST, DD D8+i FSTP, and the FSTP aliases D9 D8+i, DF D0+i,
         * DF D8+i. */
        unsigned dst = i->modrm & 7;
        pop = !(i->opcode == 0xDD && i->modrm_reg == 2);
        fpu_note(c, i, false, 0);
        struct fpreg v;
        if (i->opcode == 0xD9) {
            /* D9 D8+i (FSTP1, "FSTPNCE"): no underflow check: with ST0
             * empty it only pops (what the host does). */
            f->sw &= (uint16_t)~FSW_C1;
            if (fpu_full(f, 0)) {
                v = *fpu_st(f, 0);
                set_reg80(f, dst, &v);
            }
            fpu_pop(f);
            return;
        }
        if (!fpu_full(f, 0)) {
            if (!fpu_stack_fault(f, false))
                return;
            fpu_set_indef(&v);
        } else {
            v = *fpu_st(f, 0);
            f->sw &= (uint16_t)~FSW_C1;
        }
        set_reg80(f, dst, &v);
        if (pop)
            fpu_pop(f);
        return;
    }
    uint32_t ea = ea_offset(c, i);
    unsigned len;
    int kind;
    switch (((i->opcode & 7) << 3) | i->modrm_reg) {
    case 0x0A: pop = false; len = 4; kind = FHS_M32; break;   /* D9 /2 */
    case 0x0B: pop = true; len = 4; kind = FHS_M32; break;    /* D9 /3 */
    case 0x2A: pop = false; len = 8; kind = FHS_M64; break;   /* DD /2 */
    case 0x2B: pop = true; len = 8; kind = FHS_M64; break;    /* DD /3 */
    case 0x1F: pop = true; len = 10; kind = -1; break;        /* DB /7: m80 */
    case 0x1A: pop = false; len = 4; kind = FHS_I32; break;   /* DB /2 */
    case 0x1B: pop = true; len = 4; kind = FHS_I32; break;    /* DB /3 */
    case 0x3A: pop = false; len = 2; kind = FHS_I16; break;   /* DF /2 */
    case 0x3B: pop = true; len = 2; kind = FHS_I16; break;    /* DF /3 */
    case 0x3F: pop = true; len = 8; kind = FHS_I64; break;    /* DF /7 */
    case 0x3E: pop = true; len = 10; kind = FHS_BCD; break;   /* DF /6 */
    default: cpu_fault(c, EXC_UD, 0);
    }
    struct fpreg v;
    struct fpmem m;
    unsigned hsw = 0;
    bool underflow = !fpu_full(f, 0);
    if (underflow) {
        /* Masked response: the indefinite of the destination format,
         * which the host produces from the real indefinite. */
        if (!(f->cw & FSW_IE)) {
            fpu_note(c, i, true, ea);
            fpu_stack_fault(f, false);
            return;
        }
        fpu_set_indef(&v);
        if (kind >= 0)
            fpu_host_store((enum fhost_store)kind, &v, &m, f->cw | FCW_MASKS);
    } else {
        v = *fpu_st(f, 0);
        if (kind >= 0)
            hsw = fpu_host_store((enum fhost_store)kind, &v, &m, f->cw);
    }
    if (kind < 0) {
        memcpy(m.b, &v.sig, 8);
        memcpy(m.b + 8, &v.se, 2);
    }
    /* Unmasked invalid, overflow or underflow: nothing is stored and
     * nothing popped (SDM vol. 1, 8.5.4-8.5.5). */
    bool store = !(hsw & ~f->cw & (FSW_IE | FSW_DE | FSW_OE | FSW_UE));
    if (store)
        fpu_write_mem(c, i, ea, m.b, len); /* may fault: state untouched */
    fpu_note(c, i, true, ea);
    if (underflow) {
        fpu_stack_fault(f, false);
    } else {
        fpu_merge(f, hsw);
        fpu_cc(f, hsw, FSW_C1);
        if (!store)
            return;
    }
    if (pop)
        fpu_pop(f);
}

/* --- arithmetic ------------------------------------------------------------ */

/* FADD FMUL FSUB FSUBR FDIV FDIVR with every operand form: D8 (ST0 op
 * ST(i) / m32), DC (ST(i) op= ST0 / m64), DE (…P ST(i), ST0 / m16 int),
 * DA (m32 int).  ModRM.reg picks the operation. */
void h_farith(struct cpu *c, const struct insn *i)
{
    if (!fpu_begin(c, i))
        return;
    struct fpu *f = &c->fpu;
    unsigned reg = i->modrm_reg;
    if (is_mem(i)) {
        uint32_t ea = ea_offset(c, i);
        struct fpmem m;
        unsigned form = (i->opcode >> 1) & 3; /* D8 0, DA 1, DC 2, DE 3 */
        static const uint8_t len[4] = { 4, 4, 8, 2 };
        fpu_read_mem(c, i, ea, m.b, len[form]);
        fpu_note(c, i, true, ea);
        if (!fpu_full(f, 0)) {
            if (fpu_stack_fault(f, false))
                set_reg80(f, 0, &(struct fpreg){ FPU_INDEF_SIG, FPU_INDEF_SE, { 0 } });
            return;
        }
        struct fpreg a = *fpu_st(f, 0);
        unsigned hsw = fpu_host_rm(form * 8 + reg, &a, &m, f->cw);
        unsigned unmasked = fpu_merge(f, hsw);
        fpu_cc(f, hsw, FSW_C1);
        if (!(unmasked & FPU_PRE))
            *fpu_st(f, 0) = a;
        return;
    }
    unsigned sti = i->modrm & 7;
    bool to_sti = i->opcode != 0xD8;
    fpu_note(c, i, false, 0);
    if (!fpu_full(f, 0) || !fpu_full(f, sti)) {
        if (!fpu_stack_fault(f, false))
            return;
        set_reg80(f, to_sti ? sti : 0, &(struct fpreg){ FPU_INDEF_SIG, FPU_INDEF_SE, { 0 } });
    } else {
        struct fpreg a = *fpu_st(f, 0), b = *fpu_st(f, sti);
        unsigned hsw = fpu_host_rr((to_sti ? FHOST_DC : 0) + reg, &a, &b, f->cw);
        unsigned unmasked = fpu_merge(f, hsw);
        fpu_cc(f, hsw, FSW_C1);
        if (unmasked & FPU_PRE)
            return;
        if (to_sti)
            *fpu_st(f, sti) = b;
        else
            *fpu_st(f, 0) = a;
    }
    if (i->opcode == 0xDE)
        fpu_pop(f);
}

/* --- compares --------------------------------------------------------------- */

#define CC_UNORDERED (FSW_C0 | FSW_C2 | FSW_C3)

/* FCOM/FCOMP/FCOMPP, FICOM/FICOMP, FUCOM/FUCOMP/FUCOMPP, including the
 * aliases DC D0-DF and DE D0-D7. */
void h_fcom(struct cpu *c, const struct insn *i)
{
    if (!fpu_begin(c, i))
        return;
    struct fpu *f = &c->fpu;
    unsigned pops, hsw;
    struct fpreg a, b;
    if (is_mem(i)) {
        uint32_t ea = ea_offset(c, i);
        struct fpmem m;
        unsigned form = (i->opcode >> 1) & 3;
        static const uint8_t len[4] = { 4, 4, 8, 2 };
        fpu_read_mem(c, i, ea, m.b, len[form]);
        fpu_note(c, i, true, ea);
        pops = i->modrm_reg == 3;
        if (!fpu_full(f, 0))
            goto underflow;
        a = *fpu_st(f, 0);
        hsw = fpu_host_rm(form * 8 + 2, &a, &m, f->cw);
    } else {
        unsigned sti = i->modrm & 7;
        bool unordered = i->opcode == 0xDD || i->opcode == 0xDA;
        if ((i->opcode == 0xDE && i->modrm == 0xD9) || (i->opcode == 0xDA && i->modrm == 0xE9))
            pops = 2;   /* DE D9 FCOMPP, DA E9 FUCOMPP */
        else
            pops = i->opcode == 0xDE || (i->modrm & 0x08); /* …P forms */
        fpu_note(c, i, false, 0);
        if (!fpu_full(f, 0) || !fpu_full(f, sti))
            goto underflow;
        a = *fpu_st(f, 0);
        b = *fpu_st(f, sti);
        hsw = fpu_host_rr(unordered ? FHOST_FUCOM : 2, &a, &b, f->cw);
    }
    /* With an unmasked invalid or denormal operand the condition codes
     * are still set (unordered for a NaN), but nothing is popped. */
    if (fpu_merge(f, hsw) & FPU_PRE)
        pops = 0;
    fpu_cc(f, hsw, FSW_CC);
    goto pop;
underflow:
    /* Unordered whether or not the fault is masked; only the masked
     * response pops. */
    if (!fpu_stack_fault(f, false)) {
        f->sw = (uint16_t)((f->sw & ~(FSW_C0 | FSW_C2 | FSW_C3)) | CC_UNORDERED);
        return;
    }
    f->sw = (uint16_t)((f->sw & ~FSW_CC) | CC_UNORDERED);
pop:
    while (pops--)
        fpu_pop(f);
}

/* FCOMI/FCOMIP/FUCOMI/FUCOMIP (P6): the result in ZF, PF, CF; OF, SF, AF
 * cleared (SDM vol. 2, FCOMI). */
void h_fcomi(struct cpu *c, const struct insn *i)
{
    if (!cpu_has_fcmov(c) && cpu_has_fpu(c))
        cpu_fault(c, EXC_UD, 0);
    if (!fpu_begin(c, i))
        return;
    struct fpu *f = &c->fpu;
    unsigned sti = i->modrm & 7;
    bool pop = i->opcode == 0xDF;
    bool unordered = (i->modrm & 0xF8) == 0xE8;
    uint32_t fl;
    fpu_note(c, i, false, 0);
    if (!fpu_full(f, 0) || !fpu_full(f, sti)) {
        bool masked = fpu_stack_fault(f, false);
        set_flags(c, F_ARITH, F_ZF | F_PF | F_CF);
        if (!masked)
            return;
        fl = F_ZF | F_PF | F_CF;
    } else {
        /* C1 is left alone (the SDM says cleared; the host keeps it). */
        struct fpreg a = *fpu_st(f, 0), b = *fpu_st(f, sti);
        unsigned hsw = fpu_host_rr(unordered ? FHOST_FUCOM : 2, &a, &b, f->cw);
        if (fpu_merge(f, hsw) & FPU_PRE)
            pop = false;
        fl = (hsw & FSW_C3 ? F_ZF : 0) | (hsw & FSW_C2 ? F_PF : 0) | (hsw & FSW_C0 ? F_CF : 0);
    }
    set_flags(c, F_ARITH, fl);
    if (pop)
        fpu_pop(f);
}
