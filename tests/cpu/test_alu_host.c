/* Differential test of the interpreter's integer ALU against the host
 * processor.  This machine is x86-64, and its 8/16/32-bit ALU instructions
 * behave in 64-bit mode exactly as on an IA-32 processor, so real silicon
 * gives the reference answer: every case runs once on the host (GCC inline
 * asm, flags set with POPFQ and read back with PUSHFQ) and once in plex86
 * (real mode, CPU_P6, the instruction at 0100:0000 followed by HLT), and the
 * result registers and the flags the Intel SDM defines for that instruction
 * are compared.  Flags the SDM calls undefined are masked.
 *
 * The operations are a table: a host function per operand size, generated
 * from an asm template, and one or more plex86 encodings ("forms") of the
 * same operation: the r/m,r and r,r/m forms, the immediate forms (the host
 * runs the register form with the immediate's value in a register), the
 * short INC/DEC forms, shifts by CL, by imm8 and by 1.  Operands: EAX is the
 * destination, EBX the source (or divisor, bit offset, bit-scan source), ECX
 * holds shift counts, the third operand of IMUL r,r/m,imm and CMPXCHG's
 * source, EDX the high half of products and dividends.
 *
 * Usage: test_alu_host [cases-per-form-and-size [seed]]. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "machine/vm.h"
#include "engine/engine.h"

#if defined(__x86_64__) && defined(__GNUC__)

#define DEFAULT_CASES 5000
#define MAX_PRINT 20            /* mismatch reports per operation */
#define CODE_PA 0x1000u         /* 0100:0000 */
#define EXC_PA 0x3000u          /* 0300:vector: a HLT per vector */

/* The registers an instruction can touch here, in enum gpr order (EAX ECX
 * EDX EBX), and EFLAGS. */
struct st {
    uint32_t r[4];
    uint32_t fl;
};

typedef void (*host_fn)(struct st *s);

/* ------------------------------------------------------------------------
 * Host side.  HOST_FN(name, text) defines `static void name(struct st *)`
 * running `text` with EAX..EDX loaded from the state (operands %[a] %[b]
 * %[c] %[d], to be used with the b/w/k size modifiers) and the flags set
 * from s->fl.  The stack pointer first steps over the red zone, which a
 * push inside inline asm would otherwise overwrite. */
#define HOST_FN(name, text)                                                    \
    static void name(struct st *s)                                             \
    {                                                                          \
        uint64_t a = s->r[R_EAX], b = s->r[R_EBX], c = s->r[R_ECX];            \
        uint64_t d = s->r[R_EDX], f = s->fl;                                   \
        __asm__ volatile("lea -128(%%rsp), %%rsp\n\t"                          \
                         "push %[f]\n\t"                                       \
                         "popfq\n\t" text "\n\t"                               \
                         "pushfq\n\t"                                          \
                         "pop %[f]\n\t"                                        \
                         "lea 128(%%rsp), %%rsp"                               \
                         : [a] "+a"(a), [b] "+b"(b), [c] "+c"(c), [d] "+d"(d), \
                           [f] "+r"(f)                                         \
                         :                                                     \
                         : "cc", "memory");                                    \
        s->r[R_EAX] = (uint32_t)a;                                             \
        s->r[R_EBX] = (uint32_t)b;                                             \
        s->r[R_ECX] = (uint32_t)c;                                             \
        s->r[R_EDX] = (uint32_t)d;                                             \
        s->fl = (uint32_t)f;                                                   \
    }

/* Host functions for the sizes 8/16/32 (HOST3) or 16/32 (HOST2) from a
 * template macro below, and their table entries. */
