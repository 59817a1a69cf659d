/* The 82077AA through its ports, with the 8237 pair for its DMA and
 * in-memory diskette images: the sequences SeaBIOS and Linux's floppy
 * driver use, the result bytes of data sheet table 5-6, the media table,
 * and snapshots taken in the middle of commands. */
#include <stdlib.h>

#include "block/block.h"
#include "check.h"
#include "dev/board_util.h"
#include "dev/cmos.h"
#include "dev/dma8237.h"
#include "dev/fdc.h"
#include "pc/pc.h"

#define MB144 (1474560u)
#define KB720 (737280u)

static struct vm *vm;
static struct dma8237 *dma;
static struct fdc *fdc;
static struct pin_log irq6;
static uint8_t *img0, *img1;
static struct block *blk0, *blk1;

static void out(uint16_t port, uint8_t v) { iobus_out(&vm->io, port, v, 1); }
static uint8_t in(uint16_t port) { return (uint8_t)iobus_in(&vm->io, port, 1); }
static uint8_t msr(void) { return in(0x3F4); }

/* Sector `lba`'s byte `i` in a fresh image. */
static uint8_t pattern(uint32_t lba, unsigned i)
{
    return (uint8_t)(lba * 31u + i * 7u + (lba >> 5));
}

static void fill_image(uint8_t *img, uint32_t bytes)
{
    for (uint32_t lba = 0; lba < bytes / 512; lba++)
        for (unsigned i = 0; i < 512; i++)
            img[lba * 512 + i] = pattern(lba, i);
}

static bool sector_is_pattern(const uint8_t *img, uint32_t lba)
{
    for (unsigned i = 0; i < 512; i++)
        if (img[lba * 512 + i] != pattern(lba, i))
            return false;
    return true;
}

/* Writes a command, checking that the controller asks for each byte. */
static void cmd(const uint8_t *b, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        CHECK_EQ(msr() & (FDC_MSR_RQM | FDC_MSR_DIO), FDC_MSR_RQM);
        out(0x3F5, b[i]);
    }
}
#define CMD(...)                                                               \
    do {                                                                       \
        const uint8_t cmd_[] = { __VA_ARGS__ };                                \
        cmd(cmd_, sizeof(cmd_));                                               \
    } while (0)

/* Reads result bytes while the controller offers them. */
static unsigned result(uint8_t *r, unsigned max)
{
    unsigned n = 0;
    while ((msr() & (FDC_MSR_RQM | FDC_MSR_DIO)) == (FDC_MSR_RQM | FDC_MSR_DIO) && n < max)
        r[n++] = in(0x3F5);
    return n;
}

static void sense_int(uint8_t *st0, uint8_t *pcn)
{
    uint8_t r[4];
    CMD(0x08);
    CHECK_EQ(result(r, 4), 2);
    *st0 = r[0];
    *pcn = r[1];
}

/* SeaBIOS's dma_floppy: channel 2, single mode, write (0x46) or read
 * (0x4A) transfer; `len` bytes at `pa`. */
static void dma_setup(uint32_t pa, uint32_t len, uint8_t mode)
{
    out(0x0A, 0x06);
    out(0x0C, 0);
    out(0x04, (uint8_t)pa);
    out(0x04, (uint8_t)(pa >> 8));
    out(0x0C, 0);
    out(0x05, (uint8_t)(len - 1));
    out(0x05, (uint8_t)((len - 1) >> 8));
    out(0x0B, mode);
    out(0x81, (uint8_t)(pa >> 16));
    out(0x0A, 0x02);
}

static void mem_fill(uint32_t pa, uint8_t v, size_t len)
{
    uint8_t *b = malloc(len);
    memset(b, v, len);
    phys_dma_write(&vm->mem, pa, b, len);
    free(b);
}

static bool mem_is_sector(uint32_t pa, uint32_t lba)
{
    uint8_t b[512];
    phys_dma_read(&vm->mem, pa, b, sizeof(b));
    for (unsigned i = 0; i < 512; i++)
        if (b[i] != pattern(lba, i))
            return false;
    return true;
}

static uint8_t mem_byte(uint32_t pa)
{
    uint8_t b;
    phys_dma_read(&vm->mem, pa, &b, 1);
    return b;
}

/* A machine reset, then what a BIOS does: the DMA cascade, the controller
 * out of reset with DMA and INT on (drive 0, motor on), its four sense
 * interrupts, SPECIFY with DMA, 500 kbit/s. */
static void start(void)
{
    vm_reset(vm);
    fill_image(img0, MB144);
    fill_image(img1, KB720);
    out(0x0D, 0);
    out(0xDA, 0);
    out(0xD6, 0xC0);
    out(0xD4, 0x00);
    out(0x3F2, 0x1C);
    uint8_t st0, pcn;
    for (unsigned i = 0; i < 4; i++)
        sense_int(&st0, &pcn);
    CMD(0x03, 0xAF, 0x02);
    out(0x3F7, FDC_RATE_500K);
    /* The heads stay where they were across a reset: recalibrate (again
     * when 79 steps were not enough, as BIOSes do). */
    for (unsigned i = 0; i < 4; i++) {
        CMD(0x07, 0x00);
        sense_int(&st0, &pcn);
        if (st0 == 0x20)
            break;
        CHECK_EQ(st0, 0x70);
    }
    CHECK_EQ(st0, 0x20);
}

static void seek(unsigned drive, unsigned head, uint8_t cyl)
{
    uint8_t st0, pcn;
    CMD(0x0F, (uint8_t)(head << 2 | drive), cyl);
    sense_int(&st0, &pcn);
    CHECK_EQ(st0, 0x20 | head << 2 | drive);
    CHECK_EQ(pcn, cyl);
}

