/* Declarations of every handler named in insn_table.def. */
#ifndef PLEX86_CPU_OPS_H
#define PLEX86_CPU_OPS_H

#include "cpu/insn.h"

#define X(mn, h, ...) void h(struct cpu *c, const struct insn *i);
#define P(nm, h, ...) void h(struct cpu *c, const struct insn *i);
#include "cpu/insn_table.def"
#undef X
#undef P

#endif
