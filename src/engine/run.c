/* The run loops of the interpreter and translator engines (engine.h):
 * from block to block through the code cache, chaining, translating hot
 * blocks, with the CPU's slow path (cpu/step.h) where no block can run.
 * The block loop is instantiated twice (with and without the translator)
 * so that the interpreter's inner loop carries no translator test. */
#include "engine/engine_impl.h"

#include <setjmp.h>
#include <stdlib.h>

#include "cpu/exec.h"
#include "cpu/mmu.h"
#include "cpu/step.h"
#include "jit/jit_prof.h"
#include "sbe/sbe.h"
#include "vm/physmem.h"

#define ALWAYS_INLINE inline __attribute__((always_inline))

/* The live block chained after `prev` for the instruction at physical
 * address pa, if one is. */
static ALWAYS_INLINE struct block *chained(const struct block *prev, uint32_t pa, bool code32)
{
    struct block *s = prev->succ;
    if (s && s->pa == pa && s->code32 == code32 && block_live(s))
        return s;
    s = prev->alt;
    if (s && s->pa == pa && s->code32 == code32 && block_live(s))
        return s;
    return NULL;
}

/* Several host threads (engine_config.lock): takes the lock for a use of
 * the scanner's maps on page ppn, having the page watched first (see
 * engine.h).  Returns whether it pinned the page: unlock_scan lets it go. */
static bool lock_scan(struct engine *e, uint32_t ppn)
{
    e->lock(e->lock_opaque);
    if (sbe_page_watched(e->sbe, ppn))
        return false;
    e->unlock(e->lock_opaque);
    e->watch_page(e->lock_opaque, ppn); /* pins it */
    e->lock(e->lock_opaque);
    return true;
}

static void unlock_scan(struct engine *e, uint32_t ppn, bool pinned)
{
    if (pinned)
        sbe_pin_page(e->sbe, ppn, false);
    e->unlock(e->lock_opaque);
}

/* Where the linear page after la's maps now (CACHE_NO_NEXT: not known),
 * from the TLB's entry for execution, with no walk (a page the guest may
 * never reach must not fault, nor have its accessed bit set).  Not with
 * several host threads: a block there would need both pages pinned. */
static ALWAYS_INLINE uint32_t next_page(struct engine *e, struct cpu *c, uint32_t la)
{
    uint32_t la2 = (la & ~0xFFFu) + 0x1000u;
    if (la2 == 0 || e->lock)
        return CACHE_NO_NEXT; /* (no block wraps around 4 GiB) */
    const struct tlb_entry *te = tlb_entry_for(c->tlb, la2);
    if (!tlb_hit(c, te->tag_x, la2, 1))
        return CACHE_NO_NEXT;
    return phys_mask(e->mem, te->pa) & ~0xFFFu;
}

/* Whether block b, found for linear address la, may run: one that goes
 * on into the next page only while that page still maps where it did
 * (cache.h block_next_ok); the successor links and the cache's hash are
 * by physical address, which says nothing of the next page. */
static ALWAYS_INLINE bool next_ok(struct engine *e, struct cpu *c, const struct block *b,
                                  uint32_t la)
{
    return likely(!b->map2 && !b->cut) || block_next_ok(b, next_page(e, c, la));
}

/* cache_get_after, under the lock where there are several threads. */
static struct block *get_block(struct engine *e, struct block **from, uint32_t pa, bool code32,
                               uint32_t la)
{
    if (!e->lock)
        return cache_get_after(e->cache, from, pa, code32, next_page(e, e->cpu, la));
    bool pinned = lock_scan(e, pa >> 12);
    struct block *b = cache_get_after(e->cache, from, pa, code32, CACHE_NO_NEXT);
    unlock_scan(e, pa >> 12, pinned);
    return b;
}

/* Whether block b, entered at eip, lies within CS (and, for 16-bit code,
 * below the 64 KiB wrap); otherwise the slow path raises #GP where it
 * must. */
