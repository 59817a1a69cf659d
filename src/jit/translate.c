/* Block translation: the driver, guest flags, memory operands and the
 * integer instructions (tr_x87.c has the x87).  See jit.h for the
 * contract and tr.h for the register roles.
 *
 * Guest registers: the ones the block's native instructions use live in
 * host registers for the whole translation (tr.h; loaded by the prologue).
 * Before every call (an interpreter handler, the memory slow path) and at
 * every exit, the dirty ones are written back to struct cpu, so a fault or
 * a handler never finds a register out of date; after a call they are
 * loaded again.  A register whose high byte (AH..BH) a native instruction
 * uses stays in struct cpu.
 *
 * Flags.  An instruction translated natively runs as the same host
 * operation and leaves the guest's arithmetic flags in the host's RFLAGS
 * ("pending").  A backward pass finds which flags are observable after
 * each instruction: read by a later one, or present when something may
 * fault, call C, or leave the block.  Pending flags are written to
 * cpu.eflags only when they are observable and about to be lost; a
 * conditional branch or SETcc right after a compare uses the host's flags
 * directly.  Flags the SDM leaves undefined are the one place where host
 * and interpreter could differ: an instruction whose undefined flags the
 * interpreter defines differently is translated natively only when those
 * flags are not observable (or the interpreter's value is 0: then 0 is
 * written).
 *
 * Memory operands: effective address into esi, then the segment checks
 * (the same as seg_linear's fast case) and the TLB probe (mmu.h's fast
 * path) inline; anything else goes to a slow path in the cold section,
 * which calls jit_mem_slow (the interpreter's checks and faults), runs the
 * operation on a scratch copy and writes it back with jit_mem_commit
 * (all in tr_mem.c).  Flags that only a fault could observe wait in a slot on the host stack
 * (tstate.saved) rather than being written to cpu.eflags on the fast path. */
#include "jit/tr.h"

#include <string.h>

#include "cpu/cpu_model.h"
#include "cpu/features.h"
#include "jit/jit_prof.h"

/* reg = EIP at offset `off` of the block (cpu.eng.eip0 + off); the host's
 * flags survive. */
void tr_eip_at(struct tr *t, uint8_t reg, uint32_t off)
{
    x_load(t->cur, 4, reg, cpu_rm(CPU_OFF(eng.eip0)));
    if (off)
        x_lea(t->cur, false, reg, xm(reg, (int32_t)off));
}

static void emit_insn_eip(struct tr *t, unsigned k, int32_t field)
{
    tr_eip_at(t, XAX, t->off[k]);
    x_store(t->cur, 4, cpu_rm(field), XAX);
}

/* --- state written back before a call ---------------------------------- */

/* What a fault or a handler at instruction k needs in struct cpu: EIP of
 * k (insn_eip) and ESP at its start.  The instruction count, flags and the
 * x87 are the caller's business. */
void tr_sync_for_call(struct tr *t, unsigned k)
{
    emit_insn_eip(t, k, CPU_OFF(insn_eip));
    x_load(t->cur, 4, XAX, gpr_rm(t, R_ESP, 4));
    x_store(t->cur, 4, cpu_rm(CPU_OFF(insn_esp)), XAX);
}

/* The dirty cached guest registers into struct cpu (before a call or an
 * exit), and cpu.icount from a loop's count register; the host's flags
 * survive, rdi does not. */
static void writeback(struct tr *t, int32_t n)
{
    for (unsigned r = 0; r < 8; r++)
        if (t->s.dirty & (1u << r))
            x_store(t->cur, 4, cpu_rm(GPR_OFF(r)), t->host_of[r]);
    t->s.dirty = 0;
    if (t->icreg != XNONE && t->in_body) {
        /* cpu.icount = the count register + the limit (tr_loop_checks:
         * icount_end - ninsn + 1; mod 2^64) + n: rdi is scratch, and lea
         * keeps the flags. */
        x_w(t->cur, 0x8B, XDI, xr_mem(xm(XSP, SLOT_LIMIT)));
        x_lea(t->cur, true, XDI, xmi(XDI, t->icreg, 1, n + 1 - (int32_t)t->b->ninsn));
        x_w(t->cur, 0x89, XDI, cpu_rm(CPU_OFF(icount)));
    }
}

void tr_gpr_writeback(struct tr *t)
{
    writeback(t, 0);
}

/* The same, and cpu.icount += n: at an exit, in the lea that writes it
 * from a loop's count register (an add to memory after that store was one
 * more instruction on every exit of a loop's translation). */
void tr_gpr_writeback_count(struct tr *t, int64_t n)
{
    bool fold = t->icreg != XNONE && t->in_body && n >= INT32_MIN && n <= INT32_MAX;
    writeback(t, fold ? (int32_t)n : 0);
    if (!fold)
        tr_icount_add(t, n);
}

/* Every cached guest register from struct cpu (after a call: a handler
 * may have changed any, and a C call clobbers r8-r11), and a loop's
 * count register from cpu.icount (a handler's instruction is counted). */
void tr_gpr_reload(struct tr *t)
{
    for (unsigned r = 0; r < 8; r++)
        if (t->cached & (1u << r))
            x_load(t->cur, 4, t->host_of[r], cpu_rm(GPR_OFF(r)));
    tr_icount_reload(t);
}

/* rax = what the translation returns after instruction k (jit.h
 * jit_entry): k and the block it belongs to. */
void tr_ret_value(struct tr *t, unsigned k)
{
    x_mov_r64_imm(t->cur, XAX, (uint64_t)k << JIT_RET_SHIFT | (uint64_t)(uintptr_t)t->b->owner);
}

/* Leaves the translation after instruction k completed: EIP, flags, x87,
 * icount written back; returns k.  `to_target`: EIP = r14 + target_off,
 * else cpu.eip is already right. */
static void emit_exit(struct tr *t, unsigned k, bool to_target, uint32_t target_off, bool side)
{
    struct tstate keep = t->s; /* code after this (at another label) goes on from here */
    uint32_t at0 = xoff(t->cur);
    struct xbuf *buf0 = t->cur;
    /* After the block's last instruction (or a side exit's branch), to
     * a block of the same page: jit_link may point this exit's jmp at the
     * successor's translation.  The block's own start too: reached this
     * way when a loop's checks failed, its chained entry repeats them and
     * leaves to C as this exit did; otherwise (sort's kernel, about 4,000
     * returns to C at scale 2) it goes on without the run loop, as it
     * does into any other block (bench/README.md, session 13). */
    int64_t to = (int64_t)(t->b->pa & 0xFFFu) + (int32_t)target_off;
    bool end = t->chainable && to_target && (side || k + 1 == t->b->ninsn);
    bool chain = end && to >= 0 && to < 4096 && t->nchain < JIT_MAX_CHAIN;
    /* To another page (whose mapping the translation does not know): the
     * jump cache, as a RET's target; first a jmp that jit_link_across
     * may point at a stub that checks the mapping and enters the
     * successor it saw there (jit_xlink.c; else it goes to the lookup,
     * just after it). */
    bool across = end && (to < 0 || to >= 4096);
    bool xlink = across && to >= INT32_MIN && to <= INT32_MAX && t->nchain < JIT_MAX_CHAIN;
    if (chain || across)
        tr_flags_handoff(t);
    else
        tr_materialise(t);
    x87_spill(t);
    tr_gpr_writeback_count(t, (int64_t)(k + 1) - t->s.flushed);
    if (to_target && (chain || across)) {
        tr_eip_at(t, XCX, target_off); /* (jit_link's successor takes it) */
    } else if (to_target) {
        tr_eip_at(t, XAX, target_off);
        x_store(t->cur, 4, cpu_rm(CPU_OFF(eip)), XAX);
    }
    if (chain || xlink)
        tr_calm_restore(t);
    tr_ret_value(t, k);
    if (xlink) {
        /* Back to C until linked (as an exit within the page: the run
         * loop links it once it has seen the successor translated), then
         * to the stub, whose failed check comes to the lookup (cold). */
        x_jmp(&t->L, t->cur, t->l_merge);
        unsigned l_lookup = x_label_new(&t->L);
        t->chain[t->nchain].target = (int32_t)to;
        t->chain[t->nchain].across = true;
        t->chain[t->nchain].lookup = l_lookup;
        t->chain[t->nchain].buf = t->cur->id;
        t->chain[t->nchain].off = xoff(t->cur) - 4;
        t->nchain++;
        struct xbuf *was = t->cur;
        t->cur = &t->cold;
        x_bind(&t->L, l_lookup, t->cur);
        x_store(t->cur, 4, cpu_rm(CPU_OFF(eip)), XCX);
        tr_jc_lookup(t);
        t->cur = was;
    } else if (across) {
        x_store(t->cur, 4, cpu_rm(CPU_OFF(eip)), XCX);
        tr_jc_lookup(t);
    } else {
        x_jmp(&t->L, t->cur, chain ? t->l_merge : t->l_epilogue);
    }
    if (chain) {
        t->chain[t->nchain].target = (int32_t)to;
        t->chain[t->nchain].across = false;
        t->chain[t->nchain].buf = t->cur->id;
        t->chain[t->nchain].off = xoff(t->cur) - 4;
        t->nchain++;
    }
    t->part[JB_EXIT] += xoff(buf0) - at0;
    t->s = keep;
}

