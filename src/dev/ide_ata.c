/* The ATA command set (ATA/ATAPI-6, T13 1410D, clause 8) for disks, and
 * the part of it a packet device answers.  Commands not in the table end
 * with ABRT, as the standard asks of an unsupported command (NOP is one:
 * ATA/ATAPI-6 makes NOP abort in every case).  Obsolete codes QEMU still accepts
 * (the "without retry" variants 21h/31h/41h/C9h/CBh, WRITE VERIFY 3Ch,
 * RECALIBRATE 10h and the 94h-99h power codes) are kept for old drivers. */
#include "dev/ide.h"

#include <errno.h>
#include <string.h>

#include "block/block.h"

/* --- addressing ------------------------------------------------------ */

bool ata_get_sector(const struct ide_drive *d, uint64_t *sector)
{
    if (d->select & ATA_DEV_LBA) {
        if (d->lba48)
            *sector = (uint64_t)d->hob_hcyl << 40 | (uint64_t)d->hob_lcyl << 32 |
                      (uint64_t)d->hob_sector << 24 | (uint64_t)d->hcyl << 16 |
                      (uint64_t)d->lcyl << 8 | d->sector;
        else
            *sector = (uint64_t)(d->select & ATA_DEV_HEAD) << 24 | (uint64_t)d->hcyl << 16 |
                      (uint64_t)d->lcyl << 8 | d->sector;
        return true;
    }
    /* CHS in the current translation (ATA/ATAPI-6, "CHS addressing"):
     * sectors count from 1. */
    unsigned cyl = (unsigned)d->hcyl << 8 | d->lcyl, head = d->select & ATA_DEV_HEAD;
    if (!d->cur_secs || d->sector == 0 || d->sector > d->cur_secs || head >= d->cur_heads ||
        cyl >= d->cur_cyls)
        return false;
    *sector = ((uint64_t)cyl * d->cur_heads + head) * d->cur_secs + d->sector - 1;
    return true;
}

void ata_set_sector(struct ide_drive *d, uint64_t s)
{
    if (d->select & ATA_DEV_LBA) {
        if (d->lba48) {
            d->sector = (uint8_t)s;
            d->lcyl = (uint8_t)(s >> 8);
            d->hcyl = (uint8_t)(s >> 16);
            d->hob_sector = (uint8_t)(s >> 24);
            d->hob_lcyl = (uint8_t)(s >> 32);
            d->hob_hcyl = (uint8_t)(s >> 40);
        } else {
            d->select = (uint8_t)((d->select & ~ATA_DEV_HEAD) | ((s >> 24) & ATA_DEV_HEAD));
            d->hcyl = (uint8_t)(s >> 16);
            d->lcyl = (uint8_t)(s >> 8);
            d->sector = (uint8_t)s;
        }
        return;
    }
    if (!d->cur_secs || !d->cur_heads)
        return;
    uint64_t per_cyl = (uint64_t)d->cur_heads * d->cur_secs;
    uint64_t cyl = s / per_cyl, r = s % per_cyl;
    d->hcyl = (uint8_t)(cyl >> 8);
    d->lcyl = (uint8_t)cyl;
    d->select = (uint8_t)((d->select & ~ATA_DEV_HEAD) | ((r / d->cur_secs) & ATA_DEV_HEAD));
    d->sector = (uint8_t)(r % d->cur_secs + 1);
}

static bool range_ok(const struct ide_drive *d, uint64_t sector, uint64_t n)
{
    return sector <= d->nb_sectors && n <= d->nb_sectors - sector;
}

/* The sector count of a 28-bit (0 means 256) or 48-bit (0 means 65536)
 * command (the commands' "Inputs"). */
static void lba48_transform(struct ide_drive *d, bool lba48)
{
    d->lba48 = lba48;
    if (!lba48)
        d->count = d->nsector ? d->nsector : 256;
    else
        d->count = (d->nsector | d->hob_nsector) ? (uint32_t)d->hob_nsector << 8 | d->nsector
                                                 : 65536;
}

