/* The translator's instruction count and event checks: cpu.icount kept
 * up to date, in memory or in a loop's count register (tr.h icreg), the
 * loops' back edges (budget and events), and the check of cpu.async
 * against the calm value that every entry and back edge makes. */
#include "jit/tr.h"

/* add or sub qword rm, |n| (nothing for 0). */
static void add_count(struct xbuf *b, struct xrm rm, int64_t n)
{
    if (n != 0)
        x_alu_rm_imm(b, n > 0 ? 0 : 5, 8, rm, (uint32_t)(n > 0 ? n : -n));
}

void tr_icount_add(struct tr *t, int64_t n)
{
    add_count(t->cur, cpu_rm(CPU_OFF(icount)), n);
}

/* ZF: cpu.async is what it was at entry (tr_event_check's compare). */
static void tr_event_compare(struct tr *t)
{
    if (t->icreg == R_CALM && t->in_body) {
        /* r13 counts: the calm value from memory (rcx is free at every
         * check in the body). */
        x_w(t->cur, 0x8B, XCX, cpu_rm(CPU_OFF(eng.calm)));
        x_w(t->cur, 0x39, XCX, cpu_rm(CPU_OFF(async)));
    } else {
        x_w(t->cur, 0x39, R_CALM, cpu_rm(CPU_OFF(async))); /* cmp [async], r13 */
    }
}

/* Jumps to `label` when cpu.async is no longer what it was at entry: an
 * event, a data breakpoint or a write to scanned code ends the run. */
void tr_event_check(struct tr *t, unsigned label)
{
    tr_event_compare(t);
    x_jcc(&t->L, t->cur, XCC_NE, label);
}

/* The same with a 2-byte jcc where `label` is bound just above (a chained
 * entry's checks: translate.c l_bail). */
void tr_event_check_near(struct tr *t, unsigned label)
{
    tr_event_compare(t);
    x_jcc_near(&t->L, t->cur, XCC_NE, label);
}

/* Before a jump that may go straight into another translation, whose
 * chained entry takes r13 as the calm value: r13 again, when it counted
 * this one's loop (tr.h icreg).  The host's flags survive. */
void tr_calm_restore(struct tr *t)
{
    if (t->icreg == R_CALM)
        x_w(t->cur, 0x8B, R_CALM, cpu_rm(CPU_OFF(eng.calm)));
}

/* cpu.icount += n on a way that stays inside the translation (a jump to
 * another of its instructions): through the loop's count register when
 * it has one (tr.h icreg).  Clobbers RFLAGS. */
void tr_icount_inside(struct tr *t, int64_t n)
{
    if (t->icreg == XNONE)
        tr_icount_add(t, n);
    else /* (cpu.icount follows at the next call or exit) */
        add_count(t->cur, R(t->icreg), n);
}

/* A loop's back edge: the pass's `count` instructions counted, then a
 * jump to `again` while the budget has room for the whole translation
 * once more (between two back edges at most that many instructions run:
 * every other way inside it goes forward) and no event is pending; else
 * to `l_out` (with `again` ~0u the room falls through: a peel follows).
 * With the count in a register (tr.h icreg) that is `add reg, count; jns
 * l_out; cmp [async], r13; je again`: the register holds cpu.icount less
 * the first count with no room left (icount_end, at [rsp + SLOT_LIMIT],
 * less the translation's length less one), as a signed
 * number (engine/run.c caps the room at 2^62), so it turns non-negative
 * exactly when there is none, the interpreter's budget end included, and
 * stays so when a handler in the body counted past it (a carry would show
 * only the pass that crossed: test_jit_diff's M_BUDGET found loops running
 * on past their budget that way); cpu.icount is written from it only
 * before a call to C or an exit (translate.c tr_gpr_writeback).  Before,
 * a pass also stored the count and compared it with the limit: six
 * instructions, a store and two loads.
 * Without the register the count goes through rax (not an add to memory:
 * the next pass's load would wait for the read-modify-write, a chain
 * through memory that limited a short loop to about one pass per ten
 * cycles).  Clobbers RFLAGS and rax (rcx when r13 counts). */
