/* Fuzz harness: the floppy controller and the 8237 pair that feeds it,
 * through their ports, with small diskette images and 64 KiB of guest
 * memory (addresses wrap), and media changes and snapshots between
 * accesses.
 *
 * Per input a fresh DMA + FDC pair is made (no VM: the harness calls the
 * devices' port handlers itself) with drive 0 and maybe drive 1.  Byte 0:
 *   bits 0-2  drive 0's medium: 1.44M, 160K, 360K, 720K, 2.88M, an odd
 *             size (100000 bytes), 320K, none
 *   bit 3     drive 0's diskette read-only
 *   bit 4     a drive 1 with a 160K diskette
 *   bit 5     start as a BIOS leaves things: DMA cascade on, controller
 *             out of reset with its four sense interrupts read, 500 kbit/s
 * Then operations, the first byte's bits 0-2 saying which:
 *   0 FDC out   reg = bits 3-5, then the value
 *   1 FDC in    reg = bits 3-5
 *   2 DMA out   then a port index (into the 63 DMA ports) and the value
 *   3 DMA in    then a port index
 *   4 command   bits 3-7 pick a command code, its parameter bytes follow
 *               (written to the FIFO whatever the controller says)
 *   5 medium    bits 3-4: eject drive 0, insert its diskette, insert it
 *               read-only, eject or insert drive 1's
 *   6 snapshot  save both devices, load that (the bytes saved again must
 *               be the same), and dry-run a copy with byte N (next input
 *               byte) flipped, which must leave the state as it was
 *   7 burst     bit 3: write N bytes (from the input) to the FIFO, else
 *               read N bytes (N the next input byte)
 *
 * Properties, after every operation: the controller's counters and
 * indexes are in range, its IRQ pin is what it last drove and matches its
 * pending interrupts and DMAGATE, the DMA controller's DREQ 2 is what the
 * controller drives, MSR never shows DIO in the command phase; at the end
 * a read-only diskette is unchanged and no image changed size. */
#include <stdbool.h>

#include "fuzz.h"
#include "block/block.h"
#include "dev/dma8237.h"
#include "dev/fdc.h"

#define MEM_SIZE 0x10000u
#define MAX_IMAGE (2880u * 1024u)

static uint8_t mem[MEM_SIZE];
static uint8_t image0[MAX_IMAGE], image1[160 * 1024];
static uint8_t pristine[MAX_IMAGE];     /* what image0 starts as */
static uint32_t pristine_hash[8];
static struct dma8237 *dma;
static struct fdc *fdc;
static bool pin;

static void mem_read(void *opaque, uint32_t pa, void *dst, size_t len)
{
    uint8_t *d = dst;
    for (size_t i = 0; i < len; i++)
        d[i] = mem[(pa + i) % MEM_SIZE];
}

static void mem_write(void *opaque, uint32_t pa, const void *src, size_t len)
{
    const uint8_t *s = src;
    for (size_t i = 0; i < len; i++)
        mem[(pa + i) % MEM_SIZE] = s[i];
}

static void pin_set(void *opaque, unsigned irq, bool level)
{
    pin = level;
}

/* A port access through the handlers the device declared. */
static const struct device_ports *find(struct device *d, uint16_t port)
{
    for (unsigned i = 0; i < d->res.nports; i++) {
        const struct device_ports *p = &d->res.ports[i];
        if (port >= p->base && port < p->base + p->count)
            return p;
    }
    return NULL;
}

static void out(struct device *d, uint16_t port, uint8_t v)
{
    const struct device_ports *p = find(d, port);
    if (p)
        p->ops->out(p->opaque, port, v, 1);
}

static uint8_t in(struct device *d, uint16_t port)
{
    const struct device_ports *p = find(d, port);
    return p ? (uint8_t)p->ops->in(p->opaque, port, 1) : 0xFF;
}

static uint16_t dma_port(uint8_t i)
{
    i %= 63;
    return i < 16 ? i : i < 48 ? (uint16_t)(0xC0 + i - 16) : (uint16_t)(0x81 + i - 48);
}

