/* SSE/SSE2 floating point: arithmetic, compares and conversions (SDM
 * vol. 2; vol. 1, 11.5 for the exceptions).
 *
 * Each operation runs as the same instruction on the host's SSE unit,
 * under the guest's rounding control, DAZ and FZ with every exception
 * masked, and the host's MXCSR flags come back as the guest's
 * (simd_fp_flags decides #XM).  So results, NaN propagation and flags are
 * the hardware's, except RCPPS/RCPSS/RSQRTPS/RSQRTSS, whose approximations
 * are the host's (the SDM bounds their error, not their bits), and one
 * corner: with UE unmasked, an exact tiny result should fault, but the
 * masked host run does not report UE for it.  The host's MXCSR is put back
 * inside the same asm statement, so no host code runs under the guest's.
 *
 * The MMX forms (CVTPI2PS, CVTPS2PI, CVTPI2PD, CVTPD2PI and the truncating
 * ones) run as their XMM counterparts on the low lanes, with the unused
 * source lanes zero, which convert exactly and raise nothing. */
#define PLEX86_SIMD_INTERNAL
#include "cpu/simd.h"

#include <string.h>

#include "cpu/fpu.h"
#include "cpu/ops.h"

#if !defined(__x86_64__) && !defined(__i386__)
#error "sse_fp.c runs SSE instructions on the host: x86 hosts only"
#endif

typedef long long v2di __attribute__((vector_size(16)));

/* One host run: guest MXCSR bits in, flags out. */
struct hrun {
    v2di a, b;
    uint32_t in, out, host;
};

#define RUN2(insn)                                                                  \
    __asm__ volatile("ldmxcsr %[in]\n\t" insn " %[b], %[a]\n\t"                    \
                     "stmxcsr %[out]\n\tldmxcsr %[host]"                             \
                     : [a] "+x"(h->a), [out] "=m"(h->out)                             \
                     : [b] "x"(h->b), [in] "m"(h->in), [host] "m"(h->host))

#define RUNCMP(insn, imm)                                                           \
    __asm__ volatile("ldmxcsr %[in]\n\t" insn " $" #imm ", %[b], %[a]\n\t"          \
                     "stmxcsr %[out]\n\tldmxcsr %[host]"                             \
                     : [a] "+x"(h->a), [out] "=m"(h->out)                             \
                     : [b] "x"(h->b), [in] "m"(h->in), [host] "m"(h->host))

/* The two-operand register form of op (xmm, xmm): false if none. */
static bool run_binary(unsigned op, struct hrun *h)
{
    switch (op) {
    case OP_ADDPS: RUN2("addps"); return true;
    case OP_ADDSS: RUN2("addss"); return true;
    case OP_ADDPD: RUN2("addpd"); return true;
    case OP_ADDSD: RUN2("addsd"); return true;
    case OP_SUBPS: RUN2("subps"); return true;
    case OP_SUBSS: RUN2("subss"); return true;
    case OP_SUBPD: RUN2("subpd"); return true;
    case OP_SUBSD: RUN2("subsd"); return true;
    case OP_MULPS: RUN2("mulps"); return true;
    case OP_MULSS: RUN2("mulss"); return true;
    case OP_MULPD: RUN2("mulpd"); return true;
    case OP_MULSD: RUN2("mulsd"); return true;
    case OP_DIVPS: RUN2("divps"); return true;
    case OP_DIVSS: RUN2("divss"); return true;
    case OP_DIVPD: RUN2("divpd"); return true;
    case OP_DIVSD: RUN2("divsd"); return true;
    case OP_MINPS: RUN2("minps"); return true;
    case OP_MINSS: RUN2("minss"); return true;
    case OP_MINPD: RUN2("minpd"); return true;
    case OP_MINSD: RUN2("minsd"); return true;
    case OP_MAXPS: RUN2("maxps"); return true;
    case OP_MAXSS: RUN2("maxss"); return true;
    case OP_MAXPD: RUN2("maxpd"); return true;
    case OP_MAXSD: RUN2("maxsd"); return true;
    case OP_SQRTPS: RUN2("sqrtps"); return true;
    case OP_SQRTSS: RUN2("sqrtss"); return true;
    case OP_SQRTPD: RUN2("sqrtpd"); return true;
    case OP_SQRTSD: RUN2("sqrtsd"); return true;
    case OP_RCPPS: RUN2("rcpps"); return true;
    case OP_RCPSS: RUN2("rcpss"); return true;
    case OP_RSQRTPS: RUN2("rsqrtps"); return true;
    case OP_RSQRTSS: RUN2("rsqrtss"); return true;
    case OP_CVTSS2SD: RUN2("cvtss2sd"); return true;
    case OP_CVTSD2SS: RUN2("cvtsd2ss"); return true;
    case OP_CVTPS2PD: RUN2("cvtps2pd"); return true;
    case OP_CVTPD2PS: RUN2("cvtpd2ps"); return true;
    case OP_CVTDQ2PS: RUN2("cvtdq2ps"); return true;
    case OP_CVTPS2DQ: RUN2("cvtps2dq"); return true;
    case OP_CVTTPS2DQ: RUN2("cvttps2dq"); return true;
    case OP_CVTDQ2PD: RUN2("cvtdq2pd"); return true;
    case OP_CVTPD2DQ: RUN2("cvtpd2dq"); return true;
    case OP_CVTTPD2DQ: RUN2("cvttpd2dq"); return true;
    default: return false;
    }
}

