/* The Bochs VBE ("DISPI") interface and the linear framebuffer; see
 * vga.h.  Behaviour as QEMU's hw/display/vga.c (vbe_ioport_*, and
 * vbe_fixup_regs for the clamps): whatever a guest writes, the visible
 * area [start, start + yres * line) lies inside the VRAM. */
#include "dev/vga.h"

#include <string.h>

void vga_vbe_reset(struct vga *v)
{
    memset(v->vbe_regs, 0, sizeof(v->vbe_regs));
    v->vbe_regs[VBE_DISPI_INDEX_ID] = VBE_DISPI_ID5;
    v->vbe_index = 0;
    v->vbe_start = v->vbe_line = 0;
    v->bank_offset = 0;
}

static unsigned vbe_bits(struct vga *v)
{
    uint16_t *r = v->vbe_regs;
    switch (r[VBE_DISPI_INDEX_BPP]) {
    case 4: case 8: case 16: case 24: case 32:
        return r[VBE_DISPI_INDEX_BPP];
    case 15:
        return 16;
    default:
        /* Anything else is 8 bpp, as QEMU says. */
        r[VBE_DISPI_INDEX_BPP] = 8;
        return 8;
    }
}

void vga_vbe_fixup(struct vga *v)
{
    uint16_t *r = v->vbe_regs;
    if (!vga_vbe_enabled(v))
        return;
    unsigned bits = vbe_bits(v);
    r[VBE_DISPI_INDEX_XRES] &= ~7u;
    if (r[VBE_DISPI_INDEX_XRES] == 0)
        r[VBE_DISPI_INDEX_XRES] = 8;
    if (r[VBE_DISPI_INDEX_XRES] > VBE_DISPI_MAX_XRES)
        r[VBE_DISPI_INDEX_XRES] = VBE_DISPI_MAX_XRES;
    r[VBE_DISPI_INDEX_VIRT_WIDTH] &= ~7u;
    if (r[VBE_DISPI_INDEX_VIRT_WIDTH] > VBE_DISPI_MAX_XRES)
        r[VBE_DISPI_INDEX_VIRT_WIDTH] = VBE_DISPI_MAX_XRES;
    if (r[VBE_DISPI_INDEX_VIRT_WIDTH] < r[VBE_DISPI_INDEX_XRES])
        r[VBE_DISPI_INDEX_VIRT_WIDTH] = r[VBE_DISPI_INDEX_XRES];

    uint32_t line = (uint32_t)r[VBE_DISPI_INDEX_VIRT_WIDTH] * bits / 8;
    uint32_t maxy = VGA_VRAM_SIZE / line;
    if (r[VBE_DISPI_INDEX_YRES] == 0)
        r[VBE_DISPI_INDEX_YRES] = 1;
    if (r[VBE_DISPI_INDEX_YRES] > VBE_DISPI_MAX_YRES)
        r[VBE_DISPI_INDEX_YRES] = VBE_DISPI_MAX_YRES;
    if (r[VBE_DISPI_INDEX_YRES] > maxy)
        r[VBE_DISPI_INDEX_YRES] = (uint16_t)maxy;

    if (r[VBE_DISPI_INDEX_X_OFFSET] > VBE_DISPI_MAX_XRES)
        r[VBE_DISPI_INDEX_X_OFFSET] = VBE_DISPI_MAX_XRES;
    if (r[VBE_DISPI_INDEX_Y_OFFSET] > VBE_DISPI_MAX_YRES)
        r[VBE_DISPI_INDEX_Y_OFFSET] = VBE_DISPI_MAX_YRES;
    uint64_t span = (uint64_t)r[VBE_DISPI_INDEX_YRES] * line;
    uint64_t offset = (uint64_t)r[VBE_DISPI_INDEX_X_OFFSET] * bits / 8 +
                      (uint64_t)r[VBE_DISPI_INDEX_Y_OFFSET] * line;
    if (offset + span > VGA_VRAM_SIZE) {
        r[VBE_DISPI_INDEX_Y_OFFSET] = 0;
        offset = (uint64_t)r[VBE_DISPI_INDEX_X_OFFSET] * bits / 8;
        if (offset + span > VGA_VRAM_SIZE) {
            r[VBE_DISPI_INDEX_X_OFFSET] = 0;
            offset = 0;
        }
    }
    r[VBE_DISPI_INDEX_VIRT_HEIGHT] = (uint16_t)(maxy > 0xFFFF ? 0xFFFF : maxy);
    v->vbe_line = line;
    /* QEMU keeps the start in 32-bit words. */
    v->vbe_start = (uint32_t)offset & ~3u;
    v->full_redraw = true;
}

