/* Guest physical memory map.
 *
 * Guest RAM is one host allocation (DESIGN.md section 2).  On top of it, a
 * page-granular map says what each 4 KiB page of the 32-bit physical space
 * is: plain (RAM below ram_size, nothing above), or one of a few regions
 * (ROM images, MMIO windows) that overlay it.  The map costs one byte per
 * page (1 MiB per VM) so that every lookup is a single load.
 *
 * The A20 gate is applied here: with A20 off, physical bit 20 is forced to 0
 * (the 8086 wrap-around that DOS-era software relies on).
 */
#ifndef PLEX86_VM_PHYSMEM_H
#define PLEX86_VM_PHYSMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PHYS_PAGE_SHIFT 12
#define PHYS_PAGE_SIZE (1u << PHYS_PAGE_SHIFT)
#define PHYS_PAGES (1u << (32 - PHYS_PAGE_SHIFT))
#define PHYS_MAX_REGIONS 32
/* Pages whose reads and writes a chipset may steer separately (shadow
 * RAM: the i440FX's PAM registers cover 0xC0000-0xFFFFF): the first MiB. */
#define PHYS_SHADOW_PAGES 256u

enum phys_kind {
    PHYS_UNMAPPED = 0, /* reads all ones, writes dropped */
    PHYS_RAM,
    PHYS_ROM,          /* reads from a host buffer, writes dropped */
    PHYS_MMIO,         /* device callbacks */
};

/* A device's MMIO window.  `offset` is relative to the region base; `size` is
 * 1, 2 or 4.  Accesses that straddle the end of a region are split into bytes
 * by the caller. */
struct mmio_ops {
    uint32_t (*read)(void *opaque, uint32_t offset, unsigned size);
    void (*write)(void *opaque, uint32_t offset, uint32_t value, unsigned size);
};

struct phys_region {
    uint32_t base;
    uint32_t size;
    enum phys_kind kind;
    uint8_t *host;               /* ROM contents (owned), NULL for MMIO */
    const struct mmio_ops *ops;  /* MMIO only */
    void *opaque;                /* MMIO only */
    /* MMIO backed by host memory the device owns (the VGA's framebuffer):
     * reads come straight from here, at RAM speed (physmem_ptr gives the
     * pointer for reads).  A write goes through ops->write, which tracks
     * it, unless `direct_writable` has the page's bit (bit p of word
     * p / 64: page p of the region): the device already counts that page
     * as written, so writes go straight to `direct` too (physmem_ptr gives
     * the pointer for writes; the CPU's TLB then stores at RAM speed).
     * The device sets a bit from its ops->write; when it clears bits
     * (having taken the pages as drawn) it must then have the CPUs' write
     * translations of those pages dropped (vm_drop_write_translations),
     * in that order.  QEMU's dirty memory log with TLB_NOTDIRTY works the
     * same way.  `direct` NULL: every access calls the device;
     * `direct_writable` NULL: every write does. */
    uint8_t *direct;
    const uint64_t *direct_writable;
    const char *name;
};

struct physmem {
    uint8_t *ram;          /* guest RAM, one allocation of ram_size bytes */
    uint32_t ram_size;     /* bytes, multiple of 4 KiB */
    uint32_t a20_mask;     /* 0xFFFFFFFF with A20 on, 0xFFEFFFFF with it off */
    uint32_t addr_mask;    /* width of the physical address bus (all ones, or
                              0x00FFFFFF for a 24-bit 286/386SX-class bus) */
    unsigned nregions;
    struct phys_region regions[PHYS_MAX_REGIONS];
    uint8_t *page_region;  /* PHYS_PAGES bytes: 0 = plain page, k = regions[k-1] */
    /* Shadow control of the pages below 1 MiB (physmem_set_shadow): 0 for
     * a page that behaves as the region map says, else PHYS_SHADOW_ON with
     * the READ_RAM/WRITE_RAM bits. */
    uint8_t shadow[PHYS_SHADOW_PAGES];

    /* Scan-before-execute's view of writes that do not come from the CPU
     * (devices, DMA, loaders): a bitmap of watched pages and the function
     * that applies seed 003's write rule. */
    const uint8_t *code_watched;
    void (*code_write)(void *opaque, uint32_t pa, unsigned size);
    void *code_opaque;

    uint64_t mmio_reads, mmio_writes; /* device callbacks made, for the
                                         accounting (vm/count.h) */

    /* Several host threads (-accel tcg,thread=multi): devices run under
     * the VM's one big lock, taken around every MMIO callback here (and
     * around a store to a watched page, so that the write rule and the
     * store are one step for the other threads).  NULL: one thread. */
    void (*dev_lock)(void *opaque);
    void (*dev_unlock)(void *opaque);
    void *dev_lock_opaque;
};

static inline void phys_dev_lock(struct physmem *pm)
{
    if (pm->dev_lock)
        pm->dev_lock(pm->dev_lock_opaque);
}

static inline void phys_dev_unlock(struct physmem *pm)
{
    if (pm->dev_unlock)
        pm->dev_unlock(pm->dev_lock_opaque);
}

/* The address the memory map really uses (A20 and bus width applied). */
static inline uint32_t phys_mask(const struct physmem *pm, uint32_t pa)
{
    return pa & pm->a20_mask & pm->addr_mask;
}

/* Whether physical page ppn holds scanned code (code_watched must be set).
 * Atomic: with several host threads the scanner changes the bitmap under
 * the VM's lock while other CPUs read it without. */
static inline bool phys_page_watched(const struct physmem *pm, uint32_t ppn)
{
    return (__atomic_load_n(&pm->code_watched[ppn >> 3], __ATOMIC_RELAXED) >> (ppn & 7)) & 1;
}

