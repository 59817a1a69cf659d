/* Scan-before-execute: attribute maps, the scanner and the write rule; see
 * sbe.h.  The scanner reads guest physical memory directly: a map is about
 * bytes, whatever linear addresses they are executed at. */
#include "sbe/sbe.h"

#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "vm/hostmem.h"
#include "vm/physmem.h"

#define SBE_HASH_BITS 12
#define SBE_HASH_SIZE (1u << SBE_HASH_BITS)
#define SBE_WORKLIST 512
/* The most instructions one straight-line path scans before it stops and
 * leaves the rest to lazy scanning: zero-filled or data bytes after code
 * would otherwise be decoded to the end of the page on every rescan. */
#define SBE_PATH_MAX 128

#define SBE_MAX_CPUS 8

/* The decoded-instruction cache (sbe_decode): the scanner decodes every
 * instruction of a path, and the code cache decodes the same bytes again
 * for each block that contains them (a block per entry point: blocks
 * overlap).  An entry is the decode of the instruction at one offset of
 * one map, valid while that map lives: its stamp, which the write rule
 * changes when a store touches a scanned instruction (and no decode is
 * kept for a path the scanner did not mark scanned), names the bytes. */
#define SBE_DCACHE_BITS 13
struct sbe_dentry {
    uint32_t stamp;                /* the map's; 0: empty (stamps are not) */
    uint16_t off;
    struct insn in;
};

struct sbe {
    struct physmem *mem;
    struct cpu *cpu[SBE_MAX_CPUS]; /* whose TLBs and code epochs hear of
                                      new code pages and discarded maps */
    unsigned ncpus;
    struct sbe_config cfg;
    struct decoder *dec;
    struct sbe_map *bucket[SBE_HASH_SIZE];
    struct sbe_map *free_maps;     /* discarded maps, for reuse */
    unsigned nmaps;                /* live + free: the memory bound */
    uint32_t next_stamp;
    uint8_t *watched;              /* bitmap over physical pages */
    uint16_t *watch_count;         /* maps (and pins) per watched page */
    void (*watch_hook)(void *opaque, uint32_t ppn);
    void *watch_opaque;
    struct sbe_stats stats;
    struct sbe_dentry *dcache;     /* 1 << SBE_DCACHE_BITS entries */
};

static inline unsigned hash_ppn(uint32_t ppn)
{
    return (ppn * 2654435761u) >> (32 - SBE_HASH_BITS);
}

struct sbe *sbe_create(struct physmem *mem, struct cpu *c, const struct sbe_config *cfg)
{
    struct sbe *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->mem = mem;
    s->cpu[0] = c;
    s->ncpus = 1;
    s->cfg = *cfg;
    if (!s->cfg.max_depth)
        s->cfg.max_depth = SBE_DEFAULT_DEPTH;
    else if (s->cfg.max_depth == SBE_DEPTH_NONE)
        s->cfg.max_depth = 0;
    if (!s->cfg.max_maps)
        s->cfg.max_maps = SBE_DEFAULT_MAX_MAPS;
    s->dec = decoder_create();
    s->watched = calloc(PHYS_PAGES / 8, 1);
    s->watch_count = calloc(PHYS_PAGES, sizeof(uint16_t));
    s->dcache = calloc(1u << SBE_DCACHE_BITS, sizeof(*s->dcache));
    if (!s->dec || !s->watched || !s->watch_count || !s->dcache) {
        sbe_destroy(s);
        return NULL;
    }
    return s;
}

static void free_chain(struct sbe_map *m)
{
    while (m) {
        struct sbe_map *n = m->hnext;
        free(m);
        m = n;
    }
}

void sbe_destroy(struct sbe *s)
{
    if (!s)
        return;
    for (unsigned b = 0; b < SBE_HASH_SIZE; b++)
        free_chain(s->bucket[b]);
    free_chain(s->free_maps);
    decoder_destroy(s->dec);
    free(s->watched);
    free(s->watch_count);
    free(s->dcache);
    free(s);
}

int sbe_add_cpu(struct sbe *s, struct cpu *c)
{
    if (s->ncpus >= SBE_MAX_CPUS)
        return -1;
    s->cpu[s->ncpus++] = c;
    return 0;
}

const struct decoder *sbe_decoder(const struct sbe *s)
{
    return s->dec;
}

const struct sbe_stats *sbe_stats(const struct sbe *s)
{
    return &s->stats;
}

unsigned sbe_map_count(const struct sbe *s)
{
    return s->nmaps;
}

const uint8_t *sbe_watched_bitmap(const struct sbe *s)
{
    return s->watched;
}

bool sbe_page_watched(const struct sbe *s, uint32_t ppn)
{
    return (__atomic_load_n(&s->watched[ppn >> 3], __ATOMIC_RELAXED) >> (ppn & 7)) & 1;
}

