/* FNSTENV/FLDENV and FNSAVE/FRSTOR: the x87 environment and state images
 * in their four layouts (SDM vol. 1, 8.1.10, figures 8-9 to 8-12):
 * 32- or 16-bit operand size, protected-mode or real-address/V86 form.
 *
 * Reserved fields are stored as P6-family and later processors store them
 * (ones in the upper halves of the CW, SW, TW and FDS dwords).  The tag
 * word is computed from the register contents; loading one keeps only its
 * empty / not-empty information, the rest being recomputed on the next
 * store, as on those processors. */
#define PLEX86_FPU_INTERNAL
#include "cpu/fpu.h"

#include <string.h>

#include "cpu/ops.h"

static bool real_layout(const struct cpu *c)
{
    return !(c->cr0 & CR0_PE) || (c->eflags & F_VM);
}

static void put16(uint8_t *b, unsigned off, uint32_t v)
{
    uint16_t h = (uint16_t)v;
    memcpy(b + off, &h, 2);
}

static void put32(uint8_t *b, unsigned off, uint32_t v)
{
    memcpy(b + off, &v, 4);
}

static uint32_t get16(const uint8_t *b, unsigned off)
{
    uint16_t h;
    memcpy(&h, b + off, 2);
    return h;
}

static uint32_t get32(const uint8_t *b, unsigned off)
{
    uint32_t v;
    memcpy(&v, b + off, 4);
    return v;
}

/* Builds the environment image; returns its length (14 or 28). */
static unsigned env_store(struct cpu *c, uint8_t *b, unsigned osize)
{
    const struct fpu *f = &c->fpu;
    uint32_t cw = f->cw, sw = fpu_get_sw(f), tw = fpu_get_tw(f);
    uint32_t fop = f->fop & 0x7FF;
    if (real_layout(c)) {
        uint32_t ip = ((uint32_t)f->fcs << 4) + f->fip;
        uint32_t dp = ((uint32_t)f->fds << 4) + f->fdp;
        if (osize == 4) {
            put32(b, 0, 0xFFFF0000u | cw);
            put32(b, 4, 0xFFFF0000u | sw);
            put32(b, 8, 0xFFFF0000u | tw);
            put32(b, 12, 0xFFFF0000u | (ip & 0xFFFF));
            put32(b, 16, ((ip & 0xFFFF0000u) >> 4) | fop);
            put32(b, 20, 0xFFFF0000u | (dp & 0xFFFF));
            put32(b, 24, (dp & 0xFFFF0000u) >> 4);
            return 28;
        }
        put16(b, 0, cw);
        put16(b, 2, sw);
        put16(b, 4, tw);
        put16(b, 6, ip);
        put16(b, 8, ((ip >> 4) & 0xF000) | fop);
        put16(b, 10, dp);
        put16(b, 12, (dp >> 4) & 0xF000);
        return 14;
    }
    if (osize == 4) {
        put32(b, 0, 0xFFFF0000u | cw);
        put32(b, 4, 0xFFFF0000u | sw);
        put32(b, 8, 0xFFFF0000u | tw);
        put32(b, 12, f->fip);
        put32(b, 16, (fop << 16) | f->fcs);
        put32(b, 20, f->fdp);
        put32(b, 24, 0xFFFF0000u | f->fds);
        return 28;
    }
    put16(b, 0, cw);
    put16(b, 2, sw);
    put16(b, 4, tw);
    put16(b, 6, f->fip);
    put16(b, 8, f->fcs);
    put16(b, 10, f->fdp);
    put16(b, 12, f->fds);
    return 14;
}

static unsigned env_len(const struct insn *i)
{
    return i->osize == 4 ? 28 : 14;
}