void tr_emit_exit(struct tr *t, unsigned k, bool to_target, uint32_t target_off)
{
    emit_exit(t, k, to_target, target_off, false);
}

/* A superblock's side exit: after the conditional branch k in the
 * block's middle, taken, to offset target_off (chainable like a block's
 * end: run.c links it). */
void tr_emit_side_exit(struct tr *t, unsigned k, uint32_t target_off)
{
    emit_exit(t, k, true, target_off, true);
}

/* --- call-outs ----------------------------------------------------------- */

/* Hands instruction k to the interpreter's handler. */
void tr_callout(struct tr *t, const struct insn *in, bool last, bool x87_dirty)
{
    unsigned k = t->k;
    uint32_t hot0 = xoff(&t->hot), cold0 = xoff(&t->cold);
    if (last && !t->plan[k].native && tr_system_native(t, in))
        return;
    tr_materialise(t);
    x87_spill(t);
    tr_gpr_writeback(t);
    if (t->prof) { /* PLEX86_JIT_STATS: add qword [counter], 1 */
        const struct jit_source *b = t->b;
        /* (a trace's offsets may be negative: a JMP back below pa) */
        int64_t at = (int64_t)(b->pa & 0xFFFu) + (int32_t)t->off[k];
        bool in_page = at >= 0 && at + in->len <= 4096;
        uint64_t *n = jit_prof_site(t->prof, in, b->pa + t->off[k],
                                    b->host && in_page ? b->host + (int32_t)t->off[k] : NULL,
                                    t->plan[k].native ? JW_FLOW /* a native one's rare way */
                                                      : (enum jit_why)t->plan[k].why);
        x_mov_r64_imm(t->cur, XAX, (uint64_t)(uintptr_t)n);
        x_alu_rm_imm(t->cur, 0, 8, xr_mem(xm(XAX, 0)), 1);
    }
    /* The shared stub (tr_stubs.c STUB_CALL, jit.c jit_call_handler):
     * the state a fault sees, EIP as run_block sets it before the
     * handler, the count around it; rcx = 0 when EIP is then the next
     * instruction's and nothing happened. */
    int64_t before_k = (int64_t)k - t->s.flushed; /* (a peel's copy: below 0) */
    x_mov_r64_imm(t->cur, XSI, (uint64_t)(uintptr_t)in);
    int32_t to_next = (int32_t)(t->off[last ? k : k + 1] - t->off[k]);
    x_mov_r32_imm(t->cur, XDX, (uint32_t)(uint8_t)(int8_t)before_k | (uint32_t)to_next << 8);
    x_mov_r32_imm(t->cur, XCX, t->off[k]);
    tr_call_stub(t, STUB_CALL);
    t->s.flushed = k + 1;
    if (x87_dirty) {
        t->s.x87_live = false;
        if (t->x87) /* the handler may have noted its own (x87_note_loop) */
            x_store_imm(t->cur, 1, cpu_rm(CPU_OFF(eng.noted)), 0);
    }
    if (last && t->chainable && !t->x87 && tr_system_goes_on(in)) {
        tr_system_end(t, in);
        return;
    }
    if (last) {
        tr_ret_value(t, k);
        x_jmp(&t->L, t->cur, t->l_epilogue);
        t->part[JB_CALLOUT] += xoff(&t->hot) - hot0 + xoff(&t->cold) - cold0;
        return;
    }
    /* Goes on only if EIP is the next instruction and nothing happened
     * (the stub forgot the kept addresses and pages). */
    unsigned l_stop = x_label_new(&t->L);
    xb(t->cur, 0xE3); /* jrcxz: over the jmp */
    xb(t->cur, 5);
    x_jmp(&t->L, t->cur, l_stop);
    tr_gpr_reload(t);
    x87_reload(t);
    struct xbuf *hot = t->cur;
    t->cur = &t->cold;
    x_bind(&t->L, l_stop, t->cur);
    tr_ret_value(t, k);
    x_jmp(&t->L, t->cur, t->l_epilogue);
    t->cur = hot;
    t->part[JB_CALLOUT] += xoff(&t->hot) - hot0 + xoff(&t->cold) - cold0;
}

/* --- integer instructions ----------------------------------------------- */

void tr_set_flags_after(struct tr *t, const struct plan *p)
{
    if (p->W == ALLF)
        t->s.redo = 0; /* (find_back_edges: a peel ends at such a write) */
    if (p->W)
        t->s.cand = p == &t->plan[t->k] && tr_redo_deps(t, t->k) ? (uint8_t)(t->k + 1) : 0;
    t->s.pending = (t->s.pending & ~p->W) | p->H;
    t->s.pending_zero = (t->s.pending_zero & ~p->W) | p->Z;
    t->s.saved &= ~p->W;
}


/* After instruction k, whatever way its flags went (some emitters set the
 * state themselves: imul_flags, shift_cl_on): flags it writes end a redo
 * of an earlier one's, and only its own may be a candidate for one; a
 * candidate whose operands it writes is one no more. */
static void flags_written(struct tr *t, unsigned k)
{
    const struct plan *p = &t->plan[k];
    if (t->s.cand && t->s.cand != k + 1 &&
        (p->W || (p->gw & tr_redo_deps(t, t->s.cand - 1u))))
        t->s.cand = 0;
    if (p->W == ALLF)
        t->s.redo = 0;
}

/* ALU group 1 and TEST, on a destination rm (register slot or [rdx]). */
void tr_alu_on(struct tr *t, const struct insn *in, struct xrm dst)
{
    unsigned size = in->o[0].size;
    int g = op_alu_group(in->op);
    const struct opnd *o1 = &in->o[1];
    struct xbuf *b = t->cur;
    if (o1->kind == OPK_IMM) {
        if (in->op == OP_TEST)
            x_test_rm_imm(b, size, dst, in->imm);
        else
            x_alu_rm_imm(b, (unsigned)g, size, dst, in->imm);
        return;
    }
    uint8_t src = tr_gpr_in(t, o1->reg, size, XAX);
    if (in->op == OP_TEST)
        x_test_rm_r(b, size, dst, src);
    else
        x_alu_rm_r(b, (unsigned)g, size, dst, src);
}

/* CF into the host's CF for ADC/SBB when it is not pending there. */
static void carry_in(struct tr *t)
{
    if (t->s.pending & F_CF)
        return;
    if (t->s.saved & F_CF) {
        /* From the slot's LAHF byte (a word load, as the image was
         * stored); the pending flags die here: ADC/SBB write them all. */
        struct xenc e = XENC2(0x0F, 0xBA); /* bt word [rsp + SLOT_SAVED], 8 */
        e.o16 = true;
        struct xrm rm = xr_mem(xm(XSP, SLOT_SAVED));
        x_insn(t->cur, &e, 4, false, &rm);
        xb(t->cur, 8);
        t->s.pending = F_CF;
        t->s.pending_zero = 0;
        t->s.saved &= ~(uint32_t)F_CF;
        return;
    }
    tr_materialise(t);
    struct xenc e = XENC2(0x0F, 0xBA); /* bt dword [eflags], 0 */
    struct xrm rm = cpu_rm(CPU_OFF(eflags));
    x_insn(t->cur, &e, 4, false, &rm);
    xb(t->cur, 0);
    t->s.pending = t->s.pending_zero = 0;
}

static void op_alu_mem_dst(struct tr *t, const struct insn *in)
{
    if (op_table[in->op].rd & F_CF) /* ADC, SBB */
        carry_in(t);
    tr_alu_on(t, in, tr_hm(t));
    tr_set_flags_after(t, &t->plan[t->k]);
}

