/* The state a VGA BIOS leaves the adapter in after its POST, for boots
 * that run no firmware (-kernel); see vga.h.
 *
 * A PC's VGA BIOS ends its POST in mode 03h, 80x25 colour text with 9x16
 * cells, and a loader that hands the kernel over (GRUB, or SeaBIOS with
 * QEMU's linuxboot ROM) leaves it so: Linux's vgacon then writes its
 * messages at 0xB8000.  The register values are mode 03h's "VGA" column of
 * the IBM VGA Technical Reference ("Video Modes" tables, 400 scan lines),
 * the same numbers SeaBIOS's vgasrc/stdvgamodes.c gives the mode; the
 * palette is the EGA's 64 colours the attribute controller's entries
 * point into.
 *
 * The BIOS's POST also loads its 8x16 font into plane 2.  We have no font
 * of our own: the glyphs come from the VGA BIOS image the board gave the
 * device (Debian's vgabios-stdvga.bin carries the IBM 8x16 font, which
 * INT 10h AX=1130h BH=06h hands out), found by its shape (find_font).
 * Without a ROM, or if none is found, plane 2 stays empty: a window then
 * shows the cells without glyphs, while the text dump and the curses
 * frontend, which read character codes, show the screen as it is. */
#include "dev/vga.h"

#include <string.h>

static const uint8_t mode3_seq[5] = { 0x03, 0x00, 0x03, 0x00, 0x02 };
static const uint8_t mode3_crtc[25] = {
    0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00, 0x4F, 0x0D, 0x0E, 0x00,
    0x00, 0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF,
};
static const uint8_t mode3_gr[9] = { 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0E, 0x00, 0xFF };
static const uint8_t mode3_ar[0x15] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A,
    0x3B, 0x3C, 0x3D, 0x3E, 0x3F, 0x0C, 0x00, 0x0F, 0x08, 0x00,
};
#define MODE3_MISC 0x67   /* colour ports, 28 MHz clock, RAM enabled */

#define FONT_HEIGHT 16
#define FONT_BYTES (256 * FONT_HEIGHT)

static bool glyph_is(const uint8_t *g, uint8_t row)
{
    for (unsigned i = 0; i < FONT_HEIGHT; i++)
        if (g[i] != row)
            return false;
    return true;
}

/* An 8x16 font of 256 glyphs in the ROM: a table whose glyphs 00h and 20h
 * (space) are blank, DBh (the full block) solid, and the printable ASCII
 * glyphs 21h-7Eh each drawn and all different.  Code and other tables in
 * a VGA BIOS do not look like that; the 8x8 and 8x14 fonts have other
 * strides, so they fail the test.  NULL when there is none. */
static const uint8_t *find_font(const uint8_t *rom, size_t size)
{
    for (size_t at = 0; at + FONT_BYTES <= size; at++) {
        const uint8_t *f = rom + at;
        if (!glyph_is(f, 0) || !glyph_is(f + 0x20 * FONT_HEIGHT, 0) ||
            !glyph_is(f + 0xDB * FONT_HEIGHT, 0xFF))
            continue;
        bool ok = true;
        for (unsigned c = 0x21; c <= 0x7E && ok; c++) {
            const uint8_t *g = f + c * FONT_HEIGHT;
            ok = !glyph_is(g, 0) && memcmp(g, g - FONT_HEIGHT, FONT_HEIGHT) != 0;
        }
        if (ok)
            return f;
    }
    return NULL;
}

/* Font map 0 in plane 2, as the BIOS loads it: glyph c's rows at plane
 * offset 32 * c (vga_render.c reads them there; VRAM interleaves the
 * planes, so plane 2's byte o is vram[4 * o + 2]). */
static void load_font(struct vga *v, const uint8_t *font)
{
    for (unsigned c = 0; c < 256; c++)
        for (unsigned y = 0; y < FONT_HEIGHT; y++)
            v->vram[4 * (32 * c + y) + 2] = font[c * FONT_HEIGHT + y];
    vga_mark_dirty(v, 0, 4 * 32 * 256);
}

void vga_bios_text_mode(struct vga *v)
{
    vga_vbe_reset(v);
    v->misc = MODE3_MISC;
    memset(v->seq, 0, sizeof(v->seq));
    memcpy(v->seq, mode3_seq, sizeof(mode3_seq));
    memset(v->crtc, 0, sizeof(v->crtc));
    memcpy(v->crtc, mode3_crtc, sizeof(mode3_crtc));
    memset(v->gr, 0, sizeof(v->gr));
    memcpy(v->gr, mode3_gr, sizeof(mode3_gr));
    memcpy(v->ar, mode3_ar, sizeof(mode3_ar));
    v->ar_index = 0x20;   /* palette address source: the screen is on */
    v->ar_flip = false;
    v->dac_mask = 0xFF;
    /* EGA colour i (bits: 0 blue, 1 green, 2 red at 2/3, 3-5 the same at
     * 1/3) in DAC entry i, 6 bits per primary; the rest black. */
    memset(v->palette, 0, sizeof(v->palette));
    for (unsigned i = 0; i < 64; i++) {
        v->palette[3 * i + 0] = (uint8_t)(((i >> 2) & 1) * 0x2A + ((i >> 5) & 1) * 0x15);
        v->palette[3 * i + 1] = (uint8_t)(((i >> 1) & 1) * 0x2A + ((i >> 4) & 1) * 0x15);
        v->palette[3 * i + 2] = (uint8_t)((i & 1) * 0x2A + ((i >> 3) & 1) * 0x15);
    }
    /* A mode set clears the screen: blanks, light grey on black, through
     * the window at 0xB8000 (odd/even puts characters in plane 0 and
     * attributes in plane 1). */
    for (uint32_t i = 0; i < 80 * 25; i++) {
        vga_mem_writeb(v, 0x18000 + 2 * i, ' ');
        vga_mem_writeb(v, 0x18000 + 2 * i + 1, 0x07);
    }
    const uint8_t *font = v->rom ? find_font(v->rom, VGA_ROM_MAX) : NULL;
    if (font)
        load_font(v, font);
    v->full_redraw = true;
    v->font_dirty = true;
    vga_legacy_update(v);
}
