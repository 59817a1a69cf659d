/* The code cache; see cache.h.  Blocks live in one arena: when it is full
 * the whole cache is flushed (QEMU's policy too), which keeps memory flat
 * whatever a guest does. */
#include "engine/cache.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cpu/cpu.h"
#include "engine/cache_home.h"
#include "engine/cache_loopx.h"
#include "engine/cache_offs.h"
#include "engine/cache_spec.h"
#include "jit/jit.h"

_Static_assert(BLOCK_MAX_INSNS <= JIT_MAX_INSNS, "the translator takes any block");

/* 2^17 buckets (1 MiB): the 32 MiB arena holds some 50-100 thousand
 * blocks, and every step along a chain is a block header that is rarely
 * in the host's cache.  With 2^14 a lookup walked 2.1 blocks on average
 * in the Linux guest's fork+exec loop (cache_get was 10% of its time),
 * with 2^16 and a hit moved to its chain's front 0.9 in the boot. */
#define CACHE_HASH_BITS 17
#define HUGE_PAGE ((size_t)2 << 20)
#define CACHE_HASH_SIZE (1u << CACHE_HASH_BITS)

struct code_cache {
    struct sbe *sbe;
    const struct cpu *cpu;         /* whose model says which opcodes exist */
    void (*on_flush)(void *opaque);
    void *on_flush_opaque;
    uint8_t *arena;
    size_t arena_size, arena_used;
    struct block *bucket[CACHE_HASH_SIZE];
    struct code_cache_stats stats;
    bool superblocks;              /* cache_set_superblocks */
};

static inline unsigned hash_pa(uint32_t pa, bool code32)
{
    return ((pa ^ (code32 ? 0x9E3779B9u : 0)) * 2654435761u) >> (32 - CACHE_HASH_BITS);
}

struct code_cache *cache_create(struct sbe *sbe, const struct cpu *cpu, size_t max_bytes)
{
    struct code_cache *cc = calloc(1, sizeof(*cc));
    if (!cc)
        return NULL;
    cc->sbe = sbe;
    cc->cpu = cpu;
    /* At least one block of the largest size: alloc_block flushes and
     * then places the block at the start, which must be room enough. */
    size_t min = (sizeof(struct block) + BLOCK_MAX_INSNS * (sizeof(struct insn) + 2) + 15) &
                 ~(size_t)15;
    if (max_bytes < min)
        max_bytes = min;
    cc->arena_size = max_bytes;
    /* In huge pages where it is large enough: its first touch is a page
     * fault per 4 KiB otherwise (jit/jit.c: the same for the translator's). */
    void *arena = NULL;
    if (posix_memalign(&arena, max_bytes >= HUGE_PAGE ? HUGE_PAGE : 64, max_bytes) != 0) {
        free(cc);
        return NULL;
    }
    cc->arena = arena;
#ifdef MADV_HUGEPAGE
    if (max_bytes >= HUGE_PAGE)
        madvise(arena, max_bytes & ~(size_t)(HUGE_PAGE - 1), MADV_HUGEPAGE);
#endif
    return cc;
}

void cache_destroy(struct code_cache *cc)
{
    if (!cc)
        return;
    free(cc->arena);
    free(cc);
}

void cache_flush(struct code_cache *cc)
{
    memset(cc->bucket, 0, sizeof(cc->bucket));
    cc->arena_used = 0;
    cc->stats.flushes++;
    if (cc->on_flush)
        cc->on_flush(cc->on_flush_opaque);
}

void cache_set_superblocks(struct code_cache *cc, bool on)
{
    if (cc->superblocks != on)
        cache_flush(cc);
    cc->superblocks = on;
}

/* Whether blocks of map m are superblocks: the translator engine's, and
 * 32-bit code only (16-bit EIP wraps at 64 KiB, and only 32-bit code is
 * translated). */
