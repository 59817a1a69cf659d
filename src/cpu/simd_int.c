/* MMX and SSE2 integer instructions, and the bitwise, shuffle and unpack
 * instructions on packed floats (SDM vol. 2, each instruction's page), on
 * 64-bit MMX or 128-bit XMM operands.  One handler computes both widths
 * lane by lane in C: n is 8 or 16 bytes. */
#define PLEX86_SIMD_INTERNAL
#include "cpu/simd.h"

#include <string.h>

#include "cpu/ops.h"

static int sat(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* The CPUID feature a form needs (simd_table.def). */
static enum cpu_feature feature_of(unsigned op, bool mmx)
{
    switch (op) {
    case OP_ANDPS: case OP_ANDNPS: case OP_ORPS: case OP_XORPS: case OP_SHUFPS:
    case OP_UNPCKLPS: case OP_UNPCKHPS: case OP_MOVMSKPS:
        return CPUF_SSE;
    case OP_PMULHUW: case OP_PSADBW: case OP_PAVGB: case OP_PAVGW: case OP_PMINUB:
    case OP_PMAXUB: case OP_PMINSW: case OP_PMAXSW: case OP_PSHUFW: case OP_PEXTRW:
    case OP_PINSRW: case OP_PMOVMSKB:
        return mmx ? CPUF_SSE : CPUF_SSE2;
    case OP_PADDQ: case OP_PSUBQ: case OP_PMULUDQ:
        return CPUF_SSE2;
    default:
        return mmx ? CPUF_MMX : CPUF_SSE2;
    }
}

/* Interleaves the low (hi = 0) or high halves of a and b in elements of
 * `e` bytes (PUNPCKL*, PUNPCKH*, UNPCK*PS/PD). */
static void unpack(union xmmreg *r, const union xmmreg *a, const union xmmreg *b, unsigned n,
                   unsigned e, bool hi)
{
    unsigned base = hi ? n / 2 : 0;
    for (unsigned k = 0; k < n / (2 * e); k++) {
        memcpy(&r->b[2 * k * e], &a->b[base + k * e], e);
        memcpy(&r->b[(2 * k + 1) * e], &b->b[base + k * e], e);
    }
}

/* Shift counts above the lane width clear the lane (or fill it with the
 * sign for PSRA*); the count is the source's whole low 64 bits. */
static void shift(union xmmreg *r, const union xmmreg *a, uint64_t cnt, unsigned n, unsigned op)
{
    for (unsigned k = 0; k < n / 2; k++) {
        switch (op) {
        case OP_PSLLW: r->w[k] = cnt > 15 ? 0 : (uint16_t)(a->w[k] << cnt); break;
        case OP_PSRLW: r->w[k] = cnt > 15 ? 0 : (uint16_t)(a->w[k] >> cnt); break;
        case OP_PSRAW: r->w[k] = (uint16_t)((int16_t)a->w[k] >> (cnt > 15 ? 15 : cnt)); break;
        }
    }
    for (unsigned k = 0; k < n / 4; k++) {
        switch (op) {
        case OP_PSLLD: r->d[k] = cnt > 31 ? 0 : a->d[k] << cnt; break;
        case OP_PSRLD: r->d[k] = cnt > 31 ? 0 : a->d[k] >> cnt; break;
        case OP_PSRAD: r->d[k] = (uint32_t)((int32_t)a->d[k] >> (cnt > 31 ? 31 : cnt)); break;
        }
    }
    for (unsigned k = 0; k < n / 8; k++) {
        switch (op) {
        case OP_PSLLQ: r->q[k] = cnt > 63 ? 0 : a->q[k] << cnt; break;
        case OP_PSRLQ: r->q[k] = cnt > 63 ? 0 : a->q[k] >> cnt; break;
        }
    }
}

#define LANES(field, count, expr)                                   \
    for (unsigned k = 0; k < (count); k++)                          \
        r.field[k] = (expr)

void h_pint(struct cpu *c, const struct insn *i)
{
    bool mmx = simd_has_mmx(i);
    simd_begin(c, i, feature_of(i->op, mmx));
    unsigned n = mmx ? 8 : 16;
    union xmmreg a, b, r;
    unsigned imm = i->imm & 0xFF;
    memset(&r, 0, sizeof(r));
    simd_read(c, i, 1, &b, true);
    if (i->o[0].kind != OPK_GPR)
        a = mmx ? (union xmmreg){ .q = { c->fpu.r[i->o[0].reg].sig, 0 } }
                : c->sse.xmm[i->o[0].reg];
    else
        memset(&a, 0, sizeof(a));
    /* Two-lane-width views of the same operands. */
    unsigned nb = n, nw = n / 2, nd = n / 4, nq = n / 8;
#define SB(x, k) ((int8_t)(x).b[k])
#define SW(x, k) ((int16_t)(x).w[k])
    switch (i->op) {
    case OP_PADDB: LANES(b, nb, (uint8_t)(a.b[k] + b.b[k])); break;
    case OP_PADDW: LANES(w, nw, (uint16_t)(a.w[k] + b.w[k])); break;
    case OP_PADDD: LANES(d, nd, a.d[k] + b.d[k]); break;
    case OP_PADDQ: LANES(q, nq, a.q[k] + b.q[k]); break;
    case OP_PADDSB: LANES(b, nb, (uint8_t)sat(SB(a, k) + SB(b, k), -128, 127)); break;
    case OP_PADDSW: LANES(w, nw, (uint16_t)sat(SW(a, k) + SW(b, k), -32768, 32767)); break;
    case OP_PADDUSB: LANES(b, nb, (uint8_t)sat(a.b[k] + b.b[k], 0, 255)); break;
    case OP_PADDUSW: LANES(w, nw, (uint16_t)sat(a.w[k] + b.w[k], 0, 65535)); break;
    case OP_PSUBB: LANES(b, nb, (uint8_t)(a.b[k] - b.b[k])); break;
    case OP_PSUBW: LANES(w, nw, (uint16_t)(a.w[k] - b.w[k])); break;
    case OP_PSUBD: LANES(d, nd, a.d[k] - b.d[k]); break;
    case OP_PSUBQ: LANES(q, nq, a.q[k] - b.q[k]); break;
    case OP_PSUBSB: LANES(b, nb, (uint8_t)sat(SB(a, k) - SB(b, k), -128, 127)); break;
    case OP_PSUBSW: LANES(w, nw, (uint16_t)sat(SW(a, k) - SW(b, k), -32768, 32767)); break;
    case OP_PSUBUSB: LANES(b, nb, (uint8_t)sat(a.b[k] - b.b[k], 0, 255)); break;
    case OP_PSUBUSW: LANES(w, nw, (uint16_t)sat(a.w[k] - b.w[k], 0, 65535)); break;
    case OP_PMULLW: LANES(w, nw, (uint16_t)(SW(a, k) * SW(b, k))); break;
    case OP_PMULHW: LANES(w, nw, (uint16_t)((uint32_t)(SW(a, k) * SW(b, k)) >> 16)); break;
    case OP_PMULHUW: LANES(w, nw, (uint16_t)(((uint32_t)a.w[k] * b.w[k]) >> 16)); break;
    case OP_PMULUDQ: LANES(q, nq, (uint64_t)a.d[2 * k] * b.d[2 * k]); break;
    case OP_PMADDWD:
        /* 8000H*8000H twice wraps to 80000000H, as the SDM says. */
        LANES(d, nd, (uint32_t)((int64_t)SW(a, 2 * k) * SW(b, 2 * k) +
                                (int64_t)SW(a, 2 * k + 1) * SW(b, 2 * k + 1)));
        break;
    case OP_PSADBW:
        for (unsigned q = 0; q < nq; q++) {
            unsigned s = 0;
            for (unsigned k = 0; k < 8; k++) {
                int d = a.b[8 * q + k] - b.b[8 * q + k];
                s += (unsigned)(d < 0 ? -d : d);
            }
            r.q[q] = s;
        }
        break;
    case OP_PAVGB: LANES(b, nb, (uint8_t)((a.b[k] + b.b[k] + 1) >> 1)); break;
    case OP_PAVGW: LANES(w, nw, (uint16_t)((a.w[k] + b.w[k] + 1) >> 1)); break;
    case OP_PMINUB: LANES(b, nb, a.b[k] < b.b[k] ? a.b[k] : b.b[k]); break;
    case OP_PMAXUB: LANES(b, nb, a.b[k] > b.b[k] ? a.b[k] : b.b[k]); break;
    case OP_PMINSW: LANES(w, nw, SW(a, k) < SW(b, k) ? a.w[k] : b.w[k]); break;
    case OP_PMAXSW: LANES(w, nw, SW(a, k) > SW(b, k) ? a.w[k] : b.w[k]); break;
    case OP_PAND: case OP_ANDPS: case OP_ANDPD: LANES(q, nq, a.q[k] & b.q[k]); break;
    case OP_PANDN: case OP_ANDNPS: case OP_ANDNPD: LANES(q, nq, ~a.q[k] & b.q[k]); break;
    case OP_POR: case OP_ORPS: case OP_ORPD: LANES(q, nq, a.q[k] | b.q[k]); break;
    case OP_PXOR: case OP_XORPS: case OP_XORPD: LANES(q, nq, a.q[k] ^ b.q[k]); break;
    case OP_PCMPEQB: LANES(b, nb, a.b[k] == b.b[k] ? 0xFF : 0); break;
    case OP_PCMPEQW: LANES(w, nw, a.w[k] == b.w[k] ? 0xFFFF : 0); break;
    case OP_PCMPEQD: LANES(d, nd, a.d[k] == b.d[k] ? ~0u : 0); break;
    case OP_PCMPGTB: LANES(b, nb, SB(a, k) > SB(b, k) ? 0xFF : 0); break;
    case OP_PCMPGTW: LANES(w, nw, SW(a, k) > SW(b, k) ? 0xFFFF : 0); break;
    case OP_PCMPGTD: LANES(d, nd, (int32_t)a.d[k] > (int32_t)b.d[k] ? ~0u : 0); break;
    case OP_PSLLW: case OP_PSLLD: case OP_PSLLQ: case OP_PSRLW: case OP_PSRLD:
    case OP_PSRLQ: case OP_PSRAW: case OP_PSRAD:
        shift(&r, &a, b.q[0], n, i->op);
        break;
    case OP_PSLLDQ:
        for (unsigned k = imm; k < 16; k++)
            r.b[k] = a.b[k - imm];
        break;
    case OP_PSRLDQ:
        for (unsigned k = 0; k + imm < 16; k++)
            r.b[k] = a.b[k + imm];
        break;
    case OP_PACKSSWB:
        for (unsigned k = 0; k < nw; k++) {
            r.b[k] = (uint8_t)sat(SW(a, k), -128, 127);
            r.b[nw + k] = (uint8_t)sat(SW(b, k), -128, 127);
        }
        break;
    case OP_PACKUSWB:
        for (unsigned k = 0; k < nw; k++) {
            r.b[k] = (uint8_t)sat(SW(a, k), 0, 255);
            r.b[nw + k] = (uint8_t)sat(SW(b, k), 0, 255);
        }
        break;
    case OP_PACKSSDW:
        for (unsigned k = 0; k < nd; k++) {
            r.w[k] = (uint16_t)sat((int32_t)a.d[k], -32768, 32767);
            r.w[nd + k] = (uint16_t)sat((int32_t)b.d[k], -32768, 32767);
        }
        break;
    case OP_PUNPCKLBW: unpack(&r, &a, &b, n, 1, false); break;
    case OP_PUNPCKLWD: unpack(&r, &a, &b, n, 2, false); break;
    case OP_PUNPCKLDQ: case OP_UNPCKLPS: unpack(&r, &a, &b, n, 4, false); break;
    case OP_PUNPCKLQDQ: case OP_UNPCKLPD: unpack(&r, &a, &b, n, 8, false); break;
    case OP_PUNPCKHBW: unpack(&r, &a, &b, n, 1, true); break;
    case OP_PUNPCKHWD: unpack(&r, &a, &b, n, 2, true); break;
    case OP_PUNPCKHDQ: case OP_UNPCKHPS: unpack(&r, &a, &b, n, 4, true); break;
    case OP_PUNPCKHQDQ: case OP_UNPCKHPD: unpack(&r, &a, &b, n, 8, true); break;
    case OP_PSHUFW: LANES(w, 4, b.w[(imm >> (2 * k)) & 3]); break;
    case OP_PSHUFD: LANES(d, 4, b.d[(imm >> (2 * k)) & 3]); break;
    case OP_PSHUFLW:
        LANES(w, 4, b.w[(imm >> (2 * k)) & 3]);
        r.q[1] = b.q[1];
        break;
    case OP_PSHUFHW:
        r.q[0] = b.q[0];
        for (unsigned k = 0; k < 4; k++)
            r.w[4 + k] = b.w[4 + ((imm >> (2 * k)) & 3)];
        break;
    case OP_SHUFPS:
        r.d[0] = a.d[imm & 3];
        r.d[1] = a.d[(imm >> 2) & 3];
        r.d[2] = b.d[(imm >> 4) & 3];
        r.d[3] = b.d[(imm >> 6) & 3];
        break;
    case OP_SHUFPD:
        r.q[0] = a.q[imm & 1];
        r.q[1] = b.q[(imm >> 1) & 1];
        break;
    case OP_PEXTRW:
        r.d[0] = b.w[imm & (nw - 1)];
        break;
    case OP_PINSRW:
        r = a;
        r.w[imm & (nw - 1)] = b.w[0];
        break;
    case OP_PMOVMSKB:
        for (unsigned k = 0; k < nb; k++)
            r.d[0] |= (uint32_t)(b.b[k] >> 7) << k;
        break;
    case OP_MOVMSKPS:
        for (unsigned k = 0; k < 4; k++)
            r.d[0] |= (b.d[k] >> 31) << k;
        break;
    case OP_MOVMSKPD:
        r.d[0] = (uint32_t)(b.q[0] >> 63) | (uint32_t)(b.q[1] >> 63) << 1;
        break;
    default:
        cpu_fault(c, EXC_UD, 0);
    }
#undef SB
#undef SW
    simd_write(c, i, 0, &r, true);
    if (mmx)
        simd_mmx_done(c);
}
