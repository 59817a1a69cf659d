/* The x87 FPU's internal interface, shared by fpu_*.c (not for use outside
 * src/cpu, except the feature predicates and fpu_reset).
 *
 * How it computes: every operation that rounds or can raise a floating-
 * point exception runs on the host's own x87 (fpu_host.c), under the
 * guest's control word, so results, flags and condition codes are the
 * hardware's.  Moves, stack bookkeeping, tags, FXAM, FCHS/FABS and the
 * environment images are done here in C.
 *
 * Error reporting (SDM vol. 1, 8.7; vol. 3A, 2.5 NE): an unmasked
 * exception sets ES and B in the status word; the next "waiting" x87
 * instruction (all but FNINIT, FNCLEX, FNSTSW, FNSTCW, FNSTENV, FNSAVE),
 * or WAIT, then raises #MF when CR0.NE=1.  With CR0.NE=0 it asserts
 * FERR# through cpu->pins.ferr (the board wires it to IRQ13 through the PIC and
 * owns IGNNE#, port 0xF0) and goes on executing, as if IGNNE# were
 * asserted.  FERR# drops when ES is cleared (FNCLEX, FNINIT, FNSAVE,
 * FLDCW/FLDENV/FRSTOR that leave no unmasked exception pending). */
#ifndef PLEX86_CPU_FPU_H
#define PLEX86_CPU_FPU_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "cpu/features.h"

/* FCMOVcc and FCOMI/FUCOMI: CPUID.CMOV together with CPUID.FPU. */
static inline bool cpu_has_fcmov(const struct cpu *c)
{
    return cpu_has_fpu(c) && cpu_has(c, CPUF_CMOV);
}

/* RESET state (SDM vol. 3A, 9.1.1, table 9-1): FCW 0040H, FSW 0, FTW
 * 5555H (every register tagged zero, holding +0.0), pointers 0. */
void fpu_reset(struct cpu *c);

/* A waiting instruction found an unmasked exception pending (ES): #MF
 * when CR0.NE=1, else FERR# (and the instruction goes on).  WAIT uses it. */
void fpu_signal_error(struct cpu *c);

#ifdef PLEX86_FPU_INTERNAL
#include "cpu/exec.h"

/* ESC with no coprocessor (ops_system.c). */
void h_fpu_absent(struct cpu *c, const struct insn *i);

/* The QNaN "real indefinite" (SDM vol. 1, 4.8.3.7). */
#define FPU_INDEF_SIG 0xC000000000000000ull
#define FPU_INDEF_SE 0xFFFFu

static inline unsigned fpu_phys(const struct fpu *f, unsigned i)
{
    return (f->top + i) & 7;
}

static inline struct fpreg *fpu_st(struct fpu *f, unsigned i)
{
    return &f->r[fpu_phys(f, i)];
}

static inline bool fpu_full(const struct fpu *f, unsigned i)
{
    return (f->full >> fpu_phys(f, i)) & 1;
}

static inline void fpu_push(struct fpu *f, const struct fpreg *v)
{
    f->top = (f->top - 1) & 7;
    f->r[f->top].sig = v->sig;
    f->r[f->top].se = v->se;
    f->full |= (uint8_t)(1u << f->top);
}

static inline void fpu_pop(struct fpu *f)
{
    f->full &= (uint8_t)~(1u << f->top);
    f->top = (f->top + 1) & 7;
}

static inline void fpu_set_indef(struct fpreg *r)
{
    r->sig = FPU_INDEF_SIG;
    r->se = FPU_INDEF_SE;
}

/* Exact integer -> double extended conversion (FILD never rounds). */
static inline void fpu_int_to_reg(int64_t v, struct fpreg *r)
{
    r->sig = 0;
    r->se = 0;
    if (v == 0)
        return;
    uint64_t a = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    int lz = __builtin_clzll(a);
    r->sig = a << lz;
    r->se = (uint16_t)((v < 0 ? 0x8000 : 0) | (16383 + 63 - lz));
}

/* The status word as software reads it (TOP inserted). */
static inline uint16_t fpu_get_sw(const struct fpu *f)
{
    return (uint16_t)(f->sw | (f->top << 11));
}

