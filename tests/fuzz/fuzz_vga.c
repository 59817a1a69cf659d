/* Fuzz harness: the VGA (dev/vga.h) through its ports, its VBE registers,
 * the legacy window, the linear framebuffer and BAR2, with pictures drawn
 * and text read between accesses, and a snapshot round trip at the end.
 *
 * One VGA for the whole run (16 MiB of VRAM is too much to allocate per
 * input), put back to its reset state and zeroed VRAM per input.  Each
 * operation is one byte, bits 0-2 saying which:
 *   0 VGA port out    port 0x3B0 + next byte % 0x30, then the value
 *   1 VGA port in     port 0x3B0 + next byte % 0x30
 *   2 VBE write       index (next byte % 16), then a 16-bit value
 *   3 window write    offset (17 bits), size 1/2/4 (bits 3-4), value
 *   4 window read     offset, size
 *   5 LFB write       offset (24 bits + 1: past the end too), size, value
 *   6 BAR2 write      offset (12 bits), size, value; then a read of
 *                     that size at another offset (the EDID's bytes
 *                     below 0x400)
 *   7 update          draw the picture (and the text screen), check it
 * Properties: nothing is read or written outside the device's buffers
 * (ASan), the picture's size is bounded and every row lies in the surface,
 * the VBE visible area lies in the VRAM, and a snapshot loads back to the
 * same bytes.  The framebuffer's RAM-speed pages (vga.h lfb_writable, with
 * a rearm function connected and BAR0 placed as a bus would): a writable
 * page is always marked dirty, and an update clears the marks before it
 * asks for the write translations to be dropped, for a range inside the
 * BAR that covers every page that was writable. */
#include <stdbool.h>

#include "fuzz.h"
#include "dev/vga.h"

static uint64_t now;
static uint64_t clock_now(void *opaque) { return now; }

static struct vga *v;

#define FB_BASE 0xE0000000u
static uint64_t writable_before[VGA_PAGES / 64];

static void rearm(void *opaque, uint32_t pa, uint32_t len)
{
    FUZZ_CHECK(pa >= FB_BASE && len && (uint64_t)pa - FB_BASE + len <= VGA_VRAM_SIZE &&
               !(pa & 0xFFF) && !(len & 0xFFF), "rearm 0x%x+0x%x", pa, len);
    for (unsigned w = 0; w < VGA_PAGES / 64; w++) {
        FUZZ_CHECK(!v->lfb_writable[w], "rearm before the marks were cleared");
        for (unsigned b = 0; b < 64; b++) {
            uint32_t page_pa = FB_BASE + (w * 64 + b) * 4096u;
            if ((writable_before[w] >> b) & 1)
                FUZZ_CHECK(page_pa >= pa && page_pa - pa < len, "page 0x%x not rearmed",
                           page_pa);
        }
    }
}

/* A page the CPU may write at RAM speed is a page the next picture draws. */
static void check_writable(void)
{
    for (unsigned w = 0; w < VGA_PAGES / 64; w++)
        FUZZ_CHECK(!(v->lfb_writable[w] & ~v->dirty[w]), "writable page not dirty");
}

static void check_vbe(void)
{
    if (!vga_vbe_enabled(v))
        return;
    uint64_t end = (uint64_t)v->vbe_regs[VBE_DISPI_INDEX_YRES] * v->vbe_line + v->vbe_start;
    FUZZ_CHECK(end <= VGA_VRAM_SIZE, "VBE area ends at %llu", (unsigned long long)end);
    FUZZ_CHECK(v->vbe_regs[VBE_DISPI_INDEX_XRES] <= VBE_DISPI_MAX_XRES, "xres");
}

/* A read in BAR2's EDID area gets exactly the block's bytes at that size
 * and offset, zeros past its 128 (dev/edid.h), whatever was written. */
static void check_edid_read(uint32_t off, unsigned sz, uint32_t val)
{
    uint8_t want[EDID_BLOCK_SIZE];
    edid_generate(want, EDID_PREF_WIDTH, EDID_PREF_HEIGHT, EDID_NAME);
    uint32_t expect = 0;
    for (unsigned i = 0; i < sz; i++)
        if (off + i < EDID_BLOCK_SIZE)
            expect |= (uint32_t)want[off + i] << (8 * i);
    FUZZ_CHECK(val == expect, "EDID read at 0x%x size %u: 0x%x, not 0x%x", off, sz, val,
               expect);
}

