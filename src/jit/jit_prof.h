/* PLEX86_JIT_STATS (a development aid, docs/internals.md "The translator"):
 * which guest instructions the translator engine does not run in host
 * code, weighted by how often they run, and why.  With the variable set
 * (to a file name, or "-" / "1" for stderr), the engine counts every
 * instruction its run loop interprets (a block not yet hot, one the
 * translator refused, a bail, a budget cut) and every call a translation
 * makes to an interpreter handler (generated code increments the counter
 * of that site's reason), and writes the table when it is destroyed.
 * Unset, nothing is counted and generated code is unchanged. */
#ifndef PLEX86_JIT_JIT_PROF_H
#define PLEX86_JIT_JIT_PROF_H

#include <stdint.h>

#include "cpu/insn.h"

/* Why an instruction ran in the interpreter. */
enum jit_why {
    /* The run loop interpreted the whole block: */
    JW_COLD,    /* not translated yet (heat below the threshold) */
    JW_NOTR,    /* translation refused or given up (16-bit code, bails) */
    JW_BAIL,    /* its translation's entry conditions failed this time */
    JW_BUDGET,  /* the budget ends inside the block */
    /* A translation called the instruction's handler: */
    JW_VIRT,    /* a virtualize instruction */
    JW_FLOW,    /* a control transfer the translator does not run */
    JW_FORM,    /* no native recipe, or not for these operands/prefixes */
    JW_FLAGS,   /* undefined flags the interpreter defines are observable */
    JW_X87,     /* an x87 op outside the window */
    JW_COUNT
};

/* A translation's call to a handler, counted by its generated code. */
struct jit_prof_site {
    uint64_t n;
    uint32_t pa;
    uint16_t op;
    uint8_t why, len;
    uint8_t bytes[16];
};

#define JIT_PROF_SITES (1u << 16)

/* Where a translation's host bytes go (jit_prof_finish prints them; the
 * parts overlap: a memory operand's slow path ends in an exit). */
enum jit_bytes_part {
    JB_ENTRY,    /* the prologue and the entries' checks (hot and cold) */
    JB_EPILOGUE, /* the merge, bail and epilogue (cold) */
    JB_EXIT,     /* exits (the block's end, side exits, slow paths' ends) */
    JB_MEM_COLD, /* memory operands' slow paths (cold) */
    JB_CALLOUT,  /* calls to an interpreter handler */
    JB_PARTS
};

/* One translation: how often it was entered (its code counts) and its
 * size. */
struct jit_prof_tx {
    uint64_t runs;
    uint32_t bytes;
    uint32_t ninsn;
    uint32_t pa;      /* its block's */
};

#define JIT_PROF_TX (1u << 20)

struct jit_prof {
    uint64_t n[OP_COUNT][JW_COUNT];
    uint64_t slow_steps;       /* instructions through the CPU's slow path */
    uint64_t translations;     /* blocks translated ... */
    uint64_t translated_insns; /* ... and their instructions */
    uint64_t translate_ns;     /* host time in jit_translate */
    uint64_t hot_bytes, cold_bytes, part_bytes[JB_PARTS];
    struct jit_prof_tx *tx;    /* JIT_PROF_TX of them (NULL: none) */
    unsigned ntx;
    char path[256];            /* "" for stderr */
    unsigned nsites;           /* beyond JIT_PROF_SITES, n[op][why] counts */
    struct jit_prof_site site[JIT_PROF_SITES];
};

/* NULL unless PLEX86_JIT_STATS is set. */
struct jit_prof *jit_prof_create(void);
/* Writes the table (when guest_insns is the CPU's count) and frees it. */
void jit_prof_finish(struct jit_prof *p, uint64_t guest_insns);

/* The counter generated code increments for a call to the handler of
 * `in` at physical address pa (bytes: its encoding, if known). */
uint64_t *jit_prof_site(struct jit_prof *p, const struct insn *in, uint32_t pa,
                        const uint8_t *bytes, enum jit_why why);

/* The interpreter ran instructions [first, end) of a block for `why`. */
static inline void jit_prof_interp(struct jit_prof *p, const struct insn *first,
                                   const struct insn *end, enum jit_why why)
{
    for (; first < end; first++)
        p->n[first->op][why]++;
}

#endif
