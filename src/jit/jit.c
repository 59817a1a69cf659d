/* The translator's arena, installation of translated blocks, and the C
 * helpers generated code calls (jit.h). */
#include "jit/jit.h"

#include <cpuid.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "jit/jit_link.h"
#include "jit/jit_prof.h"
#include "jit/tr.h"

/* Translation buffers: a block of 64 instructions takes a few KiB. */
#define HOT_BYTES (64u << 10)
#define COLD_BYTES (128u << 10)

struct jit {
    uint8_t *arena;
    size_t size, used;
    size_t stubs;            /* the shared stubs' bytes at the arena's start */
    struct jit_stats stats;
    struct jit_jc jc[1u << JIT_JC_BITS]; /* the jump cache (jit.h) */
    struct jit_site sites[JIT_SITES]; /* computed JMPs' predictions (jit.h) */
    uint32_t nsites;                  /* used since the last jit_reset */
    FILE *dump;              /* PLEX86_JIT_DUMP */
    struct jit_prof *prof;   /* PLEX86_JIT_STATS */
    struct tr tr;            /* scratch for one translation */
    uint8_t hot[HOT_BYTES];
    uint8_t cold[COLD_BYTES];
};

/* Development aid: with PLEX86_JIT_DUMP=FILE in the environment, every
 * translation is appended to FILE as a header line and its bytes in hex
 * (tools/jit-dump.sh disassembles them). */
static void dump_translation(struct jit *j, const struct jit_source *b, const uint8_t *code,
                             uint32_t len)
{
    fprintf(j->dump, "block pa=%08x ninsn=%u at=%p len=%u\n", b->pa, b->ninsn, (const void *)code,
            len);
    for (uint32_t i = 0; i < len; i++)
        fprintf(j->dump, "%02x%s", code[i], (i % 32 == 31 || i + 1 == len) ? "\n" : "");
    fflush(j->dump);
}

struct jit *jit_create(size_t arena_bytes, char *err, size_t errlen)
{
    struct jit *j = calloc(1, sizeof(*j));
    if (!j) {
        snprintf(err, errlen, "out of memory for the translator");
        return NULL;
    }
    /* Generated code keeps flags with LAHF, which early x86-64 processors
     * lack in 64-bit mode (CPUID.80000001H:ECX bit 0). */
    unsigned a, b, c, d;
    if (!__get_cpuid(0x80000001u, &a, &b, &c, &d) || !(c & 1u)) {
        snprintf(err, errlen, "the host processor lacks LAHF in 64-bit mode, which the translator needs");
        free(j);
        return NULL;
    }
    void *p = mmap(NULL, arena_bytes, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        snprintf(err, errlen, "cannot map %zu KiB of executable memory for the translator: %s",
                 arena_bytes >> 10, strerror(errno));
        free(j);
        return NULL;
    }
#ifdef MADV_HUGEPAGE
    /* Huge pages: the boot of the default guest fills the arena about
     * three times, and its first touch took a page fault per 4 KiB page
     * written (a costly trap on a virtualised host; as for guest RAM,
     * vm/physmem.c); fewer iTLB misses in generated code too. */
    madvise(p, arena_bytes, MADV_HUGEPAGE);
#endif
    j->arena = p;
    j->size = arena_bytes;
    uint32_t n = arena_bytes > 4096 ? tr_stubs_emit(p, 4096, j->tr.stub_off) : 0;
    if (!n) {
        snprintf(err, errlen, "the translator's arena of %zu bytes is too small", arena_bytes);
        munmap(p, arena_bytes);
        free(j);
        return NULL;
    }
    j->stubs = j->used = ((size_t)n + 63) & ~(size_t)63;
    const char *dump = getenv("PLEX86_JIT_DUMP");
    if (dump && *dump)
        j->dump = fopen(dump, "a");
    j->prof = jit_prof_create();
    return j;
}

