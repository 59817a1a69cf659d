/* The VGA (dev/vga.h) driven through its ports and memory window as a
 * guest does: the write and read modes, latches, plane masks, chain-4 and
 * odd/even, the memory map select, the retrace on guest time, the VBE
 * clamps, the pictures of mode 13h, mode X, 12h, text and VBE, and a
 * snapshot round trip. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dev/vga.h"

static uint64_t now;
static uint64_t clock_now(void *opaque) { return now; }

static struct vga *v;

static void out(uint16_t port, uint8_t val) { vga_port_ops.out(v, port, val, 1); }
static uint8_t in(uint16_t port) { return (uint8_t)vga_port_ops.in(v, port, 1); }
static void wr(uint32_t a, uint8_t val) { vga_legacy_ops.write(v, a - 0xA0000, val, 1); }
static uint8_t rd(uint32_t a) { return (uint8_t)vga_legacy_ops.read(v, a - 0xA0000, 1); }
static void seq(uint8_t i, uint8_t val) { out(0x3C4, i); out(0x3C5, val); }
static void gr(uint8_t i, uint8_t val) { out(0x3CE, i); out(0x3CF, val); }
static void vbe(uint16_t i, uint16_t val)
{
    vga_vbe_ops.out(v, VBE_DISPI_IOPORT_INDEX, i, 2);
    vga_vbe_ops.out(v, VBE_DISPI_IOPORT_DATA, val, 2);
}
static uint16_t vbe_rd(uint16_t i)
{
    vga_vbe_ops.out(v, VBE_DISPI_IOPORT_INDEX, i, 2);
    return (uint16_t)vga_vbe_ops.in(v, VBE_DISPI_IOPORT_DATA, 2);
}
static uint8_t plane(uint32_t a, unsigned p) { return v->vram[4 * a + p]; }

/* A mode's registers as the IBM tables give them (misc, sequencer 0-4,
 * CRTC 0-18h, graphics 0-8, attribute 0-14h). */
struct mode_regs {
    uint8_t misc, seq[5], crtc[25], gr[9], ar[21];
};

static const struct mode_regs mode3 = {
    0x67, { 0x03, 0x00, 0x03, 0x00, 0x02 },
    { 0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00, 0x4F, 0x0D, 0x0E, 0x00, 0x00,
      0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF },
    { 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0E, 0x00, 0xFF },
    { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D,
      0x3E, 0x3F, 0x0C, 0x00, 0x0F, 0x08, 0x00 },
};

static const struct mode_regs mode13 = {
    0x63, { 0x03, 0x01, 0x0F, 0x00, 0x0E },
    { 0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0xBF, 0x1F, 0x00, 0x41, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x9C, 0x0E, 0x8F, 0x28, 0x40, 0x96, 0xB9, 0xA3, 0xFF },
    { 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0F, 0xFF },
    { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D,
      0x0E, 0x0F, 0x41, 0x00, 0x0F, 0x00, 0x00 },
};

static const struct mode_regs mode12 = {
    0xE3, { 0x03, 0x01, 0x0F, 0x00, 0x06 },
    { 0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0x0B, 0x3E, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0xEA, 0x8C, 0xDF, 0x28, 0x00, 0xE7, 0x04, 0xE3, 0xFF },
    { 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0F, 0xFF },
    { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D,
      0x3E, 0x3F, 0x01, 0x00, 0x0F, 0x00, 0x00 },
};

static void set_mode(const struct mode_regs *m)
{
    out(0x3C2, m->misc);
    for (uint8_t i = 0; i < 5; i++)
        seq(i, m->seq[i]);
    out(0x3D4, 0x11);
    out(0x3D5, 0x00);   /* unprotect CR0-7 */
    for (uint8_t i = 0; i < 25; i++) {
        out(0x3D4, i);
        out(0x3D5, m->crtc[i]);
    }
    for (uint8_t i = 0; i < 9; i++)
        gr(i, m->gr[i]);
    in(0x3DA);
    for (uint8_t i = 0; i < 21; i++) {
        out(0x3C0, i);
        out(0x3C0, m->ar[i]);
    }
    out(0x3C0, 0x20);   /* palette address source: display on */
}

