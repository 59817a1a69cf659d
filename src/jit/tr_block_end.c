/* A block's last instruction when the translator runs it natively as a
 * control transfer: JMP/Jcc rel32 (both ways out, and the loop back to the
 * block's start, or to an earlier instruction: an inner loop), CALL rel32 (limit check, the push as a memory operand),
 * near RET and JMP through a register or memory (the target, then the jump
 * cache: jit.h, docs/internals.md "Chaining in host code").  The exits
 * themselves are tr_emit_exit's (translate.c). */
#include "jit/tr.h"

#include "cpu/features.h"
#include "vm/clock.h"

#include <stddef.h>

/* Specialised for CS's limit at 4 GiB (jit.h JIT_FLAT_CS4G): no target
 * EIP (mod 2^32) is above it, so a branch needs no limit check. */
static bool cs4g(const struct tr *t)
{
    return (t->flat >> JIT_FLAT_CS4G) & 1;
}

/* Before an exit to `target` (an offset from eng.eip0): the flags as the
 * exit leaves them, then a jump to l_gp when the target lies beyond the
 * CS limit (the interpreter's handler raises the #GP there). */
static bool exit_limit_check(struct tr *t, uint32_t target, unsigned l_gp)
{
    if (t->chainable)
        tr_flags_handoff(t); /* as the exit leaves them */
    else
        tr_materialise(t);
    if (cs4g(t))
        return false;
    tr_eip_at(t, XAX, target);
    x_alu_r_rm(t->cur, 7, 4, XAX, cpu_rm(CPU_OFF(seg[S_CS].limit)));
    x_jcc(&t->L, t->cur, XCC_A, l_gp);
    return true;
}

/* Leaves for `target` after the JMP/Jcc `in` (instruction k), or takes
 * the #GP path when it is beyond CS's limit (the branch's fault, SDM
 * vol. 2 JMP/Jcc); the state after is the one before it. */
static void exit_to_target(struct tr *t, const struct insn *in, unsigned k, uint32_t target)
{
    struct tstate at = t->s;
    unsigned l_gp = x_label_new(&t->L);
    bool check = exit_limit_check(t, target, l_gp);
    tr_emit_exit(t, k, true, target);
    if (check) {
        x_bind(&t->L, l_gp, t->cur);
        tr_callout(t, in, true, false);
    }
    t->s = at;
}

/* Whether the flags pending at branch k are all a CMP or TEST of
 * registers (or a register and an immediate) just before it left them,
 * so that a loop's way out can compute them again instead of a pass
 * keeping them (its operands are unchanged at the branch). */
static bool flags_from_compare(const struct tr *t, unsigned k)
{
    if (k == 0)
        return false;
    const struct insn *prev = &t->b->insn[k - 1];
    const struct plan *pp = &t->plan[k - 1];
    return pp->native && (tr_kind_of(prev) == TR_CMP || tr_kind_of(prev) == TR_TEST) &&
           prev->o[0].kind == OPK_GPR && prev->o[1].kind != OPK_MEM &&
           t->s.pending == pp->H && t->s.pending_zero == pp->Z && !t->s.saved &&
           !t->join[k];
}

/* Whether the flags pending at back edge k are all what the instruction
 * just before it left, one that tr_redo_deps can compute again (a CMP or
 * TEST as flags_from_compare's, or an ADD, SUB, AND, OR or XOR of a
 * register and a register or an immediate: sort's `add ebp, 1; jmp
 * head`, bench/README.md session 17), its operands unchanged at the
 * branch: the loop's way out and its peel compute them again instead of
 * a pass keeping them in the slot. */
static bool flags_redoable(const struct tr *t, unsigned k)
{
    if (k == 0)
        return false;
    const struct insn *prev = &t->b->insn[k - 1];
    const struct plan *pp = &t->plan[k - 1];
    return tr_redo_deps(t, k - 1) && !(prev->o[0].size == 1 && prev->o[0].reg >= 4) &&
           !(prev->o[1].kind == OPK_GPR && prev->o[1].size == 1 && prev->o[1].reg >= 4) &&
           t->s.pending == pp->H && t->s.pending_zero == pp->Z && !t->s.saved && !t->join[k];
}

/* Whether the inner loop j..k (branch k back to j) gets a steady copy:
 * a second copy of its body for the passes after the first, in which the
 * kept addresses need no test (they were filled on the first pass) and
 * the x87 pointers need no note (the pass's last x87 op is the same as
 * the one before: they stay pending from pass to pass).  The loop must
 * be straight-line (j its only join, no other branch or peel), of
 * instructions that make at most one memory access each, with an x87 op
 * or a kept address, and j's join state known (the copy starts from it). */
static bool steady_ok(const struct tr *t, unsigned k, unsigned j, const struct tstate *at)
{
    if (!tr_is_jcc(t->b->insn[k].op) || j >= k || t->join_s_j != (int)j || t->peel[k] >= 0 ||
        t->rejoin[k + 1])
        return false;
    bool gain = at->last_x87 >= 0 || at->last_x87_mem >= 0;
    for (unsigned i = j; i < k; i++) {
        const struct insn *in = &t->b->insn[i];
        enum tr_kind kind = tr_kind_of(in);
        if ((i > j && t->join[i]) || t->rejoin[i] || t->back[i] >= 0 ||
            t->mem_rejoin[i] == UINT16_MAX || in->flow != FLOW_SEQ || in->virt)
            return false;
        if (!t->plan[i].x87 && kind != TR_ADD && kind != TR_OR && kind != TR_ADC &&
            kind != TR_SBB && kind != TR_AND && kind != TR_SUB && kind != TR_XOR &&
            kind != TR_CMP && kind != TR_TEST && kind != TR_MOV && kind != TR_MOVX &&
            kind != TR_LEA && kind != TR_CDQ && kind != TR_INCDEC && kind != TR_NEG &&
            kind != TR_NOT && kind != TR_IMUL && kind != TR_SHIFT)
            return false;
        gain |= t->kept[i] >= 0;
    }
    return gain && t->x87;
}