static bool superblocks_for(const struct code_cache *cc, const struct sbe_map *m)
{
    return cc->superblocks && m->code32;
}

/* Where block building goes on after instruction `in` at page offset
 * `off` (its first byte), as a superblock may, or -1.  After a
 * conditional branch that the decoder calls native, on the fall-through:
 * the taken way is a side exit, or, to an instruction already in the
 * block (`set`: the offsets of its instructions so far, `in` the
 * last), a back edge of an inner loop that the translator runs inside
 * the translation (jit/tr_block_end.c tr_back_edge).  After a native JMP
 * rel32 whose target is in the block's pages and not in the block, at
 * the target (a trace; a JMP back into the block ends it: the
 * translator's loop). */
static int continues_past(const struct code_cache *cc, const struct sbe_map *m,
                          const struct insn *in, uint8_t attr, unsigned off,
                          const struct offs_set *set, unsigned limit)
{
    /* `off` and `set` count from the start of the block's first page,
     * `limit` is where its pages end: 8 KiB for a block that may go on
     * into the next page (cache_get_next), where a JMP the scanner made
     * virtualize for its target outside its own page (in->virt is the
     * decoder's verdict: the map's ATTR_VIRT then says only that) may be
     * native, both pages' maps watching it.  The fall-through must lie
     * within them. */
    if (!superblocks_for(cc, m) || in->virt != VIRT_NONE)
        return -1;
    int64_t next = (int64_t)off + in->len, target = next + (int32_t)in->imm;
    if (next >= limit)
        return -1;
    bool inside = offs_has(set, target);
    if (in->flow == FLOW_JCC && op_table[in->op].tr == TR_JCC) {
        /* A back edge inside the block stays in its translation (an inner
         * loop; with x87 instructions, where the x87 stack at the branch
         * is as the head has it: jit/tr_x87.c x87_join_ok, else a chained
         * side exit).  A target ahead, or outside the block's pages
         * (which the scanner made the branch virtualize for), is a side
         * exit's: the latter through the jump cache or the run loop, to
         * a block scanned and live as any other (jit/translate.c
         * emit_exit).  lz's generator loop (bench/kernels.c) lies across
         * a page boundary, and its inner loop was two blocks cut at its
         * branch back into the first page, a chained jump each way per
         * byte (bench/README.md, session 13).  A backward branch out of
         * the block within its pages ends it: going on past those too
         * gave lz 10 % more host instructions (longer blocks, more guest
         * registers competing for the host's in them). */
        bool ahead = target > (int64_t)off, away = target < 0 || target >= limit;
        return ahead || away || inside ? (int)next : -1;
    }
    if ((attr & ATTR_VIRT) && limit == SBE_PAGE)
        return -1;
    if (target < 0 || target >= limit)
        return -1;
    if (in->flow != FLOW_JMP_REL || op_table[in->op].tr != TR_JMP || in->osize != 4 ||
        in->o[0].kind != OPK_REL)
        return -1;
    return inside ? -1 : (int)target;
}

/* gcc's rotated loop (bench/README.md, session 15): `jmp T; [padding]
 * H: body; T: test; jcc H`, where a trace from the JMP goes on at T and
 * ends at the branch back to H, which it skipped: the loop was then two
 * or more translations, chained each pass.  Where JMP rel32 instruction
 * `in` at offset `off` (from the first page's start; page map pm, whose
 * page starts at `base`) jumps forward to T in its own page, and the
 * first scanned instruction after it (H, at most 15 bytes of padding
 * on, never executed and so never scanned) starts a straight line that
 * reaches T exactly (scanned, native, no instruction of the block, with
 * only forward conditional branches, which the block goes on past) and
 * from T a straight line of at most eight instructions reaches a
 * conditional branch back to H: the block goes on at H instead of T,
 * in address order, so the loop is H..branch, an inner loop of the one
 * translation, and the JMP a forward jump inside it (jit/tr_rotated.c).
 * The interpreter leaves the block at the JMP (its EIP is not H's), as
 * at any superblock's JMP.  Returns H, or -1. */