static ALWAYS_INLINE bool block_fits(const struct block *b, uint32_t eip, uint32_t cs_limit,
                                      bool code32)
{
    return (uint64_t)eip + b->bytes - 1 <= cs_limit && eip >= b->below &&
           (code32 || eip + b->bytes <= 0x10000);
}

/* The cached block for CS:EIP, or NULL when the slow path must run the
 * next instruction (beyond the CS limit, crossing a page, not decodable).
 * A block that ended in a native in-page branch remembers its successors,
 * so the next lookup skips the translation and the hash (chaining is safe:
 * the page and its mapping cannot change without a virtualize instruction,
 * which never chains). */
static struct block *block_at(struct engine *e, struct block *prev)
{
    struct cpu *c = e->cpu;
    const struct seg *cs = &c->seg[S_CS];
    uint32_t eip = c->eip;
    if (eip > cs->limit)
        return NULL;
    c->insn_eip = eip;
    c->insn_esp = c->gpr[R_ESP];
    uint32_t la = cs->base + eip;
    struct block *b = prev ? chained(prev, (prev->pa & ~0xFFFu) | (la & 0xFFF), c->code32) : NULL;
    if (b && !next_ok(e, c, b, la))
        b = NULL;
    if (!b) {
        uint32_t pa = phys_mask(e->mem, mmu_translate(c, la, MMU_EXEC));
        if (prev && (prev->pa >> 12) != (pa >> 12))
            prev = NULL; /* chain within a page only: its mapping is known */
        b = get_block(e, &prev, pa, c->code32, la);
        if (!b)
            return NULL;
    }
    return block_fits(b, eip, cs->limit, c->code32) ? b : NULL;
}

/* Whether run_block may go on to the next block after instruction `in`
 * ran to completion as its block's last: a native instruction, or a near
 * return, computed jump or call (virtualize for the native engines, whose
 * target the map cannot know; for the interpreter they change nothing but
 * EIP and ESP, so the checks run_loop makes between blocks still hold). */
static ALWAYS_INLINE bool continues(const struct insn *in)
{
    if (in->virt == VIRT_NONE)
        return true;
    return in->virt == VIRT_BRANCH && !in->far &&
           (in->flow == FLOW_RET || in->flow == FLOW_JMP_IND || in->flow == FLOW_CALL_IND);
}

/* Whether run_block may go on after a virtualize instruction that ran to
 * completion as its block's last and is no near branch (continues()): a
 * CLI, PUSHF, RDTSC, MOV to a segment or control register, SYSENTER, ...
 * (the kernel's system calls, interrupt masking and time reads, each of
 * which otherwise went back through run_loop and the code cache's hash).
 * Only when it left nothing for run_loop to do before the next block:
 * no single-step, RF or instruction breakpoint, no HLT, no interrupt
 * shadow (STI, MOV SS: the event that waits in it must come after exactly
 * one more instruction, which run_loop sees to), and no exception or
 * interrupt delivered (the budget counts those steps; `delivered` is
 * their count when the run began).  Events, a write to scanned code and
 * the budget are the checks the next block gets anyway.  What the
 * instruction may have changed (CS, the mode, the paging) run_block
 * reads again, and it finds the next block through the TLB. */
static ALWAYS_INLINE bool goes_on_after(const struct cpu *c, uint64_t delivered)
{
    return !(c->eflags & (F_TF | F_RF)) && !c->dr7_exec && !c->halted && !c->shadow &&
           c->exceptions + c->interrupts == delivered;
}

/* Whether instruction `in` of its block, which ran to completion and
 * left it early, may be followed by the next block as its last one would:
 * a superblock's native conditional branch in the middle (engine/cache.c
 * continues_past), which left by its taken way (or met an event), or its
 * JMP in the middle (the interpreter leaves there; the translation goes
 * on at the target, which is the block's next instruction). */
static ALWAYS_INLINE bool side_exit(const struct insn *in)
{
    return (in->flow == FLOW_JCC || in->flow == FLOW_JMP_REL) && in->virt == VIRT_NONE;
}