/* The error a failed block call gives: a write-protected medium cannot
 * complete a write, which ATA reports as ABRT (WRITE SECTOR(S) error
 * outputs: "the device is not able to complete the action requested"; the
 * WP bit is for removable media only, and this is a fixed disk); a range the backend refuses is
 * IDNF; any other read error is an uncorrectable one (UNC), any other
 * write error ABRT (a write has no UNC bit). */
static uint8_t io_error(int rc, bool write)
{
    if (rc == -EINVAL)
        return ATA_ER_IDNF;
    if (write || rc == -EROFS)
        return ATA_ER_ABRT;
    return ATA_ER_UNC;
}

/* --- IDENTIFY -------------------------------------------------------- */

static void put16(uint8_t *buf, unsigned word, unsigned v)
{
    buf[2 * word] = (uint8_t)v;
    buf[2 * word + 1] = (uint8_t)(v >> 8);
}

/* ATA strings: two characters per word, the first in the high byte (the
 * "ATA string convention"), padded with spaces. */
static void put_string(uint8_t *buf, unsigned word, const char *s, unsigned len)
{
    for (unsigned i = 0; i < len; i++) {
        char c = *s ? *s++ : ' ';
        buf[2 * word + (i ^ 1)] = (uint8_t)c;
    }
}

/* Word 255, the integrity word: A5h and a checksum that makes all 512 bytes sum to
 * zero. */
static void put_integrity(uint8_t *buf)
{
    buf[510] = 0xA5;
    uint8_t sum = 0;
    for (unsigned i = 0; i < 511; i++)
        sum = (uint8_t)(sum + buf[i]);
    buf[511] = (uint8_t)-sum;
}

/* Words 62, 63 and 88: the modes supported, and the one SET FEATURES
 * selected in the high byte. */
static void put_dma_modes(const struct ide_drive *d, uint8_t *buf)
{
    unsigned sw = 0x07, mw = 0x07, udma = 0x3F, v = d->xfer_mode & 7;
    switch (d->xfer_mode >> 3) {
    case 0x02:
        sw |= 1u << (v + 8);
        break;
    case 0x04:
        mw |= 1u << (v + 8);
        break;
    case 0x08:
        udma |= 1u << (v + 8);
        break;
    }
    put16(buf, 62, sw);
    put16(buf, 63, mw);
    put16(buf, 88, udma);
}

/* IDENTIFY DEVICE (ATA/ATAPI-6), laid out as QEMU's ide_identify so that guests
 * see the same drive, with these differences: no SMART (not implemented),
 * the power management feature set (it is), word 50's valid bit and the
 * integrity word the standard asks for, and word 93 per device. */
