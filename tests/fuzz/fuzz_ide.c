/* Fuzz harness: the PIIX IDE function alone (src/dev/piix_ide.c, ide_*.c,
 * cdrom.c) with up to four drives on small, oddly sized, hostile images
 * (a partition table from the input, read-only disks, backends that fail
 * on demand), a 64 KiB guest memory for PRD tables and DMA, and the
 * guest's accesses to every register.
 *
 * Input: a header, then operations until the input ends.
 *   byte 0     drive kinds, 2 bits per drive index 0-3: none, disk, CD, empty CD
 *   bytes 1-4  image sizes (a disk: n sectors plus an odd tail; a CD: n/2
 *              2 KiB sectors plus a tail)
 *   byte 5     bits 0-3: disk index i is read-only
 *   byte 6     bit 0: the next 64 bytes are every disk's partition table
 *              (with the 55AAh signature); the images are filled from a
 *              generator seeded with byte 7
 *   ops        byte: bits 0-3 the kind, bits 4-7 a parameter p
 *     0 out8 command block (channel p&1, register p>>1&7, value)
 *     1 in8 command block
 *     2 data port reads (channel p&1; a count; dwords if p&2)
 *     3 data port writes (channel p&1; a count; generated words)
 *     4 device control write (channel p&1, value)
 *     5 alternate status read
 *     6 bus master write (channel p&1, register p>>1&7; size byte; u32)
 *     7 bus master read (channel p&1, register p>>1&7; size byte)
 *     8 guest memory write (u16 address, length byte & 63, bytes)
 *     9 a PRD (index byte in the table at 1000h; u16 address; u16 count;
 *       EOT = p&1)
 *    10 configuration (a byte: I/O and bus master enables, decode enables)
 *    11 media (drive p&3; a byte: change to a new image of that size,
 *       eject, forced eject)
 *    12 snapshot round trip
 *    13 device reset
 *    14 a drive's backend fails or recovers (drive p&3)
 *    15 a whole command (channel p&1; feature, count, LBA 0-2, device,
 *       command; for PACKET the 12 packet bytes follow)
 *
 * Properties, after every operation: the IRQ pins are what the channels
 * last drove, and only high with an interrupt pending and nIEN clear; PIO
 * windows and buffers stay inside the drive's buffer; the bus master's
 * registers keep their fixed bits; a snapshot loads back (dry run, then
 * for real) and saves to the same bytes. */
#include <stdbool.h>

#include "fuzz.h"
#include "block/block.h"
#include "dev/piix_ide.h"

#define MEM_SIZE 0x10000u
#define TABLE 0x1000u

static uint8_t mem[MEM_SIZE];
static bool pin[2];

static void mem_rd(void *opaque, uint32_t pa, void *dst, size_t len)
{
    (void)opaque;
    uint8_t *p = dst;
    for (size_t i = 0; i < len; i++)
        p[i] = mem[(pa + i) & (MEM_SIZE - 1)];
}

static void mem_wr(void *opaque, uint32_t pa, const void *src, size_t len)
{
    (void)opaque;
    const uint8_t *p = src;
    for (size_t i = 0; i < len; i++)
        mem[(pa + i) & (MEM_SIZE - 1)] = p[i];
}

static void pin_set(void *opaque, unsigned irq, bool level)
{
    (void)opaque;
    pin[irq] = level;
}

/* A memory image behind a backend that can be told to fail. */
struct image {
    uint8_t *data;
    uint64_t size;
    bool fail, read_only;
};

static int img_read(struct block *b, uint64_t off, void *buf, size_t len)
{
    struct image *im = b->priv;
    if (im->fail)
        return -5;
    memcpy(buf, im->data + off, len);
    return 0;
}

static int img_write(struct block *b, uint64_t off, const void *buf, size_t len)
{
    struct image *im = b->priv;
    if (im->fail)
        return -5;
    memcpy(im->data + off, buf, len);
    return 0;
}

