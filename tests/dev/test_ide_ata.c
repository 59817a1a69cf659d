/* The PIIX IDE function with ATA disks, driven through its ports as a
 * guest drives it: the PCI function and its decode enables, signatures,
 * IDENTIFY DEVICE against ATA/ATAPI-6 8.15 (and QEMU's layout), PIO reads
 * and writes in LBA28, LBA48 and CHS, READ/WRITE MULTIPLE, the error
 * outputs (IDNF, UNC, ABRT for a write-protected image), FLUSH CACHE, SET
 * FEATURES, INITIALIZE DEVICE PARAMETERS, power modes, READ NATIVE MAX,
 * EXECUTE DEVICE DIAGNOSTIC, SRST and nIEN, the geometry guess, and a
 * snapshot taken in the middle of a PIO transfer. */
#include "check.h"
#include "dev/ide_util.h"

#define DISK_SECTORS 20480u                 /* 10 MiB: 20/16/63 */

static uint8_t st(struct rig *r, unsigned ch)
{
    return inb(r, (uint16_t)(ch_base(ch) + 7));
}

static uint8_t err(struct rig *r, unsigned ch)
{
    return inb(r, (uint16_t)(ch_base(ch) + 1));
}

static void identify(struct rig *r, unsigned ch, unsigned unit, uint8_t *id)
{
    outb(r, (uint16_t)(ch_base(ch) + 6), (uint8_t)(0xA0 | unit << 4));
    outb(r, (uint16_t)(ch_base(ch) + 7), 0xEC);
    read_data(r, ch, id, 512);
}

static void test_pci(void)
{
    uint8_t *img = pattern_image(DISK_SECTORS * 512);
    struct block *b = block_open_memory(img, DISK_SECTORS * 512, false);
    struct rig r;
    rig_init(&r, (struct block *[4]){ b }, NULL);
    uint32_t bdf = pci_bdf(0, 1, 1);
    CHECK_EQ(pci_config_read(r.pci, bdf, 0, 4), 0x70108086u);
    CHECK_EQ(pci_config_read(r.pci, bdf, 8, 4) >> 8, 0x010180u);
    CHECK_EQ(pci_config_read(r.pci, bdf, 0x0E, 1), 0x80);
    CHECK_EQ(pci_config_read(r.pci, bdf, 0x2C, 4), 0x11001AF4u);
    CHECK_EQ(pci_config_read(r.pci, bdf, PCI_INTERRUPT_PIN, 1), 0);
    CHECK_EQ(pci_config_read(r.pci, bdf, 0x20, 4), 1);          /* BMIBA: I/O */
    pci_config_write(r.pci, bdf, 0x20, 0xFFFFFFFFu, 4);
    CHECK_EQ(pci_config_read(r.pci, bdf, 0x20, 4), 0xFFFFFFF1u); /* 16 bytes */
    pci_config_write(r.pci, bdf, 0x40, 0xA307, 2);
    pci_config_write(r.pci, bdf, 0x44, 0x5A, 1);
    CHECK_EQ(pci_config_read(r.pci, bdf, 0x40, 2), 0xA307);
    CHECK_EQ(pci_config_read(r.pci, bdf, 0x44, 1), 0x5A);
    CHECK_EQ(pci_config_read(r.pci, bdf, 0x04, 2), 0);          /* reset: off */

    /* Decoding: I/O enable and each channel's IDE decode enable. */
    vm_reset(r.vm);
    CHECK_EQ(inb(&r, 0x1F7), 0xFF);
    CHECK_EQ(inb(&r, 0x3F6), 0xFF);
    pci_config_write(r.pci, bdf, 0x40, 0x8000, 2);
    CHECK_EQ(inb(&r, 0x1F7), 0xFF);                            /* I/O still off */
    pci_config_write(r.pci, bdf, 0x04, 1, 2);
    CHECK_EQ(inb(&r, 0x1F7), 0x50);
    CHECK_EQ(inb(&r, 0x3F6), 0x50);
    CHECK_EQ(inb(&r, 0x177), 0xFF);                            /* secondary off */
    pci_config_write(r.pci, bdf, 0x42, 0x8000, 2);
    CHECK_EQ(inb(&r, 0x177), 0x00);                            /* empty channel */
    pci_config_write(r.pci, bdf, 0x40, 0, 2);
    outb(&r, 0x1F7, 0xEC);                                     /* dropped while off */
    pci_config_write(r.pci, bdf, 0x40, 0x8000, 2);
    CHECK_EQ(inb(&r, 0x1F7), 0x50);                            /* no DRQ */

    /* The bus master's registers, once BAR 4 is mapped. */
    rig_firmware(&r);
    CHECK_EQ(inb(&r, BM_BASE + 2), 0);
    outb(&r, BM_BASE + 2, 0x66);                               /* DMA capable bits */
    CHECK_EQ(inb(&r, BM_BASE + 2), 0x60);
    iobus_out(&r.vm->io, BM_BASE + 4, 0x12345677u, 4);
    CHECK_EQ(iobus_in(&r.vm->io, BM_BASE + 4, 4), 0x12345674u);
    outb(&r, BM_BASE, 0xFF);
    CHECK_EQ(inb(&r, BM_BASE), 0x09);
    CHECK_EQ(inb(&r, BM_BASE + 2) & 1, 1);                     /* Active */
    outb(&r, BM_BASE, 0x00);
    CHECK_EQ(inb(&r, BM_BASE + 2), 0x60);
    CHECK_EQ(inb(&r, BM_BASE + 8 + 2), 0);                     /* secondary's */
    rig_free(&r);
    block_close(b);
    free(img);
}

