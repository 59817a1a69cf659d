/* The x87's common forms, specialised at decode time (fpu_fast.h).
 *
 * The generic handlers (fpu_arith.c, fpu_misc.c) decode the operand form on
 * every execution, copy registers around and, after every host operation,
 * clear the host's exception flags with FNCLEX, which alone costs more
 * than the arithmetic.  These handlers take the common case only:
 *
 *   - the "fast state": CR0.EM/TS clear, no exception pending (ES), and
 *     every exception masked in the guest's control word (what compilers'
 *     run-times set up: Linux's FINIT value 037FH, the bench's 027FH), so
 *     no exception can change the control flow, only the sticky flags;
 *   - no stack fault (the operands full, the pushed-to register empty);
 *   - for the moves done in C, ordinary operands (no NaN, infinity or
 *     denormal, no rounding on a store).
 *
 * Anything else goes to the generic handler before any state changes, so
 * the results are the same bit for bit (tests/cpu/test_fpu.c's differential
 * test runs through the decoder and hence through these handlers).
 *
 * Arithmetic runs on the host's x87 under the guest's control word, as in
 * fpu_host.c, straight on the register file (FLD/FSTP m80 on the 16-byte
 * slots).  The exception flags: the host's flags are sticky, so after the
 * operation they hold what it raised OR'ed with whatever was left up
 * before.  When every flag up on the host is already up in the guest's
 * status word, that OR changes nothing and is exact; only when a flag the
 * guest does not have yet shows up (the first inexact result after FNCLEX,
 * say) is the operation run again after an FNCLEX to tell which.  So the
 * steady state costs one FNSTSW, which also gives C1, and no FNCLEX (which
 * costs more than the arithmetic).  The host flags left up are harmless:
 * every fpu_host.c sequence clears them first (host_prepare), and the host
 * never takes an #MF for them while its control word masks everything
 * (tests/cpu/test_fpu.c: test_stale_host_flags). */
#define PLEX86_FPU_INTERNAL
#include "cpu/fpu_fast.h"

#include <string.h>

#include "cpu/fpu.h"
#include "cpu/fpu_dbl.h"
#include "cpu/ops.h"

/* The fast state (see above).  CPUID.FPU is a property of the model, but
 * checking it keeps the no-FPU behaviour in one place (fpu_begin_slow). */
static inline bool fast_state(const struct cpu *c)
{
    return !(c->cr0 & (CR0_EM | CR0_TS)) && !(c->fpu.sw & FSW_ES) &&
           (c->fpu.cw & FCW_MASKS) == FCW_MASKS && cpu_has_fpu(c);
}

/* C1 after an instruction that defines it as 0 without a stack fault. */
static inline void clear_c1(struct fpu *f)
{
    f->sw &= (uint16_t)~FSW_C1;
}

/* Merges a host status word taken after an arithmetic operation in the
 * fast state: the exception flags (all masked: ES stays clear) and C1
 * (rounded up). */
static inline void merge_masked(struct fpu *f, unsigned hsw)
{
    f->sw = (uint16_t)((f->sw & ~FSW_C1) | (hsw & (FSW_EXC | FSW_C1)));
}

/* Memory operands of 2, 4 or 8 bytes, inline (fpu_read_mem/fpu_write_mem
 * do any width).  An 8-byte one is a single host access when aligned
 * (mmu_read64/mmu_write64). */
static inline void fast_read(struct cpu *c, const struct insn *i, uint32_t off, void *dst,
                             unsigned len)
{
    uint32_t la = seg_linear(c, i->seg, off, len, SEG_READ);
    if (len == 8) {
        uint64_t v = mmu_read64(c, la); /* one access when aligned (8.1.1) */
        memcpy(dst, &v, 8);
    } else if (len == 4) {
        uint32_t v = lin_read(c, la, 4);
        memcpy(dst, &v, 4);
    } else {
        uint16_t v = (uint16_t)lin_read(c, la, 2);
        memcpy(dst, &v, 2);
    }
}