static void test_reset_and_sense(void)
{
    vm_reset(vm);
    /* Power-on: DOR 0 holds the controller in reset; nothing answers. */
    CHECK_EQ(in(0x3F2), 0x00);
    CHECK_EQ(msr(), 0x00);
    out(0x3F5, 0x10);
    CHECK_EQ(msr(), 0x00);
    unsigned rises = irq6.rises;
    out(0x3F2, 0x0C);                 /* out of reset, DMA and INT gate on */
    CHECK_EQ(irq6.rises, rises + 1);
    CHECK(irq6.level);
    CHECK_EQ(msr(), FDC_MSR_RQM);
    CHECK_EQ(in(0x3F0) & 0x80, 0x80); /* SRA: interrupt pending */
    /* The four polling statuses, drive by drive, then none. */
    for (unsigned d = 0; d < 4; d++) {
        uint8_t st0, pcn;
        sense_int(&st0, &pcn);
        CHECK_EQ(st0, 0xC0 | d);
        CHECK_EQ(pcn, 0);
    }
    CHECK(!irq6.level);
    uint8_t r[4];
    CMD(0x08);
    CHECK_EQ(result(r, 4), 1);
    CHECK_EQ(r[0], 0x80);
    /* DSR software reset: the same four statuses; the bit clears. */
    out(0x3F4, 0x80);
    CHECK(irq6.level);
    CHECK_EQ(in(0x3F2), 0x0C);
    for (unsigned d = 0; d < 4; d++) {
        uint8_t st0, pcn;
        sense_int(&st0, &pcn);
        CHECK_EQ(st0, 0xC0 | d);
    }
    /* Without DMAGATE the interrupt stays inside. */
    out(0x3F2, 0x00);
    out(0x3F2, 0x04);
    CHECK(!irq6.level);
    out(0x3F2, 0x0C);
    CHECK(irq6.level);
}

static void test_version_invalid_specify_configure_lock(void)
{
    start();
    uint8_t r[16];
    CMD(0x10);
    CHECK_EQ(result(r, 16), 1);
    CHECK_EQ(r[0], 0x90);
    /* Invalid codes: one byte, 0x80, and no interrupt. */
    unsigned rises = irq6.rises;
    CMD(0x18);                         /* 82078's PART ID */
    CHECK_EQ(result(r, 16), 1);
    CHECK_EQ(r[0], 0x80);
    CMD(0x11);                         /* SCAN EQUAL: not modelled */
    CHECK_EQ(result(r, 16), 1);
    CHECK_EQ(r[0], 0x80);
    CHECK_EQ(irq6.rises, rises);
    CHECK_EQ(msr(), FDC_MSR_RQM);
    /* DUMPREG: PCNs, SPECIFY's bytes, EOT, lock/perp, config, pretrk. */
    CMD(0x0E);
    CHECK_EQ(result(r, 16), 10);
    CHECK_EQ(r[4], 0xAF);
    CHECK_EQ(r[5], 0x02);
    CHECK_EQ(r[7], 0x00);
    CHECK_EQ(r[8], 0x20);             /* reset: EFIFO set, the rest 0 */
    CHECK_EQ(r[9], 0x00);
    /* CONFIGURE and PERPENDICULAR MODE show in DUMPREG. */
    CMD(0x13, 0x00, 0x57, 0x10);      /* EIS, POLL off, FIFO on, thr 7 */
    CMD(0x12, 0x8C);                  /* OW, drives 0 and 1 perpendicular */
    CMD(0x0E);
    CHECK_EQ(result(r, 16), 10);
    CHECK_EQ(r[7], 0x0C);
    CHECK_EQ(r[8], 0x57);
    CHECK_EQ(r[9], 0x10);
    /* A reset without LOCK: defaults again (polling back on, so the four
     * statuses come); PERPENDICULAR's drive bits stay. */
    out(0x3F4, 0x80);
    for (unsigned d = 0; d < 4; d++) {
        uint8_t st0, pcn;
        sense_int(&st0, &pcn);
        CHECK_EQ(st0, 0xC0 | d);
    }
    CMD(0x0E);
    CHECK_EQ(result(r, 16), 10);
    CHECK_EQ(r[8], 0x20);
    CHECK_EQ(r[9], 0x00);
    CHECK_EQ(r[7], 0x0C);
    /* LOCK keeps EFIFO, FIFOTHR and PRETRK across a software reset. */
    CMD(0x13, 0x00, 0x57, 0x10);
    CMD(0x94);
    CHECK_EQ(result(r, 16), 1);
    CHECK_EQ(r[0], 0x10);
    out(0x3F2, 0x08);
    out(0x3F2, 0x0C);
    for (unsigned d = 0; d < 4; d++) {
        uint8_t st0, pcn;
        sense_int(&st0, &pcn);
    }
    CMD(0x0E);
    CHECK_EQ(result(r, 16), 10);
    CHECK_EQ(r[7], 0x8C);
    CHECK_EQ(r[8], 0x07);             /* EIS and POLL cleared, FIFO kept */
    CHECK_EQ(r[9], 0x10);
    CMD(0x14);
    CHECK_EQ(result(r, 16), 1);
    CHECK_EQ(r[0], 0x00);
    /* A hardware reset undoes the lock. */
    start();
    CMD(0x0E);
    CHECK_EQ(result(r, 16), 10);
    CHECK_EQ(r[7], 0x00);
    CHECK_EQ(r[8], 0x20);
}