/* The block at linear address la (CS:eip) after `prev`, when la is in
 * another page or prev ended with a near RET, CALL or computed JMP: the
 * TLB says where la is now (a miss, or a page the TLB does not map to host
 * memory, goes back to run_loop and block_at); the successors `prev`
 * remembers are checked against that physical address, and only then is
 * the cache's hash consulted.  NULL: let run_loop do it. */
static ALWAYS_INLINE struct block *block_across(struct engine *e, struct cpu *c,
                                                struct block *prev, uint32_t la)
{
    const struct tlb_entry *te = tlb_entry_for(c->tlb, la);
    if (!tlb_hit(c, te->tag_x, la, 1))
        return NULL;
    uint32_t pa = phys_mask(e->mem, te->pa | (la & 0xFFFu));
    struct block *b = chained(prev, pa, c->code32);
    if (b && next_ok(e, c, b, la))
        return b;
    return get_block(e, &prev, pa, c->code32, la);
}

/* `from`'s translation just ran to its end and led, by an exit into
 * another page, to b at CS:EIP (found through the TLB's execute entry:
 * block_across): links that exit to b's translation through a stub that
 * checks the same linear address and the same TLB entry (jit_xlink.c).
 * The exit's target is counted from the start of from's first page, whose
 * linear address is CS base + cpu.eng.eip0 (from's entry EIP, which its
 * entry noted) less from's page offset. */
static ALWAYS_INLINE bool link_across(struct engine *e, struct cpu *c, const struct block *from,
                                      const struct block *b)
{
    uint32_t la = c->seg[S_CS].base + c->eip;
    const struct tlb_entry *te = tlb_entry_for(c->tlb, la);
    if (!b->jit->host || !tlb_hit(c, te->tag_x, la, 1) ||
        (const uint8_t *)(te->addend + la) != b->jit->host)
        return false;
    uint32_t page = c->seg[S_CS].base + c->eng.eip0 - (from->pa & 0xFFFu);
    return jit_link_across(e->jit, from->jit, (int32_t)(la - page), b->jit, la,
                           (uint32_t)(te - c->tlb->e), te->tag_x, te->addend);
}

/* Runs block b's translation (src/jit), translating it first once it is
 * hot.  Returns the index of the last instruction it executed, RT_NONE
 * when the interpreter must run the block (no translation, or its entry
 * conditions do not hold now), RT_GONE when translating flushed the code
 * cache and b with it. */
enum { RT_NONE = -1, RT_GONE = -2 };
#define JIT_MAX_BAILS 8

static ALWAYS_INLINE int run_translated(struct engine *e, struct cpu *c, struct block **bp,
                                        struct block *from, uint64_t calm, uint64_t icount_end)
{
    struct block *b = *bp;
    if (!b->jit) {
        if (++b->heat != e->jit_threshold)
            return RT_NONE;
        struct jit_source src = { b->insn,  b->ninsn,       b->pa,     b->code32, b,
                                  &b->map->stamp, b->stamp, b->bytes,
                                  physmem_ptr(e->mem, b->pa, false), b->below,
                                  b->map2 != NULL, b->map2 ? &b->map2->stamp : NULL,
                                  b->stamp2, b->map2 ? physmem_ptr(e->mem, b->pa2, false) : NULL,
                                  b->offs };
        switch (jit_translate(e->jit, c, &src, &b->jit)) {
        case JIT_TRANSLATED:
            break;
        case JIT_UNTRANSLATED:
            return RT_NONE;
        case JIT_FULL:
            /* Every block goes, and with the cache's flush (its hook,
             * jit_reset) every translation. */
            cache_flush(e->cache);
            return RT_GONE;
        }
    }
    /* `from`'s translation just ran to its end, in this page, and led
     * here: from now on it jumps here without coming back (jit.h). */
    if (from && from->jit &&
        ((from->pa >> 12) == (b->pa >> 12) ? jit_link(e->jit, from->jit, b->pa & 0xFFFu, b->jit)
                                           : link_across(e, c, from, b)))
        jit_stats_mut(e->jit)->links++;
    jit_jc_note(e->jit, b->jit, c->seg[S_CS].base + c->eip);
    c->eng.calm = calm;
    c->eng.icount_end = icount_end;
    c->eng.eip0 = c->eip;
    jit_stats_mut(e->jit)->entries++;
    uint64_t r = b->jit->entry(c);
    unsigned k = jit_ret_index(r);
    if (likely(k != JIT_BAIL)) {
        *bp = jit_ret_owner(r); /* the last of the chain of translations that ran */
        /* Its computed JMP's prediction may name a successor that died
         * (whose entry check sent it here): learnt again (jit.h jit_site). */
        const struct jit_code *o = (*bp)->jit;
        if (o && o->site)
            jit_site_forget(o->site);
        return (int)k;
    }
    jit_stats_mut(e->jit)->bails++;
    /* Specialised for another state (an x87 TOP, the CPL): translate it
     * again for the state it now runs in, a few times at most. */
    b->jit = NULL;
    if (++b->bails < JIT_MAX_BAILS)
        b->heat = 0;
    else
        b->heat = e->jit_threshold; /* never again: ++heat passes it */
    return RT_NONE;
}

