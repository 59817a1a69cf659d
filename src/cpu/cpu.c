/* CPU lifecycle, the fetch-decode-execute loop and exception delivery. */
#include "cpu/cpu.h"

#include <stdlib.h>
#include <string.h>

#include "cpu/cpu_model.h"
#include "cpu/exec.h"
#include "cpu/fpu.h"
#include "cpu/interrupt.h"
#include "cpu/mmu.h"
#include "cpu/msr.h"
#include "cpu/ops.h"
#include "cpu/seg.h"
#include "cpu/simd.h"
#include "jit/jit.h"
#include "sbe/cache.h"
#include "sbe/sbe.h"

const struct op_info op_table[OP_COUNT] = {
    [OP_INVALID] = { "(invalid)", NULL, FLOW_UD, VIRT_NONE, 0 },
#define X(mn, h, flow, virt, lvl) [OP_##mn] = { #mn, h, flow, virt, lvl },
#define P(nm, h, flow, virt, lvl) [OP_##nm] = { #nm, h, flow, virt, lvl },
#include "cpu/insn_table.def"
#undef X
#undef P
};

void cpu_set_model(struct cpu *c, const struct cpu_model *model)
{
    c->model = model;
    c->level = model->level;
    for (unsigned w = 0; w < CPU_FEATURE_WORDS; w++)
        c->features[w] = model->features[w] & cpu_model_implemented(w);
}

int cpu_init(struct cpu *c, struct vm *vm, const struct cpu_model *model)
{
    memset(c, 0, sizeof(*c));
    c->vm = vm;
    cpu_set_model(c, model);
    c->decoder = decoder_create();
    if (!c->decoder || mmu_init(c) < 0) {
        cpu_destroy(c);
        return -1;
    }
    return 0;
}

void cpu_destroy(struct cpu *c)
{
    decoder_destroy(c->decoder);
    c->decoder = NULL;
    mmu_destroy(c);
}

/* EFLAGS bits software can change on each model (SDM vol. 3A, 2.3; AC
 * arrived with the 486, VIF/VIP with the Pentium, ID with CPUID: a
 * CPUID-capable 486 has it). */
static uint32_t eflags_writable(const struct cpu *c)
{
    uint32_t m = F_ARITH | F_TF | F_IF | F_DF | F_IOPL | F_NT | F_RF | F_VM;
    if (c->level >= CPU_486)
        m |= F_AC;
    if (c->level >= CPU_586)
        m |= F_VIF | F_VIP;
    if (c->model->max_basic > 0)
        m |= F_ID;
    return m;
}

uint32_t cpu_get_eflags(const struct cpu *c)
{
    return (c->eflags & eflags_writable(c)) | F_1;
}

void cpu_set_eflags(struct cpu *c, uint32_t value)
{
    uint32_t old = c->eflags;
    c->eflags = (value & eflags_writable(c)) | F_1;
    if ((old ^ c->eflags) & F_AC)
        cpu_mode_changed(c); /* alignment checking may switch on or off */
}

static void seg_reset(struct seg *s, uint16_t sel, uint32_t base, uint16_t attr)
{
    s->sel = sel;
    s->base = base;
    s->limit = 0xFFFF;
    s->attr = attr;
}

void cpu_reset(struct cpu *c)
{
    struct vm *vm = c->vm;
    enum cpu_level level = c->level;
    void *decoder = c->decoder;
    /* Counters are the VM's accounting, not CPU state: they run on across
     * resets (a reboot loop still meets -max-insns). */
    uint64_t icount = c->icount, interrupts = c->interrupts, exceptions = c->exceptions;
    /* The interrupt controller's wiring is the board's, not CPU state. */
    int (*irq_ack)(void *) = c->irq_ack;
    void *irq_opaque = c->irq_opaque;
    void (*ferr)(void *, bool) = c->ferr;
    void *ferr_opaque = c->ferr_opaque;
    memset(c, 0, offsetof(struct cpu, fault_jmp));
    c->vm = vm;
    c->level = level;
    c->decoder = decoder;
    c->irq_ack = irq_ack;
    c->irq_opaque = irq_opaque;
    c->ferr = ferr;
    c->ferr_opaque = ferr_opaque;
    c->icount = icount;
    c->interrupts = interrupts;
    c->exceptions = exceptions;

    /* SDM vol. 3A, 9.1.1, table 9-1. */
    c->eflags = F_1;
    c->eip = 0xFFF0;
    for (int s = 0; s < S_COUNT; s++)
        seg_reset(&c->seg[s], 0, 0, 0x0093);              /* present, RW data */
    seg_reset(&c->seg[S_CS], 0xF000, 0xFFFF0000u, 0x009B); /* present, RX code */
    seg_reset(&c->ldtr, 0, 0, 0x0082);
    seg_reset(&c->tr, 0, 0, 0x008B);
    c->gdtr.limit = 0xFFFF;
    c->idtr.limit = 0xFFFF;
    c->cr0 = CR0_ET | (level >= CPU_486 ? CR0_CD | CR0_NW : 0);
    c->dr[6] = 0xFFFF0FF0u;
    c->dr[7] = 0x00000400u;
    /* EDX holds the processor signature after reset. */
    c->gpr[R_EDX] = cpu_model_signature(c->model);
    msr_reset(c);
    fpu_reset(c);
    sse_reset(c);
    c->delivering = -1;
    c->sys_access = false;
    mmu_flush(c, true); /* RESET/INIT leave the TLB empty */
    cpu_mode_changed(c);
}

