/* Fuzz harness: the scanner, the write rule and the code cache (src/sbe/).
 *
 * One VM (1 MiB of RAM, code cache on), reused.  Per input the scanned
 * state is dropped and eight pages are filled with bytes generated from a
 * seed in the input: four adjacent RAM pages at 0x10000 (so instructions
 * cross from one into the next), page 0, the last RAM page (instructions
 * there cross into unmapped memory), a page beyond RAM and the last page
 * of the 4 GiB space (both unmapped: all ones).  Then a list of commands:
 *
 *   scan   sbe_scan from a page offset, in 16- or 32-bit mode
 *   block  cache_get there (builds a block of decoded instructions)
 *   store  1-64 bytes from the input into a page, through the physical
 *          memory's write path (which applies the write rule)
 *   note   sbe_write alone (a DMA-like notice, without changing bytes)
 *   flush  sbe_flush / vm_invalidate_code
 *
 * After every write, for the pages it can touch, and for all pages at the
 * end, the property scan-before-execute rests on:
 *
 *   - every live map's scanned entries still describe the bytes in memory:
 *     a recorded length L at offset o means the bytes at o decode now to an
 *     instruction of length L (no write changed them without discarding
 *     the map);
 *   - every live block still matches memory: each of its instructions
 *     decodes now from its bytes to the same struct insn, and every one of
 *     its bytes lies in a scanned instruction of its map.
 *
 * A violation is a stale-code bug: the engine would run instructions that
 * are no longer in memory. */
#include <stdbool.h>

#include "cpu/cpu.h"
#include "cpu/insn.h"
#include "fuzz.h"
#include "engine/cache.h"
#include "sbe/sbe.h"
#include "vm/physmem.h"
#include "machine/vm.h"
#include "engine/engine.h"

#define NPAGES 8
static const uint32_t page_pa[NPAGES] = {
    0x10000, 0x11000, 0x12000, 0x13000, 0x0, 0xFF000, 0x200000, 0xFFFFF000u,
};

static struct vm *vm;

/* Blocks handed out by cache_get in this input (until a cache flush). */
#define MAX_BLOCKS 64
static struct block *blocks[MAX_BLOCKS];
static unsigned nblocks;
static uint64_t cache_flushes;

static void setup(void)
{
    if (vm)
        return;
    char err[256];
    vm = vm_create(&(struct vm_config){ .ram_mb = 1, .cpu_level = CPU_P6 }, err, sizeof(err));
    if (!vm || !engine_cache(vm->engine))
        fuzz_fail("vm_create: %s", err);
}

static void hexdump(char *out, const uint8_t *p, unsigned n)
{
    out[0] = 0;
    for (unsigned k = 0; k < n; k++)
        snprintf(out + 3 * k, 4, "%02x ", p[k]);
}

/* The scanned entries of one live map against the bytes now in memory:
 * an entry for an instruction has its length; an entry for bytes that did
 * not decode claims every byte the decoder was given (up to 15, or to the
 * page end), so that no write can turn them into a valid instruction
 * unseen. */
static void check_map(struct sbe_map *m)
{
    const struct decoder *dec = sbe_decoder(vm->sbe);
    uint32_t base = m->ppn << 12;
    for (unsigned o = 0; o < SBE_PAGE; o++) {
        uint8_t a = m->attr[o];
        if (!(a & ATTR_SCANNED) || (a & ATTR_CROSS))
            continue;
        uint8_t buf[CPU_MAX_INSN_LEN];
        unsigned n = sbe_page_bytes(vm->sbe, base, o, buf);
        struct insn in;
        enum decode_status st = decode_insn(dec, m->code32, buf, n, &in);
        char hex[64];
        hexdump(hex, buf, n);
        if (st == DECODE_OK)
            FUZZ_CHECK((a & ATTR_LEN) == in.len,
                       "map %05x/%d offset %03x: scanned length %u, bytes now decode to "
                       "length %u: %s", m->ppn, m->code32, o, a & ATTR_LEN, in.len, hex);
        else
            FUZZ_CHECK((a & ATTR_VIRT) && (a & ATTR_LEN) == n,
                       "map %05x/%d offset %03x: entry %02x, bytes now undecodable: %s",
                       m->ppn, m->code32, o, a, hex);
    }
}

static void check_block(const struct block *b)
{
    if (!block_live(b))
        return;
    const struct decoder *dec = sbe_decoder(vm->sbe);
    uint32_t page = b->pa & ~(SBE_PAGE - 1);
    unsigned off = b->pa & (SBE_PAGE - 1);
    FUZZ_CHECK(b->map->ppn == b->pa >> 12, "block %08x from the map of page %05x", b->pa,
               b->map->ppn);
    for (unsigned k = 0; k < b->ninsn; k++) {
        FUZZ_CHECK(off < SBE_PAGE, "block %08x runs past its page", b->pa);
        uint8_t buf[CPU_MAX_INSN_LEN];
        unsigned n = sbe_page_bytes(vm->sbe, page, off, buf);
        struct insn now;
        enum decode_status st = decode_insn(dec, b->code32, buf, n, &now);
        char hex[64];
        hexdump(hex, buf, n);
        FUZZ_CHECK(st == DECODE_OK && !memcmp(&now, &b->insn[k], sizeof(now)),
                   "live block %08x/%d: instruction %u at offset %03x is stale (now %s: %s)",
                   b->pa, b->code32, k, off, st == DECODE_OK ? "different" : "undecodable",
                   hex);
        /* Every byte of the instruction must be covered by the scan: the
         * write rule only watches bytes inside scanned instructions. */
        uint8_t a = b->map->attr[off];
        FUZZ_CHECK((a & ATTR_SCANNED) && !(a & ATTR_CROSS) && (a & ATTR_LEN) == now.len,
                   "live block %08x/%d: instruction %u at offset %03x has length %u but its "
                   "map records %02x (%s)",
                   b->pa, b->code32, k, off, now.len, a, hex);
        off += now.len;
    }
}

