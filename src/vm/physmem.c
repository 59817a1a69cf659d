/* Guest physical memory map; see physmem.h. */
#include "vm/physmem.h"
#include "vm/count.h"
#include "vm/hostmem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int physmem_init(struct physmem *pm, uint32_t ram_size)
{
    memset(pm, 0, sizeof(*pm));
    if (ram_size == 0 || (ram_size & (PHYS_PAGE_SIZE - 1))) {
        errno = EINVAL;
        return -1;
    }
    /* One anonymous mapping; huge pages make first touch ~40x cheaper on a
     * virtualised host (DESIGN.md section 2).  Zero-filled by the kernel. */
    void *ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (ram == MAP_FAILED)
        return -1;
#ifdef MADV_HUGEPAGE
    madvise(ram, ram_size, MADV_HUGEPAGE);
#endif
    pm->page_region = calloc(PHYS_PAGES, 1);
    if (!pm->page_region) {
        munmap(ram, ram_size);
        errno = ENOMEM;
        return -1;
    }
    pm->ram = ram;
    pm->ram_size = ram_size;
    pm->a20_mask = 0xFFFFFFFFu;
    pm->addr_mask = 0xFFFFFFFFu;
    return 0;
}

void physmem_destroy(struct physmem *pm)
{
    if (pm->ram)
        munmap(pm->ram, pm->ram_size);
    for (unsigned i = 0; i < pm->nregions; i++)
        free(pm->regions[i].host);
    free(pm->page_region);
    memset(pm, 0, sizeof(*pm));
}

static int add_region(struct physmem *pm, const struct phys_region *r)
{
    uint64_t end = (uint64_t)r->base + r->size;
    if (r->size == 0 || (r->base & (PHYS_PAGE_SIZE - 1)) ||
        (r->size & (PHYS_PAGE_SIZE - 1)) || end > (1ull << 32)) {
        errno = EINVAL;
        return -1;
    }
    /* A slot freed by physmem_remove_mmio (size 0) is reused first. */
    unsigned slot = 0;
    while (slot < pm->nregions && pm->regions[slot].size)
        slot++;
    if (slot >= PHYS_MAX_REGIONS) {
        errno = EINVAL;
        return -1;
    }
    pm->regions[slot] = *r;
    if (slot == pm->nregions)
        pm->nregions++;
    uint8_t idx = (uint8_t)(slot + 1);
    for (uint64_t p = r->base >> PHYS_PAGE_SHIFT; p < end >> PHYS_PAGE_SHIFT; p++)
        pm->page_region[p] = idx;
    return 0;
}

const struct phys_region *physmem_find_overlap(const struct physmem *pm, uint32_t base,
                                               uint32_t size)
{
    uint64_t end = (uint64_t)base + size;
    for (uint64_t p = base >> PHYS_PAGE_SHIFT; p < (end + PHYS_PAGE_SIZE - 1) >> PHYS_PAGE_SHIFT &&
                                               p < PHYS_PAGES; p++)
        if (pm->page_region[p])
            return &pm->regions[pm->page_region[p] - 1];
    return NULL;
}

int physmem_remove_mmio(struct physmem *pm, uint32_t base, void *opaque)
{
    for (unsigned i = 0; i < pm->nregions; i++) {
        struct phys_region *r = &pm->regions[i];
        if (r->size == 0 || r->kind != PHYS_MMIO || r->base != base || r->opaque != opaque)
            continue;
        uint64_t first = r->base >> PHYS_PAGE_SHIFT;
        uint64_t end = ((uint64_t)r->base + r->size) >> PHYS_PAGE_SHIFT;
        r->size = 0;
        /* Each page goes back to the latest other region over it (regions
         * overlay in the order they were added), or to plain. */
        for (uint64_t p = first; p < end; p++) {
            uint8_t idx = 0;
            for (unsigned k = 0; k < pm->nregions; k++) {
                const struct phys_region *o = &pm->regions[k];
                if (o->size && (o->base >> PHYS_PAGE_SHIFT) <= p &&
                    p < (((uint64_t)o->base + o->size) >> PHYS_PAGE_SHIFT))
                    idx = (uint8_t)(k + 1);
            }
            pm->page_region[p] = idx;
        }
        return 0;
    }
    return -1;
}

