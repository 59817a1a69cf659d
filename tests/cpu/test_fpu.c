/* The x87 FPU: bit-exact checks from the SDM's tables, and a differential
 * test against the host's x87.
 *
 * Part 1 (tables): FXAM classes, compare results (FCOM condition codes,
 * FCOMI flags), the rounding-dependent constants, integer and BCD
 * indefinites, BCD loads and stores, stack overflow and underflow, masked
 * and unmasked responses, denormal and unsupported operands, FIP/FOP/FDP,
 * the environment images in all four layouts, #NM, #MF and FERR#.  The
 * expected values are written from the SDM (vol. 1 chapter 8, vol. 2).
 *
 * Part 2 (differential): every x87 encoding plex86 implements runs once in
 * plex86 (32-bit flat protected mode, operand at [EAX]) and once on the
 * host, generated at run time into an executable page: FRSTOR of the same
 * random state, the same instruction bytes (ModRM rm=000 is [EAX] in the
 * guest and [RAX] on the host), FNSAVE.  Control word, status word, tag
 * word, FOP, registers, the memory operand and the arithmetic flags must
 * agree, over random and edge-case values under every precision and
 * rounding control and random exception masks.
 *
 * Usage: test_fpu [states-per-encoding [seed]]. */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "check.h"
#include "host_stub.h"
#include "cpu/cpu_model.h"
#include "cpu/insn.h"
#include "machine/vm.h"
#define PLEX86_FPU_INTERNAL
#include "cpu/fpu.h"
#include "engine/engine.h"

#if defined(__x86_64__) && defined(__GNUC__)

#define CODE_PA 0x1000u
#define DATA_PA 0x2000u
#define EXC_PA 0x3000u          /* real mode: vector v -> HLT at 0300:v */
#define DEFAULT_STATES 60

static struct vm *vm;

/* ------------------------------------------------------------------------
 * Running guest code. */

static void load_code(const uint8_t *code, size_t n)
{
    phys_copy_in(&vm->mem, CODE_PA, code, n);
}

static uint8_t *data_ptr(void)
{
    return physmem_ptr(&vm->mem, DATA_PA, true);
}

/* Real mode, CS=0100 IP=0, DS=0200; an FNINIT'ed FPU. */
static struct cpu *real_cpu(enum cpu_level level)
{
    cpu_set_model(&vm->cpu, cpu_model_for_level(level));
    struct cpu *c = &vm->cpu;
    cpu_reset(c);
    cpu_load_seg_real(c, S_CS, CODE_PA >> 4);
    cpu_load_seg_real(c, S_DS, DATA_PA >> 4);
    cpu_load_seg_real(c, S_SS, 0);
    c->gpr[R_ESP] = 0x800;
    c->eip = 0;
    c->cr0 |= CR0_NE;
    c->fpu.cw = FCW_INIT;
    c->fpu.full = 0;
    return c;
}

static void flat(struct seg *s, uint16_t sel, uint16_t attr)
{
    s->sel = sel;
    s->base = 0;
    s->limit = 0xFFFFFFFFu;
    s->attr = attr;
}

/* 32-bit flat protected mode at CPL 0 (no tables: only for code that does
 * not fault), EIP at CODE_PA. */
static struct cpu *flat_cpu(void)
{
    cpu_set_model(&vm->cpu, cpu_model_for_level(CPU_P6));
    struct cpu *c = &vm->cpu;
    cpu_reset(c);
    c->cr0 |= CR0_PE | CR0_NE;
    flat(&c->seg[S_CS], 0x08, 0xC09B);
    for (int s = 0; s < S_COUNT; s++)
        if (s != S_CS)
            flat(&c->seg[s], 0x10, 0xC093);
    c->cpl = 0;
    cpu_mode_changed(c);
    c->eip = CODE_PA;
    c->gpr[R_ESP] = 0x800;
    return c;
}

/* Runs until HLT; returns the vector of the exception taken (real mode:
 * the IVT leads to HLT at 0300:vector) or -1. */
static int run(struct cpu *c)
{
    uint64_t exc = c->exceptions;
    c->halted = false;
    enum cpu_stop s = engine_run(c->vm->engine, 100);
    CHECK_EQ(s, CPU_STOP_HLT);
    if (c->exceptions == exc)
        return -1;
    return (int)(c->eip - 1);
}

/* Assembles "bytes" (hex) + HLT at CODE_PA and runs it. */
static int run_hex(struct cpu *c, const char *hex)
{
    uint8_t code[64];
    size_t n = 0;
    for (const char *p = hex; p[0] && p[1]; p += 2) {
        if (*p == ' ') {
            p--;
            continue;
        }
        unsigned v;
        sscanf(p, "%2x", &v);
        code[n++] = (uint8_t)v;
    }
    code[n++] = 0xF4;
    load_code(code, n);
    c->eip = 0;
    return run(c);
}

static struct fpreg reg80(uint16_t se, uint64_t sig)
{
    struct fpreg r;
    memset(&r, 0, sizeof(r));
    r.se = se;
    r.sig = sig;
    return r;
}

static void push80(struct cpu *c, uint16_t se, uint64_t sig)
{
    struct fpreg r = reg80(se, sig);
    fpu_push(&c->fpu, &r);
}

static const struct fpreg *st(struct cpu *c, unsigned i)
{
    return fpu_st(&c->fpu, i);
}

#define CHECK_REG(r, ...) CHECK_REG_(r, __VA_ARGS__)
#define CHECK_REG_(r, se_, sig_)                                               \
    do {                                                                       \
        CHECK_EQ((r)->se, se_);                                                \
        CHECK_EQ((r)->sig, sig_);                                              \
    } while (0)

#define ONE 0x3FFF, 0x8000000000000000ull
#define INDEF 0xFFFF, 0xC000000000000000ull

/* ------------------------------------------------------------------------
 * Part 1: tables. */

static unsigned cc_of(struct cpu *c)
{
    return fpu_get_sw(&c->fpu) & FSW_CC;
}

