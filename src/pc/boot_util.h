/* Small helpers the direct-boot loaders (multiboot.c, linux_boot.c) share:
 * little-endian field access in a file or in guest RAM, telling scan-
 * before-execute about a loader's writes, flat GDT descriptors, and the
 * flat 32-bit protected-mode state both protocols enter the kernel in. */
#ifndef PLEX86_PC_BOOT_UTIL_H
#define PLEX86_PC_BOOT_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cpu/cpu.h"
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

/* Copies host bytes to RAM, telling scan-before-execute first.  The caller
 * has checked that the range lies in plain RAM (no ROM or MMIO on a
 * -kernel board). */
static inline void boot_put_ram(struct physmem *pm, uint32_t pa, const void *src, size_t len)
{
    if (!len)
        return;
    boot_note_write(pm, pa, (uint32_t)len);
    memcpy(pm->ram + pa, src, len);
}

/* An 8-byte flat descriptor, base 0, limit 0xFFFFF pages, with `access`
 * (P DPL S type) and G=1 D=1. */
static inline void boot_flat_desc(uint8_t *d, uint8_t access)
{
    boot_wr32(d, 0x0000FFFFu);
    boot_wr32(d + 4, 0x00CF0000u | (uint32_t)access << 8);
}

/* The entry state both direct-boot protocols define (Multiboot spec 3.2,
 * Linux boot.rst "32-bit BOOT PROTOCOL"): protected mode, paging off,
 * IF=0, CPL 0, CS = code_sel and the other segment registers data_sel
 * with flat 4 GiB caches (matching the GDT at gdt_base, so a reload gets
 * the same), and no IDT: an exception before the kernel loads one shuts
 * the machine down instead of running through garbage gates.  The caller
 * sets the registers its protocol passes, EIP, then cpu_mode_changed. */
static inline void boot_enter_flat32(struct cpu *c, uint32_t gdt_base, uint16_t gdt_limit,
                                     uint16_t code_sel, uint16_t data_sel)
{
    c->cr0 = (c->cr0 & ~(uint32_t)(CR0_PG | CR0_CD | CR0_NW)) | CR0_PE | CR0_ET;
    c->gdtr = (struct dtr){ .base = gdt_base, .limit = gdt_limit };
    c->idtr = (struct dtr){ .base = 0, .limit = 0 };
    for (int s = 0; s < S_COUNT; s++)
        c->seg[s] = (struct seg){ .sel = data_sel, .base = 0, .limit = 0xFFFFFFFFu,
                                  .attr = 0xC093 };
    c->seg[S_CS] = (struct seg){ .sel = code_sel, .base = 0, .limit = 0xFFFFFFFFu,
                                 .attr = 0xC09B };
    c->code32 = true;
    c->stack32 = true;
    c->cpl = 0;
    c->halted = false;
    cpu_set_eflags(c, 0);   /* IF=0, VM=0, all else clear but bit 1 */
}

#endif