static void dac(uint8_t i, uint8_t r, uint8_t g, uint8_t b)
{
    out(0x3C8, i);
    out(0x3C9, r);
    out(0x3C9, g);
    out(0x3C9, b);
}

static void test_write_modes(void)
{
    set_mode(&mode12);
    /* Write mode 0, set/reset on planes 0 and 2 (value 0101b), bit mask
     * 0xF0: the other planes take the CPU byte, only bits 7-4 change. */
    gr(0, 0x05);
    gr(1, 0x05);
    gr(8, 0xF0);
    wr(0xA0000, 0x3C);
    CHECK_EQ(plane(0, 0), 0xF0);
    CHECK_EQ(plane(0, 1), 0x30);
    CHECK_EQ(plane(0, 2), 0xF0);
    CHECK_EQ(plane(0, 3), 0x30);
    /* The map mask keeps plane 3 as it was. */
    seq(2, 0x07);
    gr(1, 0);
    gr(8, 0xFF);
    wr(0xA0000, 0xAA);
    CHECK_EQ(plane(0, 0), 0xAA);
    CHECK_EQ(plane(0, 3), 0x30);
    seq(2, 0x0F);
    /* Rotate by 4 and XOR with the latches. */
    rd(0xA0000);          /* latches: AA AA AA 30 */
    gr(3, 0x18 | 4);
    wr(0xA0000, 0x0F);    /* rotated: F0, XOR latches */
    CHECK_EQ(plane(0, 0), 0x5A);
    CHECK_EQ(plane(0, 3), 0xC0);
    gr(3, 0);
    /* Write mode 1 copies the latches of another address. */
    rd(0xA0000);
    gr(5, 0x01);
    wr(0xA0010, 0x00);
    for (unsigned p = 0; p < 4; p++)
        CHECK_EQ(plane(0x10, p), plane(0, p));
    /* Write mode 2: CPU bits 0-3 are the planes' colour, under the bit
     * mask. */
    gr(5, 0x02);
    gr(8, 0x81);
    rd(0xA0020);
    wr(0xA0020, 0x09);
    CHECK_EQ(plane(0x20, 0), 0x81);
    CHECK_EQ(plane(0x20, 1), 0x00);
    CHECK_EQ(plane(0x20, 3), 0x81);
    /* Write mode 3: the rotated byte AND the bit mask selects, colour from
     * set/reset. */
    gr(5, 0x03);
    gr(8, 0xFF);
    gr(0, 0x02);
    rd(0xA0030);
    wr(0xA0030, 0x3C);
    CHECK_EQ(plane(0x30, 1), 0x3C);
    CHECK_EQ(plane(0x30, 0), 0x00);
    gr(5, 0);
    gr(0, 0);
}

static void test_read_modes(void)
{
    set_mode(&mode12);
    v->vram[4 * 0x40 + 0] = 0xFF;
    v->vram[4 * 0x40 + 1] = 0x0F;
    v->vram[4 * 0x40 + 2] = 0x33;
    v->vram[4 * 0x40 + 3] = 0x00;
    /* Read mode 0: the plane read map select names. */
    gr(4, 2);
    CHECK_EQ(rd(0xA0040), 0x33);
    gr(4, 1);
    CHECK_EQ(rd(0xA0040), 0x0F);
    /* Read mode 1: pixels whose colour equals the compare value (here
     * colour 3: planes 0 and 1 set, 2 and 3 clear). */
    gr(5, 0x08);
    gr(2, 0x03);
    gr(7, 0x0F);
    CHECK_EQ(rd(0xA0040), 0x0C);
    /* Don't care for plane 2: bits where planes 0, 1 are set and 3 clear. */
    gr(7, 0x0B);
    CHECK_EQ(rd(0xA0040), 0x0F);
    gr(5, 0);
    /* The read loaded all four latches. */
    CHECK_EQ(v->latch, 0x00330FFFu);
}

