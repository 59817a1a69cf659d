/* Arithmetic flags of 32-bit ALU operations, computed by the host's own
 * ALU where the host is an x86: its 8/16/32-bit ADD, SUB, AND, OR, XOR,
 * INC and DEC set CF PF AF ZF SF OF exactly as the SDM defines them for
 * IA-32, so LAHF (SF ZF AF PF CF, at their EFLAGS bit positions) and SETO
 * read back the architectural flags in a few host instructions.  Other
 * hosts get the same values from C.
 *
 * Each hf_*32 returns the result and stores the new arithmetic flags in
 * *fl; `mask` constants say which flags the operation defines (logic
 * operations leave AF undefined: we clear it, as alu_logic does).
 * hf_adc32/hf_sbb32 take the carry in (bit 0 of cin); hf_szp32 gives SF
 * ZF PF of a result (IMUL, shifts).
 * tests/cpu/test_fast_forms.c checks the specialised handlers built on
 * these against the generic ones. */
#ifndef PLEX86_CPU_HOSTFLAGS_H
#define PLEX86_CPU_HOSTFLAGS_H

#include <stdint.h>

#include "cpu/cpu.h"

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define PLEX86_HOSTFLAGS 1

/* AX after LAHF (AH) and SETO (AL) -> EFLAGS arithmetic bits. */
static inline uint32_t hf_from_ax(uint32_t ax)
{
    return ((ax >> 8) & (F_SF | F_ZF | F_AF | F_PF | F_CF)) | ((ax & 1u) << 11);
}

#define HF_ARITH(name, text)                                                   \
    static inline uint32_t name(uint32_t a, uint32_t b, uint32_t *fl)          \
    {                                                                          \
        uint32_t ax;                                                           \
        __asm__(text " %[b], %[a]\n\tlahf\n\tseto %%al"                        \
                : [a] "+r"(a), "=&a"(ax)                                       \
                : [b] "ri"(b)                                                  \
                : "cc");                                                       \
        *fl = hf_from_ax(ax);                                                  \
        return a;                                                              \
    }

HF_ARITH(hf_add32, "addl")
HF_ARITH(hf_sub32, "subl")

/* Logic: CF = OF = 0 by definition, AF cleared; SF ZF PF from LAHF. */
#define HF_LOGIC(name, text)                                                   \
    static inline uint32_t name(uint32_t a, uint32_t b, uint32_t *fl)          \
    {                                                                          \
        uint32_t ax;                                                           \
        __asm__(text " %[b], %[a]\n\tlahf"                                     \
                : [a] "+r"(a), "=&a"(ax)                                       \
                : [b] "ri"(b)                                                  \
                : "cc");                                                       \
        *fl = (ax >> 8) & (F_SF | F_ZF | F_PF);                                \
        return a;                                                              \
    }

HF_LOGIC(hf_and32, "andl")
HF_LOGIC(hf_or32, "orl")
HF_LOGIC(hf_xor32, "xorl")

/* INC/DEC: every arithmetic flag but CF, which the caller keeps (the
 * host's CF going in is whatever it was, so its LAHF copy is dropped). */
#define HF_UNARY(name, text)                                                   \
    static inline uint32_t name(uint32_t a, uint32_t *fl)                      \
    {                                                                          \
        uint32_t ax;                                                           \
        __asm__(text " %[a]\n\tlahf\n\tseto %%al"                              \
                : [a] "+r"(a), "=&a"(ax)                                       \
                :                                                              \
                : "cc");                                                       \
        *fl = hf_from_ax(ax) & ~F_CF;                                          \
        return a;                                                              \
    }

HF_UNARY(hf_inc32, "incl")
HF_UNARY(hf_dec32, "decl")

/* ADC/SBB: the guest's CF goes into the host's CF first (BT copies bit 0
 * of cin), then the host's ADC/SBB sets all six flags as the SDM says. */
