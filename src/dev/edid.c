/* The virtual monitor's EDID; see edid.h.  Section and table numbers are
 * the VESA Enhanced EDID Standard (E-EDID) release A revision 2's; the
 * preferred mode's timing is VESA CVT 1.2's reduced blanking (version 1)
 * formula. */
#include "dev/edid.h"

#include <string.h>

#define DPI 100u               /* the screen's size in mm follows from this */
#define REFRESH_HZ 60u

static void put_vendor(uint8_t *b, const char id[3])
{
    /* Three letters, 'A' = 1, five bits each, big-endian (3.4.1). */
    unsigned v = (unsigned)(id[0] - '@') << 10 | (unsigned)(id[1] - '@') << 5 |
                 (unsigned)(id[2] - '@');
    b[0] = (uint8_t)(v >> 8);
    b[1] = (uint8_t)v;
}

/* One chromaticity coordinate in thousandths as the 10-bit binary
 * fraction the block stores (3.7). */
static unsigned chroma(unsigned thousandths)
{
    return (thousandths * 1024u + 500u) / 1000u;
}

/* Colour characteristics: sRGB's primaries and D65 white (IEC 61966-2-1),
 * as the features byte says sRGB is the default colour space. */
static void put_chromaticity(uint8_t *b)
{
    unsigned rx = chroma(640), ry = chroma(330), gx = chroma(300), gy = chroma(600);
    unsigned bx = chroma(150), by = chroma(60), wx = chroma(313), wy = chroma(329);
    b[0] = (uint8_t)((rx & 3) << 6 | (ry & 3) << 4 | (gx & 3) << 2 | (gy & 3));
    b[1] = (uint8_t)((bx & 3) << 6 | (by & 3) << 4 | (wx & 3) << 2 | (wy & 3));
    b[2] = (uint8_t)(rx >> 2);
    b[3] = (uint8_t)(ry >> 2);
    b[4] = (uint8_t)(gx >> 2);
    b[5] = (uint8_t)(gy >> 2);
    b[6] = (uint8_t)(bx >> 2);
    b[7] = (uint8_t)(by >> 2);
    b[8] = (uint8_t)(wx >> 2);
    b[9] = (uint8_t)(wy >> 2);
}

/* Standard timings (3.9): the modes above 1024x768 that fit the 16 MiB
 * of VRAM at 32 bpp, at 60 Hz.  Aspect codes: 0 16:10, 1 4:3, 2 5:4,
 * 3 16:9. */
static const struct { uint16_t w; uint8_t aspect; } standard[8] = {
    { 1152, 1 }, { 1280, 3 }, { 1280, 0 }, { 1280, 2 },
    { 1440, 0 }, { 1600, 1 }, { 1680, 0 }, { 1920, 3 },
};

/* The detailed timing descriptor (3.10.2) of width x height at 60 Hz
 * with CVT reduced blanking: 160 pixels of horizontal blanking (48 front
 * porch, 32 sync), at least 460 us of vertical blanking (3 lines front
 * porch, a sync whose length tells the aspect ratio, 6 lines back porch
 * at least), the pixel clock in steps of 0.25 MHz; +hsync, -vsync. */
static void put_detailed(uint8_t *d, unsigned w, unsigned h)
{
    enum { HBLANK = 160, HFRONT = 48, HSYNC = 32, VFRONT = 3, VBACK_MIN = 6 };
    unsigned vsync = w * 3 == h * 4 ? 4 : w * 9 == h * 16 ? 5 : w * 10 == h * 16 ? 6
                   : w * 4 == h * 5 ? 7 : 10;
    /* The line period estimate in ps: the frame less the blanking time,
     * over the active lines; then the lines the blanking takes. */
    uint64_t period_ps = (1000000000000ull / REFRESH_HZ - 460000000ull) / h;
    unsigned vblank = (unsigned)(460000000ull / period_ps) + 1;
    if (vblank < VFRONT + vsync + VBACK_MIN)
        vblank = VFRONT + vsync + VBACK_MIN;
    uint64_t htotal = w + HBLANK, vtotal = h + vblank;
    /* In units of 10 kHz, rounded down to 0.25 MHz. */
    unsigned clock = (unsigned)(REFRESH_HZ * htotal * vtotal / 250000u) * 25u;
    unsigned wmm = w * 254u / (DPI * 10u), hmm = h * 254u / (DPI * 10u);

    d[0] = (uint8_t)clock;
    d[1] = (uint8_t)(clock >> 8);
    d[2] = (uint8_t)w;
    d[3] = (uint8_t)HBLANK;
    d[4] = (uint8_t)((w >> 8) << 4 | (HBLANK >> 8));
    d[5] = (uint8_t)h;
    d[6] = (uint8_t)vblank;
    d[7] = (uint8_t)((h >> 8) << 4 | (vblank >> 8));
    d[8] = (uint8_t)HFRONT;
    d[9] = (uint8_t)HSYNC;
    d[10] = (uint8_t)((VFRONT & 15) << 4 | (vsync & 15));
    d[11] = 0;   /* the high bits of the porches and syncs: all small */
    d[12] = (uint8_t)wmm;
    d[13] = (uint8_t)hmm;
    d[14] = (uint8_t)((wmm >> 8) << 4 | (hmm >> 8));
    d[15] = d[16] = 0;   /* no border */
    d[17] = 0x1A;        /* digital separate sync (bits 4-3), +hsync (bit 1) */
}