static void test_fxam(void)
{
    static const struct {
        uint16_t se;
        uint64_t sig;
        unsigned cc;           /* C3 C2 C0 from SDM vol. 2, FXAM */
        const char *what;
    } t[] = {
        { 0x3FFF, 0x8000000000000000ull, FSW_C2, "normal" },
        { 0x0000, 0, FSW_C3, "zero" },
        { 0x7FFF, 0x8000000000000000ull, FSW_C2 | FSW_C0, "infinity" },
        { 0x7FFF, 0xC000000000000001ull, FSW_C0, "QNaN" },
        { 0x7FFF, 0x8000000000000001ull, FSW_C0, "SNaN" },
        { 0x0000, 0x0000000000000001ull, FSW_C3 | FSW_C2, "denormal" },
        { 0x0000, 0x8000000000000000ull, FSW_C3 | FSW_C2, "pseudo-denormal" },
        { 0x3FFF, 0x4000000000000000ull, 0, "unnormal (unsupported)" },
        { 0x7FFF, 0x4000000000000000ull, 0, "pseudo-NaN (unsupported)" },
        { 0x7FFF, 0x0000000000000000ull, 0, "pseudo-infinity (unsupported)" },
    };
    for (size_t k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
        for (unsigned sign = 0; sign < 2; sign++) {
            struct cpu *c = real_cpu(CPU_P6);
            push80(c, (uint16_t)(t[k].se | (sign << 15)), t[k].sig);
            CHECK_EQ(run_hex(c, "d9e5"), -1);
            if (cc_of(c) != (t[k].cc | (sign ? FSW_C1 : 0)))
                fprintf(stderr, "FXAM %s sign %u: cc %04x\n", t[k].what, sign, cc_of(c));
            CHECK_EQ(cc_of(c), t[k].cc | (sign ? FSW_C1 : 0));
        }
    }
    struct cpu *c = real_cpu(CPU_P6);
    CHECK_EQ(run_hex(c, "d9e5"), -1);          /* empty */
    CHECK_EQ(cc_of(c) & (FSW_C3 | FSW_C2 | FSW_C0), FSW_C3 | FSW_C0);
    CHECK_EQ(fpu_get_sw(&c->fpu) & FSW_EXC, 0);
}

static void test_compares(void)
{
    /* FCOM ST(1): C3 C2 C0 = 000 >, 001 <, 100 =, 111 unordered. */
    static const struct {
        uint16_t a_se; uint64_t a; uint16_t b_se; uint64_t b;
        unsigned cc; uint32_t fl; bool ie_fcom, ie_fucom;
    } t[] = {
        { 0x4000, 1ull << 63, ONE, 0, 0, false, false },               /* 2 > 1 */
        { ONE, 0x4000, 1ull << 63, FSW_C0, F_CF, false, false },        /* 1 < 2 */
        { ONE, ONE, FSW_C3, F_ZF, false, false },
        { 0x8000, 0, 0x0000, 0, FSW_C3, F_ZF, false, false },           /* -0 = +0 */
        { 0x7FFF, 0xC000000000000000ull, ONE, FSW_C3 | FSW_C2 | FSW_C0,
          F_ZF | F_PF | F_CF, true, false },                            /* QNaN */
        { 0x7FFF, 0x8000000000000001ull, ONE, FSW_C3 | FSW_C2 | FSW_C0,
          F_ZF | F_PF | F_CF, true, true },                             /* SNaN */
    };
    for (size_t k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
        for (unsigned form = 0; form < 4; form++) {
            static const char *code[4] = { "d8d1", "ddE1", "dbf1", "dbe9" };
            struct cpu *c = real_cpu(CPU_P6);
            c->fpu.cw = FCW_INIT;
            push80(c, t[k].b_se, t[k].b);
            push80(c, t[k].a_se, t[k].a);
            c->eflags |= F_OF | F_SF | F_AF;
            CHECK_EQ(run_hex(c, code[form]), -1);
            bool ie = form == 1 || form == 3 ? t[k].ie_fucom : t[k].ie_fcom;
            CHECK_EQ(fpu_get_sw(&c->fpu) & FSW_IE, ie ? FSW_IE : 0);
            if (form < 2) {
                CHECK_EQ(cc_of(c), t[k].cc);
            } else {
                CHECK_EQ(c->eflags & F_ARITH, t[k].fl);
                CHECK_EQ(cc_of(c) & FSW_C1, 0);
            }
        }
    }
    /* FCOMPP pops twice; FTST compares with 0.0; FICOM m16. */
    struct cpu *c = real_cpu(CPU_P6);
    push80(c, ONE);
    push80(c, ONE);
    CHECK_EQ(run_hex(c, "ded9"), -1);
    CHECK_EQ(cc_of(c), FSW_C3);
    CHECK_EQ(c->fpu.full, 0);
    c = real_cpu(CPU_P6);
    push80(c, 0x8000 | 0x3FFF, 1ull << 63);
    CHECK_EQ(run_hex(c, "d9e4"), -1);
    CHECK_EQ(cc_of(c), FSW_C0);
    c = real_cpu(CPU_P6);
    push80(c, 0x4001, 0xA000000000000000ull); /* 5 */
    uint16_t five = 5;
    memcpy(data_ptr(), &five, 2);
    CHECK_EQ(run_hex(c, "de1e0000"), -1);        /* ficom word [0] */
    CHECK_EQ(cc_of(c), FSW_C3);
    /* FCOMI on a 486: #UD. */
    c = real_cpu(CPU_486);
    CHECK_EQ(run_hex(c, "dbf1"), EXC_UD);
    c = real_cpu(CPU_486);
    CHECK_EQ(run_hex(c, "dac1"), EXC_UD);        /* FCMOVB */
}

/* SDM vol. 1, 8.3.8: pi = 4000 C90FDAA2 2168C234 C4C6..., so round to
 * nearest and up give ...C235, down and chop ...C234; log2(e) = 3FFF
 * B8AA3B29 5C17F0BB BE87...: nearest/up F0BC, down/chop F0BB; ln 2 =
 * 3FFE B17217F7 D1CF79AB C9E3...: nearest/up 79AC, down/chop 79AB.  1.0,
 * 0.0 and log2(10) = 4000 D49A784B CD1B8AFE 492B... (nearest/down/chop
 * 8AFE, up 8AFF) are exact or round so. */
static void test_constants(void)
{
    static const struct {
        const char *code;
        uint16_t se;
        uint64_t v[4];         /* RC = nearest, down, up, chop */
    } t[] = {
        { "d9eb", 0x4000, { 0xC90FDAA22168C235ull, 0xC90FDAA22168C234ull,
                            0xC90FDAA22168C235ull, 0xC90FDAA22168C234ull } },
        { "d9ea", 0x3FFF, { 0xB8AA3B295C17F0BCull, 0xB8AA3B295C17F0BBull,
                            0xB8AA3B295C17F0BCull, 0xB8AA3B295C17F0BBull } },
        { "d9ed", 0x3FFE, { 0xB17217F7D1CF79ACull, 0xB17217F7D1CF79ABull,
                            0xB17217F7D1CF79ACull, 0xB17217F7D1CF79ABull } },
        { "d9e9", 0x4000, { 0xD49A784BCD1B8AFEull, 0xD49A784BCD1B8AFEull,
                            0xD49A784BCD1B8AFFull, 0xD49A784BCD1B8AFEull } },
        { "d9e8", 0x3FFF, { 1ull << 63, 1ull << 63, 1ull << 63, 1ull << 63 } },
        { "d9ee", 0x0000, { 0, 0, 0, 0 } },
    };
    for (size_t k = 0; k < sizeof(t) / sizeof(t[0]); k++)
        for (unsigned rc = 0; rc < 4; rc++) {
            struct cpu *c = real_cpu(CPU_P6);
            c->fpu.cw = (uint16_t)(FCW_INIT | rc << 10);
            CHECK_EQ(run_hex(c, t[k].code), -1);
            CHECK_REG(st(c, 0), t[k].se, t[k].v[rc]);
            CHECK_EQ(c->fpu.full, 0x80);
        }
}