int physmem_add_rom(struct physmem *pm, uint32_t base, const uint8_t *data,
                    uint32_t size, const char *name)
{
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy) {
        errno = ENOMEM;
        return -1;
    }
    memcpy(copy, data, size);
    struct phys_region r = { .base = base, .size = size, .kind = PHYS_ROM,
                             .host = copy, .name = name };
    if (add_region(pm, &r) < 0) {
        free(copy);
        return -1;
    }
    return 0;
}

int physmem_add_mmio(struct physmem *pm, uint32_t base, uint32_t size,
                     const struct mmio_ops *ops, void *opaque, const char *name)
{
    struct phys_region r = { .base = base, .size = size, .kind = PHYS_MMIO,
                             .ops = ops, .opaque = opaque, .name = name };
    return add_region(pm, &r);
}

int physmem_add_mmio_direct(struct physmem *pm, uint32_t base, uint32_t size,
                            const struct mmio_ops *ops, void *opaque, uint8_t *direct,
                            const uint64_t *direct_writable, const char *name)
{
    struct phys_region r = { .base = base, .size = size, .kind = PHYS_MMIO,
                             .ops = ops, .opaque = opaque, .direct = direct,
                             .direct_writable = direct_writable, .name = name };
    return add_region(pm, &r);
}

int physmem_set_mmio_direct(struct physmem *pm, uint32_t base, void *opaque, uint8_t *direct,
                            const uint64_t *direct_writable)
{
    for (unsigned i = 0; i < pm->nregions; i++) {
        struct phys_region *r = &pm->regions[i];
        if (r->size == 0 || r->kind != PHYS_MMIO || r->base != base || r->opaque != opaque)
            continue;
        r->direct = direct;
        r->direct_writable = direct ? direct_writable : NULL;
        return 0;
    }
    return -1;
}

void physmem_set_a20(struct physmem *pm, bool enabled)
{
    pm->a20_mask = enabled ? 0xFFFFFFFFu : ~(1u << 20);
}

static inline uint32_t mask_pa(const struct physmem *pm, uint32_t pa)
{
    return pa & pm->a20_mask & pm->addr_mask;
}

/* Where an access to the masked address `pa` lands: a region (returned),
 * RAM (*ram points at the byte), or nothing (both NULL).  Shadow control
 * (physmem_set_shadow) picks RAM or what lies below it, separately for
 * reads and writes. */
static inline const struct phys_region *resolve(const struct physmem *pm, uint32_t pa,
                                                bool write, uint8_t **ram)
{
    uint32_t ppn = pa >> PHYS_PAGE_SHIFT;
    uint8_t idx = pm->page_region[ppn];
    *ram = NULL;
    if (ppn < PHYS_SHADOW_PAGES && pm->shadow[ppn]) {
        unsigned want = write ? PHYS_SHADOW_WRITE_RAM : PHYS_SHADOW_READ_RAM;
        if (pm->shadow[ppn] & want) {
            if (pa < pm->ram_size)
                *ram = pm->ram + pa;
            return NULL;
        }
        /* Not RAM: the region below, or nothing (not the plain RAM). */
        return idx ? &pm->regions[idx - 1] : NULL;
    }
    if (idx)
        return &pm->regions[idx - 1];
    if (pa < pm->ram_size)
        *ram = pm->ram + pa;
    return NULL;
}

