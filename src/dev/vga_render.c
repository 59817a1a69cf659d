/* The VGA's picture: what the CRT controller, the attribute controller
 * and the DAC make of the video memory, drawn into an XRGB8888 surface;
 * see vga.h.  The geometry follows QEMU's vga_draw_text/vga_draw_graphic
 * (so that a screendump of ours and of QEMU's have the same size and
 * pixels): text cells of 8, 9 or 16 (dot clock halved) pixels, graphics
 * (CRTC 01h + 1) * 8 wide with pixel doubling for the 320-wide modes, as
 * many lines as the vertical display end says, each repeated per the
 * maximum scan line and double-scan bits.
 *
 * Only what changed is drawn again: a text cell whose character,
 * attribute, cursor or blink state differs from the last drawing, or a
 * graphics line whose VRAM pages were written (vga_mark_dirty); any change
 * of a register the picture depends on redraws everything. */
#include "dev/vga.h"

#include <stdlib.h>
#include <string.h>

/* At most this many pixels are drawn (64 MiB of surface); the largest VBE
 * mode the VRAM holds at 8 bpp is 16 Mpixels. */
#define SURFACE_MAX_PIXELS (16u << 20)
/* QEMU's limit on text screens (CH_ATTR_SIZE). */
#define TEXT_MAX_CELLS (160u * 100u)
/* Guest time of one frame (vga_regs.c's 70 Hz), for the blink rates. */
#define FRAME_NS (31778ull * 449u)

/* QEMU's 6-bit to 8-bit DAC expansion (c6_to_8). */
static uint32_t c6_to_8(uint32_t v)
{
    v &= 0x3F;
    uint32_t b = v & 1;
    return v << 2 | b << 1 | b;
}