static void test_signature_identify(void)
{
    uint8_t *img = pattern_image(DISK_SECTORS * 512);
    struct block *b = block_open_memory(img, DISK_SECTORS * 512, false);
    struct rig r;
    rig_init(&r, (struct block *[4]){ b }, NULL);
    rig_firmware(&r);
    /* After reset (ATA/ATAPI-6 9.12): 01h, 01h, 00h, 00h; DRDY DSC. */
    CHECK_EQ(inb(&r, 0x1F2), 1);
    CHECK_EQ(inb(&r, 0x1F3), 1);
    CHECK_EQ(inb(&r, 0x1F4), 0);
    CHECK_EQ(inb(&r, 0x1F5), 0);
    CHECK_EQ(st(&r, 0), 0x50);
    CHECK_EQ(err(&r, 0), 0x01);
    /* The absent slave: status and error 0 (QEMU), commands ignored. */
    outb(&r, 0x1F6, 0xB0);
    CHECK_EQ(st(&r, 0), 0);
    CHECK_EQ(err(&r, 0), 0);
    outb(&r, 0x1F7, 0xEC);
    CHECK_EQ(st(&r, 0), 0);
    CHECK_EQ(r.irq[0].rises, 0);

    uint8_t id[512];
    identify(&r, 0, 0, id);
    CHECK_EQ(r.irq[0].rises, 1);
    CHECK_EQ(st(&r, 0), 0x50);                                 /* DRQ gone */
    CHECK_EQ(r.irq[0].level, false);                           /* status read */
    static const struct { unsigned w, v; } want[] = {
        { 0, 0x0040 }, { 1, 20 }, { 3, 16 }, { 4, 512 * 63 }, { 5, 512 }, { 6, 63 },
        { 20, 3 }, { 21, 512 }, { 22, 4 }, { 47, 0x8010 }, { 48, 1 }, { 49, 0x0B00 },
        { 50, 0x4000 }, { 53, 0x0007 }, { 54, 20 }, { 55, 16 }, { 56, 63 },
        { 57, 20 * 16 * 63 }, { 58, 0 }, { 59, 0x0110 }, { 60, DISK_SECTORS }, { 61, 0 },
        { 62, 0x0007 }, { 63, 0x0007 }, { 64, 0x0003 }, { 65, 120 }, { 68, 120 },
        { 80, 0x0078 }, { 81, 0x0022 }, { 82, 0x4028 }, { 83, 0x7400 }, { 84, 0x4000 },
        { 85, 0x4028 }, { 86, 0x3400 }, { 87, 0x4000 }, { 88, 0x203F }, { 93, 0x6001 },
        { 100, DISK_SECTORS }, { 101, 0 }, { 102, 0 }, { 103, 0 },
    };
    for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        if (id_word(id, want[i].w) != want[i].v)
            fprintf(stderr, "IDENTIFY word %u: %#x, want %#x\n", want[i].w,
                    id_word(id, want[i].w), want[i].v);
        CHECK_EQ(id_word(id, want[i].w), want[i].v);
    }
    /* Strings: the first character in each word's high byte. */
    char model[41], serial[21], fw[9];
    for (unsigned i = 0; i < 40; i++)
        model[i] = (char)id[54 + (i ^ 1)];
    for (unsigned i = 0; i < 20; i++)
        serial[i] = (char)id[20 + (i ^ 1)];
    for (unsigned i = 0; i < 8; i++)
        fw[i] = (char)id[46 + (i ^ 1)];
    model[40] = serial[20] = fw[8] = 0;
    CHECK_STR(model, "PLEX86 HARDDISK                         ");
    CHECK_STR(serial, "PL00001             ");
    CHECK_STR(fw, "1.0     ");
    /* Word 255: signature A5h and a checksum making the block sum to 0. */
    uint8_t sum = 0;
    for (unsigned i = 0; i < 512; i++)
        sum = (uint8_t)(sum + id[i]);
    CHECK_EQ(id[510], 0xA5);
    CHECK_EQ(sum, 0);
    /* IDENTIFY PACKET DEVICE to a disk: ABRT. */
    outb(&r, 0x1F7, 0xA1);
    CHECK_EQ(st(&r, 0), 0x41);
    CHECK_EQ(err(&r, 0), 0x04);
    rig_free(&r);
    block_close(b);
    free(img);
}

