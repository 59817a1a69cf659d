/* A loop's excursion past the Jcc that closes it (see cache_loopx.c);
 * used by engine/cache.c's block builder only. */
#ifndef PLEX86_ENGINE_CACHE_LOOPX_H
#define PLEX86_ENGINE_CACHE_LOOPX_H

#include <stdint.h>

#include "cpu/insn.h"
#include "sbe/sbe.h"

/* Where the block of the n instructions built so far (insn[], offs[]
 * from the first page's start, map m of that page) goes on after its
 * last one, a native Jcc back to the first whose fall-through is none
 * of them: the target X of the first earlier forward side exit, where
 * its path comes back into the block, or -1 (the block goes on as
 * before).  `set` holds offs[0..n) (cache_offs.h). */
struct offs_set;
int loopx_at(struct sbe *sbe, const struct sbe_map *m, const struct insn *insn,
             const uint16_t *offs, const struct offs_set *set, unsigned n);

/* The number of instructions to keep of the n built, where the block
 * went on at loopx_at's X after its first nrun: n where one after those
 * branches back to one of them (the path comes back into the loop),
 * else nrun. */
unsigned loopx_keep(const struct insn *insn, const uint16_t *offs, unsigned n, unsigned nrun);

#endif
