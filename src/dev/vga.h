/* The VGA with Bochs VBE extensions, as QEMU's "std" VGA (-vga std): the
 * display adapter of issue 17.
 *
 * The device is split by job:
 *   vga_regs.c    the register set behind ports 0x3B0-0x3DF (misc output,
 *                 sequencer, CRTC, graphics and attribute controllers,
 *                 DAC, input status with a retrace that follows guest time)
 *   vga_mem.c     the planar memory seen through 0xA0000-0xBFFFF: the four
 *                 write modes, two read modes, latches, plane masks, chain-4
 *                 and odd/even (IBM VGA Technical Reference, "Graphics
 *                 Controller Registers")
 *   vga_render.c  the picture: text, CGA 4-colour, 16-colour planar, 256-
 *                 colour (chained and unchained) and VBE modes into an
 *                 XRGB8888 surface, with per-page dirty tracking; the
 *                 display_source (dev/display.h)
 *   vga_vbe.c     the Bochs VBE interface (ports 0x1CE/0x1CF) with QEMU's
 *                 clamps, and the linear framebuffer (the CPU reads it at
 *                 RAM speed, and writes a page at RAM speed once its first
 *                 write since the last picture marked it: lfb_writable)
 *   vga.c         the device: creation, the PCI function (1234:1111 class
 *                 0300 at 00:02.0 with the framebuffer BAR and the
 *                 expansion ROM), reset, snapshots
 *
 * Video memory layout (QEMU's): plane p of the planar address a (0..64K-1)
 * is byte 4*a + p of `vram`, so chain-4 (mode 13h) and the VBE modes see
 * the same bytes linearly, and a planar access is one 32-bit word. */
#ifndef PLEX86_DEV_VGA_H
#define PLEX86_DEV_VGA_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/display.h"
#include "dev/guest_mem.h"
#include "dev/edid.h"
#include "dev/irq.h"
#include "dev/pci.h"
#include "vm/device.h"

#define VGA_VRAM_SIZE (16u << 20)      /* QEMU's default vgamem_mb=16 */
#define VGA_PLANAR_SIZE (256u << 10)   /* the standard VGA's 4 x 64 KiB */
#define VGA_PAGES (VGA_VRAM_SIZE >> 12)
#define VGA_LEGACY_BASE 0xA0000u
#define VGA_LEGACY_SIZE 0x20000u
#define VGA_ROM_MAX (64u << 10)        /* the expansion ROM BAR's size */

/* Bochs VBE ("DISPI") registers, QEMU's hw/display/vga.h numbering. */
enum {
    VBE_DISPI_INDEX_ID, VBE_DISPI_INDEX_XRES, VBE_DISPI_INDEX_YRES, VBE_DISPI_INDEX_BPP,
    VBE_DISPI_INDEX_ENABLE, VBE_DISPI_INDEX_BANK, VBE_DISPI_INDEX_VIRT_WIDTH,
    VBE_DISPI_INDEX_VIRT_HEIGHT, VBE_DISPI_INDEX_X_OFFSET, VBE_DISPI_INDEX_Y_OFFSET,
    VBE_DISPI_INDEX_VIDEO_MEMORY_64K, VBE_DISPI_INDEX_NB,
};
#define VBE_DISPI_IOPORT_INDEX 0x1CE
#define VBE_DISPI_IOPORT_DATA 0x1CF
#define VBE_DISPI_ID0 0xB0C0
#define VBE_DISPI_ID5 0xB0C5
#define VBE_DISPI_MAX_XRES 16000
#define VBE_DISPI_MAX_YRES 12000
#define VBE_DISPI_MAX_BPP 32
enum {
    VBE_DISPI_ENABLED = 0x01, VBE_DISPI_GETCAPS = 0x02, VBE_DISPI_8BIT_DAC = 0x20,
    VBE_DISPI_LFB_ENABLED = 0x40, VBE_DISPI_NOCLEARMEM = 0x80,
};

/* Where the PCI function sits, as on QEMU's pc machine with -vga std. */
#define VGA_PCI_DEV 2
#define VGA_PCI_VENDOR 0x1234
#define VGA_PCI_DEVICE 0x1111