/* A disk too big for 28 bits: LBA28 capacity capped, LBA48 reads. */
static void test_lba48(void)
{
    struct sparse sp = { 0 };
    uint64_t sectors = (1ull << 32) + 12345;               /* 2 TiB and a bit */
    struct block *b = sparse_open(&sp, sectors * 512);
    struct rig r;
    rig_init(&r, (struct block *[4]){ NULL, NULL, b }, NULL);  /* secondary master */
    rig_firmware(&r);
    uint8_t id[512];
    identify(&r, 1, 0, id);
    CHECK_EQ(r.irq[1].rises, 1);
    CHECK_EQ(r.irq[0].rises, 0);
    CHECK_EQ(id_word(id, 1), 16383);
    CHECK_EQ(id_word(id, 3), 16);
    CHECK_EQ(id_word(id, 6), 63);
    CHECK_EQ(id_word(id, 60) | id_word(id, 61) << 16, 0x0FFFFFFFu);
    uint64_t cap = 0;
    for (unsigned i = 0; i < 4; i++)
        cap |= (uint64_t)id_word(id, 100 + i) << (16 * i);
    CHECK_EQ(cap, sectors);
    struct ide_geometry g;
    CHECK(piix_ide_geometry(r.ide, 2, &g));
    CHECK_EQ(g.trans, IDE_TRANS_LBA);
    CHECK(!piix_ide_geometry(r.ide, 0, &g));

    /* READ SECTORS EXT of 2 sectors at 2^32 + 5. */
    uint64_t lba = (1ull << 32) + 5;
    ata_lba48(&r, 1, 0, lba, 2, 0x24);
    CHECK_EQ(st(&r, 1), 0x58);
    uint8_t buf[1024];
    read_data(&r, 1, buf, 1024);
    bool same = true;
    for (unsigned i = 0; i < 1024; i++)
        same &= buf[i] == pattern_byte(lba * 512 + i);
    CHECK(same);
    CHECK_EQ(st(&r, 1), 0x50);
    CHECK_EQ(r.irq[1].rises, 3);           /* one per block */
    /* The registers hold the next LBA; HOB shows the high bytes. */
    uint64_t next = lba + 2;
    CHECK_EQ(inb(&r, 0x173), (uint8_t)next);
    CHECK_EQ(inb(&r, 0x174), (uint8_t)(next >> 8));
    outb(&r, 0x376, 0x80);
    CHECK_EQ(inb(&r, 0x173), (uint8_t)(next >> 24));
    CHECK_EQ(inb(&r, 0x174), (uint8_t)(next >> 32));
    outb(&r, 0x376, 0x00);
    /* Past the end: the last sector comes, then IDNF. */
    ata_lba48(&r, 1, 0, sectors - 1, 2, 0x24);
    CHECK_EQ(st(&r, 1), 0x58);
    read_data(&r, 1, buf, 512);
    CHECK_EQ(st(&r, 1), 0x41);
    CHECK_EQ(err(&r, 1), 0x10);
    /* The 28-bit READ NATIVE MAX caps; the EXT one does not. */
    outb(&r, 0x176, 0xE0);
    outb(&r, 0x177, 0xF8);
    CHECK_EQ(st(&r, 1), 0x50);
    CHECK_EQ(inb(&r, 0x173), 0xFF);
    CHECK_EQ(inb(&r, 0x174), 0xFF);
    CHECK_EQ(inb(&r, 0x175), 0xFF);
    CHECK_EQ(inb(&r, 0x176), 0xEF);
    outb(&r, 0x176, 0x40);
    outb(&r, 0x177, 0x27);
    CHECK_EQ(st(&r, 1), 0x50);
    uint64_t max = inb(&r, 0x173) | (uint64_t)inb(&r, 0x174) << 8 |
                   (uint64_t)inb(&r, 0x175) << 16;
    outb(&r, 0x376, 0x80);
    max |= (uint64_t)inb(&r, 0x173) << 24 | (uint64_t)inb(&r, 0x174) << 32 |
           (uint64_t)inb(&r, 0x175) << 40;
    CHECK_EQ(max, sectors - 1);
    /* An I/O error reading: UNC. */
    sp.fail = true;
    ata_lba28(&r, 1, 0, 100, 1, 0x20);
    CHECK_EQ(st(&r, 1), 0x41);
    CHECK_EQ(err(&r, 1), 0x40);
    CHECK_EQ(inb(&r, 0x173), 100);         /* the failing sector */
    /* ... and writing: ABRT (after the data block). */
    ata_lba28(&r, 1, 0, 100, 1, 0x30);
    CHECK_EQ(st(&r, 1), 0x58);
    uint8_t zero[512] = { 0 };
    write_data(&r, 1, zero, 512);
    CHECK_EQ(st(&r, 1), 0x41);
    CHECK_EQ(err(&r, 1), 0x04);
    sp.fail = false;
    rig_free(&r);
    block_close(b);
}