/* Integer and BCD stores, the indefinites (SDM vol. 1, 4.8.3.7). */
static void test_integers_bcd(void)
{
    struct cpu *c;
    uint8_t *d = data_ptr();
    /* FIST of a NaN, masked: the integer indefinite; stack unchanged. */
    static const struct { const char *code; unsigned len; uint64_t want; } ind[] = {
        { "df160000", 2, 0x8000 },                  /* fist word [0] */
        { "db160000", 4, 0x80000000 },              /* fist dword [0] */
        { "df3e0000", 8, 0x8000000000000000ull },   /* fistp qword [0] */
    };
    for (size_t k = 0; k < 3; k++) {
        c = real_cpu(CPU_P6);
        push80(c, INDEF);
        memset(d, 0x55, 16);
        CHECK_EQ(run_hex(c, ind[k].code), -1);
        uint64_t got = 0;
        memcpy(&got, d, ind[k].len);
        CHECK_EQ(got, ind[k].want);
        CHECK_EQ(fpu_get_sw(&c->fpu) & FSW_EXC, FSW_IE);
    }
    /* Out of range: also the indefinite.  FIST m16 of 40000.0. */
    c = real_cpu(CPU_P6);
    push80(c, 0x400E, 0x9C40000000000000ull);
    CHECK_EQ(run_hex(c, "df160000"), -1);
    CHECK_EQ(d[0] | d[1] << 8, 0x8000);
    /* Rounding control applies: 2.5 -> 2 (nearest), 2 (down), 3 (up), 2 (chop). */
    static const uint16_t want25[4] = { 2, 2, 3, 2 };
    for (unsigned rc = 0; rc < 4; rc++) {
        c = real_cpu(CPU_P6);
        c->fpu.cw = (uint16_t)(FCW_INIT | rc << 10);
        push80(c, 0x4000, 0xA000000000000000ull);
        CHECK_EQ(run_hex(c, "df160000"), -1);
        CHECK_EQ(d[0] | d[1] << 8, want25[rc]);
        CHECK_EQ(fpu_get_sw(&c->fpu) & FSW_PE, FSW_PE);
    }
    /* FBLD / FBSTP: -123456789012345678. */
    static const uint8_t bcd[10] = { 0x78, 0x56, 0x34, 0x12, 0x90, 0x78, 0x56, 0x34, 0x12, 0x80 };
    c = real_cpu(CPU_P6);
    memcpy(d, bcd, 10);
    CHECK_EQ(run_hex(c, "df260000 df360a00"), -1);  /* fbld [0]; fbstp [10] */
    CHECK(!memcmp(d + 10, bcd, 10));
    CHECK_EQ(c->fpu.full, 0);
    /* FILD m64 of it: the same value as FBLD gave. */
    int64_t n = -123456789012345678ll;
    c = real_cpu(CPU_P6);
    memcpy(d, &n, 8);
    memcpy(d + 8, bcd, 10);
    CHECK_EQ(run_hex(c, "df2e0000 df260800 ded9"), -1); /* fild; fbld; fcompp */
    CHECK_EQ(cc_of(c), FSW_C3);
    /* FBSTP of a NaN: the BCD indefinite FFFF C000 0000 0000 0000. */
    static const uint8_t bcd_ind[10] = { 0, 0, 0, 0, 0, 0, 0, 0xC0, 0xFF, 0xFF };
    c = real_cpu(CPU_P6);
    push80(c, INDEF);
    CHECK_EQ(run_hex(c, "df360000"), -1);
    CHECK(!memcmp(d, bcd_ind, 10));
    /* 1e18 does not fit 18 digits: invalid. */
    c = real_cpu(CPU_P6);
    n = 1000000000000000000ll;
    memcpy(d + 16, &n, 8);
    CHECK_EQ(run_hex(c, "df2e1000 df360000"), -1);
    CHECK(!memcmp(d, bcd_ind, 10));
    CHECK_EQ(fpu_get_sw(&c->fpu) & FSW_IE, FSW_IE);
}