void ata_identify(const struct ide_drive *d, uint8_t *buf)
{
    memset(buf, 0, 512);
    put16(buf, 0, 0x0040);                  /* fixed device */
    put16(buf, 1, d->cyls);
    put16(buf, 3, d->heads);
    put16(buf, 4, 512u * d->secs);          /* retired */
    put16(buf, 5, 512);                     /* retired */
    put16(buf, 6, d->secs);
    put_string(buf, 10, d->serial, 20);
    put16(buf, 20, 3);                      /* retired: buffer type */
    put16(buf, 21, 512);                    /* retired: buffer size */
    put16(buf, 22, 4);                      /* obsolete: ECC bytes */
    put_string(buf, 23, d->firmware, 8);
    put_string(buf, 27, d->model, 40);
    put16(buf, 47, 0x8000 | IDE_MAX_MULT);
    put16(buf, 48, 1);                      /* 32-bit data port accesses */
    put16(buf, 49, 1u << 11 | 1u << 9 | 1u << 8); /* IORDY, LBA, DMA */
    put16(buf, 50, 0x4000);
    put16(buf, 51, 0x200);                  /* obsolete PIO timing */
    put16(buf, 52, 0x200);
    put16(buf, 53, 0x0007);                 /* words 54-58, 64-70, 88 valid */
    put16(buf, 54, d->cur_cyls);
    put16(buf, 55, d->cur_heads);
    put16(buf, 56, d->cur_secs);
    uint32_t cur = (uint32_t)d->cur_cyls * d->cur_heads * d->cur_secs;
    put16(buf, 57, cur & 0xFFFF);
    put16(buf, 58, cur >> 16);
    if (d->mult_sectors)
        put16(buf, 59, 0x100 | d->mult_sectors);
    uint64_t lba28 = d->nb_sectors < 0x0FFFFFFF ? d->nb_sectors : 0x0FFFFFFF;
    put16(buf, 60, (unsigned)(lba28 & 0xFFFF));
    put16(buf, 61, (unsigned)(lba28 >> 16));
    put_dma_modes(d, buf);
    put16(buf, 64, 0x03);                   /* PIO modes 3 and 4 */
    put16(buf, 65, 120);
    put16(buf, 66, 120);
    put16(buf, 67, 120);
    put16(buf, 68, 120);
    put16(buf, 80, 0x0078);                 /* ATA-3 to ATA/ATAPI-6 */
    put16(buf, 81, 0x0022);                 /* ATA/ATAPI-6, ANSI INCITS 361-2002 */
    /* Supported: NOP, write cache, power management; FLUSH CACHE (EXT),
     * 48-bit addresses. */
    put16(buf, 82, 1u << 14 | 1u << 5 | 1u << 3);
    put16(buf, 83, 1u << 14 | 1u << 13 | 1u << 12 | 1u << 10);
    put16(buf, 84, 1u << 14);
    put16(buf, 85, 1u << 14 | (d->wcache ? 1u << 5 : 0) | 1u << 3);
    put16(buf, 86, 1u << 13 | 1u << 12 | 1u << 10);
    put16(buf, 87, 1u << 14);
    /* Hardware reset result: device 0 or 1 passed, 80-wire cable. */
    put16(buf, 93, 1u << 14 | 1u << 13 | (d->unit ? 0x0100 : 0x0001));
    for (unsigned i = 0; i < 4; i++)
        put16(buf, 100 + i, (unsigned)(d->nb_sectors >> (16 * i)) & 0xFFFF);
    put_integrity(buf);
}

/* IDENTIFY PACKET DEVICE (ATA/ATAPI-6), as QEMU's ide_atapi_identify with DMA. */
void atapi_identify(const struct ide_drive *d, uint8_t *buf)
{
    memset(buf, 0, 512);
    /* ATAPI, CD-ROM, removable, DRQ within 50 us, 12-byte packets. */
    put16(buf, 0, 2u << 14 | 5u << 8 | 1u << 7 | 2u << 5);
    put_string(buf, 10, d->serial, 20);
    put16(buf, 20, 3);
    put16(buf, 21, 512);
    put16(buf, 22, 4);
    put_string(buf, 23, d->firmware, 8);
    put_string(buf, 27, d->model, 40);
    put16(buf, 48, 1);
    put16(buf, 49, 1u << 9 | 1u << 8);      /* LBA, DMA */
    put16(buf, 50, 0x4000);
    put16(buf, 53, 0x0007);
    put_dma_modes(d, buf);
    put16(buf, 64, 0x03);
    put16(buf, 65, 0xB4);
    put16(buf, 66, 0xB4);
    put16(buf, 67, 0x12C);
    put16(buf, 68, 0xB4);
    put16(buf, 71, 30);
    put16(buf, 72, 30);
    put16(buf, 80, 0x001E);                 /* ATA-1 to ATA/ATAPI-4 */
    put16(buf, 93, 1u << 14 | 1u << 13 | (d->unit ? 0x0100 : 0x0001));
    put_integrity(buf);
}

/* --- geometry -------------------------------------------------------- */

/* QEMU's guess_disk_lchs: a partition table whose first partition with an
 * end head gives the heads and sectors a BIOS used (hw/block/hd-geometry.c). */
static bool guess_lchs(uint64_t nb_sectors, const uint8_t *mbr, uint16_t *cyls,
                       uint16_t *heads, uint16_t *secs)
{
    if (!mbr || mbr[510] != 0x55 || mbr[511] != 0xAA)
        return false;
    for (unsigned i = 0; i < 4; i++) {
        const uint8_t *p = mbr + 0x1BE + 16 * i;
        uint32_t nr = (uint32_t)p[12] | (uint32_t)p[13] << 8 | (uint32_t)p[14] << 16 |
                      (uint32_t)p[15] << 24;
        if (!nr || !p[5])
            continue;
        unsigned h = p[5] + 1u, s = p[6] & 63u;
        if (s == 0)
            continue;
        uint64_t c = nb_sectors / (h * s);
        if (c < 1 || c > 16383)
            continue;
        *cyls = (uint16_t)c;
        *heads = (uint16_t)h;
        *secs = (uint16_t)s;
        return true;
    }
    return false;
}