static void test_pio(void)
{
    uint8_t *img = pattern_image(DISK_SECTORS * 512);
    struct block *b = block_open_memory(img, DISK_SECTORS * 512, false);
    struct rig r;
    rig_init(&r, (struct block *[4]){ NULL, b }, NULL);       /* primary slave */
    rig_firmware(&r);
    uint8_t buf[8192];

    /* READ SECTORS, 3 sectors from LBA 7: an interrupt and DRQ per block;
     * none after the last. */
    ata_lba28(&r, 0, 1, 7, 3, 0x20);
    CHECK_EQ(r.irq[0].rises, 1);
    for (unsigned s = 0; s < 3; s++) {
        CHECK_EQ(inb(&r, 0x3F6), 0x58);    /* alternate status: no ack */
        CHECK(r.irq[0].level);
        CHECK_EQ(st(&r, 0), 0x58);
        CHECK(!r.irq[0].level);
        read_data(&r, 0, buf + 512 * s, 512);
        CHECK_EQ(r.irq[0].rises, s < 2 ? s + 2 : 3);
    }
    CHECK_EQ(st(&r, 0), 0x50);
    CHECK(memcmp(buf, img + 7 * 512, 1536) == 0);
    CHECK_EQ(inb(&r, 0x1F3), 10);          /* next sector */
    CHECK_EQ(inb(&r, 0x1F6), 0xF0);
    /* 32-bit data port accesses. */
    ata_lba28(&r, 0, 1, 1, 1, 0x20);
    for (unsigned i = 0; i < 128; i++) {
        uint32_t v = iobus_in(&r.vm->io, 0x1F0, 4);
        memcpy(buf + 4 * i, &v, 4);
    }
    CHECK(memcmp(buf, img + 512, 512) == 0);
    CHECK_EQ(st(&r, 0), 0x50);
    /* Reads outside DRQ give 0; a byte read of the data port all ones. */
    CHECK_EQ(inw(&r, 0x1F0), 0);
    CHECK_EQ(inb(&r, 0x1F0), 0xFF);

    /* WRITE SECTORS, 2: DRQ without an interrupt for the first block,
     * then an interrupt after each. */
    unsigned rises = r.irq[0].rises;
    ata_lba28(&r, 0, 1, 100, 2, 0x30);
    CHECK_EQ(r.irq[0].rises, rises);
    CHECK_EQ(st(&r, 0), 0x58);
    for (unsigned i = 0; i < 1024; i++)
        buf[i] = (uint8_t)(i * 3 + 1);
    write_data(&r, 0, buf, 512);
    CHECK_EQ(r.irq[0].rises, rises + 1);
    CHECK_EQ(st(&r, 0), 0x58);
    write_data(&r, 0, buf + 512, 512);
    CHECK_EQ(r.irq[0].rises, rises + 2);
    CHECK_EQ(st(&r, 0), 0x50);
    CHECK(memcmp(img + 100 * 512, buf, 1024) == 0);
    CHECK_EQ(b->stats.write_ops, 2);

    /* READ MULTIPLE with 4-sector blocks: 10 sectors as 4, 4, 2. */
    outb(&r, 0x1F2, 4);
    outb(&r, 0x1F7, 0xC6);
    CHECK_EQ(st(&r, 0), 0x50);
    uint8_t id[512];
    identify(&r, 0, 1, id);
    CHECK_EQ(id_word(id, 59), 0x0104);
    CHECK_EQ(id_word(id, 93), 0x6100);     /* device 1 */
    (void)st(&r, 0);
    rises = r.irq[0].rises;
    ata_lba28(&r, 0, 1, 20, 10, 0xC4);
    CHECK_EQ(st(&r, 0), 0x58);
    read_data(&r, 0, buf, 2048);
    CHECK_EQ(r.irq[0].rises, rises + 2);
    CHECK_EQ(st(&r, 0), 0x58);
    read_data(&r, 0, buf + 2048, 2048);
    CHECK_EQ(st(&r, 0), 0x58);
    read_data(&r, 0, buf + 4096, 1024);
    CHECK_EQ(r.irq[0].rises, rises + 3);
    CHECK_EQ(st(&r, 0), 0x50);
    CHECK(memcmp(buf, img + 20 * 512, 5120) == 0);
    /* WRITE MULTIPLE: 5 sectors as 4 + 1. */
    ata_lba28(&r, 0, 1, 200, 5, 0xC5);
    write_data(&r, 0, buf, 2048);
    CHECK_EQ(st(&r, 0), 0x58);
    write_data(&r, 0, buf + 2048, 512);
    CHECK_EQ(st(&r, 0), 0x50);
    CHECK(memcmp(img + 200 * 512, buf, 2560) == 0);
    /* SET MULTIPLE: not a power of two, or too big: ABRT; 0 turns READ
     * MULTIPLE off (ABRT). */
    outb(&r, 0x1F2, 3);
    outb(&r, 0x1F7, 0xC6);
    CHECK_EQ(err(&r, 0), 0x04);
    outb(&r, 0x1F2, 32);
    outb(&r, 0x1F7, 0xC6);
    CHECK_EQ(err(&r, 0), 0x04);
    outb(&r, 0x1F2, 0);
    outb(&r, 0x1F7, 0xC6);
    CHECK_EQ(st(&r, 0), 0x50);
    ata_lba28(&r, 0, 1, 20, 1, 0xC4);
    CHECK_EQ(st(&r, 0), 0x41);
    CHECK_EQ(err(&r, 0), 0x04);

    /* A count of 0 means 256 sectors. */
    ata_lba28(&r, 0, 1, 0, 0, 0x20);
    for (unsigned s = 0; s < 256; s++)
        read_data(&r, 0, buf, 512);
    CHECK_EQ(st(&r, 0), 0x50);
    CHECK_EQ(inb(&r, 0x1F3), 0);
    CHECK_EQ(inb(&r, 0x1F4), 1);           /* LBA 256 */
    /* Out of range: IDNF, ERR, and an interrupt. */
    (void)st(&r, 0);
    rises = r.irq[0].rises;
    ata_lba28(&r, 0, 1, DISK_SECTORS, 1, 0x20);
    CHECK_EQ(st(&r, 0), 0x41);
    CHECK_EQ(err(&r, 0), 0x10);
    CHECK_EQ(r.irq[0].rises, rises + 1);
    ata_lba28(&r, 0, 1, DISK_SECTORS, 1, 0x30);
    write_data(&r, 0, buf, 512);
    CHECK_EQ(err(&r, 0), 0x10);
    /* READ VERIFY and SEEK check the address. */
    ata_lba28(&r, 0, 1, 5, 8, 0x40);
    CHECK_EQ(st(&r, 0), 0x50);
    ata_lba28(&r, 0, 1, DISK_SECTORS - 4, 8, 0x40);
    CHECK_EQ(err(&r, 0), 0x10);
    ata_lba28(&r, 0, 1, DISK_SECTORS, 0, 0x70);
    CHECK_EQ(err(&r, 0), 0x10);
    ata_lba28(&r, 0, 1, DISK_SECTORS - 1, 0, 0x70);
    CHECK_EQ(st(&r, 0), 0x50);
    /* Unsupported: NOP (always aborts, 8.19), SMART, a write to an ATAPI
     * command code, a reserved code. */
    static const uint8_t bad[] = { 0x00, 0xB0, 0xA0, 0x5C };
    for (unsigned i = 0; i < sizeof(bad); i++) {
        outb(&r, 0x1F7, bad[i]);
        CHECK_EQ(st(&r, 0), 0x41);
        CHECK_EQ(err(&r, 0), 0x04);
    }
    rig_free(&r);
    block_close(b);
    free(img);
}