/* What translations check on entry and cannot change while they run:
 * whether CS's limit is 4 GiB with a page-aligned base (eng.cs_flat), and
 * the entry conditions (eng.unmet, jit.h jit_unmet). */
static ALWAYS_INLINE void engine_note_entry_state(struct cpu *c, uint32_t cs_base,
                                                  uint32_t cs_limit)
{
    c->eng.cs_flat = cs_limit == 0xFFFFFFFFu && !(cs_base & 0xFFFu);
    c->eng.unmet = jit_unmet(c);
}

/* Runs block b, then the blocks chained after it, for as long as control
 * stays native (or leaves by a near RET, CALL or computed JMP, see
 * continues()).  Returns the last block run when it ended with a native
 * transfer (or fall-through) within its page, that run_loop's next
 * block_at may chain from; NULL otherwise.
 *
 * Only such instructions run here (any other virtualize one ends a block
 * and the run), so IF, TF, RF, DR7, the interrupt shadow, HLT and CS cannot
 * change before a block's last instruction, nor between chained blocks:
 * the checks run_loop makes between blocks need not be repeated, and the
 * shadow is cleared once.  What can arrive in between is asynchronous: a
 * device's stop request or interrupt (through MMIO), a data breakpoint, a
 * write to scanned code (code_epoch); each ends the run after the
 * instruction that caused it (one compare of cpu.async).  The budget is
 * met exactly by cutting the block short.
 *
 * After a native end, the next block in the same linear page comes from
 * b's successors by page offset (the page's mapping cannot change without
 * a virtualize instruction that ends the run); any other through the TLB
 * (block_across).
 *
 * Per instruction, only what a fault needs to restart it is saved:
 * its EIP and ESP (run_loop's fault path rolls back to them).  Kept out of
 * line (in its two instances) so that the compiler gives this loop the
 * registers.  `use_jit` is a constant in each instance. */
