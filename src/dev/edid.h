/* The EDID of the std VGA's virtual monitor (issue 17): the block QEMU's
 * VGA exposes at the start of its MMIO BAR (hw/display/vga-pci.c, made by
 * hw/display/edid-generate.c), where Linux's bochs-drm reads it
 * (bochs_hw_load_edid) and takes its modes and its preferred one.
 *
 * One 128-byte base block of VESA E-EDID 1.4 (VESA Enhanced EDID Standard,
 * release A rev. 2, section 3): the header, vendor "RHT" and product
 * 0x1234 as QEMU's (guests that know QEMU's virtual monitor know ours), a
 * digital 8-bit-per-colour input, sRGB chromaticity, the established and
 * standard timings up to 1920x1080, the preferred mode as the first
 * detailed timing (CVT reduced blanking at 60 Hz), the range limits, the
 * monitor's name, no extension blocks, and the checksum. */
#ifndef PLEX86_DEV_EDID_H
#define PLEX86_DEV_EDID_H

#include <stdint.h>

#define EDID_BLOCK_SIZE 128u
#define EDID_NAME_MAX 13u           /* a display product name descriptor's room */
#define EDID_NAME "plex86 screen"
#define EDID_PREF_WIDTH 1024u
#define EDID_PREF_HEIGHT 768u

/* The byte offsets the tests and readers use (E-EDID 1.4, table 3.1). */
enum {
    EDID_OFF_VENDOR = 0x08,         /* big-endian: three 5-bit letters */
    EDID_OFF_PRODUCT = 0x0A,        /* little-endian u16 */
    EDID_OFF_VERSION = 0x12,        /* 1, then revision 4 */
    EDID_OFF_INPUT = 0x14,
    EDID_OFF_FEATURES = 0x18,
    EDID_OFF_ESTABLISHED = 0x23,
    EDID_OFF_STANDARD = 0x26,       /* 8 two-byte entries */
    EDID_OFF_DESC = 0x36,           /* 4 eighteen-byte descriptors */
    EDID_DESC_SIZE = 18,
    EDID_OFF_EXTENSIONS = 0x7E,
    EDID_OFF_CHECKSUM = 0x7F,
};

/* Display descriptor tags (byte 3 of a descriptor whose first two bytes
 * are 0). */
enum { EDID_TAG_NAME = 0xFC, EDID_TAG_RANGE = 0xFD, EDID_TAG_DUMMY = 0x10 };

/* Writes the block for a monitor whose preferred mode is width x height
 * (each at least 64 and at most 4095, the detailed timing's 12 bits:
 * clamped) and whose name is `name` (at most EDID_NAME_MAX characters
 * are kept). */
void edid_generate(uint8_t out[EDID_BLOCK_SIZE], unsigned width, unsigned height,
                   const char *name);

#endif