/* The way out of a loop's back edge k to j, in the cold section at l_out,
 * with the pass counted; `at` the state at the branch. */
static void back_edge_out(struct tr *t, unsigned j, bool redo, const struct tstate *at,
                          unsigned l_out)
{
    unsigned k = t->k;
    struct xbuf *hot = t->cur;
    t->cur = &t->cold;
    x_bind(&t->L, l_out, t->cur);
    if (redo) {
        tr_redo_now(t, k - 1);
        t->s.pending = at->pending;
        t->s.pending_zero = at->pending_zero;
    }
    t->s.flushed += tr_pass_count(t, k, j);
    if (k + 1 == t->b->ninsn)
        tr_emit_exit(t, k, true, t->off[j]);
    else
        tr_emit_side_exit(t, k, t->off[j]);
    t->cur = hot;
    t->s = *at;
}

static bool same_state(const struct tstate *a, const struct tstate *b)
{
    return a->pending == b->pending && a->saved == b->saved && a->dirty == b->dirty &&
           a->redo == b->redo && a->cand == b->cand && a->pending_zero == b->pending_zero &&
           a->x87_live == b->x87_live && a->w == b->w && a->top == b->top &&
           a->tag_known == b->tag_known && a->tag_full == b->tag_full &&
           a->last_x87 == b->last_x87 && a->last_x87_mem == b->last_x87_mem &&
           a->fdp_k1 == b->fdp_k1 && a->ghost == b->ghost && a->flushed == b->flushed;
}

/* The steady copy (steady_ok) of the loop j..k, entered from the first
 * copy's back edge (its checks passed) once every kept address of the
 * loop is filled; else that back edge goes to j as before (a slow path on
 * the first pass, jit_forget, may have cleared one).  The copy starts
 * from j's join state with the x87 pointers of the pass's last ops
 * pending (the first copy's back edge wrote them: x87_note_loop), loops
 * on itself with the checks of a back edge (FDP stored, as it is per
 * pass), and leaves like the first copy: its branch's other way goes to
 * l_nt in the same state as the first copy's.  A slow path in it goes on
 * in the first copy after the same instruction (mem_rejoin: the state
 * there assumes no more than the slow path left, the x87 pointers noted),
 * which checks the kept addresses again at its back edge. */
static void steady_copy(struct tr *t, const struct insn *in, unsigned j, const struct tstate *at,
                        unsigned l_nt, bool redo)
{
    unsigned k = t->k;
    uint32_t checked = 0;
    for (unsigned i = j; i < k; i++) {
        int s = t->kept[i];
        if (s < 0 || (checked & (1u << s)))
            continue;
        checked |= 1u << s;
        tr_site_test(t, (unsigned)s, t->join[j] - 1u);
    }
    unsigned l_steady = x_label_new(&t->L), l_out = x_label_new(&t->L);
    x_bind(&t->L, l_steady, t->cur);
    t->s = t->join_s;
    t->s.last_x87 = at->last_x87;
    t->s.last_x87_mem = at->last_x87_mem;
    t->s.sites_full = true;
    t->steady = true;
    t->rdx_k = -1;
    tr_emit_range(t, j, k - 1);
    t->k = k;
    t->next_off = t->nxt[k];
    x87_fdp_before(t, k);
    struct tstate at2 = t->s;
    at2.sites_full = false;
    if (!same_state(&at2, at))
        t->L.overflow = true; /* (not expected: the translation fails, the interpreter runs it) */
    x_jcc(&t->L, t->cur, tr_cond_host(t, in->cc) ^ 1, l_nt);
    if (redo)
        t->s.pending = t->s.pending_zero = 0;
    else
        tr_flags_handoff(t);
    x87_fdp_store(t);
    x87_ghost_to(t, t->ghost_join[j], true);
    tr_loop_checks(t, tr_pass_count(t, k, j), l_steady, l_out);
    x_jmp(&t->L, t->cur, l_out);
    t->steady = false;
    t->s.sites_full = false;
    back_edge_out(t, j, redo, &at2, l_out);
    t->rdx_k = -1;
}

/* The taken way of branch k = t->k back to instruction j of the same
 * translation (tr.h back: an inner loop whose head is not the block's
 * start): the loop's checks (tr_loop_checks; the count of instructions
 * j..k), then a jump to j's join label (tr_join_state: the flags j may
 * observe in the slot, the written registers dirty).  The flags j does
 * not observe are not kept when a compare of registers just before the
 * branch made them: the way out computes them again; otherwise they go to
 * the slot, where the way out finds them all.  The way out (an event, the
 * budget) leaves as a side exit to j's offset would.  A Jcc's not-taken
 * way goes on (in a block's middle) or leaves to the next instruction. */