/* CHS addresses in the default and in an INITIALIZE DEVICE PARAMETERS
 * translation. */
static void test_chs(void)
{
    uint8_t *img = pattern_image(DISK_SECTORS * 512);
    struct block *b = block_open_memory(img, DISK_SECTORS * 512, false);
    struct rig r;
    rig_init(&r, (struct block *[4]){ b }, NULL);
    rig_firmware(&r);
    uint8_t buf[512];
    /* C 3, H 5, S 9 in 16/63: (3*16+5)*63+8 = 3347. */
    outb(&r, 0x1F6, 0xA5);
    outb(&r, 0x1F2, 1);
    outb(&r, 0x1F3, 9);
    outb(&r, 0x1F4, 3);
    outb(&r, 0x1F5, 0);
    outb(&r, 0x1F7, 0x20);
    CHECK_EQ(st(&r, 0), 0x58);
    read_data(&r, 0, buf, 512);
    CHECK(memcmp(buf, img + 3347 * 512, 512) == 0);
    CHECK_EQ(inb(&r, 0x1F3), 10);          /* next: S 10 */
    /* Sector 0, a head past the geometry, sector 64: IDNF. */
    static const uint8_t chs[][3] = { { 0, 0, 0 }, { 0, 0, 64 } };
    for (unsigned i = 0; i < 2; i++) {
        outb(&r, 0x1F6, 0xA0);
        outb(&r, 0x1F3, chs[i][2]);
        outb(&r, 0x1F7, 0x20);
        CHECK_EQ(err(&r, 0), 0x10);
    }
    /* A cylinder past the end (the image has 20). */
    outb(&r, 0x1F6, 0xA0);
    outb(&r, 0x1F3, 1);
    outb(&r, 0x1F4, 20);
    outb(&r, 0x1F7, 0x20);
    CHECK_EQ(err(&r, 0), 0x10);

    /* INITIALIZE DEVICE PARAMETERS: 4 heads, 17 sectors. */
    outb(&r, 0x1F6, 0xA3);
    outb(&r, 0x1F2, 17);
    outb(&r, 0x1F7, 0x91);
    CHECK_EQ(st(&r, 0), 0x50);
    uint8_t id[512];
    outb(&r, 0x1F7, 0xEC);
    read_data(&r, 0, id, 512);
    CHECK_EQ(id_word(id, 1), 20);          /* the default geometry stays */
    CHECK_EQ(id_word(id, 54), DISK_SECTORS / 68);
    CHECK_EQ(id_word(id, 55), 4);
    CHECK_EQ(id_word(id, 56), 17);
    CHECK_EQ(id_word(id, 57), (DISK_SECTORS / 68) * 68);
    /* C 2, H 3, S 5 in 4/17: (2*4+3)*17+4 = 191. */
    outb(&r, 0x1F6, 0xA3);
    outb(&r, 0x1F2, 1);
    outb(&r, 0x1F3, 5);
    outb(&r, 0x1F4, 2);
    outb(&r, 0x1F7, 0x20);
    read_data(&r, 0, buf, 512);
    CHECK(memcmp(buf, img + 191 * 512, 512) == 0);
    /* Head 4 is outside the new translation. */
    outb(&r, 0x1F6, 0xA4);
    outb(&r, 0x1F7, 0x20);
    CHECK_EQ(err(&r, 0), 0x10);
    /* A hardware reset brings the default back. */
    vm_reset(r.vm);
    rig_firmware(&r);
    outb(&r, 0x1F6, 0xA0);
    outb(&r, 0x1F7, 0xEC);
    read_data(&r, 0, id, 512);
    CHECK_EQ(id_word(id, 55), 16);
    rig_free(&r);
    block_close(b);
    free(img);
}

