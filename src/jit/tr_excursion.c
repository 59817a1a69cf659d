/* A conditional branch in a block's middle whose fall-through goes back
 * to an earlier instruction (tr.h nt_back): the block went on after it
 * at one of its side exits' targets (engine/cache.c excursion; sort's
 * partition loop, `jae 0x100aa0` falling into the loop's start, with the
 * line at 0x100a88 after it, bench/README.md session 16).  The
 * instruction after it is reached only by jumps ahead (a join). */
#include "jit/tr.h"

void tr_back_edge_nt(struct tr *t, const struct insn *in, int j)
{
    unsigned k = t->k;
    /* The taken way: a side exit as any (in the cold section; a jump
     * ahead inside the translation where its target is one). */
    tr_side_exit(t, in);
    if (j >= 0) {
        /* Not taken: the loop's back edge to j, as a JMP's (the checks, the
         * count of j..k, j's join state; the way out leaves for j). */
        tr_back_edge_to(t, in, (unsigned)j, false);
    } else {
        /* Not taken, where j cannot be reached inside: leaves for it (an
         * instruction of the block, within the span its entries
         * checked against the CS limit). */
        tr_emit_side_exit(t, k, t->nxt[k]);
    }
    /* (What follows is a join: tr_join_state; no flags to compute again.) */
    t->s.redo = t->s.cand = 0;
}