void tr_back_edge(struct tr *t, const struct insn *in, unsigned j)
{
    tr_back_edge_to(t, in, j, tr_is_jcc(in->op));
}

void tr_back_edge_to(struct tr *t, const struct insn *in, unsigned j, bool cond)
{
    unsigned k = t->k;
    bool last = k + 1 == t->b->ninsn;
    unsigned l_nt = x_label_new(&t->L), l_out = x_label_new(&t->L);
    if (cond)
        x_jcc(&t->L, t->cur, tr_cond_host(t, in->cc) ^ 1, l_nt);
    struct tstate at = t->s;
    uint32_t pass = tr_pass_count(t, k, j);
    int m = t->peel[k];
    bool redo = (m >= 0 || !(j ? t->plan[j - 1].live_after : t->live_in)) &&
                flags_redoable(t, k);
    if (redo)
        t->s.pending = t->s.pending_zero = 0;
    else
        tr_flags_handoff(t);
    if (redo && m >= 0) {
        /* The peel: j..m with the compare's flags to be computed again
         * (only a fault there observes them), then the body after m,
         * where both copies have the same state. */
        x87_note_loop(t, k + 1);
        x87_ghost_to(t, t->ghost_join[j], true);
        int ghost = t->s.ghost;
        tr_loop_checks(t, pass, ~0u, l_out);
        t->s = (struct tstate){ .redo = (uint8_t)k, .dirty = t->written,
                                .flushed = (unsigned)t->join_fl[j], .last_x87 = -1,
                                .last_x87_mem = -1,
                                .x87_live = at.x87_live, .w = at.w, .top = at.top,
                                .tag_known = at.tag_known, .tag_full = at.tag_full,
                                .ghost = ghost };
        tr_emit_range(t, j, (unsigned)m);
        /* (m's flags pending: only a LEA may bring the count to the
         * body's there, tr_count_to; in memory it is the same.) */
        if (t->icreg == XNONE && t->s.flushed != (unsigned)t->fl_pre[m + 1])
            t->L.overflow = true; /* (not expected: the interpreter runs it) */
        tr_count_to(t, (unsigned)t->fl_pre[m + 1], 0);
        x_jmp(&t->L, t->cur, t->rejoin[m + 1] - 1u);
        t->s = at;
        t->s.pending = t->s.pending_zero = 0;
        t->s.ghost = ghost;
    } else if (steady_ok(t, k, j, &at)) {
        x87_note_loop(t, k + 1);
        x87_ghost_to(t, t->ghost_join[j], true);
        unsigned l_again = x_label_new(&t->L);
        tr_loop_checks(t, pass, l_again, l_out);
        x_jmp(&t->L, t->cur, l_out);
        x_bind(&t->L, l_again, t->cur);
        struct tstate s = t->s;
        steady_copy(t, in, j, &at, l_nt, redo);
        t->s = s;
    } else {
        x87_note_loop(t, k + 1);
        x87_ghost_to(t, t->ghost_join[j], true);
        tr_loop_checks(t, pass, t->join[j] - 1u, l_out);
        x_jmp(&t->L, t->cur, l_out);
    }
    /* The way out, in the cold section, with the pass counted. */
    back_edge_out(t, j, redo, &at, l_out);
    x_bind(&t->L, l_nt, t->cur);
    if (last && cond)
        tr_emit_exit(t, k, true, t->nxt[k]);
    else if (cond && ((t->ft_exit >> k) & 1))
        tr_emit_side_exit(t, k, t->nxt[k]); /* (tr.h ft_exit; what follows is a join) */
}

static void loop_to_body(struct tr *t, unsigned k, uint32_t live_in, bool may_redo);

/* The block's last instruction when it is a native JMP/Jcc rel32: the
 * two ways out, and the loop back to the body when the target is the
 * block's own start. */
void tr_branch_end(struct tr *t, const struct insn *in, uint32_t live_in)
{
    unsigned k = t->k;
    uint32_t target = t->nxt[k] + in->imm; /* from eng.eip0, mod 2^32 */
    /* Looping back to the body needs the x87 window as the body's start
     * has it (an interpreted x87 op in between gave it up). */
    bool self = (target == 0 || t->loop_nt) &&
                (!t->x87 || (t->s.x87_live && t->s.w == t->depth0 && t->s.top == t->top0));
    unsigned l_taken = x_label_new(&t->L);
    if (tr_is_jcc(in->op) && t->loop_nt) {
        /* The not-taken way is the loop (tr.h loop_nt; no x87 window):
         * the taken one leaves as a taken way below would. */
        unsigned hc = tr_cond_host(t, in->cc);
        x_jcc(&t->L, t->cur, hc ^ 1, l_taken);
        exit_to_target(t, in, k, target);
    } else if (tr_is_jcc(in->op)) {
        unsigned hc = tr_cond_host(t, in->cc);
        /* Both ways leave, each handing the flags over the same way
         * (exit_limit_check, emit_exit): once, before the branch, where
         * that leaves RFLAGS as they are (session 18, `slim`: about 10
         * bytes of hot code per block that ends so). */
        if (!self && t->chainable && tr_flags_handoff_keeps_rflags(t))
            tr_flags_handoff(t);
        x_jcc(&t->L, t->cur, hc, l_taken);
        struct tstate at = t->s;
        /* not taken: fall through to the next instruction */
        tr_emit_exit(t, k, true, t->nxt[k]);
        t->s = at;
    } else {
        x_jmp(&t->L, t->cur, l_taken);
    }
    x_bind(&t->L, l_taken, t->cur);
    if (!self) {
        exit_to_target(t, in, k, target);
        return;
    }
    loop_to_body(t, k, live_in, true);
}