/* --- exceptions ------------------------------------------------------ */

_Noreturn void cpu_fault(struct cpu *c, int vector, uint32_t err)
{
    c->exc_vector = vector;
    c->exc_error = err;
    longjmp(c->fault_jmp, 1);
}

void cpu_soft_interrupt(struct cpu *c, int vector, enum event_source src)
{
    deliver_event(c, vector, src, false, 0, c->eip);
}

void cpu_tlb_flush(struct cpu *c, bool include_global)
{
    mmu_flush(c, include_global);
}

void cpu_tlb_invlpg(struct cpu *c, uint32_t la)
{
    mmu_invlpg(c, la);
}

static bool contributory(int v)
{
    return v == EXC_DE || (v >= EXC_TS && v <= EXC_GP);
}

/* Picks what to deliver when `second` arrives while delivering `first`
 * (SDM vol. 3A, 6.15, table 6-5).  Returns -1 for shutdown. */
static int combine_faults(int first, int second)
{
    if (first < 0)
        return second;
    if (first == EXC_DF)
        return -1;
    if ((contributory(first) && contributory(second)) ||
        (first == EXC_PF && (second == EXC_PF || contributory(second))))
        return EXC_DF;
    return second;
}

/* --- fetch and decode ------------------------------------------------ */

/* Code bytes at la, EXEC access through the TLB (may raise #PF); the
 * caller keeps n within the page. */
static void fetch_bytes(struct cpu *c, uint32_t la, uint8_t *dst, unsigned n)
{
    mmu_fetch(c, la, dst, n);
}

/* Fetches and decodes the instruction at CS:EIP.  Bytes beyond the CS limit
 * are never fetched: an instruction that needs them raises #GP(0); the
 * second page is only touched when the instruction crosses into it. */
static void fetch_decode(struct cpu *c, struct insn *in)
{
    const struct seg *cs = &c->seg[S_CS];
    uint32_t eip = c->eip;
    if (eip > cs->limit)
        cpu_fault(c, EXC_GP, 0);
    uint64_t avail = (uint64_t)cs->limit - eip + 1;
    unsigned n = avail < CPU_MAX_INSN_LEN ? (unsigned)avail : CPU_MAX_INSN_LEN;
    uint32_t la = cs->base + eip;
    unsigned in_page = PHYS_PAGE_SIZE - (la & (PHYS_PAGE_SIZE - 1));
    unsigned first = n < in_page ? n : in_page;
    uint8_t buf[CPU_MAX_INSN_LEN];

    fetch_bytes(c, la, buf, first);
    enum decode_status st = decode_insn(c->decoder, c->code32, buf, first, in);
    if (st == DECODE_MORE && first < n) {
        fetch_bytes(c, la + first, buf + first, n - first);
        st = decode_insn(c->decoder, c->code32, buf, n, in);
    }
    switch (st) {
    case DECODE_OK:
        break;
    case DECODE_MORE:      /* cut short by the segment limit */
    case DECODE_TOO_LONG:
        cpu_fault(c, EXC_GP, 0);
    case DECODE_UD:
    case DECODE_BAD_LOCK:
        cpu_fault(c, EXC_UD, 0);
    }
    if (op_table[in->op].level > c->level)
        cpu_fault(c, EXC_UD, 0);
}