static void test_recalibrate_seek_change_line(void)
{
    start();
    fdc_change_media(fdc, 0, blk0);
    CHECK_EQ(in(0x3F7) & 0x80, 0x80);  /* disk changed */
    uint8_t st0, pcn, r[4];
    unsigned rises = irq6.rises;
    CMD(0x07, 0x00);
    CHECK_EQ(irq6.rises, rises + 1);
    CHECK_EQ(msr(), FDC_MSR_RQM | FDC_MSR_BUSY0);   /* drive 0 busy */
    sense_int(&st0, &pcn);
    CHECK_EQ(st0, 0x20);
    CHECK_EQ(pcn, 0);
    CHECK_EQ(msr(), FDC_MSR_RQM);
    CHECK(!irq6.level);
    CHECK_EQ(in(0x3F7) & 0x80, 0x80);  /* no step at track 0: still set */
    seek(0, 1, 5);
    CHECK_EQ(fdc->drv[0].cyl, 5);
    CHECK_EQ(in(0x3F7) & 0x80, 0);     /* the step cleared it */
    /* Relative seek in by 3, then out by 10 (stops at 0). */
    CMD(0xCF, 0x00, 3);
    sense_int(&st0, &pcn);
    CHECK_EQ(pcn, 8);
    CHECK_EQ(fdc->drv[0].cyl, 8);
    CMD(0x8F, 0x00, 10);
    sense_int(&st0, &pcn);
    CHECK_EQ(pcn, 0);
    CHECK_EQ(fdc->drv[0].cyl, 0);
    /* SENSE DRIVE STATUS: track 0, writable, head 1 as asked. */
    CMD(0x04, 0x04);
    CHECK_EQ(result(r, 4), 1);
    CHECK_EQ(r[0], 0x28 | FDC_ST3_T0 | FDC_ST3_HD);
    seek(0, 0, 2);
    CMD(0x04, 0x00);
    CHECK_EQ(result(r, 4), 1);
    CHECK_EQ(r[0], 0x28);
    /* RECALIBRATE of a drive that is not there: no track 0 signal. */
    out(0x3F2, 0x1E);                  /* select drive 2 */
    CMD(0x07, 0x02);
    sense_int(&st0, &pcn);
    CHECK_EQ(st0, 0x70 | 2);
    out(0x3F2, 0x1C);
    /* Two seeks before the sense: two statuses, one per drive bits. */
    CMD(0x0F, 0x00, 4);
    CMD(0x0F, 0x01, 6);
    CHECK_EQ(msr() & 3, 3);
    sense_int(&st0, &pcn);
    CHECK_EQ(st0, 0x20);
    CHECK_EQ(pcn, 4);
    sense_int(&st0, &pcn);
    CHECK_EQ(st0, 0x21);
    CHECK_EQ(pcn, 6);
    /* Both moved the selected drive's head, the second by the steps
     * from PCN 1 (0): DS only names the PCN. */
    CHECK_EQ(fdc->drv[0].cyl, 10);
    /* A new diskette sets the line again. */
    fdc_change_media(fdc, 0, blk0);
    CHECK_EQ(in(0x3F7) & 0x80, 0x80);
}

/* READ DATA (MT, MFM, SK as SeaBIOS sends 0xE6). */
static unsigned read_data(uint8_t code, unsigned drive, unsigned c, unsigned h, unsigned s,
                          unsigned eot, uint8_t *r)
{
    CMD(code, (uint8_t)(h << 2 | drive), (uint8_t)c, (uint8_t)h, (uint8_t)s, 2, (uint8_t)eot,
        0x1B, 0xFF);
    return result(r, 16);
}

static void test_read_dma(void)
{
    start();
    uint8_t r[16];
    /* Two sectors at the start of the disk. */
    mem_fill(0x10000, 0, 0x1000);
    dma_setup(0x10000, 1024, 0x46);
    unsigned rises = irq6.rises;
    CHECK_EQ(read_data(0xE6, 0, 0, 0, 1, 18, r), 7);
    CHECK_EQ(irq6.rises, rises + 1);
    CHECK(!irq6.level);               /* reading the result cleared it */
    CHECK(mem_is_sector(0x10000, 0));
    CHECK(mem_is_sector(0x10200, 1));
    CHECK_EQ(mem_byte(0x10400), 0);
    CHECK_EQ(r[0], 0x00);
    CHECK_EQ(r[1], 0x00);
    CHECK_EQ(r[2], 0x00);
    CHECK_EQ(r[3], 0);
    CHECK_EQ(r[4], 0);
    CHECK_EQ(r[5], 3);
    CHECK_EQ(r[6], 2);
    CHECK_EQ(msr(), FDC_MSR_RQM);
    CHECK_EQ(in(0x08) & 0x04, 0x04);   /* the DMA reached TC */

    /* SeaBIOS's EOT (sector + count - 1 = 20) with MT across the sides:
     * sectors 17 and 18 of side 0, then 1 and 2 of side 1. */
    mem_fill(0x10000, 0, 0x1000);
    dma_setup(0x10000, 2048, 0x46);
    CHECK_EQ(read_data(0xE6, 0, 0, 0, 17, 20, r), 7);
    CHECK(mem_is_sector(0x10000, 16));
    CHECK(mem_is_sector(0x10200, 17));
    CHECK(mem_is_sector(0x10400, 18));
    CHECK(mem_is_sector(0x10600, 19));
    CHECK_EQ(r[0], 0x04);             /* ended on head 1 */
    CHECK_EQ(r[3], 0);
    CHECK_EQ(r[4], 1);
    CHECK_EQ(r[5], 3);

    /* TC on the EOT sector, MT = 0: C + 1, R = 1 (table 5-6). */
    seek(0, 0, 3);
    dma_setup(0x10000, 1024, 0x46);
    CHECK_EQ(read_data(0x46, 0, 3, 0, 17, 18, r), 7);
    CHECK(mem_is_sector(0x10000, 3 * 36 + 16));
    CHECK_EQ(r[0], 0x00);
    CHECK_EQ(r[3], 4);
    CHECK_EQ(r[4], 0);
    CHECK_EQ(r[5], 1);
    /* MT on side 1, TC on EOT: C + 1, H flipped to 0, R = 1. */
    dma_setup(0x10000, 512, 0x46);
    CHECK_EQ(read_data(0xC6, 0, 3, 1, 18, 18, r), 7);
    CHECK(mem_is_sector(0x10000, 3 * 36 + 18 + 17));
    CHECK_EQ(r[0], 0x04);
    CHECK_EQ(r[3], 4);
    CHECK_EQ(r[4], 0);
    CHECK_EQ(r[5], 1);
    /* MT on side 0, TC on EOT: H flipped to 1, C kept. */
    dma_setup(0x10000, 512, 0x46);
    CHECK_EQ(read_data(0xC6, 0, 3, 0, 18, 18, r), 7);
    CHECK_EQ(r[3], 3);
    CHECK_EQ(r[4], 1);
    CHECK_EQ(r[5], 1);
    /* The end of the track without TC (DMA count larger, MT = 0):
     * abnormal, EN, and the ID after EOT. */
    dma_setup(0x10000, 4096, 0x46);
    CHECK_EQ(read_data(0x46, 0, 3, 0, 16, 17, r), 7);
    CHECK(mem_is_sector(0x10000, 3 * 36 + 15));
    CHECK(mem_is_sector(0x10200, 3 * 36 + 16));
    CHECK_EQ(r[0], 0x40);
    CHECK_EQ(r[1], 0x80);
    CHECK_EQ(r[3], 4);
    CHECK_EQ(r[5], 1);
    /* The DMA stopped short of TC: 3 KiB left. */
    out(0x0C, 0);
    uint8_t lo = in(0x05);
    CHECK_EQ(lo | in(0x05) << 8, 4096 - 1024 - 1);
    /* TC in the middle of a sector: the sector counts as read. */
    dma_setup(0x10000, 100, 0x46);
    CHECK_EQ(read_data(0x46, 0, 3, 0, 5, 18, r), 7);
    CHECK_EQ(r[0], 0x00);
    CHECK_EQ(r[5], 6);
    /* VERIFY mode on the DMA side (INT 13h AH=04): memory untouched. */
    mem_fill(0x10000, 0xAB, 512);
    dma_setup(0x10000, 512, 0x42);
    CHECK_EQ(read_data(0x46, 0, 3, 0, 5, 18, r), 7);
    CHECK_EQ(r[0], 0x00);
    CHECK_EQ(mem_byte(0x10000), 0xAB);
}