static void watch(struct sbe *s, uint32_t ppn, int delta)
{
    bool was = sbe_page_watched(s, ppn);
    s->watch_count[ppn] = (uint16_t)(s->watch_count[ppn] + delta);
    /* Atomic: CPUs on other host threads read the bitmap unlocked when
     * they fill their TLBs (mmu.c tlb_fill). */
    if (s->watch_count[ppn])
        __atomic_fetch_or(&s->watched[ppn >> 3], (uint8_t)(1u << (ppn & 7)), __ATOMIC_RELAXED);
    else
        __atomic_fetch_and(&s->watched[ppn >> 3], (uint8_t)~(1u << (ppn & 7)), __ATOMIC_RELAXED);
    /* Translations cached before the page held code let stores skip the
     * write rule: drop them (the CPU's TLB marks watched pages on fill). */
    if (!was && delta > 0) {
        if (s->watch_hook)
            s->watch_hook(s->watch_opaque, ppn);
        else
            for (unsigned i = 0; i < s->ncpus; i++)
                cpu_tlb_flush(s->cpu[i], true);
    }
}

void sbe_set_watch_hook(struct sbe *s, void (*fn)(void *opaque, uint32_t ppn), void *opaque)
{
    s->watch_hook = fn;
    s->watch_opaque = opaque;
}

void sbe_pin_page(struct sbe *s, uint32_t ppn, bool pin)
{
    watch(s, ppn, pin ? +1 : -1);
}

struct sbe_map *sbe_map_find(struct sbe *s, uint32_t ppn, bool code32)
{
    for (struct sbe_map *m = s->bucket[hash_ppn(ppn)]; m; m = m->hnext)
        if (m->ppn == ppn && m->code32 == code32)
            return m;
    return NULL;
}

/* Unlinks a map and puts it on the free list; its stamp dies with it, so
 * anything cached from it (blocks) sees the change. */
static void discard(struct sbe *s, struct sbe_map *m)
{
    struct sbe_map **pp = &s->bucket[hash_ppn(m->ppn)];
    while (*pp != m)
        pp = &(*pp)->hnext;
    *pp = m->hnext;
    watch(s, m->ppn, -1);
    /* Atomic: with several host threads, other CPUs' blocks read the
     * stamp (block_live) and their run loops the epoch, unlocked. */
    __atomic_store_n(&m->stamp, 0, __ATOMIC_RELAXED);
    for (unsigned i = 0; i < s->ncpus; i++) /* a block being run may come from it */
        __atomic_fetch_add(&s->cpu[i]->code_epoch, 1, __ATOMIC_RELAXED);
    m->hnext = s->free_maps;
    s->free_maps = m;
}

void sbe_flush(struct sbe *s)
{
    for (unsigned b = 0; b < SBE_HASH_SIZE; b++)
        while (s->bucket[b])
            discard(s, s->bucket[b]);
}

static struct sbe_map *map_create(struct sbe *s, uint32_t ppn, bool code32)
{
    struct sbe_map *m = s->free_maps;
    if (!m && s->nmaps >= s->cfg.max_maps) {
        /* The memory bound: start over (a guest cannot grow us past it). */
        sbe_flush(s);
        s->stats.evictions++;
        m = s->free_maps;
    }
    if (m) {
        s->free_maps = m->hnext;
    } else {
        m = malloc(sizeof(*m));
        if (!m)
            abort(); /* bounded by max_maps: out of memory here is fatal */
        s->nmaps++;
    }
    memset(m->attr, 0, sizeof(m->attr));
    m->ppn = ppn;
    m->code32 = code32;
    m->head = 0;
    if (++s->next_stamp == 0) {
        /* Stamps start over: no decode may outlive its map's. */
        s->next_stamp = 1;
        memset(s->dcache, 0, sizeof(*s->dcache) << SBE_DCACHE_BITS);
    }
    __atomic_store_n(&m->stamp, s->next_stamp, __ATOMIC_RELAXED);
    unsigned b = hash_ppn(ppn);
    m->hnext = s->bucket[b];
    s->bucket[b] = m;
    watch(s, ppn, +1);
    s->stats.pages_scanned++;
    return m;
}

unsigned sbe_page_bytes(struct sbe *s, uint32_t page_pa, unsigned off, uint8_t *buf)
{
    unsigned n = SBE_PAGE - off < CPU_MAX_INSN_LEN ? SBE_PAGE - off : CPU_MAX_INSN_LEN;
    const uint8_t *p = physmem_ptr(s->mem, page_pa + off, false);
    if (p) {
        hostmem_copy_code(buf, p, n); /* another CPU may be writing it */
    } else {
        for (unsigned k = 0; k < n; k++)
            buf[k] = (uint8_t)phys_read(s->mem, page_pa + off + k, 1);
    }
    return n;
}