/* The block's last instruction when it is a native one that falls
 * through to the block's own start (translate.c falls_to_start: a trace
 * whose JMP went back above the start, as spectral's mul_atv row loop,
 * `jmp row; row: ...; fldz; ...` into the inner loop the block starts
 * with): the loop back to the body as tr_branch_end's, else the exit. */
void tr_seq_end(struct tr *t, unsigned k, uint32_t live_in)
{
    if (t->x87 && !(t->s.x87_live && t->s.w == t->depth0 && t->s.top == t->top0)) {
        tr_emit_exit(t, k, true, t->nxt[k]);
        return;
    }
    /* (No compare to compute again: the flags are the last
     * instruction's, whatever it is.) */
    loop_to_body(t, k, live_in, false);
}

/* The loop back to the body's start from the block's last instruction k
 * (tr_branch_end, tr_seq_end); `may_redo`: k is a branch whose flags may
 * come from a compare just before it (flags_from_compare). */
static void loop_to_body(struct tr *t, unsigned k, uint32_t live_in, bool may_redo)
{
    /* Loop: keep the window (FIP and friends go to struct cpu, so that the
     * body's start finds what it assumes; the sticky flags and C1 stay on
     * the host: reading them would wait for the x87) and the cached
     * registers (the body's start assumes those it writes dirty); write
     * the flags the block's start may see.  The way out needs the others,
     * which the checks below clobber: when they all come from a CMP or
     * TEST of registers just before the branch, the way out computes them
     * again (its operands are unchanged), else they wait in the slot. */
    /* A chainable body whose start may observe flags takes them from the
     * slot (tr_translate's entry state): hand them all over, as to
     * another translation; the way out then merges them. */
    bool handoff = t->chainable && live_in;
    if (!handoff && ((t->s.pending | t->s.pending_zero | t->s.saved) & live_in))
        tr_materialise(t);
    bool redo = may_redo && !handoff && flags_from_compare(t, k);
    const struct insn *prev = redo ? &t->b->insn[k - 1] : NULL;
    struct tstate at_branch = t->s;
    if (handoff)
        tr_flags_handoff(t);
    else if (redo)
        t->s.pending = t->s.pending_zero = 0;
    else
        tr_flags_save(t);
    if (t->calls)
        x87_note_ips(t);
    else
        x87_note_loop(t, t->b->ninsn);
    x87_ghost_to(t, t->ghost_join[0], true);
    t->s.last_x87 = t->s.last_x87_mem = -1;
    unsigned l_out = x_label_new(&t->L);
    tr_loop_checks(t, t->b->ninsn - t->s.flushed, t->l_body, l_out);
    x_bind(&t->L, l_out, t->cur);
    if (redo) {
        tr_alu_on(t, prev, gpr_rm(t, prev->o[0].reg, prev->o[0].size));
        t->s.pending = at_branch.pending;
        t->s.pending_zero = at_branch.pending_zero;
    }
    t->s.flushed = t->b->ninsn; /* already counted */
    tr_emit_exit(t, t->b->ninsn - 1, true, 0);
}

/* A superblock's Jcc rel32 in its middle (engine/cache.c continues_past):
 * the fall-through way goes on in the hot path with everything the
 * translation holds (registers, flags pending on the host, the x87
 * window); the taken way, in the cold section, leaves as a block's end
 * would: the CS limit check (beyond it the interpreter's handler raises
 * #GP with the state of the instruction's start), then a chainable exit
 * to the target with the instruction count of the instructions run. */
/* The state in which both ways into instruction j, a side exit's target
 * inside the translation (tr_side_exit), meet: the flags that j may
 * observe in the slot (as a chained entry has them), none pending; every
 * register that some instruction writes dirty (a clean one is dirty
 * harmlessly: its host register equals struct cpu); the instruction count
 * as the fall-through has it (only native instructions lie in between,
 * so nothing was added to cpu.icount on the way; the jump subtracts the
 * ones it skips). */
void tr_join_state(struct tr *t, unsigned j)
{
    uint32_t live = j ? t->plan[j - 1].live_after : t->live_in;
    /* (Already there when they all wait in the slot: a body's start.) */
    if (((t->s.pending | t->s.pending_zero) & live) || (live & ~t->s.saved))
        tr_flags_handoff(t);
    t->s.pending = t->s.pending_zero = 0;
    t->s.saved = live;
    t->s.dirty = t->written;
    if (!live)
        t->s.redo = t->s.cand = 0; /* (none observable: tr_flags.c redo_ahead) */
    /* Both ways have their x87 pointers in struct cpu and the ghost cell
     * as agreed (x87_join_ok says the window agrees). */
    x87_note_ips(t);
    x87_ghost_to(t, t->ghost_join[j], true);
}

/* The instruction of the translation at offset `target`, when a side
 * exit of instruction k can jump there inside it (see tr.h join); -1
 * otherwise. */
static int internal_target(const struct tr *t, unsigned k, uint32_t target)
{
    if (!t->chainable)
        return -1; /* (the join's flags go through the slot) */
    return tr_inside_target(t, k, target);
}