/* QEMU's guess_chs_for_size: 16 heads, 63 sectors. */
static void chs_for_size(uint64_t nb_sectors, uint16_t *cyls, uint16_t *heads, uint16_t *secs)
{
    uint64_t c = nb_sectors / (16 * 63);
    *cyls = (uint16_t)(c > 16383 ? 16383 : c < 2 ? 2 : c);
    *heads = 16;
    *secs = 63;
}

/* QEMU's hd_geometry_guess and the translation it picks; the values are
 * those of enum ide_translation (piix_ide.h): 0 none, 1 LBA, 2 large. */
int ata_guess_geometry(uint64_t nb_sectors, const uint8_t *mbr, uint16_t *cyls,
                       uint16_t *heads, uint16_t *secs)
{
    uint16_t c, h, s;
    if (!guess_lchs(nb_sectors, mbr, &c, &h, &s)) {
        chs_for_size(nb_sectors, cyls, heads, secs);
        return *cyls <= 1024 && *heads <= 16 && *secs <= 63 ? 0 : 1;
    }
    if (h > 16) {
        /* A BIOS translated: the drive has a standard geometry. */
        chs_for_size(nb_sectors, cyls, heads, secs);
        return (uint32_t)*cyls * *heads <= 131072 ? 2 : 1;
    }
    *cyls = c;
    *heads = h;
    *secs = s;
    return 0;
}

/* --- data transfers -------------------------------------------------- */

/* The next block of READ SECTOR(S)/MULTIPLE (the PIO data-in protocol,
 * ATA/ATAPI-6 clause 9): read it, raise INTRQ with DRQ; after the last block, nothing. */
void ata_sector_read(struct ide_drive *d)
{
    struct ide_channel *ch = ide_channel_of(d);
    d->status = ATA_ST_DRDY | ATA_ST_DSC;
    d->error = 0;
    if (d->count == 0) {
        ide_transfer_stop(d);
        return;
    }
    uint32_t n = d->count < d->req_sectors ? d->count : d->req_sectors;
    uint64_t s;
    if (!ata_get_sector(d, &s) || !range_ok(d, s, n)) {
        ide_abort(d, ATA_ER_IDNF);
        ide_raise_irq(ch);
        return;
    }
    int rc = block_read(d->blk, s * IDE_SECTOR, d->buf, n * IDE_SECTOR);
    if (rc < 0) {
        ide_abort(d, io_error(rc, false));
        ide_raise_irq(ch);
        return;
    }
    ata_set_sector(d, s + n);
    d->count -= n;
    ide_transfer_start(d, 0, n * IDE_SECTOR, IDE_END_READ);
    ide_raise_irq(ch);
}

/* Writes the block the host just sent (the PIO data-out protocol): INTRQ after
 * each block, with DRQ again while sectors remain.  With the write cache
 * off, each block is flushed before the drive reports it done. */
void ata_sector_write(struct ide_drive *d)
{
    struct ide_channel *ch = ide_channel_of(d);
    d->status = ATA_ST_DRDY | ATA_ST_DSC;
    uint32_t n = d->count < d->req_sectors ? d->count : d->req_sectors;
    uint64_t s;
    if (!ata_get_sector(d, &s) || !range_ok(d, s, n)) {
        ide_abort(d, ATA_ER_IDNF);
        ide_raise_irq(ch);
        return;
    }
    int rc = block_write(d->blk, s * IDE_SECTOR, d->buf, n * IDE_SECTOR);
    if (rc == 0 && !d->wcache)
        rc = block_flush(d->blk);
    if (rc < 0) {
        ide_abort(d, io_error(rc, true));
        ide_raise_irq(ch);
        return;
    }
    d->count -= n;
    ata_set_sector(d, s + n);
    if (d->count == 0) {
        ide_transfer_stop(d);
    } else {
        n = d->count < d->req_sectors ? d->count : d->req_sectors;
        ide_transfer_start(d, 0, n * IDE_SECTOR, IDE_END_WRITE);
    }
    ide_raise_irq(ch);
}

