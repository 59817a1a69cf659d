/* Integer arithmetic and logic: ADD..CMP, TEST, INC/DEC/NEG/NOT, MUL/DIV,
 * BCD adjustment, XADD/CMPXCHG/BSWAP, SETcc/CMOVcc.  Flags follow the SDM
 * vol. 2 instruction pages exactly; flags the SDM leaves undefined are
 * noted where we set them. */
#include "cpu/cpu_model.h"
#include "cpu/exec.h"
#include "cpu/ops.h"

uint32_t alu_add(struct cpu *c, uint32_t a, uint32_t b, uint32_t carry, unsigned size)
{
    uint32_t m = size_mask(size);
    a &= m;
    b &= m;
    uint64_t full = (uint64_t)a + b + carry;
    uint32_t r = (uint32_t)full & m;
    uint32_t f = flag_szp(r, size);
    if (full > m)
        f |= F_CF;
    if ((a ^ b ^ r) & 0x10)
        f |= F_AF;
    if ((a ^ r) & (b ^ r) & sign_bit(size))
        f |= F_OF;
    set_flags(c, F_ARITH, f);
    return r;
}

uint32_t alu_sub(struct cpu *c, uint32_t a, uint32_t b, uint32_t borrow, unsigned size)
{
    uint32_t m = size_mask(size);
    a &= m;
    b &= m;
    uint32_t r = (a - b - borrow) & m;
    uint32_t f = flag_szp(r, size);
    if ((uint64_t)a < (uint64_t)b + borrow)
        f |= F_CF;
    if ((a ^ b ^ r) & 0x10)
        f |= F_AF;
    if ((a ^ b) & (a ^ r) & sign_bit(size))
        f |= F_OF;
    set_flags(c, F_ARITH, f);
    return r;
}

/* AND/OR/XOR/TEST: CF = OF = 0; AF is undefined (we clear it, as P6 does). */
uint32_t alu_logic(struct cpu *c, uint32_t res, unsigned size)
{
    res &= size_mask(size);
    set_flags(c, F_ARITH, flag_szp(res, size));
    return res;
}

static inline uint32_t cf(const struct cpu *c)
{
    return c->eflags & F_CF ? 1 : 0;
}

/* Stores an ALU result in operand 0.  A store that faults must leave
 * EFLAGS as the instruction found them (the fault restarts it, SDM vol. 3A,
 * 6.5), so the flags just computed wait until the store is done. */
static inline void store_result(struct cpu *c, const struct insn *i, uint32_t r,
                                uint32_t flags_before)
{
    if (i->o[0].kind == OPK_MEM) {
        uint32_t after = c->eflags;
        c->eflags = flags_before;
        opnd_write(c, i, 0, r);
        c->eflags = after;
    } else {
        opnd_write(c, i, 0, r);
    }
}

#define BINARY_OP(name, expr, writes)                                  \
    void name(struct cpu *c, const struct insn *i)                     \
    {                                                                  \
        unsigned sz = i->o[0].size;                                    \
        uint32_t before = c->eflags;                                   \
        uint32_t a = opnd_read(c, i, 0), b = opnd_read(c, i, 1);       \
        uint32_t r = (expr);                                           \
        if (writes)                                                    \
            store_result(c, i, r, before);                             \
        (void)before;                                                  \
    }

BINARY_OP(h_add, alu_add(c, a, b, 0, sz), 1)
BINARY_OP(h_adc, alu_add(c, a, b, cf(c), sz), 1)
BINARY_OP(h_sub, alu_sub(c, a, b, 0, sz), 1)
BINARY_OP(h_sbb, alu_sub(c, a, b, cf(c), sz), 1)
BINARY_OP(h_cmp, alu_sub(c, a, b, 0, sz), 0)
BINARY_OP(h_and, alu_logic(c, a & b, sz), 1)
BINARY_OP(h_or, alu_logic(c, a | b, sz), 1)
BINARY_OP(h_xor, alu_logic(c, a ^ b, sz), 1)
BINARY_OP(h_test, alu_logic(c, a & b, sz), 0)