/* A display descriptor (3.10.3): three zeros, the tag, a zero, 13 bytes. */
static uint8_t *descriptor(uint8_t *d, uint8_t tag)
{
    memset(d, 0, EDID_DESC_SIZE);
    d[3] = tag;
    return d + 5;
}

void edid_generate(uint8_t out[EDID_BLOCK_SIZE], unsigned width, unsigned height,
                   const char *name)
{
    width = width < 64 ? 64 : width > 4095 ? 4095 : width;
    height = height < 64 ? 64 : height > 4095 ? 4095 : height;
    memset(out, 0, EDID_BLOCK_SIZE);
    static const uint8_t header[8] = { 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00 };
    memcpy(out, header, sizeof(header));
    put_vendor(out + EDID_OFF_VENDOR, "RHT");
    out[EDID_OFF_PRODUCT] = 0x34;       /* 0x1234, QEMU's */
    out[EDID_OFF_PRODUCT + 1] = 0x12;
    out[0x10] = 0;                      /* week: not given */
    out[0x11] = 2026 - 1990;            /* year of manufacture */
    out[EDID_OFF_VERSION] = 1;
    out[EDID_OFF_VERSION + 1] = 4;
    /* Digital input, 8 bits per primary, interface not given (3.6.1). */
    out[EDID_OFF_INPUT] = 0x80 | 0x20;
    out[0x15] = (uint8_t)((width * 254u / DPI + 50u) / 100u);   /* cm */
    out[0x16] = (uint8_t)((height * 254u / DPI + 50u) / 100u);
    out[0x17] = 120;                    /* gamma 2.2: (2.2 - 1) * 100 */
    /* RGB 4:4:4, sRGB the default colour space, the preferred timing the
     * native mode (3.6.4). */
    out[EDID_OFF_FEATURES] = 0x04 | 0x02;
    put_chromaticity(out + 0x19);
    /* Established timings (3.8): 720x400@70 and 640x480@60 (the VGA's
     * own), 800x600@60, 1024x768@60. */
    out[EDID_OFF_ESTABLISHED] = 0x80 | 0x20 | 0x01;
    out[EDID_OFF_ESTABLISHED + 1] = 0x08;
    for (unsigned i = 0; i < 8; i++) {
        out[EDID_OFF_STANDARD + 2 * i] = (uint8_t)(standard[i].w / 8 - 31);
        out[EDID_OFF_STANDARD + 2 * i + 1] = (uint8_t)(standard[i].aspect << 6 | (60 - 60));
    }

    uint8_t *d = out + EDID_OFF_DESC;
    put_detailed(d, width, height);
    d += EDID_DESC_SIZE;
    /* Range limits (3.10.3.3): 50-75 Hz, 30-90 kHz, 170 MHz (every mode
     * above in its DMT or CVT timing), "range limits only". */
    uint8_t *r = descriptor(d, EDID_TAG_RANGE);
    r[0] = 50;
    r[1] = 75;
    r[2] = 30;
    r[3] = 90;
    r[4] = 17;
    r[5] = 0x01;
    r[6] = 0x0A;
    memset(r + 7, 0x20, 6);
    d += EDID_DESC_SIZE;
    /* The product name (3.10.3.4): up to 13 characters, a line feed after
     * a shorter one, spaces to the end. */
    uint8_t *n = descriptor(d, EDID_TAG_NAME);
    size_t len = strlen(name);
    if (len > EDID_NAME_MAX)
        len = EDID_NAME_MAX;
    memcpy(n, name, len);
    if (len < EDID_NAME_MAX) {
        n[len] = 0x0A;
        memset(n + len + 1, 0x20, EDID_NAME_MAX - len - 1);
    }
    d += EDID_DESC_SIZE;
    descriptor(d, EDID_TAG_DUMMY);

    out[EDID_OFF_EXTENSIONS] = 0;
    uint8_t sum = 0;
    for (unsigned i = 0; i < EDID_OFF_CHECKSUM; i++)
        sum = (uint8_t)(sum + out[i]);
    out[EDID_OFF_CHECKSUM] = (uint8_t)(0x100 - sum);
}
