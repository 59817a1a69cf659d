/* Shifts, rotates, double shifts and bit instructions.  The count is masked
 * to 5 bits (SDM vol. 2, SAL/SAR/SHL/SHR: "the count is masked to 5 bits");
 * a masked count of zero changes neither the operand nor the flags.  OF is
 * defined only for 1-bit shifts; for others we compute it by the 1-bit
 * formula, as the P6 does for shifts (peer tests mask it).
 *
 * The 80386 (cpu_model.flags386) differs for byte and word SHL/SHR (SAL is
 * SHL): AF is 1 for every count that is not 0, and a byte shifted by 16 or
 * 24 sets CF as a shift by 8 does (SHL: the operand's LSB, SHR: its MSB),
 * OF following by the same formula.  That is what test386.asm's test E0
 * checks, validated on 386 hardware; no data covers other counts above the
 * width or doubleword shifts, which keep the results below
 * (docs/cpu-models.md). */
#include "cpu/cpu_model.h"
#include "cpu/exec.h"
#include "cpu/ops.h"

static unsigned shift_count(struct cpu *c, const struct insn *i)
{
    return opnd_read(c, i, 1) & 0x1F;
}

static inline uint32_t msb(uint32_t v, unsigned size)
{
    return (v & sign_bit(size)) ? 1 : 0;
}

void h_shl(struct cpu *c, const struct insn *i)
{
    unsigned n = shift_count(c, i), sz = i->o[0].size, bits = 8 * sz;
    uint32_t a = opnd_read(c, i, 0) & size_mask(sz);
    if (!n)
        return; /* the operand was still read: its access is checked */
    uint64_t wide = (uint64_t)a << n;
    uint32_t r = (uint32_t)wide & size_mask(sz);
    uint32_t carry = (uint32_t)(wide >> bits) & 1;
    bool i386 = sz < 4 && c->model->flags386;
    if (i386 && sz == 1 && (n == 16 || n == 24))
        carry = a & 1;
    uint32_t f = flag_szp(r, sz) | (carry ? F_CF : 0) | (i386 ? F_AF : 0);
    if (msb(r, sz) ^ carry)
        f |= F_OF;
    set_flags(c, F_ARITH, f); /* AF undefined: cleared (but on the 386) */
    opnd_write(c, i, 0, r);
}

void h_shr(struct cpu *c, const struct insn *i)
{
    unsigned n = shift_count(c, i), sz = i->o[0].size;
    uint32_t a = opnd_read(c, i, 0) & size_mask(sz);
    if (!n)
        return; /* the operand was still read: its access is checked */
    uint32_t r = (uint32_t)((uint64_t)a >> n);
    uint32_t carry = (uint32_t)((uint64_t)a >> (n - 1)) & 1;
    bool i386 = sz < 4 && c->model->flags386;
    if (i386 && sz == 1 && (n == 16 || n == 24))
        carry = msb(a, 1);
    uint32_t f = flag_szp(r, sz) | (carry ? F_CF : 0) | (i386 ? F_AF : 0);
    /* OF is the top bit before the last 1-bit step (the SDM defines it
     * only for count 1, as the operand's top bit; the 286 and 386 give
     * this value for every count, hence 0 for counts above 1) */
    if (msb((uint32_t)((uint64_t)a >> (n - 1)), sz))
        f |= F_OF;
    set_flags(c, F_ARITH, f);
    opnd_write(c, i, 0, r);
}

void h_sar(struct cpu *c, const struct insn *i)
{
    unsigned n = shift_count(c, i), sz = i->o[0].size;
    int64_t a = (int32_t)sext(opnd_read(c, i, 0), sz);
    if (!n)
        return; /* the operand was still read: its access is checked */
    uint32_t r = (uint32_t)(a >> n) & size_mask(sz);
    uint32_t carry = (uint32_t)(a >> (n - 1)) & 1;
    set_flags(c, F_ARITH, flag_szp(r, sz) | (carry ? F_CF : 0)); /* OF = 0 */
    opnd_write(c, i, 0, r);
}

/* ROL/ROR touch only CF and OF. */
void h_rol(struct cpu *c, const struct insn *i)
{
    unsigned n = shift_count(c, i), sz = i->o[0].size, bits = 8 * sz;
    uint32_t a = opnd_read(c, i, 0) & size_mask(sz);
    if (!n)
        return; /* the operand was still read: its access is checked */
    unsigned k = n % bits;
    uint32_t r = k ? ((a << k) | (a >> (bits - k))) & size_mask(sz) : a;
    uint32_t f = (r & 1) ? F_CF : 0;
    if (msb(r, sz) ^ (r & 1))
        f |= F_OF;
    set_flags(c, F_CF | F_OF, f);
    opnd_write(c, i, 0, r);
}

