/* The VGA device: creation, its PCI function, reset and snapshots; see
 * vga.h. */
#include "dev/vga.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The expansion ROM BAR reads the VGA BIOS; writes are lost. */
static uint32_t rom_read(void *opaque, uint32_t offset, unsigned size)
{
    const struct vga *v = opaque;
    uint32_t val = 0;
    for (unsigned i = 0; i < size; i++)
        if (offset + i < VGA_ROM_MAX)
            val |= (uint32_t)v->rom[offset + i] << (8 * i);
    return val;
}

static void rom_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
}

static const struct mmio_ops rom_ops = { .read = rom_read, .write = rom_write };

/* BAR2, QEMU's std VGA MMIO (hw/display/vga-pci.c): 0x000-0x3FF the EDID
 * area (our 128-byte block, dev/edid.h, then zeros: no extension blocks;
 * bochs-drm reads it, SeaBIOS's VGA BIOS does not), 0x400-0x41F the VGA ports 0x3C0-0x3DF, 0x500-0x515 the VBE
 * registers (16-bit, register i at 0x500 + 2i), 0x600 QEMU's extension
 * registers (its size, and the framebuffer's byte order: little). */
#define MMIO_EDID_SIZE 0x400u
#define MMIO_VGA 0x400u
#define MMIO_VBE 0x500u
#define MMIO_QEXT 0x600u
#define QEXT_SIZE 8u
#define QEXT_LITTLE_ENDIAN 0x1e1e1e1eu

/* The VBE registers as bytes: register i at MMIO_VBE + 2i, little endian,
 * so that a read of any size and alignment gets exactly its bytes (QEMU's
 * memory core does the same around its 16-bit accessors). */
static uint32_t vbe_mmio_read(struct vga *v, uint32_t off, unsigned size)
{
    uint32_t val = 0;
    uint16_t saved = v->vbe_index;
    for (unsigned i = 0; i < size && off + i < 2 * VBE_DISPI_INDEX_NB; i++) {
        v->vbe_index = (uint16_t)((off + i) / 2);
        uint32_t reg = vga_vbe_read(v);
        val |= ((reg >> (8 * ((off + i) & 1))) & 0xFFu) << (8 * i);
    }
    v->vbe_index = saved;
    return val;
}

static uint32_t mmio_read(void *opaque, uint32_t offset, unsigned size)
{
    struct vga *v = opaque;
    uint32_t mask = size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
    if (offset < MMIO_EDID_SIZE) {
        /* Bytes of any size and alignment, zeros past the block. */
        uint32_t val = 0;
        for (unsigned i = 0; i < size && i < 4; i++)
            if (offset + i < EDID_BLOCK_SIZE)
                val |= (uint32_t)v->edid[offset + i] << (8 * i);
        return val;
    }
    if (offset >= MMIO_VGA && offset < MMIO_VGA + 0x20)
        return vga_port_ops.in(v, (uint16_t)(0x3C0 + offset - MMIO_VGA), size > 2 ? 2 : size) &
               mask;
    if (offset >= MMIO_VBE && offset < MMIO_VBE + 2 * VBE_DISPI_INDEX_NB)
        return vbe_mmio_read(v, offset - MMIO_VBE, size);
    if (offset == MMIO_QEXT)
        return QEXT_SIZE & mask;
    if (offset == MMIO_QEXT + 4)
        return QEXT_LITTLE_ENDIAN & mask;
    return 0;
}

static void mmio_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct vga *v = opaque;
    if (offset >= MMIO_VGA && offset < MMIO_VGA + 0x20) {
        vga_port_ops.out(v, (uint16_t)(0x3C0 + offset - MMIO_VGA), value, size > 2 ? 2 : size);
    } else if (offset >= MMIO_VBE && offset < MMIO_VBE + 2 * VBE_DISPI_INDEX_NB) {
        uint16_t saved = v->vbe_index;
        v->vbe_index = (uint16_t)((offset - MMIO_VBE) / 2);
        vga_vbe_write(v, (uint16_t)value);
        v->vbe_index = saved;
    }
    vga_legacy_update(v);
}