/* Checks the maps of the pages a write at `pa` can affect (its own page
 * and, for the instructions that cross into it, the one before), or of
 * every page when pa is ~0; and every block handed out. */
static void check(uint32_t pa)
{
    for (unsigned p = 0; p < NPAGES; p++) {
        uint32_t ppn = page_pa[p] >> 12;
        if (pa != ~0u && ppn != pa >> 12 && ppn + 1 != pa >> 12 && ppn != (pa + 63) >> 12)
            continue;
        for (int mode = 0; mode < 2; mode++) {
            struct sbe_map *m = sbe_map_find(vm->sbe, ppn, mode);
            if (m)
                check_map(m);
        }
    }
    if (cache_stats(engine_cache(vm->engine))->flushes != cache_flushes) {
        cache_flushes = cache_stats(engine_cache(vm->engine))->flushes;
        nblocks = 0; /* their memory is reused */
    }
    for (unsigned k = 0; k < nblocks; k++)
        check_block(blocks[k]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    struct fz in = { data, size };
    vm_invalidate_code(vm);
    nblocks = 0;
    cache_flushes = cache_stats(engine_cache(vm->engine))->flushes;

    /* Page contents: generated from a seed, with a choice of flavour so
     * that real-looking code is common. */
    uint32_t rng = fz_u32(&in);
    uint8_t flavour = fz_u8(&in);
    for (unsigned p = 0; p < NPAGES; p++) {
        uint8_t *dst = physmem_ptr(&vm->mem, page_pa[p], true);
        if (!dst)
            continue; /* unmapped: reads all ones */
        for (unsigned k = 0; k < SBE_PAGE; k++) {
            uint32_t r = fz_rand(&rng);
            switch ((flavour >> (2 * (p & 3))) & 3) {
            case 0: dst[k] = (uint8_t)r; break;                      /* anything */
            case 1: dst[k] = (r & 0x300) ? 0x90 : (uint8_t)r; break; /* mostly NOPs */
            case 2: {                                                /* short branches */
                static const uint8_t pick[] = { 0x74, 0xEB, 0xE8, 0x0F, 0x66, 0x67, 0xF0,
                                                0xC3, 0xF4, 0x8B, 0x89, 0x01, 0x00, 0xCC };
                dst[k] = (r & 1) ? pick[(r >> 1) % sizeof(pick)] : (uint8_t)(r >> 8);
                break;
            }
            default: dst[k] = (k & 1) ? 0x00 : (uint8_t)r; break;
            }
        }
    }

    while (fz_left(&in)) {
        uint8_t cmd = fz_u8(&in);
        unsigned p = (cmd >> 3) % NPAGES;
        bool code32 = cmd & 0x80;
        uint32_t pa = page_pa[p] + (fz_u16(&in) & (SBE_PAGE - 1));
        switch (cmd & 7) {
        case 0:
        case 1: {
            struct sbe_map *m = sbe_scan(vm->sbe, pa, code32);
            FUZZ_CHECK(m && (m->attr[pa & (SBE_PAGE - 1)] & ATTR_SCANNED),
                       "sbe_scan(%08x) left its start unscanned", pa);
            break;
        }
        case 2:
        case 3: {
            struct block *b = cache_get(engine_cache(vm->engine), pa, code32);
            if (b && nblocks < MAX_BLOCKS)
                blocks[nblocks++] = b;
            if (cache_stats(engine_cache(vm->engine))->flushes != cache_flushes) {
                cache_flushes = cache_stats(engine_cache(vm->engine))->flushes;
                nblocks = 0;
                if (b)
                    blocks[nblocks++] = b;
            }
            break;
        }
        case 4:
        case 5: {
            unsigned n = 1 + (fz_u8(&in) & 63);
            uint8_t bytes[64];
            n = (unsigned)fz_bytes(&in, bytes, n);
            phys_copy_in(&vm->mem, pa, bytes, n);
            check(pa); /* only writes can break the property */
            break;
        }
        case 6:
            sbe_write(vm->sbe, pa, 1 + (fz_u8(&in) & 31));
            check(pa);
            break;
        default:
            if (cmd & 0x40)
                vm_invalidate_code(vm);
            else
                sbe_flush(vm->sbe);
            break;
        }
    }
    check(~0u);
    return 0;
}
