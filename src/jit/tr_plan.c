/* The translator's plan for integer instructions (issue 18): which forms
 * run natively (int_form: operands, the flags each reads, writes and
 * leaves undefined, whether it may fault) and which go to C.  x87
 * instructions are tr_x87.c's (x87_classify); translate.c emits what the
 * plan says. */
#include "jit/tr.h"

#include "cpu/cpu_model.h"
#include "cpu/features.h"

/* Whether `in`, as a block's last instruction, is a near RET (imm16 or
 * not) or computed JMP or CALL (through a register or a dword in memory)
 * with 32-bit operands that the translation runs itself and whose target
 * it then looks up in the jump cache (tr_ind_end).  They are virtualize
 * for the scanner (their target is not known before): the lookup only
 * finds translated blocks, which were scanned; anything else goes back
 * to the run loop, which scans. */
bool tr_is_ind_end(const struct insn *in)
{
    if (in->far || in->lock || in->rep || in->osize != 4)
        return false;
    if (in->flow == FLOW_RET)
        return true;
    if (in->flow != FLOW_JMP_IND && in->flow != FLOW_CALL_IND)
        return false;
    if (in->o[0].kind == OPK_GPR)
        return in->o[0].size == 4;
    return in->o[0].kind == OPK_MEM && in->o[0].size == 4 && in->asize == 4;
}

static bool gpr_or_mem(const struct opnd *o)
{
    return o->kind == OPK_GPR || o->kind == OPK_MEM;
}

/* The plan's flags from the table's row: W written, H valid from the
 * host (the defined ones), Z undefined ones the interpreter clears, R
 * read.  `undef` is the row's undefined set, narrowed by the caller where
 * the operands make more flags defined. */
static void plan_flags(struct plan *p, const struct op_info *f, uint32_t undef)
{
    p->R = f->rd;
    p->W = f->wr;
    p->H = f->wr & ~undef;
    p->Z = f->uz & undef;
}

/* Whether instruction `in` has a native form here (the table's tr recipe
 * and the operand forms this file handles), and its flags. */