/* Entry checks of an ESC instruction, in the SDM's order: no FPU (the
 * absent-coprocessor behaviour, h_fpu_absent: returns false and the
 * handler stops), CR0.EM or CR0.TS (#NM), then for waiting instructions a
 * pending unmasked exception (#MF, or FERR#). */
bool fpu_begin_slow(struct cpu *c, const struct insn *i, bool waiting);

static inline bool fpu_begin(struct cpu *c, const struct insn *i)
{
    if (__builtin_expect((c->cr0 & (CR0_EM | CR0_TS)) || !cpu_has_fpu(c) ||
                         (c->fpu.sw & FSW_ES), 0))
        return fpu_begin_slow(c, i, true);
    return true;
}

/* The same for the non-waiting control instructions. */
static inline bool fpu_begin_nowait(struct cpu *c, const struct insn *i)
{
    if (__builtin_expect((c->cr0 & (CR0_EM | CR0_TS)) || !cpu_has_fpu(c), 0))
        return fpu_begin_slow(c, i, false);
    return true;
}

/* Records a non-control instruction in FIP/FCS/FOP and, when it has a
 * memory operand, FDP/FDS (SDM vol. 1, 8.1.8-8.1.9). */
static inline void fpu_note(struct cpu *c, const struct insn *i, bool mem, uint32_t ea)
{
    struct fpu *f = &c->fpu;
    f->fip = c->insn_eip;
    f->fcs = c->seg[S_CS].sel;
    f->fop = (uint16_t)(((i->opcode & 7) << 8) | i->modrm);
    if (mem) {
        f->fdp = ea;
        f->fds = c->seg[i->seg].sel;
    }
}

/* FNINIT's state (SDM vol. 2, FINIT): FCW 037FH, FSW 0, every register
 * empty, the pointers 0; FERR# follows.  FNSAVE ends with it too. */
void fpu_init_state(struct cpu *c);

/* Merges the exception flags of the host's status word after an
 * operation; sets ES and B for unmasked ones and returns those. */
static inline unsigned fpu_merge(struct fpu *f, unsigned hsw)
{
    unsigned exc = hsw & FSW_EXC;
    f->sw |= (uint16_t)exc;
    unsigned unmasked = exc & ~f->cw & FSW_EXC;
    if (__builtin_expect(unmasked != 0, 0))
        f->sw |= FSW_ES | FSW_B;
    return unmasked;
}

/* Takes the condition codes in `cc` (those the instruction defines) from
 * the host's status word. */
static inline void fpu_cc(struct fpu *f, unsigned hsw, unsigned cc)
{
    f->sw = (uint16_t)((f->sw & ~cc) | (hsw & cc));
}

/* Pre-computation exceptions: an unmasked one leaves the destination and
 * the stack as they were (SDM vol. 1, 8.5). */
#define FPU_PRE (FSW_IE | FSW_DE | FSW_ZE)

/* Stack overflow (push onto a full register) or underflow (an empty
 * source): IE and SF, C1 = 1 for overflow (SDM vol. 1, 8.5.1.1).
 * Returns true when IE is masked: the caller applies the masked response
 * (the real indefinite); false: nothing may change but the status. */
bool fpu_stack_fault(struct fpu *f, bool overflow);

/* ES changed (FNCLEX, FLDCW, FLDENV, ...): recomputes it and B from the
 * flags and masks, and drives FERR# accordingly. */
void fpu_update_es(struct cpu *c);

/* Memory operands of any width (the image is little-endian bytes).
 * Writes check every page first, so a fault leaves memory untouched. */
void fpu_read_mem(struct cpu *c, const struct insn *i, uint32_t off, void *dst, unsigned len);
void fpu_write_mem(struct cpu *c, const struct insn *i, uint32_t off, const void *src,
                   unsigned len);

/* The full two-bit tag of a register's contents (SDM vol. 1, 8.1.7). */
unsigned fpu_tag_of(const struct fpreg *r);
/* The full tag word. */
uint16_t fpu_get_tw(const struct fpu *f);

#endif /* PLEX86_FPU_INTERNAL */

#endif