/* The length of the instruction at block offset o (page map pm, from
 * `base`) when a rotated loop's line may hold it (rotated_head), else 0;
 * *back: it is a conditional branch to the loop's head h. */
static unsigned line_insn(const struct code_cache *cc, const struct sbe_map *pm, unsigned base,
                          unsigned o, unsigned h, const struct offs_set *set,
                          unsigned limit, bool *back)
{
    uint8_t a = pm->attr[o - base];
    if (!(a & ATTR_SCANNED) || (a & ATTR_CROSS))
        return 0;
    if (offs_has(set, o))
        return 0; /* (no instruction twice in a block) */
    struct insn d;
    if (sbe_decode(cc->sbe, pm, o - base, &d) != DECODE_OK || d.virt != VIRT_NONE ||
        op_table[d.op].level > cc->cpu->level || o + d.len >= base + SBE_PAGE)
        return 0;
    int64_t dest = (int64_t)o + d.len + (int32_t)d.imm;
    bool jcc = d.flow == FLOW_JCC && op_table[d.op].tr == TR_JCC;
    *back = jcc && dest == h && !(a & ATTR_VIRT);
    /* Else a conditional branch the block goes on past (continues_past:
     * ahead, outside its pages, or to one of its instructions); the
     * scanner made one out of this page virtualize. */
    bool away = dest < 0 || dest >= limit, inside = offs_has(set, dest);
    if ((d.flow == FLOW_SEQ && !(a & ATTR_VIRT)) || *back ||
        (jcc && (dest > o || away || inside) &&
         (!(a & ATTR_VIRT) || dest < base || dest >= base + SBE_PAGE)))
        return d.len;
    return 0;
}

static int rotated_head(const struct code_cache *cc, const struct sbe_map *pm, unsigned base,
                        const struct insn *in, unsigned off, int64_t target,
                        const struct offs_set *set, unsigned n, unsigned limit)
{
    unsigned end = off + in->len;
    if (in->flow != FLOW_JMP_REL || target <= (int64_t)end ||
        target >= (int64_t)base + SBE_PAGE || end < base)
        return -1;
    const unsigned t = (unsigned)target;
    unsigned h = end;
    while (h < t && h < end + 16 && !(pm->attr[h - base] & ATTR_SCANNED))
        h++;
    if (h >= t || h >= end + 16)
        return -1;
    /* The test first (eight instructions at most: cheap, and it rules
     * out most forward JMPs), then the body, which must end at T. */
    unsigned o = t, count = 0, len;
    bool back = false;
    while (!back) {
        if (++count > 8 || !(len = line_insn(cc, pm, base, o, h, set, limit, &back)))
            return -1;
        o += len;
    }
    const unsigned room = n + 8 < BLOCK_MAX_INSNS ? BLOCK_MAX_INSNS - n - 8 : 0;
    for (o = h; o < t; o += len) {
        if (++count > room || !(len = line_insn(cc, pm, base, o, h, set, limit, &back)))
            return -1;
    }
    return o == t ? (int)h : -1;
}

/* The number of instructions of the line at o, or 0. */
static unsigned excursion_line(const struct code_cache *cc, const struct sbe_map *m, unsigned o,
                               const struct offs_set *set)
{
    for (unsigned count = 1; count <= 8; count++) {
        if (o >= SBE_PAGE)
            return 0;
        uint8_t a = m->attr[o];
        struct insn d;
        if (!(a & ATTR_SCANNED) || (a & (ATTR_CROSS | ATTR_VIRT)) || offs_has(set, o) ||
            sbe_decode(cc->sbe, m, o, &d) != DECODE_OK || d.virt != VIRT_NONE ||
            op_table[d.op].level > cc->cpu->level || o + d.len >= SBE_PAGE)
            return 0;
        if (d.flow == FLOW_JCC && op_table[d.op].tr == TR_JCC)
            return offs_has(set, (int64_t)o + d.len + (int32_t)d.imm) ? count : 0;
        if (d.flow != FLOW_SEQ)
            return 0;
        o += d.len;
    }
    return 0;
}