static const struct mmio_ops mmio_ops = { .read = mmio_read, .write = mmio_write };

static void vga_reset(struct device *d)
{
    struct vga *v = container_of(d, struct vga, dev);
    vga_regs_reset(v);
    vga_vbe_reset(v);
    /* Video memory keeps its contents over a reset, as QEMU's does. */
    v->text_cursor = -1;
    vga_legacy_update(v);
}

/* --- snapshots ----------------------------------------------------------- */

#define VGA_STATE_VERSION 1

static void vga_save(const struct device *d, struct state_out *out)
{
    const struct vga *v = container_of(d, const struct vga, dev);
    state_put_u8(out, VGA_STATE_VERSION);
    state_put_u8(out, v->misc);
    state_put_u8(out, v->feature);
    state_put_u8(out, v->seq_index);
    state_put_bytes(out, v->seq, sizeof(v->seq));
    state_put_u8(out, v->gr_index);
    state_put_bytes(out, v->gr, sizeof(v->gr));
    state_put_u8(out, v->crtc_index);
    state_put_bytes(out, v->crtc, sizeof(v->crtc));
    state_put_u8(out, v->ar_index);
    state_put_bool(out, v->ar_flip);
    state_put_bytes(out, v->ar, sizeof(v->ar));
    state_put_u8(out, v->dac_mask);
    state_put_u8(out, v->dac_read_index);
    state_put_u8(out, v->dac_write_index);
    state_put_u8(out, v->dac_sub);
    state_put_u8(out, v->dac_state);
    state_put_bytes(out, v->dac_latch, sizeof(v->dac_latch));
    state_put_bytes(out, v->palette, sizeof(v->palette));
    state_put_u32(out, v->latch);
    state_put_u16(out, v->vbe_index);
    for (unsigned i = 0; i < VBE_DISPI_INDEX_NB; i++)
        state_put_u16(out, v->vbe_regs[i]);
    /* The VRAM up to its last page that is not all zeros (most guests
     * use a fraction of the 16 MiB): the count of pages, then them. */
    uint32_t used = VGA_PAGES;
    while (used > 0) {
        const uint8_t *p = v->vram + (size_t)(used - 1) * PHYS_PAGE_SIZE;
        if (p[0] || memcmp(p, p + 1, PHYS_PAGE_SIZE - 1))
            break;
        used--;
    }
    state_put_u32(out, used);
    state_put_bytes(out, v->vram, (size_t)used * PHYS_PAGE_SIZE);
}