/* reg op= [rdx] */
static void op_alu_mem_src(struct tr *t, const struct insn *in)
{
    unsigned size = in->o[0].size;
    int g = op_alu_group(in->op);
    if (op_table[in->op].rd & F_CF) /* ADC, SBB */
        carry_in(t); /* first: it may use rax */
    struct xrm d = gpr_rm(t, in->o[0].reg, size);
    uint8_t r = tr_gpr_in(t, in->o[0].reg, size, XAX);
    if (in->op == OP_TEST)
        x_test_rm_r(t->cur, size, tr_hm(t), r);
    else
        x_alu_r_rm(t->cur, (unsigned)g, size, r, tr_hm(t));
    if (g != 7 && in->op != OP_TEST && !d.is_reg) {
        /* the store does not touch the flags */
        x_store(t->cur, size, d, XAX);
    }
    tr_set_flags_after(t, &t->plan[t->k]);
}

static void op_mov_load(struct tr *t, const struct insn *in)
{
    unsigned size = in->o[0].size;
    struct xrm d = gpr_rm(t, in->o[0].reg, size);
    if (d.is_reg) {
        x_load(t->cur, size, d.reg, tr_hm(t));
    } else {
        x_load(t->cur, size, XAX, tr_hm(t));
        x_store(t->cur, size, d, XAX);
    }
}

/* [rdx] = operand `o` (a register or an immediate), `size` bytes. */
static void store_to_memory(struct tr *t, const struct insn *in, const struct opnd *o,
                            unsigned size)
{
    if (o->kind == OPK_IMM) {
        x_store_imm(t->cur, size, tr_hm(t), in->imm);
    } else {
        x_store(t->cur, size, tr_hm(t), tr_gpr_in(t, o->reg, size, XAX));
    }
}

static void op_mov_store(struct tr *t, const struct insn *in)
{
    store_to_memory(t, in, &in->o[1], in->o[0].size);
}

static void unary_on(struct tr *t, const struct insn *in, struct xrm dst)
{
    unsigned size = in->o[0].size;
    switch (in->op) {
    case OP_INC: x_unary(t->cur, 0xFE, 0xFF, 0, size, dst); break;
    case OP_DEC: x_unary(t->cur, 0xFE, 0xFF, 1, size, dst); break;
    case OP_NEG: x_unary(t->cur, 0xF6, 0xF7, 3, size, dst); break;
    default: x_unary(t->cur, 0xF6, 0xF7, 2, size, dst); break; /* NOT */
    }
}

static void op_unary_mem(struct tr *t, const struct insn *in)
{
    if (in->op == OP_INC || in->op == OP_DEC)
        tr_carry_pending(t, t->plan[t->k].live_after);
    unary_on(t, in, tr_hm(t));
    tr_set_flags_after(t, &t->plan[t->k]);
}

/* MOVZX/MOVSX from `src`: straight into a cached 32-bit destination,
 * else through eax. */
static void ext_from(struct tr *t, const struct insn *in, struct xrm src)
{
    struct xrm d = gpr_rm(t, in->o[0].reg, in->o[0].size);
    bool direct = d.is_reg && in->o[0].size == 4;
    x_movx(t->cur, in->op == OP_MOVSX, in->o[1].size, direct ? d.reg : XAX, src);
    if (!direct)
        x_store(t->cur, in->o[0].size, d, XAX);
}

static void op_ext_mem(struct tr *t, const struct insn *in)
{
    ext_from(t, in, tr_hm(t));
}

static void op_setcc_mem(struct tr *t, const struct insn *in)
{
    x_setcc(t->cur, tr_cond_host(t, in->cc), tr_hm(t));
}

/* CMOVcc from `src` (tr_cond_host first: it may use eax and ecx). */
static void cmov_from(struct tr *t, const struct insn *in, struct xrm src)
{
    unsigned hc = tr_cond_host(t, in->cc);
    struct xrm d = gpr_rm(t, in->o[0].reg, 4);
    uint8_t r = tr_gpr_in(t, in->o[0].reg, 4, XCX);
    x_0f(t->cur, (uint8_t)(0x40 + hc), false, false, r, src);
    if (!d.is_reg)
        x_store(t->cur, 4, d, XCX);
}

static void op_cmov_mem(struct tr *t, const struct insn *in)
{
    cmov_from(t, in, tr_hm(t));
}

/* A shift or rotate of a dword (register slot or [rdx]) by CL (plan.by_cl).
 * A count of 0 changes nothing, flags included: the live ones go to
 * cpu.eflags first, and those the shift writes join them there, so both
 * ways agree after it (tr_materialise leaves rdx alone). */
static void shift_cl_on(struct tr *t, const struct insn *in, struct xrm dst)
{
    const struct plan *p = &t->plan[t->k];
    uint32_t live = p->live_after;
    struct xbuf *b = t->cur;
    unsigned ext = tr_shift_ext(in->op);
    unsigned l_zero = x_label_new(&t->L);
    if (t->s.saved)
        tr_materialise(t); /* all of them: nothing may wait in the slot */
    else
        tr_flags_before_clobber(t, live);
    x_load(b, 4, XCX, gpr_rm(t, R_ECX, 4));
    x_test_rm_imm(b, 1, R(XCX), 31);
    x_jcc(&t->L, b, XCC_E, l_zero);
    x_alu_rm_imm(b, 4, 4, R(XCX), 31);                   /* and */
    x_alu_rm_imm(b, 5, 4, R(XCX), 1);                    /* sub: 0..30 */
    x_shift_cl(b, ext, 4, dst);
    x_shift_imm(b, ext, 4, dst, 1);
    t->s.pending = p->H;
    t->s.pending_zero = p->Z;
    tr_flags_before_clobber(t, live);
    x_bind(&t->L, l_zero, b);
}

/* The same of a dword in memory, whose count is not 0: the memory
 * operand was probed for a write, CL is loaded again (the slow path calls
 * C), the flags were all written to cpu.eflags before (tr_by_cl_mem). */
static void op_shift_cl_mem(struct tr *t, const struct insn *in)
{
    const struct plan *p = &t->plan[t->k];
    struct xbuf *b = t->cur;
    unsigned ext = tr_shift_ext(in->op);
    tr_materialise(t); /* (the operand's probe saved nothing: no-op) */
    x_load(b, 4, XCX, gpr_rm(t, R_ECX, 4));
    x_alu_rm_imm(b, 4, 4, R(XCX), 31);                   /* and */
    x_alu_rm_imm(b, 5, 4, R(XCX), 1);                    /* sub: 0..30 */
    x_shift_cl(b, ext, 4, xr_mem(xm(XDX, 0)));
    x_shift_imm(b, ext, 4, xr_mem(xm(XDX, 0)), 1);
    t->s.pending = p->H;
    t->s.pending_zero = p->Z;
    tr_flags_before_clobber(t, p->live_after);
}

/* A count of 0: the operand is read (its access checked, as the
 * interpreter's handler does: no write, no dirty bit), nothing changes. */
static void op_by_cl_mem0(struct tr *t, const struct insn *in)
{
    (void)in;
    tr_materialise(t);
}

/* A shift or rotate of a dword in memory by CL (also SHLD/SHRD,
 * tr_bits.c): with the flags in cpu.eflags (a count of 0 leaves them), a
 * write access and `op` when the count is not 0, else a read access. */
void tr_by_cl_mem(struct tr *t, const struct insn *in, mem_op_fn op)
{
    struct xbuf *b = t->cur;
    unsigned l_zero = x_label_new(&t->L), l_done = x_label_new(&t->L);
    tr_materialise(t);
    x_load(b, 4, XCX, gpr_rm(t, R_ECX, 4));
    x_test_rm_imm(b, 1, R(XCX), 31);
    x_jcc(&t->L, b, XCC_E, l_zero);
    struct tstate s0 = t->s;
    tr_with_memory(t, in, in->seg, 4, JM_RMW, op, false);
    x_jmp(&t->L, t->cur, l_done);
    x_bind(&t->L, l_zero, t->cur);
    t->s = s0;
    tr_with_memory(t, in, in->seg, 4, JM_READ, op_by_cl_mem0, false);
    x_bind(&t->L, l_done, t->cur);
}

static void op_push(struct tr *t, const struct insn *in)
{
    store_to_memory(t, in, &in->o[0], 4);
    x_store(t->cur, 4, gpr_rm(t, R_ESP, 4), R_OFF);
}

static void op_pop(struct tr *t, const struct insn *in)
{
    x_load(t->cur, 4, XAX, xr_mem(xm(XDX, 0)));
    x_lea(t->cur, false, XCX, xm(R_OFF, 4));
    x_store(t->cur, 4, gpr_rm(t, R_ESP, 4), XCX);
    x_store(t->cur, 4, gpr_rm(t, in->o[0].reg, 4), XAX);
}