/* Whether `in`, at `off` with attributes a, is a native JMP rel32 back
 * to an instruction of the block (continues_past's end of a trace). */
static bool jmp_back_inside(const struct code_cache *cc, const struct sbe_map *m,
                            const struct insn *in, uint8_t a, unsigned off,
                            const struct offs_set *set)
{
    return superblocks_for(cc, m) && in->virt == VIRT_NONE && !(a & ATTR_VIRT) &&
           in->flow == FLOW_JMP_REL && op_table[in->op].tr == TR_JMP && in->osize == 4 &&
           in->o[0].kind == OPK_REL &&
           offs_has(set, (int64_t)off + in->len + (int32_t)in->imm);
}

/* sort's partition loop (bench/README.md, session 16): a loop closed by
 * a JMP back into the block (the trace came back at one of its
 * instructions) whose side exit, Jcc k, goes ahead to X, where a straight
 * line of at most eight instructions ends with a Jcc back into the block
 * (`jae 0x100a88` out of the loop, then `jb 0x100a69` back into it).  The
 * block goes on at X after the JMP: the side exit becomes a jump ahead
 * inside the translation (tr_block_end.c tr_side_exit, which needs every
 * instruction after k to lie below X), the JMP a back edge
 * (translate.c find_back_edges) and the line's Jcc another, instead of
 * two transitions between translations per excursion.  Only in the
 * first page (m); the line scanned, of native instructions, none of the
 * block's.  The interpreter leaves at the JMP (its EIP is not X's), as
 * at any superblock's JMP.  Returns X, or -1. */
static int excursion(const struct code_cache *cc, const struct sbe_map *m,
                     const struct insn *tmp, const uint16_t *offs, unsigned n,
                     const struct offs_set *set)
{
    if (tmp[n - 1].flow != FLOW_JMP_REL && tmp[n - 1].flow != FLOW_JCC)
        return -1;
    for (unsigned k = 0; k + 1 < n; k++) {
        const struct insn *in = &tmp[k];
        if (in->flow != FLOW_JCC || op_table[in->op].tr != TR_JCC || in->virt != VIRT_NONE)
            continue;
        int64_t x = (int64_t)offs[k] + in->len + (int32_t)in->imm;
        if (x <= offs[k] || x >= SBE_PAGE || offs_has(set, x))
            continue;
        bool below = true;
        for (unsigned i = k + 1; i < n; i++)
            below &= offs[i] < x;
        unsigned len = below ? excursion_line(cc, m, (unsigned)x, set) : 0;
        if (len && n + len <= BLOCK_MAX_INSNS)
            return (int)x;
    }
    return -1;
}

void cache_on_flush(struct code_cache *cc, void (*fn)(void *opaque), void *opaque)
{
    cc->on_flush = fn;
    cc->on_flush_opaque = opaque;
}

const struct code_cache_stats *cache_stats(const struct code_cache *cc)
{
    return &cc->stats;
}

size_t cache_bytes_used(const struct code_cache *cc)
{
    return cc->arena_used;
}

size_t cache_bytes_max(const struct code_cache *cc)
{
    return cc->arena_size;
}

static void chain(struct code_cache *cc, struct block *from, struct block *to)
{
    if (from->succ != to && from->alt != to) {
        from->alt = from->succ;
        from->succ = to;
        cc->stats.chained++;
    }
}