int physmem_set_shadow(struct physmem *pm, uint32_t base, uint32_t size, unsigned mode)
{
    if ((base | size) & (PHYS_PAGE_SIZE - 1) || (uint64_t)base + size >
        (uint64_t)PHYS_SHADOW_PAGES << PHYS_PAGE_SHIFT ||
        (mode & ~(unsigned)(PHYS_SHADOW_ON | PHYS_SHADOW_READ_RAM | PHYS_SHADOW_WRITE_RAM)))
        return -1;
    /* Without ON the page is plain: no stray RAM bits stay behind. */
    uint8_t m = (mode & PHYS_SHADOW_ON) ? (uint8_t)mode : 0;
    int changed = 0;
    for (uint32_t p = base >> PHYS_PAGE_SHIFT; p < (base + size) >> PHYS_PAGE_SHIFT; p++) {
        if (pm->shadow[p] != m)
            changed = 1;
        pm->shadow[p] = m;
    }
    return changed;
}

enum phys_kind physmem_kind(const struct physmem *pm, uint32_t pa)
{
    uint8_t *ram;
    const struct phys_region *r = resolve(pm, mask_pa(pm, pa), false, &ram);
    if (r)
        return r->kind;
    return ram ? PHYS_RAM : PHYS_UNMAPPED;
}

uint8_t *physmem_ptr(struct physmem *pm, uint32_t pa, bool for_write)
{
    pa = mask_pa(pm, pa);
    uint8_t *ram;
    const struct phys_region *r = resolve(pm, pa, for_write, &ram);
    if (!r)
        return ram;
    if (r->kind == PHYS_ROM && !for_write)
        return r->host + (pa - r->base);
    /* A direct MMIO window: reads by pointer; writes by pointer only to
     * the pages its device already counts as written (phys_region). */
    if (r->kind == PHYS_MMIO && r->direct) {
        uint32_t page = (pa - r->base) >> PHYS_PAGE_SHIFT;
        if (!for_write ||
            (r->direct_writable && ((r->direct_writable[page >> 6] >> (page & 63)) & 1)))
            return r->direct + (pa - r->base);
    }
    return NULL;
}

static uint8_t read_byte(struct physmem *pm, uint32_t pa)
{
    pa = mask_pa(pm, pa);
    uint8_t *ram;
    const struct phys_region *r = resolve(pm, pa, false, &ram);
    if (!r)
        return ram ? *ram : 0xFF;
    if (r->kind == PHYS_ROM)
        return r->host[pa - r->base];
    if (r->direct)
        return r->direct[pa - r->base];
    phys_dev_lock(pm);
    ACCT_INC(pm->mmio_reads);
    uint8_t v = (uint8_t)r->ops->read(r->opaque, pa - r->base, 1);
    phys_dev_unlock(pm);
    return v;
}

static void write_byte(struct physmem *pm, uint32_t pa, uint8_t v)
{
    pa = mask_pa(pm, pa);
    uint8_t *ram;
    const struct phys_region *r = resolve(pm, pa, true, &ram);
    if (!r) {
        if (ram)
            *ram = v;
        return;
    }
    if (r->kind == PHYS_MMIO) {
        phys_dev_lock(pm);
        ACCT_INC(pm->mmio_writes);
        r->ops->write(r->opaque, pa - r->base, v, 1);
        phys_dev_unlock(pm);
    }
}

uint32_t phys_read(struct physmem *pm, uint32_t pa, unsigned size)
{
    uint32_t mpa = mask_pa(pm, pa);
    /* Whole access inside one page: RAM/ROM by pointer, MMIO in one call. */
    if (((mpa & (PHYS_PAGE_SIZE - 1)) + size) <= PHYS_PAGE_SIZE) {
        uint8_t *ram;
        const struct phys_region *r = resolve(pm, mpa, false, &ram);
        if (r && r->kind == PHYS_MMIO && !r->direct && mpa + size <= r->base + r->size) {
            phys_dev_lock(pm);
            ACCT_INC(pm->mmio_reads);
            uint32_t v = r->ops->read(r->opaque, mpa - r->base, size);
            phys_dev_unlock(pm);
            return v;
        }
        uint8_t *p = physmem_ptr(pm, mpa, false);
        if (p && (size & (size - 1)) == 0)
            return hostmem_load(p, size); /* one access (hostmem.h) */
    }
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)read_byte(pm, pa + i) << (8 * i);
    return v;
}

