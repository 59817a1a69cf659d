/* An engine runs one CPU's guest code (DESIGN.md sections 2 and 4): it
 * decides what runs next (the code cache, chaining between blocks, when a
 * block is hot enough to translate, what to do when a translation bails)
 * and hands back to its caller at an exit.  The CPU's state, handlers,
 * exceptions and MMU are cpu/'s; the scanner's maps are sbe/'s.
 *
 * This is the whole interface: the interpreter and the translator engine
 * implement it today (engine.c picks one), a native or KVM engine can
 * later.  Every engine uses the same CPU state, so one can take over from
 * another at any instruction boundary. */
#ifndef PLEX86_ENGINE_ENGINE_H
#define PLEX86_ENGINE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "engine/cache.h"
#include "jit/jit.h"

struct engine;
struct sbe;
struct physmem;

enum engine_kind {
    ENGINE_SLOW,    /* interpreter without the code cache: every instruction
                       through the CPU's slow path (for comparisons; still
                       scanned first) */
    ENGINE_INTERP,  /* interpreter over cached, predecoded blocks */
    ENGINE_JIT,     /* ENGINE_INTERP, translating hot blocks (src/jit) */
};

struct engine_config {
    enum engine_kind kind;
    size_t cache_bytes;        /* the code cache's memory bound; 0: default */
    size_t jit_arena_bytes;    /* the translator's; 0: default */
    unsigned jit_threshold;    /* runs before a block is translated; 0:
                                  JIT_HOT_THRESHOLD */
    /* Several host threads (-accel tcg,thread=multi), one engine each:
     * the scanner's maps are shared, so every use of them (a block built,
     * an instruction scanned) runs under `lock`; and a page that is not
     * watched yet is first handed to watch_page, which pins it watched
     * (sbe_pin_page) while no other CPU runs, so that none can store to
     * it through a translation made before (the write rule, seed 003);
     * the engine unpins it under the lock once scanned.  NULL: one
     * thread, nothing to do. */
    void (*lock)(void *opaque);
    void (*unlock)(void *opaque);
    void (*watch_page)(void *opaque, uint32_t ppn);
    void *lock_opaque;
    bool no_superblocks;       /* ENGINE_JIT: blocks end at every branch
                                  (cache_set_superblocks); also with
                                  PLEX86_SUPERBLOCKS=0 in the environment,
                                  a development aid for comparisons */
};

/* Counters; a part the engine does not have reads as zeros. */
struct engine_stats {
    struct code_cache_stats cache;
    struct jit_stats jit;
};

/* sum += s, counter by counter (the engines of several CPUs together). */
void engine_stats_add(struct engine_stats *sum, const struct engine_stats *s);

/* An engine for CPU c, scanning through sbe, guest RAM mem.  ENGINE_JIT
 * falls back to ENGINE_INTERP where the host cannot run generated code
 * (no executable memory): engine_kind() tells.  NULL with a message in
 * err when out of memory. */
struct engine *engine_create(const struct engine_config *cfg, struct cpu *c, struct sbe *sbe,
                             struct physmem *mem, char *err, size_t errlen);
void engine_destroy(struct engine *e);
enum engine_kind engine_kind(const struct engine *e);

/* Which CPU the next engine_run runs (-smp: the VM's CPUs take turns on
 * one engine).  The code cache and translations are shared: they describe
 * guest-physical code, and translated code reaches the CPU only through
 * the pointer it is entered with.  Whatever invalidates them bumps the
 * running CPU's code epoch; the others are between runs, where nothing
 * of a block is held. */
void engine_set_cpu(struct engine *e, struct cpu *c);

/* Runs the CPU until HLT, a stop request, shutdown, or `budget` steps
 * (cpu_steps(): instructions retired plus exceptions and interrupts
 * delivered, so an exception storm still returns). */
enum cpu_stop engine_run(struct engine *e, uint64_t budget);

/* Whether the next runs' budgets are soft: a run may then end up to
 * BLOCK_MAX_INSNS (64) steps short of its budget, before a block that
 * would cross it, rather than cut that block short to meet it exactly.
 * A cut block resumes in its middle, where no block starts: the next run
 * decodes a new one there and interprets it (cold), and the cut part ran
 * in the interpreter too (bench/README.md, session 16, branch `kinit`).
 * For runs whose exact length no one sees: the VM's slices under the host
 * clock, where timers fire by host time between slices.  -icount (guest
 * time counts steps) and a step limit need the exact budget.  A budget of
 * two blocks or less stays exact. */
void engine_set_soft_end(struct engine *e, bool soft);

/* `len` bytes of guest physical memory at pa changed behind the CPU's
 * back (a host-side write, DMA that bypassed the write rule): whatever was
 * scanned, decoded or translated from them goes. */
void engine_invalidate(struct engine *e, uint32_t pa, uint32_t len);

/* Forgets everything decoded and translated (the scanner's maps are the
 * caller's: sbe_flush). */
void engine_flush(struct engine *e);

void engine_stats(const struct engine *e, struct engine_stats *out);

/* The code cache, NULL for ENGINE_SLOW (tests and fuzzers look inside). */
struct code_cache *engine_cache(const struct engine *e);

/* Replaces the code cache by an empty one bounded at `bytes` (tests of
 * the memory bound).  -1 when out of memory (the old cache stays). */
int engine_set_cache_bytes(struct engine *e, size_t bytes);

#endif