static void update(void)
{
    struct display_surface s;
    struct display_rect r;
    memcpy(writable_before, v->lfb_writable, sizeof(writable_before));
    if (display_update(vga_display(v), &s, &r)) {
        FUZZ_CHECK(s.width && s.height && (uint64_t)s.width * s.height <= (16u << 20),
                   "surface %ux%u", s.width, s.height);
        FUZZ_CHECK(r.x1 <= s.width && r.y1 <= s.height && r.x0 <= r.x1 && r.y0 <= r.y1,
                   "dirty rect out of the surface");
        /* The surface's first and last pixels are read (ASan checks them). */
        volatile uint32_t sum = 0;
        sum += s.pixels[0] + s.pixels[(size_t)s.width * s.height - 1];
        (void)sum;
    }
    struct display_text t;
    if (display_text(vga_display(v), &t)) {
        FUZZ_CHECK(t.cols * t.rows <= 160 * 100, "text %ux%u", t.cols, t.rows);
        if (t.cursor_visible)
            FUZZ_CHECK(t.cursor_col < t.cols && t.cursor_row < t.rows, "cursor");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!v) {
        v = vga_create((struct dev_clock){ .now_ns = clock_now }, NULL, 0);
        if (!v)
            abort();
        vga_connect_rearm(v, (struct write_rearm){ .rearm = rearm });
        v->fn.bar[0].mapped = true;
        v->fn.bar[0].mapped_base = FB_BASE;
    }
    memset(v->lfb_writable, 0, sizeof(v->lfb_writable));
    v->dev.ops->reset(&v->dev);
    memset(v->vram, 0, VGA_VRAM_SIZE);
    struct fz f = { data, size };
    const struct pci_bar *bar2 = &v->fn.bar[2];
    while (fz_left(&f)) {
        uint8_t op = fz_u8(&f);
        unsigned sz = 1u << ((op >> 3) & 3);
        if (sz == 8)
            sz = 4;
        now += (uint64_t)(op >> 5) * 1000003;
        switch (op & 7) {
        case 0: {
            uint16_t port = (uint16_t)(0x3B0 + fz_u8(&f) % 0x30);
            vga_port_ops.out(v, port, fz_u8(&f), 1);
            break;
        }
        case 1:
            vga_port_ops.in(v, (uint16_t)(0x3B0 + fz_u8(&f) % 0x30), 1);
            break;
        case 2:
            vga_vbe_ops.out(v, VBE_DISPI_IOPORT_INDEX, fz_u8(&f) % 16, 2);
            vga_vbe_ops.out(v, VBE_DISPI_IOPORT_DATA, fz_u16(&f), 2);
            vga_vbe_ops.in(v, VBE_DISPI_IOPORT_DATA, 2);
            break;
        case 3:
            vga_legacy_ops.write(v, fz_u32(&f) % (VGA_LEGACY_SIZE - 3), fz_u32(&f), sz);
            break;
        case 4:
            vga_legacy_ops.read(v, fz_u32(&f) % (VGA_LEGACY_SIZE - 3), sz);
            break;
        case 5:
            vga_lfb_ops.write(v, fz_u32(&f) % (VGA_VRAM_SIZE + 8), fz_u32(&f), sz);
            break;
        case 6: {
            bar2->mmio_ops->write(bar2->opaque, fz_u16(&f) % 0x1000, fz_u32(&f), sz);
            uint32_t off = fz_u16(&f) % 0x1000;
            uint32_t val = bar2->mmio_ops->read(bar2->opaque, off, sz);
            if (off + sz <= 0x400)
                check_edid_read(off, sz, val);
            break;
        }
        default:
            update();
            break;
        }
        check_vbe();
        check_writable();
    }
    update();
    /* Snapshot: save, load, save again: the same bytes. */
    struct state_out a, b;
    state_out_init(&a);
    state_out_init(&b);
    v->dev.ops->save(&v->dev, &a);
    struct state_in in = state_in_of(a.buf, a.len);
    FUZZ_CHECK(v->dev.ops->load(&v->dev, &in, true) == 0 && state_in_ok(&in, true),
               "own snapshot refused");
    v->dev.ops->save(&v->dev, &b);
    FUZZ_CHECK(a.len == b.len && !memcmp(a.buf, b.buf, a.len), "snapshot differs");
    state_out_free(&a);
    state_out_free(&b);
    return 0;
}
