/* MMX/SSE entry checks and operand access (simd.h). */
#define PLEX86_SIMD_INTERNAL
#include "cpu/simd.h"

#include <string.h>

#include "cpu/fpu.h"
#include "cpu/mmu.h"

void sse_reset(struct cpu *c)
{
    memset(&c->sse, 0, sizeof(c->sse));
    c->sse.mxcsr = MXCSR_INIT;
}

void simd_begin_mmx(struct cpu *c, enum cpu_feature f)
{
    if (!cpu_has(c, f) || !cpu_has(c, CPUF_MMX) || (c->cr0 & CR0_EM))
        cpu_fault(c, EXC_UD, 0);
    if (c->cr0 & CR0_TS)
        cpu_fault(c, EXC_NM, 0);
    if (c->fpu.sw & FSW_ES)
        fpu_signal_error(c);
}

void simd_begin_xmm(struct cpu *c, enum cpu_feature f)
{
    if (!cpu_has(c, f) || (c->cr0 & CR0_EM) || !(c->cr4 & CR4_OSFXSR))
        cpu_fault(c, EXC_UD, 0);
    if (c->cr0 & CR0_TS)
        cpu_fault(c, EXC_NM, 0);
}

bool simd_has_mmx(const struct insn *i)
{
    for (unsigned k = 0; k < i->nops; k++)
        if (i->o[k].kind == OPK_MMX)
            return true;
    return false;
}

void simd_check_align16(struct cpu *c, int seg, uint32_t off)
{
    if ((c->seg[seg].base + off) & 15)
        cpu_fault(c, EXC_GP, 0);
}

void simd_mem_read(struct cpu *c, int seg, uint32_t off, void *dst, unsigned len)
{
    uint32_t la = seg_linear(c, seg, off, len, SEG_READ);
    uint8_t *d = dst;
    unsigned k = 0;
    if (len == 8) { /* MOVQ, MOVLPS...: one access when aligned (8.1.1) */
        uint64_t v = mmu_read64(c, la);
        memcpy(d, &v, 8);
        return;
    }
    for (; k + 4 <= len; k += 4) {
        uint32_t v = lin_read(c, la + k, 4);
        memcpy(d + k, &v, 4);
    }
    for (; k < len; k++)
        d[k] = (uint8_t)lin_read(c, la + k, 1);
}

void simd_mem_write(struct cpu *c, int seg, uint32_t off, const void *src, unsigned len,
                    unsigned check)
{
    uint32_t la = seg_linear(c, seg, off, check > len ? check : len, SEG_WRITE);
    if (len == 8) { /* one access when aligned (SDM vol. 3A, 8.1.1) */
        uint64_t v;
        memcpy(&v, src, 8);
        mmu_write64(c, la, v);
        return;
    }
    if ((la & 0xFFF) + len > 0x1000)
        mmu_probe(c, la, len, MMU_WRITE);
    const uint8_t *s = src;
    unsigned k = 0;
    for (; k + 4 <= len; k += 4) {
        uint32_t v;
        memcpy(&v, s + k, 4);
        lin_write(c, la + k, v, 4);
    }
    for (; k < len; k++)
        lin_write(c, la + k, s[k], 1);
}

/* A memory operand of simd_read/simd_write: its offset and length (at
 * most 16 bytes), after the 16-byte alignment check when `aligned`. */
static unsigned mem_operand(struct cpu *c, const struct insn *i, const struct opnd *o,
                            bool aligned, uint32_t *off)
{
    *off = ea_offset(c, i);
    unsigned len = o->size <= 16 ? o->size : 16;
    if (aligned && len == 16)
        simd_check_align16(c, i->seg, *off);
    return len;
}

void simd_read(struct cpu *c, const struct insn *i, unsigned k, union xmmreg *v, bool aligned)
{
    const struct opnd *o = &i->o[k];
    memset(v, 0, sizeof(*v));
    switch (o->kind) {
    case OPK_XMM:
        *v = c->sse.xmm[o->reg];
        break;
    case OPK_MMX:
        v->q[0] = c->fpu.r[o->reg].sig;
        break;
    case OPK_GPR:
        v->d[0] = c->gpr[o->reg];
        break;
    case OPK_IMM:
        v->d[0] = i->imm;
        break;
    case OPK_MEM: {
        uint32_t off;
        unsigned len = mem_operand(c, i, o, aligned, &off);
        simd_mem_read(c, i->seg, off, v, len);
        break;
    }
    default:
        cpu_fault(c, EXC_UD, 0);
    }
}

void simd_write(struct cpu *c, const struct insn *i, unsigned k, const union xmmreg *v,
                bool aligned)
{
    const struct opnd *o = &i->o[k];
    switch (o->kind) {
    case OPK_XMM:
        c->sse.xmm[o->reg] = *v;
        break;
    case OPK_MMX:
        c->fpu.r[o->reg].sig = v->q[0];
        c->fpu.r[o->reg].se = 0xFFFF;
        break;
    case OPK_GPR:
        c->gpr[o->reg] = v->d[0];
        break;
    case OPK_MEM: {
        uint32_t off;
        unsigned len = mem_operand(c, i, o, aligned, &off);
        simd_mem_write(c, i->seg, off, v, len, len);
        break;
    }
    default:
        cpu_fault(c, EXC_UD, 0);
    }
}

_Noreturn void simd_fp_fault(struct cpu *c)
{
    cpu_fault(c, (c->cr4 & CR4_OSXMMEXCPT) ? EXC_XM : EXC_UD, 0);
}

void simd_fp_flags(struct cpu *c, unsigned flags)
{
    flags &= MXCSR_FLAGS;
    unsigned unmasked = flags & ~(c->sse.mxcsr >> 7) & MXCSR_FLAGS;
    if (__builtin_expect(unmasked != 0, 0)) {
        const unsigned pre = MXCSR_IE | MXCSR_DE | MXCSR_ZE;
        if (unmasked & pre)
            flags &= pre;
        c->sse.mxcsr |= flags;
        simd_fp_fault(c);
    }
    c->sse.mxcsr |= flags;
}