static inline void fast_write(struct cpu *c, const struct insn *i, uint32_t off, const void *src,
                              unsigned len)
{
    if (len == 8) {
        /* One access when aligned (SDM vol. 3A, 8.1.1); mmu_write64 checks
         * both pages of a crossing store before either half lands. */
        uint64_t v;
        memcpy(&v, src, 8);
        mmu_write64(c, seg_linear(c, i->seg, off, 8, SEG_WRITE), v);
    } else {
        uint32_t v;
        memcpy(&v, src, 4);
        lin_write(c, seg_linear(c, i->seg, off, 4, SEG_WRITE), v, 4);
    }
}

/* --- the host sequence ------------------------------------------------------ */

/* One host operation in the fast state: load the guest's control word
 * unless the host's is the same (FNSTSW first: an FLDCW while earlier x87
 * work is in flight is far slower), load the operands, run OP and take the
 * status word.  If a flag is up that the guest does not have yet (`fresh`
 * = the guest's clear flags), it may be one left up by an earlier
 * operation rather than this one's: drop the results (POPS), clear the
 * host's flags and run OP again.  Then store the result and restore the
 * host's control word.  FNSTSW and FNCLEX never wait, and every exception
 * is masked, so the host never takes an #MF. */
#define FAST_X87(LOADS, OP, POPS, STORES, MEM)                                 \
    do {                                                                       \
    __asm__ volatile("fnstcw %[save]" : [save] "=m"(save));                    \
    same = save == cw;                                                         \
    __asm__ volatile("testb %[same], %[same]\n\t"                              \
                     "jnz 3f\n\t"                                              \
                     "fnstsw %%ax\n\t"                                         \
                     "fldcw %[cw]\n"                                           \
                     "3:\n\t" LOADS OP "\n\t"                                  \
                     "fnstsw %%ax\n\t"                                         \
                     "testb %[fresh], %%al\n\t"                                \
                     "jz 1f\n\t" POPS "fnclex\n\t" LOADS OP "\n\t"             \
                     "fnstsw %%ax\n"                                           \
                     "1:\n\t" STORES                                           \
                     "testb %[same], %[same]\n\t"                              \
                     "jnz 4f\n\t"                                              \
                     "fldcw %[save]\n"                                         \
                     "4:"                                                      \
                     : "=&a"(sw), [a] "+m"(*a), [b] "+m"(*b)                   \
                     : [cw] "m"(cw), [save] "m"(save), [fresh] "q"(fresh),     \
                       [same] "q"(same), [m] "m"(MEM)                          \
                     : "st", "st(1)", "cc");                                   \
    } while (0)
#define POP1 "fstp %%st(0)\n\t"

/* The guest's flags not yet up: a host flag among them must be cleared
 * and the operation run again. */
static inline uint8_t fresh_flags(const struct fpu *f)
{
    return (uint8_t)(~f->sw & FSW_EXC);
}

/* --- loads ------------------------------------------------------------------- */

/* An m64 real as double extended, when it is an ordinary number (normal
 * or zero): exact, no exception.  False for NaN, infinity, denormal. */
static inline bool m64_to_reg(uint64_t m, struct fpreg *r)
{
    unsigned e = (unsigned)(m >> 52) & 0x7FF;
    uint16_t sign = (uint16_t)((m >> 48) & 0x8000);
    uint64_t frac = m & ((1ull << 52) - 1);
    if (e == 0x7FF || (e == 0 && frac))
        return false;
    r->sig = e ? (1ull << 63) | frac << 11 : 0;
    r->se = (uint16_t)(sign | (e ? e - 1023 + 16383 : 0));
    return true;
}

static inline bool m32_to_reg(uint32_t m, struct fpreg *r)
{
    unsigned e = (m >> 23) & 0xFF;
    uint16_t sign = (uint16_t)((m >> 16) & 0x8000);
    uint64_t frac = m & ((1u << 23) - 1);
    if (e == 0xFF || (e == 0 && frac))
        return false;
    r->sig = e ? (1ull << 63) | frac << 40 : 0;
    r->se = (uint16_t)(sign | (e ? e - 127 + 16383 : 0));
    return true;
}