static struct block *alloc_block(struct code_cache *cc, unsigned ninsn)
{
    size_t need = sizeof(struct block) + ninsn * sizeof(struct insn) + ninsn * sizeof(uint16_t);
    need = (need + 15) & ~(size_t)15;
    if (cc->arena_used + need > cc->arena_size)
        cache_flush(cc);
    struct block *b = (struct block *)(cc->arena + cc->arena_used);
    cc->arena_used += need;
    return b;
}

/* Whether block building may go on into the linear page after map m's
 * (at physical page address next). */
static bool may_cross(const struct code_cache *cc, const struct sbe_map *m, uint32_t next)
{
    return superblocks_for(cc, m) && next != CACHE_NO_NEXT;
}

/* Decodes the block starting at page offset `off` of map m; with a known
 * `next` (cache_get_next), on into that page where it reaches its end. */
static struct block *build(struct code_cache *cc, struct sbe_map *m, uint32_t pa, uint32_t next)
{
    struct insn tmp[BLOCK_MAX_INSNS];
    uint16_t offs[BLOCK_MAX_INSNS]; /* offset of each from the first page's start */
    struct offs_set set;            /* offs[0..n) as a set (cache_offs.h) */
    offs_clear(&set);
    unsigned n = 0, off = pa & (SBE_PAGE - 1);
    const unsigned start = off;
    const unsigned limit = may_cross(cc, m, next) ? 2 * SBE_PAGE : SBE_PAGE;
    /* Whether a block that stops at its page's end may grow once the next
     * page is known (block_next_ok): the superblocks' 32-bit code. */
    const bool may_grow = limit == SBE_PAGE && superblocks_for(cc, m);
    uint32_t page = pa & ~(SBE_PAGE - 1);
    struct sbe_map *m2 = NULL;    /* the next page's, once an instruction is there */
    const uint32_t stamp = m->stamp;
    bool cut = false, excursed = false, loopx = false;
    unsigned nrun = 0; /* (struct block nrun; 0: n) */
    /* Past a loop's other back edge (cache_spec.c).  A block takes an
     * excursion or goes on past such a Jcc, not both: the cut-back below
     * could otherwise cut into an excursion (nrun). */
    unsigned spec[SPEC_MAX], nspec = 0;
    struct home home = {0, 0}; /* (cache_home.c; a block takes it alone) */
    while (n < BLOCK_MAX_INSNS && off < limit) {
        struct sbe_map *pm = m;
        unsigned po = off;
        if (off >= SBE_PAGE) {
            po = off - SBE_PAGE;
            pm = m2 ? m2 : sbe_map_find(cc->sbe, next >> 12, true);
            if (!pm || !(pm->attr[po] & ATTR_SCANNED))
                pm = sbe_scan(cc->sbe, next + po, true);
            /* Creating its map may have evicted every map (the memory
             * bound), m too, which may even have become the new one: the
             * block then ends before this page, and is dead (`stamp`). */
            if (m->stamp != stamp || (m2 && pm != m2))
                break;
            m2 = pm;
        }
        uint8_t a = pm->attr[po];
        if (!(a & ATTR_SCANNED)) {
            /* Lazy scanning continues where the path left off. */
            sbe_scan(cc->sbe, (off >= SBE_PAGE ? next : page) + po, m->code32);
            a = pm->attr[po];
        }
        enum decode_status st;
        if (a & ATTR_CROSS) {
            /* An instruction that crosses into the next page: decoded from
             * both, watched by both maps (sbe_decode_cross). */
            cut = may_grow;
            if (limit == SBE_PAGE || off >= SBE_PAGE || m2)
                break;
            st = sbe_decode_cross(cc->sbe, m, po, next, &tmp[n], &m2);
            a = (uint8_t)(ATTR_SCANNED | (tmp[n].virt != VIRT_NONE ? ATTR_VIRT : 0));
        } else {
            st = sbe_decode(cc->sbe, pm, po, &tmp[n]);
        }
        if (st != DECODE_OK || op_table[tmp[n].op].level > cc->cpu->level)
            break; /* the slow path raises the #UD/#GP */
        offs[n] = (uint16_t)off;
        offs_add(&set, off);
        struct insn *in = &tmp[n++];
        int go_on = continues_past(cc, m, in, a, off, &set, limit);
        if (go_on < 0 && !excursed && nspec < SPEC_MAX && superblocks_for(cc, m) &&
            spec_may_pass(in, n - 1, off, (int64_t)off + in->len + (int32_t)in->imm, start, limit)) {
            spec[nspec++] = n - 1;
            go_on = (int)(off + in->len);
        }
        if (go_on < 0 && in->flow == FLOW_JCC && (!excursed || home.first) && !nspec &&
            !(a & (ATTR_VIRT | ATTR_CROSS)) && superblocks_for(cc, m)) {
            /* A branch back out of the block on the loop's way home. */
            go_on = home_at(&home, cc->sbe, m, cc->cpu->level, tmp, offs, &set, n);
            excursed |= go_on >= 0;
        }
        if (go_on >= 0 && in->flow == FLOW_JMP_REL && !(a & ATTR_CROSS)) {
            int h = rotated_head(cc, pm, off - po, in, off, go_on, &set, n, limit);
            if (h >= 0) {
                go_on = h;
                cc->stats.rotated++;
            }
        }
        if (go_on < 0 && !excursed && !nspec && !(a & ATTR_CROSS) &&
            jmp_back_inside(cc, m, in, a, off, &set)) {
            go_on = excursion(cc, m, tmp, offs, n, &set);
            excursed = go_on >= 0; /* (once: the line's Jcc ends the next) */
            nrun = excursed ? n : 0;
        }
        if (go_on >= 0 && !excursed && !nspec && in->flow == FLOW_JCC &&
            !(a & (ATTR_VIRT | ATTR_CROSS)) && superblocks_for(cc, m)) {
            /* The Jcc closing a loop: on at its other path (cache_loopx.c). */
            int x = loopx_at(cc->sbe, m, tmp, offs, &set, n);
            if (x >= 0) {
                go_on = x;
                excursed = loopx = true;
                nrun = n;
            }
        }
        if (((a & ATTR_VIRT) || in->flow != FLOW_SEQ) && go_on < 0)
            break;
        off = go_on >= 0 ? (unsigned)go_on : off + in->len;
        /* Back at an instruction of the block (after a trace): it ends
         * here, and goes on at that instruction's own block. */
        bool again = offs_has(&set, off);
        if (again && !excursed && !nspec && in->flow == FLOW_JCC &&
            !(a & (ATTR_VIRT | ATTR_CROSS))) {
            /* (A Jcc that falls back into the block: the same, its
             * not-taken way the back edge, jit/tr_excursion.c.) */
            int x = excursion(cc, m, tmp, offs, n, &set);
            if (x >= 0) {
                excursed = true;
                nrun = n;
                again = false;
                off = (unsigned)x;
            }
        }
        if (again)
            break;
        /* Where the page ends with nowhere known to go on (a longer block
         * is built once there is: block_next_ok). */
        cut = off >= SBE_PAGE && may_grow;
    }
    /* (m discarded meanwhile: no block from it; the slow path goes on) */
    if (n == 0 || m->stamp != stamp)
        return NULL;
    unsigned keep = home.first ? home_keep(&home, tmp, offs, n, &nrun)
                    : loopx    ? loopx_keep(tmp, offs, n, nrun)
                               : spec_keep(tmp, offs, n, spec, nspec);
    cc->stats.loopx_kept += loopx && keep == n;
    cc->stats.home_kept += home.first && keep == n;
    cc->stats.spec_kept += nspec > 0 && keep > spec[0] + 1;
    if (keep < n) {
        /* Cut after a branch that went on in vain: it ends the block. */
        n = keep;
        cut = false;
    }
    /* The bytes around the first instruction that the block's span (a
     * trace may jump back below it): the entries' CS limit check. */
    unsigned bytes = 0, below = 0;
    for (unsigned i = 0; i < n; i++) {
        if (offs[i] + tmp[i].len > start && offs[i] + tmp[i].len - start > bytes)
            bytes = offs[i] + tmp[i].len - start;
        if (offs[i] < start && start - offs[i] > below)
            below = start - offs[i];
    }
    if (!nrun)
        nrun = n;
    bool two = false;
    for (unsigned i = 0; i < n; i++)
        two |= offs[i] + tmp[i].len > SBE_PAGE;
    struct block *b = alloc_block(cc, n);
    b->pa = pa;
    b->code32 = m->code32;
    b->ninsn = (uint16_t)n;
    b->nrun = (uint16_t)nrun;
    b->bytes = (uint16_t)bytes;
    b->below = (uint16_t)below;
    b->map = m;
    b->stamp = stamp;
    b->map2 = two ? m2 : NULL;
    b->stamp2 = two ? m2->stamp : 0;
    b->pa2 = two ? next : 0;
    b->cut = cut && n < BLOCK_MAX_INSNS;
    b->succ = b->alt = NULL;
    b->jit = NULL;
    b->heat = 0;
    b->bails = 0;
    memcpy(b->insn, tmp, n * sizeof(struct insn));
    uint16_t *boffs = (uint16_t *)&b->insn[n];
    memcpy(boffs, offs, n * sizeof(uint16_t));
    b->offs = boffs;
    unsigned h = hash_pa(pa, m->code32);
    b->hnext = cc->bucket[h];
    cc->bucket[h] = b;
    m->attr[pa & (SBE_PAGE - 1)] |= ATTR_BLOCK;
    cc->stats.blocks_built++;
    cc->stats.two_pages += two;
    return b;
}