static int img_flush(struct block *b)
{
    struct image *im = b->priv;
    return im->fail ? -5 : 0;
}

static const struct block_driver img_driver = {
    .format = "fuzz", .read = img_read, .write = img_write, .flush = img_flush,
};

/* Up to 4 attached images and one spare per drive for media changes. */
static struct image images[8];
static struct block *blocks[8];

static struct block *make_image(unsigned slot, uint64_t size, bool ro, uint32_t *seed,
                                const uint8_t *ptable)
{
    struct image *im = &images[slot];
    im->data = malloc(size ? size : 1);
    if (!im->data)
        fuzz_fail("out of memory");
    im->size = size;
    im->fail = false;
    im->read_only = ro;
    for (uint64_t i = 0; i < size; i += 4) {
        uint32_t r = fz_rand(seed);
        memcpy(im->data + i, &r, size - i < 4 ? size - i : 4);
    }
    if (ptable && size >= 512) {
        memcpy(im->data + 0x1BE, ptable, 64);
        im->data[510] = 0x55;
        im->data[511] = 0xAA;
    }
    blocks[slot] = block_new(&img_driver, im, "fuzz", size, ro);
    if (!blocks[slot])
        fuzz_fail("out of memory");
    return blocks[slot];
}

static void free_image(unsigned slot)
{
    block_close(blocks[slot]);
    blocks[slot] = NULL;
    free(images[slot].data);
    images[slot].data = NULL;
}

static struct piix_ide *ide;

static uint32_t port_in(uint16_t port, unsigned size)
{
    const struct device_resources *r = &ide->dev.res;
    for (unsigned i = 0; i < r->nports; i++)
        if (port >= r->ports[i].base && port < r->ports[i].base + r->ports[i].count)
            return r->ports[i].ops->in(r->ports[i].opaque, port, size);
    fuzz_fail("port %#x is not the IDE's", port);
}

static void port_out(uint16_t port, uint32_t v, unsigned size)
{
    const struct device_resources *r = &ide->dev.res;
    for (unsigned i = 0; i < r->nports; i++)
        if (port >= r->ports[i].base && port < r->ports[i].base + r->ports[i].count) {
            r->ports[i].ops->out(r->ports[i].opaque, port, v, size);
            return;
        }
    fuzz_fail("port %#x is not the IDE's", port);
}

static uint16_t base(unsigned ch)
{
    return ch ? 0x170 : 0x1F0;
}

static unsigned size_of(uint8_t b)
{
    return 1u << (b % 3);
}

static void check_state(const char *after)
{
    for (unsigned c = 0; c < 2; c++) {
        const struct ide_channel *ch = &ide->ch[c];
        FUZZ_CHECK(pin[c] == ch->irq_level, "%s: channel %u pin %d, thinks %d", after, c,
                   pin[c], ch->irq_level);
        FUZZ_CHECK(!ch->irq_level || (ch->irq_pending && !(ch->devctl & ATA_CTL_NIEN)),
                   "%s: channel %u IRQ high without a pending interrupt", after, c);
        FUZZ_CHECK(!(ch->bm_cmd & ~0x09) && !(ch->bm_status & 0x98) && !(ch->bm_prdt & 3),
                   "%s: bus master registers %02x %02x %08x", after, ch->bm_cmd,
                   ch->bm_status, ch->bm_prdt);
        FUZZ_CHECK(ch->bm_len <= 0x10000, "%s: PRD remainder %u", after, ch->bm_len);
        for (unsigned u = 0; u < 2; u++) {
            const struct ide_drive *d = &ch->drive[u];
            FUZZ_CHECK(d->data_pos <= d->data_end && d->data_end <= IDE_BUF_SIZE &&
                           d->buffered <= IDE_BUF_SIZE,
                       "%s: window %u-%u, buffered %u", after, d->data_pos, d->data_end,
                       d->buffered);
            FUZZ_CHECK(d->end < IDE_END_COUNT && d->dma_cmd < IDE_DMA_COUNT &&
                           d->power < IDE_PWR_COUNT,
                       "%s: bad state values", after);
            FUZZ_CHECK(d->kind != IDE_NONE || (d->end == IDE_END_NONE &&
                                               d->dma_cmd == IDE_DMA_NONE),
                       "%s: an absent drive is busy", after);
        }
    }
}

