/* The translator, the translator engine's back end (DESIGN.md section 4,
 * engine 2; src/engine): scanned blocks of the code cache
 * (src/engine/cache.h) become x86-64 host code.
 *
 * A translation runs one block, and loops on itself when the block's last
 * instruction branches back to its start, until the block ends (at its
 * last instruction, or by a superblock's side exit: a conditional branch
 * in its middle, taken; engine/cache.h cache_set_superblocks), an
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
#include <string.h>

struct cpu;
struct insn;

#define JIT_BAIL 0xFFFFu

/* How many times a block runs in the interpreter before it is translated. */
#define JIT_HOT_THRESHOLD 16

/* A translation returns the index of its last instruction run (or
 * JIT_BAIL) in bits 48-63, and in bits 0-47 the engine's block (struct
 * jit_source owner) of the translation that ran last: an exit of a chain
 * of translations names its own (jit_translate refuses an owner above
 * 2^48), so that chained entries need not note who runs. */
typedef uint64_t (*jit_entry)(struct cpu *c);
#define JIT_RET_SHIFT 48
static inline unsigned jit_ret_index(uint64_t r)
{
    return (unsigned)(r >> JIT_RET_SHIFT);
}
static inline void *jit_ret_owner(uint64_t r)
{
    return (void *)(uintptr_t)(r & ((UINT64_C(1) << JIT_RET_SHIFT) - 1));
}

struct jit_stats {
    uint64_t blocks_translated;
    uint64_t translations_failed;  /* too big for the buffers: interpreted */
    uint64_t bails;                /* entry conditions did not hold */
    uint64_t flushes;              /* arena resets */
    uint64_t native_insns;         /* instructions emitted natively ... */
    uint64_t callout_insns;        /* ... and handed to the interpreter */
    uint64_t mem_slow;             /* memory operands that took the slow path */
    uint64_t links;                /* exits patched to their successor */
    uint64_t jc_fills;             /* jump-cache entries written (jit_jc_note) */
    uint64_t jc_misses;            /* inline lookups that went back to C */
    uint64_t entries;              /* translations entered from the run loop */
    uint64_t inner_loops;          /* back edges translated inside a
                                      translation (tr_back_edge) */
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
    /* For chaining: the engine's block (in each return value of the
     * translation, jit_entry), and the word that says it is still live:
     * a chained entry leaves unless *stamp_at == stamp. */
    void *owner;
    const uint32_t *stamp_at;
    uint32_t stamp;
    uint16_t bytes;           /* total length of the instructions */
    const uint8_t *host;      /* the host address of pa, if RAM or ROM */
    uint16_t below;           /* bytes of instructions below pa's (a
                                 superblock's trace back): EIP at entry
                                 must be at least this */
    /* A block that goes on into the next linear page (engine/cache.h
     * struct block map2): that page's map stamp (as stamp_at's), and the
     * host address of the physical page it must map to (NULL: not RAM).
     * From C the engine checks both; its chained entries check them too
     * (the TLB's execute entry for the page after the entry's), and
     * without host2 it has none: it is entered from C only. */
    bool two_pages;
    const uint32_t *stamp2_at;
    uint32_t stamp2;
    const uint8_t *host2;
    /* Each instruction's offset from the start of pa's page (engine/
     * cache.h struct block offs): a superblock's JMP goes on at its
     * target or, for a rotated loop, at the loop's head after it. */
    const uint16_t *offs;
};

/* A computed JMP's prediction (session 15, branch `interp`): a small
 * table, per translation that ends in one, of the targets it went to
 * through the jump cache, each as its distance from the translation's
 * entry EIP (eng.eip0) and the successor's entry that the lookup chose
 * for this predecessor, indexed by the distance's bits 3-8 (a bytecode
 * interpreter's handlers are 8 or 16 bytes apart at least).  Only
 * targets in the entry's page are kept: that linear page maps to the
 * translation's physical page whenever it runs (as jit_link's same-page
 * links assume), so EIP0 + delta is the same block whatever alias the
 * translation was entered by.  The entry still checks its own liveness
 * (the map's stamp), events and the budget; the run loop forgets the
 * table whenever the translation returns to C (a successor that died
 * would otherwise send every pass back there), and a flush empties them
 * all with the arena.  A key is the distance with its top bit flipped, so
 * that a zeroed slot (distance INT32_MIN) matches no target. */
