/* The engine interface (engine.h): creation, the choice of run loop,
 * invalidation and counters.  The loops themselves are in run.c. */
#include "engine/engine_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbe/sbe.h"

/* The code cache's memory bound (DESIGN.md: bounded memory). */
#define ENGINE_CACHE_BYTES (32u << 20)
/* The translator's arena: a full one flushes the code cache with it. */
#define ENGINE_JIT_ARENA_BYTES (32u << 20)

/* The cache's flush hook: translations live as long as their blocks. */
static void drop_translations(void *jit)
{
    jit_reset(jit);
}

struct engine *engine_create(const struct engine_config *cfg, struct cpu *c, struct sbe *sbe,
                             struct physmem *mem, char *err, size_t errlen)
{
    struct engine *e = calloc(1, sizeof(*e));
    if (!e) {
        snprintf(err, errlen, "out of memory for the engine");
        return NULL;
    }
    e->cpu = c;
    e->sbe = sbe;
    e->mem = mem;
    e->kind = ENGINE_SLOW;
    e->run = engine_run_slow;
    e->lock = cfg->lock;
    e->unlock = cfg->unlock;
    e->watch_page = cfg->watch_page;
    e->lock_opaque = cfg->lock_opaque;
    if (cfg->kind == ENGINE_SLOW)
        return e;
    e->cache = cache_create(sbe, c, cfg->cache_bytes ? cfg->cache_bytes : ENGINE_CACHE_BYTES);
    if (!e->cache) {
        snprintf(err, errlen, "out of memory for the code cache");
        engine_destroy(e);
        return NULL;
    }
    e->kind = ENGINE_INTERP;
    e->run = engine_run_interp;
    if (cfg->kind == ENGINE_JIT) {
        /* No executable memory (a hardened host): the interpreter runs
         * everything, and engine_kind() says so. */
        char jerr[160];
        e->jit = jit_create(cfg->jit_arena_bytes ? cfg->jit_arena_bytes : ENGINE_JIT_ARENA_BYTES,
                            jerr, sizeof(jerr));
        if (e->jit) {
            e->kind = ENGINE_JIT;
            e->run = engine_run_jit;
            e->jit_threshold = cfg->jit_threshold ? cfg->jit_threshold : JIT_HOT_THRESHOLD;
            /* For measurements (docs/internals.md): PLEX86_JIT_THRESHOLD=N. */
            const char *th = getenv("PLEX86_JIT_THRESHOLD");
            if (!cfg->jit_threshold && th && atoi(th) > 0)
                e->jit_threshold = (uint32_t)atoi(th);
            cache_on_flush(e->cache, drop_translations, e->jit);
            const char *sb = getenv("PLEX86_SUPERBLOCKS");
            e->superblocks = !cfg->no_superblocks && !(sb && strcmp(sb, "0") == 0);
            cache_set_superblocks(e->cache, e->superblocks);
            e->prof = jit_prof(e->jit);
        }
    }
    return e;
}

void engine_destroy(struct engine *e)
{
    if (!e)
        return;
    if (e->jit)
        jit_prof_done(e->jit, e->cpu->icount);
    jit_destroy(e->jit);
    cache_destroy(e->cache);
    free(e);
}

void engine_set_cpu(struct engine *e, struct cpu *c)
{
    e->cpu = c;
}

enum engine_kind engine_kind(const struct engine *e)
{
    return e->kind;
}

struct code_cache *engine_cache(const struct engine *e)
{
    return e->cache;
}

enum cpu_stop engine_run(struct engine *e, uint64_t budget)
{
    return e->run(e, budget);
}

void engine_set_soft_end(struct engine *e, bool soft)
{
    e->soft_wanted = soft;
}

void engine_invalidate(struct engine *e, uint32_t pa, uint32_t len)
{
    /* The write rule decides: maps with scanned bytes in the range die,
     * and every block and translation built from them with their stamp. */
    sbe_write(e->sbe, pa, len);
}

void engine_flush(struct engine *e)
{
    if (e->cache)
        cache_flush(e->cache); /* its hook drops the translations */
    /* A block being executed stops (atomic: other CPUs bump it too). */
    __atomic_fetch_add(&e->cpu->code_epoch, 1, __ATOMIC_RELAXED);
}

void engine_stats(const struct engine *e, struct engine_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (e->cache)
        out->cache = *cache_stats(e->cache);
    if (e->jit) {
        out->jit = *jit_stats(e->jit);
        out->jit.mem_slow = e->cpu->eng.mem_slow;
        out->jit.jc_misses = e->cpu->eng.jc_misses;
    }
}

void engine_stats_add(struct engine_stats *sum, const struct engine_stats *s)
{
    sum->cache.hits += s->cache.hits;
    sum->cache.misses += s->cache.misses;
    sum->cache.blocks_built += s->cache.blocks_built;
    sum->cache.flushes += s->cache.flushes;
    sum->cache.chained += s->cache.chained;
    sum->cache.two_pages += s->cache.two_pages;
    sum->cache.rotated += s->cache.rotated;
    sum->jit.blocks_translated += s->jit.blocks_translated;
    sum->jit.translations_failed += s->jit.translations_failed;
    sum->jit.bails += s->jit.bails;
    sum->jit.flushes += s->jit.flushes;
    sum->jit.native_insns += s->jit.native_insns;
    sum->jit.callout_insns += s->jit.callout_insns;
    sum->jit.mem_slow += s->jit.mem_slow;
    sum->jit.links += s->jit.links;
    sum->jit.entries += s->jit.entries;
    sum->jit.jc_fills += s->jit.jc_fills;
    sum->jit.jc_misses += s->jit.jc_misses;
    sum->jit.inner_loops += s->jit.inner_loops;
}

int engine_set_cache_bytes(struct engine *e, size_t bytes)
{
    if (!e->cache)
        return -1;
    struct code_cache *cc = cache_create(e->sbe, e->cpu, bytes);
    if (!cc)
        return -1;
    cache_destroy(e->cache);
    e->cache = cc;
    if (e->jit) {
        jit_reset(e->jit);
        cache_on_flush(cc, drop_translations, e->jit);
        cache_set_superblocks(cc, e->superblocks);
    }
    __atomic_fetch_add(&e->cpu->code_epoch, 1, __ATOMIC_RELAXED);
    return 0;
}