static void test_readonly_flush_features(void)
{
    uint8_t *img = pattern_image(DISK_SECTORS * 512);
    uint8_t *copy = pattern_image(DISK_SECTORS * 512);
    struct block *ro = block_open_memory(img, DISK_SECTORS * 512, true);
    struct sparse sp = { 0 };
    struct block *rw = sparse_open(&sp, DISK_SECTORS * 512);
    struct rig r;
    rig_init(&r, (struct block *[4]){ ro, rw }, NULL);
    rig_firmware(&r);
    /* Writes to a read-only image: ABRT at once, no data phase. */
    static const uint8_t writes[] = { 0x30, 0x34, 0xC5, 0xCA, 0x35 };
    for (unsigned i = 0; i < sizeof(writes); i++) {
        unsigned rises = r.irq[0].rises;
        ata_lba28(&r, 0, 0, 3, 1, writes[i]);
        CHECK_EQ(st(&r, 0), 0x41);
        CHECK_EQ(err(&r, 0), 0x04);
        CHECK_EQ(r.irq[0].rises, rises + 1);
    }
    CHECK(memcmp(img, copy, DISK_SECTORS * 512) == 0);
    /* Reads work; FLUSH CACHE is fine (nothing to write back). */
    ata_lba28(&r, 0, 0, 3, 1, 0x20);
    CHECK_EQ(st(&r, 0), 0x58);
    uint8_t buf[512];
    read_data(&r, 0, buf, 512);
    outb(&r, 0x1F7, 0xE7);
    CHECK_EQ(st(&r, 0), 0x50);

    /* FLUSH CACHE (EXT) reach block_flush. */
    outb(&r, 0x1F6, 0xB0);
    outb(&r, 0x1F7, 0xE7);
    CHECK_EQ(st(&r, 0), 0x50);
    CHECK_EQ(sp.flushes, 1);
    outb(&r, 0x1F7, 0xEA);
    CHECK_EQ(sp.flushes, 2);
    sp.fail = true;
    outb(&r, 0x1F7, 0xEA);
    CHECK_EQ(st(&r, 0), 0x41);
    CHECK_EQ(err(&r, 0), 0x04);
    sp.fail = false;
    sp.flushes = 2;
    /* Write cache off: flushed now, and after every write. */
    outb(&r, 0x1F1, 0x82);
    outb(&r, 0x1F7, 0xEF);
    CHECK_EQ(st(&r, 0), 0x50);
    CHECK_EQ(sp.flushes, 3);
    uint8_t id[512];
    outb(&r, 0x1F7, 0xEC);
    read_data(&r, 0, id, 512);
    CHECK_EQ(id_word(id, 85) & 0x20, 0);
    ata_lba28(&r, 0, 1, 9, 1, 0x30);
    write_data(&r, 0, buf, 512);
    CHECK_EQ(sp.writes, 1);
    CHECK_EQ(sp.flushes, 4);
    outb(&r, 0x1F1, 0x02);
    outb(&r, 0x1F7, 0xEF);
    outb(&r, 0x1F7, 0xEC);
    read_data(&r, 0, id, 512);
    CHECK_EQ(id_word(id, 85) & 0x20, 0x20);

    /* SET FEATURES 03h, transfer modes (8.37.10), in IDENTIFY. */
    static const struct { uint8_t mode; unsigned w62, w63, w88; } modes[] = {
        { 0x22, 0x07, 0x0407, 0x3F },       /* multiword DMA 2 */
        { 0x45, 0x07, 0x07, 0x203F },       /* Ultra DMA 5 */
        { 0x0C, 0x07, 0x07, 0x3F },         /* PIO 4 */
        { 0x10, 0x0107, 0x07, 0x3F },       /* single word DMA 0 */
    };
    for (unsigned i = 0; i < 4; i++) {
        outb(&r, 0x1F1, 0x03);
        outb(&r, 0x1F2, modes[i].mode);
        outb(&r, 0x1F7, 0xEF);
        CHECK_EQ(st(&r, 0), 0x50);
        outb(&r, 0x1F7, 0xEC);
        read_data(&r, 0, id, 512);
        CHECK_EQ(id_word(id, 62), modes[i].w62);
        CHECK_EQ(id_word(id, 63), modes[i].w63);
        CHECK_EQ(id_word(id, 88), modes[i].w88);
    }
    static const uint8_t bad_modes[] = { 0x23, 0x46, 0x0D, 0x30, 0x80 };
    for (unsigned i = 0; i < sizeof(bad_modes); i++) {
        outb(&r, 0x1F1, 0x03);
        outb(&r, 0x1F2, bad_modes[i]);
        outb(&r, 0x1F7, 0xEF);
        CHECK_EQ(err(&r, 0), 0x04);
    }
    outb(&r, 0x1F1, 0x77);                 /* an unknown subcommand */
    outb(&r, 0x1F7, 0xEF);
    CHECK_EQ(err(&r, 0), 0x04);
    outb(&r, 0x1F1, 0xAA);                 /* read look-ahead: accepted */
    outb(&r, 0x1F7, 0xEF);
    CHECK_EQ(st(&r, 0), 0x50);

    /* Power modes (4.14) and CHECK POWER MODE's count. */
    static const struct { uint8_t cmd, mode; } pm[] = {
        { 0xE0, 0x00 }, { 0xE1, 0x80 }, { 0xE2, 0x00 }, { 0xE3, 0x80 },
    };
    for (unsigned i = 0; i < 4; i++) {
        outb(&r, 0x1F7, pm[i].cmd);
        CHECK_EQ(st(&r, 0), 0x40);         /* no DSC for these (QEMU) */
        outb(&r, 0x1F7, 0xE5);
        CHECK_EQ(inb(&r, 0x1F2), pm[i].mode);
    }
    ata_lba28(&r, 0, 1, 1, 1, 0x40);       /* media access wakes it */
    outb(&r, 0x1F7, 0xE5);
    CHECK_EQ(inb(&r, 0x1F2), 0xFF);
    /* SLEEP: everything aborts until a reset. */
    outb(&r, 0x1F7, 0xE6);
    CHECK_EQ(st(&r, 0), 0x40);
    outb(&r, 0x1F7, 0xE5);
    CHECK_EQ(st(&r, 0), 0x41);
    outb(&r, 0x3F6, 0x04);
    outb(&r, 0x3F6, 0x00);
    outb(&r, 0x1F6, 0xB0);
    outb(&r, 0x1F7, 0xE5);
    CHECK_EQ(st(&r, 0), 0x50);
    CHECK_EQ(inb(&r, 0x1F2), 0xFF);
    rig_free(&r);
    block_close(ro);
    block_close(rw);
    free(img);
    free(copy);
}