enum decode_status sbe_decode(struct sbe *s, const struct sbe_map *m, unsigned off,
                              struct insn *out)
{
    uint32_t stamp = __atomic_load_n(&m->stamp, __ATOMIC_RELAXED);
    /* A page's offsets go to consecutive entries: a path's decodes share
     * cache lines and host pages. */
    struct sbe_dentry *d =
        &s->dcache[((stamp * 2654435761u >> 16) + off) & ((1u << SBE_DCACHE_BITS) - 1)];
    if (d->stamp == stamp && d->off == off) {
        *out = d->in;
        return DECODE_OK;
    }
    uint8_t buf[CPU_MAX_INSN_LEN];
    unsigned n = sbe_page_bytes(s, m->ppn << 12, off, buf);
    enum decode_status st = decode_insn(s->dec, m->code32, buf, n, out);
    if (st == DECODE_OK && stamp) {
        d->stamp = stamp;
        d->off = (uint16_t)off;
        d->in = *out;
    }
    return st;
}

enum decode_status sbe_decode_cross(struct sbe *s, const struct sbe_map *m, unsigned off,
                                    uint32_t next_pa, struct insn *out, struct sbe_map **m2)
{
    uint8_t buf[2 * CPU_MAX_INSN_LEN];
    unsigned n = sbe_page_bytes(s, m->ppn << 12, off, buf);
    n += sbe_page_bytes(s, next_pa & ~(SBE_PAGE - 1), 0, buf + n);
    uint32_t stamp = m->stamp;
    enum decode_status st =
        decode_insn(s->dec, m->code32, buf, n < CPU_MAX_INSN_LEN ? n : CPU_MAX_INSN_LEN, out);
    if (st != DECODE_OK || off + out->len <= SBE_PAGE)
        return st != DECODE_OK ? st : DECODE_MORE; /* (not reached: the scanner saw it cross) */
    unsigned tail = off + out->len - SBE_PAGE; /* its bytes in the next page */
    uint32_t ppn = next_pa >> 12;
    struct sbe_map *n2 = sbe_map_find(s, ppn, m->code32);
    if (!n2 || !(n2->attr[tail] & ATTR_SCANNED))
        n2 = sbe_scan(s, (ppn << 12) + tail, m->code32);
    if (__atomic_load_n(&m->stamp, __ATOMIC_RELAXED) != stamp)
        return DECODE_MORE;
    if (n2->head < tail)
        n2->head = (uint8_t)tail;
    *m2 = n2;
    return DECODE_OK;
}

struct work {
    uint16_t off;
    uint16_t depth;
};

/* Scans one straight-line path from `off`, pushing in-page static branch
 * targets on the worklist.  Terminals (seed 003): an already-scanned
 * instruction, an instruction that crosses the page, an unconditional
 * transfer, HLT, an undefined encoding, the end of the page (and a cap
 * on the path's length, SBE_PATH_MAX). */
static void scan_path(struct sbe *s, struct sbe_map *m, unsigned off, unsigned depth,
                      struct work *wl, unsigned *nwl)
{
    for (unsigned count = 0; count < SBE_PATH_MAX && off < SBE_PAGE &&
                             !(m->attr[off] & ATTR_SCANNED);
         count++) {
        struct insn in;
        enum decode_status st = sbe_decode(s, m, off, &in);
        s->stats.insns_scanned++;
        if (st == DECODE_MORE) {
            m->attr[off] = ATTR_SCANNED | ATTR_VIRT | ATTR_CROSS;
            return;
        }
        if (st != DECODE_OK) {
            /* #UD (or #GP) when executed: the monitor raises it.  The
             * verdict depends on every byte the decoder may have read, so
             * the entry claims all n of them: a write to any of them is a
             * write to scanned code (with length 1, a patch to the bytes
             * after the first could make a valid instruction out of
             * unscanned bytes, and a later patch to them would go unseen
             * by a block decoded from it). */
            unsigned n = SBE_PAGE - off < CPU_MAX_INSN_LEN ? SBE_PAGE - off : CPU_MAX_INSN_LEN;
            m->attr[off] = (uint8_t)(ATTR_SCANNED | ATTR_VIRT | n);
            return;
        }
        uint8_t a = ATTR_SCANNED | in.len | (in.virt != VIRT_NONE ? ATTR_VIRT : 0);
        unsigned next = off + in.len;
        bool ends = false;
        switch (in.flow) {
        case FLOW_JMP_REL:
        case FLOW_JCC:
        case FLOW_CALL_REL: {
            /* Target as a page offset; an out-of-page target is
             * virtualized (seed 003). */
            int64_t target = (int64_t)next + (int32_t)in.imm;
            if (target < 0 || target >= SBE_PAGE || next >= SBE_PAGE) {
                a |= ATTR_VIRT;
            } else if (depth < s->cfg.max_depth && *nwl < SBE_WORKLIST &&
                       !(m->attr[target] & ATTR_SCANNED)) {
                wl[(*nwl)++] = (struct work){ (uint16_t)target, (uint16_t)(depth + 1) };
            }
            ends = in.flow == FLOW_JMP_REL;
            break;
        }
        case FLOW_JMP_IND:
        case FLOW_CALL_IND:
        case FLOW_FAR:
        case FLOW_RET:
        case FLOW_IRET:
        case FLOW_HLT:
        case FLOW_UD:
            a |= ATTR_VIRT;
            /* An indirect call returns to the next instruction: scan on.
             * After HLT execution resumes only through an interrupt's
             * return, lazily scanned then. */
            ends = in.flow != FLOW_CALL_IND;
            break;
        default:
            break;
        }
        m->attr[off] = a;
        if (ends)
            return;
        off = next;
    }
}