static void snapshot_round_trip(void)
{
    struct state_out a, b;
    state_out_init(&a);
    state_out_init(&b);
    ide->dev.ops->save(&ide->dev, &a);
    FUZZ_CHECK(!a.oom, "save: out of memory");
    struct state_in in = state_in_of(a.buf, a.len);
    FUZZ_CHECK(ide->dev.ops->load(&ide->dev, &in, false) == 0, "dry-run load refused");
    in = state_in_of(a.buf, a.len);
    FUZZ_CHECK(ide->dev.ops->load(&ide->dev, &in, true) == 0, "load refused");
    ide->dev.ops->save(&ide->dev, &b);
    FUZZ_CHECK(a.len == b.len && memcmp(a.buf, b.buf, a.len) == 0,
               "save after load differs");
    /* A truncated copy is refused without changing anything. */
    if (a.len > 1) {
        in = state_in_of(a.buf, a.len / 2);
        FUZZ_CHECK(ide->dev.ops->load(&ide->dev, &in, false) < 0, "half a state loads");
    }
    state_out_free(&a);
    state_out_free(&b);
}

static uint64_t image_size(bool cd, uint8_t n)
{
    return cd ? (uint64_t)(n >> 1) * 2048 + (n & 3) * 100 : (uint64_t)n * 512 + (n & 7) * 61;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz f = { data, size };
    uint8_t kinds = fz_u8(&f), sizes[4];
    for (unsigned i = 0; i < 4; i++)
        sizes[i] = fz_u8(&f);
    uint8_t ro = fz_u8(&f), flags = fz_u8(&f);
    uint32_t seed = fz_u8(&f) | 0x100u;
    uint8_t ptable[64];
    bool have_table = flags & 1;
    if (have_table)
        fz_bytes(&f, ptable, sizeof(ptable));

    memset(mem, 0, sizeof(mem));
    pin[0] = pin[1] = false;
    ide = piix_ide_create((struct guest_mem){ .read = mem_rd, .write = mem_wr },
                          (struct irq_pin){ .set = pin_set, .irq = 0 },
                          (struct irq_pin){ .set = pin_set, .irq = 1 });
    if (!ide)
        fuzz_fail("out of memory");
    for (unsigned i = 0; i < 4; i++) {
        unsigned k = (kinds >> (2 * i)) & 3;
        if (k == 0)
            continue;
        struct block *b = NULL;
        if (k != 3)
            b = make_image(i, image_size(k == 2, sizes[i]), k == 2 || ((ro >> i) & 1), &seed,
                           have_table && k == 1 ? ptable : NULL);
        char err[128];
        FUZZ_CHECK(piix_ide_attach(ide, i, k != 1, b, err, sizeof(err)) == 0, "attach: %s",
                   err);
    }
    ide->dev.ops->reset(&ide->dev);
    /* Firmware's setup, so that most inputs reach the drives. */
    ide->fn.config[PCI_COMMAND] = PCI_COMMAND_IO | 0x04;
    ide->fn.config[0x41] = ide->fn.config[0x43] = 0x80;
    check_state("setup");

    while (fz_left(&f)) {
        uint8_t op = fz_u8(&f), p = op >> 4;
        unsigned ch = p & 1;
        switch (op & 15) {
        case 0:
            port_out((uint16_t)(base(ch) + ((p >> 1) & 7)), fz_u8(&f), 1);
            break;
        case 1:
            (void)port_in((uint16_t)(base(ch) + ((p >> 1) & 7)), size_of(fz_u8(&f)));
            break;
        case 2: {
            unsigned n = fz_u8(&f) * 4u + 1;
            for (unsigned i = 0; i < n; i++)
                (void)port_in(base(ch), (p & 2) ? 4 : 2);
            break;
        }
        case 3: {
            unsigned n = fz_u8(&f) * 4u + 1;
            for (unsigned i = 0; i < n; i++)
                port_out(base(ch), fz_rand(&seed), (p & 2) ? 4 : 2);
            break;
        }
        case 4:
            port_out(ch ? 0x376 : 0x3F6, fz_u8(&f), 1);
            break;
        case 5:
            (void)port_in(ch ? 0x376 : 0x3F6, 1);
            break;
        case 6: {
            unsigned sz = size_of(fz_u8(&f));
            ide_bm_write(&ide->ch[ch], (p >> 1) & 7, fz_u32(&f), sz);
            break;
        }
        case 7:
            (void)ide_bm_read(&ide->ch[ch], (p >> 1) & 7, size_of(fz_u8(&f)));
            break;
        case 8: {
            uint16_t a = fz_u16(&f);
            uint8_t buf[64];
            size_t n = fz_bytes(&f, buf, fz_u8(&f) & 63);
            mem_wr(NULL, a, buf, n);
            break;
        }
        case 9: {
            uint8_t idx = fz_u8(&f);
            uint16_t a = fz_u16(&f), cnt = fz_u16(&f);
            uint8_t e[8] = { (uint8_t)a, (uint8_t)(a >> 8), 0, 0, (uint8_t)cnt,
                             (uint8_t)(cnt >> 8), 0, (p & 1) ? 0x80 : 0 };
            mem_wr(NULL, TABLE + 8u * idx, e, 8);
            break;
        }
        case 10: {
            uint8_t v = fz_u8(&f);
            ide->fn.config[PCI_COMMAND] = v & 0x05;
            ide->fn.config[0x41] = (v & 0x10) ? 0x80 : 0;
            ide->fn.config[0x43] = (v & 0x20) ? 0x80 : 0;
            break;
        }
        case 11: {
            unsigned idx = p & 3;
            uint8_t a = fz_u8(&f);
            struct block *old = NULL;
            int rc;
            if (a < 0xC0) {
                /* A new image in the spare slot; the old one is freed. */
                unsigned spare = blocks[4 + idx] ? idx : 4 + idx;
                if (blocks[spare])
                    break;
                struct block *nb = make_image(spare, image_size(true, a), true, &seed, NULL);
                rc = ide_change_media(ide, idx, nb, &old);
                if (rc < 0) {
                    free_image(spare);
                    break;
                }
            } else {
                rc = ide_eject(ide, idx, a & 1, &old);
                if (rc < 0)
                    break;
            }
            for (unsigned s = 0; s < 8; s++)
                if (old && blocks[s] == old)
                    free_image(s);
            break;
        }
        case 12:
            snapshot_round_trip();
            break;
        case 13:
            ide->dev.ops->reset(&ide->dev);
            break;
        case 14: {
            unsigned idx = p & 3;
            for (unsigned s = 0; s < 8; s++)
                if (blocks[s] && blocks[s] == piix_ide_medium(ide, idx))
                    images[s].fail = !images[s].fail;
            break;
        }
        case 15: {
            uint8_t r[7];
            for (unsigned i = 0; i < 7; i++)
                r[i] = fz_u8(&f);
            port_out((uint16_t)(base(ch) + 6), r[5], 1);
            for (unsigned i = 0; i < 5; i++)
                port_out((uint16_t)(base(ch) + 1 + i), r[i], 1);
            port_out((uint16_t)(base(ch) + 7), r[6], 1);
            if (r[6] == 0xA0) {
                for (unsigned i = 0; i < 6; i++)
                    port_out(base(ch), fz_u16(&f), 2);
            }
            break;
        }
        }
        check_state("op");
    }
    snapshot_round_trip();
    ide->dev.ops->destroy(&ide->dev);
    ide = NULL;
    for (unsigned s = 0; s < 8; s++)
        if (blocks[s])
            free_image(s);
    return 0;
}