/* SRST, nIEN, EXECUTE DEVICE DIAGNOSTIC. */
static void test_resets(void)
{
    uint8_t *img = pattern_image(DISK_SECTORS * 512);
    struct block *b = block_open_memory(img, DISK_SECTORS * 512, false);
    struct rig r;
    rig_init(&r, (struct block *[4]){ b }, NULL);
    rig_firmware(&r);
    /* A read left in its data phase; SRST ends it. */
    ata_lba28(&r, 0, 0, 50, 4, 0x20);
    CHECK_EQ(st(&r, 0), 0x58);
    (void)inw(&r, 0x1F0);
    outb(&r, 0x3F6, 0x04);
    CHECK_EQ(inb(&r, 0x3F6), 0x80);        /* BSY while SRST is held */
    outb(&r, 0x1F6, 0xE0);                 /* writes ignored while busy */
    outb(&r, 0x1F2, 0x55);
    CHECK_EQ(inb(&r, 0x3F6), 0x80);
    unsigned rises = r.irq[0].rises;
    outb(&r, 0x3F6, 0x00);
    CHECK_EQ(inb(&r, 0x3F6), 0x50);
    CHECK_EQ(r.irq[0].rises, rises);       /* no interrupt after SRST */
    CHECK_EQ(inb(&r, 0x1F2), 1);
    CHECK_EQ(inb(&r, 0x1F3), 1);
    CHECK_EQ(inb(&r, 0x1F4), 0);
    CHECK_EQ(inb(&r, 0x1F5), 0);
    CHECK_EQ(inb(&r, 0x1F6), 0xA0);
    CHECK_EQ(err(&r, 0), 0x01);
    CHECK_EQ(inw(&r, 0x1F0), 0);           /* the transfer is gone */

    /* nIEN: the command completes without an interrupt. */
    outb(&r, 0x3F6, 0x02);
    rises = r.irq[0].rises;
    ata_lba28(&r, 0, 0, 50, 1, 0x20);
    CHECK_EQ(r.irq[0].rises, rises);
    CHECK_EQ(inb(&r, 0x3F6), 0x58);
    uint8_t buf[512];
    read_data(&r, 0, buf, 512);
    outb(&r, 0x3F6, 0x00);
    CHECK_EQ(r.irq[0].rises, rises);
    /* A pending interrupt is released by nIEN and comes back without it. */
    outb(&r, 0x1F7, 0xE5);
    CHECK(r.irq[0].level);
    outb(&r, 0x3F6, 0x02);
    CHECK(!r.irq[0].level);
    outb(&r, 0x3F6, 0x00);
    CHECK(r.irq[0].level);
    (void)st(&r, 0);
    CHECK(!r.irq[0].level);

    /* EXECUTE DEVICE DIAGNOSTIC, sent to the absent slave: device 0
     * answers, error 01h, signature, interrupt. */
    outb(&r, 0x1F6, 0xB0);
    outb(&r, 0x1F2, 0x33);
    rises = r.irq[0].rises;
    outb(&r, 0x1F7, 0x90);
    CHECK_EQ(r.irq[0].rises, rises);       /* an absent device takes nothing */
    outb(&r, 0x1F6, 0xA0);
    outb(&r, 0x1F7, 0x90);
    CHECK_EQ(r.irq[0].rises, rises + 1);
    CHECK_EQ(st(&r, 0), 0x50);
    CHECK_EQ(err(&r, 0), 0x01);
    CHECK_EQ(inb(&r, 0x1F2), 1);
    rig_free(&r);
    block_close(b);
    free(img);
}

