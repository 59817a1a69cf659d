/* Speculative superblock growth past a loop's other back edge (branch
 * `lzc`, bench/README.md session 16).
 *
 * A superblock ends at a conditional branch back to an instruction of its
 * pages that is not in it (engine/cache.c continues_past): going on past
 * every such branch made blocks longer than the loops they hold (session
 * 13: lz +10 %).  One shape pays, though: a loop whose head H is the
 * block's start, with a path that branches back to a few instructions
 * just before H which fall through into it.  lz's generator
 * (bench/kernels.c lz_make_input) is `T: shr; add; mov` (the noise byte),
 * `H: cmp; je out; ... cmp al, 0x11; je T; ...` and its word copy loop
 * further on branches back to H and into the body: the block at H ended
 * at `je T`, and each word took three translations, chained (three
 * transitions of 40-50 host instructions, its registers written back and
 * loaded again each time).
 *
 * The block goes on past such a branch (its taken way is then a side
 * exit, as for a branch out of the block's pages), and once built keeps
 * the instructions after it only where a later one branches back to an
 * instruction at or before it: the loop goes on past the branch.  Else
 * it is cut after the branch, as before (crc32's and sieve's loops, whose
 * exits are such branches: 0.7-1.2 % more host instructions when kept).
 * The cut is after the fact, so the block builder needs nothing undone:
 * the maps it looked at are watched as for any block (the block's own
 * pages: map2 only where a kept instruction lies in the next page). */
#include "engine/cache_spec.h"

#include "engine/cache_offs.h"

/* How far before the head the branch's target may lie: gcc's tail of a
 * few instructions that falls into the head. */
#define SPEC_BEFORE 16
/* How many instructions from the head to the branch at least: where the
 * branch closes a short loop through the instructions before the head
 * (sieve's `T: movb [edx], 0; H: add edx, ecx; cmp; jb T`, with a block
 * that started at H after an interrupt), that loop is the hot way, and
 * its own block at T holds it. */
#define SPEC_MIN_BODY 8

bool spec_may_pass(const struct insn *in, unsigned index, unsigned off, int64_t target,
                   unsigned start, unsigned limit)
{
    return index >= SPEC_MIN_BODY && in->flow == FLOW_JCC && op_table[in->op].tr == TR_JCC && in->virt == VIRT_NONE &&
           target < (int64_t)start && (int64_t)start - target <= SPEC_BEFORE &&
           off + in->len < limit;
}

unsigned spec_keep(const struct insn *insn, const uint16_t *offs, unsigned n,
                   const unsigned *spec, unsigned nspec)
{
    for (unsigned s = 0; s < nspec; s++) {
        unsigned at = spec[s];
        bool back = false;
        for (unsigned i = at + 1; i < n && !back; i++) {
            int64_t t = offs_branch_target(&insn[i], offs[i]);
            for (unsigned j = 1; j <= at && t >= 0 && !back; j++)
                back = offs[j] == t;
        }
        if (!back)
            return at + 1;
    }
    return n;
}