/* --- commands -------------------------------------------------------- */

/* Each handler returns true when the command is complete and the common
 * ending applies (BSY off, DSC, INTRQ), false when it set up a data phase
 * or ended itself. */
typedef bool (*ata_handler)(struct ide_drive *d, uint8_t cmd);

static bool is_ext(uint8_t cmd)
{
    switch (cmd) {
    case 0x24: case 0x25: case 0x27: case 0x29: case 0x34: case 0x35: case 0x39:
    case 0x42: case 0xEA:
        return true;
    }
    return false;
}

/* Media access wakes a drive in standby (the power management feature
 * set). */
static void wake(struct ide_drive *d)
{
    d->power = IDE_PWR_ACTIVE;
}

static bool cmd_read_pio(struct ide_drive *d, uint8_t cmd)
{
    if (d->kind == IDE_CD) {
        /* A packet device aborts and shows its signature (ATA-4 8.27.5.2
         * as QEMU cites it), which is how old drivers find ATAPI devices. */
        ide_set_signature(d);
        ide_abort(d, ATA_ER_ABRT);
        return true;
    }
    bool multiple = cmd == 0xC4 || cmd == 0x29;
    if (multiple && !d->mult_sectors) {
        ide_abort(d, ATA_ER_ABRT);
        return true;
    }
    wake(d);
    lba48_transform(d, is_ext(cmd));
    d->req_sectors = multiple ? d->mult_sectors : 1;
    ata_sector_read(d);
    return false;
}

static bool cmd_write_pio(struct ide_drive *d, uint8_t cmd)
{
    bool multiple = cmd == 0xC5 || cmd == 0x39;
    if ((multiple && !d->mult_sectors) || block_is_read_only(d->blk)) {
        ide_abort(d, ATA_ER_ABRT);
        return true;
    }
    wake(d);
    lba48_transform(d, is_ext(cmd));
    d->req_sectors = multiple ? d->mult_sectors : 1;
    uint32_t n = d->count < d->req_sectors ? d->count : d->req_sectors;
    d->status = ATA_ST_DRDY | ATA_ST_DSC;
    /* PIO data-out: DRQ for the first block without an interrupt. */
    ide_transfer_start(d, 0, n * IDE_SECTOR, IDE_END_WRITE);
    return false;
}

/* READ/WRITE DMA (EXT): the address is checked before the drive
 * asks for the data; the bus master moves it (ide_dma.c). */
static bool cmd_dma(struct ide_drive *d, uint8_t cmd)
{
    bool write = cmd == 0xCA || cmd == 0xCB || cmd == 0x35;
    if (write && block_is_read_only(d->blk)) {
        ide_abort(d, ATA_ER_ABRT);
        return true;
    }
    wake(d);
    lba48_transform(d, is_ext(cmd));
    uint64_t s;
    if (!ata_get_sector(d, &s) || !range_ok(d, s, d->count)) {
        ide_abort(d, ATA_ER_IDNF);
        return true;
    }
    d->status = ATA_ST_DRDY | ATA_ST_DSC | ATA_ST_DRQ;
    d->dma_cmd = write ? IDE_DMA_WRITE : IDE_DMA_READ;
    ide_dma_ready(ide_channel_of(d));
    return false;
}

/* READ VERIFY SECTOR(S) (EXT): reads without transferring, so that an
 * unreadable sector shows as UNC with its address in the registers. */
static bool cmd_verify(struct ide_drive *d, uint8_t cmd)
{
    wake(d);
    lba48_transform(d, is_ext(cmd));
    uint64_t s;
    if (!ata_get_sector(d, &s) || !range_ok(d, s, d->count)) {
        ide_abort(d, ATA_ER_IDNF);
        return true;
    }
    uint64_t left = d->count;
    while (left) {
        uint32_t n = left < IDE_MAX_MULT ? (uint32_t)left : IDE_MAX_MULT;
        int rc = block_read(d->blk, s * IDE_SECTOR, d->buf, n * IDE_SECTOR);
        if (rc < 0) {
            ata_set_sector(d, s);
            ide_abort(d, io_error(rc, false));
            return true;
        }
        s += n;
        left -= n;
    }
    return true;
}