/* QEMU's geometry guess from a partition table. */
static void test_geometry(void)
{
    uint16_t c, h, s;
    uint8_t mbr[512] = { 0 };
    mbr[510] = 0x55;
    mbr[511] = 0xAA;
    uint8_t *p = mbr + 0x1BE + 16;         /* the second entry */
    p[5] = 15;                             /* end head: 16 heads */
    p[6] = 0xC0 | 32;                      /* end sector 32 */
    p[12] = 100;                           /* a length */
    CHECK_EQ(ata_guess_geometry(100000, mbr, &c, &h, &s), IDE_TRANS_NONE);
    CHECK_EQ(c, 100000 / (16 * 32));
    CHECK_EQ(h, 16);
    CHECK_EQ(s, 32);
    p[5] = 254;                            /* 255 heads: a BIOS translated */
    p[6] = 63;
    CHECK_EQ(ata_guess_geometry(100000, mbr, &c, &h, &s), IDE_TRANS_LARGE);
    CHECK_EQ(c, 100000 / (16 * 63));
    CHECK_EQ(h, 16);
    CHECK_EQ(ata_guess_geometry(20000000, mbr, &c, &h, &s), IDE_TRANS_LBA);
    CHECK_EQ(c, 16383);
    mbr[511] = 0;                          /* no table: by size */
    CHECK_EQ(ata_guess_geometry(2000000, mbr, &c, &h, &s), IDE_TRANS_LBA);
    CHECK_EQ(c, 2000000 / 1008);
    CHECK_EQ(ata_guess_geometry(1000, NULL, &c, &h, &s), IDE_TRANS_NONE);
    CHECK_EQ(c, 2);                        /* at least 2 cylinders */
}

/* A snapshot in the middle of a READ MULTIPLE: the buffer, the window and
 * the registers come back, the rest of the data follows. */
static void test_snapshot(void)
{
    uint8_t *img = pattern_image(DISK_SECTORS * 512);
    struct block *b = block_open_memory(img, DISK_SECTORS * 512, false);
    struct rig r;
    rig_init(&r, (struct block *[4]){ b }, NULL);
    rig_firmware(&r);
    const struct device *dev = &r.ide->dev;
    ata_lba28(&r, 0, 0, 30, 12, 0xC4);     /* blocks of 16: one of 12 */
    uint8_t buf[6144];
    read_data(&r, 0, buf, 1000);
    struct state_out a, c;
    state_out_init(&a);
    state_out_init(&c);
    dev->ops->save(dev, &a);
    /* Move on, then go back. */
    read_data(&r, 0, buf + 1000, 5144);
    CHECK_EQ(st(&r, 0), 0x50);
    struct state_in in = state_in_of(a.buf, a.len);
    CHECK_EQ(r.ide->dev.ops->load(&r.ide->dev, &in, false), 0);
    CHECK_EQ(st(&r, 0), 0x50);             /* a dry run changes nothing */
    in = state_in_of(a.buf, a.len);
    CHECK_EQ(r.ide->dev.ops->load(&r.ide->dev, &in, true), 0);
    dev->ops->save(dev, &c);
    CHECK_EQ(a.len, c.len);
    CHECK(memcmp(a.buf, c.buf, a.len) == 0);
    CHECK_EQ(inb(&r, 0x3F6), 0x58);
    uint8_t rest[6144];
    read_data(&r, 0, rest, 6144 - 1000);
    CHECK(memcmp(rest, img + 30 * 512 + 1000, 6144 - 1000) == 0);
    CHECK_EQ(st(&r, 0), 0x50);
    /* Truncated, or a byte changed to a bad value: refused. */
    for (size_t cut = 0; cut < a.len; cut += 97) {
        in = state_in_of(a.buf, cut);
        CHECK_EQ(r.ide->dev.ops->load(&r.ide->dev, &in, false), -1);
    }
    uint8_t *bad = malloc(a.len);
    memcpy(bad, a.buf, a.len);
    bad[1] = 7;                            /* selected unit */
    in = state_in_of(bad, a.len);
    CHECK_EQ(r.ide->dev.ops->load(&r.ide->dev, &in, false), -1);
    free(bad);
    /* Against a different disk: refused. */
    struct sparse sp = { 0 };
    struct block *other = sparse_open(&sp, 2 * DISK_SECTORS * 512);
    struct rig r2;
    rig_init(&r2, (struct block *[4]){ other }, NULL);
    in = state_in_of(a.buf, a.len);
    CHECK_EQ(r2.ide->dev.ops->load(&r2.ide->dev, &in, false), -1);
    rig_free(&r2);
    block_close(other);
    state_out_free(&a);
    state_out_free(&c);
    rig_free(&r);
    block_close(b);
    free(img);
}

int main(void)
{
    test_pci();
    test_signature_identify();
    test_lba48();
    test_pio();
    test_chs();
    test_readonly_flush_features();
    test_resets();
    test_geometry();
    test_snapshot();
    return check_report();
}