void tr_loop_checks(struct tr *t, uint32_t count, unsigned again, unsigned l_out)
{
    struct xbuf *b = t->cur;
    if (t->icreg != XNONE) {
        x_alu_rm_imm(b, 0, 8, R(t->icreg), count);
        x_jcc(&t->L, b, XCC_NS, l_out);
        if (again == ~0u) {
            tr_event_check(t, l_out);
        } else {
            tr_event_compare(t);
            x_jcc(&t->L, b, XCC_E, again);
        }
        return;
    }
    x_w(b, 0x8B, XAX, cpu_rm(CPU_OFF(icount)));
    x_alu_rm_imm(b, 0, 8, R(XAX), count);
    x_w(b, 0x89, XAX, cpu_rm(CPU_OFF(icount)));
    tr_event_check(t, l_out);
    x_alu_rm_imm(b, 0, 8, R(XAX), t->b->ninsn);
    x_w(b, 0x3B, XAX, cpu_rm(CPU_OFF(eng.icount_end)));
    if (again == ~0u)
        x_jcc(&t->L, b, XCC_A, l_out); /* (a peel follows) */
    else
        x_jcc(&t->L, b, XCC_BE, again);
}

/* A loop's count register (tr.h icreg) from cpu.icount, after a call to
 * C that counted or clobbered it (STUB_CALL and C calls clobber r8-r11):
 * icount less the limit (tr_loop_checks).  The flags survive, rdi does
 * not.  Every tr_gpr_writeback after such a call must come after this,
 * as it writes cpu.icount from the register. */
void tr_icount_reload(struct tr *t)
{
    if (t->icreg == XNONE || !t->in_body)
        return;
    x_w(t->cur, 0x8B, t->icreg, cpu_rm(CPU_OFF(icount)));
    x_w(t->cur, 0x8B, XDI, xr_mem(xm(XSP, SLOT_LIMIT)));            /* icount_end */
    x_unary(t->cur, 0xF6, 0xF7, 2, 8, R(XDI));                     /* not rdi */
    x_lea(t->cur, true, t->icreg, xmi(t->icreg, XDI, 1, (int32_t)t->b->ninsn)); /* - limit */
}

/* Whether a jump ahead from instruction k to its join j may leave the
 * instructions it skips to be counted by the other ways into j (tr.h
 * join_fl): only with the count in a register (the fall-through's
 * adjustment is then one LEA), and not when j lies inside an inner loop
 * whose head comes after k (that loop's back edge counts its pass as the
 * instructions from its head less what its own joins added on the way
 * (tr_pass_count): a jump in from before the head would make that count
 * negative). */
static bool skip_credit_ok(const struct tr *t, unsigned k, unsigned j)
{
    if (t->icreg == XNONE)
        return false;
    for (unsigned k2 = j; k2 < t->b->ninsn; k2++)
        if (t->back[k2] > (int)k && (unsigned)t->back[k2] < j)
            return false;
    return true;
}

/* The count that every way into join j brings (tr.h join_fl), agreed by
 * the first way in: the linear way (skipped 0) or a jump ahead from
 * instruction k (t->k) that skips the `skipped` instructions k+1..j-1,
 * which leaves them to the others when it may (skip_credit_ok).  Which
 * way is the common one is not known when translating; the jump ahead's
 * taken way costs a jump into the cold section and back when it has to
 * subtract them there, the fall-through one LEA, so the taken way goes
 * straight to j (sieve's count loop: two taken jumps a pass less). */
unsigned tr_join_count(struct tr *t, unsigned j, unsigned skipped)
{
    if (t->join_fl[j] < 0) {
        bool credit = skipped && skip_credit_ok(t, t->k, j);
        t->join_fl[j] = (int16_t)(t->s.flushed + (credit ? skipped : 0));
    }
    return (unsigned)t->join_fl[j];
}

/* Brings the count from t->s.flushed to `fl` (tstate.flushed) on a way
 * that skipped `skipped` instructions: the register (or cpu.icount) gets
 * fl - flushed - skipped.  With the count in a register that is a LEA,
 * which keeps the host's flags (a peel rejoins with them pending); in
 * memory an ADD, which clobbers them (only jumps ahead adjust there: their
 * join's flags are in the slot). */
void tr_count_to(struct tr *t, unsigned fl, unsigned skipped)
{
    int64_t n = (int64_t)fl - t->s.flushed - skipped;
    if (n != 0) {
        if (t->icreg != XNONE)
            x_lea(t->cur, true, t->icreg, xm(t->icreg, (int32_t)n));
        else
            tr_icount_add(t, n);
    }
    t->s.flushed = fl;
}

/* The count a back edge k to j adds for a pass: the instructions j..k,
 * less what the joins between them left to the fall-through (t->s is the
 * state at k; join j's count is the linear way's there, after its own
 * adjustment). */
uint32_t tr_pass_count(const struct tr *t, unsigned k, unsigned j)
{
    int64_t fj = t->join_fl[j] >= 0 ? t->join_fl[j] : (int64_t)t->s.flushed;
    return (uint32_t)((int64_t)(k + 1 - j) - ((int64_t)t->s.flushed - fj));
}