/* Stack faults, masked and unmasked responses (SDM vol. 1, 8.5.1.1). */
static void test_stack_and_exceptions(void)
{
    struct cpu *c;
    /* Nine FLD1: the ninth overflows: IE SF C1, ST0 = indefinite. */
    c = real_cpu(CPU_P6);
    CHECK_EQ(run_hex(c, "d9e8d9e8d9e8d9e8d9e8d9e8d9e8d9e8d9e8"), -1);
    CHECK_EQ(fpu_get_sw(&c->fpu) & (FSW_EXC | FSW_SF | FSW_C1 | FSW_ES),
             FSW_IE | FSW_SF | FSW_C1);
    CHECK_REG(st(c, 0), INDEF);
    CHECK_EQ(c->fpu.full, 0xFF);
    /* Unmasked: no change, ES and B set, and the next FLD1 raises #MF. */
    c = real_cpu(CPU_P6);
    c->fpu.cw = FCW_INIT & ~FSW_IE;
    CHECK_EQ(run_hex(c, "d9e8d9e8d9e8d9e8d9e8d9e8d9e8d9e8d9e8"), -1);
    CHECK_EQ(fpu_get_sw(&c->fpu) & (FSW_ES | FSW_B | FSW_SF | FSW_C1), FSW_ES | FSW_B | FSW_SF | FSW_C1);
    CHECK_REG(st(c, 0), ONE);
    CHECK_EQ(c->fpu.top, 0);
    c->eip = 0;
    CHECK_EQ(run_hex(c, "d9e8"), EXC_MF);
    /* Underflow: FADD with ST1 empty: IE SF, C1 = 0, ST0 = indefinite. */
    c = real_cpu(CPU_P6);
    push80(c, ONE);
    CHECK_EQ(run_hex(c, "d8c1"), -1);
    CHECK_EQ(fpu_get_sw(&c->fpu) & (FSW_EXC | FSW_SF | FSW_C1), FSW_IE | FSW_SF);
    CHECK_REG(st(c, 0), INDEF);
    /* Zero divide, masked: infinity with the xor of the signs. */
    c = real_cpu(CPU_P6);
    push80(c, 0, 0);
    push80(c, 0x8000 | 0x3FFF, 1ull << 63);
    CHECK_EQ(run_hex(c, "d8f1"), -1);       /* fdiv st0, st1: -1 / +0 */
    CHECK_REG(st(c, 0), 0xFFFF, 1ull << 63);
    CHECK_EQ(fpu_get_sw(&c->fpu) & FSW_EXC, FSW_ZE);
    /* Unmasked: ST0 unchanged, no pop, ES. */
    c = real_cpu(CPU_P6);
    c->fpu.cw = FCW_INIT & ~FSW_ZE;
    push80(c, 0, 0);
    push80(c, ONE);
    CHECK_EQ(run_hex(c, "def9"), -1);       /* fdivp st1, st0: 0 / 1 is fine */
    CHECK_REG(st(c, 0), 0, 0);
    CHECK_EQ(c->fpu.top, 7);
    push80(c, ONE);
    CHECK_EQ(run_hex(c, "def1"), -1);       /* fdivrp: 1 / 0: unmasked ZE */
    CHECK_REG(st(c, 0), ONE);
    CHECK_REG(st(c, 1), 0, 0);
    CHECK_EQ(c->fpu.top, 6);
    CHECK_EQ(fpu_get_sw(&c->fpu) & (FSW_ZE | FSW_ES | FSW_B), FSW_ZE | FSW_ES | FSW_B);
    /* Unmasked overflow to a register: the exponent wrapped by 24576. */
    c = real_cpu(CPU_P6);
    c->fpu.cw = FCW_INIT & ~FSW_OE;
    push80(c, 0x7FFE, 1ull << 63);
    push80(c, 0x7FFE, 1ull << 63);
    CHECK_EQ(run_hex(c, "d8c9"), -1);       /* fmul st0, st1 */
    CHECK_REG(st(c, 0), 0x7FFE + 0x7FFE - 0x3FFF - 24576, 1ull << 63);
    CHECK_EQ(fpu_get_sw(&c->fpu) & (FSW_OE | FSW_ES), FSW_OE | FSW_ES);
    /* Denormal operand: FLD m32 of the smallest single denormal: DE. */
    c = real_cpu(CPU_P6);
    uint32_t den = 1;
    memcpy(data_ptr(), &den, 4);
    CHECK_EQ(run_hex(c, "d9060000"), -1);
    CHECK_EQ(fpu_get_sw(&c->fpu) & FSW_EXC, FSW_DE);
    CHECK_REG(st(c, 0), 0x3FFF - 149, 1ull << 63);
    /* Unsupported operand: FADD with an unnormal: IE, the indefinite. */
    c = real_cpu(CPU_P6);
    push80(c, 0x3FFF, 0x4000000000000000ull);
    push80(c, ONE);
    CHECK_EQ(run_hex(c, "d8c1"), -1);
    CHECK_EQ(fpu_get_sw(&c->fpu) & FSW_EXC, FSW_IE);
    CHECK_REG(st(c, 0), INDEF);
    /* SNaN operand: IE, the quieted NaN. */
    c = real_cpu(CPU_P6);
    push80(c, ONE);
    push80(c, 0x7FFF, 0x8000000000001234ull);
    CHECK_EQ(run_hex(c, "d8c1"), -1);
    CHECK_EQ(fpu_get_sw(&c->fpu) & FSW_EXC, FSW_IE);
    CHECK_REG(st(c, 0), 0x7FFF, 0xC000000000001234ull);
    /* Precision control: 1/3 in single precision. */
    c = real_cpu(CPU_P6);
    c->fpu.cw = FCW_INIT & ~FCW_PC;
    push80(c, 0x4000, 0xC000000000000000ull);
    push80(c, ONE);
    CHECK_EQ(run_hex(c, "d8f1"), -1);
    CHECK_REG(st(c, 0), 0x3FFD, 0xAAAAAB0000000000ull);
    /* FSIN out of range (|x| >= 2^63): C2 = 1, ST0 unchanged. */
    c = real_cpu(CPU_P6);
    push80(c, 0x3FFF + 64, 1ull << 63);
    CHECK_EQ(run_hex(c, "d9fe"), -1);
    CHECK_EQ(cc_of(c) & FSW_C2, FSW_C2);
    CHECK_REG(st(c, 0), 0x3FFF + 64, 1ull << 63);
    /* FPTAN in range pushes 1.0. */
    c = real_cpu(CPU_P6);
    push80(c, 0, 0);
    CHECK_EQ(run_hex(c, "d9f2"), -1);
    CHECK_REG(st(c, 0), ONE);
    CHECK_REG(st(c, 1), 0, 0);
    CHECK_EQ(c->fpu.full, 0xC0);
}

/* The fast forms leave the host's sticky flags up (fpu_fast.c); a guest
 * FNCLEX then an exact operation on the generic path, or a load, must not
 * see them. */
static void test_stale_host_flags(void)
{
    struct cpu *c = real_cpu(CPU_P6);
    double three = 3.0, four = 4.0;
    uint64_t denormal = 1;
    memcpy(data_ptr(), &three, 8);
    memcpy(data_ptr() + 8, &four, 8);
    memcpy(data_ptr() + 16, &denormal, 8);
    /* fld1; fdiv qword [0] (inexact); fnclex; fld qword [8]; fsqrt */
    CHECK_EQ(run_hex(c, "d9e8 dc360000 dbe2 dd060800 d9fa"), -1);
    CHECK_EQ(c->fpu.sw & FSW_EXC, 0);
    /* fdiv again (PE), fnclex, fld qword [16] (a denormal: DE only) */
    CHECK_EQ(run_hex(c, "dc360000 dbe2 dd061000"), -1);
    CHECK_EQ(c->fpu.sw & FSW_EXC, FSW_DE);
}

/* FIP, FCS, FOP, FDP, FDS (SDM vol. 1, 8.1.8-8.1.9); control instructions
 * leave them. */
static void test_pointers(void)
{
    struct cpu *c = real_cpu(CPU_P6);
    CHECK_EQ(run_hex(c, "90 dd060400 d9e8 9bd93e0800"), -1); /* nop; fld qword [4]; fld1; fstcw */
    CHECK_EQ(c->fpu.fip, 5);
    CHECK_EQ(c->fpu.fcs, CODE_PA >> 4);
    CHECK_EQ(c->fpu.fop, 0x1E8);
    CHECK_EQ(c->fpu.fdp, 4);
    CHECK_EQ(c->fpu.fds, DATA_PA >> 4);
    CHECK_EQ(data_ptr()[8] | data_ptr()[9] << 8, FCW_INIT);
}