/* SEEK: only checks the address. */
static bool cmd_seek(struct ide_drive *d, uint8_t cmd)
{
    (void)cmd;
    wake(d);
    uint64_t s;
    d->lba48 = false;
    if (!ata_get_sector(d, &s) || s >= d->nb_sectors)
        ide_abort(d, ATA_ER_IDNF);
    return true;
}

static bool cmd_nop_ok(struct ide_drive *d, uint8_t cmd)
{
    (void)d;
    (void)cmd;
    return true;
}

static bool cmd_flush(struct ide_drive *d, uint8_t cmd)
{
    (void)cmd;
    if (d->blk && !block_is_read_only(d->blk) && block_flush(d->blk) < 0)
        ide_abort(d, ATA_ER_ABRT);
    return true;
}

static bool cmd_identify(struct ide_drive *d, uint8_t cmd)
{
    (void)cmd;
    if (d->kind != IDE_HD) {
        ide_set_signature(d);
        ide_abort(d, ATA_ER_ABRT);
        return true;
    }
    ata_identify(d, d->buf);
    d->status = ATA_ST_DRDY | ATA_ST_DSC;
    ide_transfer_start(d, 0, 512, IDE_END_STOP);
    ide_raise_irq(ide_channel_of(d));
    return false;
}

static bool cmd_identify_packet(struct ide_drive *d, uint8_t cmd)
{
    (void)cmd;
    atapi_identify(d, d->buf);
    d->status = ATA_ST_DRDY | ATA_ST_DSC;
    ide_transfer_start(d, 0, 512, IDE_END_STOP);
    ide_raise_irq(ide_channel_of(d));
    return false;
}

/* SET MULTIPLE MODE: a power of two up to IDENTIFY word 47, or 0
 * to turn READ/WRITE MULTIPLE off. */
static bool cmd_set_multiple(struct ide_drive *d, uint8_t cmd)
{
    (void)cmd;
    unsigned n = d->nsector;
    if (n > IDE_MAX_MULT || (n & (n - 1)))
        ide_abort(d, ATA_ER_ABRT);
    else
        d->mult_sectors = (uint8_t)n;
    return true;
}

/* INITIALIZE DEVICE PARAMETERS (ATA/ATAPI-6): the
 * sectors per track (count) and heads (device register bits 3-0, plus 1)
 * of the CHS translation; the cylinders follow from the capacity CHS can
 * reach (16,514,064 sectors, as for the default geometry).  A zero count leaves no valid
 * translation: CHS accesses then fail with IDNF. */
static bool cmd_init_params(struct ide_drive *d, uint8_t cmd)
{
    (void)cmd;
    unsigned heads = (d->select & ATA_DEV_HEAD) + 1u, secs = d->nsector;
    if (!secs) {
        d->cur_cyls = d->cur_heads = d->cur_secs = 0;
        return true;
    }
    uint64_t total = d->nb_sectors < 16514064 ? d->nb_sectors : 16514064;
    uint64_t cyls = total / (heads * secs);
    d->cur_cyls = (uint16_t)(cyls > 65535 ? 65535 : cyls);
    d->cur_heads = (uint16_t)heads;
    d->cur_secs = (uint16_t)secs;
    return true;
}