static void test_chain4_oddeven_window(void)
{
    set_mode(&mode13);
    wr(0xA0005, 0x77);
    CHECK_EQ(v->vram[5], 0x77);
    CHECK_EQ(rd(0xA0005), 0x77);
    seq(2, 0x0D);         /* plane 1 off: address 5 is plane 1 */
    wr(0xA0005, 0x11);
    CHECK_EQ(v->vram[5], 0x77);
    seq(2, 0x0F);
    /* Past the 64 KiB window of map 1: nothing. */
    CHECK_EQ(rd(0xB0000), 0xFF);

    set_mode(&mode3);
    wr(0xB8000, 'H');
    wr(0xB8001, 0x1F);
    wr(0xB8002, 'i');
    CHECK_EQ(plane(0, 0), 'H');
    CHECK_EQ(plane(0, 1), 0x1F);
    CHECK_EQ(plane(1, 0), 'i');
    CHECK_EQ(rd(0xB8002), 'i');
    CHECK_EQ(rd(0xB8001), 0x1F);
    /* Map 3 does not decode 0xA0000 or 0xB0000. */
    CHECK_EQ(rd(0xA0000), 0xFF);
    CHECK_EQ(rd(0xB7FFF), 0xFF);
    wr(0xA0000, 0x55);
    CHECK_EQ(plane(0, 0), 'H');
}

static void test_retrace(void)
{
    uint64_t line = 31778, frame = line * 449;
    now = 5 * frame + 10;              /* line 0, dot 0: displaying */
    CHECK_EQ(in(0x3DA) & 0x09, 0);
    now = 5 * frame + 412 * line + 10; /* the vertical retrace */
    CHECK_EQ(in(0x3DA) & 0x09, 0x09);
    now = 5 * frame + 100 * line + 30000; /* horizontal blank */
    CHECK_EQ(in(0x3DA) & 0x09, 0x01);
    /* The mono port decodes nothing in colour mode. */
    CHECK_EQ(in(0x3BA), 0xFF);
}

static void test_vbe(void)
{
    CHECK_EQ(vbe_rd(VBE_DISPI_INDEX_ID), VBE_DISPI_ID5);
    vbe(VBE_DISPI_INDEX_ID, VBE_DISPI_ID0);
    CHECK_EQ(vbe_rd(VBE_DISPI_INDEX_ID), VBE_DISPI_ID0);
    vbe(VBE_DISPI_INDEX_ID, 0x1234);
    CHECK_EQ(vbe_rd(VBE_DISPI_INDEX_ID), VBE_DISPI_ID0);
    CHECK_EQ(vbe_rd(VBE_DISPI_INDEX_VIDEO_MEMORY_64K), 256);
    vbe(VBE_DISPI_INDEX_ENABLE, VBE_DISPI_GETCAPS);
    CHECK_EQ(vbe_rd(VBE_DISPI_INDEX_XRES), VBE_DISPI_MAX_XRES);
    CHECK_EQ(vbe_rd(VBE_DISPI_INDEX_BPP), 32);
    vbe(VBE_DISPI_INDEX_ENABLE, 0);

    /* Hostile: the largest values everywhere.  The visible area must fit
     * the VRAM. */
    vbe(VBE_DISPI_INDEX_XRES, 0xFFFF);
    vbe(VBE_DISPI_INDEX_YRES, 0xFFFF);
    vbe(VBE_DISPI_INDEX_BPP, 32);
    vbe(VBE_DISPI_INDEX_ENABLE, VBE_DISPI_ENABLED | VBE_DISPI_LFB_ENABLED);
    vbe(VBE_DISPI_INDEX_X_OFFSET, 0xFFFF);
    vbe(VBE_DISPI_INDEX_Y_OFFSET, 0xFFFF);
    uint32_t x = vbe_rd(VBE_DISPI_INDEX_XRES), y = vbe_rd(VBE_DISPI_INDEX_YRES);
    CHECK_EQ(x, VBE_DISPI_MAX_XRES);
    CHECK((uint64_t)y * v->vbe_line + v->vbe_start <= VGA_VRAM_SIZE);
    CHECK(y >= 1);
    /* An odd width and a bad depth. */
    vbe(VBE_DISPI_INDEX_XRES, 1021);
    CHECK_EQ(vbe_rd(VBE_DISPI_INDEX_XRES), 1016);
    vbe(VBE_DISPI_INDEX_BPP, 17);
    CHECK_EQ(vbe_rd(VBE_DISPI_INDEX_BPP), 8);
    vbe(VBE_DISPI_INDEX_VIRT_WIDTH, 3);
    CHECK_EQ(vbe_rd(VBE_DISPI_INDEX_VIRT_WIDTH), 1016);
    /* The bank wraps at the VRAM's end. */
    vbe(VBE_DISPI_INDEX_BANK, 0x1FF);
    CHECK_EQ(vbe_rd(VBE_DISPI_INDEX_BANK), 0xFF);
    wr(0xAFFFF, 0x42);
    CHECK_EQ(v->vram[VGA_VRAM_SIZE - 1], 0x42);
    struct display_surface s;
    struct display_rect r;
    CHECK(display_update(vga_display(v), &s, &r));
    CHECK_EQ(s.width, 1016);

    /* 1920x1080x32: through the framebuffer. */
    vbe(VBE_DISPI_INDEX_ENABLE, 0);
    vbe(VBE_DISPI_INDEX_XRES, 1920);
    vbe(VBE_DISPI_INDEX_YRES, 1080);
    vbe(VBE_DISPI_INDEX_BPP, 32);
    vbe(VBE_DISPI_INDEX_ENABLE, VBE_DISPI_ENABLED | VBE_DISPI_LFB_ENABLED);
    CHECK_EQ(vbe_rd(VBE_DISPI_INDEX_YRES), 1080);
    vga_lfb_ops.write(v, (1079u * 1920 + 1919) * 4, 0x00123456, 4);
    CHECK(display_update(vga_display(v), &s, &r));
    CHECK_EQ(s.width, 1920);
    CHECK_EQ(s.height, 1080);
    CHECK_EQ(s.pixels[1079u * 1920 + 1919], 0x123456);
    /* Nothing written since: nothing to draw. */
    CHECK(display_update(vga_display(v), &s, &r));
    CHECK(r.y0 == r.y1);
    vga_lfb_ops.write(v, 500u * 1920 * 4, 0xFF, 4);
    CHECK(display_update(vga_display(v), &s, &r));
    CHECK(r.y0 <= 500 && r.y1 > 500 && r.y1 - r.y0 < 10);
    CHECK_EQ(s.pixels[500u * 1920], 0xFF);
    /* The LFB past the VRAM reads nothing and writes nowhere. */
    CHECK_EQ(vga_lfb_ops.read(v, VGA_VRAM_SIZE - 2, 4) >> 16, 0);
    vbe(VBE_DISPI_INDEX_ENABLE, 0);
}

