/* The VGA's memory as the CPU sees it through 0xA0000-0xBFFFF; see vga.h.
 * IBM VGA Technical Reference, graphics controller registers 00h-08h
 * (set/reset, data rotate and function, read map select, mode: write
 * modes 0-3 and read modes 0-1, miscellaneous: memory map select and
 * chain odd/even, colour compare and don't care, bit mask) and sequencer
 * registers 02h (map mask) and 04h (memory mode: chain-4, odd/even). */
#include "dev/vga.h"

/* Each bit i of a nibble spread to byte i of a word: mask16[0x5] =
 * 0x00FF00FF. */
static uint32_t mask16(unsigned nibble)
{
    uint32_t m = 0;
    for (unsigned i = 0; i < 4; i++)
        if (nibble & (1u << i))
            m |= 0xFFu << (8 * i);
    return m;
}

/* The window's offset to a VRAM address by the memory map select (GR06
 * bits 2-3): 0 A0000 128K, 1 A0000 64K (with VBE's bank), 2 B0000 32K,
 * 3 B8000 32K.  False when the window does not decode the address. */
static bool window_offset(const struct vga *v, uint32_t addr, uint32_t *out)
{
    switch ((v->gr[6] >> 2) & 3) {
    case 0:
        break;
    case 1:
        if (addr >= 0x10000)
            return false;
        addr += v->bank_offset;
        break;
    case 2:
        if (addr < 0x10000 || addr >= 0x18000)
            return false;
        addr -= 0x10000;
        break;
    default:
        if (addr < 0x18000)
            return false;
        addr -= 0x18000;
        break;
    }
    *out = addr;
    return true;
}

static uint32_t read_plane_word(const struct vga *v, uint32_t a)
{
    const uint8_t *p = v->vram + 4 * a;
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint8_t vga_mem_readb(struct vga *v, uint32_t addr)
{
    if (!window_offset(v, addr, &addr))
        return 0xFF;
    if (v->seq[4] & 0x08) {
        /* Chain-4: plane addr & 3 at addr >> 2, i.e. VRAM byte addr. */
        if (addr >= VGA_VRAM_SIZE)
            return 0xFF;
        v->latch = read_plane_word(v, addr >> 2);
        return v->vram[addr];
    }
    if (addr >= VGA_VRAM_SIZE / 4)
        return 0xFF;
    if (v->gr[5] & 0x10) {
        /* Odd/even (text modes): even addresses read plane 0 (or 2), odd
         * ones plane 1 (or 3).  Each pair of addresses is one planar word
         * (QEMU's packing: a text cell is one word, as its renderer and
         * ours read it). */
        unsigned plane = (v->gr[4] & 2) | (addr & 1);
        uint32_t a = addr >> 1;
        v->latch = read_plane_word(v, a);
        return v->vram[4 * a + plane];
    }
    v->latch = read_plane_word(v, addr);
    if (!(v->gr[5] & 0x08))
        return (uint8_t)(v->latch >> (8 * (v->gr[4] & 3)));   /* read mode 0 */
    /* Read mode 1: a 1 for each pixel whose colour, in the planes the
     * don't-care register selects, equals the colour compare value. */
    uint32_t diff = (v->latch ^ mask16(v->gr[2])) & mask16(v->gr[7]);
    diff |= diff >> 16;
    diff |= diff >> 8;
    return (uint8_t)~diff;
}

void vga_mem_writeb(struct vga *v, uint32_t addr, uint8_t val)
{
    if (!window_offset(v, addr, &addr))
        return;
    if (v->seq[4] & 0x08) {
        unsigned plane = addr & 3;
        if (addr >= VGA_VRAM_SIZE || !(v->seq[2] & (1u << plane)))
            return;
        v->vram[addr] = val;
        vga_mark_dirty(v, addr, 1);
        if (plane == 2)
            v->font_dirty = true;
        return;
    }
    if (addr >= VGA_VRAM_SIZE / 4)
        return;
    if (!(v->seq[4] & 0x04)) {
        /* Odd/even writes (sequencer memory mode bit 2 clear). */
        unsigned plane = (v->gr[4] & 2) | (addr & 1);
        if (!(v->seq[2] & (1u << plane)))
            return;
        uint32_t off = 4 * (addr >> 1) + plane;
        v->vram[off] = val;
        vga_mark_dirty(v, off, 1);
        if (plane == 2)
            v->font_dirty = true;
        return;
    }

    uint32_t data, bit_mask;
    unsigned rot = v->gr[3] & 7;
    switch (v->gr[5] & 3) {
    case 0: {
        /* Rotated CPU byte to every plane, planes enabled in GR01 take the
         * set/reset value instead. */
        uint8_t b = (uint8_t)((val >> rot) | (val << (8 - rot)));
        data = b * 0x01010101u;
        uint32_t sr = mask16(v->gr[1]);
        data = (data & ~sr) | (mask16(v->gr[0]) & sr);
        bit_mask = v->gr[8];
        break;
    }
    case 1:
        /* The latches as they are, no function, no bit mask. */
        data = v->latch;
        goto store;
    case 2:
        /* CPU bits 0-3 are each plane's colour. */
        data = mask16(val & 15);
        bit_mask = v->gr[8];
        break;
    default: {
        /* The rotated CPU byte ANDed with the bit mask is the mask; the
         * colour comes from set/reset. */
        uint8_t b = (uint8_t)((val >> rot) | (val << (8 - rot)));
        bit_mask = v->gr[8] & b;
        data = mask16(v->gr[0]);
        break;
    }
    }
    switch ((v->gr[3] >> 3) & 3) {
    case 1: data &= v->latch; break;
    case 2: data |= v->latch; break;
    case 3: data ^= v->latch; break;
    default: break;
    }
    bit_mask *= 0x01010101u;
    data = (data & bit_mask) | (v->latch & ~bit_mask);
store: {
        uint32_t wmask = mask16(v->seq[2]);
        uint32_t old = read_plane_word(v, addr);
        uint32_t now = (old & ~wmask) | (data & wmask);
        uint8_t *p = v->vram + 4 * addr;
        p[0] = (uint8_t)now;
        p[1] = (uint8_t)(now >> 8);
        p[2] = (uint8_t)(now >> 16);
        p[3] = (uint8_t)(now >> 24);
        vga_mark_dirty(v, 4 * addr, 4);
        if (wmask & 0x00FF0000u)
            v->font_dirty = true;
    }
}

static uint32_t legacy_read(void *opaque, uint32_t offset, unsigned size)
{
    struct vga *v = opaque;
    uint32_t val = 0;
    v->legacy_reads++;
    for (unsigned i = 0; i < size; i++)
        val |= (uint32_t)vga_mem_readb(v, (offset + i) & (VGA_LEGACY_SIZE - 1)) << (8 * i);
    return val;
}

/* A write that reaches the device while the window is linear (the first
 * to its page since the last picture, a split write, or a write after a
 * remap) marks the page writable directly, as lfb_write does for the
 * framebuffer: vga_mem_writeb has marked its VRAM page dirty (window page
 * plus the bank, both 4 KiB aligned), and the font is marked too, since a
 * chain-4 page holds plane 2 bytes; whatever lands there at RAM speed
 * until the next update is covered by these marks. */
static void mark_writable(struct vga *v, uint32_t addr)
{
    unsigned half = addr >> 16;
    if (v->legacy_mode < 0 || !v->rearm.rearm || (half && v->legacy_mode != 0))
        return;
    uint64_t bit = 1ull << ((addr >> 12) & 15);
    if (!(v->legacy_writable[half] & bit)) {
        v->legacy_writable[half] |= bit;
        v->font_dirty = true;
        v->lfb_dirty_faults++;
    }
}

static void legacy_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct vga *v = opaque;
    v->legacy_writes++;
    for (unsigned i = 0; i < size; i++) {
        uint32_t a = (offset + i) & (VGA_LEGACY_SIZE - 1);
        vga_mem_writeb(v, a, (uint8_t)(value >> (8 * i)));
        mark_writable(v, a);
    }
}

