/* FXSAVE/FXRSTOR, LDMXCSR/STMXCSR, EMMS and the fences (SDM vol. 2). */
#define PLEX86_SIMD_INTERNAL
#define PLEX86_FPU_INTERNAL
#include "cpu/simd.h"

#include <string.h>

#include "cpu/fpu.h"
#include "cpu/ops.h"

/* The 512-byte image in its 32-bit form (SDM vol. 2, FXSAVE, table
 * "Non-64-bit-Mode Layout of FXSAVE and FXRSTOR Memory Region").  Bytes
 * 288-511 are reserved or free for software: neither instruction touches
 * them, but the whole 512 bytes must lie in the segment. */
enum {
    FX_FCW = 0, FX_FSW = 2, FX_FTW = 4, FX_FOP = 6, FX_FIP = 8, FX_FCS = 12, FX_FDP = 16,
    FX_FDS = 20, FX_MXCSR = 24, FX_MXCSR_MASK = 28, FX_ST = 32, FX_XMM = 160,
    FX_USED = 288, FX_SIZE = 512,
};

/* #UD without CPUID.FXSR; #NM with CR0.TS or CR0.EM; #GP(0) unless the
 * image is 16-byte aligned.  No x87 exception check (not waiting). */
static uint32_t fx_begin(struct cpu *c, const struct insn *i)
{
    if (!cpu_has_fxsr(c))
        cpu_fault(c, EXC_UD, 0);
    if (c->cr0 & (CR0_TS | CR0_EM))
        cpu_fault(c, EXC_NM, 0);
    uint32_t off = ea_offset(c, i);
    simd_check_align16(c, i->seg, off);
    return off;
}

static void put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

void h_fxsave(struct cpu *c, const struct insn *i)
{
    uint32_t off = fx_begin(c, i);
    const struct fpu *f = &c->fpu;
    uint8_t img[FX_USED];
    memset(img, 0, sizeof(img));
    put16(img + FX_FCW, f->cw);
    put16(img + FX_FSW, fpu_get_sw(f));
    img[FX_FTW] = f->full; /* abridged: 1 = not empty, by physical register */
    put16(img + FX_FOP, f->fop & 0x7FF);
    put32(img + FX_FIP, f->fip);
    put16(img + FX_FCS, f->fcs);
    put32(img + FX_FDP, f->fdp);
    put16(img + FX_FDS, f->fds);
    put32(img + FX_MXCSR, c->sse.mxcsr);
    put32(img + FX_MXCSR_MASK, MXCSR_VALID);
    for (unsigned k = 0; k < 8; k++) { /* in stack order: ST(0) first */
        const struct fpreg *r = &f->r[(f->top + k) & 7];
        memcpy(img + FX_ST + 16 * k, &r->sig, 8);
        put16(img + FX_ST + 16 * k + 8, r->se);
    }
    memcpy(img + FX_XMM, c->sse.xmm, 8 * 16);
    simd_mem_write(c, i->seg, off, img, FX_USED, FX_SIZE);
}

void h_fxrstor(struct cpu *c, const struct insn *i)
{
    uint32_t off = fx_begin(c, i);
    uint8_t img[FX_USED];
    seg_linear(c, i->seg, off, FX_SIZE, SEG_READ);
    simd_mem_read(c, i->seg, off, img, FX_USED);
    uint32_t mxcsr = get32(img + FX_MXCSR);
    if (mxcsr & ~(uint32_t)MXCSR_VALID)
        cpu_fault(c, EXC_GP, 0);
    struct fpu *f = &c->fpu;
    uint16_t sw = get16(img + FX_FSW);
    f->cw = get16(img + FX_FCW);
    f->top = (sw >> 11) & 7;
    f->sw = sw & (uint16_t)~FSW_TOP;
    f->full = img[FX_FTW];
    f->fop = get16(img + FX_FOP) & 0x7FF;
    f->fip = get32(img + FX_FIP);
    f->fcs = get16(img + FX_FCS);
    f->fdp = get32(img + FX_FDP);
    f->fds = get16(img + FX_FDS);
    for (unsigned k = 0; k < 8; k++) {
        struct fpreg *r = &f->r[(f->top + k) & 7];
        memcpy(&r->sig, img + FX_ST + 16 * k, 8);
        r->se = get16(img + FX_ST + 16 * k + 8);
    }
    memcpy(c->sse.xmm, img + FX_XMM, 8 * 16);
    c->sse.mxcsr = mxcsr;
    /* ES/B as loaded may disagree with the flags and masks: FERR# follows
     * the flags, as after FRSTOR. */
    fpu_update_es(c);
}

void h_ldmxcsr(struct cpu *c, const struct insn *i)
{
    simd_begin_xmm(c, CPUF_SSE);
    uint32_t v;
    simd_mem_read(c, i->seg, ea_offset(c, i), &v, 4);
    if (v & ~(uint32_t)MXCSR_VALID)
        cpu_fault(c, EXC_GP, 0);
    c->sse.mxcsr = v;
}

void h_stmxcsr(struct cpu *c, const struct insn *i)
{
    simd_begin_xmm(c, CPUF_SSE);
    uint32_t v = c->sse.mxcsr;
    simd_mem_write(c, i->seg, ea_offset(c, i), &v, 4, 4);
}

void h_emms(struct cpu *c, const struct insn *i)
{
    (void)i;
    simd_begin_mmx(c, CPUF_MMX);
    /* Every tag empty; TOP goes to 0 as after any MMX instruction (SDM
     * vol. 1, 9.5.1; the host does the same). */
    c->fpu.top = 0;
    c->fpu.full = 0;
}

/* Ordering hints: one CPU and in-order stores need none (SDM vol. 2,
 * SFENCE: SSE; LFENCE, MFENCE: SSE2).  No CR0/CR4 checks apply. */
void h_fence(struct cpu *c, const struct insn *i)
{
    if (!cpu_has(c, i->op == OP_SFENCE ? CPUF_SSE : CPUF_SSE2))
        cpu_fault(c, EXC_UD, 0);
}