void h_ror(struct cpu *c, const struct insn *i)
{
    unsigned n = shift_count(c, i), sz = i->o[0].size, bits = 8 * sz;
    uint32_t a = opnd_read(c, i, 0) & size_mask(sz);
    if (!n)
        return; /* the operand was still read: its access is checked */
    unsigned k = n % bits;
    uint32_t r = k ? ((a >> k) | (a << (bits - k))) & size_mask(sz) : a;
    uint32_t f = msb(r, sz) ? F_CF : 0;
    if (msb(r, sz) ^ msb(r << 1, sz))
        f |= F_OF;
    set_flags(c, F_CF | F_OF, f);
    opnd_write(c, i, 0, r);
}

/* RCL/RCR rotate the (size*8 + 1)-bit value CF:operand. */
void h_rcl(struct cpu *c, const struct insn *i)
{
    unsigned n = shift_count(c, i), sz = i->o[0].size, bits = 8 * sz;
    uint32_t a = opnd_read(c, i, 0) & size_mask(sz);
    if (!n)
        return; /* the operand was still read: its access is checked */
    unsigned k = n % (bits + 1);
    uint64_t v = ((uint64_t)(c->eflags & F_CF ? 1 : 0) << bits) | a;
    if (k)
        v = ((v << k) | (v >> (bits + 1 - k))) & ((2ull << bits) - 1);
    uint32_t r = (uint32_t)v & size_mask(sz);
    uint32_t carry = (uint32_t)(v >> bits) & 1;
    uint32_t f = carry ? F_CF : 0;
    if (msb(r, sz) ^ carry)
        f |= F_OF;
    set_flags(c, F_CF | F_OF, f);
    opnd_write(c, i, 0, r);
}

void h_rcr(struct cpu *c, const struct insn *i)
{
    unsigned n = shift_count(c, i), sz = i->o[0].size, bits = 8 * sz;
    uint32_t a = opnd_read(c, i, 0) & size_mask(sz);
    if (!n)
        return; /* the operand was still read: its access is checked */
    unsigned k = n % (bits + 1);
    uint32_t old_cf = c->eflags & F_CF ? 1 : 0;
    uint64_t v = ((uint64_t)old_cf << bits) | a;
    if (k)
        v = ((v >> k) | (v << (bits + 1 - k))) & ((2ull << bits) - 1);
    uint32_t r = (uint32_t)v & size_mask(sz);
    uint32_t carry = (uint32_t)(v >> bits) & 1;
    uint32_t f = carry ? F_CF : 0;
    /* OF = MSB(dest) XOR CF before the rotation (SDM RCR, count 1); after
     * it, that is the XOR of the two top bits of the result. */
    if (msb(r, sz) ^ msb(r << 1, sz))
        f |= F_OF;
    set_flags(c, F_CF | F_OF, f);
    opnd_write(c, i, 0, r);
}

/* SHLD/SHRD: the 16-bit forms with counts above 16 are undefined; we
 * shift the 48-bit value dest:src:dest as the P6 does. */
void h_shld(struct cpu *c, const struct insn *i)
{
    unsigned n = opnd_read(c, i, 2) & 0x1F, sz = i->o[0].size;
    uint32_t d = opnd_read(c, i, 0) & size_mask(sz), s = opnd_read(c, i, 1) & size_mask(sz);
    if (!n)
        return; /* the operand was still read: its access is checked */
    uint64_t w;
    unsigned top;
    if (sz == 2) {
        w = ((uint64_t)d << 32) | ((uint64_t)s << 16) | d;
        top = 48;
    } else {
        w = ((uint64_t)d << 32) | s;
        top = 64;
    }
    uint32_t r = (uint32_t)((w << n) >> (top - 8 * sz)) & size_mask(sz);
    uint32_t carry = (uint32_t)(w >> (top - n)) & 1;
    uint32_t f = flag_szp(r, sz) | (carry ? F_CF : 0);
    if (msb(r, sz) ^ msb(d, sz))
        f |= F_OF;
    set_flags(c, F_ARITH, f);
    opnd_write(c, i, 0, r);
}

void h_shrd(struct cpu *c, const struct insn *i)
{
    unsigned n = opnd_read(c, i, 2) & 0x1F, sz = i->o[0].size;
    uint32_t d = opnd_read(c, i, 0) & size_mask(sz), s = opnd_read(c, i, 1) & size_mask(sz);
    if (!n)
        return; /* the operand was still read: its access is checked */
    uint64_t w = sz == 2 ? ((uint64_t)d << 32) | ((uint64_t)s << 16) | d
                         : ((uint64_t)s << 32) | d;
    uint32_t r = (uint32_t)(w >> n) & size_mask(sz);
    uint32_t carry = (uint32_t)(w >> (n - 1)) & 1;
    uint32_t f = flag_szp(r, sz) | (carry ? F_CF : 0);
    if (msb(r, sz) ^ msb(d, sz))
        f |= F_OF;
    set_flags(c, F_ARITH, f);
    opnd_write(c, i, 0, r);
}