void jit_destroy(struct jit *j)
{
    if (!j)
        return;
    munmap(j->arena, j->size);
    if (j->prof) /* (the engine wrote it out and freed it: jit_prof_finish) */
        free(j->prof->tx);
    free(j->prof);
    if (j->dump)
        fclose(j->dump);
    free(j);
}

struct jit_prof *jit_prof(const struct jit *j)
{
    return j->prof;
}

void jit_prof_done(struct jit *j, uint64_t guest_insns)
{
    jit_prof_finish(j->prof, guest_insns);
    j->prof = NULL;
}

/* The thread's CPU time: the host is often busy. */
static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

const struct jit_stats *jit_stats(const struct jit *j)
{
    return &j->stats;
}

struct jit_stats *jit_stats_mut(struct jit *j)
{
    return &j->stats;
}

static uint32_t label_pos(const struct xlabels *L, unsigned label, uint32_t hot_len)
{
    const struct xlabel *l = &L->l[label];
    return l->buf == 0 ? l->off : hot_len + l->off;
}

void jit_reset(struct jit *j)
{
    j->used = j->stubs; /* (the stubs stay) */
    memset(j->jc, 0, sizeof(j->jc)); /* its entries point into the arena */
    j->nsites = 0; /* (so do the predictions, in translations now gone) */
    j->stats.flushes++;
}

static enum jit_result translate(struct jit *j, struct cpu *c, const struct jit_source *b,
                                 struct jit_code **out);

enum jit_result jit_translate(struct jit *j, struct cpu *c, const struct jit_source *b,
                              struct jit_code **out)
{
    if (!j->prof)
        return translate(j, c, b, out);
    uint64_t t0 = now_ns();
    enum jit_result r = translate(j, c, b, out);
    j->prof->translate_ns += now_ns() - t0;
    if (r == JIT_TRANSLATED) {
        j->prof->translations++;
        j->prof->translated_insns += b->ninsn;
    }
    return r;
}