/* LEAVE (SDM vol. 2): ESP = EBP, then POP EBP; the offset (R_OFF) is
 * EBP, so ESP becomes R_OFF + 4. */
static void op_leave(struct tr *t, const struct insn *in)
{
    (void)in;
    x_load(t->cur, 4, XAX, xr_mem(xm(XDX, 0)));
    x_lea(t->cur, false, XCX, xm(R_OFF, 4));
    x_store(t->cur, 4, gpr_rm(t, R_ESP, 4), XCX);
    x_store(t->cur, 4, gpr_rm(t, R_EBP, 4), XAX);
}

static void op_x87(struct tr *t, const struct insn *in)
{
    const struct plan *p = &t->plan[t->k];
    x87_emit_op(t, in, p);
    if (p->mem_size)
        x87_note_mem(t);
    if (p->W)
        tr_set_flags_after(t, p);
}

/* A shift or rotate by an immediate (1..width-1, or 1..31 of a dword)
 * of `dst`; a SHL, ROL or ROR by more than 1 as two, the second by 1
 * (int_form: the interpreter's OF), unless OF is dead after it (md5's
 * and sha256's rotates, whose flags the next ALU op replaces): then the
 * host's OF, undefined, is never observed. */
static void shift_imm_on(struct tr *t, const struct insn *in, struct xrm dst)
{
    unsigned n = in->imm & 31, ext = tr_shift_ext(in->op), size = in->o[0].size;
    if (tr_two_step(in->op) && n > 1 && (t->plan[t->k].live_after & F_OF)) {
        x_shift_imm(t->cur, ext, size, dst, (uint8_t)(n - 1));
        n = 1;
    }
    x_shift_imm(t->cur, ext, size, dst, (uint8_t)n);
    tr_set_flags_after(t, &t->plan[t->k]);
}

static void op_shift_imm_mem(struct tr *t, const struct insn *in)
{
    const struct plan *p = &t->plan[t->k];
    if ((t->s.pending | t->s.pending_zero) & (p->live_after & ~p->W))
        tr_materialise(t); /* (nothing pending after the probe: no-op) */
    shift_imm_on(t, in, xr_mem(xm(XDX, 0)));
}

/* BT BTS BTR BTC of `dst` (a host register or [rdx]) by ecx or the
 * immediate (int_form: modulo 32 either way); the flags other than CF
 * that are live were written to cpu.eflags before (emit_native). */
void tr_bt_on(struct tr *t, const struct insn *in, struct xrm dst)
{
    unsigned ext = in->op == OP_BT ? 4 : in->op == OP_BTS ? 5 : in->op == OP_BTR ? 6 : 7;
    if (in->o[1].kind == OPK_IMM) {
        struct xenc e = XENC2(0x0F, 0xBA);
        x_insn(t->cur, &e, (uint8_t)ext, false, &dst);
        xb(t->cur, (uint8_t)(in->imm & 31));
    } else {
        x_0f(t->cur, (uint8_t)(0xA3 + 8 * (ext - 4)), false, false, XCX, dst);
    }
    t->s.pending = F_CF;
    t->s.pending_zero = 0;
    t->s.saved &= ~F_CF;
}

static void op_bt_mem(struct tr *t, const struct insn *in)
{
    tr_bt_on(t, in, xr_mem(xm(XDX, 0)));
}

/* PUSH m32: the source (at its address from ESP before the push, SDM
 * vol. 2, PUSH) into the slot, then the push from there. */
static void op_push_load(struct tr *t, const struct insn *in)
{
    (void)in;
    x_load(t->cur, 4, XAX, xr_mem(xm(XDX, 0)));
    x_store(t->cur, 4, xr_mem(xm(XSP, SLOT_TMP)), XAX);
}

static void op_push_tmp(struct tr *t, const struct insn *in)
{
    (void)in;
    x_load(t->cur, 4, XAX, xr_mem(xm(XSP, SLOT_TMP)));
    x_store(t->cur, 4, xr_mem(xm(XDX, 0)), XAX);
    x_store(t->cur, 4, gpr_rm(t, R_ESP, 4), R_OFF);
}

/* Emits instruction k natively (the plan says it can be). */
static void emit_native(struct tr *t, const struct insn *in)
{
    const struct plan *p = &t->plan[t->k];
    struct xbuf *b = t->cur;
    const struct opnd *o0 = &in->o[0], *o1 = &in->o[1];
    uint32_t live = p->live_after;

    if (p->x87) {
        if (p->mem_size) {
            tr_with_memory(t, in, in->seg, p->mem_size, p->mem_kind, op_x87, false);
        } else {
            if (p->W) /* FCOMI writes EFLAGS: nothing pending survives */
                tr_flags_before_clobber(t, (live & ~p->W) | p->R);
            op_x87(t, in);
        }
        return;
    }
    enum tr_kind kind = tr_kind_of(in);
    int g = op_alu_group(in->op);
    if (g >= 0 || kind == TR_TEST) {
        bool writes = kind != TR_CMP && kind != TR_TEST;
        if (o0->kind == OPK_MEM) {
            tr_with_memory_fold(t, in, in->seg, o0->size, writes ? JM_RMW : JM_READ, op_alu_mem_dst);
        } else if (o1->kind == OPK_MEM) {
            tr_with_memory_fold(t, in, in->seg, o1->size, JM_READ, op_alu_mem_src);
        } else {
            /* A register op cannot fault and replaces every flag:
             * pending ones die here, but for CF of ADC/SBB. */
            if (kind == TR_ADC || kind == TR_SBB)
                carry_in(t);
            tr_alu_on(t, in, gpr_rm(t, o0->reg, o0->size));
            tr_set_flags_after(t, p);
        }
        return;
    }
    switch (kind) {
    case TR_MOV:
        if (o0->kind == OPK_MEM) {
            tr_with_memory_fold(t, in, in->seg, o0->size, JM_WRITE, op_mov_store);
        } else if (o1->kind == OPK_MEM) {
            tr_with_memory_fold(t, in, in->seg, o1->size, JM_READ, op_mov_load);
        } else if (o1->kind == OPK_IMM) {
            x_store_imm(b, o0->size, gpr_rm(t, o0->reg, o0->size), in->imm);
        } else {
            uint8_t src = tr_gpr_in(t, o1->reg, o0->size, XAX);
            x_store(b, o0->size, gpr_rm(t, o0->reg, o0->size), src);
        }
        return;
    case TR_INCDEC: case TR_NEG: case TR_NOT:
        if (o0->kind == OPK_MEM) {
            tr_with_memory_fold(t, in, in->seg, o0->size, JM_RMW, op_unary_mem);
            return;
        }
        /* A register form cannot fault and overwrites W: pending flags
         * outside W (INC/DEC keep CF) stay valid on the host. */
        if (in->op == OP_INC || in->op == OP_DEC)
            tr_carry_pending(t, live);
        unary_on(t, in, gpr_rm(t, o0->reg, o0->size));
        tr_set_flags_after(t, p);
        return;
    case TR_LEA: {
        /* tr_ea_to uses only lea/mov: the host's flags survive */
        struct xrm d = gpr_rm(t, o0->reg, 4);
        tr_ea_to(t, in, d.is_reg ? d.reg : XCX);
        if (!d.is_reg)
            x_store(b, 4, d, XCX);
        return;
    }
    case TR_MOVX:
        if (o1->kind == OPK_MEM) {
            tr_with_memory_fold(t, in, in->seg, o1->size, JM_READ, op_ext_mem);
        } else {
            ext_from(t, in, gpr_rm(t, o1->reg, o1->size));
        }
        return;
    case TR_PUSH:
        if (o0->kind == OPK_MEM) {
            /* The source by a probe of its own (the push's access is
             * the one tr_choose_shares planned). */
            tr_ea_to(t, in, R_OFF);
            tr_read_first(t, in, in->seg, 4, op_push_load);
            x_load(b, 4, R_OFF, gpr_rm(t, R_ESP, 4));
            x_lea(b, false, R_OFF, xm(R_OFF, -4));
            tr_with_memory(t, in, S_SS, 4, JM_WRITE, op_push_tmp, true);
            return;
        }
        x_load(b, 4, R_OFF, gpr_rm(t, R_ESP, 4));
        x_lea(b, false, R_OFF, xm(R_OFF, -4));
        tr_with_memory(t, in, S_SS, 4, JM_WRITE, op_push, true);
        return;
    case TR_POP:
        x_load(b, 4, R_OFF, gpr_rm(t, R_ESP, 4));
        tr_with_memory(t, in, S_SS, 4, JM_READ, op_pop, true);
        return;
    case TR_LEAVE:
        x_load(b, 4, R_OFF, gpr_rm(t, R_EBP, 4));
        tr_with_memory(t, in, S_SS, 4, JM_READ, op_leave, true);
        return;
    case TR_NOP:
        return;
    case TR_CDQ:
        x_load(b, 4, XAX, gpr_rm(t, R_EAX, 4));
        xb(b, 0x99); /* cdq */
        x_store(b, 4, gpr_rm(t, R_EDX, 4), XDX);
        return;
    case TR_XCHG:
        x_load(b, 4, XAX, gpr_rm(t, o0->reg, 4));
        x_load(b, 4, XCX, gpr_rm(t, o1->reg, 4));
        x_store(b, 4, gpr_rm(t, o0->reg, 4), XCX);
        x_store(b, 4, gpr_rm(t, o1->reg, 4), XAX);
        return;
    case TR_SHIFT: {
        if (p->by_cl) {
            if (o0->kind == OPK_MEM)
                tr_by_cl_mem(t, in, op_shift_cl_mem);
            else
                shift_cl_on(t, in, gpr_rm(t, o0->reg, 4));
            return;
        }
        if (!(in->imm & 31))
            return;
        if (o0->kind == OPK_MEM) {
            tr_with_memory(t, in, in->seg, o0->size, JM_RMW, op_shift_imm_mem, false);
            return;
        }
        if ((t->s.pending | t->s.pending_zero) & (live & ~p->W))
            tr_materialise(t);
        shift_imm_on(t, in, gpr_rm(t, o0->reg, o0->size));
        return;
    }
    case TR_BT:
        if ((t->s.pending | t->s.pending_zero) & live & ~F_CF)
            tr_materialise(t);
        if (p->moved) {
            tr_bt_mem_reg(t, in);
        } else if (o0->kind == OPK_MEM) {
            tr_with_memory(t, in, in->seg, 4, in->op == OP_BT ? JM_READ : JM_RMW, op_bt_mem, false);
        } else {
            /* Through eax: a register in struct cpu as a host bit string
             * would be addressed beyond it by a large offset. */
            if (o1->kind == OPK_GPR)
                x_load(b, 4, XCX, gpr_rm(t, o1->reg, 4));
            x_load(b, 4, XAX, gpr_rm(t, o0->reg, 4));
            tr_bt_on(t, in, R(XAX));
            if (in->op != OP_BT)
                x_store(b, 4, gpr_rm(t, o0->reg, 4), XAX);
        }
        return;
    case TR_BSWAP: {
        struct xrm d = gpr_rm(t, o0->reg, 4);
        uint8_t r = d.is_reg ? d.reg : XAX;
        if (!d.is_reg)
            x_load(b, 4, XAX, d);
        x_bswap(b, r);
        if (!d.is_reg)
            x_store(b, 4, d, XAX);
        return;
    }
    case TR_STRING:
        tr_string_op(t, in);
        return;
    case TR_DSHIFT: case TR_BSCAN: case TR_XADD: case TR_CMPXCHG: case TR_DFLAG:
        tr_bits_emit(t, in);
        return;
    case TR_IMUL: case TR_DIV:
        tr_muldiv_emit(t, in);
        return;
    case TR_SETCC:
        if (o0->kind == OPK_MEM)
            tr_with_memory_fold(t, in, in->seg, 1, JM_WRITE, op_setcc_mem);
        else
            x_setcc(b, tr_cond_host(t, in->cc), gpr_rm(t, o0->reg, 1));
        return;
    case TR_CMOVCC:
        if (o1->kind == OPK_MEM) {
            tr_with_memory_fold(t, in, in->seg, 4, JM_READ, op_cmov_mem);
        } else {
            cmov_from(t, in, gpr_rm(t, o1->reg, 4));
        }
        return;
    default: /* the ALU group above; JMP/Jcc: tr_branch_end */
        return;
    }
}