static int vga_load(struct device *d, struct state_in *in, bool commit)
{
    struct vga *v = container_of(d, struct vga, dev);
    struct vga n;   /* the registers; VRAM is read last, straight in */
    if (state_get_u8(in) != VGA_STATE_VERSION)
        state_in_fail(in);
    n.misc = state_get_u8(in);
    n.feature = state_get_u8(in);
    n.seq_index = state_get_u8(in);
    state_get_bytes(in, n.seq, sizeof(n.seq));
    n.gr_index = state_get_u8(in);
    state_get_bytes(in, n.gr, sizeof(n.gr));
    n.crtc_index = state_get_u8(in);
    state_get_bytes(in, n.crtc, sizeof(n.crtc));
    n.ar_index = state_get_u8(in);
    n.ar_flip = state_get_bool(in);
    state_get_bytes(in, n.ar, sizeof(n.ar));
    n.dac_mask = state_get_u8(in);
    n.dac_read_index = state_get_u8(in);
    n.dac_write_index = state_get_u8(in);
    n.dac_sub = state_get_u8(in);
    n.dac_state = state_get_u8(in);
    state_get_bytes(in, n.dac_latch, sizeof(n.dac_latch));
    state_get_bytes(in, n.palette, sizeof(n.palette));
    n.latch = state_get_u32(in);
    n.vbe_index = state_get_u16(in);
    for (unsigned i = 0; i < VBE_DISPI_INDEX_NB; i++)
        n.vbe_regs[i] = state_get_u16(in);
    /* Indexes the ports mask on write: anything else is not ours. */
    if (n.seq_index > 7 || n.gr_index > 15 || n.ar_index > 0x3F || n.dac_sub > 2 ||
        (n.dac_state != 0 && n.dac_state != 3))
        state_in_fail(in);
    uint32_t used = state_get_u32(in);
    size_t vram_bytes = (size_t)used * PHYS_PAGE_SIZE;
    if (!state_in_ok(in, false) || used > VGA_PAGES || in->len - in->pos != vram_bytes) {
        state_in_fail(in);
        return -1;
    }
    if (!commit) {
        in->pos += vram_bytes;   /* the VRAM: any bytes will do */
        return 0;
    }
    v->misc = n.misc;
    v->feature = n.feature;
    v->seq_index = n.seq_index;
    memcpy(v->seq, n.seq, sizeof(v->seq));
    v->gr_index = n.gr_index;
    memcpy(v->gr, n.gr, sizeof(v->gr));
    v->crtc_index = n.crtc_index;
    memcpy(v->crtc, n.crtc, sizeof(v->crtc));
    v->ar_index = n.ar_index;
    v->ar_flip = n.ar_flip;
    memcpy(v->ar, n.ar, sizeof(v->ar));
    v->dac_mask = n.dac_mask;
    v->dac_read_index = n.dac_read_index;
    v->dac_write_index = n.dac_write_index;
    v->dac_sub = n.dac_sub;
    v->dac_state = n.dac_state;
    memcpy(v->dac_latch, n.dac_latch, sizeof(v->dac_latch));
    memcpy(v->palette, n.palette, sizeof(v->palette));
    v->latch = n.latch;
    v->vbe_index = n.vbe_index;
    memcpy(v->vbe_regs, n.vbe_regs, sizeof(v->vbe_regs));
    state_get_bytes(in, v->vram, vram_bytes);
    /* The rest is zeros: clear only the pages that are not (a fresh
     * VRAM's untouched pages stay unallocated). */
    for (size_t off = vram_bytes; off < VGA_VRAM_SIZE; off += PHYS_PAGE_SIZE) {
        uint8_t *p = v->vram + off;
        if (p[0] || memcmp(p, p + 1, PHYS_PAGE_SIZE - 1))
            memset(p, 0, PHYS_PAGE_SIZE);
    }
    /* The derived VBE values and clamps, as after the guest's writes. */
    vga_vbe_fixup(v);
    v->bank_offset = vga_vbe_enabled(v)
        ? (uint32_t)(v->vbe_regs[VBE_DISPI_INDEX_BANK] & ((VGA_VRAM_SIZE >> 16) - 1)) << 16 : 0;
    v->full_redraw = v->font_dirty = true;
    v->text_cols = 0;
    vga_legacy_update(v);
    return state_in_ok(in, true) ? 0 : -1;
}

static void vga_dump(const struct device *d, char *buf, size_t len)
{
    const struct vga *v = container_of(d, const struct vga, dev);
    snprintf(buf, len, "%s misc %02x seq4 %02x gr5 %02x gr6 %02x vbe %ux%ux%u%s "
                       "frames %llu",
             (v->gr[6] & 1) || vga_vbe_enabled(v) ? "graphics" : "text", v->misc, v->seq[4],
             v->gr[5], v->gr[6], v->vbe_regs[VBE_DISPI_INDEX_XRES],
             v->vbe_regs[VBE_DISPI_INDEX_YRES], v->vbe_regs[VBE_DISPI_INDEX_BPP],
             vga_vbe_enabled(v) ? " on" : " off", (unsigned long long)v->frames);
}

static void vga_destroy(struct device *d)
{
    struct vga *v = container_of(d, struct vga, dev);
    vga_render_free(v);
    free(v->vram);
    free(v->rom);
    free(v);
}

