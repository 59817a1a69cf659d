/* A loop's other path after the Jcc that closes it (branch `lzm`,
 * bench/README.md session 17).
 *
 * lz's decompressor (bench/kernels.c lz_decompress) is a loop whose head
 * H reads a tag, `js M` to the match path M, copies a literal run, and
 * closes with `cmp; jb H`; M lies after the loop in address order, copies
 * the match and comes back by `jmp` to the closing `cmp`.  The block at H
 * went on past `jb H` into what follows the loop, and M was a block of
 * its own whose end, `jb H`, is a branch back out of it: every match
 * left the one translation for the other and came back, two transitions
 * of 40-50 host instructions each (registers written back, the next
 * entry's checks, registers loaded again).
 *
 * Where a block's Jcc branches back to its first instruction (the block
 * is the loop) and falls through to none of its instructions, and an earlier
 * instruction is a forward Jcc to X beyond every instruction after it
 * (a side exit, scanned there: it ran), the block goes on at X instead
 * of the fall-through: the loop's closing Jcc leaves on its not-taken
 * way (jit/translate.c find_back_edges: `ft_exit`), the side exit
 * becomes a jump ahead inside the translation (tr_block_end.c
 * tr_side_exit) and M's way back a back edge.  The first such side
 * exit whose path, followed in address order, comes back into the loop
 * within the block's room (comes_back): else that path is the loop's way
 * out, and the block goes on past the closing Jcc as before (lz's
 * compressor: its match path is longer than the room).  The interpreter
 * runs the block up to the closing Jcc only (cache.h nrun), as after a
 * sortp excursion (cache.c excursion), which such a block does not take.
 * Kept only where an instruction of M branches back into the loop's
 * part: else the block ends at the closing Jcc
 * (loopx_keep; the cut is after the fact, as cache_spec.c's). */
#include "engine/cache_loopx.h"

#include <stdbool.h>

#include "engine/cache.h"
#include "engine/cache_offs.h"

/* Whether o is one of offs[0..n) (loopx_keep's prefix of the block, which
 * build()'s offs_set does not hold; the whole block is `set`). */
static bool in_block(const uint16_t *offs, unsigned n, int64_t o)
{
    for (unsigned i = 0; i < n; i++)
        if (offs[i] == o)
            return true;
    return false;
}

/* Where native direct Jcc `in` at offset `off` goes when taken, or -1. */
static int64_t jcc_target(const struct insn *in, unsigned off)
{
    if (in->flow != FLOW_JCC || op_table[in->op].tr != TR_JCC || in->virt != VIRT_NONE ||
        in->o[0].kind != OPK_REL)
        return -1;
    return (int64_t)off + in->len + (int32_t)in->imm;
}

/* Whether the path from x, in address order and on at a JMP's target,
 * in page m and scanned, comes back to one of the n instructions by a
 * direct branch within `room` instructions: the builder's way from x
 * less its rarer turns (the block is cut after the fact where they
 * differ, loopx_keep). */
static bool comes_back(struct sbe *sbe, const struct sbe_map *m, unsigned x,
                       const struct offs_set *set, unsigned room)
{
    unsigned o = x;
    for (unsigned count = 0; count < room && o < SBE_PAGE; count++) {
        struct insn d;
        uint8_t a = m->attr[o];
        if (!(a & ATTR_SCANNED) || (a & (ATTR_CROSS | ATTR_VIRT)) ||
            sbe_decode(sbe, m, o, &d) != DECODE_OK || d.virt != VIRT_NONE)
            return false;
        int64_t to = (int64_t)o + d.len + (int32_t)d.imm;
        bool direct = (d.flow == FLOW_JCC || d.flow == FLOW_JMP_REL) && d.o[0].kind == OPK_REL;
        if (direct && offs_has(set, to))
            return true;
        if (d.flow == FLOW_JMP_REL && direct && to > 0 && to < SBE_PAGE)
            o = (unsigned)to;
        else if (d.flow == FLOW_SEQ || d.flow == FLOW_JCC)
            o += d.len;
        else
            return false;
    }
    return false;
}

int loopx_at(struct sbe *sbe, const struct sbe_map *m, const struct insn *insn,
             const uint16_t *offs, const struct offs_set *set, unsigned n)
{
    if (n < 2)
        return -1;
    const struct insn *c = &insn[n - 1];
    int64_t back = jcc_target(c, offs[n - 1]), fall = (int64_t)offs[n - 1] + c->len;
    if (back != offs[0] || offs_has(set, fall))
        return -1;
    for (unsigned k = 0; k + 1 < n; k++) {
        int64_t x = jcc_target(&insn[k], offs[k]);
        if (x <= offs[k] || x >= SBE_PAGE || x == fall || offs_has(set, x))
            continue;
        bool below = true;
        for (unsigned i = k + 1; i < n; i++)
            below &= offs[i] < x;
        uint8_t a = m->attr[x];
        if (below && (a & ATTR_SCANNED) && !(a & (ATTR_CROSS | ATTR_VIRT)) &&
            comes_back(sbe, m, (unsigned)x, set, BLOCK_MAX_INSNS - n))
            return (int)x;
    }
    return -1;
}

unsigned loopx_keep(const struct insn *insn, const uint16_t *offs, unsigned n, unsigned nrun)
{
    for (unsigned i = nrun; i < n; i++) {
        int64_t to = offs_branch_target(&insn[i], offs[i]);
        if (to >= 0 && in_block(offs, nrun, to))
            return n;
    }
    return nrun;
}