/* --- the driver ---------------------------------------------------------- */

/* Whether an instruction the interpreter runs may touch the x87 state
 * (x87, WAIT, MMX, SSE, FXSAVE: everything from FWAIT on in the table). */
static bool touches_fpu(const struct insn *in)
{
    return in->op >= OP_FWAIT;
}

/* Whether an instruction up to k is at offset o. */
static bool earlier(const struct tr *t, unsigned k, uint32_t o)
{
    for (unsigned j = 0; j <= k; j++)
        if (t->off[j] == o)
            return true;
    return false;
}

/* The branches back to an earlier instruction j of the translation that
 * stay inside it (tr.h back; the last one's to the start is
 * tr_branch_end's loop): a native JMP/Jcc rel32 whose target is
 * instruction j, with only native instructions from j to it (so
 * nothing was counted into cpu.icount on the way, and the registers and
 * flags are where the translation keeps them), in a chainable one (the
 * join's flags go through the slot).  Their targets get a join label. */
static void find_back_edges(struct tr *t)
{
    unsigned n = t->b->ninsn;
    memset(t->join, 0, sizeof(t->join));
    memset(t->join_fl, -1, sizeof(t->join_fl));
    memset(t->peel, -1, sizeof(t->peel));
    memset(t->rejoin, 0, sizeof(t->rejoin));
    memset(t->mem_rejoin, 0, sizeof(t->mem_rejoin));
    memset(t->kept, -1, sizeof(t->kept));
    t->join_s_j = -1;
    t->steady = false;
    t->backs = false;
    t->nt_back = t->ft_exit = 0;
    for (unsigned k = 0; k < n; k++) {
        const struct insn *in = &t->b->insn[k];
        t->back[k] = -1;
        /* (A JMP in the middle that goes back into the block: the block
         * went on at a side exit's target after it, engine/cache.c
         * excursion; not with native x87 ops, whose ghost plan and window
         * state know straight lines and Jcc back edges only.) */
        bool jmp_back = in->flow == FLOW_JMP_REL && k + 1 < n && !t->x87 &&
                        t->nxt[k] + in->imm != t->off[k + 1];
        /* A Jcc there whose fall-through goes back (tr.h nt_back): that
         * way is the back edge (with x87 ops, an exit). */
        bool nt = tr_is_jcc(in->op) && k + 1 < n && t->nxt[k] != t->off[k + 1];
        if (!t->chainable || !t->plan[k].native || (nt && t->x87) ||
            !(tr_is_jcc(in->op) || (in->flow == FLOW_JMP_REL && k + 1 == n) || jmp_back))
            continue;
        /* A Jcc there whose taken way goes back and whose fall-through
         * is none of the block's (tr.h ft_exit): that way leaves. */
        bool ft = nt && !t->x87 && !earlier(t, k, t->nxt[k]) &&
                  earlier(t, k, t->nxt[k] + in->imm);
        nt &= !ft;
        uint32_t target = nt ? t->nxt[k] : t->nxt[k] + in->imm;
        for (unsigned j = k + 1; j-- > (k + 1 == n ? 1u : 0u);) {
            if (!t->plan[j].native)
                break;
            if (t->off[j] == target && !x87_join_ok(t, k, j))
                break; /* the x87 stack is not as the head has it */
            if (t->off[j] == target) {
                t->back[k] = (int8_t)j;
                t->backs = true;
                if (!t->join[j])
                    t->join[j] = (uint16_t)(x_label_new(&t->L) + 1);
                t->nt_back |= (uint64_t)nt << k;
                t->ft_exit |= (uint64_t)ft << k;
                int m = nt || ft ? -1 : tr_peel_end(t, k, j);
                if (m >= 0) {
                    t->peel[k] = (int8_t)m;
                    if (!t->rejoin[m + 1])
                        t->rejoin[m + 1] = (uint16_t)(x_label_new(&t->L) + 1);
                }
                break;
            }
        }
    }
}

bool tr_back_target(const struct tr *t, unsigned j)
{
    for (unsigned k = j; k < t->b->ninsn; k++)
        if (t->back[k] == (int)j)
            return true;
    return false;
}

/* Where a loop's back jump lands (a back edge's head, a peel's rejoin),
 * NOPs first up to 16 bytes: they run once, on the way in, and a small
 * loop then spans as few of the host's 64-byte lines as its size allows.
 * sieve's 80-byte marking loop ran 0.24-0.27 s in two lines and
 * 0.29-0.50 s in three (scale 300, session 17), whichever code before it
 * moved its start. The hot buffer starts 16-byte aligned (jit.c). */