/* internal_target less the chainable test (the liveness pass runs before
 * it is set; every translation is chainable). */
int tr_inside_target(const struct tr *t, unsigned k, uint32_t target)
{
    for (unsigned j = k + 1; j < t->b->ninsn; j++) {
        if (t->off[j] == target)
            return x87_join_ok(t, k, j) ? (int)j : -1;
        /* (Signed: a trace back below the block's start has offsets
         * below 0, engine/cache.c excursion's line after it above.) */
        if (!t->plan[j].native || (int32_t)t->off[j] > (int32_t)target)
            return -1;
    }
    return -1;
}

void tr_side_exit(struct tr *t, const struct insn *in)
{
    unsigned k = t->k;
    uint32_t target = t->nxt[k] + in->imm; /* from eng.eip0, mod 2^32 */
    int j = internal_target(t, k, target);
    unsigned hc = tr_cond_host(t, in->cc);
    unsigned l_taken = x_label_new(&t->L), l_gp = x_label_new(&t->L);
    unsigned fx = t->L.nf; /* the Jcc's fixup */
    x_jcc(&t->L, t->cur, hc, l_taken);
    struct tstate at = t->s;
    struct xbuf *hot = t->cur;
    t->cur = &t->cold;
    x_bind(&t->L, l_taken, t->cur);
    if (j >= 0) {
        /* Within the block, which lies within the CS limit (the entries
         * check its whole length): no #GP. */
        if (!t->join[j])
            t->join[j] = (uint16_t)(x_label_new(&t->L) + 1);
        uint32_t c0 = xoff(t->cur);
        tr_join_state(t, (unsigned)j);
        unsigned skipped = (unsigned)j - k - 1;
        /* (After the join state: a count in memory clobbers RFLAGS.) */
        tr_count_to(t, tr_join_count(t, (unsigned)j, skipped), skipped);
        if (xoff(t->cur) == c0 && fx < t->L.nf)
            t->L.f[fx].label = (uint16_t)(t->join[j] - 1u); /* nothing to do: the Jcc goes there */
        else
            x_jmp(&t->L, t->cur, t->join[j] - 1u);
        t->cur = hot;
        t->s = at;
        return;
    }
    bool check = exit_limit_check(t, target, l_gp);
    tr_emit_side_exit(t, k, target);
    if (check) {
        x_bind(&t->L, l_gp, t->cur);
        tr_callout(t, in, true, false);
    }
    t->cur = hot;
    t->s = at;
}

int tr_jmp_target(const struct tr *t, unsigned k)
{
    /* Not with native x87 ops: the window's state at the loop's head
     * (x87_prepass, a straight line) would be the JMP's. */
    const struct insn *in = &t->b->insn[k];
    return t->x87 ? -1 : tr_inside_target(t, k, t->nxt[k] + in->imm);
}

void tr_jmp_ahead(struct tr *t, const struct insn *in)
{
    unsigned k = t->k;
    uint32_t target = t->nxt[k] + in->imm; /* from eng.eip0, mod 2^32 */
    int j = tr_jmp_target(t, k);
    if (j >= 0) {
        /* As tr_side_exit's jump inside, on the hot path: what follows
         * the JMP (the loop's head) is reached only by its back edge. */
        if (!t->join[j])
            t->join[j] = (uint16_t)(x_label_new(&t->L) + 1);
        tr_join_state(t, (unsigned)j);
        unsigned skipped = (unsigned)j - k - 1;
        tr_count_to(t, tr_join_count(t, (unsigned)j, skipped), skipped);
        x_jmp(&t->L, t->cur, t->join[j] - 1u);
        return;
    }
    /* Leaves as a block's last JMP (tr_branch_end). */
    exit_to_target(t, in, k, target);
}

/* Leaves the translation after instruction k, with cpu.eip written: into
 * the translation of the block at CS:EIP when the jump cache has it
 * (tr_jc_lookup), else back to the run loop. */
static void emit_exit_lookup(struct tr *t, unsigned k, void (*then)(struct tr *t))
{
    struct tstate keep = t->s;
    if (t->chainable)
        tr_flags_handoff(t); /* a miss merges them at l_merge */
    else
        tr_materialise(t);
    if (then)
        then(t); /* (the host's flags are dead here) */
    x87_spill(t);
    tr_gpr_writeback_count(t, (int64_t)(k + 1) - t->s.flushed);
    tr_ret_value(t, k);
    if (t->chainable)
        tr_jc_lookup(t);
    else
        x_jmp(&t->L, t->cur, t->l_epilogue);
    t->s = keep;
}

/* Whether the translation goes on after system instruction `in`, its
 * block's last, which its handler ran (tr_callout), into the translation
 * of the next block through the jump cache instead of back to the run
 * loop (bench/README.md, session 12: 2,900 returns to C per fork+exec of
 * the Linux guest came from these).  Only instructions that change none
 * of what the run loop rereads after a system instruction besides the
 * entry conditions (engine/run.c next_block): not CS, the mode, the
 * paging, DR7 or HLT: the IF and flags image (CLI STI PUSHF POPF), data
 * and stack segment loads and reads, CPUID RDTSC RDPMC, reads of a
 * control register, and the descriptor instructions that only read
 * (VERR VERW LAR LSL SGDT SIDT SLDT STR SMSW).  Port I/O (a device may remap memory) and all else
 * still go back. */
