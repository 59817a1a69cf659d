/* The translator, the translator engine's back end (DESIGN.md section 4,
 * engine 2; src/engine): scanned blocks of the code cache
 * (src/engine/cache.h) become x86-64 host code.
 *
 * A translation runs one block, and loops on itself when the block's last
 * instruction branches back to its start, until the block ends, an
 * instruction it hands to the interpreter changes control flow or raises
 * an event (cpu.async), or the instruction budget would run out.  It
 * returns the index of the last instruction it executed, so that the
 * engine's run loop (engine/run.c run_block) goes on exactly as if it had
 * run the instructions itself; or JIT_BAIL, before executing anything,
 * when the block's entry conditions (those it was specialised for: CPL,
 * stack size, the x87's TOP and tags) do not hold now.
 *
 * Every instruction the translator does not emit itself calls the
 * interpreter's handler, so the engines agree by construction there; what
 * is emitted natively is compared with the interpreter by
 * tests/jit/test_jit_diff.c.  Faults unwind through cpu.fault_jmp as in
 * the interpreter: before anything that may fault, the translation has
 * written back the state the fault handler reads (EIP, ESP, EFLAGS,
 * instruction count, the x87 registers). */
#ifndef PLEX86_JIT_JIT_H
#define PLEX86_JIT_JIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cpu;
struct insn;

#define JIT_BAIL 0xFFFFu

/* How many times a block runs in the interpreter before it is translated. */
#define JIT_HOT_THRESHOLD 16

typedef unsigned (*jit_entry)(struct cpu *c);

struct jit_stats {
    uint64_t blocks_translated;
    uint64_t translations_failed;  /* too big for the buffers: interpreted */
    uint64_t bails;                /* entry conditions did not hold */
    uint64_t flushes;              /* arena resets */
    uint64_t native_insns;         /* instructions emitted natively ... */
    uint64_t callout_insns;        /* ... and handed to the interpreter */
    uint64_t mem_slow;             /* memory operands that took the slow path */
};

struct jit;

/* NULL with a message in err when the host cannot run generated code
 * (no executable memory). */
struct jit *jit_create(size_t arena_bytes, char *err, size_t errlen);
void jit_destroy(struct jit *j);

/* The most instructions one translation takes (the engine's blocks are
 * no longer: engine/cache.c checks). */
#define JIT_MAX_INSNS 64

/* What the translator translates: a straight run of predecoded
 * instructions at physical address pa (the engine's block, engine/cache.h;
 * the translator knows nothing of the cache). */
struct jit_source {
    const struct insn *insn;
    unsigned ninsn;
    uint32_t pa;
    bool code32;
};

enum jit_result {
    JIT_TRANSLATED,    /* *entry is set */
    JIT_UNTRANSLATED,  /* it cannot be translated */
    JIT_FULL,          /* the arena is full: the owner drops everything the
                          translations belong to, then calls jit_reset */
};

/* Translates src for CPU c's current state (the entry conditions are
 * taken from it); on success *entry is the jit_entry to call. */
enum jit_result jit_translate(struct jit *j, struct cpu *c, const struct jit_source *src,
                              void **entry);

/* Drops every translation (their blocks are gone). */
void jit_reset(struct jit *j);

const struct jit_stats *jit_stats(const struct jit *j);
struct jit_stats *jit_stats_mut(struct jit *j);

#endif