struct sbe_map *sbe_scan(struct sbe *s, uint32_t pa, bool code32)
{
    uint32_t ppn = pa >> 12;
    struct sbe_map *m = sbe_map_find(s, ppn, code32);
    if (!m)
        m = map_create(s, ppn, code32);
    struct work wl[SBE_WORKLIST];
    unsigned nwl = 0;
    scan_path(s, m, pa & (SBE_PAGE - 1), 0, wl, &nwl);
    while (nwl) {
        struct work w = wl[--nwl];
        scan_path(s, m, w.off, w.depth, wl, &nwl);
    }
    return m;
}

/* Whether bytes [off, end) of a map's page hold part of a scanned
 * instruction: those starting in the range, and up to 14 bytes before it
 * whose length reaches into it (seed 003: "scan forward and backward"). */
static bool hits_scanned(const struct sbe_map *m, unsigned off, unsigned end)
{
    if (off < m->head)
        return true; /* an instruction that crosses into the page */
    unsigned from = off >= CPU_MAX_INSN_LEN - 1 ? off - (CPU_MAX_INSN_LEN - 1) : 0;
    for (unsigned o = from; o < end; o++) {
        uint8_t a = m->attr[o];
        if (!(a & ATTR_SCANNED))
            continue;
        unsigned len = (a & ATTR_CROSS) ? SBE_PAGE - o : (a & ATTR_LEN);
        if (o >= off || o + len > off)
            return true;
    }
    return false;
}

/* A write to the first bytes of a page can also hit an instruction that
 * starts at the end of the previous page and crosses into this one: it
 * reaches at most 15 - (bytes before the boundary) bytes in.  Its exact
 * length is not recorded, so the check is conservative. */
static bool hits_crosser(const struct sbe_map *prev, unsigned off)
{
    for (unsigned o = SBE_PAGE - (CPU_MAX_INSN_LEN - 1); o < SBE_PAGE; o++)
        if ((prev->attr[o] & ATTR_CROSS) && off < CPU_MAX_INSN_LEN - (SBE_PAGE - o))
            return true;
    return false;
}

static bool write_one_page(struct sbe *s, uint32_t ppn, unsigned off, unsigned end)
{
    bool discarded = false;
    for (int mode = 0; mode < 2; mode++) {
        struct sbe_map *m = sbe_map_find(s, ppn, mode);
        if (m && hits_scanned(m, off, end)) {
            discard(s, m);
            s->stats.maps_discarded++;
            discarded = true;
        }
        struct sbe_map *prev = off < CPU_MAX_INSN_LEN - 1 && ppn > 0
                                   ? sbe_map_find(s, ppn - 1, mode) : NULL;
        if (prev && hits_crosser(prev, off)) {
            discard(s, prev);
            s->stats.maps_discarded++;
            discarded = true;
        }
    }
    return discarded;
}

bool sbe_write(struct sbe *s, uint32_t pa, unsigned size)
{
    /* Page by page; counted once: a data write only if no part of it
     * discarded anything. */
    bool watched = false, discarded = false;
    while (size) {
        uint32_t ppn = pa >> 12;
        unsigned off = pa & (SBE_PAGE - 1);
        unsigned part = off + size > SBE_PAGE ? SBE_PAGE - off : size;
        if (sbe_page_watched(s, ppn) ||
            (off < CPU_MAX_INSN_LEN - 1 && ppn > 0 && sbe_page_watched(s, ppn - 1))) {
            watched = true;
            discarded |= write_one_page(s, ppn, off, off + part);
        }
        pa += part;
        size -= part;
    }
    if (watched && !discarded)
        s->stats.data_writes++;
    return discarded;
}