static void test_read_errors(void)
{
    start();
    uint8_t r[16];
    dma_setup(0x10000, 512, 0x46);
    /* The head is on cylinder 0; the command asks for 5 (no EIS). */
    CHECK_EQ(read_data(0x46, 0, 5, 0, 1, 18, r), 7);
    CHECK_EQ(r[0], 0x40);
    CHECK_EQ(r[1], FDC_ST1_ND);
    CHECK_EQ(r[2], FDC_ST2_WC);
    CHECK_EQ(r[3], 5);
    CHECK_EQ(r[5], 1);
    /* H must match the side, N must be 2, R must exist. */
    CMD(0x46, 0x00, 0, 1, 1, 2, 18, 0x1B, 0xFF);
    CHECK_EQ(result(r, 16), 7);
    CHECK_EQ(r[1], FDC_ST1_ND);
    CMD(0x46, 0x00, 0, 0, 1, 3, 18, 0x1B, 0xFF);
    CHECK_EQ(result(r, 16), 7);
    CHECK_EQ(r[1], FDC_ST1_ND);
    CHECK_EQ(read_data(0x46, 0, 0, 0, 19, 19, r) && r[1] == FDC_ST1_ND, 1);
    /* The wrong data rate, or FM: no IDs at all. */
    out(0x3F7, FDC_RATE_250K);
    CHECK_EQ(read_data(0x46, 0, 0, 0, 1, 18, r), 7);
    CHECK_EQ(r[0], 0x40);
    CHECK_EQ(r[1], FDC_ST1_MA);
    out(0x3F7, FDC_RATE_500K);
    CHECK_EQ(read_data(0x06, 0, 0, 0, 1, 18, r), 7);
    CHECK_EQ(r[1], FDC_ST1_MA);
    /* With EIS the controller seeks to C itself: SE in ST0. */
    CMD(0x13, 0x00, 0x60, 0x00);
    dma_setup(0x10000, 512, 0x46);
    CHECK_EQ(read_data(0x46, 0, 5, 1, 3, 18, r), 7);
    CHECK_EQ(r[0], 0x20 | 0x04);
    CHECK(mem_is_sector(0x10000, 5 * 36 + 18 + 2));
    CHECK_EQ(fdc->drv[0].cyl, 5);
    /* No diskette: MA, and the change line stays up. */
    fdc_change_media(fdc, 0, NULL);
    CHECK_EQ(read_data(0x46, 0, 5, 0, 1, 18, r), 7);
    CHECK_EQ(r[0], 0x40);
    CHECK_EQ(r[1], FDC_ST1_MA);
    CMD(0x4A, 0x00);
    CHECK_EQ(result(r, 16), 7);
    CHECK_EQ(r[1], FDC_ST1_MA);
    seek(0, 0, 1);
    CHECK_EQ(in(0x3F7) & 0x80, 0x80);
    CMD(0x04, 0x00);
    CHECK_EQ(result(r, 16), 1);
    CHECK_EQ(r[0] & FDC_ST3_WP, FDC_ST3_WP);
    fdc_change_media(fdc, 0, blk0);
}

static void test_read_id(void)
{
    start();
    uint8_t r[16];
    seek(0, 0, 7);
    CMD(0x4A, 0x04);
    CHECK_EQ(result(r, 16), 7);
    CHECK_EQ(r[0], 0x04);
    CHECK_EQ(r[3], 7);
    CHECK_EQ(r[4], 1);
    CHECK_EQ(r[6], 2);
    uint8_t first = r[5];
    CHECK(first >= 1 && first <= 18);
    CMD(0x4A, 0x04);
    CHECK_EQ(result(r, 16), 7);
    CHECK_EQ(r[5], first % 18 + 1);   /* the disk turned one sector on */
    /* Beyond the medium's cylinders: an unformatted track. */
    seek(0, 0, 85);
    CMD(0x4A, 0x00);
    CHECK_EQ(result(r, 16), 7);
    CHECK_EQ(r[0], 0x40);
    CHECK_EQ(r[1], FDC_ST1_MA);
}