/* Pushes v (ST(7) known empty); C1 = 0. */
static inline void push_ok(struct fpu *f, const struct fpreg *v)
{
    clear_c1(f);
    fpu_push(f, v);
}

/* D9 /0 FLD m32, DD /0 FLD m64, DB /0 FILD m32, DF /0 FILD m16. */
#define LOAD_FORM(name, T, len, conv)                                          \
    static void name(struct cpu *c, const struct insn *i)                      \
    {                                                                          \
        struct fpu *f = &c->fpu;                                               \
        if (!fast_state(c) || fpu_full(f, 7))                                  \
            { h_fld(c, i); return; }                                           \
        uint32_t ea = ea_offset(c, i);                                         \
        T m;                                                                   \
        fast_read(c, i, ea, &m, len);                                          \
        struct fpreg v;                                                        \
        if (!conv)                                                             \
            { h_fld(c, i); return; }                                           \
        fpu_note(c, i, true, ea);                                              \
        push_ok(f, &v);                                                        \
    }
LOAD_FORM(ff_fld_m32, uint32_t, 4, m32_to_reg(m, &v))
LOAD_FORM(ff_fld_m64, uint64_t, 8, m64_to_reg(m, &v))
LOAD_FORM(ff_fild_m32, int32_t, 4, (fpu_int_to_reg(m, &v), true))
LOAD_FORM(ff_fild_m16, int16_t, 2, (fpu_int_to_reg(m, &v), true))

/* D9 C0+i: FLD ST(i). */
static void ff_fld_st(struct cpu *c, const struct insn *i)
{
    struct fpu *f = &c->fpu;
    unsigned src = i->modrm & 7;
    if (!fast_state(c) || !fpu_full(f, src) || fpu_full(f, 7))
        { h_fld(c, i); return; }
    fpu_note(c, i, false, 0);
    struct fpreg v = *fpu_st(f, src);
    push_ok(f, &v);
}

/* D9 EE FLDZ, D9 E8 FLD1: exact under every rounding control. */
static void ff_fldz(struct cpu *c, const struct insn *i)
{
    struct fpu *f = &c->fpu;
    if (!fast_state(c) || fpu_full(f, 7))
        { h_fldconst(c, i); return; }
    fpu_note(c, i, false, 0);
    push_ok(f, &(struct fpreg){ 0, 0, { 0 } });
}

static void ff_fld1(struct cpu *c, const struct insn *i)
{
    struct fpu *f = &c->fpu;
    if (!fast_state(c) || fpu_full(f, 7))
        { h_fldconst(c, i); return; }
    fpu_note(c, i, false, 0);
    push_ok(f, &(struct fpreg){ 1ull << 63, 0x3FFF, { 0 } });
}

/* --- stores ------------------------------------------------------------------ */

/* ST(0) as an m64/m32 real when it converts exactly (a normal number of
 * that format, or zero): no exception, C1 = 0 (SDM vol. 2, FST).  False
 * when the store rounds, overflows, underflows or stores a special value. */
static inline bool reg_to_m64(const struct fpreg *r, uint64_t *m)
{
    uint64_t sign = (uint64_t)(r->se & 0x8000) << 48;
    int e = r->se & 0x7FFF;
    if (e == 0 && r->sig == 0) {
        *m = sign;
        return true;
    }
    int de = e - 16383 + 1023;
    if (!(r->sig >> 63) || de < 1 || de > 2046 || (r->sig & 0x7FF))
        return false;
    *m = sign | (uint64_t)de << 52 | ((r->sig >> 11) & ((1ull << 52) - 1));
    return true;
}

static inline bool reg_to_m32(const struct fpreg *r, uint32_t *m)
{
    uint32_t sign = (uint32_t)(r->se & 0x8000) << 16;
    int e = r->se & 0x7FFF;
    if (e == 0 && r->sig == 0) {
        *m = sign;
        return true;
    }
    int de = e - 16383 + 127;
    if (!(r->sig >> 63) || de < 1 || de > 254 || (r->sig & ((1ull << 40) - 1)))
        return false;
    *m = sign | (uint32_t)de << 23 | (uint32_t)((r->sig >> 40) & ((1u << 23) - 1));
    return true;
}