#define HF_CARRY(name, text)                                                   \
    static inline uint32_t name(uint32_t a, uint32_t b, uint32_t cin, uint32_t *fl) \
    {                                                                          \
        uint32_t ax;                                                           \
        __asm__("btl $0, %[c]\n\t" text " %[b], %[a]\n\tlahf\n\tseto %%al"     \
                : [a] "+r"(a), "=&a"(ax)                                       \
                : [b] "ri"(b), [c] "r"(cin)                                    \
                : "cc");                                                       \
        *fl = hf_from_ax(ax);                                                  \
        return a;                                                              \
    }

HF_CARRY(hf_adc32, "adcl")
HF_CARRY(hf_sbb32, "sbbl")

/* SF ZF PF of a 32-bit result (TEST, LAHF); AF and CF come back clear. */
static inline uint32_t hf_szp32(uint32_t r)
{
    uint32_t ax;
    __asm__("testl %[r], %[r]\n\tlahf" : "=a"(ax) : [r] "r"(r) : "cc");
    return (ax >> 8) & (F_SF | F_ZF | F_PF);
}

#undef HF_ARITH
#undef HF_CARRY
#undef HF_LOGIC
#undef HF_UNARY

#else /* portable C */
#define PLEX86_HOSTFLAGS 0

static inline uint32_t hf_szp(uint32_t r)
{
    return (r == 0 ? F_ZF : 0) | (r & 0x80000000u ? F_SF : 0) |
           (__builtin_parity(r & 0xFF) ? 0 : F_PF);
}

static inline uint32_t hf_add32(uint32_t a, uint32_t b, uint32_t *fl)
{
    uint32_t r = a + b;
    *fl = hf_szp(r) | (r < a ? F_CF : 0) | ((a ^ b ^ r) & 0x10 ? F_AF : 0) |
          ((a ^ r) & (b ^ r) & 0x80000000u ? F_OF : 0);
    return r;
}

static inline uint32_t hf_sub32(uint32_t a, uint32_t b, uint32_t *fl)
{
    uint32_t r = a - b;
    *fl = hf_szp(r) | (a < b ? F_CF : 0) | ((a ^ b ^ r) & 0x10 ? F_AF : 0) |
          ((a ^ b) & (a ^ r) & 0x80000000u ? F_OF : 0);
    return r;
}

static inline uint32_t hf_and32(uint32_t a, uint32_t b, uint32_t *fl)
{
    *fl = hf_szp(a & b);
    return a & b;
}

static inline uint32_t hf_or32(uint32_t a, uint32_t b, uint32_t *fl)
{
    *fl = hf_szp(a | b);
    return a | b;
}

static inline uint32_t hf_xor32(uint32_t a, uint32_t b, uint32_t *fl)
{
    *fl = hf_szp(a ^ b);
    return a ^ b;
}

static inline uint32_t hf_szp32(uint32_t r) { return hf_szp(r); }

static inline uint32_t hf_adc32(uint32_t a, uint32_t b, uint32_t cin, uint32_t *fl)
{
    uint32_t r = a + b + (cin & 1);
    uint64_t full = (uint64_t)a + b + (cin & 1);
    *fl = hf_szp(r) | (full >> 32 ? F_CF : 0) | ((a ^ b ^ r) & 0x10 ? F_AF : 0) |
          ((a ^ r) & (b ^ r) & 0x80000000u ? F_OF : 0);
    return r;
}

static inline uint32_t hf_sbb32(uint32_t a, uint32_t b, uint32_t cin, uint32_t *fl)
{
    uint32_t r = a - b - (cin & 1);
    *fl = hf_szp(r) | ((uint64_t)a < (uint64_t)b + (cin & 1) ? F_CF : 0) |
          ((a ^ b ^ r) & 0x10 ? F_AF : 0) | ((a ^ b) & (a ^ r) & 0x80000000u ? F_OF : 0);
    return r;
}

static inline uint32_t hf_inc32(uint32_t a, uint32_t *fl)
{
    uint32_t f;
    uint32_t r = hf_add32(a, 1, &f);
    *fl = f & ~F_CF;
    return r;
}

static inline uint32_t hf_dec32(uint32_t a, uint32_t *fl)
{
    uint32_t f;
    uint32_t r = hf_sub32(a, 1, &f);
    *fl = f & ~F_CF;
    return r;
}
#endif

#endif
