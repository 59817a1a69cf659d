/* Kept addresses filled before the loop (issue 18, session 17, branch
 * `fill`).
 *
 * A loop's kept address (cpu.eng.site, tr_alloc.c tr_choose_sites) was
 * filled by the first pass that reached its access: every access tested
 * its slot (`mov rdx, [site]; test rdx, rdx; je fill`), and because that
 * TEST clobbers RFLAGS and the fill may fault, the pending flags went to
 * the slot before it (LAHF, SETO, a store; read back at the next Jcc).
 * In a loop to the block's start that calls nothing, a site whose
 * registers no instruction of the block writes is the same address on
 * every pass, and nothing in the body forgets it (tr_sites_written never
 * fires for it) but a call to C: the slow path of a memory operand
 * (jit_forget).  Here such sites are probed once, at the body's entry
 * (every entry, from C or chained, passes there; the back edge goes to
 * the body past it), each for the access its instruction makes (the same
 * kind and size: a write's slot only from a write probe), so that in the
 * body the access is `mov rdx, [site]` and the op, with no test and no
 * flags saved (a filled slot cannot fault).  To keep "filled" true in
 * the whole body:
 *
 * - a memory operand's slow path in such a block does not go back into
 *   the body (jit_forget emptied every slot): it leaves the translation
 *   after its instruction, as on an event (tr_mem.c with_memory), and the
 *   next entry fills again;
 * - where the entry's probe misses (a TLB miss, a watched or MMIO page, a
 *   page not present: the access may not even happen in the loop, so no
 *   fault may be raised here), the interpreter runs the block's first
 *   instruction and the translation leaves after it (tr_callout): it
 *   goes on, and the pass that touches the page fills the TLB for the
 *   next entry.
 *
 * The TLB's invalidations stay as they were: they happen in C, which
 * every slot is forgotten after (jit_forget) or entered from (the fill
 * runs again). */
#include "jit/tr.h"

#include <string.h>

/* Whether an instruction before `from` can branch to one at or after
 * it other than by falling into it from the one before (a side exit's
 * join, a JMP ahead to a rotated loop's test): such a way would pass the
 * fill by. */
static bool way_past(const struct tr *t, unsigned from)
{
    unsigned n = t->b->ninsn;
    for (unsigned k = 0; k < from; k++) {
        const struct insn *in = &t->b->insn[k];
        bool jcc = tr_is_jcc(in->op), jmp = in->flow == FLOW_JMP_REL;
        if (!jcc && !jmp)
            continue;
        uint32_t to[2] = { t->nxt[k] + in->imm, t->nxt[k] };
        for (unsigned w = 0; w < (jcc ? 2u : 1u); w++) {
            if (to[w] == t->off[k + 1] && k + 1 == from && (w == 1 || jmp))
                continue; /* (the linear way) */
            for (unsigned m = from; m < n; m++)
                if (t->off[m] == to[w])
                    return true;
        }
    }
    return false;
}

void tr_prefill_plan(struct tr *t)
{
    t->prefill = false;
    t->pf_from = 0;
    memset(t->pf_ok, 0, sizeof(t->pf_ok));
    memset(t->pf_seen, 0, sizeof(t->pf_seen));
    /* (x87 loops have their steady copy, tr_block_end.c.) */
    if (!(t->loop || t->backs) || t->x87 || !t->nsites)
        return;
    /* Only the sites of the loop that the entry runs first (the block's,
     * or an inner loop back to instruction 0): a site further on, which
     * an entry may not reach, would be probed on every entry for nothing
     * (lz's compressor, 59 instructions entered 21 K times at scale 2:
     * +8 % host instructions when every site was filled). */
    unsigned n = t->b->ninsn, end = t->loop ? n : 0, from = t->loop ? 0 : n;
    for (unsigned k = 0; k < n; k++) {
        if (t->back[k] == 0 && k + 1 > end)
            end = k + 1;
        if (t->back[k] >= 0 && (unsigned)t->back[k] < from)
            from = (unsigned)t->back[k];
    }
    /* Else (session 18) the first inner loop, whose head `from` is no
     * instruction's back edge's below it: filled where the way from the
     * block's start comes into it (tr_prefill_mid), with the loops that
     * overlap it (sort's partition: its `i++` loop, the `j--` loop in it,
     * the swap a later back edge goes to), from..end.  Every way into it
     * must pass there, and nothing in it may call C; the prefix may (its
     * C forgets the slots before the fill writes them), and so may what
     * follows (no branch goes back from there into from..end: every back
     * edge into it is one of its own, so its slots are not used again). */
    t->pf_end = n;
    if (from > 0 && from < n) {
        for (unsigned k = from; k < n; k++) {
            int j = t->back[k];
            if (j >= (int)from && (j == (int)from || (unsigned)j < end) && k + 1 > end)
                end = k + 1;
        }
        for (unsigned k = from; k < end; k++)
            if (!t->plan[k].native)
                return;
        if (way_past(t, from))
            return;
        t->pf_from = from;
        t->pf_end = end;
    } else if (t->calls) {
        return;
    } else {
        from = 0;
    }
    /* (From `from` on: the prefix's writes come before the fill.) */
    uint8_t wr_all = 0;
    for (unsigned k = from; k < t->pf_end; k++)
        wr_all |= t->plan[k].gw;
    for (unsigned k = from; k < end; k++) {
        int i = t->site[k];
        if (i >= 0 && !(wr_all & t->site_regs[i])) {
            t->pf_ok[i] = true;
            t->prefill = true;
        }
    }
}

