/* A loop's way home past its backward branches out of the block (branch
 * `genw`, bench/README.md session 18).
 *
 * cpubench's gen_text (the Linux bench guest's busybox `gen` phase) is a
 * word loop whose common path gcc put out of line after the function's
 * RET: `H: ... ja X` (taken for 16 words of 17), then `X: test; je C`
 * (back, rare), `jle B` (back, common) and `B: ...; jb H0` (back to the
 * loop's first instruction).  engine/cache.c continues_past ends a block
 * at a conditional branch back out of it, so each word ran four
 * translations (X's 2 instructions, X+4's 6, B's 6 and H0's 64), three
 * transitions of 40-50 host instructions each (registers written back,
 * the next entry's checks, registers loaded again).
 *
 * Where a block meets such a branch within its first HOME_WITHIN
 * instructions (native, direct, back to an instruction of its first
 * page that is none of the block's), it goes
 * on at the branch's target where the path from there comes back to the
 * block's first instruction by a direct branch within the block's room
 * (the block is then the loop, its head instruction 0); else at the
 * fall-through where that path does (X's rare `je C`); else it ends
 * there, as before.  The path is followed as the builder would, roughly:
 * in address order, on at a JMP's target, past forward branches and
 * branches back into the path, and at a branch back out of it first its
 * target, then its fall-through (a nested decision, at most HOME_DEPTH
 * deep).  Not at a target whose own loop holds the block's start
 * (home_at).
 * A branch gone on at its target is a Jcc whose taken way is the next
 * instruction of the block and whose not-taken way leaves (jit/
 * translate.c: tr_back_edge_nt with no back edge); the interpreter runs
 * the block up to the first such branch only (cache.h nrun).
 *
 * The walk is a guess (it skips rotated loops' heads, engine/cache.c
 * rotated_head, and may count differently): the block is kept whole only
 * where it really came home (home_keep), else cut after the first branch
 * it went on past, which then ends it as before.  The cut is after the
 * fact, as cache_spec.c's, so the builder needs nothing undone. */
#include "engine/cache_home.h"

#include <stdbool.h>

#include "engine/cache.h"
#include "engine/cache_offs.h"

/* How many branches back out of the path a walk decides in turn (gen_text:
 * X's `je C` → `jle B` → `jb H0`, where the walk from H0 needs none). */
#define HOME_DEPTH 2
/* Instructions decoded by one home_at at most (the nested walks can
 * multiply): the boot builds some 25,000 blocks. */
#define HOME_BUDGET 160
/* Where the branch lies in the block at most: the short blocks that such
 * branches cut are the cost (gen_text's 2, 6 and 6 instructions); one
 * met far into a block leaves it long already, and walking from every
 * such branch was half the block builder's host instructions in lz's
 * kernel (callgrind). */
#define HOME_WITHIN 16

struct walk {
    struct sbe *sbe;
    const struct sbe_map *m;
    unsigned level;  /* the CPU's (op_table level) */
    unsigned head;   /* the block's first instruction */
    unsigned budget; /* HOME_BUDGET less what was decoded */
};

/* Whether the path from o, none of the instructions in `seen` (the
 * block's and the path's so far), comes back to w->head by a direct
 * branch within `room` instructions; *low: the lowest offset on it.
 * Adds the path's offsets to `seen` while it walks and takes them out
 * again (no copy of the set per walk). */
static bool walk_home(struct walk *w, unsigned o, unsigned room, unsigned depth,
                      struct offs_set *seen, unsigned *low)
{
    uint16_t path[BLOCK_MAX_INSNS];
    unsigned count = 0, added = 0;
    bool home = false;
    *low = o;
    for (; count < room && count < BLOCK_MAX_INSNS; count++) {
        /* (Falling into the head or another of the path's: the builder
         * ends the block there, engine/cache.c "again".) */
        if (o >= SBE_PAGE || offs_has(seen, o) || w->budget == 0)
            break;
        w->budget--;
        *low = o < *low ? o : *low;
        uint8_t a = w->m->attr[o];
        struct insn d;
        if (!(a & ATTR_SCANNED) || (a & (ATTR_CROSS | ATTR_VIRT)) ||
            sbe_decode(w->sbe, w->m, o, &d) != DECODE_OK || d.virt != VIRT_NONE ||
            op_table[d.op].level > w->level || o + d.len >= SBE_PAGE)
            break;
        offs_add(seen, o);
        path[added++] = (uint16_t)o;
        unsigned next = o + d.len;
        if (d.flow == FLOW_SEQ) {
            o = next;
            continue;
        }
        if (d.o[0].kind != OPK_REL)
            break;
        int64_t dest = (int64_t)next + (int32_t)d.imm;
        if (d.flow == FLOW_JMP_REL && op_table[d.op].tr == TR_JMP && d.osize == 4) {
            home = dest == w->head;
            if (home || dest < 0 || dest >= SBE_PAGE || offs_has(seen, dest))
                break; /* (a trace back into the block ends it) */
            o = (unsigned)dest;
            continue;
        }
        if (d.flow != FLOW_JCC || op_table[d.op].tr != TR_JCC || (home = dest == w->head))
            break;
        bool out_back = dest >= 0 && dest < (int64_t)o && !offs_has(seen, dest);
        unsigned nested;
        if (out_back && depth &&
            walk_home(w, (unsigned)dest, room - count - 1, depth - 1, seen, &nested)) {
            *low = nested < *low ? nested : *low;
            home = true;
            break;
        }
        o = next;
    }
    for (unsigned i = 0; i < added; i++)
        offs_del(seen, path[i]);
    return home;
}

int home_at(struct home *h, struct sbe *sbe, const struct sbe_map *m, unsigned level,
            const struct insn *insn, const uint16_t *offs, struct offs_set *set,
            unsigned n)
{
    const struct insn *in = &insn[n - 1];
    const unsigned off = offs[n - 1];
    if (n > HOME_WITHIN || off >= SBE_PAGE || in->flow != FLOW_JCC ||
        op_table[in->op].tr != TR_JCC || in->virt != VIRT_NONE || in->o[0].kind != OPK_REL)
        return -1;
    const unsigned next = off + in->len;
    const int64_t target = (int64_t)next + (int32_t)in->imm;
    if (target < 0 || target >= off || offs_has(set, target) || next >= SBE_PAGE)
        return -1;
    struct walk w = {sbe, m, level, offs[0], HOME_BUDGET};
    const unsigned room = BLOCK_MAX_INSNS - n;
    /* Not at the target where its path stays at or above it and the
     * head lies between it and the branch: the branch closes a loop
     * at the target (its own block's, which holds it: sort's insertion
     * loop, lz's hash loop) that the block's start only joins; a second
     * copy of it there is no gain. */
    unsigned low;
    bool at_target = walk_home(&w, (unsigned)target, room, HOME_DEPTH, set, &low) &&
                     (low < target || offs[0] < target || offs[0] > off);
    int go = at_target ? (int)target
             : walk_home(&w, next, room, HOME_DEPTH, set, &low) ? (int)next
                                                                : -1;
    if (go >= 0 && !h->first)
        h->first = n;
    if (go == target && !h->taken)
        h->taken = n;
    return go;
}

unsigned home_keep(const struct home *h, const struct insn *insn, const uint16_t *offs,
                   unsigned n, unsigned *nrun)
{
    for (unsigned i = h->first; i < n; i++) {
        if (offs_branch_target(&insn[i], offs[i]) == offs[0]) {
            *nrun = h->taken;
            return n;
        }
    }
    *nrun = 0;
    return h->first;
}