uint16_t vga_vbe_read(struct vga *v)
{
    unsigned i = v->vbe_index;
    if (i >= VBE_DISPI_INDEX_NB)
        return 0;
    if (v->vbe_regs[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_GETCAPS) {
        switch (i) {
        case VBE_DISPI_INDEX_XRES: return VBE_DISPI_MAX_XRES;
        case VBE_DISPI_INDEX_YRES: return VBE_DISPI_MAX_YRES;
        case VBE_DISPI_INDEX_BPP: return VBE_DISPI_MAX_BPP;
        default: break;
        }
    }
    if (i == VBE_DISPI_INDEX_VIDEO_MEMORY_64K)
        return (uint16_t)(VGA_VRAM_SIZE >> 16);
    return v->vbe_regs[i];
}

/* What enabling a VBE mode does to the VGA registers (QEMU's
 * vbe_ioport_write_data): graphics, the 64 KiB window at 0xA0000, no CGA
 * address wrapping, chain-4 for the packed-pixel depths. */
static void enable_mode(struct vga *v, uint16_t val)
{
    uint16_t *r = v->vbe_regs;
    r[VBE_DISPI_INDEX_VIRT_WIDTH] = r[VBE_DISPI_INDEX_XRES];
    r[VBE_DISPI_INDEX_VIRT_HEIGHT] = r[VBE_DISPI_INDEX_YRES];
    r[VBE_DISPI_INDEX_X_OFFSET] = 0;
    r[VBE_DISPI_INDEX_Y_OFFSET] = 0;
    r[VBE_DISPI_INDEX_ENABLE] |= VBE_DISPI_ENABLED;
    vga_vbe_fixup(v);
    if (!(val & VBE_DISPI_NOCLEARMEM)) {
        uint64_t n = (uint64_t)r[VBE_DISPI_INDEX_YRES] * v->vbe_line;
        memset(v->vram, 0, n < VGA_VRAM_SIZE ? (size_t)n : VGA_VRAM_SIZE);
        vga_mark_dirty(v, 0, (uint32_t)(n < VGA_VRAM_SIZE ? n : VGA_VRAM_SIZE));
    }
    v->gr[6] = (uint8_t)((v->gr[6] & ~0x0C) | 0x05);
    v->crtc[0x17] |= 3;
    v->crtc[0x13] = (uint8_t)(v->vbe_line >> 3);
    v->crtc[0x01] = (uint8_t)((r[VBE_DISPI_INDEX_XRES] >> 3) - 1);
    unsigned h = r[VBE_DISPI_INDEX_YRES] - 1u;
    v->crtc[0x12] = (uint8_t)h;
    v->crtc[0x07] = (uint8_t)((v->crtc[0x07] & ~0x42) | ((h >> 7) & 2) | ((h >> 3) & 0x40));
    v->crtc[0x18] = 0xFF;
    v->crtc[0x07] |= 0x10;
    v->crtc[0x09] |= 0x40;
    if (r[VBE_DISPI_INDEX_BPP] == 4) {
        v->gr[5] = (uint8_t)(v->gr[5] & ~0x60);
        v->seq[4] = (uint8_t)(v->seq[4] & ~0x08);
    } else {
        v->gr[5] = (uint8_t)((v->gr[5] & ~0x60) | 0x40);
        v->seq[4] |= 0x08;
        v->seq[2] |= 0x0F;     /* all planes */
    }
    v->seq[1] &= (uint8_t)~8;
    v->crtc[0x09] &= (uint8_t)~0x9F;   /* no double scan */
}

void vga_vbe_write(struct vga *v, uint16_t val)
{
    uint16_t *r = v->vbe_regs;
    unsigned i = v->vbe_index;
    if (i >= VBE_DISPI_INDEX_NB)
        return;
    switch (i) {
    case VBE_DISPI_INDEX_ID:
        if (val >= VBE_DISPI_ID0 && val <= VBE_DISPI_ID5)
            r[i] = val;
        return;
    case VBE_DISPI_INDEX_XRES: case VBE_DISPI_INDEX_YRES: case VBE_DISPI_INDEX_BPP:
    case VBE_DISPI_INDEX_VIRT_WIDTH: case VBE_DISPI_INDEX_X_OFFSET:
    case VBE_DISPI_INDEX_Y_OFFSET:
        r[i] = val;
        vga_vbe_fixup(v);
        return;
    case VBE_DISPI_INDEX_BANK:
        /* 64 KiB banks; one past the VRAM wraps (QEMU's vbe_bank_mask). */
        val &= (uint16_t)((VGA_VRAM_SIZE >> 16) - 1);
        r[i] = val;
        v->bank_offset = (uint32_t)val << 16;
        return;
    case VBE_DISPI_INDEX_ENABLE:
        if ((val & VBE_DISPI_ENABLED) && !(r[i] & VBE_DISPI_ENABLED))
            enable_mode(v, val);
        else if (!(val & VBE_DISPI_ENABLED))
            v->bank_offset = 0;
        r[i] = val;
        v->full_redraw = true;
        return;
    default:
        return;   /* VIRT_HEIGHT and VIDEO_MEMORY_64K are read only */
    }
}

static uint32_t vbe_in(void *opaque, uint16_t port, unsigned size)
{
    struct vga *v = opaque;
    v->port_accesses++;
    /* The registers are 16 bits wide; a byte IN gets the low byte, and
     * nothing wider than the access reaches the CPU. */
    uint32_t mask = size == 1 ? 0xFFu : 0xFFFFu;
    if (port == VBE_DISPI_IOPORT_INDEX)
        return v->vbe_index & mask;
    return vga_vbe_read(v) & mask;
}

static void vbe_out(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct vga *v = opaque;
    v->port_accesses++;
    if (port == VBE_DISPI_IOPORT_INDEX)
        v->vbe_index = (uint16_t)value;
    else
        vga_vbe_write(v, (uint16_t)value);
    vga_legacy_update(v);
}

const struct io_ops vga_vbe_ops = { .in = vbe_in, .out = vbe_out };

/* The framebuffer BAR: the VRAM, byte for byte. */
static uint32_t lfb_read(void *opaque, uint32_t offset, unsigned size)
{
    struct vga *v = opaque;
    uint32_t val = 0;
    v->lfb_reads++;
    for (unsigned i = 0; i < size; i++)
        if (offset + i < VGA_VRAM_SIZE)
            val |= (uint32_t)v->vram[offset + i] << (8 * i);
    return val;
}

/* A write that reaches the device: the first to its page since the last
 * picture (the CPU stores at RAM speed to pages in lfb_writable), a split
 * or DMA write, or any write when no rearm function is connected.  The
 * page is marked dirty, and (below 256 KiB) the font, before it becomes
 * writable directly: whatever lands there at RAM speed until the next
 * update is then covered by these marks. */
static void lfb_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct vga *v = opaque;
    v->lfb_writes++;
    for (unsigned i = 0; i < size; i++)
        if (offset + i < VGA_VRAM_SIZE)
            v->vram[offset + i] = (uint8_t)(value >> (8 * i));
    vga_mark_dirty(v, offset, size);
    if (offset < VGA_PLANAR_SIZE)
        v->font_dirty = true;
    if (v->rearm.rearm && offset < VGA_VRAM_SIZE) {
        uint32_t p = offset >> 12;
        uint64_t bit = 1ull << (p & 63);
        if (!(v->lfb_writable[p >> 6] & bit)) {
            v->lfb_writable[p >> 6] |= bit;
            v->lfb_dirty_faults++;
        }
    }
}

const struct mmio_ops vga_lfb_ops = { .read = lfb_read, .write = lfb_write };