/* The environment images: known state, exact bytes. */
static void test_env_layouts(void)
{
    uint8_t *d = data_ptr();
    struct cpu *c;
    /* Real mode, 16-bit: FIP 0x1000+ip as 20 bits, FOP. */
    c = real_cpu(CPU_P6);
    memset(d, 0xAA, 128);
    CHECK_EQ(run_hex(c, "d9e8 dd060400 d9ee d9360020"), -1); /* fld1; fld [4]; fldz; fnstenv [0x2000] */
    const uint8_t *e = physmem_ptr(&vm->mem, DATA_PA + 0x2000, false);
    uint16_t sw = (uint16_t)((5u << 11));
    CHECK_EQ(e[0] | e[1] << 8, FCW_INIT);
    CHECK_EQ(e[2] | e[3] << 8, sw);
    CHECK_EQ((e[4] | e[5] << 8) & 0x03FF, 0x03FF);              /* R0-R4 empty */
    CHECK_EQ(((e[4] | e[5] << 8) >> 10) & 3, 1);                 /* R5 zero */
    CHECK_EQ(((e[4] | e[5] << 8) >> 14) & 3, 0);                 /* R7 1.0 valid */
    uint32_t fip = CODE_PA + 6;                                  /* fldz */
    CHECK_EQ(e[6] | e[7] << 8, fip & 0xFFFF);
    CHECK_EQ(e[8] | e[9] << 8, ((fip >> 4) & 0xF000) | 0x1EE);
    uint32_t fdp = DATA_PA + 4;                                  /* from the fld */
    CHECK_EQ(e[10] | e[11] << 8, fdp & 0xFFFF);
    CHECK_EQ(e[12] | e[13] << 8, (fdp >> 4) & 0xF000);
    /* FNSTENV masked everything. */
    CHECK_EQ(c->fpu.cw, FCW_INIT | FCW_MASKS);

    /* Real mode, 32-bit (66): 28 bytes, FIP bits 16-31 at bits 12-27. */
    c = real_cpu(CPU_P6);
    CHECK_EQ(run_hex(c, "d9e8 66d9360020"), -1);
    uint32_t w0, w16, w12;
    memcpy(&w0, e, 4);
    CHECK_EQ(w0, 0xFFFF0000u | FCW_INIT);
    memcpy(&w12, e + 12, 4);
    memcpy(&w16, e + 16, 4);
    CHECK_EQ(w12, 0xFFFF0000u | ((CODE_PA + 0) & 0xFFFF));
    CHECK_EQ(w16, (((CODE_PA + 0) & 0xFFFF0000u) >> 4) | 0x1E8);

    /* Round trip: FNSAVE (which reinitializes) then FRSTOR, 16 and 32 bit. */
    for (int o32 = 0; o32 < 2; o32++) {
        c = real_cpu(CPU_P6);
        c->fpu.cw = 0x0B7F & ~FSW_PE;
        CHECK_EQ(run_hex(c, o32 ? "d9ebd9e8d9ec d9f7 66dd360020" : "d9ebd9e8d9ec d9f7 dd360020"),
                 -1);
        CHECK_EQ(c->fpu.cw, FCW_INIT);
        CHECK_EQ(c->fpu.full, 0);
        c->eip = 0;
        CHECK_EQ(run_hex(c, o32 ? "66dd260020 66d9360030" : "dd260020 d9360030"), -1);
        CHECK_EQ(c->fpu.cw, (0x0B7F & ~FSW_PE) | FCW_MASKS);   /* FNSTENV masked */
        CHECK_EQ(c->fpu.top, 6);
        CHECK_EQ(c->fpu.full, 0xE0);
        CHECK_REG(st(c, 0), 0x3FFF, 1ull << 63);               /* fincstp: ST0 is R6 */
        CHECK_REG(st(c, 7), 0x3FFD, 0x9A209A84FBCFF799ull);    /* lg2 */
        CHECK_REG(st(c, 1), 0x4000, 0xC90FDAA22168C235ull);
        const uint8_t *s = physmem_ptr(&vm->mem, DATA_PA + 0x2000, false);
        const uint8_t *t = physmem_ptr(&vm->mem, DATA_PA + 0x3000, false);
        CHECK(!memcmp(s + 2 * (1 + o32), t + 2 * (1 + o32), 2)); /* status word */
    }
}

/* #NM (SDM vol. 3A, 2.5, table 2-2), #MF and FERR#. */
static int ferr_calls, ferr_level;
static void ferr_cb(void *opaque, bool level)
{
    (void)opaque;
    ferr_calls++;
    ferr_level = level;
}

static void test_nm_mf(void)
{
    struct cpu *c;
    /* EM: every ESC faults; WAIT does not. */
    c = real_cpu(CPU_P6);
    c->cr0 |= CR0_EM;
    CHECK_EQ(run_hex(c, "9b"), -1);
    c->eip = 0;
    CHECK_EQ(run_hex(c, "d9e8"), EXC_NM);
    CHECK_EQ(c->fpu.full, 0);
    /* TS: ESC faults; WAIT only with MP. */
    c = real_cpu(CPU_P6);
    c->cr0 |= CR0_TS;
    CHECK_EQ(run_hex(c, "9b"), -1);
    c->eip = 0;
    CHECK_EQ(run_hex(c, "dbe3"), EXC_NM);       /* even FNINIT */
    c = real_cpu(CPU_P6);
    c->cr0 |= CR0_TS | CR0_MP;
    CHECK_EQ(run_hex(c, "9b"), EXC_NM);
    /* After CLTS the instruction runs. */
    c = real_cpu(CPU_P6);
    c->cr0 |= CR0_TS | CR0_MP;
    CHECK_EQ(run_hex(c, "0f06 d9e8"), -1);
    CHECK_EQ(c->fpu.full, 0x80);
    /* No FPU (386): ESC with EM/TS clear does nothing; with TS it faults. */
    c = real_cpu(CPU_386);
    CHECK_EQ(run_hex(c, "d9e8 dbe3"), -1);
    c = real_cpu(CPU_386);
    c->cr0 |= CR0_TS;
    CHECK_EQ(run_hex(c, "d9e8"), EXC_NM);
    /* CPUID leaf 1: EDX.FPU on a CPU with one. */
    c = real_cpu(CPU_486);
    c->gpr[R_EAX] = 1;
    CHECK_EQ(run_hex(c, "0fa2"), -1);
    CHECK_EQ(c->gpr[R_EDX] & 1, 1);

    /* #MF: an unmasked zero divide is reported by the next waiting
     * instruction, FIP pointing at the divide. */
    c = real_cpu(CPU_P6);
    c->fpu.cw = FCW_INIT & ~FSW_ZE;
    CHECK_EQ(run_hex(c, "d9e8 d9ee def9 d9e8"), EXC_MF);
    CHECK_EQ(c->fpu.fip, 4);
    CHECK_EQ(c->fpu.fop, 0x6F9);
    /* Non-waiting instructions do not report it; WAIT does. */
    c = real_cpu(CPU_P6);
    c->fpu.cw = FCW_INIT & ~FSW_ZE;
    CHECK_EQ(run_hex(c, "d9e8 d9ee def9 dfe0 9b"), EXC_MF);
    CHECK_EQ(c->gpr[R_EAX] & (FSW_ZE | FSW_ES | FSW_B), FSW_ZE | FSW_ES | FSW_B);
    /* FNCLEX clears it. */
    c = real_cpu(CPU_P6);
    c->fpu.cw = FCW_INIT & ~FSW_ZE;
    CHECK_EQ(run_hex(c, "d9e8 d9ee def9 dbe2 9b d9e8"), -1);
    /* FLDCW unmasking a raised flag makes it pending. */
    c = real_cpu(CPU_P6);
    uint16_t cw = FCW_INIT & ~FSW_ZE;
    memcpy(data_ptr(), &cw, 2);
    CHECK_EQ(run_hex(c, "d9e8 d9ee def9 d92e0000 9b"), EXC_MF);
    /* CR0.NE=0: FERR# instead, and the instruction proceeds. */
    c = real_cpu(CPU_P6);
    c->cr0 &= ~CR0_NE;
    c->pins.ferr = ferr_cb;
    ferr_calls = 0;
    c->fpu.cw = FCW_INIT & ~FSW_ZE;
    CHECK_EQ(run_hex(c, "d9e8 d9ee def9 d9e8"), -1);
    CHECK_EQ(ferr_calls, 1);
    CHECK_EQ(ferr_level, 1);
    CHECK_EQ(c->fpu.top, 5);                    /* no pop, then the FLD1 */
    c->eip = 0;
    CHECK_EQ(run_hex(c, "dbe2"), -1);
    CHECK_EQ(ferr_calls, 2);
    CHECK_EQ(ferr_level, 0);
    c->pins.ferr = NULL;
}

