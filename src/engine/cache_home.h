/* A loop's way home past its backward branches out of the block (see
 * cache_home.c); used by engine/cache.c's block builder only. */
#ifndef PLEX86_ENGINE_CACHE_HOME_H
#define PLEX86_ENGINE_CACHE_HOME_H

#include <stdint.h>

#include "cpu/insn.h"
#include "sbe/sbe.h"

struct offs_set;

/* What the builder decided so far for one block. */
struct home {
    unsigned first; /* 1 + the index of the first branch gone on past, 0: none */
    unsigned taken; /* 1 + that of the first gone on at its target, 0: none */
};

/* Where the block of the n instructions built so far (insn[], offs[]
 * from the first page's start, page map m, the CPU's level `level`)
 * goes on after its last one, a native Jcc at offs[n-1] back to an
 * instruction of m before it that is none of the block's (`set`), at
 * which engine/cache.c continues_past ends the block: its target, where
 * the path from there comes back to the block's first instruction by a
 * direct branch, else its fall-through, where that path does; else -1
 * (the block ends there, as before).  Notes the decision in *h; `set`
 * is as it was on return. */
int home_at(struct home *h, struct sbe *sbe, const struct sbe_map *m, unsigned level,
            const struct insn *insn, const uint16_t *offs, struct offs_set *set,
            unsigned n);

/* The number of instructions to keep of the n built after home_at went
 * on (h->first): n where one after the first such branch is a direct
 * branch to the block's first instruction (the loop closed), else up to
 * that branch.  *nrun becomes the instructions the interpreter runs in a
 * row (cache.h: up to the first branch gone on at its target). */
unsigned home_keep(const struct home *h, const struct insn *insn, const uint16_t *offs,
                   unsigned n, unsigned *nrun);

#endif