static ALWAYS_INLINE struct block *run_block(struct engine *e, struct cpu *c, struct block *b,
                                             uint64_t end, const bool use_jit)
{
    /* Atomic: with several host threads another CPU bumps it (sbe.c discard). */
    const uint32_t epoch = __atomic_load_n(&c->code_epoch, __ATOMIC_RELAXED);
    const uint64_t calm = cpu_async_word(epoch); /* no event, same code */
    /* CS changes in here only by a virtualize instruction at a block's
     * end (goes_on_after), after which these are read again. */
    uint32_t cs_base = c->seg[S_CS].base, cs_limit = c->seg[S_CS].limit;
    uint32_t la_page = (cs_base + c->eip) >> 12;
    bool code32 = c->code32;
    uint32_t wrap = code32 ? 0xFFFFFFFFu : 0xFFFFu;
    /* Exceptions and interrupts delivered (goes_on_after). */
    const uint64_t delivered = c->exceptions + c->interrupts;
    uint32_t eip = c->eip;
    /* Only STI / MOV SS / POP SS set it, all virtualize; with an event
     * waiting in the shadow, run_loop steps the next instruction itself. */
    c->shadow = 0;
    /* Only icount moves in here (a fault leaves by longjmp): the budget
     * ends at icount == icount_end.  At most 2^62 steps in one call (an
     * unbounded budget is near 2^64): a translated loop's count register
     * holds the count less its limit as a signed number (jit/tr_count.c
     * tr_loop_checks), which a room above 2^63 would overflow. */
    uint64_t room = end - cpu_steps(c);
    if (room > UINT64_C(1) << 62)
        room = UINT64_C(1) << 62;
    const uint64_t icount_end = c->icount + room;
    /* The block before b when its translation ran to its end (jit_link). */
    struct block *from = NULL;
    struct jit_prof *const prof = use_jit ? e->prof : NULL; /* PLEX86_JIT_STATS */
    if (use_jit) {
        /* What translations check on entry and cannot change in here
         * (see above): CS's limit, the entry conditions. */
        engine_note_entry_state(c, cs_base, cs_limit);
    }
    for (;;) {
        uint64_t left = icount_end - c->icount;
        const struct insn *in = b->insn, *stop = b->insn + b->ninsn, *last = stop;
        const struct insn *end_in; /* the last instruction run */
        enum jit_why why = JW_BUDGET;
        if (left < (uint64_t)b->ninsn) {
            /* A soft end (engine_set_soft_end): stop before the block
             * rather than cut it; run_loop then ends the run, fewer than
             * BLOCK_MAX_INSNS steps short of its budget. */
            if (e->soft_end)
                return NULL;
            last = b->insn + left;
        }
        if (use_jit && last == stop) {
            bool had = b->jit != NULL;
            int r = run_translated(e, c, &b, from, calm, icount_end);
            from = NULL;
            if (r == RT_GONE)
                return NULL; /* translating flushed the cache: b is gone */
            if (r != RT_NONE) {
                /* As the loop below would have ended after instruction r
                 * of b, the last block of the chain that ran. */
                in = b->insn + r;
                stop = b->insn + b->ninsn;
                /* A RET or computed JMP may have jumped into another page
                 * (the jump cache): b's linear page is where it was
                 * entered, which each translation notes in eng.eip0. */
                la_page = (cs_base + c->eng.eip0) >> 12;
                bool at_end = in + 1 == stop || side_exit(in);
                if (at_end)
                    from = b;
                if (unlikely(c->db_trap)) {
                    cpu_debug_trap(c, false);
                    return NULL;
                }
                if (!at_end || __atomic_load_n(&c->code_epoch, __ATOMIC_RELAXED) != epoch ||
                    (!continues(in) && !goes_on_after(c, delivered)))
                    return NULL;
                end_in = in;
                goto next_block;
            }
            if (unlikely(prof))
                why = had ? JW_BAIL : b->heat < e->jit_threshold ? JW_COLD : JW_NOTR;
        }
        /* Up to the branch back after which the block went on at a side
         * exit's target (cache.h nrun): its not-taken way is not the next
         * instruction of the block. */
        stop = b->insn + b->nrun;
        if (last > stop)
            last = stop;
        const struct insn *const first = in;
#ifdef PLEX86_CHECKED
        unsigned off = b->pa & 0xFFF;
#endif
        for (; in < last; in++) {
#ifdef PLEX86_CHECKED
            /* Issue 5: executing an unscanned byte is a bug, not a slowdown.
             * Not with several host threads: another CPU may discard the
             * map while this one is between two instructions of a block
             * (it stops at the async check after this one, as cross-
             * modifying code allows, SDM vol. 3A 8.1.3). */
            const struct sbe_map *om = off >= 4096 && b->map2 ? b->map2 : b->map;
            if (!e->lock && (!block_live(b) || !(om->attr[off & 0xFFF] & ATTR_SCANNED)))
                abort();
            off += in->len;
#endif
            c->insn_eip = eip;
            c->insn_esp = c->gpr[R_ESP];
            eip = (eip + in->len) & wrap;
            c->eip = eip;
            in->fn(c, in);
            c->icount++;
            if (unlikely(c->eip != eip || cpu_async_changed(c, calm)))
                break;
        }
        if (use_jit && unlikely(prof))
            jit_prof_interp(prof, first, in < last ? in + 1 : last, why);
        if (in < last) {
            /* Left early: a transfer at the end may still go on. */
            if (unlikely(c->db_trap)) {
                cpu_debug_trap(c, false);
                return NULL;
            }
            if ((in + 1 != stop && !side_exit(in)) ||
                __atomic_load_n(&c->code_epoch, __ATOMIC_RELAXED) != epoch ||
                (!continues(in) && !goes_on_after(c, delivered)))
                return NULL;
            end_in = in;
        } else if (last != stop || (!continues(&stop[-1]) && !goes_on_after(c, delivered))) {
            return NULL; /* cut short by the budget, or a virtualize end */
        } else {
            end_in = stop - 1;
        }
    next_block:
        eip = c->eip;
        bool native = end_in->virt == VIRT_NONE;
        /* A virtualize instruction other than a near branch may have
         * changed CS, the mode or the paging: the next block comes
         * through the TLB, and never from the same-page links. */
        bool system = !native && !continues(end_in);
        if (system) {
            cs_base = c->seg[S_CS].base;
            cs_limit = c->seg[S_CS].limit;
            code32 = c->code32;
            wrap = code32 ? 0xFFFFFFFFu : 0xFFFFu;
            from = NULL;
            /* And what translations check on entry: SYSENTER, IRET or a
             * segment load changes the CPL, the stack size or a segment's
             * flatness, which eng.unmet would otherwise still describe
             * as before it. */
            if (use_jit)
                engine_note_entry_state(c, cs_base, cs_limit);
        }
        uint32_t la = cs_base + eip;
        bool same_page = (la >> 12) == la_page && !system;
        /* Go on here unless run_loop has something to do (the epoch is
         * still `epoch` and db_trap clear: only events can differ). */
        if (unlikely(cpu_async_changed(c, calm)) ||
            c->icount == icount_end || eip > cs_limit)
            return native && same_page ? b : NULL;
        struct block *nb = same_page ? chained(b, (b->pa & ~0xFFFu) | (la & 0xFFF), code32)
                                     : NULL;
        if (nb && !next_ok(e, c, nb, la))
            nb = NULL;
        if (!nb) {
            if (same_page && native)
                return b; /* block_at looks it up and chains it */
            nb = block_across(e, c, b, la);
            if (!nb)
                return NULL;
            la_page = la >> 12;
        }
        if (!block_fits(nb, eip, cs_limit, code32))
            return NULL;
        b = nb;
    }
}