/* Whether a memory operand's slow path at instruction t->k leaves the
 * translation after it (its jit_forget emptied the filled slots, which
 * the rest of the body uses untested): from the fill's place to the end
 * of what it fills for. */
bool tr_prefill_leaves(const struct tr *t)
{
    return t->prefill && t->k >= t->pf_from && t->k < t->pf_end;
}

/* At the body's start (t->cur the hot buffer, the entry's state, no flag
 * pending in RFLAGS: the probes clobber them): a jump to the fill, which
 * comes back to the body's label.  (tr_sites_forget left the slots filled
 * here as they were: the fill writes them, or leaves the translation.) */
void tr_prefill_entry(struct tr *t)
{
    if (!t->prefill || t->pf_from)
        return;
    if (t->s.pending || t->s.redo)
        t->L.overflow = true; /* (not expected: the entry hands the flags over in the slot) */
    t->prefill_s = t->s;
    t->l_prefill = x_label_new(&t->L);
    x_jmp(&t->L, t->cur, t->l_prefill);
}

/* At the first inner loop's head k (tr_prefill_plan's `from`), on the
 * linear way in, its join's state made (translate.c: no flag pending in
 * RFLAGS there, tr_join_state; the count as the join has it): a jump to
 * the fill, which comes back here, before the label the back edges go
 * to.  The fill belongs to instruction k: a miss hands k to the
 * interpreter (tr_prefill_emit). */
void tr_prefill_mid(struct tr *t, unsigned k)
{
    if (!t->prefill || !t->pf_from || k != t->pf_from)
        return;
    if (t->s.pending || t->s.pending_zero)
        t->L.overflow = true; /* (not expected: the join keeps them in the slot) */
    t->prefill_s = t->s;
    t->l_prefill = x_label_new(&t->L);
    t->l_pf_back = x_label_new(&t->L);
    x_jmp(&t->L, t->cur, t->l_prefill);
    x_bind(&t->L, t->l_pf_back, t->cur);
    t->rdx_k = -1; /* (the fill's probes use rdx) */
}

/* Whether instruction t->k's access through its site is one filled
 * before the loop; the first call records its segment, size and kind
 * (a peel's copy of the instruction makes the same access). */
bool tr_prefilled(struct tr *t, unsigned seg, unsigned size, unsigned kind)
{
    unsigned k = t->k;
    int i = t->site[k];
    if (!t->prefill || i < 0 || !t->pf_ok[i])
        return false;
    /* (A range across a page end probes the access alone each pass.) */
    if (t->site_ext[k] >= 0 && t->site_ext[k] + (int32_t)size > 4096)
        return false;
    if (t->pf_seen[i]) {
        if (t->pf_k[i] != (int16_t)k || t->pf_seg[i] != seg || t->pf_size[i] != size ||
            t->pf_kind[i] != kind)
            t->L.overflow = true; /* (not expected: the translation fails) */
        return true;
    }
    t->pf_seen[i] = true;
    t->pf_k[i] = (int16_t)k;
    t->pf_seg[i] = (uint8_t)seg;
    t->pf_size[i] = (uint8_t)size;
    t->pf_kind[i] = (uint8_t)kind;
    return true;
}

/* The fill, in the cold section after the body: each recorded site's
 * address (base + disp for a range site, whose probe covers every byte
 * the index may reach, tr_mem.c range_site_probe) probed and kept; a miss
 * hands the first instruction to the interpreter, which goes on after
 * it.  rax rcx rdx rsi rdi are free at the entry (no guest register is
 * cached in them). */
void tr_prefill_emit(struct tr *t)
{
    if (!t->prefill)
        return;
    unsigned k0 = t->k;
    struct xbuf *cur = t->cur;
    t->cur = &t->cold;
    t->s = t->prefill_s;
    unsigned l_miss = x_label_new(&t->L);
    x_bind(&t->L, t->l_prefill, t->cur);
    for (unsigned i = 0; i < t->nsites; i++) {
        if (!t->pf_seen[i]) { /* (a range across a page end: tested, from 0) */
            if (t->pf_ok[i])
                x_store_imm(t->cur, 8, tr_site_rm(i), 0);
            continue;
        }
        unsigned k = (unsigned)t->pf_k[i];
        struct insn ref = t->b->insn[k];
        unsigned size = t->pf_size[i];
        if (t->site_ext[k] >= 0) {
            ref.mindex = NOREG;
            size += (unsigned)t->site_ext[k];
        }
        tr_ea_to(t, &ref, R_OFF);
        tr_probe(t, t->pf_seg[i], size, t->pf_kind[i], l_miss);
        x_w(t->cur, 0x89, XDX, tr_site_rm(i));
    }
    unsigned from = t->pf_from;
    x_jmp(&t->L, t->cur, from ? t->l_pf_back : t->l_body);
    x_bind(&t->L, l_miss, t->cur);
    t->k = from;
    t->next_off = t->nxt[from];
    tr_callout(t, &t->b->insn[from], true, false);
    t->k = k0;
    t->cur = cur;
}
