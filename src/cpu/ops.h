/* Declarations of every handler named in insn_table.def. */
#ifndef PLEX86_CPU_OPS_H
#define PLEX86_CPU_OPS_H

#include <stdbool.h>

#include "cpu/insn.h"

#define X(mn, h, ...) void h(struct cpu *c, const struct insn *i);
#define P(nm, h, ...) void h(struct cpu *c, const struct insn *i);
#include "cpu/insn_table.def"
#undef X
#undef P

/* Not a table row: the decoder gives h_locked to every instruction for
 * which insn_locked holds (a LOCK prefix, or XCHG with a memory operand),
 * in place of its handler: an atomic update on the host (ops_locked.c). */
void h_locked(struct cpu *c, const struct insn *i);
bool insn_locked(const struct insn *i);

#endif
