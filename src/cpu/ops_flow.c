/* Control transfer: JMP, Jcc, CALL, RET, LOOP, INT, IRET, BOUND, HLT. */
#include "cpu/exec.h"
#include "cpu/ops.h"
#include "cpu/seg.h"
#include "vm/count.h"

/* Far pointer in memory: offset (osize bytes) then selector. */
static void read_far_ptr(struct cpu *c, const struct insn *i, uint16_t *sel, uint32_t *off)
{
    uint32_t ea = ea_offset(c, i);
    uint32_t selo = ea + i->osize;
    if (i->asize == 2)
        selo &= 0xFFFF;
    *off = mem_read(c, i->seg, ea, i->osize);
    *sel = (uint16_t)mem_read(c, i->seg, selo, 2);
}

void h_jmp(struct cpu *c, const struct insn *i)
{
    switch (i->o[0].kind) {
    case OPK_REL:
        jump_near(c, c->eip + i->imm, i->osize);
        return;
    case OPK_PTR:
        far_jmp(c, (uint16_t)i->imm2, i->imm, i->osize);
        return;
    default:
        if (i->far) {
            if (i->o[0].kind != OPK_MEM)
                cpu_fault(c, EXC_UD, 0);
            uint16_t sel;
            uint32_t off;
            read_far_ptr(c, i, &sel, &off);
            far_jmp(c, sel, off, i->osize);
        } else {
            jump_near(c, opnd_read(c, i, 0), i->osize);
        }
    }
}

void h_call(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->osize;
    if (i->far) {
        uint16_t sel;
        uint32_t off;
        if (i->o[0].kind == OPK_PTR) {
            sel = (uint16_t)i->imm2;
            off = i->imm;
        } else if (i->o[0].kind == OPK_MEM) {
            read_far_ptr(c, i, &sel, &off);
        } else {
            cpu_fault(c, EXC_UD, 0);
        }
        far_call(c, sel, off, sz);
        return;
    }
    uint32_t target = i->o[0].kind == OPK_REL ? c->eip + i->imm : opnd_read(c, i, 0);
    if (sz == 2)
        target &= 0xFFFF;
    if (target > c->seg[S_CS].limit)
        cpu_fault(c, EXC_GP, 0);
    push(c, c->eip, sz);
    c->eip = target;
}

void h_ret(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->osize;
    uint32_t extra = i->nops ? i->imm & 0xFFFF : 0;
    if (i->far) {
        far_ret(c, sz, extra);
        return;
    }
    uint32_t ip = stack_peek(c, 0, sz);
    jump_near(c, ip, sz);
    set_sp(c, sp_add(c, get_sp(c), (int32_t)(sz + extra)));
}

void h_jcc(struct cpu *c, const struct insn *i)
{
    if (cond_true(c, i->cc))
        jump_near(c, c->eip + i->imm, i->osize);
}

void h_jcxz(struct cpu *c, const struct insn *i)
{
    if (get_areg(c, R_ECX, i->asize) == 0)
        jump_near(c, c->eip + i->imm, i->osize);
}

void h_loop(struct cpu *c, const struct insn *i)
{
    uint32_t cnt = get_areg(c, R_ECX, i->asize) - 1;
    bool take = (i->asize == 2 ? cnt & 0xFFFF : cnt) != 0;
    if (i->op == OP_LOOPE)
        take = take && (c->eflags & F_ZF);
    else if (i->op == OP_LOOPNE)
        take = take && !(c->eflags & F_ZF);
    if (take)
        jump_near(c, c->eip + i->imm, i->osize);
    set_areg(c, R_ECX, i->asize, cnt);
}

void h_int(struct cpu *c, const struct insn *i)
{
    cpu_soft_interrupt(c, (int)(i->imm & 0xFF), EV_INT);
}

void h_int3(struct cpu *c, const struct insn *i)
{
    cpu_soft_interrupt(c, EXC_BP, EV_INT3_INTO);
}

void h_into(struct cpu *c, const struct insn *i)
{
    if (c->eflags & F_OF)
        cpu_soft_interrupt(c, EXC_OF, EV_INT3_INTO);
}

/* ICEBP (F1) raises a debug trap (vector 1) after the instruction. */
void h_int1(struct cpu *c, const struct insn *i)
{
    cpu_soft_interrupt(c, EXC_DB, EV_ICEBP);
}

void h_iret(struct cpu *c, const struct insn *i)
{
    do_iret(c, i->osize);
}

/* BOUND: #BR (a fault) when the signed index is outside [lower, upper]. */
void h_bound(struct cpu *c, const struct insn *i)
{
    if (i->o[1].kind != OPK_MEM)
        cpu_fault(c, EXC_UD, 0);
    unsigned sz = i->osize;
    uint32_t ea = ea_offset(c, i);
    uint32_t up = ea + sz;
    if (i->asize == 2)
        up &= 0xFFFF;
    int32_t lower = (int32_t)sext(mem_read(c, i->seg, ea, sz), sz);
    int32_t upper = (int32_t)sext(mem_read(c, i->seg, up, sz), sz);
    int32_t idx = (int32_t)sext(get_reg(c, i->o[0].reg, sz), sz);
    if (idx < lower || idx > upper)
        cpu_fault(c, EXC_BR, 0);
}

/* HLT is privileged: CPL 0 only (V86 runs at CPL 3). */
void h_hlt(struct cpu *c, const struct insn *i)
{
    if (c->cpl != 0)
        cpu_fault(c, EXC_GP, 0);
    c->halted = true;
    ACCT_INC(c->hlt_exits);
    exit_log_add(&c->exits, EXIT_HLT, c->seg[S_CS].sel, c->insn_eip, 0, 0, 0);
}

void h_ud(struct cpu *c, const struct insn *i)
{
    cpu_fault(c, EXC_UD, 0);
}