static void loop_head_align(struct tr *t, struct xbuf *hb)
{
    if (t->cur == hb)
        x_nop_align(hb, 16);
}

/* A host register of the guest register cache's that this translation
 * does not use (tr.h icreg), callee-saved ones first; else r13, whose
 * calm value the body's event checks then read from memory and whose
 * value a jump into another translation restores (tr_calm_restore). */
static uint8_t free_host_reg(const struct tr *t)
{
    static const uint8_t pick[] = { X14, X15, XBP, X8, X9, X10, X11 };
    for (unsigned i = 0; i < sizeof(pick); i++) {
        bool used = false;
        for (unsigned r = 0; r < 8; r++)
            used |= (t->cached & (1u << r)) && t->host_of[r] == pick[i];
        if (!used)
            return pick[i];
    }
    return R_CALM;
}

/* The entry conditions the translation was specialised for: one test of
 * the word the engine keeps (jit.h jit_unmet). */
static void emit_unmet_test(struct tr *t)
{
    uint32_t unmet = jit_jc_need(t->c->cpl, t->flat, t->uses_stack, 0);
    x_test_rm_imm(t->cur, 4, cpu_rm(CPU_OFF(eng.unmet)), unmet);
}

static void emit_unmet_check(struct tr *t)
{
    emit_unmet_test(t);
    x_jcc(&t->L, t->cur, XCC_NE, t->l_fail);
}

/* The CS limit check of a chained entry, in full (the block fits below
 * the limit), into buffer cb. */
static void emit_cs_full(struct tr *t, struct xbuf *cb)
{
    const struct jit_source *b = t->b;
    if (b->below) { /* (EIP below it would wrap) */
        x_alu_rm_imm(cb, 7, 4, R(XCX), b->below);
        x_jcc(&t->L, cb, XCC_B, t->l_merge);
    }
    x_lea(cb, true, XDX, xm(XCX, (int32_t)b->bytes - 1));   /* 64-bit: no wrap */
    x_load(cb, 4, XDI, cpu_rm(CPU_OFF(seg[S_CS].limit)));
    x_w(cb, 0x39, XDI, R(XDX));                              /* cmp rdx, rdi */
    x_jcc(&t->L, cb, XCC_A, t->l_merge);
}

/* The same in the hot section: one compare of eng.cs_flat, the full check
 * in the cold section. */
static void emit_cs_check(struct tr *t)
{
    const struct jit_source *b = t->b;
    struct xbuf *hb = &t->hot;
    unsigned l_cs = x_label_new(&t->L), l_cs_ok = x_label_new(&t->L);
    if (b->two_pages) {
        x_jmp(&t->L, hb, l_cs); /* (EIP may pass 4 GiB in it) */
    } else {
        x_alu_rm_imm(hb, 7, 1, cpu_rm(CPU_OFF(eng.cs_flat)), 0);
        x_jcc(&t->L, hb, XCC_E, l_cs);
    }
    x_bind(&t->L, l_cs_ok, hb);
    x_bind(&t->L, l_cs, &t->cold);
    emit_cs_full(t, &t->cold);
    x_jmp(&t->L, &t->cold, l_cs_ok);
}

/* What run_block checks between two blocks (engine/run.c), with rdx and
 * rdi, into t->cur, each failure to l_bail (a 2-byte jcc where it can):
 * the map's stamp (then the label `same`, jit.h chain_same, unless
 * ~0u), the next page's, the events, the budget; the CS limit apart. */
static void emit_chain_checks(struct tr *t, unsigned l_bail, unsigned same)
{
    const struct jit_source *b = t->b;
    struct xbuf *cb = t->cur;
    x_mov_r64_imm(cb, XDX, (uint64_t)(uintptr_t)b->stamp_at);
    x_alu_rm_imm(cb, 7, 4, xr_mem(xm(XDX, 0)), b->stamp);
    x_jcc_near(&t->L, cb, XCC_NE, l_bail);
    if (same != ~0u)
        x_bind(&t->L, same, cb);
    if (b->two_pages && b->host2)
        tr_next_page_check(t);
    tr_event_check_near(t, l_bail);
    x_w(cb, 0x8B, XDX, cpu_rm(CPU_OFF(icount)));
    x_alu_rm_imm(cb, 0, 8, R(XDX), b->ninsn);
    x_w(cb, 0x3B, XDX, cpu_rm(CPU_OFF(eng.icount_end)));
    x_jcc_near(&t->L, cb, XCC_A, l_bail);
}

/* The guest registers the translation caches, from struct cpu. */
static void load_cached(struct tr *t)
{
    for (unsigned r = 0; r < 8; r++)
        if (t->cached & (1u << r))
            x_load(t->cur, 4, t->host_of[r], cpu_rm(GPR_OFF(r)));
}

/* Entered (ecx = EIP): eng.eip0, where the run loop learns where the
 * last translation was entered (only now: a chained entry that fails
 * leaves it naming the predecessor's), the interrupt shadow cleared, the
 * x87 window, the cached registers. */
static void enter(struct tr *t, unsigned l_entered)
{
    x_bind(&t->L, l_entered, t->cur);
    x_store(t->cur, 4, cpu_rm(CPU_OFF(eng.eip0)), XCX);
    /* STI's shadow, which a predecessor's tr_system_end hands over: the
     * checks passed, no event waits, the instruction in it runs now. */
    x_store_imm(t->cur, 1, cpu_rm(CPU_OFF(shadow)), 0);
    if (t->x87)
        x87_emit_entry(t);
    load_cached(t);
}