/* --- the loop -------------------------------------------------------- */

/* External interrupts at an instruction boundary (SDM vol. 3A, 6.8): NMI
 * first, then INTR when IF is set.  Returns true if one was delivered. */
static bool interrupt_check(struct cpu *c)
{
    int vector;
    if (c->nmi_pending) {
        c->nmi_pending = false;
        vector = EXC_NMI;
    } else if (c->irq_line && (c->eflags & F_IF) && c->irq_ack) {
        vector = c->irq_ack(c->irq_opaque);
        if (vector < 0)
            return false;  /* spurious: the line dropped */
    } else {
        return false;
    }
    c->halted = false;
    c->insn_eip = c->eip;
    c->insn_esp = c->gpr[R_ESP];
    /* Not c->delivering = vector: an external vector number (the BIOS puts
     * IRQ 5 at 0x0D) must not be mistaken for the exception of that number
     * by the double-fault rules. */
    c->delivering = DELIVERING_EXTERNAL;
    exit_log_add(&c->exits, EXIT_INTERRUPT, c->seg[S_CS].sel, c->eip, (uint32_t)vector, 0, 0);
    deliver_event(c, vector, EV_EXTERNAL, false, 0, c->eip);
    c->delivering = -1;
    c->interrupts++;
    return true;
}

static void debug_trap(struct cpu *c, bool single_step);
static void check_insn_breakpoints(struct cpu *c);

/* Executes one instruction through the slow path: scan it (execution never
 * passes through unscanned bytes, seed 003), fetch, decode, execute.  Used
 * for single-stepping, page-crossing and undecodable instructions, and
 * when the code cache is off. */
static void step_slow(struct cpu *c)
{
    struct insn in;
    c->insn_eip = c->eip;
    c->insn_esp = c->gpr[R_ESP];
    bool single_step = c->eflags & F_TF;
    bool ss_shadow = c->shadow == SHADOW_SS; /* after MOV SS: no #DB */
    c->shadow = 0;
    if (unlikely(c->dr7_exec) && !(c->eflags & F_RF) && !ss_shadow)
        check_insn_breakpoints(c);
    if (c->eip <= c->seg[S_CS].limit) {
        uint32_t pa = mmu_translate(c, c->seg[S_CS].base + c->eip, MMU_EXEC);
        sbe_scan(c->vm->sbe, phys_mask(&c->vm->mem, pa), c->code32);
    }
    fetch_decode(c, &in);
    c->eip += in.len;
    if (!c->code32)
        c->eip &= 0xFFFF;
    in.fn(c, &in);
    c->icount++;
    /* RF lasts for one instruction, unless that instruction was IRET
     * loading it (SDM vol. 3A, 17.3.1.1). */
    if (unlikely(c->eflags & F_RF) && in.op != OP_IRET && in.op != OP_IRETD)
        c->eflags &= ~F_RF;
    if (unlikely(single_step || c->db_trap))
        debug_trap(c, single_step);
}

/* Instruction breakpoints (DR7 R/W = 00): a fault before the instruction
 * at an armed linear address executes; RF suppresses it for one
 * instruction so the handler can return (SDM vol. 3A, 17.3.1.1). */
static void check_insn_breakpoints(struct cpu *c)
{
    uint32_t la = c->seg[S_CS].base + c->eip;
    uint32_t hit = 0;
    for (unsigned n = 0; n < 4; n++)
        if (((c->dr7_exec >> n) & 1) && c->dr[n] == la)
            hit |= 1u << n;
    if (hit) {
        c->dr[6] = (c->dr[6] & ~0xFu) | hit;
        cpu_fault(c, EXC_DB, 0);
    }
}

/* The live block chained after `prev` for the instruction at physical
 * address pa, if one is. */
static inline struct block *chained(const struct block *prev, uint32_t pa, bool code32)
{
    struct block *s = prev->succ;
    if (s && s->pa == pa && s->code32 == code32 && block_live(s))
        return s;
    s = prev->alt;
    if (s && s->pa == pa && s->code32 == code32 && block_live(s))
        return s;
    return NULL;
}

/* Whether block b, entered at eip, lies within CS (and, for 16-bit code,
 * below the 64 KiB wrap); otherwise the slow path raises #GP where it
 * must. */
static inline bool block_fits(const struct cpu *c, const struct block *b, uint32_t eip)
{
    return (uint64_t)eip + b->bytes - 1 <= c->seg[S_CS].limit &&
           (c->code32 || eip + b->bytes <= 0x10000);
}