/* phys_write's work; with several host threads it runs under the device
 * lock, so that the write rule and the store are one step for the other
 * threads' scanners. */
static void write_locked(struct physmem *pm, uint32_t pa, uint32_t value, unsigned size)
{
    phys_note_write(pm, pa, size);
    uint32_t mpa = mask_pa(pm, pa);
    if (((mpa & (PHYS_PAGE_SIZE - 1)) + size) <= PHYS_PAGE_SIZE) {
        uint8_t *ram;
        const struct phys_region *r = resolve(pm, mpa, true, &ram);
        if (r && r->kind == PHYS_MMIO && mpa + size <= r->base + r->size) {
            ACCT_INC(pm->mmio_writes);
            r->ops->write(r->opaque, mpa - r->base, value, size);
            return;
        }
        uint8_t *p = physmem_ptr(pm, mpa, true);
        if (p && (size & (size - 1)) == 0) {
            hostmem_store(p, value, size); /* one access (hostmem.h) */
            return;
        }
    }
    for (unsigned i = 0; i < size; i++)
        write_byte(pm, pa + i, (uint8_t)(value >> (8 * i)));
}

void phys_write(struct physmem *pm, uint32_t pa, uint32_t value, unsigned size)
{
    phys_dev_lock(pm);
    write_locked(pm, pa, value, size);
    phys_dev_unlock(pm);
}

size_t phys_copy_in(struct physmem *pm, uint32_t pa, const void *src, size_t len)
{
    const uint8_t *s = src;
    size_t done = 0;
    while (done < len) {
        phys_note_write(pm, pa + (uint32_t)done, 1);
        uint32_t a = mask_pa(pm, pa + (uint32_t)done);
        /* Where a read finds the byte: RAM or a ROM image. */
        uint8_t *dst;
        const struct phys_region *r = resolve(pm, a, false, &dst);
        if (r && r->kind == PHYS_ROM)
            dst = r->host + (a - r->base);
        if (dst)
            *dst = s[done];
        else if (!r)
            return done; /* past the end of RAM */
        done++;
    }
    return done;
}

void phys_dma_read(struct physmem *pm, uint32_t pa, void *dst, size_t len)
{
    uint8_t *d = dst;
    while (len) {
        uint32_t in_page = PHYS_PAGE_SIZE - (pa & (PHYS_PAGE_SIZE - 1));
        size_t chunk = len < in_page ? len : in_page;
        const uint8_t *p = physmem_ptr(pm, pa, false);
        if (p) {
            memcpy(d, p, chunk);
        } else {
            for (size_t i = 0; i < chunk; i++)
                d[i] = read_byte(pm, pa + (uint32_t)i);
        }
        d += chunk;
        pa += (uint32_t)chunk;
        len -= chunk;
    }
}

void phys_dma_write(struct physmem *pm, uint32_t pa, const void *src, size_t len)
{
    const uint8_t *s = src;
    while (len) {
        uint32_t in_page = PHYS_PAGE_SIZE - (pa & (PHYS_PAGE_SIZE - 1));
        size_t chunk = len < in_page ? len : in_page;
        /* One note per chunk: phys_note_write looks at the first and last
         * page of the range, which here is the same page. */
        phys_note_write(pm, pa, (unsigned)chunk);
        uint8_t *p = physmem_ptr(pm, pa, true);
        if (p) {
            memcpy(p, s, chunk);
        } else {
            for (size_t i = 0; i < chunk; i++)
                write_byte(pm, pa + (uint32_t)i, s[i]);
        }
        s += chunk;
        pa += (uint32_t)chunk;
        len -= chunk;
    }
}
