/* Bus-master DMA of the PIIX IDE function (82371SB 2.7, SFF-8038i):
 * READ/WRITE DMA (EXT) through PRD tables in guest memory scattered over
 * several entries, a zero count meaning 64 KiB, Start before or after the
 * command, tables longer than the transfer (Active stays and the next
 * command goes on in the same table), shorter (no interrupt, Active
 * clear), without EOT, a table that never ends (bounded), bus mastering
 * disabled in the PCI command register, an I/O error, nIEN, an address
 * out of range. */
#include "check.h"
#include "dev/ide_util.h"

#define SECTORS 4096u
#define TABLE 0x8000u

static uint8_t st(struct rig *r)
{
    return inb(r, 0x1F7);
}

static bool mem_is(struct rig *r, uint32_t pa, const uint8_t *want, size_t n)
{
    uint8_t *got = malloc(n);
    mem_read(r, pa, got, n);
    bool same = memcmp(got, want, n) == 0;
    free(got);
    return same;
}

static void fill_mem(struct rig *r, uint32_t pa, uint8_t v, size_t n)
{
    uint8_t *p = malloc(n);
    memset(p, v, n);
    mem_write(r, pa, p, n);
    free(p);
}

int main(void)
{
    uint8_t *img = pattern_image(SECTORS * 512);
    struct block *b = block_open_memory(img, SECTORS * 512, false);
    struct rig r;
    rig_init(&r, (struct block *[4]){ b }, NULL);
    rig_firmware(&r);

    /* READ DMA, 8 sectors, three regions; Start after the command. */
    prd_set(&r, TABLE, 0, 0x10000, 1000, false);
    prd_set(&r, TABLE, 1, 0x20000, 2000, false);
    prd_set(&r, TABLE, 2, 0x30000, 1096, true);
    bm_setup(&r, 0, TABLE, true);
    ata_lba28(&r, 0, 0, 40, 8, 0xC8);
    CHECK_EQ(inb(&r, 0x3F6), 0x58);        /* waiting for the bus master */
    CHECK_EQ(r.irq[0].rises, 0);
    bm_start(&r, 0, true);
    CHECK_EQ(r.irq[0].rises, 1);
    CHECK_EQ(bm_status(&r, 0), 0x04);      /* Interrupt, not Active */
    CHECK_EQ(st(&r), 0x50);
    CHECK(mem_is(&r, 0x10000, img + 40 * 512, 1000));
    CHECK(mem_is(&r, 0x20000, img + 40 * 512 + 1000, 2000));
    CHECK(mem_is(&r, 0x30000, img + 40 * 512 + 3000, 1096));
    CHECK_EQ(inb(&r, 0x1F3), 48);          /* next LBA */
    bm_stop(&r, 0);
    outb(&r, BM_BASE + 2, 0x04);           /* clear Interrupt */
    CHECK_EQ(bm_status(&r, 0), 0x00);

    /* Start first, then READ DMA EXT; a zero count is 64 KiB. */
    prd_set(&r, TABLE, 0, 0x40000, 0, true);
    bm_setup(&r, 0, TABLE, true);
    bm_start(&r, 0, true);
    CHECK_EQ(bm_status(&r, 0), 0x01);
    ata_lba48(&r, 0, 0, 1000, 128, 0x25);
    CHECK_EQ(bm_status(&r, 0), 0x04);
    CHECK_EQ(st(&r), 0x50);
    CHECK(mem_is(&r, 0x40000, img + 1000 * 512, 65536));
    bm_stop(&r, 0);

    /* A table longer than the transfer: Active stays, and the next
     * command carries on in the same region. */
    prd_set(&r, TABLE, 0, 0x60000, 4096, true);
    fill_mem(&r, 0x60000, 0, 4096);
    bm_setup(&r, 0, TABLE, true);
    bm_start(&r, 0, true);
    ata_lba28(&r, 0, 0, 10, 2, 0xC8);
    CHECK_EQ(bm_status(&r, 0), 0x05);      /* Interrupt and Active */
    CHECK_EQ(st(&r), 0x50);
    CHECK(mem_is(&r, 0x60000, img + 10 * 512, 1024));
    outb(&r, BM_BASE + 2, 0x04);
    ata_lba28(&r, 0, 0, 500, 6, 0xC8);
    CHECK_EQ(bm_status(&r, 0), 0x04);      /* the region is used up: done */
    CHECK(mem_is(&r, 0x60000 + 1024, img + 500 * 512, 3072));
    bm_stop(&r, 0);

    /* No EOT, the entries cover the transfer exactly: Active stays. */
    prd_set(&r, TABLE, 0, 0x70000, 512, false);
    prd_set(&r, TABLE, 1, 0x71000, 512, false);
    bm_setup(&r, 0, TABLE, true);
    bm_start(&r, 0, true);
    ata_lba28(&r, 0, 0, 3, 2, 0xC8);
    CHECK_EQ(bm_status(&r, 0), 0x05);
    CHECK(mem_is(&r, 0x71000, img + 4 * 512, 512));
    bm_stop(&r, 0);
    CHECK_EQ(bm_status(&r, 0), 0x04);

    /* A table shorter than the transfer: nothing moves, no interrupt,
     * Active clear, DRQ gone (the guest's error condition). */
    outb(&r, BM_BASE + 2, 0x04);
    prd_set(&r, TABLE, 0, 0x50000, 1024, true);
    fill_mem(&r, 0x50000, 0xEE, 2048);
    bm_setup(&r, 0, TABLE, true);
    unsigned rises = r.irq[0].rises;
    ata_lba28(&r, 0, 0, 60, 4, 0xC8);
    bm_start(&r, 0, true);
    CHECK_EQ(r.irq[0].rises, rises);
    CHECK_EQ(bm_status(&r, 0), 0x00);
    CHECK_EQ(st(&r), 0x50);
    uint8_t ee[2048];
    memset(ee, 0xEE, sizeof(ee));
    CHECK(mem_is(&r, 0x50000, ee, 2048));
    bm_stop(&r, 0);

    /* A table that never says EOT: read for one page (512 entries of 2
     * bytes = 1 KiB) and no further. */
    for (unsigned i = 0; i < 600; i++)
        prd_set(&r, TABLE, i, 0x50000 + 2 * i, 2, false);
    bm_setup(&r, 0, TABLE, true);
    ata_lba28(&r, 0, 0, 60, 2, 0xC8);      /* 1 KiB: exactly one page */
    bm_start(&r, 0, true);
    CHECK_EQ(bm_status(&r, 0), 0x05);
    CHECK(mem_is(&r, 0x50000, img + 60 * 512, 1024));
    bm_stop(&r, 0);
    outb(&r, BM_BASE + 2, 0x04);
    bm_setup(&r, 0, TABLE, true);
    ata_lba28(&r, 0, 0, 60, 3, 0xC8);      /* 1.5 KiB: more than a page */
    rises = r.irq[0].rises;
    bm_start(&r, 0, true);
    CHECK_EQ(r.irq[0].rises, rises);
    CHECK_EQ(bm_status(&r, 0), 0x00);
    bm_stop(&r, 0);

    /* WRITE DMA from three regions. */
    uint8_t src[1536];
    for (unsigned i = 0; i < sizeof(src); i++)
        src[i] = (uint8_t)(i * 11 + 5);
    mem_write(&r, 0x11000, src, 600);
    mem_write(&r, 0x12000, src + 600, 400);
    mem_write(&r, 0x13000, src + 1000, 536);
    prd_set(&r, TABLE, 0, 0x11000, 600, false);
    prd_set(&r, TABLE, 1, 0x12000, 400, false);
    prd_set(&r, TABLE, 2, 0x13000, 536, true);
    bm_setup(&r, 0, TABLE, false);
    ata_lba28(&r, 0, 0, 300, 3, 0xCA);
    bm_start(&r, 0, false);
    CHECK_EQ(st(&r), 0x50);
    CHECK_EQ(bm_status(&r, 0), 0x04);
    CHECK(memcmp(img + 300 * 512, src, sizeof(src)) == 0);
    bm_stop(&r, 0);
    outb(&r, BM_BASE + 2, 0x04);

    /* Bus mastering off in the PCI command register: the transfer waits
     * for Start once it is on. */
    uint32_t bdf = pci_bdf(0, 1, 1);
    pci_config_write(r.pci, bdf, PCI_COMMAND, PCI_COMMAND_IO, 2);
    prd_set(&r, TABLE, 0, 0x14000, 512, true);
    fill_mem(&r, 0x14000, 0, 512);
    bm_setup(&r, 0, TABLE, true);
    ata_lba28(&r, 0, 0, 7, 1, 0xC8);
    bm_start(&r, 0, true);
    CHECK_EQ(st(&r), 0x58);
    CHECK_EQ(bm_status(&r, 0), 0x01);
    pci_config_write(r.pci, bdf, PCI_COMMAND, PCI_COMMAND_IO | 0x04, 2);
    bm_stop(&r, 0);
    bm_start(&r, 0, true);
    CHECK_EQ(st(&r), 0x50);
    CHECK(mem_is(&r, 0x14000, img + 7 * 512, 512));
    bm_stop(&r, 0);
    outb(&r, BM_BASE + 2, 0x04);

    /* Out of range: IDNF before any DMA. */
    bm_setup(&r, 0, TABLE, true);
    ata_lba28(&r, 0, 0, SECTORS - 1, 2, 0xC8);
    CHECK_EQ(st(&r), 0x41);
    CHECK_EQ(inb(&r, 0x1F1), 0x10);
    bm_start(&r, 0, true);
    CHECK_EQ(bm_status(&r, 0), 0x05);      /* started, nothing to do */
    bm_stop(&r, 0);
    outb(&r, BM_BASE + 2, 0x04);

    /* nIEN: no interrupt, so no Interrupt bit either (QEMU). */
    outb(&r, 0x3F6, 0x02);
    prd_set(&r, TABLE, 0, 0x14000, 512, true);
    bm_setup(&r, 0, TABLE, true);
    rises = r.irq[0].rises;
    ata_lba28(&r, 0, 0, 8, 1, 0xC8);
    bm_start(&r, 0, true);
    CHECK_EQ(r.irq[0].rises, rises);
    CHECK_EQ(bm_status(&r, 0), 0x00);
    CHECK_EQ(st(&r), 0x50);
    bm_stop(&r, 0);
    outb(&r, 0x3F6, 0x00);
    rig_free(&r);
    block_close(b);

    /* An I/O error: the drive's UNC, the interrupt, Active clear. */
    struct sparse sp = { .fail = true };
    struct block *bad = sparse_open(&sp, SECTORS * 512);
    rig_init(&r, (struct block *[4]){ NULL, NULL, bad }, NULL);
    rig_firmware(&r);
    prd_set(&r, TABLE, 0, 0x14000, 4096, true);
    bm_setup(&r, 1, TABLE, true);
    bm_start(&r, 1, true);
    ata_lba28(&r, 1, 0, 70, 2, 0xC8);
    CHECK_EQ(inb(&r, 0x177), 0x41);
    CHECK_EQ(inb(&r, 0x171), 0x40);
    CHECK_EQ(inb(&r, 0x173), 70);
    CHECK_EQ(bm_status(&r, 1), 0x04);
    CHECK_EQ(r.irq[1].rises, 1);
    CHECK_EQ(r.irq[0].rises, 0);
    bm_stop(&r, 1);
    sp.fail = false;
    ata_lba28(&r, 1, 0, 70, 2, 0xC8);
    bm_start(&r, 1, true);
    CHECK_EQ(inb(&r, 0x177), 0x50);
    rig_free(&r);
    block_close(bad);
    free(img);
    return check_report();
}