#define CMP8(mn)                                                                    \
    switch (imm & 7) {                                                              \
    case 0: RUNCMP(mn, 0); break;                                                   \
    case 1: RUNCMP(mn, 1); break;                                                   \
    case 2: RUNCMP(mn, 2); break;                                                   \
    case 3: RUNCMP(mn, 3); break;                                                   \
    case 4: RUNCMP(mn, 4); break;                                                   \
    case 5: RUNCMP(mn, 5); break;                                                   \
    case 6: RUNCMP(mn, 6); break;                                                   \
    default: RUNCMP(mn, 7); break;                                                  \
    }

/* CMPPS/CMPSS/CMPPD/CMPSD: the predicate is imm8[2:0] (imm8[7:3] are
 * reserved without AVX). */
static void run_cmp(unsigned op, unsigned imm, struct hrun *h)
{
    switch (op) {
    case OP_CMPPS: CMP8("cmpps"); break;
    case OP_CMPSS: CMP8("cmpss"); break;
    case OP_CMPPD: CMP8("cmppd"); break;
    default: CMP8("cmpsd"); break;
    }
}

/* COMISS/UCOMISS/COMISD/UCOMISD: ZF, PF, CF from the compare; OF, SF, AF
 * cleared. */
static uint32_t run_comi(unsigned op, struct hrun *h)
{
    bool zf, pf, cf;
#define COMI(insn)                                                                  \
    __asm__ volatile("ldmxcsr %[in]\n\t" insn " %[b], %[a]\n\t"                    \
                     "stmxcsr %[out]\n\tldmxcsr %[host]"                             \
                     : "=@ccz"(zf), "=@ccp"(pf), "=@ccc"(cf), [out] "=m"(h->out)       \
                     : [a] "x"(h->a), [b] "x"(h->b), [in] "m"(h->in), [host] "m"(h->host))
    switch (op) {
    case OP_COMISS: COMI("comiss"); break;
    case OP_UCOMISS: COMI("ucomiss"); break;
    case OP_COMISD: COMI("comisd"); break;
    default: COMI("ucomisd"); break;
    }
#undef COMI
    return (zf ? F_ZF : 0) | (pf ? F_PF : 0) | (cf ? F_CF : 0);
}

/* CVTSI2SS/CVTSI2SD xmm, r/m32. */
static void run_from_int(unsigned op, uint32_t v, struct hrun *h)
{
    if (op == OP_CVTSI2SS)
        __asm__ volatile("ldmxcsr %[in]\n\tcvtsi2ssl %[v], %[a]\n\t"
                         "stmxcsr %[out]\n\tldmxcsr %[host]"
                         : [a] "+x"(h->a), [out] "=m"(h->out)
                         : [v] "r"(v), [in] "m"(h->in), [host] "m"(h->host));
    else
        __asm__ volatile("ldmxcsr %[in]\n\tcvtsi2sdl %[v], %[a]\n\t"
                         "stmxcsr %[out]\n\tldmxcsr %[host]"
                         : [a] "+x"(h->a), [out] "=m"(h->out)
                         : [v] "r"(v), [in] "m"(h->in), [host] "m"(h->host));
}

/* CVTSS2SI, CVTTSS2SI, CVTSD2SI, CVTTSD2SI r32, xmm/m. */
static uint32_t run_to_int(unsigned op, struct hrun *h)
{
    uint32_t r;
#define TOINT(insn)                                                                 \
    __asm__ volatile("ldmxcsr %[in]\n\t" insn " %[b], %[r]\n\t"                    \
                     "stmxcsr %[out]\n\tldmxcsr %[host]"                             \
                     : [r] "=r"(r), [out] "=m"(h->out)                                \
                     : [b] "x"(h->b), [in] "m"(h->in), [host] "m"(h->host))
    switch (op) {
    case OP_CVTSS2SI: TOINT("cvtss2si"); break;
    case OP_CVTTSS2SI: TOINT("cvttss2si"); break;
    case OP_CVTSD2SI: TOINT("cvtsd2si"); break;
    default: TOINT("cvttsd2si"); break;
    }
#undef TOINT
    return r;
}