/* SET FEATURES: the subcommands QEMU accepts. */
static bool cmd_set_features(struct ide_drive *d, uint8_t cmd)
{
    (void)cmd;
    switch (d->feature) {
    case 0x02:                     /* enable write cache */
        d->wcache = true;
        return true;
    case 0x82:                     /* disable write cache: write back now */
        d->wcache = false;
        return cmd_flush(d, 0xE7);
    case 0x03: {                   /* set transfer mode */
        unsigned v = d->nsector & 7, max;
        switch (d->nsector >> 3) {
        case 0x00: max = 1; break;     /* PIO default (bit 0: IORDY off) */
        case 0x01: max = 4; break;     /* PIO flow control modes 0-4 */
        case 0x02: max = 2; break;     /* single word DMA 0-2 */
        case 0x04: max = 2; break;     /* multiword DMA 0-2 */
        case 0x08: max = 5; break;     /* Ultra DMA 0-5 */
        default: max = 0; v = 1; break;
        }
        if (v > max) {
            ide_abort(d, ATA_ER_ABRT);
            return true;
        }
        d->xfer_mode = d->nsector;
        return true;
    }
    case 0xCC: case 0x66:          /* reverting to power-on defaults */
    case 0xAA: case 0x55:          /* read look-ahead */
    case 0x05: case 0x85:          /* advanced power management */
    case 0x42: case 0xC2:          /* automatic acoustic management */
    case 0x69: case 0x67: case 0x96: case 0x9A:
        return true;
    }
    ide_abort(d, ATA_ER_ABRT);
    return true;
}

/* Power management (IDLE, STANDBY, SLEEP (IMMEDIATE)): the mode CHECK POWER
 * MODE reports.  The standby timer a count programs is not run: the drive
 * only enters standby when told to. */
static bool cmd_power(struct ide_drive *d, uint8_t cmd)
{
    switch (cmd) {
    case 0xE0: case 0x94:          /* STANDBY IMMEDIATE */
    case 0xE2: case 0x96:          /* STANDBY */
        d->power = IDE_PWR_STANDBY;
        break;
    case 0xE1: case 0x95:          /* IDLE IMMEDIATE */
    case 0xE3: case 0x97:          /* IDLE */
        d->power = IDE_PWR_IDLE;
        break;
    case 0xE6: case 0x99:          /* SLEEP: only a reset wakes it */
        d->power = IDE_PWR_SLEEP;
        break;
    }
    return true;
}

static bool cmd_check_power(struct ide_drive *d, uint8_t cmd)
{
    (void)cmd;
    static const uint8_t code[IDE_PWR_COUNT] = { 0xFF, 0x80, 0x00, 0x00 };
    d->nsector = code[d->power];
    return true;
}

/* READ NATIVE MAX ADDRESS (EXT): the last sector, as an LBA;
 * the 28-bit command cannot show more than 0FFFFFFFh. */
static bool cmd_read_native_max(struct ide_drive *d, uint8_t cmd)
{
    if (d->nb_sectors == 0) {
        ide_abort(d, ATA_ER_ABRT);
        return true;
    }
    uint64_t max = d->nb_sectors - 1;
    uint8_t select = d->select;
    d->lba48 = cmd == 0x27;
    d->select |= ATA_DEV_LBA;
    if (!d->lba48 && max > 0x0FFFFFFF)
        max = 0x0FFFFFFF;
    ata_set_sector(d, max);
    d->select = (uint8_t)((d->select & ATA_DEV_HEAD) | (select & ~ATA_DEV_HEAD));
    return true;
}

/* DEVICE RESET, for packet devices, even while busy: the device's own
 * reset, its signature, status 00h. */
static bool cmd_device_reset(struct ide_drive *d, uint8_t cmd)
{
    (void)cmd;
    uint8_t dev = d->select & ATA_DEV_DEV;
    ide_drive_reset(d, false);
    d->select |= dev;
    d->status = 0;
    return false;
}

/* PACKET: the 12-byte command packet comes by PIO with CoD set;
 * no interrupt for it (IDENTIFY PACKET word 0 bits 6-5: DRQ within
 * 50 us).  Overlap is not supported. */
static bool cmd_packet(struct ide_drive *d, uint8_t cmd)
{
    (void)cmd;
    if (d->feature & 0x02) {
        ide_abort(d, ATA_ER_ABRT);
        return true;
    }
    ide_channel_of(d)->stats->packets++;
    d->atapi_dma = d->feature & 0x01;
    d->status = ATA_ST_DRDY | ATA_ST_DSC;
    d->nsector = (uint8_t)((d->nsector & ~7u) | ATAPI_IR_COD);
    ide_transfer_start(d, 0, 12, IDE_END_PACKET);
    return false;
}

enum { HD = 1, CD = 2, DSC = 4 };

