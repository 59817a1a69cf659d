/* What jit.c's links share with jit_xlink.c's links across pages. */
#ifndef PLEX86_JIT_LINK_H
#define PLEX86_JIT_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jit/jit.h"

/* The entry of `to` that a jump from `from` takes (jit.h jit_link): its
 * chain_regs (or chain_same[2]) when `from` keeps the entry conditions,
 * with `missing` the registers `to` caches and `from` does not, which
 * the jump must load from struct cpu first (jit.c link_stub); else its
 * full chained entry, `missing` 0. */
const uint8_t *jit_link_entry(const struct jit_code *from, const struct jit_code *to,
                              uint8_t *missing);

/* `bytes` of the arena for a stub (16-aligned), NULL when it is full (the
 * next translation then flushes it; a link is an optimisation). */
uint8_t *jit_arena_take(struct jit *j, size_t bytes);

/* Whether [p, p + bytes) lies in the arena's translations and stubs
 * (not the shared stubs at its start). */
bool jit_arena_holds(const struct jit *j, const uint8_t *p, size_t bytes);

#endif