bool tr_system_goes_on(const struct insn *in)
{
    switch (in->virt) {
    case VIRT_FLAGS:
    case VIRT_TIME:
        return true;
    case VIRT_SEG: /* (a load of CS is #UD: the handler's fault) */
        return !(in->o[0].kind == OPK_SREG && in->o[0].reg == S_CS);
    case VIRT_CR:
        return in->op == OP_MOV && in->o[0].kind == OPK_GPR && in->o[1].kind == OPK_CREG;
    case VIRT_DESC: /* those that only read: VERW is Linux's MDS clear */
        return in->op == OP_VERW || in->op == OP_VERR || in->op == OP_LAR || in->op == OP_LSL ||
               in->op == OP_SGDT || in->op == OP_SIDT || in->op == OP_SLDT || in->op == OP_STR ||
               in->op == OP_SMSW;
    default:
        return false;
    }
}

/* After the handler of instruction k = t->k (tr_system_goes_on), which
 * completed (a fault leaves by longjmp): what the run loop would check
 * before going on (engine/run.c goes_on_after), of what the instruction
 * may have changed: TF or RF set (POPF), the shadow of MOV SS or POP SS
 * (which also holds back debug traps: run_loop steps the instruction in
 * it itself); then the entry conditions again after a segment load
 * (eng.unmet, as engine_note_entry_state), and the jump cache.  The
 * successor's chained entry checks the rest as after any exit: an event
 * (an interrupt pending when POPF or STI set IF is taken at this
 * boundary, in C), the budget, its map's stamp and entry conditions.
 * STI's shadow (IF was clear) goes along: only once those checks passed,
 * no event pending, does the successor clear it (translate.c enter:
 * an interrupt that comes later is seen after its first instruction at
 * the earliest, as the shadow wants); when one fails, the run loop finds
 * the shadow set and the instruction in it not yet run (SDM vol. 2B,
 * STI; vol. 3A, 6.8.3). */
void tr_system_end(struct tr *t, const struct insn *in)
{
    unsigned k = t->k;
    struct xbuf *b = t->cur;
    unsigned l_c = x_label_new(&t->L);
    x_test_rm_imm(b, 4, cpu_rm(CPU_OFF(eflags)), F_TF | F_RF);
    x_jcc(&t->L, b, XCC_NE, l_c);
    x_alu_rm_imm(b, 7, 1, cpu_rm(CPU_OFF(shadow)), SHADOW_SS);
    x_jcc(&t->L, b, XCC_E, l_c);
    if (in->virt == VIRT_SEG) {
        x_mov_rr64(b, XDI, R_CPU);
        x_call_abs(b, (const void *)jit_note_unmet);
    }
    tr_icount_reload(t); /* (the handler counted; calls clobber r8-r11) */
    emit_exit_lookup(t, k, NULL);
    t->cur = &t->cold;
    x_bind(&t->L, l_c, t->cur);
    tr_ret_value(t, k);
    x_jmp(&t->L, t->cur, t->l_epilogue);
    t->cur = b;
}

/* CLI at CPL 0: IF clear in cpu.eflags (an AND there: after the hand-over
 * of the arithmetic flags, which leaves the host's dead). */
static void op_cli(struct tr *t)
{
    x_alu_rm_imm(t->cur, 4, 4, cpu_rm(CPU_OFF(eflags)), ~(uint32_t)F_IF);
}

/* STI at CPL 0: the shadow when IF was clear (h_sti), then IF set. */
static void op_sti(struct tr *t)
{
    struct xbuf *b = t->cur;
    unsigned l_was_set = x_label_new(&t->L);
    x_test_rm_imm(b, 4, cpu_rm(CPU_OFF(eflags)), F_IF);
    x_jcc(&t->L, b, XCC_NE, l_was_set);
    x_store_imm(b, 1, cpu_rm(CPU_OFF(shadow)), SHADOW_STI);
    x_bind(&t->L, l_was_set, b);
    x_alu_rm_imm(b, 1, 4, cpu_rm(CPU_OFF(eflags)), F_IF);
}

/* PUSHFD at CPL 0 (not virtual-8086 mode: no IOPL check), into [rdx]:
 * cpu_get_eflags' image with VM and RF clear (h_pushf; SDM vol. 2B,
 * PUSHF), the flags materialised before; then ESP lowered (R_OFF). */
static void op_pushfd(struct tr *t, const struct insn *in)
{
    (void)in;
    x_load(t->cur, 4, XAX, cpu_rm(CPU_OFF(eflags)));
    x_alu_rm_imm(t->cur, 4, 4, R(XAX), cpu_eflags_writable(t->c) & ~(uint32_t)(F_VM | F_RF));
    x_alu_rm_imm(t->cur, 1, 4, R(XAX), F_1);
    x_store(t->cur, 4, xr_mem(xm(XDX, 0)), XAX);
    x_store(t->cur, 4, gpr_rm(t, R_ESP, 4), R_OFF);
}