static const struct {
    ata_handler fn;
    uint8_t flags;
} ata_cmds[256] = {
    [0x08] = { cmd_device_reset, CD },
    [0x10] = { cmd_nop_ok, HD | DSC },          /* RECALIBRATE (obsolete) */
    [0x20] = { cmd_read_pio, HD | CD },
    [0x21] = { cmd_read_pio, HD },
    [0x24] = { cmd_read_pio, HD },
    [0x25] = { cmd_dma, HD },
    [0x27] = { cmd_read_native_max, HD | DSC },
    [0x29] = { cmd_read_pio, HD },
    [0x30] = { cmd_write_pio, HD },
    [0x31] = { cmd_write_pio, HD },
    [0x34] = { cmd_write_pio, HD },
    [0x35] = { cmd_dma, HD },
    [0x39] = { cmd_write_pio, HD },
    [0x3C] = { cmd_write_pio, HD },             /* WRITE VERIFY (obsolete) */
    [0x40] = { cmd_verify, HD | DSC },
    [0x41] = { cmd_verify, HD | DSC },
    [0x42] = { cmd_verify, HD | DSC },
    [0x70] = { cmd_seek, HD | DSC },
    [0x91] = { cmd_init_params, HD | DSC },
    [0x94] = { cmd_power, HD },
    [0x95] = { cmd_power, HD },
    [0x96] = { cmd_power, HD },
    [0x97] = { cmd_power, HD },
    [0x98] = { cmd_check_power, HD | DSC },
    [0x99] = { cmd_power, HD },
    [0xA0] = { cmd_packet, CD },
    [0xA1] = { cmd_identify_packet, CD },
    [0xC4] = { cmd_read_pio, HD },
    [0xC5] = { cmd_write_pio, HD },
    [0xC6] = { cmd_set_multiple, HD | DSC },
    [0xC8] = { cmd_dma, HD },
    [0xC9] = { cmd_dma, HD },
    [0xCA] = { cmd_dma, HD },
    [0xCB] = { cmd_dma, HD },
    [0xE0] = { cmd_power, HD },
    [0xE1] = { cmd_power, HD },
    [0xE2] = { cmd_power, HD },
    [0xE3] = { cmd_power, HD },
    [0xE5] = { cmd_check_power, HD | DSC },
    [0xE6] = { cmd_power, HD },
    [0xE7] = { cmd_flush, HD | CD | DSC },
    [0xEA] = { cmd_flush, HD | DSC },
    [0xEC] = { cmd_identify, HD | CD },
    [0xEF] = { cmd_set_features, HD | CD | DSC },
    [0xF8] = { cmd_read_native_max, HD | DSC },
};

/* A write to the command register (ATA/ATAPI-6 clause 9, the command
 * protocols). */
void ide_exec_cmd(struct ide_channel *ch, uint8_t cmd)
{
    struct ide_drive *d = ide_cur(ch);
    /* An absent device does not answer (QEMU ignores commands to it). */
    if (d->kind == IDE_NONE)
        return;
    /* Only DEVICE RESET to a packet device is taken while busy. */
    if ((d->status & (ATA_ST_BSY | ATA_ST_DRQ)) && !(cmd == 0x08 && d->kind == IDE_CD))
        return;
    ch->stats->commands++;
    if (cmd == 0x90) {
        ide_exec_diagnostic(ch);
        return;
    }
    unsigned kind = d->kind == IDE_HD ? HD : CD;
    /* A sleeping drive answers nothing but a reset (ATA/ATAPI-6, sleep
     * mode). */
    if (!(ata_cmds[cmd].flags & kind) || (d->power == IDE_PWR_SLEEP && cmd != 0x08)) {
        ide_abort(d, ATA_ER_ABRT);
        ide_raise_irq(ch);
        return;
    }
    d->status = ATA_ST_DRDY | ATA_ST_BSY;
    d->error = 0;
    if (ata_cmds[cmd].fn(d, cmd)) {
        d->status &= (uint8_t)~ATA_ST_BSY;
        if ((ata_cmds[cmd].flags & DSC) && !(d->status & ATA_ST_ERR))
            d->status |= ATA_ST_DSC;
        ide_raise_irq(ch);
    }
}