/* D9 /2 /3 FST(P) m32, DD /2 /3 FST(P) m64. */
#define STORE_FORM(name, T, len, conv, pop)                                    \
    static void name(struct cpu *c, const struct insn *i)                      \
    {                                                                          \
        struct fpu *f = &c->fpu;                                               \
        T m;                                                                   \
        if (!fast_state(c) || !fpu_full(f, 0) || !conv(fpu_st(f, 0), &m))      \
            { h_fst(c, i); return; }                                           \
        uint32_t ea = ea_offset(c, i);                                         \
        fast_write(c, i, ea, &m, len); /* may fault: state untouched */        \
        fpu_note(c, i, true, ea);                                              \
        clear_c1(f);                                                           \
        if (pop)                                                               \
            fpu_pop(f);                                                        \
    }
STORE_FORM(ff_fst_m32, uint32_t, 4, reg_to_m32, false)
STORE_FORM(ff_fstp_m32, uint32_t, 4, reg_to_m32, true)
STORE_FORM(ff_fst_m64, uint64_t, 8, reg_to_m64, false)
STORE_FORM(ff_fstp_m64, uint64_t, 8, reg_to_m64, true)

/* DD D0+i FST ST(i), DD D8+i FSTP ST(i). */
static void ff_fst_st(struct cpu *c, const struct insn *i)
{
    struct fpu *f = &c->fpu;
    if (!fast_state(c) || !fpu_full(f, 0))
        { h_fst(c, i); return; }
    fpu_note(c, i, false, 0);
    unsigned p = fpu_phys(f, i->modrm & 7);
    const struct fpreg *v = fpu_st(f, 0);
    f->r[p].sig = v->sig;
    f->r[p].se = v->se;
    f->full |= (uint8_t)(1u << p);
    clear_c1(f);
    if (i->modrm_reg == 3)
        fpu_pop(f);
}

/* D9 C8+i: FXCH ST(i). */
static void ff_fxch(struct cpu *c, const struct insn *i)
{
    struct fpu *f = &c->fpu;
    unsigned sti = i->modrm & 7;
    if (!fast_state(c) || !fpu_full(f, 0) || !fpu_full(f, sti))
        { h_fxch(c, i); return; }
    fpu_note(c, i, false, 0);
    struct fpreg *a = fpu_st(f, 0), *b = fpu_st(f, sti);
    uint64_t sig = a->sig;
    uint16_t se = a->se;
    a->sig = b->sig;
    a->se = b->se;
    b->sig = sig;
    b->se = se;
    clear_c1(f);
}

/* --- arithmetic ------------------------------------------------------------- */

/* ST(0) op= memory operand: D8 (m32 real), DC (m64 real), DA (m32 int);
 * OP is the host instruction with %[m] as its operand. */
#define ARITH_MEM(name, T, len, OP, REG, CONV)                                 \
    static void name(struct cpu *c, const struct insn *i)                      \
    {                                                                          \
        struct fpu *f = &c->fpu;                                               \
        if (!fast_state(c) || !fpu_full(f, 0))                                 \
            { h_farith(c, i); return; }                                        \
        uint32_t ea = ea_offset(c, i);                                         \
        T mv;                                                                  \
        fast_read(c, i, ea, &mv, len);                                         \
        fpu_note(c, i, true, ea);                                              \
        struct fpreg *a = fpu_st(f, 0), *b = a;                                \
        double x, y, r;                                                        \
        unsigned fl;                                                           \
        if (fdbl_mode(f->cw) && fdbl_from_reg(a, &x) && CONV(mv, &y) &&        \
            fdbl_op(REG, x, y, &r, &fl)) {                                     \
            fdbl_to_reg(r, a);                                                 \
            f->sw = (uint16_t)((f->sw & ~FSW_C1) | fl);                        \
            return;                                                            \
        }                                                                      \
        uint16_t sw, save, cw = f->cw;                                         \
        uint8_t same;                                                          \
        uint8_t fresh = fresh_flags(f);                                        \
        FAST_X87("fldt %[a]\n\t", OP " %[m]", POP1, "fstpt %[a]\n\t", mv);     \
        merge_masked(f, sw);                                                   \
    }

