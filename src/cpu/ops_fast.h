/* Handlers specialised at decode time by operand form (ops_fast.c). */
#ifndef PLEX86_CPU_OPS_FAST_H
#define PLEX86_CPU_OPS_FAST_H

#include "cpu/insn.h"

/* The handler the decoder stores in insn.fn: a specialised one for the
 * common forms (32-bit register, immediate and 32-bit-addressed memory
 * operands of MOV, the ALU operations, IMUL, LEA, INC/DEC/NOT, shifts,
 * PUSH/POP, CMOVcc/SETcc, Jcc/JMP, near CALL/RET; some 16-bit and byte
 * forms), else op_table[i->op].handler.  `i` must be fully decoded (refined).
 * A specialised handler behaves exactly as the generic one, faults
 * included (tests/cpu/test_fast_forms.c compares them). */
op_handler fast_handler(const struct insn *i);

/* The specialised form of `i`, or NULL, whatever the table's fast column
 * says (fast_handler asks only for the rows marked fast; the table test
 * checks that no other row has one). */
op_handler fast_form(const struct insn *i);

/* REP STOS and REP MOVS with 32-bit addresses, DF clear: whole runs of
 * iterations within a page of RAM at once (ops_string.c); with DF set they
 * run h_stos/h_movs. */
void f_rep_stos(struct cpu *c, const struct insn *i);
void f_rep_movs(struct cpu *c, const struct insn *i);

#endif