static void test_mode13_and_x(void)
{
    set_mode(&mode13);
    dac(1, 63, 0, 0);
    dac(2, 0, 63, 0);
    wr(0xA0000 + 320 * 10 + 7, 1);
    struct display_surface s;
    struct display_rect r;
    CHECK(display_update(vga_display(v), &s, &r));
    CHECK_EQ(s.width, 640);
    CHECK_EQ(s.height, 400);
    CHECK_EQ(s.pixels[20 * 640 + 14], 0xFF0000);
    CHECK_EQ(s.pixels[21 * 640 + 15], 0xFF0000);
    /* Mode X: unchained, pixel x in plane x & 3 at x / 4. */
    seq(4, 0x06);
    out(0x3D4, 0x14);
    out(0x3D5, 0x00);
    out(0x3D4, 0x17);
    out(0x3D5, 0xE3);
    seq(2, 1u << (9 & 3));
    wr(0xA0000 + 80 * 3 + 9 / 4, 2);
    CHECK(display_update(vga_display(v), &s, &r));
    CHECK_EQ(s.pixels[6 * 640 + 18], 0x00FF00);
    seq(2, 0x0F);
}

static void test_planar_and_text(void)
{
    set_mode(&mode12);
    dac(0x3F, 63, 63, 63);   /* AR0F = 3F */
    gr(5, 0x02);
    gr(8, 0x80);
    rd(0xA0000 + 80 * 479 + 79);
    wr(0xA0000 + 80 * 479 + 79, 0x0F);   /* the last pixel: white */
    gr(5, 0);
    gr(8, 0xFF);
    struct display_surface s;
    struct display_rect r;
    CHECK(display_update(vga_display(v), &s, &r));
    CHECK_EQ(s.width, 640);
    CHECK_EQ(s.height, 480);
    CHECK_EQ(s.pixels[479 * 640 + 632], 0xFFFFFF);
    CHECK_EQ(s.pixels[479 * 640 + 633], 0);

    /* Text: a glyph for 'A' loaded into plane 2, then 80x25. */
    seq(2, 0x04);
    seq(4, 0x06);
    gr(4, 0x02);
    gr(5, 0x00);
    gr(6, 0x04);
    for (unsigned y = 0; y < 16; y++)
        wr(0xA0000 + 'A' * 32 + y, y == 3 ? 0x81 : 0x00);
    set_mode(&mode3);
    dac(0x07, 42, 42, 42);
    out(0x3D4, 0x0A);
    out(0x3D5, 0x20);   /* no cursor */
    wr(0xB8000 + 2 * 81, 'A');
    wr(0xB8000 + 2 * 81 + 1, 0x07);
    CHECK(display_update(vga_display(v), &s, &r));
    CHECK_EQ(s.width, 720);
    CHECK_EQ(s.height, 400);
    /* Cell (1, 1) is at x 9, y 16; glyph row 3 has dots 0 and 7. */
    CHECK_EQ(s.pixels[(16 + 3) * 720 + 9], 0xA8A8A8);
    CHECK_EQ(s.pixels[(16 + 3) * 720 + 16], 0xA8A8A8);
    CHECK_EQ(s.pixels[(16 + 3) * 720 + 17], 0);   /* the ninth dot */
    CHECK_EQ(s.pixels[(16 + 2) * 720 + 9], 0);
    /* Unchanged: nothing drawn.  A cursor move: its row only. */
    CHECK(display_update(vga_display(v), &s, &r));
    CHECK(r.y0 == r.y1);
    now = 0;                     /* the cursor's visible phase */
    out(0x3D4, 0x0A);
    out(0x3D5, 0x0E);
    out(0x3D4, 0x0F);
    out(0x3D5, 81);
    CHECK(display_update(vga_display(v), &s, &r));
    CHECK_EQ(r.y0, 16);
    CHECK_EQ(r.y1, 32);
    CHECK_EQ(s.pixels[(16 + 14) * 720 + 9 + 4], 0xA8A8A8);   /* cursor line 14 */
    out(0x3D4, 0x0A);
    out(0x3D5, 0x20);
    struct display_text t;
    CHECK(display_text(vga_display(v), &t));
    CHECK_EQ(t.cols, 80);
    CHECK_EQ(t.rows, 25);
    CHECK_EQ(t.cells[81], 0x0741);
    CHECK(!t.cursor_visible);
}