/* --- bit test ---------------------------------------------------------- */

enum bt_op { BT_TEST, BT_SET, BT_RESET, BT_COMPLEMENT };

/* A register bit offset addresses memory beyond the operand (signed, in
 * operand-size units); an immediate one is taken modulo the size (SDM vol.
 * 2, BT: "bit base / bit offset"). */
uint32_t bt_mem_offset(struct cpu *c, const struct insn *i, unsigned *bit)
{
    unsigned sz = i->o[0].size, bits = 8 * sz;
    uint32_t off = opnd_read(c, i, 1);
    if (i->o[1].kind == OPK_IMM)
        off &= bits - 1;
    else
        off &= size_mask(sz);
    int32_t soff = (int32_t)sext(off, sz);
    /* floor(soff / bits), in 64 bits: -soff does not fit in 32 when soff
     * is -2^31 (found by the exec fuzz harness). */
    int64_t unit = soff >= 0 ? soff / (int64_t)bits
                             : -((-(int64_t)soff + bits - 1) / (int64_t)bits);
    uint32_t addr = ea_offset(c, i) + (uint32_t)(unit * (int64_t)sz);
    if (i->asize == 2)
        addr &= 0xFFFF;
    *bit = (uint32_t)soff & (bits - 1);
    return addr;
}

void bt_flags(struct cpu *c, uint32_t v, unsigned bit, unsigned bits)
{
    uint32_t f = (v >> bit) & 1 ? F_CF : 0;
    if (c->model->flags386) {
        /* The 80386 sets OF (undefined) as RCR by the bit index with CF = 0
         * would: bit (index - 1) xor bit (index - 2) of the operand, on the
         * ring of its bits and that CF.  test386.asm's test E0 checks it
         * (validated on 386 hardware) for the operand 1 at indexes 0 to 3,
         * the register forms, 16 and 32 bits; docs/cpu-models.md. */
        uint32_t ring = bits + 1;
        unsigned j1 = (bit + ring - 1) % ring, j2 = (bit + ring - 2) % ring;
        uint32_t b1 = j1 < bits ? (v >> j1) & 1 : 0, b2 = j2 < bits ? (v >> j2) & 1 : 0;
        if (b1 ^ b2)
            f |= F_OF;
        set_flags(c, F_CF | F_OF, f);
        return;
    }
    set_flags(c, F_CF, f);
}

static void bit_op(struct cpu *c, const struct insn *i, enum bt_op op)
{
    unsigned sz = i->o[0].size, bits = 8 * sz;
    uint32_t v;
    unsigned bit;
    if (i->o[0].kind == OPK_MEM) {
        uint32_t addr = bt_mem_offset(c, i, &bit);
        v = mem_read(c, i->seg, addr, sz);
        uint32_t nv = op == BT_SET ? v | (1u << bit) : op == BT_RESET ? v & ~(1u << bit)
                      : op == BT_COMPLEMENT ? v ^ (1u << bit) : v;
        if (op != BT_TEST)
            mem_write(c, i->seg, addr, nv, sz);
    } else {
        uint32_t off = opnd_read(c, i, 1);
        bit = off & (bits - 1);
        v = get_reg(c, i->o[0].reg, sz);
        uint32_t nv = op == BT_SET ? v | (1u << bit) : op == BT_RESET ? v & ~(1u << bit)
                      : op == BT_COMPLEMENT ? v ^ (1u << bit) : v;
        if (op != BT_TEST)
            set_reg(c, i->o[0].reg, sz, nv);
    }
    bt_flags(c, v, bit, bits);
}

void h_bt(struct cpu *c, const struct insn *i) { bit_op(c, i, BT_TEST); }
void h_bts(struct cpu *c, const struct insn *i) { bit_op(c, i, BT_SET); }
void h_btr(struct cpu *c, const struct insn *i) { bit_op(c, i, BT_RESET); }
void h_btc(struct cpu *c, const struct insn *i) { bit_op(c, i, BT_COMPLEMENT); }

/* BSF/BSR: a zero source sets ZF and leaves the destination unchanged (the
 * SDM says undefined; every Intel processor leaves it). */
void h_bsf(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->o[0].size;
    uint32_t s = opnd_read(c, i, 1) & size_mask(sz);
    if (!s) {
        c->eflags |= F_ZF;
        return;
    }
    c->eflags &= ~F_ZF;
    opnd_write(c, i, 0, (uint32_t)__builtin_ctz(s));
}

void h_bsr(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->o[0].size;
    uint32_t s = opnd_read(c, i, 1) & size_mask(sz);
    if (!s) {
        c->eflags |= F_ZF;
        return;
    }
    c->eflags &= ~F_ZF;
    opnd_write(c, i, 0, 31u - (uint32_t)__builtin_clz(s));
}
