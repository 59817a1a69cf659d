/* Small helpers the direct-boot loaders (multiboot.c, linux_boot.c) share:
 * little-endian field access in a file or in guest RAM, telling scan-
 * before-execute about a loader's writes, and flat GDT descriptors. */
#ifndef PLEX86_PC_BOOT_UTIL_H
#define PLEX86_PC_BOOT_UTIL_H

#include <stdint.h>

#include "vm/physmem.h"

static inline uint16_t boot_rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t boot_rd32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t boot_rd64(const uint8_t *p)
{
    return boot_rd32(p) | (uint64_t)boot_rd32(p + 4) << 32;
}

static inline void boot_wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void boot_wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline void boot_wr64(uint8_t *p, uint64_t v)
{
    boot_wr32(p, (uint32_t)v);
    boot_wr32(p + 4, (uint32_t)(v >> 32));
}

/* Tells scan-before-execute about a loader write to [pa, pa+len), a page
 * at a time (a kernel loaded into a VM that already ran code, as on a
 * reboot, must not leave stale scans behind).  Call it before the bytes
 * change, as for any write that does not come from the CPU. */
static inline void boot_note_write(struct physmem *pm, uint32_t pa, uint32_t len)
{
    while (len) {
        uint32_t chunk = PHYS_PAGE_SIZE - (pa & (PHYS_PAGE_SIZE - 1));
        if (chunk > len)
            chunk = len;
        phys_note_write(pm, pa, chunk);
        pa += chunk;
        len -= chunk;
    }
}

/* An 8-byte flat descriptor, base 0, limit 0xFFFFF pages, with `access`
 * (P DPL S type) and G=1 D=1. */
static inline void boot_flat_desc(uint8_t *d, uint8_t access)
{
    boot_wr32(d, 0x0000FFFFu);
    boot_wr32(d + 4, 0x00CF0000u | (uint32_t)access << 8);
}

#endif