/* ST(0) op ST(i) (D8: result in ST(0)) or ST(i) op ST(0) (DC, DE: result
 * in ST(i); DE pops).  The host runs the same encoding with ST(0) = the
 * guest's ST(0) and ST(1) = its ST(i); BYTE is its ModRM for ST(1). */
#define ARITH_REG(name, OPC, BYTE, REG)                                        \
    static void name(struct cpu *c, const struct insn *i)                      \
    {                                                                          \
        struct fpu *f = &c->fpu;                                               \
        unsigned sti = i->modrm & 7;                                           \
        if (!fast_state(c) || !fpu_full(f, 0) || !fpu_full(f, sti))            \
            { h_farith(c, i); return; }                                        \
        fpu_note(c, i, false, 0);                                              \
        struct fpreg *a = fpu_st(f, 0), *b = fpu_st(f, sti);                   \
        double x, y, r;                                                        \
        unsigned fl;                                                           \
        if (fdbl_mode(f->cw) && fdbl_from_reg(a, &x) && fdbl_from_reg(b, &y) && \
            fdbl_op(REG, x, y, &r, &fl)) {                                     \
            fdbl_to_reg(r, OPC == 0xD8 ? a : b);                               \
            f->sw = (uint16_t)((f->sw & ~FSW_C1) | fl);                        \
            if (OPC == 0xDE)                                                   \
                fpu_pop(f);                                                    \
            return;                                                            \
        }                                                                      \
        uint16_t sw, save, cw = f->cw;                                         \
        uint8_t same;                                                          \
        uint8_t fresh = fresh_flags(f);                                        \
        if (OPC == 0xD8)                                                       \
            FAST_X87("fldt %[b]\n\tfldt %[a]\n\t", ".byte 0xd8, " BYTE,        \
                     POP1 POP1, "fstpt %[a]\n\tfstp %%st(0)\n\t", *a);         \
        else                                                                   \
            FAST_X87("fldt %[b]\n\tfldt %[a]\n\t", ".byte 0xdc, " BYTE,        \
                     POP1 POP1, "fstp %%st(0)\n\tfstpt %[b]\n\t", *a);         \
        merge_masked(f, sw);                                                   \
        if (OPC == 0xDE)                                                       \
            fpu_pop(f);                                                        \
    }

