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
 * Not done here: the BIOS's 8x16 font in plane 2 (no font of ours), so a
 * window shows the cells without glyphs until the guest loads a font; the
 * text dump and the curses frontend, which read character codes, show the
 * screen as it is. */
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
    v->full_redraw = true;
    v->font_dirty = true;
    vga_legacy_update(v);
}