/* Loads an environment image (already read: nothing here can fault). */
static void env_load(struct cpu *c, const uint8_t *b, unsigned osize)
{
    struct fpu *f = &c->fpu;
    uint32_t cw, sw, tw;
    if (osize == 4) {
        cw = get32(b, 0);
        sw = get32(b, 4);
        tw = get32(b, 8);
        if (real_layout(c)) {
            f->fip = (get32(b, 12) & 0xFFFF) | ((get32(b, 16) << 4) & 0xFFFF0000u);
            f->fop = get32(b, 16) & 0x7FF;
            f->fdp = (get32(b, 20) & 0xFFFF) | ((get32(b, 24) << 4) & 0xFFFF0000u);
            f->fcs = f->fds = 0;
        } else {
            f->fip = get32(b, 12);
            f->fcs = (uint16_t)get32(b, 16);
            f->fop = (get32(b, 16) >> 16) & 0x7FF;
            f->fdp = get32(b, 20);
            f->fds = (uint16_t)get32(b, 24);
        }
    } else {
        cw = get16(b, 0);
        sw = get16(b, 2);
        tw = get16(b, 4);
        if (real_layout(c)) {
            f->fip = get16(b, 6) | ((get16(b, 8) & 0xF000) << 4);
            f->fop = get16(b, 8) & 0x7FF;
            f->fdp = get16(b, 10) | ((get16(b, 12) & 0xF000) << 4);
            f->fcs = f->fds = 0;
        } else {
            f->fip = get16(b, 6);
            f->fcs = (uint16_t)get16(b, 8);
            f->fdp = get16(b, 10);
            f->fds = (uint16_t)get16(b, 12);
        }
    }
    f->cw = (uint16_t)((cw & ~0xE0C0u) | 0x0040);
    f->top = (sw >> 11) & 7;
    f->sw = (uint16_t)(sw & ~FSW_TOP);
    uint8_t full = 0;
    for (unsigned r = 0; r < 8; r++)
        if (((tw >> (2 * r)) & 3) != 3)
            full |= (uint8_t)(1u << r);
    f->full = full;
    fpu_update_es(c);
}

/* FNSTENV (D9 /6): store the environment, then mask every exception. */
void h_fnstenv(struct cpu *c, const struct insn *i)
{
    if (!fpu_begin_nowait(c, i))
        return;
    uint8_t b[28];
    unsigned n = env_store(c, b, i->osize);
    fpu_write_mem(c, i, ea_offset(c, i), b, n);
    c->fpu.cw |= FCW_MASKS;
}

/* FLDENV (D9 /4). */
void h_fldenv(struct cpu *c, const struct insn *i)
{
    if (!fpu_begin(c, i))
        return;
    uint8_t b[28];
    fpu_read_mem(c, i, ea_offset(c, i), b, env_len(i));
    env_load(c, b, i->osize);
}

/* FNSAVE (DD /6): environment and ST(0)..ST(7), then FNINIT. */
void h_fnsave(struct cpu *c, const struct insn *i)
{
    if (!fpu_begin_nowait(c, i))
        return;
    struct fpu *f = &c->fpu;
    uint8_t b[108];
    unsigned n = env_store(c, b, i->osize);
    for (unsigned k = 0; k < 8; k++) {
        const struct fpreg *r = fpu_st(f, k);
        memcpy(b + n + 10 * k, &r->sig, 8);
        memcpy(b + n + 10 * k + 8, &r->se, 2);
    }
    fpu_write_mem(c, i, ea_offset(c, i), b, n + 80);
    fpu_init_state(c); /* FNSAVE ends as FNINIT does (SDM vol. 2, FSAVE) */
}

/* FRSTOR (DD /4). */
void h_frstor(struct cpu *c, const struct insn *i)
{
    if (!fpu_begin(c, i))
        return;
    struct fpu *f = &c->fpu;
    uint8_t b[108];
    unsigned n = env_len(i);
    fpu_read_mem(c, i, ea_offset(c, i), b, n + 80);
    env_load(c, b, i->osize);
    for (unsigned k = 0; k < 8; k++) {
        struct fpreg *r = fpu_st(f, k);
        memcpy(&r->sig, b + n + 10 * k, 8);
        memcpy(&r->se, b + n + 10 * k + 8, 2);
    }
}