/* The cached block for CS:EIP, or NULL when the slow path must run the
 * next instruction (beyond the CS limit, crossing a page, not decodable).
 * A block that ended in a native in-page branch remembers its successors,
 * so the next lookup skips the translation and the hash (chaining is safe:
 * the page and its mapping cannot change without a virtualize instruction,
 * which never chains). */
static struct block *block_at(struct cpu *c, struct code_cache *cache, struct block *prev)
{
    const struct seg *cs = &c->seg[S_CS];
    uint32_t eip = c->eip;
    if (eip > cs->limit)
        return NULL;
    c->insn_eip = eip;
    c->insn_esp = c->gpr[R_ESP];
    uint32_t la = cs->base + eip;
    struct block *b = prev ? chained(prev, (prev->pa & ~0xFFFu) | (la & 0xFFF), c->code32) : NULL;
    if (!b) {
        uint32_t pa = phys_mask(&c->vm->mem, mmu_translate(c, la, MMU_EXEC));
        /* cache_get may flush the arena to make room (the memory bound):
         * then prev points into reused memory, possibly into b itself,
         * and must not be written. */
        uint64_t flushes = cache_stats(cache)->flushes;
        b = cache_get(cache, pa, c->code32);
        if (!b)
            return NULL;
        if (prev && cache_stats(cache)->flushes == flushes && (prev->pa >> 12) == (pa >> 12))
            cache_chain(cache, prev, b);
    }
    return block_fits(c, b, eip) ? b : NULL;
}

/* Whether run_block may go on to the next block after instruction `in`
 * ran to completion as its block's last: a native instruction, or a near
 * return, computed jump or call (virtualize for the native engines, whose
 * target the map cannot know; for the interpreter they change nothing but
 * EIP and ESP, so the checks cpu_run makes between blocks still hold). */
static inline bool continues(const struct insn *in)
{
    if (in->virt == VIRT_NONE)
        return true;
    return in->virt == VIRT_BRANCH && !in->far &&
           (in->flow == FLOW_RET || in->flow == FLOW_JMP_IND || in->flow == FLOW_CALL_IND);
}

/* The block at linear address la (CS:eip) after `prev`, when la is in
 * another page or prev ended with a near RET, CALL or computed JMP: the
 * TLB says where la is now (a miss, or a page the TLB does
 * not map to host memory, goes back to cpu_run and block_at); the
 * successors `prev` remembers are checked against that physical address,
 * and only then is the cache's hash consulted.  NULL: let cpu_run do it. */
static struct block *block_across(struct cpu *c, struct block *prev, uint32_t la)
{
    const struct tlb_entry *e = tlb_entry_for(c->tlb, la);
    if (!tlb_hit(c, e->tag_x, la, 1))
        return NULL;
    uint32_t pa = phys_mask(&c->vm->mem, e->pa | (la & 0xFFFu));
    struct block *b = chained(prev, pa, c->code32);
    if (b)
        return b;
    struct code_cache *cache = c->vm->cache;
    uint64_t flushes = cache_stats(cache)->flushes;
    b = cache_get(cache, pa, c->code32);
    /* A flush (the memory bound) reused prev's memory: no link then. */
    if (b && cache_stats(cache)->flushes == flushes)
        cache_chain(cache, prev, b);
    return b;
}

/* Runs block b, then the blocks chained after it, for as long as control
 * stays native (or leaves by a near RET, CALL or computed JMP, see
 * continues()).  Returns the last block run when it ended with a native
 * transfer (or fall-through) within its page, that cpu_run's next
 * block_at may chain from; NULL otherwise.
 *
 * Only such instructions run here (any other virtualize one ends a block
 * and the run), so IF, TF, RF, DR7, the interrupt shadow, HLT and CS cannot
 * change before a block's last instruction, nor between chained blocks:
 * the checks cpu_run makes between blocks need not be repeated, and the
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
 * its EIP and ESP (cpu_run's fault path rolls back to them).  Kept out of
 * line so that the compiler gives this loop the registers. */
/* Runs block b's translation (src/jit), translating it first once it is
 * hot.  Returns the index of the last instruction it executed, RT_NONE
 * when the interpreter must run the block (no translation, or its entry
 * conditions do not hold now), RT_RETRY when translating flushed the code
 * cache. */
