/* The code cache, the engine's (seed 003 applied to the interpreter;
 * DESIGN.md section 3):
 * per scanned entry point, a block of predecoded instructions that the
 * interpreter dispatches without decoding again.  A block ends at a
 * virtualize instruction, a branch (but a forward conditional one, with
 * superblocks), an instruction that crosses the page, the end of the
 * page (but with superblocks where the next page is known: cache_get_next),
 * or BLOCK_MAX_INSNS.  Blocks belong to a map: when
 * the map is discarded (its stamp changes) every block from it is dead. */
#ifndef PLEX86_ENGINE_CACHE_H
#define PLEX86_ENGINE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/insn.h"
#include "sbe/sbe.h"

#define BLOCK_MAX_INSNS 64

struct block {
    uint32_t pa;             /* physical address of the first instruction */
    uint8_t code32;
    uint16_t ninsn;
    uint16_t bytes;          /* from the first instruction's first byte to
                                the end of the highest one (a superblock
                                may jump over bytes) */
    uint16_t below;          /* bytes of its instructions below the first
                                one's (a superblock's JMP back: a trace) */
    struct sbe_map *map;     /* the map it was built from ... */
    uint32_t stamp;          /* ... and that map's stamp at the time */
    /* A block that goes on into the next linear page (cache_get_next):
     * that page's map and stamp, which it is live only while both maps
     * are, and the physical page (address) the next linear page mapped to
     * when it was built, which it may run only while it still does
     * (block_next_ok).  NULL map2 for a block in one page. */
    struct sbe_map *map2;
    uint32_t stamp2;
    uint32_t pa2;
    bool cut;                /* it ended at its page's end because where the
                                next linear page maps was not known */
    struct block *hnext;     /* hash chain */
    /* The engine's bookkeeping (engine/run.c): */
    struct block *succ;      /* chained successors (may be stale): */
    struct block *alt;       /* the last two, so that both ways out of a
                                conditional branch stay chained */
    struct jit_code *jit;    /* its translation (src/jit), or NULL */
    uint32_t heat;           /* runs in the interpreter so far */
    uint16_t bails;          /* times its translation's entry conditions
                                failed (jit.h) */
    uint16_t nrun;           /* the instructions the interpreter runs in a
                                row: ninsn, or up to the JMP/Jcc after which
                                the block went on at a side exit's target
                                (cache.c excursion), whose way back into
                                the block is not the next one's */
    /* Each instruction's offset from the start of the block's first
     * page, in the order of insn[] (a superblock's JMP goes on at its
     * target, or at a rotated loop's head: engine/cache.c rotated_head);
     * stored after insn[]. */
    const uint16_t *offs;
    struct insn insn[];      /* ninsn instructions */
};

struct code_cache_stats {
    uint64_t hits, misses, blocks_built, flushes;
    uint64_t chained;        /* successor links made (cache_get_after) */
    uint64_t two_pages;      /* blocks built that go on into the next page */
    uint64_t rotated;        /* JMPs after which a block went on at a
                                rotated loop's head (cache.c rotated_head) */
    uint64_t spec_kept;      /* blocks that went on past a Jcc back to just
                                before their start (cache_spec.c) */
    uint64_t loopx_kept;     /* blocks that went on at a side exit's target
                                after the Jcc that closes a loop
                                (cache_loopx.c) */
    uint64_t home_kept;      /* blocks that went on past a branch back out
                                of them on the loop's way home
                                (cache_home.c) */
};

struct code_cache;
struct cpu;
struct jit_code;

/* max_bytes bounds the memory the blocks may use (whole-cache flush when
 * full); it is raised to the size of one largest block if smaller. */
struct code_cache *cache_create(struct sbe *sbe, const struct cpu *cpu, size_t max_bytes);
void cache_destroy(struct code_cache *cc);

static inline bool block_live(const struct block *b)
{
    /* Another thread's scanner may discard the map (sbe.c) */
    return __atomic_load_n(&b->map->stamp, __ATOMIC_RELAXED) == b->stamp &&
           (!b->map2 || __atomic_load_n(&b->map2->stamp, __ATOMIC_RELAXED) == b->stamp2);
}

/* `next` for cache_get_next when where the next linear page maps is not
 * known (no page address has its low bits set). */
#define CACHE_NO_NEXT 1u

/* Whether block b may run where the linear page after its first one
 * maps to physical address `next` (CACHE_NO_NEXT: unknown): a two-page
 * block only where it still maps as when the block was built (a CR3 load
 * or INVLPG may have changed it, and another linear alias of the first
 * page may be followed by another page), and a block that was cut at its
 * page's end only where it is unknown (else a longer one is built). */
static inline bool block_next_ok(const struct block *b, uint32_t next)
{
    return b->map2 ? b->pa2 == next : !b->cut || next == CACHE_NO_NEXT;
}

/* The live block for (pa, mode), building it (scanning first where the
 * bytes are unscanned) if needed.  NULL when the instruction at pa cannot
 * come from the cache: it crosses the page or does not decode; the caller
 * executes it through the slow path, which faults as the CPU must. */
struct block *cache_get(struct code_cache *cc, uint32_t pa, bool code32);

/* cache_get_next for the block that follows *from (the block just run, or NULL):
 * links the result as a successor of *from (the older of its two links
 * goes; `chained` counts new links).  Building the result may flush the
 * cache for room, which frees *from: then nothing is linked and *from
 * becomes NULL, so a caller never holds a block freed under it.  The
 * caller decides whether the two may be chained at all (engine/run.c). */
struct block *cache_get_after(struct code_cache *cc, struct block **from, uint32_t pa,
                              bool code32, uint32_t next);

/* cache_get for a CPU on which the linear page after pa's maps to
 * physical page address `next` (or CACHE_NO_NEXT): with superblocks, a
 * block that reaches its page's end (its fall-through, or a superblock's
 * conditional branch or JMP whose target is there) goes on into that
 * page, whose map then watches it too (block_live); the result satisfies
 * block_next_ok(result, next).  The caller passes CACHE_NO_NEXT where it
 * cannot keep both pages scanned (several host threads). */
struct block *cache_get_next(struct code_cache *cc, uint32_t pa, bool code32, uint32_t next);

/* Superblocks (the translator engine's): with `on`, a block goes on past
 * a native conditional branch with an in-page forward target, on its
 * fall-through path, so the branch's taken way is a side exit in the
 * block's middle, and past a JMP rel32 with an in-page forward target, at
 * that target (engine/run.c, docs/internals.md "Superblocks").  `bytes`
 * then spans from the first instruction's start to the last one's end.
 * Every block is dropped when the setting changes. */
void cache_set_superblocks(struct code_cache *cc, bool on);

/* Drops every block (after sbe_flush, reset, or the memory bound). */
void cache_flush(struct code_cache *cc);

/* Called whenever the cache flushes (the owner of anything that points
 * into blocks, the translator's arena, drops it too). */
void cache_on_flush(struct code_cache *cc, void (*fn)(void *opaque), void *opaque);

const struct code_cache_stats *cache_stats(const struct code_cache *cc);

/* Bytes of the arena in use, and its size (the memory bound). */
size_t cache_bytes_used(const struct code_cache *cc);
size_t cache_bytes_max(const struct code_cache *cc);

#endif