/* INC and DEC leave CF alone. */
void h_inc(struct cpu *c, const struct insn *i)
{
    uint32_t before = c->eflags;
    uint32_t r = alu_add(c, opnd_read(c, i, 0), 1, 0, i->o[0].size);
    c->eflags = (c->eflags & ~F_CF) | (before & F_CF);
    store_result(c, i, r, before);
}

void h_dec(struct cpu *c, const struct insn *i)
{
    uint32_t before = c->eflags;
    uint32_t r = alu_sub(c, opnd_read(c, i, 0), 1, 0, i->o[0].size);
    c->eflags = (c->eflags & ~F_CF) | (before & F_CF);
    store_result(c, i, r, before);
}

/* NEG is 0 - x: CF = (x != 0) falls out of the subtraction. */
void h_neg(struct cpu *c, const struct insn *i)
{
    uint32_t before = c->eflags;
    store_result(c, i, alu_sub(c, 0, opnd_read(c, i, 0), 0, i->o[0].size), before);
}

void h_not(struct cpu *c, const struct insn *i)
{
    opnd_write(c, i, 0, ~opnd_read(c, i, 0));
}

/* --- multiply and divide --------------------------------------------- */

/* Stores a double-width product/dividend register pair: AX for bytes,
 * DX:AX for words, EDX:EAX for dwords. */
static void set_wide(struct cpu *c, unsigned size, uint64_t v)
{
    if (size == 1) {
        set_reg(c, R_EAX, 2, (uint32_t)v);
    } else {
        set_reg(c, R_EAX, size, (uint32_t)v);
        set_reg(c, R_EDX, size, (uint32_t)(v >> (8 * size)));
    }
}

static uint64_t get_wide(const struct cpu *c, unsigned size)
{
    if (size == 1)
        return get_reg(c, R_EAX, 2);
    return ((uint64_t)get_reg(c, R_EDX, size) << (8 * size)) | get_reg(c, R_EAX, size);
}

/* MUL/IMUL: CF = OF = "the upper half is significant".  SF, ZF, AF, PF are
 * undefined; we set SF/ZF/PF from the low half and clear AF. */
static void mul_flags(struct cpu *c, bool overflow, uint32_t low, unsigned size)
{
    uint32_t f = flag_szp(low, size);
    if (overflow)
        f |= F_CF | F_OF;
    set_flags(c, F_ARITH, f);
}

void h_mul(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->o[0].size;
    uint64_t p = (uint64_t)get_reg(c, R_EAX, sz) * (opnd_read(c, i, 0) & size_mask(sz));
    set_wide(c, sz, p);
    mul_flags(c, (p >> (8 * sz)) != 0, (uint32_t)p, sz);
}

void h_imul(struct cpu *c, const struct insn *i)
{
    if (i->nops == 1) {
        unsigned sz = i->o[0].size;
        int64_t p = (int64_t)(int32_t)sext(get_reg(c, R_EAX, sz), sz) *
                    (int32_t)sext(opnd_read(c, i, 0), sz);
        set_wide(c, sz, (uint64_t)p);
        mul_flags(c, p != (int64_t)(int32_t)sext((uint32_t)p, sz), (uint32_t)p, sz);
        return;
    }
    /* Two- and three-operand forms: truncated product in the register. */
    unsigned sz = i->o[0].size;
    uint32_t a = opnd_read(c, i, i->nops == 3 ? 1 : 0);
    uint32_t b = opnd_read(c, i, i->nops == 3 ? 2 : 1);
    int64_t p = (int64_t)(int32_t)sext(a, sz) * (int32_t)sext(b, sz);
    mul_flags(c, p != (int64_t)(int32_t)sext((uint32_t)p, sz), (uint32_t)p, sz);
    opnd_write(c, i, 0, (uint32_t)p);
}

