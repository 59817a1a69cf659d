/* Speculative superblock growth past a loop's other back edge (see
 * cache_spec.c); used by engine/cache.c's block builder only. */
#ifndef PLEX86_ENGINE_CACHE_SPEC_H
#define PLEX86_ENGINE_CACHE_SPEC_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/insn.h"

/* At most this many such branches per block. */
#define SPEC_MAX 4

/* Whether the block may go on past instruction `in` (its index in the
 * block) at offset `off`, a
 * native conditional branch back to `target`, before the block's first
 * instruction (`start`), that the block would otherwise end at. */
bool spec_may_pass(const struct insn *in, unsigned index, unsigned off, int64_t target,
                   unsigned start, unsigned limit);

/* The number of instructions to keep of the n built (insn[], offs[]),
 * where the block went on past the branches at indices spec[0..nspec) (in
 * order): cut after the first one that no later instruction branches
 * back over. */
unsigned spec_keep(const struct insn *insn, const uint16_t *offs, unsigned n,
                   const unsigned *spec, unsigned nspec);

#endif