/* ------------------------------------------------------------------------
 * Part 2: differential against the host. */

static uint64_t rng_state;

static uint64_t rnd64(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static unsigned rnd_below(unsigned n)
{
    return (unsigned)(rnd64() % n);
}

/* An 80-bit value: edge cases of every class, and normals. */
/* Double mode (test_differential_double): registers and memory operands
 * are mostly doubles and the control word is 027FH (double precision,
 * round to nearest, all masked), the setting fpu_dbl.h computes for. */
static bool dbl_mode;

static double rnd_double(void)
{
    switch (rnd_below(4)) {
    case 0: /* small integers and halves: exact sums, ties, zero results */
        return (double)((int)rnd_below(64) - 32) / (double)(1u << rnd_below(3));
    default: { /* moderate size, or around fpu_dbl.h's limits 2^-450, 2^450 */
        uint64_t v = rnd64();
        unsigned e = rnd_below(3) ? 1023 - 60 + rnd_below(120)
                                  : (rnd_below(2) ? 1023 + 440 : 1023 - 460) + rnd_below(20);
        v = (v & 0x800FFFFFFFFFFFFFull) | (uint64_t)e << 52;
        double d;
        memcpy(&d, &v, 8);
        return d;
    }
    }
}

static void rnd80(uint8_t out[10])
{
    if (dbl_mode && rnd_below(8) != 0) {
        long double x = rnd_double();
        memcpy(out, &x, 10);
        return;
    }
    uint64_t sig = rnd64();
    unsigned sign = rnd_below(2) << 15, e;
    switch (rnd_below(20)) {
    case 0: sig = 0; e = 0; break;                                   /* zero */
    case 1: sig = 1ull << 63; e = 0x7FFF; break;                     /* infinity */
    case 2: sig |= 3ull << 62; e = 0x7FFF; break;                    /* QNaN */
    case 3: sig = (sig | 1ull << 63) & ~(1ull << 62); sig |= 1; e = 0x7FFF; break; /* SNaN */
    case 4: sig = 3ull << 62; e = 0x7FFF; sign = 0x8000; break;      /* indefinite */
    case 5: sig &= ~(1ull << 63); e = 0; break;                      /* denormal */
    case 6: sig |= 1ull << 63; e = 0; break;                         /* pseudo-denormal */
    case 7: sig &= ~(1ull << 63); e = 1 + rnd_below(0x7FFE); break;  /* unnormal */
    case 8: sig &= ~(1ull << 63); e = 0x7FFF; break;                 /* pseudo-NaN/inf */
    case 9: case 10: {                                               /* small integers, halves */
        unsigned v = 1 + rnd_below(2000);
        int lz = __builtin_clzll(v);
        sig = (uint64_t)v << lz;
        e = 0x3FFF + 63 - lz - rnd_below(2);
        break;
    }
    case 11: sig |= 1ull << 63; e = 0x7FFE - rnd_below(3); break;    /* huge */
    case 12: sig |= 1ull << 63; e = 1 + rnd_below(3); break;         /* tiny */
    case 13: sig |= 1ull << 63; e = 0x3FFF + 60 + rnd_below(8); break; /* near 2^63 */
    case 14: /* exactly representable in double or single */
        sig = (sig | 1ull << 63) & (rnd_below(2) ? ~0ull << 40 : ~0ull << 11);
        e = 0x3FFF - 130 + rnd_below(260);
        break;
    default: sig |= 1ull << 63; e = 0x3FFF - 70 + rnd_below(140); break;
    }
    memcpy(out, &sig, 8);
    uint16_t se = (uint16_t)(sign | e);
    memcpy(out + 8, &se, 2);
}

/* Memory operand bytes, mixing the formats any operand size can be. */
static void rnd_mem(uint8_t *m, unsigned len)
{
    for (unsigned k = 0; k < len; k++)
        m[k] = (uint8_t)rnd64();
    if (dbl_mode && rnd_below(4) != 0) {
        double d = rnd_double();
        float f = (float)d;
        int32_t n = (int32_t)rnd_below(2001) - 1000;
        switch (rnd_below(3)) {
        case 0: memcpy(m, &d, 8); break;
        case 1: memcpy(m, &f, 4); break;
        default: memcpy(m, &n, 4); break;
        }
        return;
    }
    switch (rnd_below(8)) {
    case 0: { /* single: special exponents */
        uint32_t v = (uint32_t)rnd64();
        static const uint32_t ex[] = { 0, 0xFF, 1, 0xFE, 0x7F };
        v = (v & 0x807FFFFFu) | ex[rnd_below(5)] << 23;
        if (rnd_below(3) == 0)
            v &= 0xFF800000u;
        memcpy(m, &v, 4);
        break;
    }
    case 1: { /* double */
        uint64_t v = rnd64();
        static const uint64_t ex[] = { 0, 0x7FF, 1, 0x7FE, 0x3FF };
        v = (v & 0x800FFFFFFFFFFFFFull) | ex[rnd_below(5)] << 52;
        if (rnd_below(3) == 0)
            v &= 0xFFF0000000000000ull;
        memcpy(m, &v, 8);
        break;
    }
    case 2: { /* small integers of every width */
        int64_t v = (int64_t)rnd_below(2001) - 1000;
        memcpy(m, &v, 8);
        break;
    }
    case 3: { /* normal single / double near 1 */
        float f = (float)(int)(rnd64() % 100000) / 997.0f;
        memcpy(m, &f, 4);
        break;
    }
    case 4: {
        double dv = (double)(int64_t)(rnd64() % 2000000) / 7.0;
        memcpy(m, &dv, 8);
        break;
    }
    case 5: /* BCD digits */
        for (unsigned k = 0; k < 9; k++)
            m[k] = (uint8_t)(rnd_below(10) | rnd_below(10) << 4);
        m[9] = rnd_below(2) ? 0x80 : 0;
        break;
    case 6:
        rnd80(m);
        break;
    default:
        break;
    }
}

/* A random FNSAVE image (32-bit protected layout) with no exception
 * pending (the host would deliver it at once). */
static void rnd_state(uint8_t img[108], bool env_only)
{
    memset(img, 0, 108);
    unsigned pc = rnd_below(4), rc = rnd_below(4);
    unsigned masks = rnd_below(3) ? 0x3F : (unsigned)rnd_below(64);
    uint16_t cw = (uint16_t)(0x40 | masks | pc << 8 | rc << 10 | (rnd_below(4) == 0) << 12);
    if (dbl_mode && rnd_below(8) != 0)
        cw = 0x027F;
    uint16_t sw = (uint16_t)((rnd64() & (FSW_CC | FSW_EXC)) & ~((~cw & 0x3F)));
    if (sw & FSW_IE)
        sw |= rnd64() & FSW_SF;
    sw |= (uint16_t)(rnd_below(8) << 11);
    uint16_t tw = 0;
    for (unsigned r = 0; r < 8; r++)
        if (rnd_below(4) == 0)
            tw |= (uint16_t)(3u << (2 * r));
    memcpy(img, &cw, 2);
    memcpy(img + 4, &sw, 2);
    memcpy(img + 8, &tw, 2);
    if (!env_only)
        for (unsigned k = 0; k < 8; k++)
            rnd80(img + 28 + 10 * k);
}

struct host_run {
    uint8_t img[120];   /* FNSAVE image, EFLAGS at 112 */
    uint8_t mem[128];
};

static uint8_t *jit;

/* frstor (%rdi); pushq 112(%rdi); popfq; mov %rsi,%rax; INSN; pushfq;
 * popq 112(%rdi); fnsave (%rdi); ret */
static void host_exec(const uint8_t *insn, size_t n, struct host_run *h)
{
    static const uint8_t pre[] = { 0xDD, 0x27, 0xFF, 0x77, 0x70, 0x9D, 0x48, 0x89, 0xF0 };
    static const uint8_t post[] = { 0x9C, 0x8F, 0x47, 0x70, 0xDD, 0x37, 0xC3 };
    void (*fn)(uint8_t *, uint8_t *) = (void (*)(uint8_t *, uint8_t *))host_stub_build(
        jit, pre, sizeof(pre), insn, n, post, sizeof(post));
    fn(h->img, h->mem);
}

static void guest_exec(const uint8_t *insn, size_t n, struct host_run *g)
{
    struct cpu *c = flat_cpu();
    struct fpu *f = &c->fpu;
    uint16_t sw, tw;
    memcpy(&f->cw, g->img, 2);
    memcpy(&sw, g->img + 4, 2);
    memcpy(&tw, g->img + 8, 2);
    f->top = (sw >> 11) & 7;
    f->sw = sw & ~FSW_TOP;
    f->full = 0;
    for (unsigned r = 0; r < 8; r++)
        if (((tw >> (2 * r)) & 3) != 3)
            f->full |= (uint8_t)(1u << r);
    for (unsigned k = 0; k < 8; k++) {
        struct fpreg *r = fpu_st(f, k);
        memset(r, 0, sizeof(*r));
        memcpy(&r->sig, g->img + 28 + 10 * k, 8);
        memcpy(&r->se, g->img + 36 + 10 * k, 2);
    }
    uint32_t fl;
    memcpy(&fl, g->img + 112, 4);
    cpu_set_eflags(c, fl);
    phys_copy_in(&vm->mem, DATA_PA, g->mem, sizeof(g->mem));
    uint8_t code[20];
    memcpy(code, insn, n);
    code[n] = 0xF4;
    load_code(code, n + 1);
    c->gpr[R_EAX] = DATA_PA;
    uint64_t exc = c->exceptions;
    enum cpu_stop s = engine_run(c->vm->engine, 10);
    if (s != CPU_STOP_HLT || c->exceptions != exc) {
        static int shown;
        if (!shown++) {
            char buf[200];
            cpu_describe(c, buf, sizeof(buf));
            fprintf(stderr, "guest stop %d: %s\n", s, buf);
        }
        memset(g->img, 0xEE, sizeof(g->img));
        return;
    }
    /* Back to an image. */
    uint16_t cw = f->cw;
    sw = fpu_get_sw(f);
    tw = fpu_get_tw(f);
    memset(g->img, 0, 112);
    memcpy(g->img, &cw, 2);
    memcpy(g->img + 4, &sw, 2);
    memcpy(g->img + 8, &tw, 2);
    uint32_t fop = (uint32_t)f->fop << 16;
    memcpy(g->img + 16, &fop, 4);
    for (unsigned k = 0; k < 8; k++) {
        const struct fpreg *r = fpu_st(f, k);
        memcpy(g->img + 28 + 10 * k, &r->sig, 8);
        memcpy(g->img + 36 + 10 * k, &r->se, 2);
    }
    fl = cpu_get_eflags(c);
    memcpy(g->img + 112, &fl, 4);
    memcpy(g->mem, physmem_ptr(&vm->mem, DATA_PA, false), sizeof(g->mem));
}

struct enc {
    uint8_t b[4];
    uint8_t n;
    uint8_t memlen;     /* bytes of memory operand (0: register form) */
    uint8_t env;        /* 14 or 28: an environment image in memory */
};

static struct enc encs[1024];
static unsigned nencs;

static void add_enc(const uint8_t *b, unsigned n, unsigned memlen, unsigned env)
{
    struct enc *e = &encs[nencs++];
    memcpy(e->b, b, n);
    e->n = (uint8_t)n;
    e->memlen = (uint8_t)memlen;
    e->env = (uint8_t)env;
}

/* Every encoding plex86 implements, from its own decoder. */
static void list_encodings(void)
{
    struct decoder *d = decoder_create();
    for (unsigned esc = 0xD8; esc <= 0xDF; esc++) {
        for (unsigned modrm = 0; modrm < 256; modrm++) {
            if (modrm < 0xC0 && (modrm & 7) != 0)
                continue;
            if (modrm < 0xC0 && modrm >= 0x40)
                continue;
            if (esc == 0xDF && modrm == 0xE0)
                continue;   /* FNSTSW AX: the host's RAX is the pointer */
            uint8_t b[3] = { (uint8_t)esc, (uint8_t)modrm, 0x90 };
            struct insn in;
            if (decode_insn(d, 1, b, 3, &in) != DECODE_OK || in.op == OP_FPU_ESC)
                continue;
            unsigned memlen = 0, env = 0;
            if (modrm < 0xC0) {
                memlen = in.o[0].size;
                if (memlen == 28 || memlen == 108)
                    env = 28;
            }
            add_enc(b, 2, memlen, env);
            if (env) {  /* the 16-bit image */
                uint8_t b16[3] = { 0x66, (uint8_t)esc, (uint8_t)modrm };
                add_enc(b16, 3, memlen == 28 ? 14 : 94, 14);
            }
        }
    }
    decoder_destroy(d);
}

static void dump(const char *what, const uint8_t *img, const uint8_t *mem, unsigned memlen)
{
    fprintf(stderr, "  %s: cw %02x%02x sw %02x%02x tw %02x%02x fop %03x fl %02x |", what,
            img[1], img[0], img[5], img[4], img[9], img[8],
            (img[18] | img[19] << 8) & 0x7FF, img[112] & 0xD5);
    for (unsigned k = 0; k < 8; k++)
        fprintf(stderr, " %02x%02x:%016llx", img[37 + 10 * k], img[36 + 10 * k],
                (unsigned long long)((uint64_t)img[28 + 10 * k] | (uint64_t)img[29 + 10 * k] << 8 |
                                     (uint64_t)img[30 + 10 * k] << 16 | (uint64_t)img[31 + 10 * k] << 24 |
                                     (uint64_t)img[32 + 10 * k] << 32 | (uint64_t)img[33 + 10 * k] << 40 |
                                     (uint64_t)img[34 + 10 * k] << 48 | (uint64_t)img[35 + 10 * k] << 56));
    fprintf(stderr, "\n    mem");
    for (unsigned k = 0; k < memlen && k < 108; k++)
        fprintf(stderr, " %02x", mem[k]);
    fprintf(stderr, "\n");
}

/* Fields of an environment image that hold addresses: the host's and the
 * guest's differ. */
static bool address_field(unsigned env, unsigned off)
{
    if (env == 28)
        return (off >= 12 && off < 18) || (off >= 20 && off < 26);
    return off >= 6 && off < 14 && !(off >= 8 && off < 10 && false);
}

static unsigned diff_one(const struct enc *e, unsigned states)
{
    unsigned bad = 0;
    for (unsigned s = 0; s < states; s++) {
        struct host_run h, g;
        memset(&h, 0, sizeof(h));
        rnd_state(h.img, false);
        uint32_t fl = 0x2 | (uint32_t)(rnd64() & (F_CF | F_PF | F_ZF | F_SF | F_OF | F_AF));
        memcpy(h.img + 112, &fl, 4);
        rnd_mem(h.mem, sizeof(h.mem));
        if (e->env) {
            /* FLDENV/FRSTOR take a valid image in the instruction's layout. */
            uint8_t img[108];
            rnd_state(img, false);
            if (e->env == 28) {
                memcpy(h.mem, img, 108);
                memset(h.mem + 2, 0xFF, 2);
                memset(h.mem + 6, 0xFF, 2);
                memset(h.mem + 10, 0xFF, 2);
            } else {
                memcpy(h.mem, img, 2);
                memcpy(h.mem + 2, img + 4, 2);
                memcpy(h.mem + 4, img + 8, 2);
                memset(h.mem + 6, 0, 8);
                memcpy(h.mem + 14, img + 28, 80);
            }
        }
        /* FPTAN, FSINCOS, FXTRACT of an empty ST0: AMD processors pop
         * without signalling the stack underflow the SDM describes (and
         * plex86 implements: test_stack_and_exceptions). */
        if (e->b[0] == 0xD9 && (e->b[1] == 0xF2 || e->b[1] == 0xFB || e->b[1] == 0xF4)) {
            uint16_t sw, tw;
            memcpy(&sw, h.img + 4, 2);
            memcpy(&tw, h.img + 8, 2);
            if (((tw >> (2 * ((sw >> 11) & 7))) & 3) == 3)
                continue;
        }
        memcpy(&g, &h, sizeof(h));
        struct host_run in = h;
        host_exec(e->b, e->n, &h);
        guest_exec(e->b, e->n, &g);
        bool same = !memcmp(h.img, g.img, 2) && !memcmp(h.img + 4, g.img + 4, 2) &&
                    !memcmp(h.img + 8, g.img + 8, 2) &&
                    /* FOP 0: the host's state went through a context switch,
                     * and AMD's XSAVE keeps FOP only with an exception
                     * pending */
                    (((h.img[18] | h.img[19] << 8) & 0x7FF) == 0 ||
                     ((h.img[18] | h.img[19] << 8) & 0x7FF) == ((g.img[18] | g.img[19] << 8) & 0x7FF)) &&
                    !memcmp(h.img + 28, g.img + 28, 80) &&
                    (h.img[112] & 0xD5) == (g.img[112] & 0xD5);
        for (unsigned k = 0; k < sizeof(h.mem); k++)
            if (h.mem[k] != g.mem[k] && !(e->env && k < e->env && address_field(e->env, k)))
                same = false;
        if (!same) {
            if (bad < 3) {
                unsigned hs = h.img[4] | h.img[5] << 8, gs = g.img[4] | g.img[5] << 8;
                fprintf(stderr, "mismatch: %02x %02x %02x sw^%04x tw%d regs%d mem%d fl%d\n",
                        e->b[0], e->b[1], e->n > 2 ? e->b[2] : 0, hs ^ gs,
                        !!memcmp(h.img + 8, g.img + 8, 2), !!memcmp(h.img + 28, g.img + 28, 80),
                        !!memcmp(h.mem, g.mem, sizeof(h.mem)), (h.img[112] & 0xD5) != (g.img[112] & 0xD5));
                dump("in  ", in.img, in.mem, e->memlen);
                dump("host", h.img, h.mem, e->memlen);
                dump("plex", g.img, g.mem, e->memlen);
            }
            bad++;
        }
    }
    return bad;
}

static void test_differential(unsigned states)
{
    jit = host_stub_alloc();
    CHECK(jit != NULL);
    if (!jit)
        return;
    list_encodings();
    CHECK(nencs > 400);
    unsigned total = 0, bad = 0, bad_encs = 0;
    for (unsigned k = 0; k < nencs; k++) {
        unsigned b = diff_one(&encs[k], states);
        total += states;
        bad += b;
        bad_encs += b != 0;
    }
    printf("differential: %u encodings, %u cases, %u mismatches (%u encodings)\n", nencs, total,
           bad, bad_encs);
    CHECK_EQ(bad, 0);
    if (!dbl_mode) {
        /* Again with doubles in double precision (fpu_dbl.h's path). */
        dbl_mode = true;
        total = bad = bad_encs = 0;
        for (unsigned k = 0; k < nencs; k++) {
            unsigned b = diff_one(&encs[k], states);
            total += states;
            bad += b;
            bad_encs += b != 0;
        }
        printf("differential (doubles, PC=53): %u encodings, %u cases, %u mismatches (%u "
               "encodings)\n",
               nencs, total, bad, bad_encs);
        CHECK_EQ(bad, 0);
        dbl_mode = false;
    }
    host_stub_free(jit);
}

int main(int argc, char **argv)
{
    unsigned states = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : DEFAULT_STATES;
    rng_state = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x5EED87;
    char err[256];
    vm = vm_create(&(struct vm_config){ .ram_mb = 1, .cpu_level = CPU_P6 }, err, sizeof(err));
    CHECK(vm != NULL);
    if (!vm) {
        fprintf(stderr, "vm_create: %s\n", err);
        return check_report();
    }
    for (uint32_t v = 0; v < 256; v++) {
        uint32_t entry = (uint32_t)(EXC_PA >> 4) << 16 | v;
        uint8_t hlt = 0xF4;
        phys_copy_in(&vm->mem, v * 4, &entry, 4);
        phys_copy_in(&vm->mem, EXC_PA + v, &hlt, 1);
    }
    test_fxam();
    test_compares();
    test_constants();
    test_integers_bcd();
    test_stack_and_exceptions();
    test_pointers();
    test_stale_host_flags();
    test_env_layouts();
    test_nm_mf();
    test_differential(states);
    vm_destroy(vm);
    return check_report();
}

#else

int main(void)
{
    printf("test_fpu: needs an x86-64 host, skipped\n");
    return check_report();
}

#endif