static uint32_t dac_pixel(const struct vga *v, unsigned index)
{
    index &= v->dac_mask;
    const uint8_t *p = &v->palette[3 * index];
    if (v->vbe_regs[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_8BIT_DAC)
        return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
    return c6_to_8(p[0]) << 16 | c6_to_8(p[1]) << 8 | c6_to_8(p[2]);
}

/* The 16 colours of text and planar modes: the attribute controller's
 * palette registers, with bits 4-7 from its colour select register (AR10
 * bit 7 picks which bits), through the DAC. */
static void palette16(const struct vga *v, uint32_t out[16])
{
    for (unsigned i = 0; i < 16; i++) {
        unsigned c = v->ar[i];
        if (v->ar[0x10] & 0x80)
            c = (unsigned)(v->ar[0x14] & 0xF) << 4 | (c & 0xF);
        else
            c = (unsigned)(v->ar[0x14] & 0xC) << 4 | (c & 0x3F);
        out[i] = dac_pixel(v, c);
    }
}

static void palette256(const struct vga *v, uint32_t out[256])
{
    for (unsigned i = 0; i < 256; i++)
        out[i] = dac_pixel(v, i);
}

static bool ensure_surface(struct vga *v, uint32_t w, uint32_t h)
{
    if (w == 0 || h == 0)
        return false;
    if ((uint64_t)w * h > SURFACE_MAX_PIXELS)
        h = SURFACE_MAX_PIXELS / w;
    if (w != v->width || h != v->height)
        v->full_redraw = true;
    if ((uint64_t)w * h > v->surface_cap) {
        uint32_t *s = realloc(v->surface, (size_t)w * h * sizeof(uint32_t));
        if (!s)
            return false;
        v->surface = s;
        v->surface_cap = w * h;
    }
    v->width = w;
    v->height = h;
    return true;
}

static bool range_dirty(const struct vga *v, uint32_t off, uint32_t len)
{
    if (off + len > VGA_VRAM_SIZE || len == 0)
        return true;   /* wraps: draw it */
    for (uint32_t p = off >> 12; p <= (off + len - 1) >> 12; p++)
        if (v->drawn[p >> 6] >> (p & 63) & 1)
            return true;
    return false;
}

static uint8_t vram_at(const struct vga *v, uint32_t off)
{
    return v->vram[off & (VGA_VRAM_SIZE - 1)];
}

static uint32_t vdisp_end(const struct vga *v)
{
    return (v->crtc[0x12] | (uint32_t)(v->crtc[7] & 0x02) << 7 |
            (uint32_t)(v->crtc[7] & 0x40) << 3) + 1;
}

/* --- text ------------------------------------------------------------------ */

struct text_geom {
    unsigned cols, rows, cw, ch;
    uint32_t start, line;       /* VRAM bytes */
};

static bool text_geometry(const struct vga *v, struct text_geom *g)
{
    g->ch = (v->crtc[9] & 0x1F) + 1u;
    g->cw = (v->seq[1] & 1) ? 8 : 9;
    if (v->seq[1] & 8)
        g->cw = 16;
    g->cols = v->crtc[1] + 1u;
    g->rows = v->crtc[6] == 100 ? 100 : vdisp_end(v) / g->ch;  /* QEMU's CGA hack */
    g->start = ((uint32_t)v->crtc[0x0C] << 8 | v->crtc[0x0D]) * 4;
    g->line = (uint32_t)v->crtc[0x13] << 3;
    return g->cols * g->rows > 1 && g->cols * g->rows <= TEXT_MAX_CELLS;
}

static uint64_t frame_no(const struct vga *v)
{
    return dev_clock_now(&v->clock) / FRAME_NS;
}

static void draw_cell(struct vga *v, const struct text_geom *g, unsigned col, unsigned row,
                      uint16_t cell, bool cursor, bool blink_off, const uint32_t pal[16])
{
    uint8_t chr = (uint8_t)cell, attr = (uint8_t)(cell >> 8);
    uint8_t cmap = v->seq[3];
    unsigned map = (attr & 8) ? ((cmap >> 5) & 1) | ((cmap >> 1) & 6)
                              : ((cmap >> 4) & 1) | ((cmap << 1) & 6);
    uint32_t font = (uint32_t)map * 8192 * 4 + 2 + 32u * 4 * chr;
    bool blink = v->ar[0x10] & 0x08;
    uint32_t fg = pal[attr & 15];
    uint32_t bg = pal[blink ? (attr >> 4) & 7 : attr >> 4];
    if (blink && (attr & 0x80) && blink_off)
        fg = bg;
    /* The ninth dot repeats the eighth for the line-drawing characters
     * C0h-DFh when AR10 bit 2 says so, else it is background (IBM VGA
     * Technical Reference, attribute mode control register). */
    bool dup9 = (v->ar[0x10] & 0x04) && chr >= 0xC0 && chr <= 0xDF;
    unsigned cs = v->crtc[0x0A] & 0x1F, ce = v->crtc[0x0B] & 0x1F;
    uint32_t *px = v->surface + (size_t)row * g->ch * v->width + (size_t)col * g->cw;
    for (unsigned y = 0; y < g->ch; y++, px += v->width) {
        unsigned bits = vram_at(v, font + 4 * y);
        if (cursor && y >= cs && y <= ce)
            bits = 0xFF;
        if (g->cw == 16) {
            for (unsigned x = 0; x < 8; x++)
                px[2 * x] = px[2 * x + 1] = (bits >> (7 - x)) & 1 ? fg : bg;
            continue;
        }
        for (unsigned x = 0; x < 8; x++)
            px[x] = (bits >> (7 - x)) & 1 ? fg : bg;
        if (g->cw == 9)
            px[8] = dup9 && (bits & 1) ? fg : bg;
    }
}

static bool render_text(struct vga *v, struct display_rect *dirty)
{
    struct text_geom g;
    if (!text_geometry(v, &g) || !ensure_surface(v, g.cols * g.cw, g.rows * g.ch))
        return false;
    if (g.rows * g.ch > v->height)
        g.rows = v->height / g.ch;
    size_t ncells = (size_t)g.cols * g.rows;
    if (!v->text_cells || g.cols != v->text_cols || g.rows != v->text_rows) {
        uint16_t *c = realloc(v->text_cells, ncells * sizeof(uint16_t));
        if (!c)
            return false;
        v->text_cells = c;
        v->text_cols = g.cols;
        v->text_rows = g.rows;
        v->full_redraw = true;
    }
    uint32_t pal[16];
    palette16(v, pal);
    if (memcmp(pal, v->pal32, sizeof(pal))) {
        memcpy(v->pal32, pal, sizeof(pal));
        v->full_redraw = true;
    }
    uint64_t frame = frame_no(v);
    bool cursor_phase = !((frame >> 3) & 1);   /* 16-frame cursor blink */
    bool blink_off = (frame >> 4) & 1;         /* 32-frame character blink */
    bool blink_changed = blink_off != v->text_blink_phase;
    v->text_blink_phase = blink_off;
    int cursor = -1;
    uint32_t cpos = (uint32_t)v->crtc[0x0E] << 8 | v->crtc[0x0F];
    uint32_t spos = (uint32_t)v->crtc[0x0C] << 8 | v->crtc[0x0D];
    if (!(v->crtc[0x0A] & 0x20) && cursor_phase && cpos >= spos && g.line) {
        uint32_t rel = (cpos - spos) * 4;
        unsigned r = rel / g.line, c = (rel % g.line) / 4;
        if (r < g.rows && c < g.cols)
            cursor = (int)(r * g.cols + c);
    }
    bool full = v->full_redraw || v->font_dirty;
    unsigned y0 = g.rows, y1 = 0;
    for (unsigned r = 0; r < g.rows; r++) {
        uint32_t off = g.start + r * g.line;
        for (unsigned c = 0; c < g.cols; c++, off += 4) {
            unsigned i = r * g.cols + c;
            uint16_t cell = (uint16_t)(vram_at(v, off) | vram_at(v, off + 1) << 8);
            bool is_cursor = (int)i == cursor;
            bool redraw = full || cell != v->text_cells[i] || is_cursor ||
                          (int)i == v->text_cursor ||
                          (blink_changed && (cell & 0x8000));
            if (!redraw)
                continue;
            v->text_cells[i] = cell;
            draw_cell(v, &g, c, r, cell, is_cursor, blink_off, pal);
            if (r < y0)
                y0 = r;
            y1 = r + 1;
        }
    }
    /* The cursor cell is drawn each time (it is cheap) so that a blink or
     * a move is never missed. */
    v->text_cursor = cursor;
    v->font_dirty = false;
    if (y0 < y1)
        *dirty = (struct display_rect){ 0, y0 * g.ch, v->width, y1 * g.ch };
    return true;
}

/* --- graphics -------------------------------------------------------------- */

enum line_kind { LINE2, LINE4, LINE8D2, LINE8, LINE15, LINE16, LINE24, LINE32 };

static void draw_line(struct vga *v, enum line_kind k, bool d2, uint32_t addr, uint32_t width,
                      uint32_t *d, const uint32_t *pal)
{
    uint8_t pe = v->ar[0x12] & 0xF;
    uint32_t plane_mask = 0;
    for (unsigned i = 0; i < 4; i++)
        if (pe & (1u << i))
            plane_mask |= 0xFFu << (8 * i);
    switch (k) {
    case LINE2: case LINE4:
        for (uint32_t x = 0; x < width / 8; x++, addr += 4) {
            uint32_t data = (vram_at(v, addr) | vram_at(v, addr + 1) << 8 |
                             (uint32_t)vram_at(v, addr + 2) << 16 |
                             (uint32_t)vram_at(v, addr + 3) << 24) & plane_mask;
            unsigned px[8];
            if (k == LINE4) {
                /* Bit 7-i of each plane's byte is bit p of pixel i. */
                for (unsigned i = 0; i < 8; i++) {
                    unsigned c = 0;
                    for (unsigned p = 0; p < 4; p++)
                        c |= ((data >> (8 * p + 7 - i)) & 1) << p;
                    px[i] = c;
                }
            } else {
                /* CGA 4-colour: two bits a pixel, four pixels in plane 0
                 * (then plane 1), bits 2-3 from planes 2 (then 3). */
                for (unsigned i = 0; i < 8; i++) {
                    unsigned lo = i < 4 ? 0 : 1, sh = 6 - 2 * (i & 3);
                    unsigned c = ((data >> (8 * lo + sh)) & 3) |
                                 ((data >> (8 * (lo + 2) + sh)) & 3) << 2;
                    px[i] = c;
                }
            }
            for (unsigned i = 0; i < 8; i++) {
                if (d2) {
                    *d++ = pal[px[i]];
                    *d++ = pal[px[i]];
                } else {
                    *d++ = pal[px[i]];
                }
            }
        }
        return;
    case LINE8D2:
        for (uint32_t x = 0; x < width / 2; x++) {
            uint32_t c = pal[vram_at(v, addr + x)];
            *d++ = c;
            *d++ = c;
        }
        return;
    case LINE8:
        for (uint32_t x = 0; x < width; x++)
            *d++ = pal[vram_at(v, addr + x)];
        return;
    case LINE15: case LINE16:
        for (uint32_t x = 0; x < width; x++, addr += 2) {
            uint32_t w = vram_at(v, addr) | vram_at(v, addr + 1) << 8;
            uint32_t r, g, b;
            if (k == LINE15) {
                r = (w >> 7) & 0xF8;
                g = (w >> 2) & 0xF8;
            } else {
                r = (w >> 8) & 0xF8;
                g = (w >> 3) & 0xFC;
            }
            b = (w << 3) & 0xF8;
            *d++ = r << 16 | g << 8 | b;
        }
        return;
    case LINE24: case LINE32: {
        unsigned step = k == LINE24 ? 3 : 4;
        for (uint32_t x = 0; x < width; x++, addr += step)
            *d++ = (uint32_t)vram_at(v, addr + 2) << 16 | (uint32_t)vram_at(v, addr + 1) << 8 |
                   vram_at(v, addr);
        return;
    }
    }
}

static bool render_graphics(struct vga *v, struct display_rect *dirty)
{
    bool vbe = vga_vbe_enabled(v);
    unsigned shift = (v->gr[5] >> 5) & 3;
    uint32_t width, height, start, line;
    unsigned bpp = vbe ? v->vbe_regs[VBE_DISPI_INDEX_BPP] : 0;
    if (vbe) {
        width = v->vbe_regs[VBE_DISPI_INDEX_XRES];
        height = v->vbe_regs[VBE_DISPI_INDEX_YRES];
        start = v->vbe_start;
        line = v->vbe_line;
    } else {
        width = (v->crtc[1] + 1u) * 8;
        height = vdisp_end(v);
        start = ((uint32_t)v->crtc[0x0C] << 8 | v->crtc[0x0D]) * 4;
        line = (uint32_t)v->crtc[0x13] << 3;
    }
    unsigned dscan = v->crtc[9] >> 7;
    unsigned multi = shift != 1 ? (((v->crtc[9] & 0x1Fu) + 1) << dscan) - 1 : dscan;
    enum line_kind k;
    bool d2 = false;
    uint32_t disp_width = width, bwidth;
    if (shift == 0 || shift == 1) {
        k = shift == 0 ? LINE4 : LINE2;
        d2 = v->seq[1] & 8;
        if (d2)
            disp_width <<= 1;
        bwidth = width / 2;
    } else {
        switch (bpp) {
        case 8: k = LINE8; bwidth = width; break;
        case 15: k = LINE15; bwidth = width * 2; break;
        case 16: k = LINE16; bwidth = width * 2; break;
        case 24: k = LINE24; bwidth = width * 3; break;
        case 32: k = LINE32; bwidth = width * 4; break;
        default: k = LINE8D2; bwidth = width / 2; break;
        }
    }
    if (!ensure_surface(v, disp_width, height))
        return false;
    height = v->height;
    uint32_t pal[256];
    if (k == LINE2 || k == LINE4)
        palette16(v, pal);
    else
        palette256(v, pal);
    if (memcmp(pal, v->pal32, (k == LINE2 || k == LINE4 ? 16 : 256) * sizeof(uint32_t))) {
        memcpy(v->pal32, pal, sizeof(pal));
        v->full_redraw = true;
    }
    /* VBE modes have no line compare (QEMU: 65535). */
    uint32_t line_compare = vbe ? UINT32_MAX
                                : v->crtc[0x18] | (uint32_t)(v->crtc[7] & 0x10) << 4 |
                                      (uint32_t)(v->crtc[9] & 0x40) << 3;
    bool full = v->full_redraw;
    uint32_t addr1 = start, y1 = 0, y0d = height, y1d = 0;
    unsigned multi_run = multi;
    for (uint32_t y = 0; y < height; y++) {
        uint32_t addr = addr1;
        if (!(v->crtc[0x17] & 1)) {
            unsigned sh = 14 + ((v->crtc[0x17] >> 6) & 1);
            addr = (addr & ~(1u << sh)) | ((y1 & 1) << sh);
        }
        if (!(v->crtc[0x17] & 2))
            addr = (addr & ~0x8000u) | ((y1 & 2) << 14);
        if (full || range_dirty(v, addr, bwidth)) {
            draw_line(v, k, d2, addr, width, v->surface + (size_t)y * v->width, pal);
            if (y < y0d)
                y0d = y;
            y1d = y + 1;
        }
        if (!multi_run) {
            unsigned mask = (v->crtc[0x17] & 3) ^ 3;
            if ((y1 & mask) == mask)
                addr1 += line;
            y1++;
            multi_run = multi;
        } else {
            multi_run--;
        }
        if (y == line_compare)
            addr1 = 0;
    }
    if (y0d < y1d)
        *dirty = (struct display_rect){ 0, y0d, v->width, y1d };
    return true;
}

/* --- the display_source ------------------------------------------------------ */

/* Takes the pages written since the last update for this one to draw
 * (`drawn`), and has writes to the framebuffer reach the device again.
 *
 * The order matters once stores can land at RAM speed.  (1) The marks
 * are copied and cleared, lfb_writable with them; (2) the CPUs' write
 * translations of the pages that were writable are dropped; (3) the
 * drawing reads VRAM.  A store between (1) and (2) still lands at RAM
 * speed, unseen by the device, but only on a page that was writable,
 * hence marked dirty in the copy, and (3) reads VRAM after it: it is
 * drawn now.  A store after (2) reaches the device, which marks its page
 * again for the next update.  The other order, (2) before (1), loses
 * updates: a store in between reaches the device and makes its page
 * writable again, then (1) clears the mark while the CPU keeps its new
 * write translation, and every later store to the page goes unseen. */
static void harvest(struct vga *v)
{
    memcpy(v->drawn, v->dirty, sizeof(v->drawn));
    memset(v->dirty, 0, sizeof(v->dirty));
    /* One span from the first writable page to the last (dropping a page
     * that had no write translation does nothing): one sweep of each TLB. */
    int first = -1, last = -1;
    for (unsigned w = 0; w < VGA_PAGES / 64; w++) {
        uint64_t bits = v->lfb_writable[w];
        if (!bits)
            continue;
        if (first < 0)
            first = (int)(w * 64 + (unsigned)__builtin_ctzll(bits));
        last = (int)(w * 64 + 63 - (unsigned)__builtin_clzll(bits));
        v->lfb_writable[w] = 0;
    }
    const struct pci_bar *bar = &v->fn.bar[0];
    if (first >= 0 && bar->mapped && v->rearm.rearm)
        v->rearm.rearm(v->rearm.opaque, bar->mapped_base + ((uint32_t)first << 12),
                       (uint32_t)(last - first + 1) << 12);
    /* The legacy window's pages likewise (vga_mem.c), its two halves as
     * one span of 32 pages. */
    uint32_t lw = (uint32_t)(v->legacy_writable[0] & 0xFFFF) |
                  (uint32_t)(v->legacy_writable[1] & 0xFFFF) << 16;
    v->legacy_writable[0] = v->legacy_writable[1] = 0;
    if (lw && v->rearm.rearm) {
        unsigned lo = (unsigned)__builtin_ctz(lw), hi = 31 - (unsigned)__builtin_clz(lw);
        v->rearm.rearm(v->rearm.opaque, VGA_LEGACY_BASE + (lo << 12), (hi - lo + 1) << 12);
    }
}

static bool vga_update(void *opaque, struct display_surface *out, struct display_rect *dirty)
{
    struct vga *v = opaque;
    *dirty = (struct display_rect){ 0 };
    harvest(v);
    uint32_t ow = v->width, oh = v->height;
    bool shown;
    if (!(v->ar_index & 0x20) || (v->seq[1] & 0x20)) {
        /* Blanked: the last size in black. */
        shown = v->width && v->height;
        if (shown && v->full_redraw) {
            memset(v->surface, 0, (size_t)v->width * v->height * sizeof(uint32_t));
            *dirty = (struct display_rect){ 0, 0, v->width, v->height };
        }
        v->text_cols = 0;     /* text cells to be drawn again */
    } else if (v->gr[6] & 1 || vga_vbe_enabled(v)) {
        shown = render_graphics(v, dirty);
        v->text_cols = 0;
    } else {
        shown = render_text(v, dirty);
    }
    if (!shown) {
        /* Nothing drawn: the pages stay marked for the next update. */
        for (unsigned w = 0; w < VGA_PAGES / 64; w++)
            v->dirty[w] |= v->drawn[w];
        return false;
    }
    if (v->full_redraw || ow != v->width || oh != v->height)
        *dirty = (struct display_rect){ 0, 0, v->width, v->height };
    v->full_redraw = false;
    v->frames++;
    *out = (struct display_surface){ .width = v->width, .height = v->height,
                                     .stride = v->width * 4, .pixels = v->surface };
    return true;
}

static bool vga_text(void *opaque, struct display_text *out)
{
    struct vga *v = opaque;
    struct text_geom g;
    if ((v->gr[6] & 1) || vga_vbe_enabled(v) || !text_geometry(v, &g))
        return false;
    size_t n = (size_t)g.cols * g.rows;
    if (n > v->text_out_cap) {
        uint16_t *c = realloc(v->text_out, n * sizeof(uint16_t));
        if (!c)
            return false;
        v->text_out = c;
        v->text_out_cap = n;
    }
    /* The cells as the memory holds them now (a buffer of its own: the
     * picture's cache of drawn cells is left alone). */
    for (unsigned r = 0; r < g.rows; r++)
        for (unsigned c = 0; c < g.cols; c++) {
            uint32_t off = g.start + r * g.line + 4 * c;
            v->text_out[r * g.cols + c] =
                (uint16_t)(vram_at(v, off) | vram_at(v, off + 1) << 8);
        }
    uint32_t cpos = (uint32_t)v->crtc[0x0E] << 8 | v->crtc[0x0F];
    uint32_t spos = (uint32_t)v->crtc[0x0C] << 8 | v->crtc[0x0D];
    *out = (struct display_text){ .cols = g.cols, .rows = g.rows, .cells = v->text_out,
                                  .blink_enabled = v->ar[0x10] & 0x08 };
    if (!(v->crtc[0x0A] & 0x20) && cpos >= spos && g.line) {
        uint32_t rel = (cpos - spos) * 4;
        unsigned r = rel / g.line, c = (rel % g.line) / 4;
        if (r < g.rows && c < g.cols) {
            out->cursor_visible = true;
            out->cursor_row = r;
            out->cursor_col = c;
        }
    }
    return true;
}

void vga_render_init(struct vga *v)
{
    v->source = (struct display_source){ .update = vga_update, .text = vga_text, .opaque = v };
    v->text_cursor = -1;
    v->full_redraw = true;
}

void vga_render_free(struct vga *v)
{
    free(v->surface);
    free(v->text_cells);
    free(v->text_out);
}

const struct display_source *vga_display(struct vga *v)
{
    return &v->source;
}
