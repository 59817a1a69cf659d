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

void tr_prefill_plan(struct tr *t)
{
    t->prefill = false;
    memset(t->pf_ok, 0, sizeof(t->pf_ok));
    memset(t->pf_seen, 0, sizeof(t->pf_seen));
    /* (x87 loops have their steady copy, tr_block_end.c.) */
    if (!(t->loop || t->backs) || t->calls || t->x87 || !t->nsites)
        return;
    /* Only the sites of the loop that the entry runs first (the block's,
     * or an inner loop back to instruction 0): a site further on, which
     * an entry may not reach, would be probed on every entry for nothing
     * (lz's compressor, 59 instructions entered 21 K times at scale 2:
     * +8 % host instructions when every site was filled). */
    unsigned n = t->b->ninsn, end = t->loop ? n : 0;
    uint8_t wr_all = 0;
    for (unsigned k = 0; k < n; k++) {
        wr_all |= t->plan[k].gw;
        if (t->back[k] == 0 && k + 1 > end)
            end = k + 1;
    }
    for (unsigned k = 0; k < end; k++) {
        int i = t->site[k];
        if (i >= 0 && !(wr_all & t->site_regs[i])) {
            t->pf_ok[i] = true;
            t->prefill = true;
        }
    }
}

/* At the body's start (t->cur the hot buffer, the entry's state, no flag
 * pending in RFLAGS: the probes clobber them): a jump to the fill, which
 * comes back to the body's label.  (tr_sites_forget left the slots filled
 * here as they were: the fill writes them, or leaves the translation.) */
void tr_prefill_entry(struct tr *t)
{
    if (!t->prefill)
        return;
    if (t->s.pending || t->s.redo)
        t->L.overflow = true; /* (not expected: the entry hands the flags over in the slot) */
    t->prefill_s = t->s;
    t->l_prefill = x_label_new(&t->L);
    x_jmp(&t->L, t->cur, t->l_prefill);
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
                x_store_imm(t->cur, 8, cpu_rm(CPU_OFF(eng.site) + 8 * (int32_t)i), 0);
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
        x_w(t->cur, 0x89, XDX, cpu_rm(CPU_OFF(eng.site) + 8 * (int32_t)i));
    }
    x_jmp(&t->L, t->cur, t->l_body);
    x_bind(&t->L, l_miss, t->cur);
    t->k = 0;
    t->next_off = t->nxt[0];
    tr_callout(t, &t->b->insn[0], true, false);
    t->k = k0;
    t->cur = cur;
}
