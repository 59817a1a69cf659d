/* x87 handlers specialised by operand form (fpu_fast.c), picked at decode
 * time next to the integer ones (ops_fast.c's fast_handler). */
#ifndef PLEX86_CPU_FPU_FAST_H
#define PLEX86_CPU_FPU_FAST_H

#include "cpu/insn.h"

/* A specialised handler for the common x87 forms (FLD/FST m32/m64/ST(i),
 * FILD m16/m32, FLDZ/FLD1, FADD..FDIVR with m32/m64/m32int/ST(i), FXCH,
 * FCOM(P)/FUCOM(P) ST(i), FCOM(P) m32/m64, FCOMI(P)/FUCOMI(P)), or NULL.  Each one behaves exactly as the generic handler: it does the
 * common case itself (all exceptions masked, no stack fault, ordinary
 * operands) and hands everything else to the generic handler. */
op_handler fpu_fast_handler(const struct insn *i);

#endif