/* CLI, STI or PUSHFD (32-bit) as a chainable translation's last
 * instruction, run natively where the handler's checks cannot fire: at
 * CPL 0, which the translation's entry conditions guarantee (t->c->cpl is
 * the CPL every entry checks, jit.h jit_unmet).  In protected mode CPL 0
 * <= IOPL whatever IOPL is, real mode has no check, and virtual-8086 mode
 * runs at CPL 3 (SDM vol. 2A/2B, CLI, STI: #GP(0) only when CPL > IOPL, or
 * with VME/PVI, which the CPU model does not have; PUSHF: #GP(0) only in
 * V86 mode with IOPL < 3).  PUSHFD's push may fault like any PUSH's.  Then,
 * as after the handler (tr_system_end): EIP the next instruction's, the
 * count, the jump cache.  None of them changes TF or RF, nor sets the MOV
 * SS shadow, so tr_system_end's checks of them cannot fire here; the
 * successor's chained entry checks the events (an interrupt that STI
 * unmasked: taken in C at this boundary, after the instruction in the
 * shadow) and clears STI's shadow only once it goes on (translate.c
 * enter).  In the Linux guest's fork+exec loop the kernel runs about 406
 * CLI, 346 STI and 287 PUSHFD per exec (bench/README.md, session 13,
 * branch `sys`): each was a handler call. */
/* RDTSC where guest time is the instruction count (-icount, one CPU:
 * vm/clock.h, the clock's steps are this CPU's), at CPL 0, where CR4.TSD
 * cannot fault: what h_rdtsc reads (cpu/msr.c cpu_read_tsc, at
 * CPU_TSC_HZ = 1 GHz, one tick per nanosecond) is ((cpu_steps << shift)
 * + warp_ns) + tsc_offset, with cpu.icount at this instruction as the
 * handler's call sees it (the count register's or cpu.icount, plus the
 * instructions not yet added: jit.c jit_call_handler).  The clock's mode
 * and shift are fixed for the VM's life (a -loadvm keeps them, and
 * recomputes warp_ns, which is read here at run time as tsc_offset is).
 * The kernel's TSC delay loops ran 7.6 million RDTSC per boot of the
 * default guest under -icount, each a handler call. */
static bool tsc_from_steps(const struct cpu *c)
{
    return c->clock && c->clock->mode == VM_CLOCK_ICOUNT && c->clock->steps_src == (const void *)c &&
           cpu_has(c, CPUF_TSC) && CPU_TSC_HZ == 1000000000u;
}

static void op_rdtsc(struct tr *t)
{
    struct xbuf *b = t->cur;
    const struct vm_clock *clk = t->c->clock;
    if (t->icreg != XNONE && t->in_body) { /* (translate.c writeback's) */
        x_w(b, 0x8B, XAX, xr_mem(xm(XSP, SLOT_LIMIT)));
        x_lea(b, true, XAX, xmi(XAX, t->icreg, 1, 1 - (int32_t)t->b->ninsn));
    } else {
        x_w(b, 0x8B, XAX, cpu_rm(CPU_OFF(icount)));
    }
    int64_t before_k = (int64_t)t->k - t->s.flushed;
    x_lea(b, true, XAX, xm(XAX, (int32_t)before_k));
    x_w(b, 0x03, XAX, cpu_rm(CPU_OFF(exceptions)));
    x_w(b, 0x03, XAX, cpu_rm(CPU_OFF(interrupts)));
    if (clk->shift) { /* shl rax, shift */
        struct xenc e = x_sized(0xC0, 0xC1, 8);
        struct xrm r = R(XAX);
        x_insn(b, &e, 4, false, &r);
        xb(b, (uint8_t)clk->shift);
    }
    x_mov_r64_imm(b, XCX, (uint64_t)(uintptr_t)&clk->warp_ns);
    x_w(b, 0x03, XAX, xr_mem(xm(XCX, 0)));
    x_w(b, 0x03, XAX, cpu_rm(CPU_OFF(msr.tsc_offset)));
    x_store(b, 4, gpr_rm(t, R_EAX, 4), XAX);
    x_w(b, 0xC1, 5, R(XAX)); /* shr rax, 32 */
    xb(b, 32);
    x_store(b, 4, gpr_rm(t, R_EDX, 4), XAX);
    t->s.dirty |= (uint8_t)(t->cached & (1u << R_EAX | 1u << R_EDX));
}

bool tr_system_native(struct tr *t, const struct insn *in)
{
    if (!t->chainable || t->x87 || t->c->cpl != 0)
        return false;
    if (in->op == OP_RDTSC && in->virt == VIRT_TIME && tsc_from_steps(t->c)) {
        tr_eip_at(t, XAX, t->nxt[t->k]);
        x_store(t->cur, 4, cpu_rm(CPU_OFF(eip)), XAX);
        emit_exit_lookup(t, t->k, op_rdtsc);
        return true;
    }
    if (in->virt != VIRT_FLAGS ||
        (in->op != OP_CLI && in->op != OP_STI && !(in->op == OP_PUSHFD && in->osize == 4)))
        return false;
    unsigned k = t->k;
    if (in->op == OP_PUSHFD) {
        /* The image in cpu.eflags, then the push as a memory operand (its
         * slow path and faults as a PUSH's: ESP written after the store;
         * translations run with a 32-bit stack, jit_unmet). */
        tr_materialise(t);
        t->next_off = t->nxt[k];
        x_load(t->cur, 4, R_OFF, gpr_rm(t, R_ESP, 4));
        x_lea(t->cur, false, R_OFF, xm(R_OFF, -4));
        tr_with_memory(t, in, S_SS, 4, JM_WRITE, op_pushfd, true);
        t->s.dirty |= (uint8_t)(t->cached & (1u << R_ESP));
    }
    tr_eip_at(t, XAX, t->nxt[k]);
    x_store(t->cur, 4, cpu_rm(CPU_OFF(eip)), XAX);
    emit_exit_lookup(t, k, in->op == OP_CLI ? op_cli : in->op == OP_STI ? op_sti : NULL);
    return true;
}

