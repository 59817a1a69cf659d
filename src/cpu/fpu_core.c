/* x87 plumbing shared by the instruction files: RESET state, the entry
 * checks (#NM, #MF, FERR#), stack faults, tags, and memory images of any
 * width.  See fpu.h. */
#define PLEX86_FPU_INTERNAL
#include "cpu/fpu.h"

#include <string.h>

#include "cpu/ops.h"

void fpu_reset(struct cpu *c)
{
    struct fpu *f = &c->fpu;
    memset(f, 0, sizeof(*f));
    f->cw = 0x0040;
    f->full = 0xFF; /* FTW 5555H: all tagged zero, all +0.0 */
}

static void set_ferr(struct cpu *c, bool level)
{
    if (c->fpu.ferr == level)
        return;
    c->fpu.ferr = level;
    if (c->pins.ferr)
        c->pins.ferr(c->pins.ferr_opaque, level);
}

void fpu_signal_error(struct cpu *c)
{
    if (c->cr0 & CR0_NE)
        cpu_fault(c, EXC_MF, 0);
    /* CR0.NE=0: the PC-compatible path.  FERR# goes to the board (IRQ13);
     * the instruction goes on as with IGNNE# asserted. */
    set_ferr(c, true);
}

bool fpu_begin_slow(struct cpu *c, const struct insn *i, bool waiting)
{
    if (!cpu_has_fpu(c)) {
        h_fpu_absent(c, i);
        return false;
    }
    if (c->cr0 & (CR0_EM | CR0_TS))
        cpu_fault(c, EXC_NM, 0);
    if (waiting && (c->fpu.sw & FSW_ES))
        fpu_signal_error(c);
    return true;
}

bool fpu_stack_fault(struct fpu *f, bool overflow)
{
    f->sw = (uint16_t)((f->sw & ~FSW_C1) | FSW_IE | FSW_SF | (overflow ? FSW_C1 : 0));
    if (f->cw & FSW_IE)
        return true;
    f->sw |= FSW_ES | FSW_B;
    return false;
}

void fpu_update_es(struct cpu *c)
{
    struct fpu *f = &c->fpu;
    if (f->sw & ~f->cw & FSW_EXC)
        f->sw |= FSW_ES | FSW_B;
    else
        f->sw &= (uint16_t)~(FSW_ES | FSW_B);
    set_ferr(c, (f->sw & FSW_ES) != 0);
}

unsigned fpu_tag_of(const struct fpreg *r)
{
    unsigned e = r->se & 0x7FFF;
    if (e == 0 && r->sig == 0)
        return 1;                       /* zero */
    if (e == 0 || e == 0x7FFF || !(r->sig >> 63))
        return 2;                       /* special: NaN, inf, denormal, unsupported */
    return 0;                           /* valid */
}

uint16_t fpu_get_tw(const struct fpu *f)
{
    unsigned tw = 0;
    for (unsigned r = 0; r < 8; r++)
        tw |= ((f->full >> r) & 1 ? fpu_tag_of(&f->r[r]) : 3u) << (2 * r);
    return (uint16_t)tw;
}

void fpu_read_mem(struct cpu *c, const struct insn *i, uint32_t off, void *dst, unsigned len)
{
    mmu_read_bytes(c, seg_linear(c, i->seg, off, len, SEG_READ), dst, len);
}

void fpu_write_mem(struct cpu *c, const struct insn *i, uint32_t off, const void *src,
                   unsigned len)
{
    uint32_t la = seg_linear(c, i->seg, off, len, SEG_WRITE);
    /* Pieces on one page stand or fall together; across pages, check all
     * of them before the first byte lands. */
    if ((la & 0xFFF) + len > 0x1000)
        mmu_probe(c, la, len, MMU_WRITE);
    mmu_write_bytes(c, la, src, len);
}

/* An ESC encoding this FPU does not implement (FISTTP: SSE3): the absent-
 * coprocessor behaviour without an FPU, #UD with one. */
void h_fpu_esc(struct cpu *c, const struct insn *i)
{
    if (!cpu_has_fpu(c)) {
        h_fpu_absent(c, i);
        return;
    }
    cpu_fault(c, EXC_UD, 0);
}