static void test_write_dma(void)
{
    start();
    uint8_t r[16];
    uint8_t data[1024];
    for (unsigned i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 13 + 5);
    phys_dma_write(&vm->mem, 0x20000, data, sizeof(data));
    seek(0, 0, 2);
    dma_setup(0x20000, 1024, 0x4A);
    CMD(0xC5, 0x04, 2, 1, 4, 2, 5, 0x1B, 0xFF);
    CHECK_EQ(result(r, 16), 7);
    CHECK_EQ(r[0], 0x04);
    CHECK_EQ(r[1], 0);
    CHECK_EQ(r[3], 3);                /* TC on EOT, MT, side 1 */
    CHECK_EQ(r[4], 0);
    CHECK_EQ(r[5], 1);
    uint32_t lba = 2 * 36 + 18 + 3;
    CHECK(memcmp(img0 + lba * 512, data, 1024) == 0);
    CHECK(sector_is_pattern(img0, lba - 1));
    CHECK(sector_is_pattern(img0, lba + 2));
    /* TC 100 bytes into a sector: the rest of it is written as zeros. */
    dma_setup(0x20000, 100, 0x4A);
    CMD(0x45, 0x00, 2, 0, 9, 2, 18, 0x1B, 0xFF);
    CHECK_EQ(result(r, 16), 7);
    CHECK_EQ(r[0], 0x00);
    CHECK_EQ(r[5], 10);
    lba = 2 * 36 + 8;
    CHECK(memcmp(img0 + lba * 512, data, 100) == 0);
    bool zeros = true;
    for (unsigned i = 100; i < 512; i++)
        zeros &= img0[lba * 512 + i] == 0;
    CHECK(zeros);
    CHECK(sector_is_pattern(img0, lba + 1));
}

static void test_read_only(void)
{
    start();
    struct block *ro = block_open_memory(img0, MB144, true);
    fdc_change_media(fdc, 0, ro);
    seek(0, 0, 1);
    uint8_t r[16];
    dma_setup(0x20000, 512, 0x4A);
    CMD(0x45, 0x00, 1, 0, 1, 2, 18, 0x1B, 0xFF);
    CHECK_EQ(result(r, 16), 7);
    CHECK_EQ(r[0], 0x40);
    CHECK_EQ(r[1], FDC_ST1_NW);
    CHECK_EQ(r[5], 1);
    CHECK(sector_is_pattern(img0, 36));
    out(0x0C, 0);
    uint8_t lo = in(0x05);
    CHECK_EQ(lo | in(0x05) << 8, 511);   /* no byte moved */
    CMD(0x04, 0x00);
    CHECK_EQ(result(r, 16), 1);
    CHECK_EQ(r[0] & FDC_ST3_WP, FDC_ST3_WP);
    /* FORMAT too. */
    CMD(0x4D, 0x00, 2, 18, 0x6C, 0xF6);
    CHECK_EQ(result(r, 16), 7);
    CHECK_EQ(r[1], FDC_ST1_NW);
    /* Reads still work. */
    dma_setup(0x10000, 512, 0x46);
    CHECK_EQ(read_data(0x46, 0, 1, 0, 1, 18, r), 7);
    CHECK_EQ(r[0], 0);
    CHECK(mem_is_sector(0x10000, 36));
    fdc_change_media(fdc, 0, blk0);
    block_close(ro);
}

static void test_format_verify(void)
{
    start();
    uint8_t r[16];
    seek(0, 1, 4);
    /* 18 IDs (C, H, R, N), interleaved, by DMA. */
    uint8_t ids[18 * 4];
    for (unsigned i = 0; i < 18; i++) {
        ids[i * 4] = 4;
        ids[i * 4 + 1] = 1;
        ids[i * 4 + 2] = (uint8_t)((i * 2) % 18 + 1 + (i * 2 >= 18));
        ids[i * 4 + 3] = 2;
    }
    phys_dma_write(&vm->mem, 0x30000, ids, sizeof(ids));
    dma_setup(0x30000, sizeof(ids), 0x4A);
    unsigned rises = irq6.rises;
    CMD(0x4D, 0x04, 2, 18, 0x6C, 0xF6);
    CHECK_EQ(result(r, 16), 7);
    CHECK_EQ(irq6.rises, rises + 1);
    CHECK_EQ(r[0], 0x04);
    CHECK_EQ(r[1], 0);
    bool filled = true;
    for (unsigned i = 0; i < 18 * 512; i++)
        filled &= img0[(4 * 36 + 18) * 512 + i] == 0xF6;
    CHECK(filled);
    CHECK(sector_is_pattern(img0, 4 * 36 + 17));
    CHECK(sector_is_pattern(img0, 5 * 36));
    /* DUMPREG reports SC after a FORMAT. */
    CMD(0x0E);
    CHECK_EQ(result(r, 16), 10);
    CHECK_EQ(r[6], 18);
    /* A format a raw image cannot hold: ST0 EC. */
    CMD(0x4D, 0x04, 3, 9, 0x6C, 0xF6);
    CHECK_EQ(result(r, 16), 7);
    CHECK_EQ(r[0], 0x40 | 0x10 | 0x04);

    /* VERIFY with EC: SC sectors, then the next ID. */
    CMD(0x56, 0x84, 4, 1, 2, 2, 18, 0x1B, 3);
    CHECK_EQ(result(r, 16), 7);
    CHECK_EQ(r[0], 0x04);
    CHECK_EQ(r[5], 5);
    /* Without EC it ends at EOT, normally (table 5-7); the ID after EOT
     * is on the next cylinder (table 5-6). */
    CMD(0x56, 0x04, 4, 1, 2, 2, 10, 0x1B, 0xFF);
    CHECK_EQ(result(r, 16), 7);
    CHECK_EQ(r[0], 0x04);
    CHECK_EQ(r[3], 5);
    CHECK_EQ(r[5], 1);
    /* With EC and more sectors than the track: EN. */
    CMD(0x56, 0x84, 4, 1, 17, 2, 18, 0x1B, 5);
    CHECK_EQ(result(r, 16), 7);
    CHECK_EQ(r[0], 0x44);
    CHECK_EQ(r[1], FDC_ST1_EN);
}