struct block *cache_get_next(struct code_cache *cc, uint32_t pa, bool code32, uint32_t next)
{
    unsigned h = hash_pa(pa, code32);
    for (struct block **pp = &cc->bucket[h]; *pp;) {
        struct block *b = *pp;
        if (b->pa != pa || b->code32 != code32) {
            pp = &b->hnext;
            continue;
        }
        if (!block_live(b)) {
            *pp = b->hnext; /* dead: unlink (its arena space returns at flush) */
            continue;
        }
        if (!block_next_ok(b, next)) {
            /* Built for another next page (or none): one for this one is
             * built, and found first from now on. */
            pp = &b->hnext;
            continue;
        }
        cc->stats.hits++;
        if (pp != &cc->bucket[h]) {
            /* To the front: the next lookup of a hot block is one step. */
            *pp = b->hnext;
            b->hnext = cc->bucket[h];
            cc->bucket[h] = b;
        }
        return b;
    }
    cc->stats.misses++;
    struct sbe_map *m = sbe_map_find(cc->sbe, pa >> 12, code32);
    if (!m || !(m->attr[pa & (SBE_PAGE - 1)] & ATTR_SCANNED))
        m = sbe_scan(cc->sbe, pa, code32);
    if ((m->attr[pa & (SBE_PAGE - 1)] & ATTR_CROSS) && !may_cross(cc, m, next))
        return NULL;
    return build(cc, m, pa, next);
}

struct block *cache_get(struct code_cache *cc, uint32_t pa, bool code32)
{
    return cache_get_next(cc, pa, code32, CACHE_NO_NEXT);
}

struct block *cache_get_after(struct code_cache *cc, struct block **from, uint32_t pa,
                              bool code32, uint32_t next)
{
    uint64_t flushes = cc->stats.flushes;
    struct block *b = cache_get_next(cc, pa, code32, next);
    if (cc->stats.flushes != flushes)
        *from = NULL; /* its memory was reused, possibly by b itself */
    else if (b && *from)
        chain(cc, *from, b);
    return b;
}
