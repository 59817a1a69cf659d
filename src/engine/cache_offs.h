/* The set of a block's instruction offsets while engine/cache.c build()
 * decodes it: one bit per byte offset of the block's two pages (from the
 * first page's start, as build()'s `offs`).  build() and its helpers ask
 * "is offset o one of the block's instructions?" once or more per
 * instruction decoded (a trace's target, a line's instructions, the
 * fall-through after a branch); a search of `offs` made each block
 * O(n^2) (bench/README.md, session 16 `coldt`: about half the block
 * builder's host instructions).  The set holds exactly offs[0..n). */
#ifndef PLEX86_ENGINE_CACHE_OFFS_H
#define PLEX86_ENGINE_CACHE_OFFS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cpu/insn.h"
#include "sbe/sbe.h"

struct offs_set {
    uint64_t w[2 * SBE_PAGE / 64];
};

static inline void offs_clear(struct offs_set *s)
{
    memset(s->w, 0, sizeof(s->w));
}

static inline void offs_add(struct offs_set *s, unsigned o)
{
    s->w[o >> 6] |= (uint64_t)1 << (o & 63);
}

/* (A path tried and given up: cache_home.c walk_home.) */
static inline void offs_del(struct offs_set *s, unsigned o)
{
    s->w[o >> 6] &= ~((uint64_t)1 << (o & 63));
}

/* Whether o (any value: a branch's target may lie outside the pages) is
 * in the set. */
static inline bool offs_has(const struct offs_set *s, int64_t o)
{
    return o >= 0 && o < 2 * (int64_t)SBE_PAGE && ((s->w[o >> 6] >> (o & 63)) & 1);
}

/* The offset a direct branch (JMP or Jcc rel) at offset `off` goes to
 * (any value, as offs_has takes), or -1 for any other instruction. */
static inline int64_t offs_branch_target(const struct insn *in, unsigned off)
{
    if ((in->flow != FLOW_JCC && in->flow != FLOW_JMP_REL) || in->o[0].kind != OPK_REL)
        return -1;
    return (int64_t)off + in->len + (int32_t)in->imm;
}

#endif