enum { RT_NONE = -1, RT_RETRY = -2 };
#define JIT_MAX_BAILS 8

static int run_translated(struct cpu *c, struct jit *jit, struct block *b, uint64_t calm,
                          uint64_t icount_end)
{
    if (!b->jit) {
        if (++b->heat != c->jit_threshold)
            return RT_NONE;
        struct code_cache *cache = c->vm->cache;
        uint64_t flushes = cache_stats(cache)->flushes;
        if (!jit_translate(jit, c, b, cache))
            return cache_stats(cache)->flushes != flushes ? RT_RETRY : RT_NONE;
    }
    c->jit_calm = calm;
    c->jit_icount_end = icount_end;
    c->jit_eip0 = c->eip;
    unsigned k = ((jit_entry)b->jit)(c);
    if (likely(k != JIT_BAIL))
        return (int)k;
    jit_stats_mut(jit)->bails++;
    /* Specialised for another state (an x87 TOP, the CPL): translate it
     * again for the state it now runs in, a few times at most. */
    if (++b->bails < JIT_MAX_BAILS) {
        b->jit = NULL;
        b->heat = 0;
    } else {
        b->jit = NULL;
        b->heat = c->jit_threshold; /* never again: ++heat passes it */
    }
    return RT_NONE;
}

__attribute__((noinline)) static struct block *run_block(struct cpu *c, struct block *b,
                                                         uint64_t end)
{
    const uint32_t epoch = c->code_epoch;
    const uint64_t calm = cpu_async_word(epoch); /* no event, same code */
    const uint32_t cs_base = c->seg[S_CS].base;
    uint32_t la_page = (cs_base + c->eip) >> 12;
    const bool code32 = c->code32;
    const uint32_t wrap = code32 ? 0xFFFFFFFFu : 0xFFFFu;
    uint32_t eip = c->eip;
    struct jit *jit = c->vm->jit;
    c->shadow = 0; /* only STI / MOV SS / POP SS set it, all virtualize */
    /* Only icount moves in here (a fault leaves by longjmp): the budget
     * ends at icount == icount_end. */
    const uint64_t icount_end = c->icount + (end - cpu_steps(c));
    for (;;) {
        uint64_t left = icount_end - c->icount;
        const struct insn *in = b->insn, *stop = b->insn + b->ninsn, *last = stop;
        if (left < (uint64_t)b->ninsn)
            last = b->insn + left;
        if (jit && last == stop) {
            int r = run_translated(c, jit, b, calm, icount_end);
            if (r == RT_RETRY)
                return NULL; /* translating flushed the cache: b is gone */
            if (r != RT_NONE) {
                /* As the loop below would have ended after instruction r. */
                in = b->insn + r;
                if (unlikely(c->db_trap)) {
                    debug_trap(c, false);
                    return NULL;
                }
                if (in + 1 != stop || c->code_epoch != epoch || !continues(in))
                    return NULL;
                goto next_block;
            }
        }
#ifdef PLEX86_CHECKED
        unsigned off = b->pa & 0xFFF;
#endif
        for (; in < last; in++) {
#ifdef PLEX86_CHECKED
            /* Issue 5: executing an unscanned byte is a bug, not a slowdown. */
            if (!block_live(b) || !(b->map->attr[off] & ATTR_SCANNED))
                abort();
            off += in->len;
#endif
            c->insn_eip = eip;
            c->insn_esp = c->gpr[R_ESP];
            eip = (eip + in->len) & wrap;
            c->eip = eip;
            in->fn(c, in);
            c->icount++;
            if (unlikely(c->eip != eip || c->async != calm))
                break;
        }
        if (in < last) {
            /* Left early: a transfer at the end may still go on. */
            if (unlikely(c->db_trap)) {
                debug_trap(c, false);
                return NULL;
            }
            if (in + 1 != stop || c->code_epoch != epoch || !continues(in))
                return NULL;
        } else if (last != stop || !continues(&stop[-1])) {
            return NULL; /* cut short by the budget, or a virtualize end */
        }
    next_block:
        eip = c->eip;
        uint32_t la = cs_base + eip;
        bool native = stop[-1].virt == VIRT_NONE;
        bool same_page = (la >> 12) == la_page;
        /* Go on here unless cpu_run has something to do (the epoch is
         * still `epoch` and db_trap clear: only events can differ). */
        if (unlikely(c->async != calm) || c->icount == icount_end || eip > c->seg[S_CS].limit)
            return native && same_page ? b : NULL;
        struct block *nb = same_page ? chained(b, (b->pa & ~0xFFFu) | (la & 0xFFF), code32)
                                     : NULL;
        if (!nb) {
            if (same_page && native)
                return b; /* block_at looks it up and chains it */
            nb = block_across(c, b, la);
            if (!nb)
                return NULL;
            la_page = la >> 12;
        }
        if (!block_fits(c, nb, eip))
            return NULL;
        b = nb;
    }
}