/* One operation in its nine forms; r is ModRM.reg, BYTE = C1 + 8r. */
#define ARITH_OP(op, REG, BYTE, m32, m64, i32)                                 \
    ARITH_MEM(ff_##op##_m32, uint32_t, 4, m32, REG, fdbl_from_m32)             \
    ARITH_MEM(ff_##op##_m64, uint64_t, 8, m64, REG, fdbl_from_m64)             \
    ARITH_MEM(ff_##op##_i32, uint32_t, 4, i32, REG, fdbl_from_i32)             \
    ARITH_REG(ff_##op##_d8, 0xD8, BYTE, REG)                                   \
    ARITH_REG(ff_##op##_dc, 0xDC, BYTE, REG)                                   \
    ARITH_REG(ff_##op##_de, 0xDE, BYTE, REG)
ARITH_OP(add, 0, "0xc1", "fadds", "faddl", "fiaddl")
ARITH_OP(mul, 1, "0xc9", "fmuls", "fmull", "fimull")
ARITH_OP(sub, 4, "0xe1", "fsubs", "fsubl", "fisubl")
ARITH_OP(subr, 5, "0xe9", "fsubrs", "fsubrl", "fisubrl")
ARITH_OP(div, 6, "0xf1", "fdivs", "fdivl", "fidivl")
ARITH_OP(divr, 7, "0xf9", "fdivrs", "fdivrl", "fidivrl")

/* Indexed by ModRM.reg (2 and 3 are the compares). */
#define ARITH_ROW(form)                                                        \
    {                                                                          \
        ff_add_##form, ff_mul_##form, NULL, NULL, ff_sub_##form, ff_subr_##form, \
            ff_div_##form, ff_divr_##form,                                     \
    }
static const op_handler arith_m32[8] = ARITH_ROW(m32);
static const op_handler arith_m64[8] = ARITH_ROW(m64);
static const op_handler arith_i32[8] = ARITH_ROW(i32);
static const op_handler arith_d8[8] = ARITH_ROW(d8);
static const op_handler arith_dc[8] = ARITH_ROW(dc);
static const op_handler arith_de[8] = ARITH_ROW(de);

/* --- compares ---------------------------------------------------------------- */

/* Ordinary operands for a compare done in C: normal or zero (a NaN raises
 * IE or gives "unordered", a denormal raises DE: the generic path). */
static inline bool ordinary(const struct fpreg *r)
{
    unsigned e = r->se & 0x7FFF;
    return e == 0 ? r->sig == 0 : e != 0x7FFF && (r->sig >> 63);
}

/* -1, 0, 1 as a < b, a == b, a > b, for ordinary values (+0 == -0). */
static inline int cmp_ordinary(const struct fpreg *a, const struct fpreg *b)
{
    bool az = !(a->se & 0x7FFF), bz = !(b->se & 0x7FFF);
    if (az && bz)
        return 0;
    int sa = az ? 0 : (a->se & 0x8000) ? -1 : 1;
    int sb = bz ? 0 : (b->se & 0x8000) ? -1 : 1;
    if (sa != sb)
        return sa < sb ? -1 : 1;
    /* Same sign, both nonzero: compare magnitudes (exponent, significand). */
    unsigned ea = a->se & 0x7FFF, eb = b->se & 0x7FFF;
    int mag = ea != eb ? (ea < eb ? -1 : 1) : a->sig != b->sig ? (a->sig < b->sig ? -1 : 1) : 0;
    return sa < 0 ? -mag : mag;
}

/* DB F0+i FCOMI, DB E8+i FUCOMI, DF F0+i FCOMIP, DF E8+i FUCOMIP (P6):
 * ZF, PF, CF from the compare, OF, SF, AF cleared; C1 as it was (what
 * the generic handler and the host do). */
static void ff_fcomi(struct cpu *c, const struct insn *i)
{
    struct fpu *f = &c->fpu;
    unsigned sti = i->modrm & 7;
    if (!fast_state(c) || !cpu_has_fcmov(c) || !fpu_full(f, 0) || !fpu_full(f, sti) ||
        !ordinary(fpu_st(f, 0)) || !ordinary(fpu_st(f, sti))) {
        h_fcomi(c, i);
        return;
    }
    fpu_note(c, i, false, 0);
    int r = cmp_ordinary(fpu_st(f, 0), fpu_st(f, sti));
    set_flags(c, F_ARITH, r < 0 ? F_CF : r == 0 ? F_ZF : 0);
    if (i->opcode == 0xDF)
        fpu_pop(f);
}

/* Condition codes of FCOM: C3 C2 C0 = 000 (>), 001 (<), 100 (=); C1 = 0. */
static inline void set_fcom_cc(struct fpu *f, int r)
{
    f->sw = (uint16_t)((f->sw & ~FSW_CC) | (r < 0 ? FSW_C0 : r == 0 ? FSW_C3 : 0));
}

/* D8 D0+i FCOM, D8 D8+i FCOMP, DD E0+i FUCOM, DD E8+i FUCOMP. */
static void ff_fcom_st(struct cpu *c, const struct insn *i)
{
    struct fpu *f = &c->fpu;
    unsigned sti = i->modrm & 7;
    if (!fast_state(c) || !fpu_full(f, 0) || !fpu_full(f, sti) || !ordinary(fpu_st(f, 0)) ||
        !ordinary(fpu_st(f, sti))) {
        h_fcom(c, i);
        return;
    }
    fpu_note(c, i, false, 0);
    set_fcom_cc(f, cmp_ordinary(fpu_st(f, 0), fpu_st(f, sti)));
    if (i->modrm & 0x08)
        fpu_pop(f);
}

/* D8 /2 /3 FCOM(P) m32, DC /2 /3 FCOM(P) m64. */
#define FCOM_MEM(name, T, len, conv)                                           \
    static void name(struct cpu *c, const struct insn *i)                      \
    {                                                                          \
        struct fpu *f = &c->fpu;                                               \
        if (!fast_state(c) || !fpu_full(f, 0) || !ordinary(fpu_st(f, 0))) {    \
            h_fcom(c, i);                                                      \
            return;                                                            \
        }                                                                      \
        uint32_t ea = ea_offset(c, i);                                         \
        T m;                                                                   \
        fast_read(c, i, ea, &m, len);                                          \
        struct fpreg v;                                                        \
        if (!conv(m, &v)) {                                                    \
            h_fcom(c, i);                                                      \
            return;                                                            \
        }                                                                      \
        fpu_note(c, i, true, ea);                                              \
        set_fcom_cc(f, cmp_ordinary(fpu_st(f, 0), &v));                        \
        if (i->modrm_reg == 3)                                                 \
            fpu_pop(f);                                                        \
    }
FCOM_MEM(ff_fcom_m32, uint32_t, 4, m32_to_reg)
FCOM_MEM(ff_fcom_m64, uint64_t, 8, m64_to_reg)

/* --- the choice ------------------------------------------------------------- */

static op_handler pick_arith(const struct insn *i)
{
    bool mem = i->modrm < 0xC0;
    switch (i->opcode) {
    case 0xD8: return (mem ? arith_m32 : arith_d8)[i->modrm_reg];
    case 0xDA: return mem ? arith_i32[i->modrm_reg] : NULL;
    case 0xDC: return (mem ? arith_m64 : arith_dc)[i->modrm_reg];
    case 0xDE: return mem ? NULL : arith_de[i->modrm_reg];
    default: return NULL;
    }
}

op_handler fpu_fast_handler(const struct insn *i)
{
    bool mem = i->modrm < 0xC0;
    unsigned form = ((i->opcode & 7u) << 3) | i->modrm_reg;
    switch (i->op) {
    case OP_FADD: case OP_FADDP: case OP_FMUL: case OP_FMULP:
    case OP_FSUB: case OP_FSUBP: case OP_FSUBR: case OP_FSUBRP:
    case OP_FDIV: case OP_FDIVP: case OP_FDIVR: case OP_FDIVRP:
    case OP_FIADD: case OP_FIMUL: case OP_FISUB: case OP_FISUBR:
    case OP_FIDIV: case OP_FIDIVR:
        return pick_arith(i);
    case OP_FLD:
    case OP_FILD:
        if (!mem)
            return i->opcode == 0xD9 ? ff_fld_st : NULL;
        switch (form) {
        case 0x08: return ff_fld_m32;       /* D9 /0 */
        case 0x28: return ff_fld_m64;       /* DD /0 */
        case 0x18: return ff_fild_m32;      /* DB /0 */
        case 0x38: return ff_fild_m16;      /* DF /0 */
        default: return NULL;
        }
    case OP_FST:
    case OP_FSTP:
        if (!mem)
            return i->opcode == 0xDD ? ff_fst_st : NULL;
        switch (form) {
        case 0x0A: return ff_fst_m32;       /* D9 /2 */
        case 0x0B: return ff_fstp_m32;      /* D9 /3 */
        case 0x2A: return ff_fst_m64;       /* DD /2 */
        case 0x2B: return ff_fstp_m64;      /* DD /3 */
        default: return NULL;
        }
    case OP_FCOMI: case OP_FCOMIP: case OP_FUCOMI: case OP_FUCOMIP:
        return ff_fcomi;
    case OP_FCOM: case OP_FCOMP:
        if (!mem)
            return i->opcode == 0xD8 ? ff_fcom_st : NULL;
        return i->opcode == 0xD8 ? ff_fcom_m32 : i->opcode == 0xDC ? ff_fcom_m64 : NULL;
    case OP_FUCOM: case OP_FUCOMP:
        return !mem && i->opcode == 0xDD ? ff_fcom_st : NULL;
    case OP_FLDZ: return ff_fldz;
    case OP_FLD1: return ff_fld1;
    case OP_FXCH: return i->opcode == 0xD9 ? ff_fxch : NULL;
    default: return NULL;
    }
}