struct jit_site_slot {
    uint32_t key;
    uint32_t pad;
    void *entry;
};
_Static_assert(sizeof(struct jit_site_slot) == 16, "generated code indexes by 16");
#define JIT_SITE_SLOTS 64
#define JIT_SITE_KEY 0x80000000u
struct jit_site {
    struct jit_site_slot slot[JIT_SITE_SLOTS];
};
#define JIT_SITES 1024

static inline void jit_site_forget(struct jit_site *s)
{
    memset(s, 0, sizeof(*s));
}

/* At most this many exits of a translation can be chained (a
 * superblock's side exits and its end's one or two). */
#define JIT_MAX_CHAIN 8

/* A translation, as the engine sees it (it lives in the arena, before its
 * code).
 *
 * Chaining: an exit that leaves after the block's last instruction, or
 * by a side exit, to a fixed successor within the block's own page (the
 * fall-through, a JMP/Jcc's target) ends in a `jmp rel32` that first goes
 * to the
 * epilogue (back to C) and that jit_link patches to the successor's
 * chain_entry once the engine has seen the successor translated.  The
 * chained entry checks everything the run loop would have checked between
 * the two blocks, and leaves to C as the predecessor's own exit (its
 * return value, which names it) when anything fails: an event or a
 * change of scanned code (cpu.async), the budget (icount_end), the
 * successor's liveness (its map's stamp: a write to scanned code or a
 * discard kills every chained jump into it, whatever page it came from),
 * the CS limit, and the entry conditions it was specialised for (CPL, the
 * stack size, flat segments).  Those last checks are what chain_regs
 * skips: jit_link jumps there from a predecessor that calls no C handler
 * (nothing in it can change them) and was itself specialised for the
 * same CPL and at least the same conditions, which its own entry checked,
 * and caches every register the successor does (it wrote them back at
 * its exit, and its host registers still hold them).  chain_fast, the
 * same without the second condition, is chain_entry now: its own copy of
 * the checks (about 100 bytes in every translation) saved one test.
 * Every
 * translation goes when the arena does (jit_reset), so no jump outlives
 * its target. */
struct jit_code {
    jit_entry entry;          /* from C (run loop) */
    const uint8_t *host;      /* the host address of the block's first byte
                                 (the jump cache's key; NULL: none) */
    void *chain_entry;        /* from another translation's exit; NULL: the
                                 translation cannot be entered that way
                                 (x87 translations) */
    void *chain_fast;         /* the same (its own copy without the entry
                                 conditions saved one test) */
    void *chain_regs;         /* ... and without loading the registers it
                                 caches: the predecessor caches them too
                                 (in the same host registers, tr.h) */
    void *chain_same[3];      /* chain_entry, chain_fast and chain_regs
                                 without the stamp's check, for a
                                 predecessor from the same map with the same
                                 stamp: that one was live when entered, and a
                                 discard since changed cpu.async (sbe.c bumps
                                 code_epoch), which the entry checks */
    const uint32_t *stamp_at; /* the source's map stamp (jit_source) */
    uint32_t stamp;
    uint8_t cached;           /* guest registers cached, bit per register */
    uint8_t cpl;              /* the entry conditions (tr.h struct tr) */
    uint8_t flat;
    bool stack32;
    bool calls;               /* some instruction is the interpreter's */
    unsigned nexits;
    struct {
        int32_t target;       /* page offset of the successor it goes to
                                 (across: from this block's page, below 0
                                 or 4096 and above) */
        bool across;          /* into another page: jit_link_across */
        uint8_t *rel;         /* the rel32 field of its jmp */
        const uint8_t *lookup; /* across: its jump-cache lookup, where the
                                  stub's failed check goes */
    } exit[JIT_MAX_CHAIN];
    struct jit_site *site;    /* its computed JMP's prediction (jit_site),
                                 or NULL */
};

enum jit_result {
    JIT_TRANSLATED,    /* *entry is set */
    JIT_UNTRANSLATED,  /* it cannot be translated */
    JIT_FULL,          /* the arena is full: the owner drops everything the
                          translations belong to, then calls jit_reset */
};

/* Translates src for CPU c's current state (the entry conditions are
 * taken from it); on success *out is the translation. */
enum jit_result jit_translate(struct jit *j, struct cpu *c, const struct jit_source *src,
                              struct jit_code **out);