/* DIV/IDIV: #DE on a zero divisor or a quotient that does not fit; the
 * fault reports the DIV itself (SDM vol. 3A, 6.15, interrupt 0).  All
 * arithmetic flags are undefined: we leave them unchanged. */
void h_div(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->o[0].size;
    uint64_t d = opnd_read(c, i, 0) & size_mask(sz);
    if (d == 0)
        cpu_fault(c, EXC_DE, 0);
    uint64_t n = get_wide(c, sz);
    uint64_t q = n / d, r = n % d;
    if (q > size_mask(sz))
        cpu_fault(c, EXC_DE, 0);
    if (sz == 1)
        set_reg(c, R_EAX, 2, (uint32_t)(q | (r << 8)));
    else {
        set_reg(c, R_EAX, sz, (uint32_t)q);
        set_reg(c, R_EDX, sz, (uint32_t)r);
    }
}

void h_idiv(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->o[0].size;
    int64_t d = (int32_t)sext(opnd_read(c, i, 0), sz);
    if (d == 0)
        cpu_fault(c, EXC_DE, 0);
    uint64_t raw = get_wide(c, sz);
    unsigned bits = 16 * sz;
    /* sign-extend the 2*size-byte dividend */
    int64_t n = bits == 64 ? (int64_t)raw : (int64_t)(raw << (64 - bits)) >> (64 - bits);
    if (n == INT64_MIN && d == -1)
        cpu_fault(c, EXC_DE, 0);
    int64_t q = n / d, r = n % d;
    int64_t qmax = (int64_t)(sign_bit(sz) - 1), qmin = -(int64_t)sign_bit(sz);
    if (q > qmax || q < qmin)
        cpu_fault(c, EXC_DE, 0);
    if (sz == 1)
        set_reg(c, R_EAX, 2, (uint32_t)(((uint32_t)q & 0xFF) | (((uint32_t)r & 0xFF) << 8)));
    else {
        set_reg(c, R_EAX, sz, (uint32_t)q);
        set_reg(c, R_EDX, sz, (uint32_t)r);
    }
}

/* --- BCD (SDM vol. 2 pseudocode, followed literally) ------------------ */

void h_daa(struct cpu *c, const struct insn *i)
{
    uint32_t al = get_reg(c, R_EAX, 1), old_al = al;
    bool old_cf = c->eflags & F_CF;
    uint32_t f = 0;
    if ((al & 0x0F) > 9 || (c->eflags & F_AF)) {
        al += 6;
        if (old_cf || al > 0xFF)
            f |= F_CF;
        f |= F_AF;
    }
    if (old_al > 0x99 || old_cf) {
        al += 0x60;
        f |= F_CF;
    } else {
        f &= ~F_CF;
    }
    al &= 0xFF;
    set_reg(c, R_EAX, 1, al);
    /* OF is undefined: the P6 sets it as for the addition that was done */
    if (!(old_al & 0x80) && (al & 0x80))
        f |= F_OF;
    set_flags(c, F_ARITH, f | flag_szp(al, 1));
}

void h_das(struct cpu *c, const struct insn *i)
{
    uint32_t al = get_reg(c, R_EAX, 1), old_al = al;
    bool old_cf = c->eflags & F_CF;
    uint32_t f = 0;
    if ((al & 0x0F) > 9 || (c->eflags & F_AF)) {
        if (old_cf || al < 6)
            f |= F_CF;
        al -= 6;
        f |= F_AF;
    }
    if (old_al > 0x99 || old_cf) {
        al -= 0x60;
        f |= F_CF;
    }
    al &= 0xFF;
    set_reg(c, R_EAX, 1, al);
    if ((old_al & 0x80) && !(al & 0x80))
        f |= F_OF;
    set_flags(c, F_ARITH, f | flag_szp(al, 1));
}