__attribute__((noinline)) static struct block *run_block_interp(struct engine *e, struct cpu *c,
                                                                struct block *b, uint64_t end)
{
    return run_block(e, c, b, end, false);
}

__attribute__((noinline)) static struct block *run_block_jit(struct engine *e, struct cpu *c,
                                                             struct block *b, uint64_t end)
{
    return run_block(e, c, b, end, true);
}

/* One instruction through the CPU's slow path, scanned first (execution
 * never passes through unscanned bytes, seed 003).  Used for single-
 * stepping, page-crossing and undecodable instructions, and by
 * ENGINE_SLOW for all. */
static void step_slow(struct engine *e)
{
    struct cpu *c = e->cpu;
    if (unlikely(e->prof))
        e->prof->slow_steps++;
    bool single_step = cpu_step_begin(c);
    if (c->eip <= c->seg[S_CS].limit) {
        uint32_t pa = phys_mask(e->mem, mmu_translate(c, c->seg[S_CS].base + c->eip, MMU_EXEC));
        if (e->lock) {
            bool pinned = lock_scan(e, pa >> 12);
            sbe_scan(e->sbe, pa, c->code32);
            unlock_scan(e, pa >> 12, pinned);
        } else {
            sbe_scan(e->sbe, pa, c->code32);
        }
    }
    cpu_step_finish(c, single_step);
}