/* #DB traps after an instruction (SDM vol. 3A, 17.2.3): TF was set at its
 * start (DR6.BS) and/or it hit a data breakpoint (DR6.Bn, set by
 * check_data_breakpoints).  The return address is the next instruction. */
static void debug_trap(struct cpu *c, bool single_step)
{
    if (single_step)
        c->dr[6] |= 1u << 14;
    c->db_trap = false;
    c->insn_eip = c->eip;
    c->insn_esp = c->gpr[R_ESP];
    c->delivering = EXC_DB;
    c->exceptions++;
    deliver_event(c, EXC_DB, EV_EXCEPTION, false, 0, c->eip);
    c->delivering = -1;
}

enum cpu_stop cpu_run(struct cpu *c, uint64_t budget)
{
    const uint64_t used = cpu_steps(c);
    const uint64_t end = budget > UINT64_MAX - used ? UINT64_MAX : used + budget;

    if (setjmp(c->fault_jmp)) {
        /* An instruction (or an exception delivery) faulted: roll back to
         * the instruction's start and deliver (SDM vol. 3A, 6.5: faults
         * report the faulting instruction's address). */
        int vector = combine_faults(c->delivering, c->exc_vector);
        c->delivering = -1;
        c->sys_access = false; /* a fault may have cut a system access short */
        c->eip = c->insn_eip;
        c->gpr[R_ESP] = c->insn_esp;
        if (vector < 0) {
            c->halted = true;
            return CPU_STOP_SHUTDOWN;
        }
        c->exceptions++;
        bool has_err = (c->cr0 & CR0_PE) && exception_has_error(vector);
        uint32_t err = vector == EXC_DF ? 0 : c->exc_error;
        exit_log_add(&c->exits, EXIT_EXCEPTION, c->seg[S_CS].sel, c->insn_eip,
                     (uint32_t)vector, has_err ? err : 0, 0);
        c->db_trap = false; /* the faulting instruction did not complete */
        /* Faults push EFLAGS with RF set, so that the restarted instruction
         * does not hit its instruction breakpoint again; #DB itself does
         * not (its handler decides) (SDM vol. 3A, 17.3.1.1). */
        if (vector != EXC_DB)
            c->eflags |= F_RF;
        c->delivering = vector;
        deliver_event(c, vector, EV_EXCEPTION, has_err, err, c->insn_eip);
        c->delivering = -1;
    }

    struct code_cache *cache = c->vm->cache;
    struct block *prev = NULL; /* chaining: the block just run, if native */
    while (cpu_steps(c) < end) {
        if (unlikely(c->stop_request)) {
            c->stop_request = false;
            return CPU_STOP_REQUEST;
        }
        if (unlikely(c->irq_line || c->nmi_pending) && !c->shadow && interrupt_check(c)) {
            prev = NULL;
            continue;
        }
        if (unlikely(c->halted))
            return CPU_STOP_HLT;
        struct block *b = NULL;
        if (likely(cache && !(c->eflags & (F_TF | F_RF)) && !c->dr7_exec))
            b = block_at(c, cache, prev);
        if (b) {
            prev = run_block(c, b, end);
        } else {
            step_slow(c);
            prev = NULL;
        }
    }
    return CPU_STOP_LIMIT;
}

/* --- operands -------------------------------------------------------- */

/* Operand kinds the inline accessors do not handle (exec.h). */
uint32_t opnd_read_other(struct cpu *c, const struct insn *i, unsigned k)
{
    const struct opnd *o = &i->o[k];
    if (o->kind == OPK_SREG)
        return c->seg[o->reg].sel;
    cpu_fault(c, EXC_UD, 0);
}

void opnd_write_other(struct cpu *c, const struct insn *i, unsigned k, uint32_t v)
{
    (void)i;
    (void)k;
    (void)v;
    cpu_fault(c, EXC_UD, 0);
}

/* --- control transfer ------------------------------------------------ */