#define HOST3(id, ...) HOST3_(id, __VA_ARGS__)
#define HOST3_(id, t8, t16, t32)                                               \
    HOST_FN(h_##id##_8, t8) HOST_FN(h_##id##_16, t16) HOST_FN(h_##id##_32, t32)
#define HOST2(id, ...) HOST2_(id, __VA_ARGS__)
#define HOST2_(id, t8, t16, t32) HOST_FN(h_##id##_16, t16) HOST_FN(h_##id##_32, t32)
#define HOSTS3(id) { h_##id##_8, h_##id##_16, h_##id##_32 }
#define HOSTS2(id) { NULL, h_##id##_16, h_##id##_32 }

/* Templates: one asm text per size. */
#define T_RR(mn) mn " %b[b], %b[a]", mn " %w[b], %w[a]", mn " %k[b], %k[a]"
#define T_R(mn) mn " %b[a]", mn " %w[a]", mn " %k[a]"
#define T_M(mn) mn " %b[b]", mn " %w[b]", mn " %k[b]"
#define T_CL(mn) mn " %b[c], %b[a]", mn " %b[c], %w[a]", mn " %b[c], %k[a]"
#define T_SHXD(mn) "", mn " %b[c], %w[b], %w[a]", mn " %b[c], %k[b], %k[a]"
#define T_CMPXCHG "cmpxchg %b[c], %b[b]", "cmpxchg %w[c], %w[b]", "cmpxchg %k[c], %k[b]"
#define T_IMUL3 "", "mov %w[c], %w[a]\n\timul %w[b], %w[a]",                   \
                "mov %k[c], %k[a]\n\timul %k[b], %k[a]"

HOST3(add, T_RR("add"))
HOST3(or, T_RR("or"))
HOST3(adc, T_RR("adc"))
HOST3(sbb, T_RR("sbb"))
HOST3(and, T_RR("and"))
HOST3(sub, T_RR("sub"))
HOST3(xor, T_RR("xor"))
HOST3(cmp, T_RR("cmp"))
HOST3(test, T_RR("test"))
HOST3(neg, T_R("neg"))
HOST3(not, T_R("not"))
HOST3(inc, T_R("inc"))
HOST3(dec, T_R("dec"))
HOST3(mul, T_M("mul"))
HOST3(imul1, T_M("imul"))
HOST3(div, T_M("div"))
HOST3(idiv, T_M("idiv"))
HOST2(imul2, T_RR("imul"))
HOST2(imul3, T_IMUL3)
HOST3(rol, T_CL("rol"))
HOST3(ror, T_CL("ror"))
HOST3(rcl, T_CL("rcl"))
HOST3(rcr, T_CL("rcr"))
HOST3(shl, T_CL("shl"))
HOST3(shr, T_CL("shr"))
HOST3(sar, T_CL("sar"))
HOST2(shld, T_SHXD("shld"))
HOST2(shrd, T_SHXD("shrd"))
HOST2(bt, T_RR("bt"))
HOST2(bts, T_RR("bts"))
HOST2(btr, T_RR("btr"))
HOST2(btc, T_RR("btc"))
HOST2(bsf, T_RR("bsf"))
HOST2(bsr, T_RR("bsr"))
HOST3(xadd, T_RR("xadd"))
HOST3(cmpxchg, T_CMPXCHG)
HOST_FN(h_bswap_32, "bswap %k[a]")

/* ------------------------------------------------------------------------
 * The operation table. */

/* Which flags are defined, and how inputs are chosen. */
enum rule {
    R_ARITH,    /* OF SF ZF AF PF CF */
    R_LOGIC,    /* OF SF ZF PF CF; AF undefined */
    R_INCDEC,   /* OF SF ZF AF PF; CF preserved */
    R_NOFLAGS,  /* flags unaffected (NOT, BSWAP) */
    R_SHIFT,    /* SHL/SHR: count in CL */
    R_SAR,      /* SAR: as R_SHIFT, CF defined for large counts too */
    R_ROT,      /* ROL/ROR/RCL/RCR: only CF and OF affected */
    R_SHXD,     /* SHLD/SHRD */
    R_MUL,      /* CF OF */
    R_DIV,      /* no flags; inputs chosen not to fault */
    R_IDIV,
    R_BT,       /* CF; ZF unaffected */
    R_BSCAN,    /* ZF */
    R_CMPXCHG,  /* as R_ARITH; EAX often equal to the destination */
};

/* An immediate that follows the opcode bytes in plex86's encoding; the host
 * runs the register form with the same value in imm_reg. */
enum imm {
    IMM_NONE,
    IMM_FULL,   /* operand-sized immediate */
    IMM_S8,     /* sign-extended imm8: the register value is made one */
    IMM_8,      /* imm8 (shift count, bit offset): the register's low byte */
    IMM_ONE,    /* implied 1 (D0/D1 shifts): the register is set to 1 */
};

struct form {
    const char *b;      /* hex opcode bytes of the 8-bit form, or NULL */
    const char *w;      /* the 16-bit form, or NULL; 32-bit = 66 + this */
    enum imm imm;
    enum gpr imm_reg;
};

#define MAX_FORMS 6

struct op {
    const char *name;
    enum rule rule;
    host_fn host[3];            /* per size 8, 16, 32; NULL = no such size */
    struct form form[MAX_FORMS];/* ends at the first with b == w == NULL */
};

#define F(b, w) { b, w, IMM_NONE, R_EAX }
#define FI(b, w, imm, reg) { b, w, imm, reg }

/* ALU op: r/m,r (o0/o1 with ModRM D8: al,bl), r,r/m (o2/o3 with C3: al,bl),
 * 80/81/83 /n with ModRM m, and the accumulator-immediate forms a0/a1. */
#define ALU(id, rule, o0, o1, o2, o3, m, a0, a1)                               \
    { #id, rule, HOSTS3(id),                                                   \
      { F(o0 "d8", o1 "d8"), F(o2 "c3", o3 "c3"),                              \
        FI("80" m, "81" m, IMM_FULL, R_EBX), FI(NULL, "83" m, IMM_S8, R_EBX),   \
        FI(a0, a1, IMM_FULL, R_EBX) } }

/* Shift/rotate group /n (ModRM m, r/m = al): by CL, by imm8, by 1. */
#define SHIFT(id, rule, m)                                                     \
    { #id, rule, HOSTS3(id),                                                   \
      { F("d2" m, "d3" m), FI("c0" m, "c1" m, IMM_8, R_ECX),                   \
        FI("d0" m, "d1" m, IMM_ONE, R_ECX) } }

/* BT family: 0F xx /r (bt ax,bx) and 0F BA /n ib. */
#define BITT(id, o, m)                                                         \
    { #id, R_BT, HOSTS2(id),                                                   \
      { F(NULL, "0f" o "d8"), FI(NULL, "0fba" m, IMM_8, R_EBX) } }

static const struct op ops[] = {
    ALU(add, R_ARITH, "00", "01", "02", "03", "c0", "04", "05"),
    ALU(or,  R_LOGIC, "08", "09", "0a", "0b", "c8", "0c", "0d"),
    ALU(adc, R_ARITH, "10", "11", "12", "13", "d0", "14", "15"),
    ALU(sbb, R_ARITH, "18", "19", "1a", "1b", "d8", "1c", "1d"),
    ALU(and, R_LOGIC, "20", "21", "22", "23", "e0", "24", "25"),
    ALU(sub, R_ARITH, "28", "29", "2a", "2b", "e8", "2c", "2d"),
    ALU(xor, R_LOGIC, "30", "31", "32", "33", "f0", "34", "35"),
    ALU(cmp, R_ARITH, "38", "39", "3a", "3b", "f8", "3c", "3d"),
    { "test", R_LOGIC, HOSTS3(test),
      { F("84d8", "85d8"), FI("f6c0", "f7c0", IMM_FULL, R_EBX),
        FI("a8", "a9", IMM_FULL, R_EBX) } },
    { "neg", R_ARITH, HOSTS3(neg), { F("f6d8", "f7d8") } },
    { "not", R_NOFLAGS, HOSTS3(not), { F("f6d0", "f7d0") } },
    { "inc", R_INCDEC, HOSTS3(inc), { F("fec0", "ffc0"), F(NULL, "40") } },
    { "dec", R_INCDEC, HOSTS3(dec), { F("fec8", "ffc8"), F(NULL, "48") } },
    { "mul", R_MUL, HOSTS3(mul), { F("f6e3", "f7e3") } },
    { "imul", R_MUL, HOSTS3(imul1), { F("f6eb", "f7eb") } },
    { "imul2", R_MUL, HOSTS2(imul2), { F(NULL, "0fafc3") } },
    { "imul3", R_MUL, HOSTS2(imul3),
      { FI(NULL, "69c3", IMM_FULL, R_ECX), FI(NULL, "6bc3", IMM_S8, R_ECX) } },
    { "div", R_DIV, HOSTS3(div), { F("f6f3", "f7f3") } },
    { "idiv", R_IDIV, HOSTS3(idiv), { F("f6fb", "f7fb") } },
    SHIFT(rol, R_ROT, "c0"),
    SHIFT(ror, R_ROT, "c8"),
    SHIFT(rcl, R_ROT, "d0"),
    SHIFT(rcr, R_ROT, "d8"),
    SHIFT(shl, R_SHIFT, "e0"),
    SHIFT(shr, R_SHIFT, "e8"),
    SHIFT(sar, R_SAR, "f8"),
    { "shld", R_SHXD, HOSTS2(shld),
      { F(NULL, "0fa5d8"), FI(NULL, "0fa4d8", IMM_8, R_ECX) } },
    { "shrd", R_SHXD, HOSTS2(shrd),
      { F(NULL, "0fadd8"), FI(NULL, "0facd8", IMM_8, R_ECX) } },
    BITT(bt, "a3", "e0"),
    BITT(bts, "ab", "e8"),
    BITT(btr, "b3", "f0"),
    BITT(btc, "bb", "f8"),
    { "bsf", R_BSCAN, HOSTS2(bsf), { F(NULL, "0fbcc3") } },
    { "bsr", R_BSCAN, HOSTS2(bsr), { F(NULL, "0fbdc3") } },
    { "xadd", R_ARITH, HOSTS3(xadd), { F("0fc0d8", "0fc1d8") } },
    { "cmpxchg", R_CMPXCHG, HOSTS3(cmpxchg), { F("0fb0cb", "0fb1cb") } },
    { "bswap", R_NOFLAGS, { NULL, NULL, h_bswap_32 }, { F(NULL, "0fc8") } },
};

/* ------------------------------------------------------------------------
 * Inputs. */

static uint64_t rng_state;

static uint64_t rnd64(void)     /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint32_t rnd32(void)
{
    return (uint32_t)rnd64();
}

static unsigned rnd_below(unsigned n)
{
    return (unsigned)(rnd64() % n);
}

static uint32_t mask_of(unsigned bits)
{
    return bits >= 32 ? 0xFFFFFFFFu : (1u << bits) - 1;
}

static int64_t sext(uint64_t v, unsigned bits)
{
    if (bits < 64) {
        uint64_t sign = 1ull << (bits - 1);
        v &= (sign << 1) - 1;
        v = (v ^ sign) - sign;      /* unsigned: wraps, no overflow */
    }
    return (int64_t)v;
}

static uint32_t set_low(uint32_t reg, uint32_t v, unsigned bits)
{
    uint32_t m = mask_of(bits);
    return (reg & ~m) | (v & m);
}

/* An interesting value for a `bits`-wide operand. */
static uint32_t edge_value(unsigned bits)
{
    uint32_t m = mask_of(bits), smin = 1u << (bits - 1);
    const uint32_t e[] = {
        0, 1, 2, smin - 1, smin, smin + 1, m, m - 1,
        0x55555555u & m, 0xAAAAAAAAu & m, 0x7F, 0x80, 0xFF & m, 0x100 & m,
        smin >> 1, (smin >> 1) - 1,
    };
    return e[rnd_below(sizeof(e) / sizeof(e[0]))];
}

/* A register value: random, its operand part an edge value 1 time in 4.
 * The bits above the operand stay random, so the 8/16-bit forms are also
 * checked for leaving them alone. */
static uint32_t operand(unsigned bits)
{
    uint32_t v = rnd32();
    if (rnd_below(4) == 0)
        v = set_low(v, edge_value(bits), bits);
    return v;
}

/* A shift count in CL: mostly 0..31, some near the operand width, some
 * above 31 (the count is masked to 5 bits). */
static uint32_t shift_count(uint32_t ecx, unsigned bits)
{
    unsigned k = rnd_below(20), cnt;
    if (k < 12)
        cnt = rnd_below(32);
    else if (k < 15)
        cnt = (bits + rnd_below(5) - 2) & 0xFF;
    else if (k < 17)
        cnt = 1;
    else
        cnt = rnd_below(256);
    return set_low(ecx, cnt, 8);
}

/* The dividend of DIV/IDIV of width `bits`: AX, DX:AX or EDX:EAX. */
static uint64_t get_dividend(const struct st *s, unsigned bits)
{
    if (bits == 8)
        return s->r[R_EAX] & 0xFFFF;
    if (bits == 16)
        return (s->r[R_EAX] & 0xFFFF) | (uint64_t)(s->r[R_EDX] & 0xFFFF) << 16;
    return s->r[R_EAX] | (uint64_t)s->r[R_EDX] << 32;
}

static void set_dividend(struct st *s, unsigned bits, uint64_t v)
{
    if (bits == 8) {
        s->r[R_EAX] = set_low(s->r[R_EAX], (uint32_t)v, 16);
    } else if (bits == 16) {
        s->r[R_EAX] = set_low(s->r[R_EAX], (uint32_t)v, 16);
        s->r[R_EDX] = set_low(s->r[R_EDX], (uint32_t)(v >> 16), 16);
    } else {
        s->r[R_EAX] = (uint32_t)v;
        s->r[R_EDX] = (uint32_t)(v >> 32);
    }
}

/* Whether DIV/IDIV with these inputs leaves a quotient that fits (no #DE:
 * the host would die of SIGFPE). */
static bool div_fits(const struct st *s, unsigned bits, bool is_signed)
{
    uint64_t n = get_dividend(s, bits);
    uint32_t dv = s->r[R_EBX] & mask_of(bits);
    if (dv == 0)
        return false;
    if (!is_signed)
        return n / dv <= mask_of(bits);
    __int128 q = (__int128)sext(n, 2 * bits) / sext(dv, bits);
    return q >= -((__int128)1 << (bits - 1)) && q < ((__int128)1 << (bits - 1));
}

/* Inputs for DIV/IDIV that do not fault: half the time a random dividend
 * (when it happens to fit), otherwise one built from a chosen quotient
 * (often an extreme one) and remainder. */
static void make_division(struct st *s, unsigned bits, bool is_signed)
{
    uint32_t m = mask_of(bits);
    if ((s->r[R_EBX] & m) == 0)
        s->r[R_EBX] = set_low(s->r[R_EBX], 1 + rnd_below(7), bits);
    if (rnd_below(2) && div_fits(s, bits, is_signed))
        return;
    uint32_t qv = operand(bits) & m;
    if (!is_signed) {
        uint64_t dv = s->r[R_EBX] & m;
        set_dividend(s, bits, qv * dv + rnd64() % dv);
    } else {
        int64_t sd = sext(s->r[R_EBX], bits), q = sext(qv, bits);
        int64_t prod = q * sd, r = (int64_t)(rnd64() % (uint64_t)llabs(sd));
        if (prod < 0 || (prod == 0 && rnd_below(2)))
            r = -r;
        set_dividend(s, bits, (uint64_t)(prod + r));
    }
}

/* Random inputs for one case of `op` at width `bits`, form `f`. */
static void make_inputs(struct st *s, const struct op *op, const struct form *f,
                        unsigned bits)
{
    for (int i = 0; i < 4; i++)
        s->r[i] = operand(bits);
    s->fl = F_1 | (rnd32() & F_ARITH);

    switch (op->rule) {
    case R_SHIFT: case R_SAR: case R_ROT: case R_SHXD:
        s->r[R_ECX] = shift_count(s->r[R_ECX], bits);
        break;
    case R_DIV: case R_IDIV:
        make_division(s, bits, op->rule == R_IDIV);
        break;
    case R_BSCAN: {
        unsigned k = rnd_below(8);
        if (k == 0)
            s->r[R_EBX] = set_low(s->r[R_EBX], 0, bits);
        else if (k <= 2)
            s->r[R_EBX] = set_low(s->r[R_EBX], 1u << rnd_below(bits), bits);
        break;
    }
    case R_CMPXCHG:
        if (rnd_below(2))
            s->r[R_EAX] = set_low(s->r[R_EAX], s->r[R_EBX], bits);
        break;
    default:
        break;
    }

    uint32_t *ir = &s->r[f->imm_reg];
    if (f->imm == IMM_S8)
        *ir = set_low(*ir, (uint32_t)(int32_t)(int8_t)(uint8_t)*ir, bits);
    else if (f->imm == IMM_ONE)
        *ir = set_low(*ir, 1, 8);

    /* SHLD/SHRD r16 with a count above 16: result undefined, so fold the
     * count into 0..16 (keeping the bits above the 5-bit mask). */
    if (op->rule == R_SHXD && bits == 16 && (s->r[R_ECX] & 31) > 16)
        s->r[R_ECX] = (s->r[R_ECX] & ~31u) | ((s->r[R_ECX] & 31) % 17);
}

/* The flags the SDM defines after `op` with these inputs. */
static uint32_t defined_flags(const struct op *op, unsigned bits, const struct st *in)
{
    unsigned cnt = in->r[R_ECX] & 31;
    uint32_t f;
    switch (op->rule) {
    case R_ARITH: case R_CMPXCHG: case R_INCDEC: case R_NOFLAGS:
        return F_ARITH;
    case R_LOGIC:
        return F_ARITH & ~F_AF;
    case R_SHIFT: case R_SAR: case R_SHXD:
        if (cnt == 0)
            return F_ARITH;             /* nothing changes */
        f = F_SF | F_ZF | F_PF;
        if (op->rule != R_SHIFT || cnt < bits)
            f |= F_CF;                  /* SHXD: count <= width here */
        if (cnt == 1)
            f |= F_OF;
        return f;
    case R_ROT:                         /* SF ZF AF PF are unaffected */
        f = F_SF | F_ZF | F_AF | F_PF | F_CF;
        if (cnt <= 1)
            f |= F_OF;
        return f;
    case R_MUL:
        return F_CF | F_OF;
    case R_DIV: case R_IDIV:
        return 0;
    case R_BT:
        return F_CF | F_ZF;
    case R_BSCAN:
        return F_ZF;
    }
    return F_ARITH;
}

/* ------------------------------------------------------------------------
 * Guest side. */

static struct vm *vm;

static size_t hex_bytes(const char *hex, uint8_t *out)
{
    size_t n = 0;
    for (const char *p = hex; p[0] && p[1]; p += 2) {
        unsigned v;
        sscanf(p, "%2x", &v);
        out[n++] = (uint8_t)v;
    }
    return n;
}

/* plex86's encoding of form `f` at operand size `size` bytes with the
 * immediate taken from `in`, followed by HLT.  Returns the length. */
static size_t encode(const struct form *f, unsigned size, const struct st *in,
                     uint8_t *code)
{
    size_t n = 0;
    if (size == 4)
        code[n++] = 0x66;
    n += hex_bytes(size == 1 ? f->b : f->w, code + n);
    uint32_t v = in->r[f->imm_reg];
    switch (f->imm) {
    case IMM_FULL:
        for (unsigned i = 0; i < size; i++)
            code[n++] = (uint8_t)(v >> (8 * i));
        break;
    case IMM_S8: case IMM_8:
        code[n++] = (uint8_t)v;
        break;
    case IMM_NONE: case IMM_ONE:
        break;
    }
    code[n++] = 0xF4;
    return n;
}

/* Values the other registers start with; they must come back unchanged. */
static const uint32_t other_regs[4] = { 0x8000, 0x5A5A1234u, 0xDEAD5678u, 0x0BADF00Du };

struct guest_result {
    struct st out;
    enum cpu_stop stop;
    uint64_t exceptions;
    uint16_t cs;
    uint32_t eip;
    bool others_ok;     /* ESP EBP ESI EDI and the non-arithmetic flags */
};

static void run_guest(const uint8_t *code, size_t len, const struct st *in,
                      struct guest_result *g)
{
    struct cpu *c = &vm->cpu;
    phys_copy_in(&vm->mem, CODE_PA, code, len);
    cpu_reset(c);
    cpu_load_seg_real(c, S_CS, CODE_PA >> 4);
    c->eip = 0;
    cpu_load_seg_real(c, S_SS, 0);
    for (int i = 0; i < 4; i++) {
        c->gpr[i] = in->r[i];
        c->gpr[R_ESP + i] = other_regs[i];
    }
    cpu_set_eflags(c, in->fl);
    g->stop = engine_run(c->vm->engine, 10);
    for (int i = 0; i < 4; i++)
        g->out.r[i] = c->gpr[i];
    g->out.fl = cpu_get_eflags(c);
    g->exceptions = c->exceptions;
    g->cs = c->seg[S_CS].sel;
    g->eip = c->eip;
    g->others_ok = (g->out.fl & ~F_ARITH) == (in->fl & ~F_ARITH);
    for (int i = 0; i < 4; i++)
        g->others_ok &= c->gpr[R_ESP + i] == other_regs[i];
}

/* ------------------------------------------------------------------------
 * Comparison and reports. */

static const char *flag_str(uint32_t fl, char buf[7])
{
    static const struct { uint32_t bit; char ch; } fs[] = {
        { F_OF, 'O' }, { F_SF, 'S' }, { F_ZF, 'Z' },
        { F_AF, 'A' }, { F_PF, 'P' }, { F_CF, 'C' },
    };
    for (int i = 0; i < 6; i++)
        buf[i] = (fl & fs[i].bit) ? fs[i].ch : (char)(fs[i].ch - 'A' + 'a');
    buf[6] = 0;
    return buf;
}

static void print_state(const char *label, const struct st *s)
{
    char fb[7];
    fprintf(stderr, "    %-7s eax=%08x ebx=%08x ecx=%08x edx=%08x flags=%s\n", label,
            s->r[R_EAX], s->r[R_EBX], s->r[R_ECX], s->r[R_EDX], flag_str(s->fl, fb));
}

static void report(const struct op *op, unsigned size, const uint8_t *code,
                   size_t len, const struct st *in, const struct st *host,
                   const struct guest_result *g, uint32_t defined)
{
    static const char *const reg_names[4] = { "eax", "ecx", "edx", "ebx" };
    char fb[7];
    fprintf(stderr, "MISMATCH %s/%u [", op->name, size * 8);
    for (size_t i = 0; i + 1 < len; i++)
        fprintf(stderr, "%s%02x", i ? " " : "", code[i]);
    fprintf(stderr, "]\n");
    print_state("in", in);
    print_state("host", host);
    print_state("plex86", &g->out);
    fprintf(stderr, "    compared flags %s (upper case = compared); differs:",
            flag_str(defined, fb));
    if (g->stop != CPU_STOP_HLT || g->exceptions || g->cs != (CODE_PA >> 4))
        fprintf(stderr, " stop=%d exceptions=%llu cs:ip=%04x:%04x", (int)g->stop,
                (unsigned long long)g->exceptions, g->cs, g->eip);
    else if (g->eip != len)
        fprintf(stderr, " eip=%x (want %zx)", g->eip, len);
    for (int i = 0; i < 4; i++)
        if (g->out.r[i] != host->r[i])
            fprintf(stderr, " %s", reg_names[i]);
    uint32_t df = (g->out.fl ^ host->fl) & defined;
    if (df)
        fprintf(stderr, " flags(%s)", flag_str(df, fb));
    if (!g->others_ok)
        fprintf(stderr, " other-registers/flags");
    fprintf(stderr, "\n");
}

static unsigned total_cases, total_bad;

/* Runs `cases` random cases of every form and size of `op`. */
static void test_op(const struct op *op, unsigned cases)
{
    unsigned printed = 0, op_cases = 0, op_bad = 0;
    for (int fi = 0; fi < MAX_FORMS && (op->form[fi].b || op->form[fi].w); fi++) {
        const struct form *f = &op->form[fi];
        for (unsigned si = 0; si < 3; si++) {
            unsigned size = 1u << si, bits = 8 * size;
            if (!op->host[si] || !(si == 0 ? f->b : f->w))
                continue;
            unsigned bad = 0;
            for (unsigned n = 0; n < cases; n++) {
                struct st in, host;
                struct guest_result g;
                uint8_t code[32];
                make_inputs(&in, op, f, bits);
                if ((op->rule == R_DIV || op->rule == R_IDIV) &&
                    !div_fits(&in, bits, op->rule == R_IDIV)) {
                    fprintf(stderr, "internal error: %s/%u would fault\n", op->name, bits);
                    abort();
                }
                size_t len = encode(f, size, &in, code);
                host = in;
                op->host[si](&host);
                run_guest(code, len, &in, &g);
                uint32_t defined = defined_flags(op, bits, &in);
                bool ok = g.stop == CPU_STOP_HLT && g.exceptions == 0 &&
                          g.cs == (CODE_PA >> 4) && g.eip == len && g.others_ok &&
                          !((g.out.fl ^ host.fl) & defined);
                for (int i = 0; i < 4; i++)
                    ok &= g.out.r[i] == host.r[i];
                if (!ok) {
                    bad++;
                    if (printed++ < MAX_PRINT)
                        report(op, size, code, len, &in, &host, &g, defined);
                }
            }
            if (bad) {
                fprintf(stderr, "%s/%u form %d: %u of %u cases differ\n", op->name,
                        bits, fi, bad, cases);
            }
            CHECK(bad == 0);
            op_cases += cases;
            op_bad += bad;
        }
    }
    printf("%-8s %7u cases, %u mismatches\n", op->name, op_cases, op_bad);
    total_cases += op_cases;
    total_bad += op_bad;
}

int main(int argc, char **argv)
{
    unsigned cases = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : DEFAULT_CASES;
    rng_state = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x9E3779B9u;

    char err[256];
    vm = vm_create(&(struct vm_config){ .ram_mb = 1, .cpu_level = CPU_P6 }, err,
                   sizeof(err));
    CHECK(vm != NULL);
    if (!vm) {
        fprintf(stderr, "vm_create: %s\n", err);
        return check_report();
    }
    /* Every exception vector leads to a HLT at 0300:vector, so a fault
     * shows up as a stop there. */
    for (uint32_t v = 0; v < 256; v++) {
        uint32_t entry = (uint32_t)(EXC_PA >> 4) << 16 | v;
        uint8_t hlt = 0xF4;
        phys_copy_in(&vm->mem, v * 4, &entry, 4);
        phys_copy_in(&vm->mem, EXC_PA + v, &hlt, 1);
    }

    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
        test_op(&ops[i], cases);
    printf("total: %u cases, %u mismatches\n", total_cases, total_bad);

    vm_destroy(vm);
    return check_report();
}

#else /* not x86-64 with GCC inline asm: nothing to compare against */

int main(void)
{
    printf("test_alu_host: needs an x86-64 host, skipped\n");
    return check_report();
}

#endif