static enum jit_result translate(struct jit *j, struct cpu *c, const struct jit_source *b,
                                 struct jit_code **out)
{
    struct tr *t = &j->tr;
    t->L.nl = t->L.nf = 0; /* (x_label_new fills each label) */
    t->L.overflow = false;
    tr_stub_labels(t);
    t->c = c;
    t->b = b;
    t->jc = j->jc;
    t->psite = NULL;
    t->predict = false;
    t->psites = j->sites;
    t->npsites = &j->nsites;
    t->hot = (struct xbuf){ j->hot, j->hot, j->hot + HOT_BYTES, false, 0 };
    t->cold = (struct xbuf){ j->cold, j->cold, j->cold + COLD_BYTES, false, 1 };
    t->user = c->cpl == 3;
    t->uses_stack = false;
    t->flat = 0;
    t->x87 = false;
    t->depth0 = 0;
    t->rdx_k = -1;
    t->hm = xm(XDX, 0);
    t->prof = j->prof;
    t->runs = j->prof && j->prof->tx && j->prof->ntx < JIT_PROF_TX ? &j->prof->tx[j->prof->ntx].runs
                                                                : NULL;
    memset(t->part, 0, sizeof(t->part));
    if ((uintptr_t)b->owner >> JIT_RET_SHIFT)
        return JIT_UNTRANSLATED; /* (the return value cannot name it) */
    if (!tr_translate(t)) {
        j->stats.translations_failed++;
        return JIT_UNTRANSLATED;
    }
    uint32_t hot_len = xoff(&t->hot), cold_len = xoff(&t->cold);
    /* The header (struct jit_code), then the code. */
    const size_t head = (sizeof(struct jit_code) + 15) & ~(size_t)15;
    size_t need = (head + hot_len + cold_len + 15) & ~(size_t)15;
    if (need > j->size)
        return JIT_UNTRANSLATED;
    if (j->used + need > j->size)
        return JIT_FULL;
    struct jit_code *tc = (struct jit_code *)(j->arena + j->used);
    uint8_t *dst = j->arena + j->used + head;
    memcpy(dst, t->hot.start, hot_len);
    memcpy(dst + hot_len, t->cold.start, cold_len);
    for (unsigned f = 0; f < t->L.nf; f++) {
        const struct xfixup *fx = &t->L.f[f];
        if (!t->L.l[fx->label].bound)
            return JIT_UNTRANSLATED;
        uint32_t at = fx->buf == 0 ? fx->off : hot_len + fx->off;
        /* (buffer 2: a stub, at an offset in the arena) */
        int64_t to = t->L.l[fx->label].buf == 2
                         ? (int64_t)(j->arena + t->L.l[fx->label].off - dst)
                         : (int64_t)label_pos(&t->L, fx->label, hot_len);
        int32_t rel = (int32_t)(to - (int64_t)(at + 4));
        memcpy(dst + at, &rel, 4);
    }
    j->used += need;
    tc->entry = (jit_entry)(void *)(dst + label_pos(&t->L, t->l_start, hot_len));
    tc->host = b->host;
    /* (Its exits chain all the same: to its first page, jit_link.) */
    bool enter = t->chainable && (!b->two_pages || b->host2);
    tc->chain_entry = enter ? dst + label_pos(&t->L, t->l_chain, hot_len) : NULL;
    tc->chain_fast = enter ? dst + label_pos(&t->L, t->l_chain_fast, hot_len) : NULL;
    tc->chain_regs = enter ? dst + label_pos(&t->L, t->l_chain_regs, hot_len) : NULL;
    for (int f = 0; f < 3; f++)
        tc->chain_same[f] = enter ? dst + label_pos(&t->L, t->l_chain_same[f], hot_len) : NULL;
    tc->stamp_at = b->stamp_at;
    tc->stamp = b->stamp;
    tc->cached = t->cached;
    tc->cpl = (uint8_t)c->cpl;
    tc->flat = t->flat;
    tc->stack32 = t->uses_stack;
    tc->calls = t->calls;
    tc->nexits = t->nchain;
    tc->site = t->psite;
    for (unsigned i = 0; i < t->nchain; i++) {
        tc->exit[i].target = t->chain[i].target;
        tc->exit[i].across = t->chain[i].across;
        tc->exit[i].lookup = t->chain[i].across ? dst + label_pos(&t->L, t->chain[i].lookup, hot_len)
                                                : NULL;
        tc->exit[i].rel = dst + (t->chain[i].buf == 0 ? 0 : hot_len) + t->chain[i].off;
    }
    *out = tc;
    if (j->dump)
        dump_translation(j, b, dst, hot_len + cold_len);
    if (j->prof) {
        j->prof->hot_bytes += hot_len;
        j->prof->cold_bytes += cold_len;
        for (unsigned i = 0; i < JB_PARTS; i++)
            j->prof->part_bytes[i] += t->part[i];
        if (t->runs) {
            struct jit_prof_tx *x = &j->prof->tx[j->prof->ntx++];
            x->bytes = (uint32_t)(need);
            x->ninsn = b->ninsn;
            x->pa = b->pa;
        }
    }
    j->stats.blocks_translated++;
    tr_count(t, &j->stats.native_insns, &j->stats.callout_insns);
    for (unsigned k = 0; k < b->ninsn; k++)
        j->stats.inner_loops += t->back[k] >= 0;
    return JIT_TRANSLATED;
}

uint32_t jit_unmet(const struct cpu *c)
{
    uint32_t u = (0xFu & ~(1u << c->cpl)) << JIT_UNMET_CPL;
    if (!c->stack32)
        u |= 1u << JIT_UNMET_STACK;
    for (unsigned s = 0; s < S_COUNT; s++)
        if (!tr_seg_flat(&c->seg[s]))
            u |= 1u << (JIT_UNMET_FLAT + s);
    if (c->seg[S_CS].limit != 0xFFFFFFFFu || (c->seg[S_CS].base & 0xFFFu))
        u |= 1u << (JIT_UNMET_FLAT + JIT_FLAT_CS4G);
    return u;
}

