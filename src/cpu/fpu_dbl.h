/* x87 arithmetic on doubles, for fpu_fast.c: when the guest computes in
 * double precision (PC = 53 bits) with round to nearest and all exceptions
 * masked, ADD/SUB/MUL/DIV of operands that are doubles of moderate size
 * give exactly the host's SSE2 result, and the two things the x87 also
 * reports, PE (inexact) and C1 (rounded up in magnitude; SDM vol. 1,
 * 8.1.3.1), follow from the exact error of the operation, computed with
 * the classic error-free transformations (Knuth's TwoSum, Dekker's
 * TwoProduct with Veltkamp's split).  That avoids the host x87's 80-bit
 * loads, stores and control-word loads altogether.
 *
 * Why it is exact: the x87 with PC = 53 rounds the exact result to a
 * 53-bit significand (SDM vol. 1, 8.1.5.2) keeping its wide exponent;
 * SSE2 does the same rounding (the host's MXCSR is round to nearest
 * without FTZ/DAZ: its control bits are callee-saved in the x86-64 ABI)
 * within double's range.  Operands are kept to |x| in [2^-450, 2^450]
 * (or zero), so no result, partial product or error term leaves the
 * normal double range, and the results agree bit for bit; the one
 * exception left, a sum in the subnormal range, is refused. */
#ifndef PLEX86_CPU_FPU_DBL_H
#define PLEX86_CPU_FPU_DBL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cpu/fpu_state.h"

/* The error terms below rely on each operation being rounded by itself:
 * no fused multiply-adds (GCC contracts across statements by default when
 * the target has FMA). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#endif

/* Biased exponent limits of the operands (x87 bias 16383). */
#define FDBL_EMIN (16383 - 450)
#define FDBL_EMAX (16383 + 450)

/* PC = 53 bits, RC = nearest: the only setting this file computes for. */
static inline bool fdbl_mode(uint16_t cw)
{
    return (cw & (FCW_PC | FCW_RC)) == 0x0200;
}

/* A register as a double, if it is one of moderate size, or zero. */
static inline bool fdbl_from_reg(const struct fpreg *r, double *d)
{
    unsigned e = r->se & 0x7FFF;
    uint64_t sign = (uint64_t)(r->se & 0x8000) << 48, bits;
    if (e == 0 && r->sig == 0) {
        bits = sign;
    } else {
        if (e < FDBL_EMIN || e > FDBL_EMAX || !(r->sig >> 63) || (r->sig & 0x7FF))
            return false;
        bits = sign | (uint64_t)(e - 16383 + 1023) << 52 | ((r->sig >> 11) & ((1ull << 52) - 1));
    }
    memcpy(d, &bits, 8);
    return true;
}

/* An m64/m32 real or m32 integer operand, on the same terms. */
static inline bool fdbl_from_m64(uint64_t m, double *d)
{
    unsigned e = (unsigned)(m >> 52) & 0x7FF;
    if ((m << 1) != 0 && (e < FDBL_EMIN - 16383 + 1023 || e > FDBL_EMAX - 16383 + 1023))
        return false;
    memcpy(d, &m, 8);
    return true;
}

static inline bool fdbl_from_m32(uint32_t m, double *d)
{
    float f;
    memcpy(&f, &m, 4);
    unsigned e = (m >> 23) & 0xFF;
    if ((m << 1) != 0 && (e == 0 || e == 0xFF))
        return false; /* denormal, infinity, NaN (a float's normal range is moderate) */
    *d = f;
    return true;
}

static inline bool fdbl_from_i32(uint32_t m, double *d)
{
    *d = (int32_t)m;
    return true;
}

/* A result as a register: finite, normal or zero (checked by the ops). */
static inline void fdbl_to_reg(double d, struct fpreg *r)
{
    uint64_t bits;
    memcpy(&bits, &d, 8);
    unsigned e = (unsigned)(bits >> 52) & 0x7FF;
    uint16_t sign = (uint16_t)((bits >> 48) & 0x8000);
    if (e == 0) {
        r->sig = 0;
        r->se = sign;
        return;
    }
    r->sig = (1ull << 63) | (bits << 11);
    r->se = (uint16_t)(sign | (e - 1023 + 16383));
}

