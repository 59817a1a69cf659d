/* MMX/SSE/SSE2 data movement (SDM vol. 2, MOVD/MOVQ, MOVDQA, MOVAPS,
 * MOVSS, MOVSD, MOVLPS, MOVHPS, MOVLHPS, MOVHLPS, MOVNT*, MOVQ2DQ,
 * MOVDQ2Q). */
#define PLEX86_SIMD_INTERNAL
#include "cpu/simd.h"

#include <string.h>

#include "cpu/ops.h"

static enum cpu_feature feature_of(unsigned op, bool mmx)
{
    switch (op) {
    case OP_MOVD: case OP_MOVQ:
        return mmx ? CPUF_MMX : CPUF_SSE2;
    case OP_MOVAPS: case OP_MOVUPS: case OP_MOVNTPS: case OP_MOVSS: case OP_MOVLPS:
    case OP_MOVHPS: case OP_MOVLHPS: case OP_MOVHLPS: case OP_MOVNTQ:
        return CPUF_SSE;
    default:
        return CPUF_SSE2;
    }
}

void h_simd_mov(struct cpu *c, const struct insn *i)
{
    bool mmx = simd_has_mmx(i);
    simd_begin(c, i, feature_of(i->op, mmx));
    /* Unaligned 16-byte accesses are allowed only to these. */
    bool aligned = !(i->op == OP_MOVUPS || i->op == OP_MOVUPD || i->op == OP_MOVDQU);
    union xmmreg s, r;
    simd_read(c, i, 1, &s, aligned);
    const struct opnd *d = &i->o[0];
    bool to_xmm = d->kind == OPK_XMM;
    memset(&r, 0, sizeof(r));
    switch (i->op) {
    case OP_MOVSS: case OP_MOVSD_XMM:
        /* Register to register keeps the destination's upper part; a load
         * from memory clears it. */
        if (to_xmm && i->o[1].kind == OPK_XMM)
            r = c->sse.xmm[d->reg];
        memcpy(&r, &s, i->op == OP_MOVSS ? 4 : 8);
        break;
    case OP_MOVLPS: case OP_MOVLPD: case OP_MOVHLPS:
        if (to_xmm) {
            r = c->sse.xmm[d->reg];
            r.q[0] = i->op == OP_MOVHLPS ? s.q[1] : s.q[0];
        } else {
            r.q[0] = s.q[0];
        }
        break;
    case OP_MOVHPS: case OP_MOVHPD: case OP_MOVLHPS:
        if (to_xmm) {
            r = c->sse.xmm[d->reg];
            r.q[1] = s.q[0];
        } else {
            r.q[0] = s.q[1]; /* store of the high quadword */
        }
        break;
    case OP_MOVD: case OP_MOVQ: case OP_MOVQ2DQ: case OP_MOVDQ2Q: case OP_MOVNTQ:
    case OP_MOVNTI:
        /* The low 4 or 8 bytes of the source, zero-extended into a
         * register (an MMX or XMM destination is cleared above them). */
        memcpy(&r, &s, i->op == OP_MOVD || i->op == OP_MOVNTI ? 4 : 8);
        break;
    default: /* whole 16-byte moves */
        r = s;
        break;
    }
    simd_write(c, i, 0, &r, aligned);
    if (mmx)
        simd_mmx_done(c);
}