void jit_note_unmet(struct cpu *c)
{
    c->eng.unmet = jit_unmet(c);
}

void jit_jc_note(struct jit *j, const struct jit_code *tc, uint32_t la)
{
    if (!tc->host)
        return;
    struct jit_jc *e = &j->jc[jit_jc_index(la)];
    if (!tc->chain_entry) {
        /* (A two-page translation: a translation the same bytes had
         * before, one that ends at the page's end, goes from the slot so
         * that lookups come back to C and the engine enters this one.) */
        if (e->host == tc->host)
            e->host = NULL;
        return;
    }
    if (e->host == tc->host && e->entry == tc->chain_entry)
        return;
    e->host = tc->host;
    e->entry = tc->chain_entry;
    e->regs = tc->chain_regs;
    e->need = jit_jc_need(tc->cpl, tc->flat, tc->stack32, tc->cached);
    j->stats.jc_fills++;
}

/* jit_link's way into `to`'s chain_regs from a predecessor that keeps
 * the entry conditions but does not cache some register `to` does (its
 * exit wrote every dirty one back, so struct cpu holds them): the loads of
 * just those (`missing`) and a jmp to `entry`, written at `at` (buf holds
 * the bytes).  Each guest register has one host register in every
 * translation (tr.h GUEST_HOST_REGS; ESP and EBP share rbp, and a
 * predecessor whose rbp holds the other one does not cache this one), so
 * the others are where `to` wants them.  Loading before chain_regs's own
 * checks is harmless: a check that fails goes back to C, which reads no
 * host register.  sort's partition loop is four translations whose links
 * differ in one or two registers (bench/README.md, session 14): the full
 * entry loaded all of them again, the loop's counters through memory. */
#define LINK_STUB_MAX 64
static size_t link_stub(uint8_t *buf, uint8_t missing, const uint8_t *at, const uint8_t *entry)
{
    static const uint8_t host[8] = GUEST_HOST_REGS;
    struct xbuf b = { buf, buf, buf + LINK_STUB_MAX, false, 0 };
    for (unsigned r = 0; r < 8; r++)
        if (missing & (1u << r))
            x_load(&b, 4, host[r], cpu_rm(GPR_OFF(r)));
    xb(&b, 0xE9);
    size_t len = (size_t)(b.p - buf) + 4;
    x32(&b, (uint32_t)(int32_t)(entry - (at + len)));
    return b.overflow ? 0 : len; /* (seven loads and the jmp fit: 7 * 7 + 5) */
}

/* Where `from`'s exits to `target` go for `to`'s chain_regs entry `entry`
 * when `to` caches registers that `from` does not: a stub (link_stub) in
 * the arena, the one an exit already jumps to if it is that stub, else a
 * new one (the run loop comes here again whenever a chained entry's check
 * sent the jump back to C); NULL when the arena has no room (then the
 * full entry). */
static const uint8_t *link_stub_for(struct jit *j, const struct jit_code *from, unsigned target,
                                    uint8_t missing, const uint8_t *entry)
{
    uint8_t buf[LINK_STUB_MAX];
    for (unsigned i = 0; i < from->nexits; i++) {
        if (from->exit[i].target != (int32_t)target || from->exit[i].across)
            continue;
        const uint8_t *rel = from->exit[i].rel;
        int32_t now;
        memcpy(&now, rel, 4);
        const uint8_t *dest = rel + 4 + now;
        if (dest < j->arena + j->stubs || dest + LINK_STUB_MAX > j->arena + j->used)
            continue;
        size_t len = link_stub(buf, missing, dest, entry);
        if (len && memcmp(buf, dest, len) == 0)
            return dest;
    }
    const size_t need = (LINK_STUB_MAX + 15) & ~(size_t)15;
    if (j->used + need > j->size)
        return NULL;
    uint8_t *at = j->arena + j->used;
    size_t len = link_stub(buf, missing, at, entry);
    if (!len)
        return NULL;
    memcpy(at, buf, len);
    j->used += need;
    return at;
}

