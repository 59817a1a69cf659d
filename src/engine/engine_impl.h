/* The engine object, shared by engine.c (the interface) and run.c (the run
 * loops of the interpreter and translator engines).  Not for use outside
 * src/engine. */
#ifndef PLEX86_ENGINE_ENGINE_IMPL_H
#define PLEX86_ENGINE_ENGINE_IMPL_H

#include "engine/engine.h"

struct engine {
    /* What engine_run calls: one of run.c's loops (the engine's kind). */
    enum cpu_stop (*run)(struct engine *e, uint64_t budget);
    enum engine_kind kind;
    struct cpu *cpu;
    struct sbe *sbe;
    struct physmem *mem;
    struct code_cache *cache;  /* NULL for ENGINE_SLOW */
    struct jit *jit;           /* set for ENGINE_JIT only */
    uint32_t jit_threshold;    /* runs before a block is translated */
    void (*lock)(void *opaque);/* engine_config's; NULL: one thread */
    void (*unlock)(void *opaque);
    void (*watch_page)(void *opaque, uint32_t ppn);
    void *lock_opaque;
    bool superblocks;          /* cache_set_superblocks (ENGINE_JIT) */
    struct jit_prof *prof;     /* PLEX86_JIT_STATS (jit/jit_prof.h), or NULL */
    bool soft_wanted;          /* engine_set_soft_end */
    bool soft_end;             /* this run's: soft_wanted and a budget above two blocks */
};

enum cpu_stop engine_run_slow(struct engine *e, uint64_t budget);
enum cpu_stop engine_run_interp(struct engine *e, uint64_t budget);
enum cpu_stop engine_run_jit(struct engine *e, uint64_t budget);

#endif
