/* Scan-before-execute (seed 003; DESIGN.md section 3).
 *
 * Each guest code page gets an attribute map: one byte per offset,
 *
 *     7 6 5 4 3 2 1 0
 *     | | | | +-+-+-+-- instruction length 1..15 (0 if it crosses the page;
 *     | | | |            for bytes that do not decode, all the bytes the
 *     | | | |            decoder was given, up to 15 or the page end)
 *     | | | +---------- ours: the instruction crosses into the next page
 *     | | +------------ ours: a decoded block starts here (code cache)
 *     | +-------------- 0 = native, 1 = virtualize
 *     +---------------- 1 = scanned
 *
 * Maps are keyed by guest physical page and code size (16/32-bit decode),
 * so they survive CR3 switches and are shared by every alias of the page.
 * A write that touches a scanned instruction discards the page's maps and
 * every block built from them; a write to unscanned bytes is data.
 */
#ifndef PLEX86_SBE_SBE_H
#define PLEX86_SBE_SBE_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/insn.h"

struct cpu;
struct physmem;

enum {
    ATTR_LEN = 0x0F,
    ATTR_CROSS = 0x10,   /* bit 4 (ours): crosses into the next page */
    ATTR_BLOCK = 0x20,   /* bit 5 (ours): a cached block starts here */
    ATTR_VIRT = 0x40,
    ATTR_SCANNED = 0x80,
};

#define SBE_PAGE 4096u
#define SBE_DEFAULT_DEPTH 8         /* measured: docs/sbe.md */
#define SBE_DEPTH_NONE 0xFFFFFFFFu    /* config value meaning depth 0 */
#define SBE_DEFAULT_MAX_MAPS 4096      /* 16 MiB of attribute bytes */

/* One map: the attributes of a physical page decoded in one mode. */
struct sbe_map {
    uint32_t ppn;          /* physical page number */
    uint8_t code32;        /* decode mode */
    uint8_t head;          /* bytes at the page's start that belong to an
                              instruction starting in the linear page
                              before it, which a block decoded
                              (sbe_decode_cross): a write there discards
                              the map as one to a scanned instruction */
    uint32_t stamp;        /* changes when the map is discarded and rebuilt */
    struct sbe_map *hnext; /* hash chain */
    uint8_t attr[SBE_PAGE];
};

/* Counters (the accounting issue exports them). */
struct sbe_stats {
    uint64_t pages_scanned;      /* maps created */
    uint64_t insns_scanned;
    uint64_t maps_discarded;     /* by writes to scanned instructions */
    uint64_t data_writes;        /* writes to code pages that hit nothing */
    uint64_t evictions;          /* whole-cache flushes for the memory bound */
};

struct sbe_config {
    unsigned max_depth;          /* recursive-descent depth (-sbe-depth) */
    unsigned max_maps;           /* memory bound */
};

struct sbe;

/* A scanner over guest RAM mem for CPU c (whose TLB and code epoch learn
 * of new code pages and discarded maps). */
struct sbe *sbe_create(struct physmem *mem, struct cpu *c, const struct sbe_config *cfg);
/* Another CPU executing from the same memory (-smp): it hears of new code
 * pages and discarded maps too.  -1 beyond 8 CPUs. */
int sbe_add_cpu(struct sbe *s, struct cpu *c);
void sbe_destroy(struct sbe *s);

/* The map of a physical page in a mode, or NULL if it has none. */
struct sbe_map *sbe_map_find(struct sbe *s, uint32_t ppn, bool code32);

/* Scans from physical address `pa` (lazily: the instruction there, then
 * recursive descent over in-page static branch targets up to the maximum
 * depth) and returns the page's map.  Never fails: a full cache is
 * flushed first. */
struct sbe_map *sbe_scan(struct sbe *s, uint32_t pa, bool code32);

/* A guest write of `size` bytes at physical `pa` (CPU store, device DMA,
 * loader).  Applies seed 003's rule.  Returns true if a map was discarded. */
bool sbe_write(struct sbe *s, uint32_t pa, unsigned size);

/* Several host threads (-accel tcg,thread=multi, docs/smp.md): a page
 * that becomes watched must lose its writable translations on every CPU
 * before code there runs, and another thread's TLB is not ours to touch.
 * With a hook set, the scanner calls it for such a page instead of
 * flushing every CPU's TLB itself (the VM flushes the caller's and asks
 * the others to flush theirs).  NULL: flush them all directly. */
void sbe_set_watch_hook(struct sbe *s, void (*fn)(void *opaque, uint32_t ppn), void *opaque);

/* Holds a page watched (pin true) or lets it go (false) without a map:
 * the engine pins a page before scanning it on one thread while the
 * others are stopped (engine.h's watch_page). */
void sbe_pin_page(struct sbe *s, uint32_t ppn, bool pin);

/* Whether any map covers the page (the memory system's fast check). */
bool sbe_page_watched(const struct sbe *s, uint32_t ppn);

/* The bitmap of watched physical pages (for the memory system). */
const uint8_t *sbe_watched_bitmap(const struct sbe *s);

/* Drops everything (reset, or the memory bound). */
void sbe_flush(struct sbe *s);

const struct sbe_stats *sbe_stats(const struct sbe *s);

/* Maps allocated, live and free for reuse: at most max_maps (the memory
 * bound; tests read it). */
unsigned sbe_map_count(const struct sbe *s);

/* Copies the bytes at page offset `off` of the physical page at page_pa,
 * up to 15 and never past the page; returns how many. */
unsigned sbe_page_bytes(struct sbe *s, uint32_t page_pa, unsigned off, uint8_t *buf);

/* The instruction at page offset `off` of map m, decoded (as decode_insn
 * with the page's bytes), from a cache of the decodes of live maps: the
 * scanner's, and the code cache's for the blocks it builds from them. */
enum decode_status sbe_decode(struct sbe *s, const struct sbe_map *m, unsigned off,
                              struct insn *out);

/* The instruction that starts at page offset `off` of map m and crosses
 * into the page at physical address next_pa (the next linear page's, as
 * the caller knows it; the scanner alone cannot: ATTR_CROSS), decoded
 * from both pages' bytes.  On DECODE_OK the next page's map (created and
 * scanned from the instruction's end if needed) is in *m2, and it
 * watches the instruction's bytes in that page (sbe_map head): a write
 * to the instruction in either page discards a map the caller's block
 * is built from.  With m's page's map discarded meanwhile (creating m2
 * evicted every map) the result is DECODE_MORE. */
enum decode_status sbe_decode_cross(struct sbe *s, const struct sbe_map *m, unsigned off,
                                    uint32_t next_pa, struct insn *out, struct sbe_map **m2);

/* The decoder the scanner uses. */
const struct decoder *sbe_decoder(const struct sbe *s);

#endif