/* Tells the code watcher about a write to [pa, pa+size). */
static inline void phys_note_write(struct physmem *pm, uint32_t pa, unsigned size)
{
    if (pm->code_watched) {
        uint32_t first = phys_mask(pm, pa) >> PHYS_PAGE_SHIFT;
        uint32_t last = phys_mask(pm, pa + size - 1) >> PHYS_PAGE_SHIFT;
        bool near_prev = (pa & (PHYS_PAGE_SIZE - 1)) < 14 && first > 0;
        if (phys_page_watched(pm, first) || phys_page_watched(pm, last) ||
            (near_prev && phys_page_watched(pm, first - 1)))
            pm->code_write(pm->code_opaque, phys_mask(pm, pa), size);
    }
}

/* Allocates RAM (zeroed) and the page map.  Returns 0, or -1 with errno set. */
int physmem_init(struct physmem *pm, uint32_t ram_size);
void physmem_destroy(struct physmem *pm);

/* Maps a copy of `data` as ROM at [base, base+size).  base and size must be
 * page aligned.  Returns 0 or -1 (bad range, too many regions, no memory). */
int physmem_add_rom(struct physmem *pm, uint32_t base, const uint8_t *data,
                    uint32_t size, const char *name);
int physmem_add_mmio(struct physmem *pm, uint32_t base, uint32_t size,
                     const struct mmio_ops *ops, void *opaque, const char *name);

/* The same with reads from `direct` (size bytes, the device's) and
 * writes to it for the pages `direct_writable` marks (may be NULL); see
 * phys_region.direct. */
int physmem_add_mmio_direct(struct physmem *pm, uint32_t base, uint32_t size,
                            const struct mmio_ops *ops, void *opaque, uint8_t *direct,
                            const uint64_t *direct_writable, const char *name);

/* Removes the MMIO region mapped at `base` with `opaque` (a PCI BAR
 * moving or turned off); what lies below shows again.  The caller drops
 * the CPU's cached translations.  Returns 0, or -1 if there is none. */
int physmem_remove_mmio(struct physmem *pm, uint32_t base, void *opaque);

/* Gives the MMIO region mapped at `base` with `opaque` new `direct` and
 * `direct_writable` pointers (phys_region; NULL direct: plain MMIO
 * again), keeping its place, size and ops.  Returns 0, or -1 when there
 * is no such region.  The caller drops the CPUs' translations. */
int physmem_set_mmio_direct(struct physmem *pm, uint32_t base, void *opaque, uint8_t *direct,
                            const uint64_t *direct_writable);
/* The region covering any page of [base, base+size), or NULL. */
const struct phys_region *physmem_find_overlap(const struct physmem *pm, uint32_t base,
                                               uint32_t size);

void physmem_set_a20(struct physmem *pm, bool enabled);

/* Shadow RAM (i440FX datasheet 3.2.18, the PAM registers): a page under
 * shadow control reads from RAM with PHYS_SHADOW_READ_RAM, else from what
 * the region map has there (a ROM such as the BIOS's alias below 1 MiB;
 * with no region, nothing: all ones); it writes to RAM with
 * PHYS_SHADOW_WRITE_RAM, else to that region (ROM and nothing drop the
 * write).  `mode` 0 ends shadow control (the page is plain again).  The
 * range must be page aligned and below 1 MiB.  Returns 1 if any page's
 * mode changed (the caller drops the CPU's cached translations and the
 * code scanned from those pages: vm_set_shadow), 0 if none did, -1 for a
 * bad range. */
enum {
    PHYS_SHADOW_ON = 1u << 0,
    PHYS_SHADOW_READ_RAM = 1u << 1,
    PHYS_SHADOW_WRITE_RAM = 1u << 2,
};
int physmem_set_shadow(struct physmem *pm, uint32_t base, uint32_t size, unsigned mode);

/* What a read of a physical address reaches, after the A20 and bus masks
 * and shadow control. */
enum phys_kind physmem_kind(const struct physmem *pm, uint32_t pa);

/* Host pointer for a physical address when it is RAM (writable) or, with
 * for_write false, ROM or a direct MMIO window; for writes, a direct
 * window's page that its device marks writable.  NULL otherwise (MMIO,
 * unmapped, ROM for writes).
 * The pointer is valid up to the end of the 4 KiB page.  Under shadow
 * control a read and a write of one address may reach different places
 * (or a write nowhere): callers caching a pointer for both compare the
 * two answers. */
uint8_t *physmem_ptr(struct physmem *pm, uint32_t pa, bool for_write);

/* Byte-granular slow path used for MMIO, ROM, unmapped and page-straddling
 * accesses.  size is 1, 2 or 4; values are little-endian. */
uint32_t phys_read(struct physmem *pm, uint32_t pa, unsigned size);
void phys_write(struct physmem *pm, uint32_t pa, uint32_t value, unsigned size);

/* Copy host bytes into guest physical memory (RAM or ROM pages alike; used by
 * loaders and test harnesses; under shadow control, where a read would
 * find them).  Returns the number of bytes that landed. */
size_t phys_copy_in(struct physmem *pm, uint32_t pa, const void *src, size_t len);

/* A device's DMA (bus-master IDE, the 8237, fw_cfg): `len` bytes at `pa`,
 * wrapping at 4 GiB, seen as the CPU would see them: RAM and ROM read,
 * nothing reads all ones, MMIO through the device's callbacks one byte at
 * a time; writes land in RAM (or MMIO), never in ROM, and every write is
 * shown to scan-before-execute (seed 003: a DMA transfer over scanned code
 * discards the page's map like a CPU store does). */
void phys_dma_read(struct physmem *pm, uint32_t pa, void *dst, size_t len);
void phys_dma_write(struct physmem *pm, uint32_t pa, const void *src, size_t len);

#endif