struct vga {
    struct device dev;     /* first: the destroy op frees it */
    struct pci_function fn;
    struct dev_clock clock;

    uint8_t *vram;         /* VGA_VRAM_SIZE bytes */

    /* Registers (IBM VGA Technical Reference). */
    uint8_t misc;          /* 0x3C2/0x3CC: bit 0 colour ports (0x3Dx) */
    uint8_t feature;       /* 0x3DA/0x3BA write, 0x3CA read */
    uint8_t seq_index, seq[8];
    uint8_t gr_index, gr[16];
    uint8_t crtc_index, crtc[32];
    uint8_t ar_index;      /* bits 0-4 index, bit 5 palette address source */
    bool ar_flip;          /* false: the next 0x3C0 write is an index */
    uint8_t ar[0x15];
    uint8_t dac_mask;      /* 0x3C6 */
    uint8_t dac_read_index, dac_write_index, dac_sub; /* sub: 0-2 (R, G, B) */
    uint8_t dac_state;     /* 0x3C7 read: 0 after a write index, 3 after read */
    uint8_t dac_latch[3];
    uint8_t palette[768];  /* 6-bit (8-bit with VBE_DISPI_8BIT_DAC) RGB */
    uint32_t latch;        /* the four planes' latches, plane 0 in bits 0-7 */

    /* Bochs VBE. */
    uint16_t vbe_index;
    uint16_t vbe_regs[VBE_DISPI_INDEX_NB];
    uint32_t vbe_start;    /* bytes: from x/y offset */
    uint32_t vbe_line;     /* bytes per line */
    uint32_t bank_offset;  /* bytes: the 64 KiB window's start in VRAM */

    /* The expansion ROM (the VGA BIOS), VGA_ROM_MAX bytes, or NULL. */
    uint8_t *rom;
    /* The monitor's EDID at the start of BAR2 (dev/edid.h); not guest
     * state: made at creation, read only. */
    uint8_t edid[EDID_BLOCK_SIZE];

    /* Rendering (vga_render.c): not guest state. */
    uint64_t dirty[VGA_PAGES / 64];  /* VRAM pages written since the last
                                        update */
    uint64_t drawn[VGA_PAGES / 64];  /* the update's copy of `dirty`,
                                        taken before it draws */
    /* The framebuffer pages the CPU may store to at RAM speed (the
     * memory map's direct_writable, vm/physmem.h): set by the first write
     * through lfb_write after a picture, which also marks the page dirty
     * (and the font, below 256 KiB); cleared with `dirty` when an update
     * takes the pages, then `rearm` drops the CPUs' write translations.
     * Only with `rearm` connected. */
    uint64_t lfb_writable[VGA_PAGES / 64];
    struct write_rearm rearm;
    /* The legacy window as the memory map has it (vga_legacy_update): -1
     * plain MMIO, else linear (chain-4, map mask 0xF) with memory map
     * select 0 (A0000 128K: both halves direct, VRAM from 0) or 1 (A0000
     * 64K: the lower half direct, VRAM from legacy_bank, VBE's bank).
     * legacy_writable[h] is half h's direct_writable (bit p: its page p),
     * set and cleared as lfb_writable is.  Not guest state: derived from
     * the registers.  Only with `remap` (and `rearm`) connected. */
    int legacy_mode;
    uint32_t legacy_bank;
    uint64_t legacy_writable[2];
    struct window_remap remap;
    bool full_redraw;      /* a register the picture depends on changed */
    bool font_dirty;       /* plane 2 written: glyphs may have changed */
    uint32_t *surface;
    uint32_t width, height, surface_cap;  /* cap: pixels allocated */
    uint16_t *text_cells;  /* the cells last drawn, for text updates */
    unsigned text_cols, text_rows;
    uint16_t *text_out;    /* the cells display_text hands out */
    size_t text_out_cap;
    int text_cursor;       /* cell where the cursor was drawn, -1 none */
    bool text_blink_phase;
    uint32_t pal32[256];   /* the palette as pixels, as last drawn */
    struct display_source source;

    /* Counters (host/counters.def). */
    uint64_t legacy_reads, legacy_writes, lfb_reads, lfb_writes, lfb_dirty_faults;
    uint64_t frames, port_accesses;
};