static uint32_t pattern_hash(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static void check(const char *after)
{
    const struct fdc *f = fdc;
    FUZZ_CHECK(f->phase <= FDC_PH_RESULT, "%s: phase %d", after, f->phase);
    FUZZ_CHECK(f->cmd_pos <= f->cmd_len && f->cmd_len <= sizeof(f->cmd), "%s: cmd %u/%u",
               after, f->cmd_pos, f->cmd_len);
    FUZZ_CHECK(f->res_pos <= f->res_len && f->res_len <= sizeof(f->res), "%s: res %u/%u",
               after, f->res_pos, f->res_len);
    FUZZ_CHECK(f->x.pos <= FDC_SECTOR, "%s: pos %u", after, f->x.pos);
    FUZZ_CHECK(f->phase == FDC_PH_EXEC || (!f->x.dreq && !f->dreq_level),
               "%s: DRQ outside the execution phase", after);
    bool pending = f->int_result || f->int_pio || f->seek_done || f->reset_sense;
    FUZZ_CHECK(f->irq_level == (pending && (f->dor & FDC_DOR_DMAGATE)),
               "%s: irq %d, pending %d, dor %02x", after, f->irq_level, pending, f->dor);
    FUZZ_CHECK(pin == f->irq_level, "%s: the pin is %d, the controller drove %d", after, pin,
               f->irq_level);
    FUZZ_CHECK(((dma->dreq >> FDC_DMA) & 1) == f->dreq_level, "%s: DREQ 2 %d vs %d", after,
               (dma->dreq >> FDC_DMA) & 1, f->dreq_level);
    FUZZ_CHECK(f->reset_sense <= 4 && f->seek_done <= 15, "%s: statuses", after);
    if (f->phase == FDC_PH_COMMAND && (f->dor & FDC_DOR_NRESET)) {
        uint8_t m = in(&fdc->dev, 0x3F4);
        FUZZ_CHECK(!(m & FDC_MSR_DIO), "%s: MSR %02x in the command phase", after, m);
    }
}

static void save_both(struct state_out *o)
{
    state_out_init(o);
    dma->dev.ops->save(&dma->dev, o);
    fdc->dev.ops->save(&fdc->dev, o);
}

static int load_both(const uint8_t *buf, size_t len, size_t dma_len, bool commit)
{
    struct state_in a = state_in_of(buf, dma_len);
    struct state_in b = state_in_of(buf + dma_len, len - dma_len);
    /* Both dry first, then both for real, as the snapshot loader does. */
    if (dma->dev.ops->load(&dma->dev, &a, false) < 0 ||
        fdc->dev.ops->load(&fdc->dev, &b, false) < 0)
        return -1;
    if (!commit)
        return 0;
    a = state_in_of(buf, dma_len);
    b = state_in_of(buf + dma_len, len - dma_len);
    FUZZ_CHECK(dma->dev.ops->load(&dma->dev, &a, true) == 0 &&
                   fdc->dev.ops->load(&fdc->dev, &b, true) == 0,
               "a load that passed its dry run failed");
    return 0;
}

static void snapshot(uint8_t flip)
{
    struct state_out s, t;
    struct state_out d;
    state_out_init(&d);
    dma->dev.ops->save(&dma->dev, &d);
    size_t dl = d.len;
    state_out_free(&d);
    save_both(&s);
    FUZZ_CHECK(!s.oom, "out of memory saving");
    FUZZ_CHECK(load_both(s.buf, s.len, dl, true) == 0, "the saved state did not load");
    save_both(&t);
    FUZZ_CHECK(s.len == t.len && memcmp(s.buf, t.buf, s.len) == 0,
               "save, load, save gave other bytes");
    /* A damaged copy: loads or not, but a dry run changes nothing. */
    s.buf[flip % s.len] ^= (uint8_t)(1u << (flip % 8));
    load_both(s.buf, s.len, dl, false);
    state_out_free(&t);
    save_both(&t);
    s.buf[flip % s.len] ^= (uint8_t)(1u << (flip % 8));
    FUZZ_CHECK(s.len == t.len && memcmp(s.buf, t.buf, s.len) == 0,
               "a dry-run load changed the state");
    state_out_free(&s);
    state_out_free(&t);
}

static const uint8_t codes[32] = {
    0x06, 0x46, 0xC6, 0xE6, 0x45, 0xC5, 0x4C, 0x6C, 0x49, 0x42, 0x56, 0xD6, 0x4A, 0x0A,
    0x4D, 0x07, 0x08, 0x03, 0x04, 0x0F, 0x8F, 0xCF, 0x13, 0x12, 0x14, 0x94, 0x0E, 0x10,
    0x18, 0x11, 0x00, 0xFF,
};
static const uint8_t params[32] = {
    8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 1, 1, 5, 1, 0, 2, 1, 2, 2, 2, 3, 1, 0, 0, 0, 0,
    0, 8, 0, 0,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint32_t sizes[8] = { 1474560, 163840, 368640, 737280, 2949120, 100000,
                                       327680, 0 };
    struct fz in_ = { data, size };
    struct fz *z = &in_;
    uint8_t head = fz_u8(z);
    uint32_t len0 = sizes[head & 7];
    bool ro = head & 8;
    static bool once;
    if (!once) {
        once = true;
        for (uint32_t i = 0; i < MAX_IMAGE; i++)
            pristine[i] = (uint8_t)(i * 131u + (i >> 9));
        for (unsigned k = 0; k < 8; k++)
            pristine_hash[k] = pattern_hash(pristine, sizes[k]);
    }
    memcpy(image0, pristine, len0);
    memcpy(image1, pristine, sizeof(image1));
    memset(mem, 0xA5, sizeof(mem));
    uint32_t hash0 = pristine_hash[head & 7];
    struct block *b0 = len0 ? block_open_memory(image0, len0, ro) : NULL;
    struct block *b0ro = len0 ? block_open_memory(image0, len0, true) : NULL;
    struct block *b1 = block_open_memory(image1, sizeof(image1), false);

    pin = false;
    dma = dma8237_create((struct guest_mem){ mem_read, mem_write, NULL });
    fdc = fdc_create((struct irq_pin){ .set = pin_set, .irq = FDC_IRQ });
    if (!dma || !fdc || (len0 && (!b0 || !b0ro)) || !b1)
        fuzz_fail("out of memory");
    FUZZ_CHECK(fdc_connect_dma(fdc, dma, FDC_DMA) == 0, "connect");
    fdc_attach_drive(fdc, 0, b0);
    if (head & 0x10)
        fdc_attach_drive(fdc, 1, b1);
    dma->dev.ops->reset(&dma->dev);
    fdc->dev.ops->reset(&fdc->dev);
    if (head & 0x20) {
        out(&dma->dev, 0xD6, 0xC0);
        out(&dma->dev, 0xD4, 0x00);
        out(&fdc->dev, 0x3F2, 0x1C);
        for (unsigned i = 0; i < 4; i++) {
            out(&fdc->dev, 0x3F5, 0x08);
            in(&fdc->dev, 0x3F5);
            in(&fdc->dev, 0x3F5);
        }
        out(&fdc->dev, 0x3F7, 0);
    }
    check("setup");

    while (fz_left(z)) {
        uint8_t op = fz_u8(z);
        switch (op & 7) {
        case 0:
            out(&fdc->dev, (uint16_t)(0x3F0 + (op >> 3 & 7)), fz_u8(z));
            break;
        case 1:
            in(&fdc->dev, (uint16_t)(0x3F0 + (op >> 3 & 7)));
            break;
        case 2: {
            uint16_t port = dma_port(fz_u8(z));
            out(&dma->dev, port, fz_u8(z));
            break;
        }
        case 3:
            in(&dma->dev, dma_port(fz_u8(z)));
            break;
        case 4: {
            unsigned k = op >> 3;
            out(&fdc->dev, 0x3F5, codes[k]);
            for (unsigned i = 0; i < params[k]; i++)
                out(&fdc->dev, 0x3F5, fz_u8(z));
            break;
        }
        case 5:
            switch (op >> 3 & 3) {
            case 0:
                fdc_change_media(fdc, 0, NULL);
                break;
            case 1:
                fdc_change_media(fdc, 0, b0);
                break;
            case 2:
                fdc_change_media(fdc, 0, b0ro);
                break;
            case 3:
                if (fdc->drv[1].present)
                    fdc_change_media(fdc, 1, fdc->drv[1].medium ? NULL : b1);
                break;
            }
            break;
        case 6:
            snapshot(fz_u8(z));
            break;
        case 7: {
            unsigned n = fz_u8(z);
            for (unsigned i = 0; i < n; i++) {
                if (op & 8)
                    out(&fdc->dev, 0x3F5, fz_u8(z));
                else
                    in(&fdc->dev, 0x3F5);
            }
            break;
        }
        }
        check("an operation");
    }

    if (len0) {
        FUZZ_CHECK(block_length(b0) == len0, "the image changed size");
        if (ro)     /* then both of drive 0's blocks are read-only */
            FUZZ_CHECK(pattern_hash(image0, len0) == hash0, "a read-only diskette changed");
    }
    dma->dev.ops->destroy(&dma->dev);
    fdc->dev.ops->destroy(&fdc->dev);
    block_close(b0);
    block_close(b0ro);
    block_close(b1);
    return 0;
}
