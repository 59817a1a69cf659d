/* The host's x87 as the guest FPU's arithmetic unit (x86-64 hosts).
 *
 * Each function loads guest registers (80-bit images, bit for bit) onto the
 * host's x87 stack, runs one host instruction under the guest's control
 * word, and stores the results back; it returns the host status word just
 * after that instruction, from which the caller takes the exception flags
 * and condition codes.  The host control word is saved before and restored
 * after, so C code around is unaffected, and the host stack is left empty.
 *
 * The guest's exception masks are applied on the host too, so that what
 * the hardware does for unmasked exceptions (destination untouched for
 * invalid/denormal/zero-divide, the exponent-wrapped result for overflow
 * and underflow, underflow detected on tininess alone) comes out exactly.
 * That is safe because the host x87 reports an unmasked exception only at
 * its next waiting instruction: each sequence follows the operation with
 * FNSTSW and, when any flag is up, FNCLEX (both non-waiting), so the host
 * never takes an #MF.  Loads and constants, whose exceptions are all
 * pre-computation ones, run fully masked. */
#ifndef PLEX86_CPU_FPU_HOST_H
#define PLEX86_CPU_FPU_HOST_H

#include <stdint.h>

#include "cpu/fpu_state.h"

/* A memory operand's image: up to 10 bytes (m80), padded. */
struct fpmem {
    uint8_t b[16];
} __attribute__((aligned(16)));

/* ST(0) op ST(i), the encodings D8 /r and DC /r with ModRM C0+8r+1 on the
 * host, a = ST(0), b = ST(i): index r (D8: result in a) or 8 + r (DC:
 * result in b); FHOST_FUCOM (DD E1: FUCOM).  Compares (r = 2, 3) set the
 * condition codes only (never pop: the caller pops). */
#define FHOST_DC 8
#define FHOST_FUCOM 16
uint16_t fpu_host_rr(unsigned sel, struct fpreg *a, struct fpreg *b, uint16_t cw);

/* ST(0) op memory: sel = form * 8 + r, form 0 = D8 (m32 real), 1 = DA
 * (m32 int), 2 = DC (m64 real), 3 = DE (m16 int); compares never pop. */
uint16_t fpu_host_rm(unsigned sel, struct fpreg *a, const struct fpmem *m, uint16_t cw);

/* Loads: m32/m64 real or m80 BCD from m, or a constant (D9 E8-EE order). */
enum fhost_load {
    FHL_M32, FHL_M64, FHL_BCD, FHL_ONE, FHL_L2T, FHL_L2E, FHL_PI, FHL_LG2, FHL_LN2, FHL_Z,
};
uint16_t fpu_host_load(enum fhost_load k, struct fpreg *out, const struct fpmem *m,
                       uint16_t cw);

/* Stores of a to m: m32/m64 real, m16/m32/m64 integer, m80 BCD. */
enum fhost_store { FHS_M32, FHS_M64, FHS_I16, FHS_I32, FHS_I64, FHS_BCD };
uint16_t fpu_host_store(enum fhost_store k, struct fpreg *a, struct fpmem *m, uint16_t cw);

/* D9 E0-FF operations on a = ST(0) and b = ST(1).  One-operand ones
 * (FSQRT, FRNDINT, FTST, F2XM1, FSIN, FCOS) leave b alone; FSCALE, FPREM,
 * FPREM1 update a (b comes back unchanged); FPATAN, FYL2X, FYL2XP1 leave
 * their result in a (it belongs in ST(1), which the caller then pops),
 * unless a pre-computation exception was unmasked.  The pushing ones
 * (FPTAN, FSINCOS, FXTRACT) go through fpu_host_push. */
enum fhost_op {
    FHO_SQRT, FHO_RNDINT, FHO_TST, FHO_F2XM1, FHO_SIN, FHO_COS,
    FHO_SCALE, FHO_PREM, FHO_PREM1, FHO_PATAN, FHO_YL2X, FHO_YL2XP1,
};
uint16_t fpu_host_op(enum fhost_op k, struct fpreg *a, struct fpreg *b, uint16_t cw);

/* FPTAN, FSINCOS, FXTRACT on a = ST(0): the host's stack afterwards, top
 * first, in out[0..*n-1] (*n is 1 when nothing was pushed: out of range,
 * or an unmasked exception). */
enum fhost_push { FHP_PTAN, FHP_SINCOS, FHP_XTRACT };
uint16_t fpu_host_push(enum fhost_push k, const struct fpreg *a, struct fpreg out[2],
                       unsigned *n, uint16_t cw);

#endif