/* AAA/AAS: the SDM leaves SF, ZF, PF and OF undefined.  The P6 sets SF,
 * ZF, PF by the adjusted AL (high nibble cleared) and clears OF.  The 80386
 * (cpu_model.flags386) sets all four by the 8-bit AL + 6 / AL - 6 it does,
 * AL + 0 / AL - 0 without an adjustment, before the high nibble is cleared:
 * test386.asm's test E0, validated on 386 hardware (docs/cpu-models.md). */
static uint32_t bcd386_flags(uint32_t al, uint32_t adj, bool sub)
{
    uint32_t r = (sub ? al - adj : al + adj) & 0xFF;
    uint32_t ovf = sub ? (al ^ adj) & (al ^ r) : ~(al ^ adj) & (al ^ r);
    return flag_szp(r, 1) | ((ovf & 0x80) ? F_OF : 0);
}

void h_aaa(struct cpu *c, const struct insn *i)
{
    uint32_t ax = get_reg(c, R_EAX, 2);
    bool adjust = (ax & 0x0F) > 9 || (c->eflags & F_AF);
    uint32_t f = c->model->flags386 ? bcd386_flags(ax & 0xFF, adjust ? 6 : 0, false) : 0;
    if (adjust) {
        ax += 0x106;
        f |= F_AF | F_CF;
    }
    ax = (ax & 0xFF0F) & 0xFFFF;
    set_reg(c, R_EAX, 2, ax);
    if (!c->model->flags386)
        f |= flag_szp(ax & 0xFF, 1);
    set_flags(c, F_ARITH, f);
}

void h_aas(struct cpu *c, const struct insn *i)
{
    uint32_t ax = get_reg(c, R_EAX, 2);
    bool adjust = (ax & 0x0F) > 9 || (c->eflags & F_AF);
    uint32_t f = c->model->flags386 ? bcd386_flags(ax & 0xFF, adjust ? 6 : 0, true) : 0;
    if (adjust) {
        ax -= 6;
        ax -= 0x100;
        f |= F_AF | F_CF;
    }
    ax = (ax & 0xFF0F) & 0xFFFF;
    set_reg(c, R_EAX, 2, ax);
    if (!c->model->flags386)
        f |= flag_szp(ax & 0xFF, 1);
    set_flags(c, F_ARITH, f);
}

void h_aam(struct cpu *c, const struct insn *i)
{
    uint32_t base = i->imm & 0xFF;
    if (base == 0)
        cpu_fault(c, EXC_DE, 0);
    uint32_t al = get_reg(c, R_EAX, 1);
    uint32_t r = al % base;
    set_reg(c, R_EAX, 2, ((al / base) << 8) | r);
    set_flags(c, F_ARITH, flag_szp(r, 1));
}

void h_aad(struct cpu *c, const struct insn *i)
{
    uint32_t base = i->imm & 0xFF;
    uint32_t ax = get_reg(c, R_EAX, 2);
    /* The P6 computes AL + AH*base as an 8-bit addition, which defines the
     * flags the SDM calls undefined (OF, AF, CF). */
    uint32_t r = alu_add(c, ax & 0xFF, ((ax >> 8) * base) & 0xFF, 0, 1);
    set_reg(c, R_EAX, 2, r);
}

/* --- exchange-and-op (486) -------------------------------------------- */

/* A memory destination is written before the flags change: a faulting
 * store leaves EFLAGS as the instruction found them (store_result). */
void h_xadd(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->o[0].size;
    uint32_t before = c->eflags;
    uint32_t d = opnd_read(c, i, 0), s = opnd_read(c, i, 1);
    uint32_t sum = alu_add(c, d, s, 0, sz);
    if (i->o[0].kind == OPK_MEM) {
        store_result(c, i, sum, before); /* memory first: a fault changes nothing */
        opnd_write(c, i, 1, d);
    } else {
        opnd_write(c, i, 1, d);
        opnd_write(c, i, 0, sum);
    }
}