static void test_read_deleted_and_track(void)
{
    start();
    uint8_t r[16];
    /* READ DELETED DATA finds normal data marks: SK = 0 reads one and
     * stops there (CM, R not incremented). */
    dma_setup(0x10000, 2048, 0x46);
    CHECK_EQ(read_data(0x4C, 0, 0, 0, 3, 18, r), 7);
    CHECK_EQ(r[0], 0x00);
    CHECK_EQ(r[2], FDC_ST2_CM);
    CHECK_EQ(r[5], 3);
    CHECK(mem_is_sector(0x10000, 2));
    /* SK = 1 skips them all: no data, EN at the end of the track. */
    mem_fill(0x10000, 0x77, 512);
    dma_setup(0x10000, 2048, 0x46);
    CHECK_EQ(read_data(0x6C, 0, 0, 0, 3, 18, r), 7);
    CHECK_EQ(r[0], 0x40);
    CHECK_EQ(r[1], FDC_ST1_EN);
    CHECK_EQ(r[2], FDC_ST2_CM);
    CHECK_EQ(mem_byte(0x10000), 0x77);
    /* READ TRACK: EOT sectors from the index, R only compared. */
    dma_setup(0x10000, 4 * 512, 0x46);
    CHECK_EQ(read_data(0x42, 0, 0, 0, 3, 4, r), 7);
    CHECK_EQ(r[0], 0x00);
    CHECK_EQ(r[1], 0x00);
    CHECK(mem_is_sector(0x10000, 0));
    CHECK(mem_is_sector(0x10600, 3));
    dma_setup(0x10000, 4 * 512, 0x46);
    CHECK_EQ(read_data(0x42, 0, 0, 0, 9, 4, r), 7);
    CHECK_EQ(r[1], FDC_ST1_ND);
}

static void test_pio(void)
{
    start();
    CMD(0x03, 0xAF, 0x03);            /* SPECIFY: non-DMA */
    uint8_t r[16];
    seek(0, 0, 1);
    unsigned rises = irq6.rises;
    CMD(0x46, 0x00, 1, 0, 7, 2, 8, 0x1B, 0xFF);
    bool ok = true;
    for (unsigned sec = 0; sec < 2; sec++) {
        for (unsigned i = 0; i < 512; i++) {
            uint8_t m = msr();
            ok &= m == (FDC_MSR_RQM | FDC_MSR_DIO | FDC_MSR_NDMA | FDC_MSR_CB);
            ok &= in(0x3F5) == pattern(36 + 6 + sec, i);
        }
    }
    CHECK(ok);
    /* One interrupt per byte, and one for the result. */
    CHECK_EQ(irq6.rises, rises + 1024 + 1);
    /* Without TC the read ends at EOT: EN (real hardware in PIO). */
    CHECK_EQ(result(r, 16), 7);
    CHECK_EQ(r[0], 0x40);
    CHECK_EQ(r[1], FDC_ST1_EN);
    CHECK_EQ(r[3], 2);
    CHECK_EQ(r[5], 1);
    /* WRITE DATA through the FIFO. */
    CMD(0x45, 0x00, 1, 0, 2, 2, 2, 0x1B, 0xFF);
    for (unsigned i = 0; i < 512; i++) {
        CHECK_EQ(msr(), FDC_MSR_RQM | FDC_MSR_NDMA | FDC_MSR_CB);
        out(0x3F5, (uint8_t)(i ^ 0xC3));
    }
    CHECK_EQ(result(r, 16), 7);
    CHECK_EQ(r[1], FDC_ST1_EN);
    ok = true;
    for (unsigned i = 0; i < 512; i++)
        ok &= img0[(36 + 1) * 512 + i] == (uint8_t)(i ^ 0xC3);
    CHECK(ok);
    CHECK(sector_is_pattern(img0, 36 + 2));
    CMD(0x0E);
    CHECK_EQ(result(r, 16), 10);
    CHECK_EQ(r[5], 0x03);
}

static void test_dma_waits(void)
{
    start();
    uint8_t r[16];
    /* The channel masked when the command comes: execution waits with
     * RQM low; the unmask moves the data. */
    out(0x0A, 0x06);
    CMD(0x46, 0x00, 0, 0, 1, 2, 18, 0x1B, 0xFF);
    CHECK_EQ(msr(), FDC_MSR_CB);
    CHECK_EQ(in(0x08) & 0x40, 0x40);   /* DREQ 2 shows */
    dma_setup(0x10000, 512, 0x46);
    CHECK_EQ(result(r, 16), 7);
    CHECK_EQ(r[0], 0);
    CHECK(mem_is_sector(0x10000, 0));
    /* DMAGATE off: neither DRQ nor INT leave the chip. */
    out(0x3F2, 0x14);
    dma_setup(0x10000, 512, 0x46);
    mem_fill(0x10000, 0, 512);
    CMD(0x46, 0x00, 0, 0, 2, 2, 18, 0x1B, 0xFF);
    CHECK_EQ(msr(), FDC_MSR_CB);
    CHECK_EQ(mem_byte(0x10000), 0);
    unsigned rises = irq6.rises;
    out(0x3F2, 0x1C);
    CHECK_EQ(irq6.rises, rises + 1);
    CHECK_EQ(result(r, 16), 7);
    CHECK(mem_is_sector(0x10000, 1));
    /* The diskette taken out in the middle: MA, and DRQ drops. */
    out(0x0A, 0x06);
    CMD(0x46, 0x00, 0, 0, 1, 2, 18, 0x1B, 0xFF);
    CHECK_EQ(in(0x08) & 0x40, 0x40);
    rises = irq6.rises;
    fdc_change_media(fdc, 0, NULL);
    CHECK_EQ(irq6.rises, rises + 1);
    CHECK_EQ(in(0x08) & 0x40, 0);
    CHECK_EQ(result(r, 16), 7);
    CHECK_EQ(r[0], 0x40);
    CHECK_EQ(r[1], FDC_ST1_MA);
    fdc_change_media(fdc, 0, blk0);
    /* A software reset in the middle drops DRQ and the command. */
    out(0x0A, 0x06);
    CMD(0x46, 0x00, 0, 0, 1, 2, 18, 0x1B, 0xFF);
    out(0x3F4, 0x80);
    CHECK_EQ(in(0x08) & 0x40, 0);
    CHECK_EQ(msr(), FDC_MSR_RQM);
}