const uint8_t *jit_link_entry(const struct jit_code *from, const struct jit_code *to,
                              uint8_t *missing)
{
    /* The entry conditions hold when `from` ends if they held when it
     * began and it called no handler (jit.h). */
    bool kept = !from->calls && from->cpl == to->cpl && (from->stack32 || !to->stack32) &&
                (to->flat & ~from->flat) == 0;
    int level = !kept ? 0 : (to->cached & ~from->cached) ? 1 : 2;
    /* The same map and stamp: `to` is live while `from` is (jit.h). */
    bool same = from->stamp_at == to->stamp_at && from->stamp == to->stamp;
    *missing = level == 1 ? (uint8_t)(to->cached & ~from->cached) : 0;
    if (level == 1) /* (chain_regs after the loads of the missing ones) */
        level = 2;
    return same ? to->chain_same[level] : level == 0 ? to->chain_entry : to->chain_regs;
}

uint8_t *jit_arena_take(struct jit *j, size_t bytes)
{
    const size_t need = (bytes + 15) & ~(size_t)15;
    if (j->used + need > j->size)
        return NULL;
    uint8_t *at = j->arena + j->used;
    j->used += need;
    return at;
}

bool jit_arena_holds(const struct jit *j, const uint8_t *p, size_t bytes)
{
    return p >= j->arena + j->stubs && p + bytes <= j->arena + j->used;
}

bool jit_link(struct jit *j, struct jit_code *from, unsigned target, const struct jit_code *to)
{
    if (!to->chain_entry)
        return false;
    uint8_t missing;
    const uint8_t *entry = jit_link_entry(from, to, &missing);
    if (missing) {
        const uint8_t *stub = link_stub_for(j, from, target, missing, entry);
        /* (no room for one: the entry that loads every register) */
        bool same = from->stamp_at == to->stamp_at && from->stamp == to->stamp;
        entry = stub ? stub : same ? to->chain_same[1] : to->chain_fast;
    }
    bool patched = false;
    /* Every exit to that offset (a side exit and the block's end may
     * share a target). */
    for (unsigned i = 0; i < from->nexits; i++) {
        if (from->exit[i].target != (int32_t)target || from->exit[i].across)
            continue;
        uint8_t *rel = from->exit[i].rel;
        int32_t d = (int32_t)(entry - (rel + 4));
        int32_t now;
        memcpy(&now, rel, 4);
        if (now == d)
            continue;
        /* One thread runs and patches its translations: a plain store. */
        memcpy(rel, &d, 4);
        patched = true;
    }
    return patched;
}

/* --- helpers called from generated code ----------------------------------- */

/* packed: segment (bits 0-3), size in bytes (4-11), JM_* kind (12-). */
static void unpack(uint32_t packed, unsigned *s, unsigned *size, unsigned *kind)
{
    *s = packed & 0xF;
    *size = (packed >> 4) & 0xFF;
    *kind = packed >> 12;
}

/* The slow path of a memory operand at offset `off`: the segment and page
 * checks the interpreter makes (raising its faults), the data for a read.
 * Returns the scratch copy the operation then works on. */
void *jit_mem_slow(struct cpu *c, uint32_t off, uint32_t packed);
void *jit_mem_slow(struct cpu *c, uint32_t off, uint32_t packed)
{
    unsigned s, size, kind;
    unpack(packed, &s, &size, &kind);
    c->eng.mem_slow++;
    uint8_t *buf = c->eng.scratch;
    if (kind & JM_READ)
        mmu_read_bytes(c, seg_linear(c, (int)s, off, size, SEG_READ), buf, size);
    if (kind & JM_WRITE) {
        uint32_t la = seg_linear(c, (int)s, off, size, SEG_WRITE);
        mmu_probe(c, la, size, MMU_WRITE);
    }
    return buf;
}