static bool int_form(const struct tr *t, const struct insn *in, struct plan *p)
{
    const struct opnd *o0 = &in->o[0], *o1 = &in->o[1];
    const struct op_info *f = &op_table[in->op];
    bool has_mem = false;
    for (unsigned k = 0; k < in->nops && k < 3; k++)
        if (in->o[k].kind == OPK_MEM)
            has_mem = true;
    /* LOCK XADD/CMPXCHG of memory: with one host thread (no exclusive
     * hooks) the interpreter's h_locked is a host atomic or, where it
     * cannot be one, the table handler; the translation's fast path is
     * a host LOCK op, its slow path the handler's plain read and write
     * (tr_bits.c).  With several host threads it stays h_locked's.  A
     * REP prefix on BSF/BSR (TZCNT's bytes where the model has no BMI1:
     * Linux's __ffs) changes nothing in h_bsf. */
    bool lock_ok = in->lock && (f->tr == TR_XADD || f->tr == TR_CMPXCHG) && has_mem &&
                   t->c->exclusive_begin == NULL;
    bool rep_ok = f->tr == TR_BSCAN;
    if (f->tr == TR_NONE || (in->lock && !lock_ok) || (has_mem && in->asize != 4) ||
        (in->rep && !rep_ok))
        return false;
    p->faults = has_mem;
    plan_flags(p, f, f->un);
    switch ((enum tr_kind)f->tr) {
    case TR_ADD: case TR_OR: case TR_ADC: case TR_SBB:
    case TR_AND: case TR_SUB: case TR_XOR: case TR_CMP: case TR_TEST:
        return in->nops == 2 && gpr_or_mem(o0) &&
               (o1->kind == OPK_GPR || o1->kind == OPK_IMM || o1->kind == OPK_MEM);
    case TR_MOV:
        return in->nops == 2 && gpr_or_mem(o0) &&
               (o1->kind == OPK_GPR || o1->kind == OPK_IMM || o1->kind == OPK_MEM) &&
               !(o0->kind == OPK_MEM && o1->kind == OPK_MEM);
    case TR_INCDEC: case TR_NEG: case TR_NOT:
        return gpr_or_mem(o0);
    case TR_LEA: /* computes the address only: it cannot fault */
        p->faults = false;
        return o0->kind == OPK_GPR && o0->size == 4 && in->asize == 4;
    case TR_MOVX:
        return o0->kind == OPK_GPR && o0->size >= 2 && gpr_or_mem(o1) && o1->size < o0->size;
    case TR_PUSH: /* r32, imm, m32 (the source read first: tr_read_first) */
        if (in->osize != 4 || !((o0->kind == OPK_GPR && o0->size == 4) || o0->kind == OPK_IMM ||
                                (o0->kind == OPK_MEM && o0->size == 4)))
            return false;
        p->faults = true;
        return true;
    case TR_POP:
        if (in->osize != 4 || o0->kind != OPK_GPR || o0->size != 4)
            return false;
        p->faults = true;
        return true;
    case TR_LEAVE: /* 32-bit operands; the prologue checks the stack is 32-bit */
        p->faults = true;
        return in->osize == 4;
    case TR_NOP:
        /* PAUSE is a hint (SDM vol. 2, PAUSE) unless the CPU has a pause
         * pin (h_pause: several CPUs end their slice there); the pins are
         * set when the VM is made, before any code runs, so the CPU that
         * translates says it for the translation's whole life.  LFENCE
         * orders loads against earlier ones, which the host (x86, TSO)
         * and one CPU's in-order interpretation do anyway; it is #UD
         * without SSE2 (h_fence), a property of the fixed CPU model.  The
         * kernel's TSC delay loop ran 11 M such handler calls per boot. */
        if (in->op == OP_PAUSE)
            return t->c->pins.pause == NULL;
        if (in->op == OP_LFENCE)
            return cpu_has(t->c, CPUF_SSE2);
        return !has_mem;
    case TR_CDQ:
        return in->osize == 4;
    case TR_XCHG:
        return o0->kind == OPK_GPR && o1->kind == OPK_GPR && o0->size == 4 && o1->size == 4;
    case TR_BT:
        /* CF is the bit (SDM vol. 2, BT); OF SF AF PF are undefined and
         * the interpreter leaves them, and ZF, as they were (but on the
         * 386 model: bt_flags): the host's may change them all, so the
         * ones still live are written to cpu.eflags first (translate.c tr_bt_on). */
        if (t->c->model->flags386 || o0->size != 4 ||
            !((o0->kind == OPK_GPR && o1->kind == OPK_GPR && o1->size == 4) ||
              (gpr_or_mem(o0) && o1->kind == OPK_IMM) ||
              (o0->kind == OPK_MEM && o1->kind == OPK_GPR && o1->size == 4)))
            return false;
        /* By a register into memory: the dword at the operand's address
         * plus (offset SAR 5) * 4 (tr_bits.c tr_bt_mem_reg), which no kept
         * address or shared probe follows. */
        p->moved = o0->kind == OPK_MEM && o1->kind == OPK_GPR;
        p->R = 0;
        p->W = p->H = F_CF;
        p->Z = 0;
        return true;
    case TR_DSHIFT: case TR_BSCAN: case TR_XADD: case TR_CMPXCHG: case TR_DFLAG:
        return tr_bits_plan(t, in, p);
    case TR_BSWAP: /* (of a 16-bit register the SDM leaves it undefined) */
        return o0->kind == OPK_GPR && o0->size == 4;
    case TR_STRING:
        /* Once (no REP: int_form's caller), 32-bit addresses, the
         * accesses probed (DF set: the interpreter's, string_op). */
        p->faults = true;
        return in->asize == 4;
    case TR_SHIFT: {
        if (gpr_or_mem(o0) && o0->size == 4 && o1->kind == OPK_GPR && o1->size == 1 &&
            o1->reg == R_ECX) {
            /* By CL: run as a shift by count - 1 and one by 1, whose
             * flags are all defined (OF included) and the interpreter's
             * for any count; it clears AF. */
            p->by_cl = true;
            p->R = p->W = 0;
            p->H = f->wr & ~F_AF;
            p->Z = f->wr & F_AF;
            return true;
        }
        /* By an immediate: 32-bit registers and memory, and 8- and
         * 16-bit ones for counts below their width (beyond, the SDM
         * leaves CF undefined there, and a rotate's count is taken
         * modulo the width). */
        if (!gpr_or_mem(o0) || o1->kind != OPK_IMM ||
            !(o0->size == 4 || (in->imm & 31) < 8u * o0->size))
            return false;
        /* The 386 model's byte and word SHL/SHR set AF (ops_shift.c). */
        if (o0->size < 4 && t->c->model->flags386 && (in->op == OP_SHL || in->op == OP_SHR))
            return false;
        unsigned n = in->imm & 31;
        if (n == 0 && o0->kind == OPK_MEM)
            return false; /* (the interpreter's access check) */
        if (n == 0) { /* no change at all */
            p->W = p->H = p->Z = 0;
            return true;
        }
        /* OF is defined for a 1-bit shift only (SDM vol. 2, SAL/SAR/SHL/SHR).
         * The interpreter's SHL gives it for every count as the last 1-bit
         * step does (MSB(result) XOR CF): a SHL by more than 1 runs as
         * two shifts, the second by 1, which makes it exact; so do ROL
         * and ROR (CF and OF of the result, as a 1-bit rotate leaves
         * them). */
        plan_flags(p, f, n == 1 || tr_two_step(in->op) ? f->un & ~F_OF : f->un);
        return true;
    }
    case TR_IMUL:
        if (in->nops == 1) /* MUL/IMUL r/m: EDX:EAX = EAX * r/m (mul1_core) */
            return gpr_or_mem(o0);
        return in->nops >= 2 && o0->kind == OPK_GPR && o0->size == 4 && gpr_or_mem(o1) &&
               (in->nops == 2 || in->o[2].kind == OPK_IMM);
    case TR_DIV:
        /* The SDM leaves every flag undefined; the interpreter keeps
         * them (ops_alu.c h_div): nothing written. */
        p->R = p->W = p->H = p->Z = 0;
        p->faults = true; /* #DE */
        return in->nops == 1 && o0->size == 4 && gpr_or_mem(o0);
    case TR_SETCC:
        return gpr_or_mem(o0) && o0->size == 1;
    case TR_CMOVCC:
        return cpu_has(t->c, CPUF_CMOV) && o0->kind == OPK_GPR && o0->size == 4 &&
               gpr_or_mem(o1);
    case TR_JCC: case TR_JMP:
        /* only a block's last instruction (tr_translate); a JMP only rel */
        return (f->tr == TR_JCC || in->flow == FLOW_JMP_REL) && in->osize == 4 &&
               o0->kind == OPK_REL;
    case TR_CALL:
        /* only a block's last instruction (tr_translate), near and direct */
        p->faults = true;
        return in->flow == FLOW_CALL_REL && !in->far && in->osize == 4 && o0->kind == OPK_REL;
    case TR_NONE: case TR_X87:
        break;
    }
    return false;
}

/* The host's /digit for a shift or rotate, and whether a count above 1
 * runs as two (tr.h: the interpreter gives OF for every count as the
 * last 1-bit step does). */
unsigned tr_shift_ext(unsigned op)
{
    return op == OP_SHL ? 4 : op == OP_SHR ? 5 : op == OP_SAR ? 7 : op == OP_ROL ? 0 : 1;
}

bool tr_two_step(unsigned op)
{
    return op == OP_SHL || op == OP_ROL || op == OP_ROR;
}

bool tr_int_classify(const struct tr *t, const struct insn *in, struct plan *p)
{
    if (int_form(t, in, p))
        return true;
    p->R = p->W = p->H = p->Z = 0;
    p->faults = false;
    return false;
}