const struct mmio_ops vga_legacy_ops = { .read = legacy_read, .write = legacy_write };

static uint32_t legacy_hi_read(void *opaque, uint32_t offset, unsigned size)
{
    return legacy_read(opaque, VGA_LEGACY_SIZE / 2 + offset, size);
}

static void legacy_hi_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    legacy_write(opaque, VGA_LEGACY_SIZE / 2 + offset, value, size);
}

const struct mmio_ops vga_legacy_hi_ops = { .read = legacy_hi_read, .write = legacy_hi_write };

/* The window is linear when a byte written at window address a lands in
 * VRAM byte a (+ bank) and nothing else happens: chain-4 (SR04 bit 3;
 * plane a & 3 at a >> 2, which our plane-interleaved VRAM stores at byte
 * a), all four planes enabled in the map mask (SR02 = 0xF), and memory
 * map select (GR06 bits 2-3) 0 or 1 (at A0000; 1 adds VBE's bank offset,
 * a multiple of 64 KiB, so each window page is one VRAM page and the
 * dirty marks stay per VRAM page).  Then the window is a direct window
 * as QEMU's chain4_alias is: reads at RAM speed, writes too once their
 * page is marked.  A deviation we share with QEMU: a direct read does
 * not load the latches (vga_mem_readb's chain-4 case does).  Chain-4
 * writes ignore the latches, so only a program that reads in this state
 * and uses the latches after leaving it (write mode 1, read mode 1) can
 * tell.  The board also forgets code scanned from the window on each
 * remap (its bytes change without a write). */
void vga_legacy_update(struct vga *v)
{
    if (!v->remap.remap || !v->rearm.rearm)
        return;
    unsigned map = (v->gr[6] >> 2) & 3;
    int mode = -1;
    uint32_t bank = 0;
    if ((v->seq[4] & 0x08) && (v->seq[2] & 0x0F) == 0x0F && map <= 1 &&
        v->bank_offset + VGA_LEGACY_SIZE / 2 <= VGA_VRAM_SIZE) {
        mode = (int)map;
        bank = map == 1 ? v->bank_offset : 0;
    }
    if (mode == v->legacy_mode && bank == v->legacy_bank)
        return;
    v->legacy_mode = mode;
    v->legacy_bank = bank;
    /* The marks go first, then the board drops the translations that
     * used them (the order harvest explains in vga_render.c). */
    v->legacy_writable[0] = v->legacy_writable[1] = 0;
    v->remap.remap(v->remap.opaque, VGA_LEGACY_BASE, v, mode >= 0 ? v->vram + bank : NULL,
                   &v->legacy_writable[0]);
    v->remap.remap(v->remap.opaque, VGA_LEGACY_BASE + VGA_LEGACY_SIZE / 2, v,
                   mode == 0 ? v->vram + VGA_LEGACY_SIZE / 2 : NULL, &v->legacy_writable[1]);
}
