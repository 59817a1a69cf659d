/* The translator's analyses over a planned block (struct plan per
 * instruction, from translate.c's classifiers): which guest flags are
 * observable after each instruction (a backward pass: faults, calls and
 * exits observe all), which guest registers live in host registers for the
 * whole translation, and which memory operands of a loop keep their host
 * address across passes (tr.h). */
#include "jit/tr.h"

#include <string.h>

/* The segment a native instruction's memory access goes through, or -1. */
int tr_memory_segment(const struct insn *in, const struct plan *p)
{
    if (tr_is_stack_op(in))
        return S_SS;
    if (p->x87)
        return p->mem_size ? in->seg : -1;
    if (tr_kind_of(in) == TR_LEA)
        return -1;
    for (unsigned i = 0; i < in->nops && i < 3; i++)
        if (in->o[i].kind == OPK_MEM)
            return in->seg;
    return -1;
}

/* Liveness of the flags: what is observable after each instruction. */
uint32_t tr_compute_liveness(struct tr *t)
{
    unsigned n = t->b->ninsn;
    uint32_t live = ALLF; /* at the exits */
    for (unsigned k = n; k-- > 0;) {
        struct plan *p = &t->plan[k];
        p->live_after = live;
        if (!p->native)
            live = ALLF; /* the handler reads and may fault */
        else
            live = (live & ~p->W) | p->R | (p->faults ? ALLF : 0);
    }
    return live;
}

/* Flags an instruction would leave wrong if observable (the host's value
 * may differ from the interpreter's). */
bool tr_flags_exact(const struct plan *p)
{
    uint32_t unknown = p->W & ~(p->H | p->Z);
    return !(unknown & p->live_after);
}

/* The guest registers native instruction `in` uses (read or written),
 * writes, and uses as a high byte (AH..BH), as bit masks. */
static void gpr_uses(const struct insn *in, const struct plan *p, uint8_t *use, uint8_t *wr,
                     uint8_t *high)
{
    uint8_t u = 0, w = 0, h = 0;
    bool mem = false;
    for (unsigned i = 0; i < in->nops && i < 3; i++) {
        const struct opnd *o = &in->o[i];
        if (o->kind == OPK_MEM)
            mem = true;
        if (o->kind != OPK_GPR)
            continue;
        if (o->size == 1 && o->reg >= 4)
            h |= (uint8_t)(1u << (o->reg - 4));
        else
            u |= (uint8_t)(1u << o->reg);
    }
    if (mem || (p->x87 && p->mem_size)) {
        if (in->mbase != NOREG)
            u |= (uint8_t)(1u << in->mbase);
        if (in->mindex != NOREG)
            u |= (uint8_t)(1u << in->mindex);
    }
    const struct opnd *o0 = &in->o[0];
    bool o0_reg = !p->x87 && in->nops >= 1 && o0->kind == OPK_GPR && !(o0->size == 1 && o0->reg >= 4);
    enum tr_kind kind = tr_kind_of(in);
    switch (kind) {
    case TR_CMP: case TR_TEST: case TR_PUSH: /* operand 0 is read only */
        o0_reg = false;
        break;
    case TR_XCHG:
        w |= (uint8_t)(1u << in->o[1].reg);
        break;
    case TR_CDQ:
        u |= 1u << R_EAX | 1u << R_EDX;
        w |= 1u << R_EDX;
        break;
    case TR_LEAVE: /* ESP = EBP + 4, EBP = [EBP] (and ESP below) */
        u |= 1u << R_EBP;
        w |= 1u << R_EBP;
        break;
    case TR_DIV: /* EDX:EAX / r/m32 */
        o0_reg = false;
        u |= 1u << R_EAX | 1u << R_EDX;
        w |= 1u << R_EAX | 1u << R_EDX;
        break;
    case TR_IMUL:
        if (in->nops == 1) { /* MUL/IMUL r/m32: EDX:EAX, operand 0 read */
            o0_reg = false;
            u |= 1u << R_EAX | 1u << R_EDX;
            w |= 1u << R_EAX | 1u << R_EDX;
        }
        break;
    default:
        break;
    }
    if (kind == TR_JMP) /* a computed JMP reads its register */
        o0_reg = false;
    if (kind == TR_PUSH || kind == TR_POP || kind == TR_CALL || kind == TR_LEAVE ||
        in->flow == FLOW_RET) {
        u |= 1u << R_ESP;
        w |= 1u << R_ESP;
    }
    if (o0_reg)
        w |= (uint8_t)(1u << o0->reg);
    *use |= u;
    *wr |= w & u;
    *high |= h;
}

/* Which guest registers get a host register for the whole translation
 * (always the same one, tr.h): those the native instructions use more
 * often than calls would make them be written back and reloaded. */
void tr_allocate_gprs(struct tr *t)
{
    unsigned n = t->b->ninsn, weight[8] = { 0 }, calls = 0;
    uint8_t used = 0, high = 0, written = 0;
    for (unsigned k = 0; k < n; k++) {
        struct plan *p = &t->plan[k];
        if (!p->native) {
            calls += k + 1 < n; /* the last one needs no reload after it */
            continue;
        }
        uint8_t u = 0, w = 0, h = 0;
        gpr_uses(&t->b->insn[k], p, &u, &w, &h);
        p->gw = w | h; /* (a high byte: conservatively, the register) */
        written |= w;
        high |= h;
        used |= u;
        for (unsigned r = 0; r < 8; r++)
            weight[r] += (u >> r) & 1;
    }
    static const uint8_t host[8] = GUEST_HOST_REGS;
    t->cached = 0;
    for (unsigned r = 0; r < 8; r++) {
        uint8_t bit = (uint8_t)(1u << r);
        if (!(used & bit) || (high & bit) || weight[r] <= calls)
            continue;
        /* ESP and EBP share a host register: the one used more (ESP on a tie). */
        if (r == R_ESP && (used & (1u << R_EBP)) && !(high & (1u << R_EBP)) &&
            weight[R_EBP] > weight[R_ESP])
            continue;
        if (r == R_EBP && (t->cached & (1u << R_ESP)))
            continue;
        t->cached |= bit;
        t->host_of[r] = host[r];
    }
    t->written = written & t->cached;
}

/* Memory operands of a loop whose host address can be kept across passes
 * (tr.h): through a flat segment, at an address from registers that no
 * instruction of the block writes, so the same linear address each pass.
 * Only in loops that call nothing: a C call may change the TLB (the slow
 * path's calls forget the kept addresses). */
void tr_choose_sites(struct tr *t)
{
    unsigned n = t->b->ninsn;
    memset(t->site, -1, sizeof(t->site));
    t->nsites = 0;
    if (!t->loop)
        return;
    uint8_t wr_all = 0;
    for (unsigned k = 0; k < n; k++) {
        if (!t->plan[k].native)
            return;
        wr_all |= t->plan[k].gw;
    }
    for (unsigned k = 0; k < n && t->nsites < 8; k++) {
        const struct insn *in = &t->b->insn[k];
        int sr = tr_memory_segment(in, &t->plan[k]);
        if (sr < 0 || !(t->flat & (1u << sr)) || tr_is_stack_op(in))
            continue;
        if ((in->mbase != NOREG && (wr_all & (1u << in->mbase))) ||
            (in->mindex != NOREG && (wr_all & (1u << in->mindex))))
            continue;
        t->site[k] = (int8_t)t->nsites++;
    }
}