/* Creates the adapter: registers, VRAM, the legacy window at 0xA0000 and
 * the VGA and VBE ports declared; the PCI function (BAR0: the framebuffer;
 * the expansion ROM when `rom` is given, at most VGA_ROM_MAX bytes) is
 * ready for pci_register.  NULL when out of memory or the ROM is too
 * large. */
struct vga *vga_create(struct dev_clock clock, const uint8_t *rom, size_t rom_size);

/* Lets the CPU write the framebuffer at RAM speed (lfb_writable), with
 * the board's function that drops the CPUs' write translations.  Without
 * it every write to the framebuffer calls the device. */
void vga_connect_rearm(struct vga *v, struct write_rearm rearm);
/* Lets the CPU read the legacy window at RAM speed, and write it once a
 * page is marked (as the framebuffer), while it is linear: mode 13h's
 * chain-4 with all planes enabled, at A0000 (vga_legacy_update).  Needs
 * vga_connect_rearm first; without it every access calls the device. */
void vga_connect_remap(struct vga *v, struct window_remap remap);
/* Puts the adapter in the state a VGA BIOS leaves after its POST: mode
 * 03h, 80x25 colour text, the screen cleared, the cursor at its top left
 * (vga_bios.c); for boots that run no firmware (-kernel). */
void vga_bios_text_mode(struct vga *v);

/* What the host's frontends read (dev/display.h). */
const struct display_source *vga_display(struct vga *v);

/* --- inside the device (vga_*.c) ---------------------------------------- */

/* The register ports (vga_regs.c). */
extern const struct io_ops vga_port_ops;
void vga_regs_reset(struct vga *v);
/* The port of the CRTC and input status: 0x3Dx with misc bit 0, else 0x3Bx. */
static inline uint16_t vga_crtc_base(const struct vga *v)
{
    return (v->misc & 1) ? 0x3D0 : 0x3B0;
}
/* Input status 1 at guest time `now_ns` (bit 0 display disabled, bit 3
 * vertical retrace). */
uint8_t vga_status1(const struct vga *v, uint64_t now_ns);

/* The legacy window (vga_mem.c): offsets from 0xA0000. */
extern const struct mmio_ops vga_legacy_ops;
/* The upper 64 KiB (0xB0000-0xBFFFF), its own range so that the lower
 * one can be a direct window alone: offsets from 0xB0000. */
extern const struct mmio_ops vga_legacy_hi_ops;
/* After a register write that may change the window's decoding (SR02,
 * SR04, GR06, VBE's bank or enable), a reset or a load: has the board
 * remap the window when it turns linear, stops being so, or its bank
 * moves (QEMU's chain4_alias, hw/display/vga.c vga_update_memory_access). */
void vga_legacy_update(struct vga *v);
uint8_t vga_mem_readb(struct vga *v, uint32_t addr);
void vga_mem_writeb(struct vga *v, uint32_t addr, uint8_t val);

/* VBE (vga_vbe.c). */
extern const struct io_ops vga_vbe_ops;
extern const struct mmio_ops vga_lfb_ops;
void vga_vbe_reset(struct vga *v);
static inline bool vga_vbe_enabled(const struct vga *v)
{
    return v->vbe_regs[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_ENABLED;
}
/* Brings VBE's derived values (line length, start) and the clamps in line
 * with the registers (after a write or a load). */
void vga_vbe_fixup(struct vga *v);
uint16_t vga_vbe_read(struct vga *v);
void vga_vbe_write(struct vga *v, uint16_t val);

/* Rendering (vga_render.c). */
void vga_render_init(struct vga *v);
void vga_render_free(struct vga *v);

/* Marks VRAM bytes [off, off+len) written. */
static inline void vga_mark_dirty(struct vga *v, uint32_t off, uint32_t len)
{
    if (!len || off >= VGA_VRAM_SIZE)
        return;
    uint32_t last = off + len - 1;
    if (last >= VGA_VRAM_SIZE)
        last = VGA_VRAM_SIZE - 1;
    for (uint32_t p = off >> 12; p <= last >> 12; p++)
        v->dirty[p >> 6] |= 1ull << (p & 63);
}

#endif