bool tr_translate(struct tr *t)
{
    const struct jit_source *b = t->b;
    unsigned n = b->ninsn;
    if (!b->code32)
        return false;
    uint32_t o = 0;
    for (unsigned k = 0; k < n; k++) {
        const struct insn *in = &b->insn[k];
        /* From the block (a JMP in a superblock's middle goes on at its
         * target, or at a rotated loop's head: engine/cache.c
         * rotated_head); else the next instruction of a JMP is its
         * target.  (A trace back below pa: negative, mod 2^32.) */
        t->off[k] = b->offs ? (uint32_t)((int32_t)b->offs[k] - (int32_t)b->offs[0]) : o;
        t->nxt[k] = t->off[k] + in->len;
        o = k + 1 < n && in->flow == FLOW_JMP_REL ? t->nxt[k] + in->imm : t->nxt[k];
    }
    t->off[n] = t->nxt[n - 1];

    /* Classify.  Native x87 ops only before the first instruction that
     * the interpreter runs on the x87 state (the window ends there). */
    unsigned x87_end = n;
    for (unsigned k = 0; k < n; k++) {
        const struct insn *in = &b->insn[k];
        struct plan *p = &t->plan[k];
        memset(p, 0, sizeof(*p));
        bool last = k + 1 == n;
        if (last && in->virt == VIRT_BRANCH && tr_is_ind_end(in)) {
            p->native = true;
            p->faults = true;
            t->uses_stack |= in->flow == FLOW_RET || in->flow == FLOW_CALL_IND;
        } else if (in->virt != VIRT_NONE) {
            p->why = JW_VIRT;
            continue; /* the interpreter's */
        } else if (x87_end == n && x87_classify(t->c, in, p)) {
            p->native = p->x87 = t->x87 = true;
            p->faults = p->mem_size != 0;
        } else {
            if (touches_fpu(in) && x87_end == n)
                x87_end = k;
            if (in->flow != FLOW_SEQ && !tr_is_jcc(in->op) && in->flow != FLOW_JMP_REL &&
                !(last && in->flow == FLOW_CALL_REL)) {
                p->why = JW_FLOW;
                continue;
            }
            p->native = tr_int_classify(t, in, p);
            if (!p->native) {
                p->why = touches_fpu(in) ? JW_X87 : JW_FORM;
                continue;
            }
            /* A superblock's conditional branch in the middle: its taken
             * way leaves (every flag observable there), and a target
             * beyond the CS limit faults. */
            if (!last && tr_is_jcc(in->op))
                p->faults = true;
            t->uses_stack |= tr_is_stack_op(in);
        }
        /* Segments that are flat now are assumed flat (the prologue checks):
         * the access's, and a PUSH m32's source or a string's two. */
        int sr = tr_memory_segment(in, p);
        unsigned segs = sr >= 0 ? 1u << sr : 0;
        if (p->native && (tr_kind_of(in) == TR_STRING ||
                          (tr_kind_of(in) == TR_PUSH && in->o[0].kind == OPK_MEM)))
            segs |= 1u << in->seg | (tr_kind_of(in) == TR_STRING ? 1u << S_ES : 0);
        for (unsigned s = 0; s < 6; s++) {
            if (((segs >> s) & 1) && tr_seg_flat(&t->c->seg[s]))
                t->flat |= (uint8_t)(1u << s);
        }
    }
    /* And ES, SS and DS whenever they are flat, and a 32-bit stack, even
     * where no instruction here needs them: jit_link enters a successor
     * past its entry conditions (chain_regs) only from a predecessor
     * specialised for at least the same ones, and sort's partition loop,
     * four translations of which some use only [esp+d] and others only
     * DS, linked at the full entry each way (bench/README.md, session 14).
     * A guest that makes one of them not flat, or its stack 16-bit, fails
     * the entry check and the block is translated again for that state
     * (jit.h JIT_BAIL). */
    static const uint8_t data_segs[3] = { S_ES, S_SS, S_DS };
    for (unsigned i = 0; i < 3; i++)
        if (tr_seg_flat(&t->c->seg[data_segs[i]]))
            t->flat |= (uint8_t)(1u << data_segs[i]);
    t->uses_stack |= t->c->stack32;
    if (!(jit_unmet(t->c) & (1u << (JIT_UNMET_FLAT + JIT_FLAT_CS4G))))
        t->flat |= 1u << JIT_FLAT_CS4G; /* (jit.h: no CS limit checks) */
    t->ghost_ok = false;
    if (t->x87 && !x87_prepass(t, x87_end)) {
        t->x87 = false;
        for (unsigned k = 0; k < n; k++)
            if (t->plan[k].x87) {
                t->plan[k].native = t->plan[k].x87 = false;
                t->plan[k].why = JW_X87;
            }
    }
    /* Flags: drop native forms whose undefined flags would be seen. */
    uint32_t live_in;
    for (;;) {
        live_in = tr_compute_liveness(t);
        bool changed = false;
        for (unsigned k = 0; k < n; k++) {
            struct plan *p = &t->plan[k];
            if (p->native && !tr_flags_exact(p)) {
                if (!p->x87 && tr_kind_of(&b->insn[k]) == TR_IMUL) {
                    p->szp = true; /* imul_flags computes them */
                    p->H = p->W;
                    p->Z = 0;
                    continue;
                }
                p->native = false;
                p->why = JW_FLAGS;
                if (p->x87)
                    return false; /* cannot happen: F(U)COMI are exact */
                changed = true;
            }
        }
        if (!changed)
            break;
    }

    t->live_in = live_in;
    /* x87 translations too: their entry checks (x87_emit_checks) fail
     * as the others', and the window is written back at every exit. */
    t->chainable = true;
    find_back_edges(t);
    tr_allocate_gprs(t);
    const struct insn *end = &b->insn[n - 1];
    t->loop = t->plan[n - 1].native && (tr_is_jcc(end->op) || end->flow == FLOW_JMP_REL) &&
              t->nxt[n - 1] + end->imm == 0;
    /* A conditional branch whose fall-through is the block's start (the
     * builder stopped there: engine/cache.c, "back at an instruction of
     * the block"; sort's partition loop with its rotated inner loop,
     * bench/README.md session 15): the loop is its not-taken way
     * (tr_branch_end).  Not with native x87 ops (tr_x87.c's ghost plan
     * knows the taken way's loop only). */
    t->loop_nt = !t->loop && !t->x87 && t->plan[n - 1].native && tr_is_jcc(end->op) &&
                 t->nxt[n - 1] == 0;
    t->loop |= t->loop_nt;
    /* Or one that falls through to the start (a trace back above it:
     * engine/cache.c ends the block there); not an x87 op (x87_top[n - 1]
     * is the stack before it), with a native way on (tr_seq_end). */
    t->loop |= t->plan[n - 1].native && !t->plan[n - 1].x87 && end->flow == FLOW_SEQ &&
               end->virt == VIRT_NONE && t->nxt[n - 1] == 0 && t->chainable;
    t->calls = false;
    for (unsigned k = 0; k < n; k++)
        t->calls |= !t->plan[k].native;
    x87_ghost_plan(t);
    tr_choose_sites(t);
    tr_choose_shares(t);
    tr_prefill_plan(t);
    tr_hoist_plan(t);
    t->icreg = XNONE;
    t->in_body = false;
    if ((t->loop || t->backs) && t->chainable)
        t->icreg = free_host_reg(t);

    /* Prologue: the frame and the fixed registers are the shared
     * STUB_ENTER's (tr_stubs.c), the epilogue STUB_EPILOGUE's. */
    t->l_epilogue = t->l_stub[STUB_EPILOGUE];
    t->l_body = x_label_new(&t->L);
    t->l_chain = x_label_new(&t->L);
    t->l_start = x_label_new(&t->L);
    t->l_merge = t->l_stub[STUB_MERGE];
    /* An entry check that fails on a chained entry leaves as the
     * predecessor's exit would: the flags handed over merged first. */
    t->nchain = 0;
    t->l_fail = t->chainable ? t->l_merge : t->l_epilogue;
    struct xbuf *hb = t->cur = &t->hot;
    unsigned l_entered = x_label_new(&t->L);
    t->l_chain_fast = x_label_new(&t->L);
    t->l_chain_regs = x_label_new(&t->L);
    for (int f = 0; f < 3; f++)
        t->l_chain_same[f] = x_label_new(&t->L);
    /* A chainable body starts with the flags it may observe in the slot
     * (tr_flags_handoff; STUB_ENTER fills it from cpu.eflags, as a
     * chained predecessor leaves it); the others are written before
     * anything sees them.  ecx = EIP at every entry: from C, cpu.eip; a
     * chained exit leaves it there instead of in cpu.eip (l_merge writes
     * it when the jump ends in C after all). */
    t->s = (struct tstate){ .last_x87 = -1, .last_x87_mem = -1, .ghost = -1,
                            .saved = t->chainable ? live_in : 0 };
    if (t->chainable) {
        /* From C (run_block checked the rest), in the cold section (once
         * per entry from C, against some hundred chained entries: a
         * busybox exec, bench/README.md session 17): the frame, the entry
         * conditions and the registers, the shadow cleared (as enter()),
         * then what every entry does once it passed (l_entered).  jit.c's
         * `entry` is l_start. */
        unsigned l_shadow = x_label_new(&t->L);
        bool cs_check = b->two_pages || !(t->flat & (1u << JIT_FLAT_CS4G));
        t->cur = &t->cold;
        x_bind(&t->L, t->l_start, t->cur);
        tr_call_stub(t, STUB_ENTER);
        emit_unmet_check(t);
        if (t->x87)
            x87_emit_checks(t, t->l_fail);
        load_cached(t);
        x_store_imm(t->cur, 1, cpu_rm(CPU_OFF(shadow)), 0);
        x_jmp(&t->L, t->cur, l_entered);
        t->cur = hb;
        /* A chained entry's failed check leaves as the predecessor's exit
         * would (l_merge); its checks reach this jmp by a 2-byte jcc. */
        unsigned l_bail = x_label_new(&t->L);
        x_bind(&t->L, l_bail, hb);
        x_jmp(&t->L, hb, t->l_merge);
        /* The chained entry (jit.h chain_entry; chain_fast, its old copy
         * without the entry conditions, is the same label): the entry
         * conditions and the register loads, then chain_regs's checks.
         * Loading before them is harmless (jit.c link_stub: a check that
         * fails goes back to C, which reads no host register; the
         * predecessor's exit wrote every guest register back).  One copy
         * of the checks, not one per entry (session 18, `slim`: about 100
         * bytes of every translation).  chain_same[0] and [1] are the
         * full entry too (the stamp's check is three instructions).
         * STI's shadow (tr_block_end.c tr_system_end) reaches only this
         * entry (its predecessor ran a handler or a system instruction):
         * when set, the checks in the cold section and the shadow cleared
         * once they passed; chain_regs's predecessor ran no handler, and
         * its own entry cleared the shadow, so it stores nothing. */
        x_bind(&t->L, t->l_chain, hb);
        x_bind(&t->L, t->l_chain_fast, hb);
        x_bind(&t->L, t->l_chain_same[0], hb);
        x_bind(&t->L, t->l_chain_same[1], hb);
        emit_unmet_test(t);
        x_jcc_near(&t->L, hb, XCC_NE, l_bail);
        load_cached(t);
        x_alu_rm_imm(hb, 7, 1, cpu_rm(CPU_OFF(shadow)), 0);
        x_jcc(&t->L, hb, XCC_NE, l_shadow);
        /* chain_regs (a second label after the stamp's check for a
         * predecessor of the same map and stamp, jit.h chain_same). */
        x_bind(&t->L, t->l_chain_regs, hb);
        emit_chain_checks(t, l_bail, t->l_chain_same[2]);
        /* The CS limit: nothing to check when it is 4 GiB with a
         * page-aligned base (the block lies in one page): eng.cs_flat,
         * or no code at all where the translation is specialised for it
         * (jit.h JIT_FLAT_CS4G, which the entry conditions checked); else
         * in the cold section. */
        if (cs_check)
            emit_cs_check(t);
        /* The shadow's way (cold). */
        t->cur = &t->cold;
        x_bind(&t->L, l_shadow, t->cur);
        emit_chain_checks(t, l_bail, ~0u);
        if (cs_check)
            emit_cs_full(t, t->cur);
        if (t->x87)
            x87_emit_checks(t, t->l_merge);
        x_store_imm(t->cur, 1, cpu_rm(CPU_OFF(shadow)), 0);
        x_jmp(&t->L, t->cur, l_entered);
        t->cur = hb;
        /* A chained entry that passed: the x87 conditions (with rdx only:
         * tr_x87.c; not among those a predecessor keeps); then every
         * entry (l_entered), as enter(), less the register loads and the
         * shadow. */
        if (t->x87)
            x87_emit_checks(t, t->l_merge);
        x_bind(&t->L, l_entered, hb);
        x_store(hb, 4, cpu_rm(CPU_OFF(eng.eip0)), XCX);
        if (t->x87)
            x87_emit_entry(t); /* (rax and rcx are no guest's host registers) */
    } else {
        x_bind(&t->L, t->l_start, hb);
        tr_call_stub(t, STUB_ENTER);
        emit_unmet_check(t);
        if (t->x87)
            x87_emit_checks(t, t->l_fail);
        enter(t, l_entered);
    }
    if (t->runs) { /* PLEX86_JIT_STATS: add qword [counter], 1 */
        x_mov_r64_imm(hb, XAX, (uint64_t)(uintptr_t)t->runs);
        x_alu_rm_imm(hb, 0, 8, xr_mem(xm(XAX, 0)), 1);
    }
    t->in_body = true;
    if (t->icreg != XNONE) {
        /* The count less the limit of a loop's budget check, the first
         * count at which the whole translation no longer fits
         * (icount_end - n + 1; tr_loop_checks): STUB_ENTER put
         * icount_end at [rsp + SLOT_LIMIT], the same for every
         * translation of the run, so a chained entry computes it without
         * a store (session 14).  The entry checked icount + n <=
         * icount_end, so the limit is above the count, by at most 2^62
         * (engine/run.c caps the room), so the difference is a signed
         * 64-bit number whose sign says whether there is room, also after
         * C counted past the limit (a handler in the body). */
        x_w(hb, 0x8B, t->icreg, cpu_rm(CPU_OFF(icount)));
        x_w(hb, 0x2B, t->icreg, xr_mem(xm(XSP, SLOT_LIMIT)));      /* sub reg, [end] */
        if (n > 1)
            x_alu_rm_imm(hb, 0, 8, R(t->icreg), n - 1);
    }
    tr_sites_forget(t);
    if ((t->loop || t->backs) && t->x87)
        x_store_imm(hb, 1, cpu_rm(CPU_OFF(eng.noted)), 0);
    /* A loop comes back to the body with the registers it wrote dirty. */
    if (t->loop)
        t->s.dirty = t->written;
    tr_prefill_entry(t);
    x_bind(&t->L, t->l_body, hb);
    t->part[JB_ENTRY] = xoff(hb) + xoff(&t->cold);

    /* Body. */
    for (unsigned k = 0; k < n; k++) {
        const struct insn *in = &b->insn[k];
        const struct plan *p = &t->plan[k];
        t->k = k;
        if (t->rejoin[k]) {
            loop_head_align(t, hb);
            x_bind(&t->L, t->rejoin[k] - 1u, t->cur); /* a peel goes on here */
        }
        t->fl_pre[k] = (int16_t)t->s.flushed;
        if (t->join[k]) {
            /* An earlier side exit jumps here (tr_side_exit), with the
             * count the join agrees on (tr_join_count). */
            tr_join_state(t, k);
            tr_count_to(t, tr_join_count(t, k, 0), 0);
            tr_prefill_mid(t, k); /* (the first inner loop's way in) */
            if (tr_back_target(t, k))
                loop_head_align(t, hb);
            x_bind(&t->L, t->join[k] - 1u, t->cur);
            t->join_s = t->s; /* (tr_block_end.c steady_copy) */
            t->join_s_j = (int)k;
        }
        tr_hoist_before(t, k);
        bool last = k + 1 == n;
        if (!p->native) {
            bool dirty = touches_fpu(in);
            tr_callout(t, in, last, dirty);
            if (last)
                break;
            continue;
        }
        t->next_off = t->nxt[k];
        x87_fdp_before(t, k);
        if (t->back[k] >= 0) {
            if ((t->nt_back >> k) & 1)
                tr_back_edge_nt(t, in, t->back[k]);
            else
                tr_back_edge(t, in, (unsigned)t->back[k]);
            if (last)
                break;
            /* After a JMP back (find_back_edges), what follows is reached
             * only by jumps ahead to it (a join: tr_join_state), with no
             * flags to compute again. */
            if (in->flow == FLOW_JMP_REL || ((t->ft_exit >> k) & 1))
                t->s.redo = t->s.cand = 0;
            continue;
        }
        if (last && (tr_is_jcc(in->op) || in->flow == FLOW_JMP_REL)) {
            tr_branch_end(t, in, live_in);
            break;
        }
        if (tr_is_jcc(in->op)) {
            if (t->nxt[k] != t->off[k + 1])
                tr_back_edge_nt(t, in, -1); /* (tr.h nt_back: not a back edge) */
            else
                tr_side_exit(t, in); /* in the middle of a superblock */
            continue;
        }
        if (in->flow == FLOW_JMP_REL) {
            /* A superblock's: its target is the next instruction, or a
             * rotated loop's test further on (tr_jmp_ahead). */
            if (t->nxt[k] + in->imm != t->off[k + 1])
                tr_jmp_ahead(t, in);
            continue;
        }
        if (last && in->virt == VIRT_BRANCH) {
            tr_ind_end(t, in);
            break;
        }
        if (last && tr_kind_of(in) == TR_CALL) {
            t->s.dirty |= p->gw & t->cached;
            tr_call_end(t, in);
            break;
        }
        /* Registers it writes are dirty from here (conservatively before
         * the write, so the exits of its own slow path store them). */
        t->s.dirty |= p->gw & t->cached;
        emit_native(t, in);
        flags_written(t, k);
        tr_sites_written(t, k);
        if (last && t->loop)
            tr_seq_end(t, k, live_in);
        else if (last)
            tr_emit_exit(t, k, true, t->nxt[k]);
    }

    /* The merge of the flags a chained exit handed over, and the
     * epilogue, are shared (STUB_MERGE, STUB_EPILOGUE). */
    tr_hoist_done(t);
    tr_prefill_emit(t);
    t->cur = &t->cold;
    uint32_t epi0 = xoff(t->cur);
    t->part[JB_EPILOGUE] = xoff(t->cur) - epi0;
    return !(t->hot.overflow || t->cold.overflow || t->L.overflow);
}

/* Instructions from..to (native ones that move data or compute, no
 * branch: tr_back_edge's peel) again, from the state t->s. */
void tr_emit_range(struct tr *t, unsigned from, unsigned to)
{
    unsigned k0 = t->k;
    for (unsigned k = from; k <= to; k++) {
        const struct insn *in = &t->b->insn[k];
        t->k = k;
        t->next_off = t->nxt[k];
        t->s.dirty |= t->plan[k].gw & t->cached;
        x87_fdp_before(t, k);
        if (tr_is_jcc(in->op))
            tr_side_exit(t, in); /* (peel_side_exit) */
        else
            emit_native(t, in);
        flags_written(t, k);
        tr_sites_written(t, k);
    }
    t->k = k0;
    t->next_off = t->nxt[k0];
}

/* Statistics for jit.c. */
void tr_count(const struct tr *t, uint64_t *native, uint64_t *callout)
{
    for (unsigned k = 0; k < t->b->ninsn; k++) {
        if (t->plan[k].native)
            (*native)++;
        else
            (*callout)++;
    }
}