static inline bool fdbl_normal(double d)
{
    uint64_t bits;
    memcpy(&bits, &d, 8);
    unsigned e = (unsigned)(bits >> 52) & 0x7FF;
    return e != 0 && e != 0x7FF;
}

/* Exact product a*b = p + e (Dekker; needs no overflow or underflow in
 * the halves: guaranteed by the operand range). */
static inline double fdbl_split_hi(double x)
{
    double t = x * 134217729.0; /* 2^27 + 1 */
    return t - (t - x);
}

static inline double fdbl_two_prod_err(double a, double b, double p)
{
    double ah = fdbl_split_hi(a), al = a - ah;
    double bh = fdbl_split_hi(b), bl = b - bh;
    return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

/* The rounding outcome for the status word: PE when inexact, and C1 when
 * the magnitude was rounded up (|result| > |exact|). */
static inline unsigned fdbl_flags(bool inexact, bool up)
{
    return inexact ? FSW_PE | (up ? FSW_C1 : 0) : 0;
}

/* Each returns false when this file cannot tell the x87's result; else
 * *r and *fl (PE and C1). */
static inline bool fdbl_add(double x, double y, double *r, unsigned *fl)
{
    double s = x + y;
    *r = s;
    if (s == 0) { /* exact: x == -y (round to nearest gives +0) */
        *fl = 0;
        return true;
    }
    if (!fdbl_normal(s))
        return false; /* a subnormal sum: the x87 keeps it normalized */
    double bb = s - x, e = (x - (s - bb)) + (y - bb); /* TwoSum: exact = s + e */
    *fl = fdbl_flags(e != 0, (e < 0) != (s < 0));
    return true;
}

static inline bool fdbl_mul(double x, double y, double *r, unsigned *fl)
{
    double p = x * y;
    *r = p;
    if (p == 0) { /* a zero operand (in range, nothing else underflows) */
        *fl = 0;
        return x == 0 || y == 0;
    }
    if (!fdbl_normal(p))
        return false;
    double e = fdbl_two_prod_err(x, y, p); /* exact = p + e */
    *fl = fdbl_flags(e != 0, (e < 0) != (p < 0));
    return true;
}

static inline bool fdbl_div(double x, double y, double *r, unsigned *fl)
{
    if (y == 0)
        return false; /* #Z or #IA: the x87 path */
    double q = x / y;
    *r = q;
    if (q == 0) {
        *fl = 0;
        return x == 0;
    }
    if (!fdbl_normal(q))
        return false;
    /* rem = x - q*y is representable for q = RN(x/y), and x - p is exact
     * (Sterbenz), so this computes it exactly. */
    double p = q * y, pe = fdbl_two_prod_err(q, y, p);
    double rem = (x - p) - pe;
    /* x/y - q = rem/y: |q| is too large when that opposes q's sign. */
    *fl = fdbl_flags(rem != 0, ((rem < 0) != (y < 0)) != (q < 0));
    return true;
}

/* x op y for ModRM.reg 0 ADD, 1 MUL, 4 x-y, 5 y-x, 6 x/y, 7 y/x (the x87's
 * D8/DC numbering with x = ST(0)). */
static inline bool fdbl_op(unsigned reg, double x, double y, double *r, unsigned *fl)
{
    switch (reg) {
    case 0: return fdbl_add(x, y, r, fl);
    case 1: return fdbl_mul(x, y, r, fl);
    case 4: return fdbl_add(x, -y, r, fl);
    case 5: return fdbl_add(-x, y, r, fl);
    case 6: return fdbl_div(x, y, r, fl);
    case 7: return fdbl_div(y, x, r, fl);
    default: return false;
    }
}

#endif