/* The XMM operation an MMX-form conversion runs as. */
static unsigned mmx_form_op(unsigned op)
{
    switch (op) {
    case OP_CVTPI2PS: return OP_CVTDQ2PS;
    case OP_CVTPS2PI: return OP_CVTPS2DQ;
    case OP_CVTTPS2PI: return OP_CVTTPS2DQ;
    case OP_CVTPI2PD: return OP_CVTDQ2PD;
    case OP_CVTPD2PI: return OP_CVTPD2DQ;
    case OP_CVTTPD2PI: return OP_CVTTPD2DQ;
    default: return 0;
    }
}

static enum cpu_feature feature_of(unsigned op)
{
    switch (op) {
    case OP_ADDPS: case OP_ADDSS: case OP_CMPPS: case OP_CMPSS: case OP_COMISS: case OP_CVTPI2PS: case OP_CVTPS2PI: case OP_CVTSI2SS: case OP_CVTSS2SI: case OP_CVTTPS2PI: case OP_CVTTSS2SI: case OP_DIVPS: case OP_DIVSS: case OP_MAXPS: case OP_MAXSS: case OP_MINPS: case OP_MINSS: case OP_MULPS: case OP_MULSS: case OP_RCPPS: case OP_RCPSS: case OP_RSQRTPS: case OP_RSQRTSS: case OP_SQRTPS: case OP_SQRTSS: case OP_SUBPS: case OP_SUBSS: case OP_UCOMISS:
        return CPUF_SSE;
    default:
        return CPUF_SSE2;
    }
}

void h_sse_fp(struct cpu *c, const struct insn *i)
{
    bool mmx = simd_has_mmx(i);
    simd_begin_xmm(c, feature_of(i->op));
    /* The MMX-register conversions are also x87-to-MMX transitions: a
     * pending x87 exception is reported first (SDM vol. 2, CVTPI2PS). */
    if (mmx && (c->fpu.sw & FSW_ES))
        fpu_signal_error(c);
    union xmmreg a, b, r;
    memset(&a, 0, sizeof(a));
    if (i->o[0].kind == OPK_XMM)
        a = c->sse.xmm[i->o[0].reg];
    simd_read(c, i, 1, &b, true);
    struct hrun hr, *h = &hr;
    h->host = __builtin_ia32_stmxcsr();
    h->in = (c->sse.mxcsr & (MXCSR_RC | MXCSR_FZ | MXCSR_DAZ)) | MXCSR_MASKS;
    memcpy(&h->a, &a, 16);
    memcpy(&h->b, &b, 16);
    unsigned op = i->op;
    unsigned mop = mmx_form_op(op);
    switch (op) {
    case OP_CMPPS: case OP_CMPSS: case OP_CMPPD: case OP_CMPSD_XMM:
        run_cmp(op, i->imm, h);
        break;
    case OP_COMISS: case OP_UCOMISS: case OP_COMISD: case OP_UCOMISD: {
        uint32_t fl = run_comi(op, h);
        simd_fp_flags(c, h->out);
        c->eflags = (c->eflags & ~(uint32_t)F_ARITH) | fl;
        return;
    }
    case OP_CVTSI2SS: case OP_CVTSI2SD:
        run_from_int(op, b.d[0], h);
        break;
    case OP_CVTSS2SI: case OP_CVTTSS2SI: case OP_CVTSD2SI: case OP_CVTTSD2SI: {
        union xmmreg g;
        memset(&g, 0, sizeof(g));
        g.d[0] = run_to_int(op, h);
        simd_fp_flags(c, h->out);
        simd_write(c, i, 0, &g, true);
        return;
    }
    default:
        if (mop) {
            /* Only the low two lanes of a packed-single source count. */
            if (op == OP_CVTPI2PS || op == OP_CVTPS2PI || op == OP_CVTTPS2PI)
                h->b[1] = 0;
            run_binary(mop, h);
        } else if (!run_binary(op, h)) {
            cpu_fault(c, EXC_UD, 0);
        }
        break;
    }
    simd_fp_flags(c, h->out);
    memcpy(&r, &h->a, 16);
    if (op == OP_CVTPI2PS)
        r.q[1] = a.q[1]; /* the destination's high half stays */
    simd_write(c, i, 0, &r, true);
    if (mmx)
        simd_mmx_done(c);
}