static void test_snapshot(void)
{
    struct state_out a, b;
    state_out_init(&a);
    state_out_init(&b);
    v->dev.ops->save(&v->dev, &a);
    struct vga *w = vga_create((struct dev_clock){ .now_ns = clock_now }, NULL, 0);
    struct state_in in = state_in_of(a.buf, a.len);
    CHECK_EQ(w->dev.ops->load(&w->dev, &in, false), 0);
    in = state_in_of(a.buf, a.len);
    CHECK_EQ(w->dev.ops->load(&w->dev, &in, true), 0);
    CHECK(state_in_ok(&in, true));
    w->dev.ops->save(&w->dev, &b);
    CHECK_EQ(a.len, b.len);
    CHECK(a.len == b.len && !memcmp(a.buf, b.buf, a.len));
    CHECK(!memcmp(v->vram, w->vram, VGA_VRAM_SIZE));
    /* A cut snapshot is refused. */
    in = state_in_of(a.buf, a.len - 1);
    CHECK(w->dev.ops->load(&w->dev, &in, false) < 0 || !state_in_ok(&in, true));
    w->dev.ops->destroy(&w->dev);
    state_out_free(&a);
    state_out_free(&b);
}

/* What a -kernel boot gets (vga_bios.c): mode 03h's registers as the IBM
 * table gives them, the DAC's EGA colours, and a blank 80x25 screen with
 * the cursor at the top left. */