void vga_connect_rearm(struct vga *v, struct write_rearm rearm)
{
    v->rearm = rearm;
}

void vga_connect_remap(struct vga *v, struct window_remap remap)
{
    v->remap = remap;
    vga_legacy_update(v);
}

static const struct device_ops vga_ops = {
    .type = "vga", .reset = vga_reset, .save = vga_save, .load = vga_load,
    .dump = vga_dump, .destroy = vga_destroy,
};

struct vga *vga_create(struct dev_clock clock, const uint8_t *rom, size_t rom_size)
{
    if (rom_size > VGA_ROM_MAX)
        return NULL;
    struct vga *v = calloc(1, sizeof(*v));
    if (!v)
        return NULL;
    v->vram = calloc(1, VGA_VRAM_SIZE);
    if (rom) {
        v->rom = calloc(1, VGA_ROM_MAX);
        if (v->rom)
            memcpy(v->rom, rom, rom_size);
    }
    if (!v->vram || (rom && !v->rom)) {
        free(v->vram);
        free(v->rom);
        free(v);
        return NULL;
    }
    v->clock = clock;
    edid_generate(v->edid, EDID_PREF_WIDTH, EDID_PREF_HEIGHT, EDID_NAME);
    device_init(&v->dev, &vga_ops, "vga");
    device_add_ports(&v->dev, 0x3B0, 0x30, &vga_port_ops, v);
    /* 0x1CE index, 0x1CF data, 0x1D0 data again (QEMU's
     * vbe_portio_list): a 16-bit access at 0x1CF is one access, not two
     * bytes split at the end of the range. */
    device_add_ports(&v->dev, VBE_DISPI_IOPORT_INDEX, 3, &vga_vbe_ops, v);
    /* The legacy window as two ranges of 64 KiB: with memory map select 1
     * (A0000 64K) in chain-4 only the lower one is linear (vga_mem.c). */
    device_add_mmio(&v->dev, VGA_LEGACY_BASE, VGA_LEGACY_SIZE / 2, &vga_legacy_ops, v);
    device_add_mmio(&v->dev, VGA_LEGACY_BASE + VGA_LEGACY_SIZE / 2, VGA_LEGACY_SIZE / 2,
                    &vga_legacy_hi_ops, v);
    v->legacy_mode = -1;

    /* QEMU's "VGA" PCI device: 1234:1111, class 03 00 00 (VGA-compatible
     * controller), BAR0 the prefetchable framebuffer, BAR2 the registers
     * as MMIO, the VGA BIOS behind
     * the expansion ROM BAR (where SeaBIOS's init_pcirom finds it). */
    pci_function_init(&v->fn, "vga", VGA_PCI_VENDOR, VGA_PCI_DEVICE, 0x030000, 0);
    v->fn.config[0x08] = 0x02;   /* revision, as QEMU's */
    pci_function_add_bar(&v->fn, 0, false, VGA_VRAM_SIZE, NULL, &vga_lfb_ops, v);
    pci_function_set_prefetchable(&v->fn, 0);
    /* The CPU reads the framebuffer at RAM speed; its writes come through
     * vga_lfb_ops, which marks their pages for the next picture, until
     * vga_connect_rearm lets a marked page take writes at RAM speed. */
    v->fn.bar[0].direct = v->vram;
    v->fn.bar[0].direct_writable = v->lfb_writable;
    pci_function_add_bar(&v->fn, 2, false, 0x1000, NULL, &mmio_ops, v);
    if (v->rom)
        pci_function_add_rom(&v->fn, VGA_ROM_MAX, &rom_ops, v);
    /* A VGA decodes its legacy ports and memory whatever the command
     * register says: the I/O bit is writable like on QEMU's device. */
    v->fn.wmask[PCI_COMMAND] |= PCI_COMMAND_IO;

    vga_render_init(v);
    vga_regs_reset(v);
    vga_vbe_reset(v);
    return v;
}
