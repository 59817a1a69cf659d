/* Guest memory as a DMA-capable device sees it (bus-master IDE, the 8237
 * ISA DMA controller, fw_cfg's DMA interface): the device never sees the
 * VM (STYLE.md item 7); the board hands it this pair of functions
 * (pc_guest_mem), which go through the memory map with phys_dma_read and
 * phys_dma_write (vm/physmem.h): RAM and ROM read, nothing reads all ones,
 * writes never change ROM, and scan-before-execute sees every write.
 * Addresses wrap at 4 GiB.  A guest_mem with no functions reads all ones
 * and drops writes (an unconnected bus, for tests). */
#ifndef PLEX86_DEV_GUEST_MEM_H
#define PLEX86_DEV_GUEST_MEM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct guest_mem {
    void (*read)(void *opaque, uint32_t pa, void *dst, size_t len);
    void (*write)(void *opaque, uint32_t pa, const void *src, size_t len);
    void *opaque;
};

static inline void guest_mem_read(const struct guest_mem *m, uint32_t pa, void *dst,
                                  size_t len)
{
    if (m->read)
        m->read(m->opaque, pa, dst, len);
    else
        memset(dst, 0xFF, len);
}

static inline void guest_mem_write(const struct guest_mem *m, uint32_t pa, const void *src,
                                   size_t len)
{
    if (m->write)
        m->write(m->opaque, pa, src, len);
}

/* A device whose memory the CPU stores to at RAM speed once the device
 * has counted the page as written (the VGA's framebuffer: vm/physmem.h's
 * direct_writable) gets this function from the board (pc_write_rearm):
 * after the device cleared pages' bits, `rearm` makes the next store to
 * each page of guest-physical [pa, pa+len) reach the device again (the
 * VM drops the CPUs' write translations of them).  With no function the
 * device must not set bits, as nothing could clear them safely. */
struct write_rearm {
    void (*rearm)(void *opaque, uint32_t pa, uint32_t len);
    void *opaque;
};

/* A device with a memory window at a fixed address whose decoding the
 * guest's registers change (the VGA's legacy window at 0xA0000: linear
 * in chain-4 mode, planar otherwise) gets this function from the board
 * (pc_window_remap): `remap` turns the device's MMIO range mapped at
 * `base` with `dev` into a direct window (reads from `direct`, writes to
 * it for the pages `writable` marks, vm/physmem.h's phys_region.direct)
 * or, with `direct` NULL, back into plain MMIO.  The board drops every
 * CPU's cached translations and the code scanned from the range (its
 * bytes may now be others).  The device clears its `writable` bits
 * before it calls. */
struct window_remap {
    void (*remap)(void *opaque, uint32_t base, void *dev, uint8_t *direct,
                  const uint64_t *writable);
    void *opaque;
};

#endif