/* The jump cache: where a translation's near RET, computed JMP or CALL,
 * or exit to a fixed target in another page (unless jit_link_across
 * linked it and its check of the mapping passes) looks up its target
 * without coming back to C.  Keyed by the host address of
 * the target's first byte (what the TLB gives for CS:EIP: one key per
 * byte of guest memory, whatever its linear or physical aliases), it
 * holds chained entries, whose checks make a stale one harmless (its
 * stamp) until jit_reset empties it with the arena.  The slot is chosen
 * by the linear address (so that generated code reads it while the TLB
 * gives the host address to compare with the key).  The engine notes a
 * translation each time it enters one from C, at linear address la. */
/* 2^16 slots of 32 bytes (2 MiB; a code-cache flush clears them all):
 * with 2^12 the Linux guest's fork+exec loop missed 4,930 times per exec
 * (880 with 2^16 and the old index), each miss a trip through C
 * (bench/README.md, session 11); of the 656 misses left per exec 341 were
 * the TLB's and 316 two hot targets taking turns in one slot: 287 with
 * the multiplicative index (tr.h), 124 with 2^17 slots, 63 with 2^18
 * (session 13, branch `sys`).  The boot to the shell showed no difference
 * in CPU time between 2^16 and 2^17 (4 MiB, 3 MiB more RSS), so 2^16. */
#define JIT_JC_BITS 16
void jit_jc_note(struct jit *j, const struct jit_code *tc, uint32_t la);

/* `from` ran to its end and the next block, at page offset `target` of the
 * same physical page, has the translation `to`: patches from's exit to
 * that offset, if it has one, to jump straight into `to` (both live in the
 * same arena; a predecessor that keeps the entry conditions but caches
 * fewer registers jumps through a stub of j's arena that loads the others,
 * jit.c link_stub).  Returns whether a jump was patched. */
bool jit_link(struct jit *j, struct jit_code *from, unsigned target, const struct jit_code *to);

/* The same for an exit of `from` into another page, `target` bytes from
 * the start of from's page (its block's first page), which led to `to` at
 * linear address la through the TLB entry `tlb_index`, which held the
 * execute tag `tag` and addend `addend` (engine/run.c, after the jump
 * cache missed): the exit's jmp, which goes to its jump-cache lookup
 * until then, is pointed at a stub in the arena that enters `to` only
 * while CS:EIP is la again and that TLB entry is unchanged, and goes to
 * the lookup otherwise (jit_xlink.c).  Returns whether it patched. */
bool jit_link_across(struct jit *j, struct jit_code *from, int32_t target, const struct jit_code *to,
                     uint32_t la, uint32_t tlb_index, uint32_t tag, uintptr_t addend);

/* The entry conditions a translation may be specialised for that do NOT
 * hold for c now, a bit each (JIT_UNMET_*): CPL i (bit i set when the CPL
 * is not i), a 32-bit stack, segment s flat (base 0, limit 4 GiB, no
 * check sending an access to the slow path).  A translation's entry tests
 * the word with its own mask (one instruction).  None of them can change
 * while translations run (segment and mode changes are virtualize
 * instructions, which end the run: engine/run.c run_block), so the engine
 * sets cpu.eng.unmet once per run, and a translation that goes on past a
 * segment load sets it again itself (jit_note_unmet). */
enum { JIT_UNMET_CPL = 0, JIT_UNMET_STACK = 4, JIT_UNMET_FLAT = 5 };
/* A seventh "flat" bit (of struct jit_code flat, above the six segments'):
 * CS's limit is 4 GiB and its base page-aligned (what eng.cs_flat says).
 * A translation specialised for it needs no CS limit check at its entry
 * (a block of one page fits) nor before a branch's target (no EIP is
 * above the limit), so those, about 30 bytes of hot code and a #GP call
 * per branch, go (session 18, `slim`). */
enum { JIT_FLAT_CS4G = 6 };
uint32_t jit_unmet(const struct cpu *c);
/* cpu.eng.unmet = jit_unmet(c): generated code calls it after a segment
 * load its handler ran, before going on into another translation
 * (tr_block_end.c tr_system_end). */
void jit_note_unmet(struct cpu *c);

/* Drops every translation (their blocks are gone). */
void jit_reset(struct jit *j);

/* PLEX86_JIT_STATS (jit_prof.h): the table, NULL when not counting;
 * jit_prof_done writes it out and stops counting. */
struct jit_prof *jit_prof(const struct jit *j);
void jit_prof_done(struct jit *j, uint64_t guest_insns);

const struct jit_stats *jit_stats(const struct jit *j);
struct jit_stats *jit_stats_mut(struct jit *j);

/* An exception a native instruction detected (DIV's #DE), called
 * from translated code with the fault's state in struct cpu. */
_Noreturn void jit_raise(struct cpu *c, unsigned vector);

#endif