static void test_second_drive_720k(void)
{
    start();
    uint8_t r[16];
    out(0x3F2, 0x2D);                  /* drive 1, its motor */
    out(0x3F7, FDC_RATE_250K);
    CMD(0x07, 0x01);
    uint8_t st0, pcn;
    sense_int(&st0, &pcn);
    CHECK_EQ(st0, 0x21);
    seek(1, 0, 79);
    dma_setup(0x10000, 1024, 0x46);
    CHECK_EQ(read_data(0xE6, 1, 79, 1, 8, 9, r), 7);
    CHECK_EQ(r[0], 0x05);
    CHECK_EQ(r[3], 80);
    CHECK_EQ(r[4], 0);
    CHECK_EQ(r[5], 1);
    CHECK(mem_is_sector(0x10000, 79 * 18 + 9 + 7));
    CHECK(mem_is_sector(0x10200, 79 * 18 + 9 + 8));
    /* Drive 0 did not move. */
    CHECK_EQ(fdc->drv[0].cyl, 0);
    /* SRA says a second drive is there; SRB shows motor 1 and select. */
    CHECK_EQ(in(0x3F0) & 0x40, 0);
    CHECK_EQ(in(0x3F1), 0xC0 | 0x02 | 0x20);
    out(0x3F2, 0x1C);
}

static void test_geometry_and_cmos(void)
{
    static const struct {
        uint32_t kb;
        uint8_t spt, tracks, heads, rate;
        enum fdc_drive_type drive;
        unsigned cmos;
    } t[] = {
        { 160, 8, 40, 1, FDC_RATE_250K, FDC_DRIVE_120, 2 },
        { 180, 9, 40, 1, FDC_RATE_300K, FDC_DRIVE_120, 2 },
        { 320, 8, 40, 2, FDC_RATE_250K, FDC_DRIVE_120, 2 },
        { 360, 9, 40, 2, FDC_RATE_300K, FDC_DRIVE_120, 2 },
        { 720, 9, 80, 2, FDC_RATE_250K, FDC_DRIVE_144, 4 },
        { 1200, 15, 80, 2, FDC_RATE_500K, FDC_DRIVE_120, 2 },
        { 1440, 18, 80, 2, FDC_RATE_500K, FDC_DRIVE_144, 4 },
        { 2880, 36, 80, 2, FDC_RATE_1M, FDC_DRIVE_288, 5 },
    };
    for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct fdc_geometry g;
        CHECK(fdc_geometry_for(t[i].kb * 1024ull, FDC_DRIVE_NONE, &g));
        CHECK_EQ(g.sectors, t[i].spt);
        CHECK_EQ(g.tracks, t[i].tracks);
        CHECK_EQ(g.heads, t[i].heads);
        CHECK_EQ(g.rate, t[i].rate);
        CHECK_EQ(g.drive, t[i].drive);
        struct fdc *f = fdc_create((struct irq_pin){ 0 });
        struct block *b = block_open_memory(img0, t[i].kb * 1024ull, true);
        fdc_attach_drive(f, 0, b);
        CHECK_EQ(fdc_cmos_type(f, 0), t[i].cmos);
        CHECK_EQ(fdc_cmos_type(f, 1), 0);
        block_close(b);
        device_free(&f->dev);
    }
    /* An odd size: QEMU's fallback, the 2.88M drive and its format. */
    struct fdc_geometry g;
    CHECK(!fdc_geometry_for(1000000, FDC_DRIVE_NONE, &g));
    CHECK_EQ(g.sectors, 36);
    /* A 720K diskette in a 1.2M drive: the 5.25" 720K format. */
    CHECK(fdc_geometry_for(KB720, FDC_DRIVE_120, &g));
    CHECK_EQ(g.drive, FDC_DRIVE_120);
    CHECK_EQ(g.sectors, 9);
    /* A 1.44M diskette in a 2.88M drive: same size class, its format. */
    CHECK(fdc_geometry_for(MB144, FDC_DRIVE_288, &g));
    CHECK_EQ(g.sectors, 18);
    /* An empty drive is QEMU's fallback type, 2.88M. */
    struct fdc *f = fdc_create((struct irq_pin){ 0 });
    fdc_attach_drive(f, 1, NULL);
    CHECK_EQ(fdc_cmos_type(f, 1), 5);
    CHECK_EQ(fdc_attach_drive(f, 2, NULL), -1);
    CHECK_EQ(fdc_change_media(f, 0, NULL), -1);
    device_free(&f->dev);

    /* The board: CMOS 0x10 and the equipment byte. */
    struct pc_config cfg = { .ram_mb = 2, .cpu_level = CPU_486 };
    cfg.floppy[0] = (struct pc_drive){ .present = true, .block = blk0 };
    char err[256];
    struct pc *pc = pc_create(&cfg, err, sizeof(err));
    CHECK(pc != NULL);
    if (pc) {
        struct iobus *io = &pc->vm->io;
        iobus_out(io, 0x70, 0x10, 1);
        CHECK_EQ(iobus_in(io, 0x71, 1), 0x40);
        iobus_out(io, 0x70, 0x14, 1);
        CHECK_EQ(iobus_in(io, 0x71, 1) & 0xC1, 0x01);
        pc_destroy(pc);
    }
    cfg.floppy[1] = (struct pc_drive){ .present = true, .block = blk1 };
    pc = pc_create(&cfg, err, sizeof(err));
    CHECK(pc != NULL);
    if (pc) {
        struct iobus *io = &pc->vm->io;
        iobus_out(io, 0x70, 0x10, 1);
        CHECK_EQ(iobus_in(io, 0x71, 1), 0x44);
        iobus_out(io, 0x70, 0x14, 1);
        CHECK_EQ(iobus_in(io, 0x71, 1) & 0xC1, 0x41);
        /* The checksum covers 0x10-0x2D. */
        unsigned sum = 0;
        for (unsigned i = 0x10; i <= 0x2D; i++) {
            iobus_out(io, 0x70, (uint8_t)i, 1);
            sum += iobus_in(io, 0x71, 1);
        }
        iobus_out(io, 0x70, 0x2E, 1);
        unsigned hi = iobus_in(io, 0x71, 1);
        iobus_out(io, 0x70, 0x2F, 1);
        CHECK_EQ(hi << 8 | iobus_in(io, 0x71, 1), sum & 0xFFFF);
        pc_destroy(pc);
    }
}