/* engine_run for every kind: between blocks, the checks an instruction
 * boundary needs (stop requests, interrupts, HLT), then a block or one
 * slow step.  (A function that calls setjmp cannot be inlined: `kind` is
 * tested once per block.) */
static enum cpu_stop run_loop(struct engine *e, uint64_t budget, const enum engine_kind kind)
{
    struct cpu *c = e->cpu;
    const uint64_t used = cpu_steps(c);
    const uint64_t end = budget > UINT64_MAX - used ? UINT64_MAX : used + budget;
    /* With a soft end run_block stops before a block that would cross
     * `end` instead of cutting it, so the run is over once fewer steps
     * than a block's length are left; only for a budget above two blocks,
     * so that a run always makes progress. */
    e->soft_end = e->soft_wanted && budget > 2 * BLOCK_MAX_INSNS;
    const uint64_t until = e->soft_end ? end - BLOCK_MAX_INSNS : end;

    /* An instruction (or an exception delivery) faulted: deliver it and
     * go on.  Blocks are not chained across it (prev is reset below). */
    if (setjmp(c->fault_jmp) && !cpu_deliver_fault(c))
        return CPU_STOP_SHUTDOWN;

    struct block *prev = NULL; /* chaining: the block just run, if native */
    while (cpu_steps(c) < until) {
        /* Atomic: with a thread per CPU others set it (vm_mt.c). */
        if (unlikely(__atomic_load_n(&c->stop_request, __ATOMIC_ACQUIRE))) {
            __atomic_store_n(&c->stop_request, false, __ATOMIC_RELAXED);
            return CPU_STOP_REQUEST;
        }
        if (unlikely(__atomic_load_n(&c->irq_line, __ATOMIC_ACQUIRE) ||
                     __atomic_load_n(&c->nmi_pending, __ATOMIC_ACQUIRE))) {
            /* In an interrupt shadow (STI, MOV SS, POP SS) the event waits
             * for exactly one more instruction (SDM vol. 3A, 6.8.3; vol. 2B,
             * STI): that one alone, as the interpreter does, then the
             * check again.  A translation would run on to its block's
             * end.  Guest state alone decides this (the shadow and the
             * lines are in the snapshot), so a run repeats after -loadvm. */
            if (c->shadow) {
                step_slow(e);
                prev = NULL;
                continue;
            }
            if (cpu_take_interrupt(c)) {
                prev = NULL;
                continue;
            }
        }
        if (unlikely(c->halted))
            return CPU_STOP_HLT;
        struct block *b = NULL;
        if (kind != ENGINE_SLOW && likely(!(c->eflags & (F_TF | F_RF)) && !c->dr7_exec))
            b = block_at(e, prev);
        if (b) {
            prev = kind == ENGINE_JIT ? run_block_jit(e, c, b, end)
                                      : run_block_interp(e, c, b, end);
        } else {
            step_slow(e);
            prev = NULL;
        }
    }
    return CPU_STOP_LIMIT;
}

enum cpu_stop engine_run_slow(struct engine *e, uint64_t budget)
{
    return run_loop(e, budget, ENGINE_SLOW);
}

enum cpu_stop engine_run_interp(struct engine *e, uint64_t budget)
{
    return run_loop(e, budget, ENGINE_INTERP);
}

enum cpu_stop engine_run_jit(struct engine *e, uint64_t budget)
{
    return run_loop(e, budget, ENGINE_JIT);
}
