/* The virtual monitor's EDID (dev/edid.h) read back as a sink's reader
 * would (VESA E-EDID 1.4): the header and checksum, vendor and version,
 * the features, the established and standard timings, the preferred mode
 * as the first detailed timing (its totals giving 60 Hz), the range
 * limits and the name; then the same bytes through the std VGA's BAR2 at
 * any size and offset, and zeros after them up to the VGA registers. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dev/edid.h"
#include "dev/vga.h"

static uint64_t clock_now(void *opaque) { return 0; }

static unsigned sum(const uint8_t *b)
{
    unsigned s = 0;
    for (unsigned i = 0; i < EDID_BLOCK_SIZE; i++)
        s += b[i];
    return s & 0xFF;
}

/* The descriptor with `tag` (bytes 0-2 zero, byte 3 the tag), or NULL. */
static const uint8_t *find_desc(const uint8_t *b, uint8_t tag)
{
    for (unsigned i = 0; i < 4; i++) {
        const uint8_t *d = b + EDID_OFF_DESC + i * EDID_DESC_SIZE;
        if (!d[0] && !d[1] && !d[2] && d[3] == tag)
            return d;
    }
    return NULL;
}

struct timing {
    unsigned clock_khz, w, h, hblank, vblank, hfront, hsync, vfront, vsync;
};

static struct timing decode_detailed(const uint8_t *d)
{
    return (struct timing){
        .clock_khz = (d[0] | d[1] << 8) * 10u,
        .w = d[2] | (d[4] >> 4) << 8, .hblank = d[3] | (d[4] & 15) << 8,
        .h = d[5] | (d[7] >> 4) << 8, .vblank = d[6] | (d[7] & 15) << 8,
        .hfront = d[8] | (d[11] >> 6) << 8, .hsync = d[9] | ((d[11] >> 4) & 3) << 8,
        .vfront = (d[10] >> 4) | ((d[11] >> 2) & 3) << 4,
        .vsync = (d[10] & 15) | (d[11] & 3) << 4,
    };
}

static void check_block(const uint8_t *b, unsigned w, unsigned h, const char *name)
{
    static const uint8_t header[8] = { 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0 };
    CHECK(!memcmp(b, header, 8));
    CHECK_EQ(sum(b), 0);
    unsigned id = (unsigned)b[EDID_OFF_VENDOR] << 8 | b[EDID_OFF_VENDOR + 1];
    char vendor[4] = { (char)('@' + ((id >> 10) & 31)), (char)('@' + ((id >> 5) & 31)),
                       (char)('@' + (id & 31)), 0 };
    CHECK_STR(vendor, "RHT");
    CHECK_EQ(id >> 15, 0);   /* bit 15 is reserved, 0 */
    CHECK_EQ(b[EDID_OFF_PRODUCT] | b[EDID_OFF_PRODUCT + 1] << 8, 0x1234);
    CHECK_EQ(b[EDID_OFF_VERSION], 1);
    CHECK_EQ(b[EDID_OFF_VERSION + 1], 4);
    CHECK(b[EDID_OFF_INPUT] & 0x80);                 /* digital */
    CHECK_EQ((b[EDID_OFF_INPUT] >> 4) & 7, 2);       /* 8 bits per primary */
    CHECK(b[EDID_OFF_FEATURES] & 0x02);              /* preferred timing is native */
    CHECK_EQ(b[EDID_OFF_EXTENSIONS], 0);
    /* 640x480@60 and 1024x768@60 among the established timings. */
    CHECK(b[EDID_OFF_ESTABLISHED] & 0x20);
    CHECK(b[EDID_OFF_ESTABLISHED + 1] & 0x08);
    /* Standard timings: 1920x1080 (16:9) and 1280x1024 (5:4) at 60 Hz. */
    bool fhd = false, sxga = false;
    for (unsigned i = 0; i < 8; i++) {
        const uint8_t *s = b + EDID_OFF_STANDARD + 2 * i;
        if (s[0] == 1 && s[1] == 1)
            continue;
        unsigned sw = (s[0] + 31u) * 8, aspect = s[1] >> 6;
        CHECK_EQ(s[1] & 0x3F, 0);                    /* 60 Hz */
        fhd |= sw == 1920 && aspect == 3;
        sxga |= sw == 1280 && aspect == 2;
    }
    CHECK(fhd && sxga);

    /* The first descriptor is a detailed timing: the preferred mode. */
    const uint8_t *d = b + EDID_OFF_DESC;
    CHECK(d[0] || d[1]);
    struct timing t = decode_detailed(d);
    CHECK_EQ(t.w, w);
    CHECK_EQ(t.h, h);
    CHECK(t.hfront + t.hsync < t.hblank && t.vfront + t.vsync < t.vblank);
    uint64_t hz_milli = (uint64_t)t.clock_khz * 1000000u / ((t.w + t.hblank) * (t.h + t.vblank));
    CHECK(hz_milli >= 59500 && hz_milli <= 60500);
    CHECK_EQ(d[17] & 0x18, 0x18);                    /* digital separate sync */
    /* The picture's size in mm agrees with the header's in cm. */
    unsigned wmm = d[12] | (d[14] >> 4) << 8, hmm = d[13] | (d[14] & 15) << 8;
    CHECK(wmm / 10 + 1 >= b[0x15] && wmm / 10 <= b[0x15]);
    CHECK(hmm / 10 + 1 >= b[0x16] && hmm / 10 <= b[0x16]);

    /* Range limits that hold the preferred mode. */
    const uint8_t *r = find_desc(b, EDID_TAG_RANGE);
    CHECK(r != NULL);
    if (r) {
        CHECK(r[5] <= 60 && r[6] >= 60);
        unsigned hkhz = t.clock_khz / (t.w + t.hblank);
        CHECK(r[7] <= hkhz && r[8] >= hkhz);
        CHECK(r[9] * 10000u >= t.clock_khz);
    }
    /* The name: up to 13 characters, a line feed after a shorter one. */
    const uint8_t *n = find_desc(b, EDID_TAG_NAME);
    CHECK(n != NULL);
    if (n) {
        char got[EDID_NAME_MAX + 1] = { 0 };
        for (unsigned i = 0; i < EDID_NAME_MAX && n[5 + i] != 0x0A; i++)
            got[i] = (char)n[5 + i];
        char want[EDID_NAME_MAX + 1] = { 0 };
        strncpy(want, name, EDID_NAME_MAX);
        CHECK_STR(got, want);
    }
}