/* Saves both devices. */
static void save_both(struct state_out *o)
{
    state_out_init(o);
    dma->dev.ops->save(&dma->dev, o);
    fdc->dev.ops->save(&fdc->dev, o);
}

static int load_both(const struct state_out *o, bool commit)
{
    struct state_in a = state_in_of(o->buf, o->len);
    /* The DMA's part is a fixed size: save it alone to know it. */
    struct state_out d;
    state_out_init(&d);
    dma->dev.ops->save(&dma->dev, &d);
    size_t dl = d.len;
    state_out_free(&d);
    a.len = dl;
    if (dma->dev.ops->load(&dma->dev, &a, commit) < 0)
        return -1;
    struct state_in b = state_in_of(o->buf + dl, o->len - dl);
    return fdc->dev.ops->load(&fdc->dev, &b, commit);
}

static void test_snapshot_mid_command(void)
{
    start();
    uint8_t r[16];
    /* In the middle of a non-DMA read: 100 bytes out. */
    CMD(0x03, 0xAF, 0x03);
    CMD(0x46, 0x00, 0, 0, 4, 2, 5, 0x1B, 0xFF);
    for (unsigned i = 0; i < 100; i++)
        in(0x3F5);
    struct state_out snap, again;
    save_both(&snap);
    CHECK_EQ(load_both(&snap, false), 0);
    uint8_t first[1024 + 7];
    unsigned n = 0;
    while ((msr() & 0xC0) == 0xC0 && n < sizeof(first))
        first[n++] = in(0x3F5);
    CHECK_EQ(n, 412 + 512 + 7);
    /* Back to the snapshot: the same bytes and results again. */
    CHECK_EQ(load_both(&snap, true), 0);
    save_both(&again);
    CHECK(snap.len == again.len && memcmp(snap.buf, again.buf, snap.len) == 0);
    state_out_free(&again);
    uint8_t second[1024 + 7];
    unsigned m = 0;
    while ((msr() & 0xC0) == 0xC0 && m < sizeof(second))
        second[m++] = in(0x3F5);
    CHECK_EQ(m, n);
    CHECK(memcmp(first, second, n) == 0);
    CHECK_EQ(first[0], pattern(3, 100));
    state_out_free(&snap);

    /* In the command phase, 4 of 9 bytes in; and a DMA read waiting for
     * its channel. */
    start();
    out(0x0A, 0x06);
    CMD(0x46, 0x00, 0, 0);
    save_both(&snap);
    CMD(1, 2, 18, 0x1B, 0xFF);
    CHECK_EQ(msr(), FDC_MSR_CB);
    struct state_out waiting;
    save_both(&waiting);
    CHECK_EQ(load_both(&snap, true), 0);
    CHECK_EQ(msr(), FDC_MSR_RQM | FDC_MSR_CB);
    CMD(1, 2, 18, 0x1B, 0xFF);
    dma_setup(0x10000, 512, 0x46);
    CHECK_EQ(result(r, 16), 7);
    CHECK(mem_is_sector(0x10000, 0));
    mem_fill(0x10000, 0, 512);
    CHECK_EQ(load_both(&waiting, true), 0);
    CHECK_EQ(msr(), FDC_MSR_CB);
    dma_setup(0x10000, 512, 0x46);
    CHECK_EQ(result(r, 16), 7);
    CHECK_EQ(r[5], 2);
    CHECK(mem_is_sector(0x10000, 0));
    /* Another diskette (a 720K one) does not take the snapshot. */
    struct block *other = block_open_memory(img1, KB720, false);
    fdc_change_media(fdc, 0, other);
    CHECK_EQ(load_both(&waiting, false), -1);
    fdc_change_media(fdc, 0, blk0);
    block_close(other);
    /* Nor does damaged state: each byte of the FDC's part flipped in turn
     * either loads or is refused, never more. */
    struct state_out d;
    state_out_init(&d);
    dma->dev.ops->save(&dma->dev, &d);
    size_t dl = d.len;
    state_out_free(&d);
    unsigned refused = 0;
    for (size_t i = dl; i < waiting.len; i++) {
        waiting.buf[i] ^= 0xFF;
        if (load_both(&waiting, false) < 0)
            refused++;
        waiting.buf[i] ^= 0xFF;
    }
    CHECK(refused > 10);
    struct state_in cut = state_in_of(waiting.buf + dl, waiting.len - dl - 1);
    CHECK_EQ(fdc->dev.ops->load(&fdc->dev, &cut, false), -1);
    state_out_free(&snap);
    state_out_free(&waiting);
    char line[256];
    fdc->dev.ops->dump(&fdc->dev, line, sizeof(line));
    CHECK_STR(line, "dor 1c msr 80 command cmd 46 pcn 0/0 cyl 0/79 int 0");
}

int main(void)
{
    vm = board_vm(4);
    img0 = malloc(MB144);
    img1 = malloc(KB720);
    blk0 = block_open_memory(img0, MB144, false);
    blk1 = block_open_memory(img1, KB720, false);
    dma = dma8237_create(pc_guest_mem(vm));
    board_add(vm, &dma->dev);
    fdc = fdc_create(log_pin(&irq6));
    board_add(vm, &fdc->dev);
    CHECK_EQ(fdc_connect_dma(fdc, dma, FDC_DMA), 0);
    CHECK_EQ(fdc_connect_dma(fdc, dma, FDC_DMA), -1);
    fdc_attach_drive(fdc, 0, blk0);
    fdc_attach_drive(fdc, 1, blk1);

    test_reset_and_sense();
    test_version_invalid_specify_configure_lock();
    test_recalibrate_seek_change_line();
    test_read_dma();
    test_read_errors();
    test_read_id();
    test_write_dma();
    test_read_only();
    test_format_verify();
    test_read_deleted_and_track();
    test_pio();
    test_dma_waits();
    test_second_drive_720k();
    test_geometry_and_cmos();
    test_snapshot_mid_command();

    vm_destroy(vm);
    block_close(blk0);
    block_close(blk1);
    free(img0);
    free(img1);
    return check_report();
}