void h_cmpxchg(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->o[0].size;
    uint32_t before = c->eflags;
    uint32_t d = opnd_read(c, i, 0) & size_mask(sz);
    uint32_t acc = get_reg(c, R_EAX, sz);
    alu_sub(c, acc, d, 0, sz);
    if (acc == d) {
        store_result(c, i, opnd_read(c, i, 1), before);
    } else {
        /* A memory destination is written back with its own value (the
         * locked cycle always writes), then the accumulator is loaded. */
        if (i->o[0].kind == OPK_MEM)
            store_result(c, i, d, before);
        set_reg(c, R_EAX, sz, d);
    }
}

/* The quadword is read in one access and written in one when aligned
 * (mmu_read64/mmu_write64); a write crossing a page checks both pages
 * before either half lands.  LOCK CMPXCHG8B is ops_locked.c's. */
void h_cmpxchg8b(struct cpu *c, const struct insn *i)
{
    if (i->o[0].kind != OPK_MEM)
        cpu_fault(c, EXC_UD, 0);
    uint32_t off = ea_offset(c, i);
    uint64_t old = mmu_read64(c, seg_linear(c, i->seg, off, 8, SEG_READ));
    uint32_t la = seg_linear(c, i->seg, off, 8, SEG_WRITE);
    uint32_t lo = (uint32_t)old, hi = (uint32_t)(old >> 32);
    if (lo == c->gpr[R_EAX] && hi == c->gpr[R_EDX]) {
        mmu_write64(c, la, (uint64_t)c->gpr[R_ECX] << 32 | c->gpr[R_EBX]);
        c->eflags |= F_ZF;
    } else {
        mmu_write64(c, la, old); /* the locked cycle always writes */
        c->gpr[R_EAX] = lo;
        c->gpr[R_EDX] = hi;
        c->eflags &= ~F_ZF;
    }
}

/* BSWAP of a 16-bit register is undefined; real processors clear it. */
void h_bswap(struct cpu *c, const struct insn *i)
{
    unsigned r = i->o[0].reg;
    if (i->o[0].size == 4)
        c->gpr[r] = __builtin_bswap32(c->gpr[r]);
    else
        set_reg(c, r, 2, 0);
}

/* --- condition-driven ------------------------------------------------- */

void h_setcc(struct cpu *c, const struct insn *i)
{
    opnd_write(c, i, 0, cond_true(c, i->cc) ? 1 : 0);
}

/* CMOVcc always reads its source (it may fault) and writes only when the
 * condition holds. */
void h_cmovcc(struct cpu *c, const struct insn *i)
{
    uint32_t v = opnd_read(c, i, 1);
    if (cond_true(c, i->cc))
        opnd_write(c, i, 0, v);
}

/* --- flag instructions ------------------------------------------------ */

void h_clc(struct cpu *c, const struct insn *i) { c->eflags &= ~F_CF; }
void h_stc(struct cpu *c, const struct insn *i) { c->eflags |= F_CF; }
void h_cmc(struct cpu *c, const struct insn *i) { c->eflags ^= F_CF; }
void h_cld(struct cpu *c, const struct insn *i) { c->eflags &= ~F_DF; }
void h_std(struct cpu *c, const struct insn *i) { c->eflags |= F_DF; }

void h_lahf(struct cpu *c, const struct insn *i)
{
    set_reg(c, 4 /* AH */, 1, (cpu_get_eflags(c) & 0xD7) | F_1);
}

void h_sahf(struct cpu *c, const struct insn *i)
{
    set_flags(c, F_SF | F_ZF | F_AF | F_PF | F_CF, get_reg(c, 4 /* AH */, 1));
}

/* SALC (D6, undocumented): AL = CF ? FF : 00. */
void h_salc(struct cpu *c, const struct insn *i)
{
    set_reg(c, R_EAX, 1, (c->eflags & F_CF) ? 0xFF : 0);
}
