/* MMX, SSE and SSE2: the interface between their handlers (simd_*.c,
 * sse_*.c, fpu_fxsave.c).  Only sse_reset is for use outside.
 *
 * State: struct sse (fpu_state.h) holds XMM0-7 and MXCSR; the MMX registers
 * are the x87 significands (SDM vol. 1, 9.5), so an MMX instruction that
 * completes sets TOP to 0 and tags every register valid, and one that
 * writes MMi sets Ri's sign and exponent to all ones (SDM vol. 1, 9.5.1,
 * table 9-2).  EMMS empties the tags.
 *
 * Entry checks (SDM vol. 3A, 13.1 and vol. 2, tables 22-6/22-7 and the
 * SSE/SSE2 exception classes), in this order:
 *   MMX-register forms  #UD without the CPUID feature or with CR0.EM;
 *                       #NM with CR0.TS; then a pending x87 exception
 *                       (FSW.ES) is reported as by a waiting x87
 *                       instruction (#MF, or FERR# with CR0.NE=0).
 *   XMM forms           #UD without the feature, with CR0.EM, or with
 *                       CR4.OSFXSR clear; #NM with CR0.TS.
 * A 16-byte memory operand must be 16-byte aligned (#GP(0)) except for
 * the unaligned moves MOVUPS/MOVUPD/MOVDQU (SDM vol. 1, 11.4.1). */
#ifndef PLEX86_CPU_SIMD_H
#define PLEX86_CPU_SIMD_H

#include "cpu/cpu.h"

/* RESET (SDM vol. 3A, table 9-1): XMM registers zero, MXCSR 1F80H. */
void sse_reset(struct cpu *c);

#ifdef PLEX86_SIMD_INTERNAL
#include "cpu/exec.h"
#include "cpu/features.h"
#include "cpu/insn.h"

/* The entry checks above: `f` is the CPUID feature the form needs.
 * MMX-register forms take simd_begin_mmx, XMM forms simd_begin_xmm;
 * simd_begin picks by the instruction's operands. */
void simd_begin_mmx(struct cpu *c, enum cpu_feature f);
void simd_begin_xmm(struct cpu *c, enum cpu_feature f);
/* True when the instruction has an MMX register operand. */
bool simd_has_mmx(const struct insn *i);
static inline void simd_begin(struct cpu *c, const struct insn *i, enum cpu_feature f)
{
    if (simd_has_mmx(i))
        simd_begin_mmx(c, f);
    else
        simd_begin_xmm(c, f);
}

/* Operand k as a 128-bit value, zero-extended: XMM (16 bytes), MMX (8),
 * GPR (4), memory (the operand's size, with the alignment rule when it is
 * 16 bytes and `aligned`), immediate. */
void simd_read(struct cpu *c, const struct insn *i, unsigned k, union xmmreg *v, bool aligned);
/* Writes operand k: an XMM register whole, an MMX register's 64 bits (and
 * all-ones exponent), a GPR's 32 bits, or memory of the operand's size. */
void simd_write(struct cpu *c, const struct insn *i, unsigned k, const union xmmreg *v,
                bool aligned);
/* The end of an instruction that touched MMX registers: TOP 0, all valid. */
static inline void simd_mmx_done(struct cpu *c)
{
    c->fpu.top = 0;
    c->fpu.full = 0xFF;
}

/* Memory of any length at seg:off (checked over `check` bytes of the
 * segment, which may be more than is moved: FXSAVE's 512); writes probe
 * every page first so a fault leaves memory untouched. */
void simd_mem_read(struct cpu *c, int seg, uint32_t off, void *dst, unsigned len);
void simd_mem_write(struct cpu *c, int seg, uint32_t off, const void *src, unsigned len,
                    unsigned check);
/* #GP(0) unless seg:off is 16-byte aligned. */
void simd_check_align16(struct cpu *c, int seg, uint32_t off);

/* A SIMD floating-point exception that is unmasked: #XM with
 * CR4.OSXMMEXCPT, else #UD (SDM vol. 3A, 2.5, OSXMMEXCPT). */
_Noreturn void simd_fp_fault(struct cpu *c);

/* Merges the flags of a host operation run under the guest's rounding,
 * DAZ and FZ with every exception masked (sse_host.c).  An unmasked one
 * faults (simd_fp_fault) before the result is written: pre-computation
 * exceptions (IE, DE, ZE) are then reported without the post-computation
 * ones (SDM vol. 1, 11.5.1). */
void simd_fp_flags(struct cpu *c, unsigned flags);
#endif /* PLEX86_SIMD_INTERNAL */

#endif