static void test_generate(void)
{
    uint8_t b[EDID_BLOCK_SIZE];
    edid_generate(b, EDID_PREF_WIDTH, EDID_PREF_HEIGHT, EDID_NAME);
    check_block(b, 1024, 768, "plex86 screen");
    /* CVT reduced blanking's 1024x768: 56.00 MHz, 1184 x 790. */
    struct timing t = decode_detailed(b + EDID_OFF_DESC);
    CHECK_EQ(t.clock_khz, 56000);
    CHECK_EQ(t.w + t.hblank, 1184);
    CHECK_EQ(t.h + t.vblank, 790);
    /* Other modes and names: the fields follow, a long name is cut. */
    edid_generate(b, 1920, 1080, "a name longer than thirteen");
    check_block(b, 1920, 1080, "a name longer than thirteen");
    edid_generate(b, 1280, 1024, "x");
    check_block(b, 1280, 1024, "x");
    /* Out of the detailed timing's range: clamped, still valid. */
    edid_generate(b, 0, 100000, "");
    CHECK_EQ(sum(b), 0);
    t = decode_detailed(b + EDID_OFF_DESC);
    CHECK_EQ(t.w, 64);
    CHECK_EQ(t.h, 4095);
}

/* BAR2 of the std VGA: the block at 0, byte for byte at every size and
 * offset, zeros after it up to 0x400. */
static void test_bar2(void)
{
    struct vga *v = vga_create((struct dev_clock){ .now_ns = clock_now }, NULL, 0);
    CHECK(v != NULL);
    if (!v)
        return;
    const struct pci_bar *bar = &v->fn.bar[2];
    uint8_t want[EDID_BLOCK_SIZE];
    edid_generate(want, EDID_PREF_WIDTH, EDID_PREF_HEIGHT, EDID_NAME);
    uint8_t got[EDID_BLOCK_SIZE];
    for (unsigned i = 0; i < EDID_BLOCK_SIZE; i++)
        got[i] = (uint8_t)bar->mmio_ops->read(bar->opaque, i, 1);
    CHECK(!memcmp(got, want, sizeof(want)));
    for (unsigned size = 1; size <= 4; size++)
        for (unsigned off = 0; off + size <= 0x400; off++) {
            uint32_t val = bar->mmio_ops->read(bar->opaque, off, size), expect = 0;
            for (unsigned i = 0; i < size; i++)
                if (off + i < EDID_BLOCK_SIZE)
                    expect |= (uint32_t)want[off + i] << (8 * i);
            CHECK_EQ(val, expect);
        }
    /* Writes leave it alone. */
    bar->mmio_ops->write(bar->opaque, 0, 0xFFFFFFFF, 4);
    CHECK_EQ(bar->mmio_ops->read(bar->opaque, 0, 4), want[0] | want[1] << 8 |
                                                     want[2] << 16 | (uint32_t)want[3] << 24);
    v->dev.ops->destroy(&v->dev);
}

int main(void)
{
    test_generate();
    test_bar2();
    return check_report();
}