static void test_bios_text_mode(void)
{
    vga_bios_text_mode(v);
    CHECK_EQ(v->misc, mode3.misc);
    CHECK(!memcmp(v->seq, mode3.seq, sizeof(mode3.seq)));
    CHECK(!memcmp(v->crtc, mode3.crtc, sizeof(mode3.crtc)));
    CHECK(!memcmp(v->gr, mode3.gr, sizeof(mode3.gr)));
    CHECK(!memcmp(v->ar, mode3.ar, sizeof(mode3.ar)));
    CHECK(!vga_vbe_enabled(v));
    /* Colour 6 (attribute entry 0x14): brown, 2/3 red and 1/3 green. */
    CHECK_EQ(v->palette[3 * 0x14], 0x2A);
    CHECK_EQ(v->palette[3 * 0x14 + 1], 0x15);
    CHECK_EQ(v->palette[3 * 0x14 + 2], 0);
    CHECK_EQ(v->palette[3 * 0x3F], 0x3F);   /* white */
    struct display_text t;
    CHECK(display_text(vga_display(v), &t));
    CHECK_EQ(t.cols, 80);
    CHECK_EQ(t.rows, 25);
    CHECK(t.cursor_visible && t.cursor_col == 0 && t.cursor_row == 0);
    unsigned blank = 0;
    for (unsigned i = 0; i < 80 * 25; i++)
        blank += t.cells[i] == 0x0720;
    CHECK_EQ(blank, 80 * 25);
    struct display_surface sf;
    struct display_rect r;
    CHECK(display_update(vga_display(v), &sf, &r));
    CHECK_EQ(sf.width, 720);
    CHECK_EQ(sf.height, 400);
}

/* With Debian's VGA BIOS as its ROM, a -kernel boot's text screen draws
 * glyphs: the BIOS's 8x16 font is in plane 2 (vga_bios.c find_font).  'A'
 * in the IBM VGA font: rows 0-1 blank, row 2 0x10, row 5 0xC6.  Without a
 * ROM, plane 2 stays empty and the cell draws as background. */
static void test_bios_font(void)
{
    static uint8_t rom[VGA_ROM_MAX];
    FILE *f = fopen("/usr/share/seabios/vgabios-stdvga.bin", "rb");
    if (!f) {
        printf("test_bios_font: no /usr/share/seabios/vgabios-stdvga.bin, skipped\n");
        return;
    }
    size_t n = fread(rom, 1, sizeof(rom), f);
    fclose(f);
    CHECK(n > 4096);
    for (int with_rom = 0; with_rom < 2; with_rom++) {
        struct vga *w = vga_create((struct dev_clock){ .now_ns = clock_now },
                                   with_rom ? rom : NULL, with_rom ? n : 0);
        CHECK(w != NULL);
        if (!w)
            return;
        vga_bios_text_mode(w);
        vga_legacy_ops.write(w, 0x18000, 'A', 1);
        vga_legacy_ops.write(w, 0x18001, 0x0F, 1);  /* white on black */
        struct display_surface sf;
        struct display_rect r;
        CHECK(display_update(vga_display(w), &sf, &r));
        CHECK_EQ(sf.width, 720);
        /* Pixel (x, y) of the first cell is ink when it differs from the
         * background at (8, 0) (the ninth column of a letter is blank). */
        uint32_t bg = sf.pixels[8];
        unsigned ink_row2 = 0, ink_row5 = 0, ink_rows01 = 0;
        for (unsigned x = 0; x < 8; x++) {
            ink_rows01 += (sf.pixels[x] != bg) + (sf.pixels[sf.stride / 4 + x] != bg);
            ink_row2 |= (unsigned)(sf.pixels[2 * sf.stride / 4 + x] != bg) << (7 - x);
            ink_row5 |= (unsigned)(sf.pixels[5 * sf.stride / 4 + x] != bg) << (7 - x);
        }
        if (with_rom) {
            CHECK_EQ(ink_rows01, 0);
            CHECK_EQ(ink_row2, 0x10);
            CHECK_EQ(ink_row5, 0xC6);
        } else {
            CHECK_EQ(ink_row2 | ink_row5, 0);
        }
        w->dev.ops->destroy(&w->dev);
    }
}

int main(void)
{
    v = vga_create((struct dev_clock){ .now_ns = clock_now }, NULL, 0);
    CHECK(v != NULL);
    if (!v)
        return check_report();
    test_write_modes();
    test_read_modes();
    test_chain4_oddeven_window();
    test_retrace();
    test_vbe();
    test_mode13_and_x();
    test_planar_and_text();
    test_snapshot();
    test_bios_text_mode();
    test_bios_font();
    v->dev.ops->destroy(&v->dev);
    return check_report();
}