/* The block's last instruction when is_ind_end(): the target read (from
 * the stack, a register or memory: the inline TLB path; anything else,
 * and a target beyond the CS limit, goes to the interpreter's handler,
 * which does the whole instruction and its faults), ESP adjusted for a
 * RET, the return address pushed for a CALL, EIP = the target, then the
 * jump cache. */
void tr_ind_end(struct tr *t, const struct insn *in)
{
    unsigned k = t->k;
    unsigned l_interp = x_label_new(&t->L);
    /* The probe and compare clobber the host's flags: into the slot as
     * the jump cache's successor takes them, or into cpu.eflags. */
    if (t->chainable)
        tr_flags_handoff(t);
    else
        tr_materialise(t);
    struct tstate at = t->s;
    struct xbuf *b = t->cur;
    if (in->flow == FLOW_RET) {
        x_load(b, 4, R_OFF, gpr_rm(t, R_ESP, 4));
        tr_probe_shared(t, S_SS, 4, JM_READ, l_interp); /* (the POPs before it) */
        x_load(b, 4, XAX, xr_mem(xm(XDX, 0)));
    } else if (in->o[0].kind == OPK_GPR) {
        x_load(b, 4, XAX, gpr_rm(t, in->o[0].reg, 4));
    } else {
        tr_ea_to(t, in, R_OFF);
        tr_probe_read_at(t, k, in->seg, 4, l_interp); /* (a dispatch's page slot) */
        x_load(b, 4, XAX, xr_mem(xm(XDX, 0)));
    }
    if (!cs4g(t)) {
        x_alu_r_rm(b, 7, 4, XAX, cpu_rm(CPU_OFF(seg[S_CS].limit)));
        x_jcc(&t->L, b, XCC_A, l_interp);
    }
    x_store(b, 4, cpu_rm(CPU_OFF(eip)), XAX);
    if (in->flow == FLOW_CALL_IND) {
        /* The push, probed for a write before anything is written (a
         * miss: the interpreter's handler does the whole instruction and
         * its faults; it sets cpu.eip again); then the return address. */
        x_load(b, 4, R_OFF, gpr_rm(t, R_ESP, 4));
        x_lea(b, false, R_OFF, xm(R_OFF, -4));
        tr_probe(t, S_SS, 4, JM_WRITE, l_interp);
        tr_eip_at(t, XAX, t->nxt[k]);
        x_store(b, 4, xr_mem(xm(XDX, 0)), XAX);
        x_store(b, 4, gpr_rm(t, R_ESP, 4), R_OFF);
        t->s.dirty |= (uint8_t)(t->cached & (1u << R_ESP));
    }
    if (in->flow == FLOW_RET) {
        uint32_t pop = 4 + (in->nops ? (in->imm & 0xFFFFu) : 0);
        x_lea(b, false, XCX, xm(R_OFF, (int32_t)pop));
        x_store(b, 4, gpr_rm(t, R_ESP, 4), XCX);
        t->s.dirty |= (uint8_t)(t->cached & (1u << R_ESP));
    }
    t->predict = in->flow == FLOW_JMP_IND; /* (tr_predict.c) */
    emit_exit_lookup(t, k, NULL);
    t->predict = false;
    t->s = at;
    t->cur = &t->cold;
    x_bind(&t->L, l_interp, t->cur);
    tr_callout(t, in, true, false);
    t->cur = b;
}

/* The return address at [rdx] (the push's host address, fast or slow
 * path), ESP lowered (esi holds the new value). */
static void op_call_push(struct tr *t, const struct insn *in)
{
    (void)in;
    tr_eip_at(t, XAX, t->nxt[t->k]);
    x_store(t->cur, 4, xr_mem(xm(XDX, 0)), XAX);
    x_store(t->cur, 4, gpr_rm(t, R_ESP, 4), R_OFF);
}

/* The block's last instruction when it is CALL rel32 (near, 32-bit
 * operand size): the target's CS limit check first (beyond it the
 * interpreter's handler raises #GP before anything is pushed, SDM vol.
 * 2A, CALL), then the push as a memory operand (its slow path and
 * faults as a PUSH's), then the exit to the target, which may be chained
 * like a JMP's. */
void tr_call_end(struct tr *t, const struct insn *in)
{
    unsigned k = t->k;
    uint32_t target = t->nxt[k] + in->imm; /* from eng.eip0, mod 2^32 */
    unsigned l_gp = x_label_new(&t->L);
    bool check = exit_limit_check(t, target, l_gp); /* (the exit after the push) */
    struct tstate at = t->s;
    t->next_off = target;
    x_load(t->cur, 4, R_OFF, gpr_rm(t, R_ESP, 4));
    x_lea(t->cur, false, R_OFF, xm(R_OFF, -4));
    tr_with_memory(t, in, S_SS, 4, JM_WRITE, op_call_push, true);
    tr_emit_exit(t, k, true, target);
    t->s = at;
    if (!check)
        return;
    struct xbuf *hot = t->cur;
    t->cur = &t->cold;
    x_bind(&t->L, l_gp, t->cur);
    tr_callout(t, in, true, false);
    t->cur = hot;
}