/* What a memory operand's slow path forgets after a call to C, which may
 * have changed the TLB: every kept address (cpu.eng.site: the loop's and
 * the shared probes', all the translation's own; the others' are filled
 * again at their entry) and every kept page (eng.page_la = -1). */
static void jit_forget(struct cpu *c)
{
    memset(c->eng.site, 0, sizeof(c->eng.site));
    memset(c->eng.page_la, 0xFF, sizeof(c->eng.page_la));
}

/* tr_stubs.c STUB_MEM_SLOW: jit_mem_slow for the instruction at offset
 * `at` of the translation, the state a fault there sees in struct cpu
 * (its EIP and ESP, cpu.icount counting the instructions before it:
 * packed's bits 16-23, signed, of them not yet added). */
void *jit_mem_slow_at(struct cpu *c, uint32_t off, uint32_t packed, uint32_t at);
void *jit_mem_slow_at(struct cpu *c, uint32_t off, uint32_t packed, uint32_t at)
{
    int64_t n = (int8_t)(packed >> 16);
    c->insn_eip = c->eng.eip0 + at;
    c->insn_esp = c->gpr[R_ESP];
    c->eng.off = off;
    c->icount += n;
    void *buf = jit_mem_slow(c, off, packed & 0xFFFFu);
    c->icount -= n;
    jit_forget(c);
    return buf;
}

/* Writes the scratch copy back (after jit_mem_slow checked the write). */
void jit_mem_commit(struct cpu *c, uint32_t off, uint32_t packed);
void jit_mem_commit(struct cpu *c, uint32_t off, uint32_t packed)
{
    unsigned s, size, kind;
    unpack(packed, &s, &size, &kind);
    mmu_write_bytes(c, seg_linear(c, (int)s, off, size, SEG_WRITE), c->eng.scratch, size);
}

/* tr_stubs.c STUB_MEM_COMMIT: jit_mem_commit with cpu.icount as the
 * interpreter has it during the instruction (a device may read guest
 * time); nonzero when an event is pending since. */
uint64_t jit_mem_commit_at(struct cpu *c, uint32_t off, uint32_t packed);
uint64_t jit_mem_commit_at(struct cpu *c, uint32_t off, uint32_t packed)
{
    int64_t n = (int8_t)(packed >> 16);
    c->icount += n;
    jit_mem_commit(c, off, packed & 0xFFFFu);
    c->icount -= n;
    jit_forget(c);
    return cpu_async_changed(c, c->eng.calm);
}

/* tr_stubs.c STUB_CALL: the interpreter's handler of `in`, the
 * instruction at offset `at` of the translation, with the state a fault
 * there sees and EIP as run_block sets it before a handler; the low byte
 * of `packed`, signed, is the instructions before it not yet in
 * cpu.icount, the rest, signed, the next instruction's offset less its
 * own.  Returns nonzero unless EIP is then that next instruction's and
 * nothing is pending: the translation leaves after it. */
uint64_t jit_call_handler(struct cpu *c, const struct insn *in, uint32_t packed, uint32_t at);
uint64_t jit_call_handler(struct cpu *c, const struct insn *in, uint32_t packed, uint32_t at)
{
    uint32_t here = c->eng.eip0 + at;
    c->insn_eip = here;
    c->insn_esp = c->gpr[R_ESP];
    c->eip = here + in->len;
    c->icount += (int64_t)(int8_t)packed;
    in->fn(c, in);
    c->icount += 1;
    jit_forget(c);
    return (c->eip != here + (uint32_t)((int32_t)packed >> 8)) |
           cpu_async_changed(c, c->eng.calm);
}

/* An exception a native instruction detected itself (DIV's #DE), with
 * the state a fault at that instruction sees already in struct cpu. */
_Noreturn void jit_raise(struct cpu *c, unsigned vector)
{
    cpu_fault(c, (int)vector, 0);
}
