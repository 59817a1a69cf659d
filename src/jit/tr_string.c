/* The string instructions MOVS CMPS STOS LODS SCAS once (no REP) with
 * 32-bit addresses, translated natively (issue 18: the kernel's strcmp
 * and memcpy tails); DF set goes to the interpreter.  REP forms are
 * handlers (f_rep_stos, f_rep_movs). */
#include "jit/tr.h"

/* reg += element size (ESI or EDI, 32-bit addresses: int_form); the
 * host's flags survive. */
static void string_advance(struct tr *t, const struct insn *in, unsigned reg)
{
    struct xrm d = gpr_rm(t, reg, 4);
    if (d.is_reg) {
        x_lea(t->cur, false, d.reg, xm(d.reg, in->osize));
    } else {
        x_load(t->cur, 4, XCX, d);
        x_lea(t->cur, false, XCX, xm(XCX, in->osize));
        x_store(t->cur, 4, d, XCX);
    }
}

/* R_OFF = ESI or EDI. */
static void string_offset(struct tr *t, unsigned reg)
{
    x_load(t->cur, 4, R_OFF, gpr_rm(t, reg, 4));
}

static void op_lods(struct tr *t, const struct insn *in)
{
    struct xrm a = gpr_rm(t, R_EAX, in->osize);
    if (a.is_reg) {
        x_load(t->cur, in->osize, a.reg, xr_mem(xm(XDX, 0)));
    } else {
        x_load(t->cur, in->osize, XAX, xr_mem(xm(XDX, 0)));
        x_store(t->cur, in->osize, a, XAX);
    }
    string_advance(t, in, R_ESI);
}

static void op_stos(struct tr *t, const struct insn *in)
{
    x_store(t->cur, in->osize, xr_mem(xm(XDX, 0)), tr_gpr_in(t, R_EAX, in->osize, XAX));
    string_advance(t, in, R_EDI);
}

/* SCAS: the flags of AL/AX/EAX - [ES:EDI] (a CMP: all defined). */
static void op_scas(struct tr *t, const struct insn *in)
{
    x_alu_r_rm(t->cur, 7, in->osize, tr_gpr_in(t, R_EAX, in->osize, XAX), xr_mem(xm(XDX, 0)));
    tr_set_flags_after(t, &t->plan[t->k]);
    string_advance(t, in, R_EDI);
}

/* The first operand of MOVS and CMPS, [DS:ESI], into the slot. */
static void op_string_load(struct tr *t, const struct insn *in)
{
    x_load(t->cur, in->osize, XAX, xr_mem(xm(XDX, 0)));
    x_store(t->cur, 4, xr_mem(xm(XSP, SLOT_TMP)), XAX);
}

static void op_movs(struct tr *t, const struct insn *in)
{
    x_load(t->cur, 4, XAX, xr_mem(xm(XSP, SLOT_TMP)));
    x_store(t->cur, in->osize, xr_mem(xm(XDX, 0)), XAX);
    string_advance(t, in, R_ESI);
    string_advance(t, in, R_EDI);
}

/* CMPS: the flags of [DS:ESI] - [ES:EDI]. */
static void op_cmps(struct tr *t, const struct insn *in)
{
    x_load(t->cur, 4, XAX, xr_mem(xm(XSP, SLOT_TMP)));
    x_alu_r_rm(t->cur, 7, in->osize, XAX, xr_mem(xm(XDX, 0)));
    tr_set_flags_after(t, &t->plan[t->k]);
    string_advance(t, in, R_ESI);
    string_advance(t, in, R_EDI);
}

/* MOVS CMPS STOS LODS SCAS once (SDM vol. 2): the source [seg:ESI] (any
 * segment), the destination [ES:EDI], ESI and EDI moved by the element
 * size after the accesses.  With DF set (rare: STD ... CLD around a
 * backward copy) the interpreter runs it, and the translation ends. */
void tr_string_op(struct tr *t, const struct insn *in)
{
    struct xbuf *b = t->cur;
    unsigned l_df = x_label_new(&t->L);
    tr_flags_save(t); /* the test clobbers the host's flags */
    struct tstate before = t->s;
    x_test_rm_imm(b, 4, cpu_rm(CPU_OFF(eflags)), F_DF);
    x_jcc(&t->L, b, XCC_NE, l_df);
    switch (in->op) {
    case OP_LODSB: case OP_LODSW: case OP_LODSD:
        string_offset(t, R_ESI);
        tr_with_memory(t, in, in->seg, in->osize, JM_READ, op_lods, true);
        break;
    case OP_STOSB: case OP_STOSW: case OP_STOSD:
        string_offset(t, R_EDI);
        tr_with_memory(t, in, S_ES, in->osize, JM_WRITE, op_stos, true);
        break;
    case OP_SCASB: case OP_SCASW: case OP_SCASD:
        string_offset(t, R_EDI);
        tr_with_memory(t, in, S_ES, in->osize, JM_READ, op_scas, true);
        break;
    default: /* MOVS, CMPS */
        string_offset(t, R_ESI);
        tr_read_first(t, in, in->seg, in->osize, op_string_load);
        string_offset(t, R_EDI);
        if (in->op == OP_MOVSB || in->op == OP_MOVSW || in->op == OP_MOVSD)
            tr_with_memory(t, in, S_ES, in->osize, JM_WRITE, op_movs, true);
        else
            tr_with_memory(t, in, S_ES, in->osize, JM_READ, op_cmps, true);
        break;
    }
    tr_cold_callout(t, in, l_df, &before);
}
