/* The ATAPI CD/DVD-ROM: the packet commands (SPC-3, MMC-3) that
 * firmware, boot loaders and Linux's sr driver send, and the packet data
 * protocols of ATA/ATAPI-6 clause 9 (PACKET): byte count limit in the cylinder
 * registers, interrupt reason in the sector count register, a DRQ block
 * and an interrupt per data block, DMA when the PACKET command's feature
 * bit 0 asks for it.  Unknown opcodes end in CHECK CONDITION with ILLEGAL
 * REQUEST / INVALID COMMAND OPERATION CODE.  Modelled on QEMU's
 * hw/ide/atapi.c where the standards leave room (media-change reporting,
 * profiles, the capabilities page). */
#include "dev/ide.h"

#include <errno.h>
#include <string.h>

#include "block/block.h"
#include "dev/cdrom.h"

/* Additional sense codes (SPC-3's table of ASC/ASCQ). */
enum {
    ASC_INVALID_OPCODE = 0x20,
    ASC_LBA_OUT_OF_RANGE = 0x21,
    ASC_INVALID_FIELD = 0x24,
    ASC_MEDIUM_MAY_HAVE_CHANGED = 0x28,
    ASC_INCOMPATIBLE_FORMAT = 0x30,
    ASC_SAVING_NOT_SUPPORTED = 0x39,
    ASC_MEDIUM_NOT_PRESENT = 0x3A,
    ASC_MEDIA_REMOVAL_PREVENTED = 0x53,
    ASC_ILLEGAL_MODE = 0x64,
    ASC_UNRECOVERED_READ = 0x11,
};

/* MMC profiles (MMC-3's profile list). */
enum { PROFILE_CD_ROM = 0x0008, PROFILE_DVD_ROM = 0x0010 };

static void be16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
    be16(p, v >> 16);
    be16(p + 2, v & 0xFFFF);
}

static unsigned get16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* Space-padded ASCII (SPC-3's ASCII fields). */
static void put_ascii(uint8_t *p, unsigned len, const char *s)
{
    for (unsigned i = 0; i < len; i++)
        p[i] = (uint8_t)(*s ? *s++ : ' ');
}

/* 2048-byte sectors of the medium. */
static uint32_t total_sectors(const struct ide_drive *d)
{
    uint64_t n = d->nb_sectors >> 2;
    return n > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)n;
}

static bool medium_present(const struct ide_drive *d)
{
    return d->blk && !d->tray_open && total_sectors(d) > 0;
}

static bool is_dvd(const struct ide_drive *d)
{
    return medium_present(d) && total_sectors(d) > CD_MAX_SECTORS;
}

/* --- status ---------------------------------------------------------- */

/* Command done, GOOD status: no data, I/O and C/D set (the PACKET
 * protocol's status phase),
 * sense data cleared. */
static void atapi_ok(struct ide_drive *d)
{
    ide_transfer_stop(d);
    d->dma_cmd = IDE_DMA_NONE;
    d->error = 0;
    d->status = ATA_ST_DRDY | ATA_ST_DSC;
    d->nsector = (uint8_t)((d->nsector & ~7u) | ATAPI_IR_IO | ATAPI_IR_COD);
    d->sense_key = SENSE_NONE;
    d->asc = d->ascq = 0;
    ide_raise_irq(ide_channel_of(d));
}

/* CHECK CONDITION: ERR with the sense key in the error register's high
 * nibble; REQUEST SENSE returns the rest. */
static void atapi_error(struct ide_drive *d, uint8_t key, uint8_t asc, uint8_t ascq)
{
    ide_transfer_stop(d);
    d->dma_cmd = IDE_DMA_NONE;
    d->error = (uint8_t)(key << 4);
    d->status = ATA_ST_DRDY | ATA_ST_ERR;
    d->nsector = (uint8_t)((d->nsector & ~7u) | ATAPI_IR_IO | ATAPI_IR_COD);
    d->sense_key = key;
    d->asc = asc;
    d->ascq = ascq;
    ide_channel_of(d)->stats->errors++;
    ide_raise_irq(ide_channel_of(d));
}

static void not_present(struct ide_drive *d)
{
    /* 3Ah/01h tray closed, 3Ah/02h tray open (SPC-3's table of ASC/ASCQ). */
    atapi_error(d, SENSE_NOT_READY, ASC_MEDIUM_NOT_PRESENT,
                d->tray_open ? 0x02 : d->blk ? 0x00 : 0x01);
}

static void invalid_field(struct ide_drive *d)
{
    atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
}

/* --- the data phase -------------------------------------------------- */

/* Reads the next sectors into the buffer for a PIO or DMA read: as many
 * as fit, each in the layout READ CD asked for.  0, or -1 after a CHECK
 * CONDITION. */
static int fill_sectors(struct ide_drive *d)
{
    uint32_t ss = d->cd_sector_size;
    uint32_t k = ss ? IDE_BUF_SIZE / ss : 0;
    if (k > d->sectors_left)
        k = d->sectors_left;
    int rc = 0;
    if (k == 0) {
        /* Nothing left to read while data is still owed: a state that
         * cannot arise, refused rather than looped on. */
        atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, 0);
        return -1;
    }
    if (!d->blk) {
        /* The medium went (the monitor's eject) in the middle. */
        not_present(d);
        return -1;
    }
    if (d->read_cd_flags == 0x10) {
        rc = block_read(d->blk, (uint64_t)d->lba * CD_SECTOR, d->buf, (size_t)k * CD_SECTOR);
    } else {
        /* READ CD fields (MMC-3, READ CD): sync, header, user data,
         * EDC/ECC, each present or not, taken from the raw sector. */
        uint8_t raw[CD_RAW_SECTOR];
        uint8_t f = d->read_cd_flags;
        uint8_t *out = d->buf;
        for (uint32_t i = 0; i < k && rc == 0; i++) {
            rc = block_read(d->blk, (uint64_t)(d->lba + i) * CD_SECTOR, raw + 16, CD_SECTOR);
            if (rc < 0)
                break;
            uint8_t data[CD_SECTOR];
            memcpy(data, raw + 16, CD_SECTOR);
            cd_raw_sector(raw, d->lba + i, data);
            if (f & 0x80) {
                memcpy(out, raw, 12);
                out += 12;
            }
            if (f & 0x20) {
                memcpy(out, raw + 12, 4);
                out += 4;
            }
            if (f & 0x10) {
                memcpy(out, raw + 16, CD_SECTOR);
                out += CD_SECTOR;
            }
            if (f & 0x08) {
                memcpy(out, raw + 2064, 288);
                out += 288;
            }
        }
    }
    if (rc < 0) {
        if (rc == -EINVAL)
            atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, 0);
        else
            atapi_error(d, SENSE_MEDIUM_ERROR, ASC_UNRECOVERED_READ, 0);
        return -1;
    }
    d->lba += k;
    d->sectors_left -= k;
    d->buffered = k * ss;
    d->data_pos = d->data_end = 0;
    return 0;
}

/* The next PIO window of a data-in command, or its end.  A DRQ block is
 * at most the byte count limit the host put in the cylinder registers
 * (even when the transfer goes on; FFFFh counts as FFFEh), announced
 * there with I/O set, C/D clear, and an interrupt.  A block may span more
 * than the buffer holds: the buffer is refilled without an interrupt. */
void atapi_transfer_next(struct ide_drive *d)
{
    if (d->packet_left == 0) {
        atapi_ok(d);
        return;
    }
    if (d->lba_valid && d->data_end >= d->buffered && fill_sectors(d) < 0)
        return;
    uint32_t pos = d->data_end;
    bool irq = false;
    if (d->drq_left == 0) {
        uint32_t bcl = (uint32_t)d->hcyl << 8 | d->lcyl;
        if (bcl == 0xFFFF)
            bcl = 0xFFFE;
        uint64_t size = d->packet_left;
        if (size > bcl) {
            bcl &= ~1u;
            size = bcl ? bcl : 2;   /* a limit of 1 cannot be met: 2 */
        }
        d->lcyl = (uint8_t)size;
        d->hcyl = (uint8_t)(size >> 8);
        d->drq_left = (uint32_t)size;
        d->nsector = (uint8_t)((d->nsector & ~7u) | ATAPI_IR_IO);
        irq = true;
    }
    uint32_t n = d->buffered - pos;
    if (n > d->drq_left)
        n = d->drq_left;
    if (n > d->packet_left)
        n = (uint32_t)d->packet_left;
    d->packet_left -= n;
    d->drq_left -= n;
    d->status = ATA_ST_DRDY | ATA_ST_DSC;
    ide_transfer_start(d, pos, n, IDE_END_ATAPI);
    if (irq)
        ide_raise_irq(ide_channel_of(d));
}

/* Starts the data phase: by DMA when the PACKET command asked, else PIO. */
static void start_data(struct ide_drive *d)
{
    d->drq_left = 0;
    d->data_pos = d->data_end = 0;
    if (d->atapi_dma) {
        d->status = ATA_ST_DRDY | ATA_ST_DSC | ATA_ST_DRQ;
        d->dma_cmd = IDE_DMA_ATAPI;
        ide_dma_ready(ide_channel_of(d));
    } else {
        atapi_transfer_next(d);
    }
}

/* Sends `size` bytes of d->buf, cut to the allocation length. */
static void reply(struct ide_drive *d, uint32_t size, uint32_t alloc)
{
    if (size > alloc)
        size = alloc;
    if (size == 0) {
        atapi_ok(d);
        return;
    }
    d->lba_valid = false;
    d->packet_left = size;
    d->buffered = size;
    start_data(d);
}

/* Reads `n` sectors from `lba`, `ss` bytes each (2048, or what READ CD's
 * `flags` select). */
static void start_read(struct ide_drive *d, uint32_t lba, uint32_t n, uint32_t ss,
                       uint8_t flags)
{
    d->lba_valid = true;
    d->lba = lba;
    d->sectors_left = n;
    d->cd_sector_size = (uint16_t)ss;
    d->read_cd_flags = flags;
    d->packet_left = (uint64_t)n * ss;
    d->buffered = 0;
    start_data(d);
}

int atapi_dma_fill(struct ide_drive *d, uint8_t *dst, uint32_t len)
{
    while (len) {
        if (d->lba_valid && d->data_end >= d->buffered) {
            /* Whole 2048-byte sectors go straight to the bus master. */
            if (d->read_cd_flags == 0x10 && len >= CD_SECTOR) {
                uint32_t k = len / CD_SECTOR;
                if (k > d->sectors_left)
                    k = d->sectors_left;
                if (k == 0) {
                    atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, 0);
                    return -1;
                }
                if (!d->blk) {
                    not_present(d);
                    return -1;
                }
                int rc = block_read(d->blk, (uint64_t)d->lba * CD_SECTOR, dst,
                                    (size_t)k * CD_SECTOR);
                if (rc < 0) {
                    atapi_error(d, rc == -EINVAL ? SENSE_ILLEGAL_REQUEST : SENSE_MEDIUM_ERROR,
                                rc == -EINVAL ? ASC_LBA_OUT_OF_RANGE : ASC_UNRECOVERED_READ, 0);
                    return -1;
                }
                d->lba += k;
                d->sectors_left -= k;
                d->packet_left -= (uint64_t)k * CD_SECTOR;
                dst += k * CD_SECTOR;
                len -= k * CD_SECTOR;
                continue;
            }
            if (fill_sectors(d) < 0)
                return -1;
        }
        uint32_t n = d->buffered - d->data_end;
        if (n > len)
            n = len;
        if (n == 0)
            return -1;          /* cannot happen: the length was checked */
        memcpy(dst, d->buf + d->data_end, n);
        d->data_end += n;
        d->packet_left -= n;
        dst += n;
        len -= n;
    }
    return 0;
}

void atapi_dma_done(struct ide_drive *d)
{
    atapi_ok(d);
}

/* --- the commands ---------------------------------------------------- */

static void cmd_test_unit_ready(struct ide_drive *d, const uint8_t *cdb)
{
    (void)cdb;
    atapi_ok(d);    /* not-ready conditions were caught before */
}

/* REQUEST SENSE (SPC-3): fixed format sense data of the last CHECK
 * CONDITION, which it clears. */
static void cmd_request_sense(struct ide_drive *d, const uint8_t *cdb)
{
    uint8_t *b = d->buf;
    memset(b, 0, 18);
    b[0] = 0x70;
    b[2] = d->sense_key;
    b[7] = 10;
    b[12] = d->asc;
    b[13] = d->ascq;
    reply(d, 18, cdb[4]);
}

/* INQUIRY (SPC-3): standard data, or the VPD pages 00h and 83h. */
static void cmd_inquiry(struct ide_drive *d, const uint8_t *cdb)
{
    uint8_t *b = d->buf;
    unsigned alloc = get16(cdb + 3);
    if (cdb[1] & 0x02) {            /* CmdDt: obsolete */
        invalid_field(d);
        return;
    }
    memset(b, 0, 100);
    if (cdb[1] & 0x01) {
        unsigned len;
        b[0] = 0x05;
        b[1] = cdb[2];
        switch (cdb[2]) {
        case 0x00:                  /* supported pages */
            b[4] = 0x00;
            b[5] = 0x83;
            len = 2;
            break;
        case 0x83:                  /* device identification: the serial
                                       number, and vendor ID + model +
                                       serial as libata builds it */
            b[4] = 0x02;
            b[7] = 20;
            put_ascii(b + 8, 20, d->serial);
            b[28] = 0x02;
            b[29] = 0x01;
            b[31] = 68;
            put_ascii(b + 32, 8, "ATA");
            put_ascii(b + 40, 40, d->model);
            put_ascii(b + 80, 20, d->serial);
            len = 96;
            break;
        default:
            invalid_field(d);
            return;
        }
        b[3] = (uint8_t)len;
        reply(d, len + 4, alloc);
        return;
    }
    if (cdb[2]) {
        invalid_field(d);
        return;
    }
    b[0] = 0x05;                    /* CD/DVD device */
    b[1] = 0x80;                    /* removable */
    b[2] = 0x00;
    b[3] = 0x21;                    /* ATAPI, response data format 1 (QEMU) */
    b[4] = 31;
    put_ascii(b + 8, 8, "PLEX86");
    put_ascii(b + 16, 16, d->model);
    put_ascii(b + 32, 4, d->firmware);
    reply(d, 36, alloc);
}

static void cmd_read_capacity(struct ide_drive *d, const uint8_t *cdb)
{
    (void)cdb;
    be32(d->buf, total_sectors(d) - 1);
    be32(d->buf + 4, CD_SECTOR);
    reply(d, 8, 8);
}

/* READ(10) and READ(12) (MMC-3). */
static void cmd_read(struct ide_drive *d, const uint8_t *cdb)
{
    uint32_t n = cdb[0] == 0x28 ? get16(cdb + 7) : get32(cdb + 6);
    uint32_t lba = get32(cdb + 2);
    if (n == 0) {
        atapi_ok(d);
        return;
    }
    if ((uint64_t)lba + n > total_sectors(d)) {
        atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, 0);
        return;
    }
    d->power = IDE_PWR_ACTIVE;
    start_read(d, lba, n, CD_SECTOR, 0x10);
}

/* READ CD (MMC-3): our discs have Mode 1 data tracks only.  Byte 9
 * picks the fields: sync (80h), header (20h; subheader 40h is empty in
 * Mode 1), user data (10h), EDC/ECC (08h); no C2 error information. */
static void cmd_read_cd(struct ide_drive *d, const uint8_t *cdb)
{
    unsigned type = (cdb[1] >> 2) & 7;
    uint32_t n = (uint32_t)cdb[6] << 16 | get16(cdb + 7);
    uint32_t lba = get32(cdb + 2);
    uint8_t f = cdb[9] & 0xF8;
    if (n == 0 || f == 0) {
        atapi_ok(d);
        return;
    }
    if ((uint64_t)lba + n > total_sectors(d)) {
        atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, 0);
        return;
    }
    if (type != 0 && type != 2) {   /* any, or Mode 1 */
        atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_ILLEGAL_MODE, 0);
        return;
    }
    /* A sync pattern alone or without the header, and C2 data, are not
     * valid combinations for Mode 1 (MMC-3's table of them). */
    if ((cdb[9] & 0x06) || ((f & 0x80) && !(f & 0x20))) {
        invalid_field(d);
        return;
    }
    unsigned ss = ((f & 0x80) ? 12 : 0) + ((f & 0x20) ? 4 : 0) + ((f & 0x10) ? CD_SECTOR : 0) +
                  ((f & 0x08) ? 288 : 0);
    if (ss == 0) {
        atapi_ok(d);
        return;
    }
    /* The byte count limit is checked only when there is data (QEMU). */
    if (!d->atapi_dma && ((unsigned)d->hcyl << 8 | d->lcyl) == 0) {
        ide_abort(d, ATA_ER_ABRT);
        ide_raise_irq(ide_channel_of(d));
        return;
    }
    d->power = IDE_PWR_ACTIVE;
    start_read(d, lba, n, ss, f & 0xB8);
}

static void cmd_seek(struct ide_drive *d, const uint8_t *cdb)
{
    if (get32(cdb + 2) >= total_sectors(d)) {
        atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, 0);
        return;
    }
    atapi_ok(d);
}

/* READ TOC/PMA/ATIP (MMC-3): the format is in byte 2, or for
 * SFF-8020i hosts in byte 9 bits 7-6. */
static void cmd_read_toc(struct ide_drive *d, const uint8_t *cdb)
{
    unsigned format = cdb[2] & 0x0F;
    if (format == 0)
        format = cdb[9] >> 6;
    int len = cd_read_toc(d->buf, total_sectors(d), format, cdb[1] & 0x02, cdb[6]);
    if (len < 0) {
        invalid_field(d);
        return;
    }
    reply(d, (uint32_t)len, get16(cdb + 7));
}

/* GET CONFIGURATION (MMC-3): the features of a CD/DVD-ROM drive.
 * RT 0: all features from the starting one; 1: the current ones; 2: that
 * one feature. */
static void cmd_get_configuration(struct ide_drive *d, const uint8_t *cdb)
{
    unsigned rt = cdb[1] & 3, start = get16(cdb + 2);
    if (rt == 3) {
        invalid_field(d);
        return;
    }
    bool present = medium_present(d), dvd = is_dvd(d), cd = present && !dvd;
    uint8_t *b = d->buf;
    memset(b, 0, 128);
    be16(b + 6, dvd ? PROFILE_DVD_ROM : cd ? PROFILE_CD_ROM : 0);
    uint8_t *p = b + 8;
    struct {
        unsigned code;
        bool current;
        uint8_t len;
    } feats[] = {
        { 0x0000, true, 8 },        /* profile list */
        { 0x0001, true, 4 },        /* core */
        { 0x0002, true, 4 },        /* morphing */
        { 0x0003, true, 4 },        /* removable medium */
        { 0x0010, present, 8 },     /* random readable */
        { 0x001E, cd, 4 },          /* CD read */
        { 0x001F, dvd, 0 },         /* DVD read */
    };
    for (unsigned i = 0; i < sizeof(feats) / sizeof(feats[0]); i++) {
        unsigned c = feats[i].code;
        if (c < start || (rt == 1 && !feats[i].current) || (rt == 2 && c != start))
            continue;
        be16(p, c);
        /* Version, persistent (always there), current. */
        p[2] = (uint8_t)((c <= 0x0003 ? 0x02 : 0) | (feats[i].current ? 0x01 : 0));
        p[3] = feats[i].len;
        uint8_t *q = p + 4;
        switch (c) {
        case 0x0000:
            be16(q, PROFILE_DVD_ROM);
            q[2] = dvd;
            be16(q + 4, PROFILE_CD_ROM);
            q[6] = cd;
            break;
        case 0x0001:
            be32(q, 2);             /* physical interface: ATAPI */
            break;
        case 0x0002:
            q[0] = 0;               /* GESN by polling only */
            break;
        case 0x0003:
            q[0] = 0x29;            /* tray, eject, lock supported */
            break;
        case 0x0010:
            be32(q, CD_SECTOR);
            be16(q + 4, dvd ? 16 : 1);
            break;
        }
        p += 4 + feats[i].len;
    }
    uint32_t len = (uint32_t)(p - b);
    be32(b, len - 4);
    reply(d, len, get16(cdb + 7));
}

/* GET EVENT STATUS NOTIFICATION (MMC-3): polled media events. */
static void cmd_gesn(struct ide_drive *d, const uint8_t *cdb)
{
    if (!(cdb[1] & 1)) {            /* asynchronous: not supported */
        invalid_field(d);
        return;
    }
    uint8_t *b = d->buf;
    memset(b, 0, 8);
    b[3] = 1u << 4;                 /* supported: media class */
    uint32_t len;
    if (cdb[4] & (1u << 4)) {
        b[2] = 4;                   /* media class */
        b[4] = d->media_event;
        b[5] = (uint8_t)((d->tray_open ? 0x01 : 0) | (d->blk && !d->tray_open ? 0x02 : 0));
        d->media_event = MEC_NONE;
        len = 8;
    } else {
        b[2] = 0x80;                /* no event available */
        len = 4;
    }
    be16(b, len - 4);               /* the data after the 4-byte header */
    reply(d, len, get16(cdb + 7));
}

/* The mode pages (MMC-3's mode parameters): read/write error recovery (01h), CD audio
 * control (0Eh), capabilities and mechanical status (2Ah).  With
 * `changeable` the parameters read as zero: nothing can be changed (MODE
 * SELECT is not supported). */
static unsigned mode_page(const struct ide_drive *d, unsigned code, bool changeable,
                          uint8_t *p)
{
    unsigned len;
    switch (code) {
    case 0x01:
        len = 12;
        memset(p, 0, len);
        p[3] = 5;                   /* read retry count */
        break;
    case 0x0E:
        len = 16;
        memset(p, 0, len);
        p[2] = 0x04;                /* immediate */
        p[8] = 0x01;                /* port 0: channel 0, full volume */
        p[9] = 0xFF;
        p[10] = 0x02;               /* port 1: channel 1 */
        p[11] = 0xFF;
        break;
    case 0x2A:                      /* as QEMU's (MMC-2 layout, 20 bytes) */
        len = 22;
        memset(p, 0, len);
        p[2] = 0x3B;                /* reads CD-R, CD-RW, DVD-ROM, DVD-R, DVD-RAM */
        p[4] = 0x71;                /* audio play, mode 2 forms, multisession */
        p[5] = 0x60;
        p[6] = (uint8_t)(0x29 | (d->tray_locked ? 0x02 : 0)); /* tray, eject, lock */
        be16(p + 8, 704);           /* maximum speed: 4x */
        be16(p + 10, 2);            /* volume levels */
        be16(p + 12, 512);          /* buffer, KiB */
        be16(p + 14, 704);          /* current speed */
        break;
    default:
        return 0;
    }
    p[0] = (uint8_t)code;
    p[1] = (uint8_t)(len - 2);
    if (changeable)
        memset(p + 2, 0, len - 2);
    return len;
}

/* MODE SENSE(6) and (10) (SPC-3): no block descriptors. */
static void cmd_mode_sense(struct ide_drive *d, const uint8_t *cdb)
{
    bool ten = cdb[0] == 0x5A;
    unsigned pc = cdb[2] >> 6, code = cdb[2] & 0x3F;
    unsigned alloc = ten ? get16(cdb + 7) : cdb[4];
    if (pc == 3) {
        atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_SAVING_NOT_SUPPORTED, 0);
        return;
    }
    if (cdb[3]) {                   /* subpages: none */
        invalid_field(d);
        return;
    }
    uint8_t *b = d->buf;
    unsigned hdr = ten ? 8 : 4, len = hdr;
    memset(b, 0, hdr);
    if (code == 0x3F) {
        static const uint8_t all[] = { 0x01, 0x0E, 0x2A };
        for (unsigned i = 0; i < sizeof(all); i++)
            len += mode_page(d, all[i], pc == 1, b + len);
    } else {
        unsigned n = mode_page(d, code, pc == 1, b + len);
        if (!n) {
            invalid_field(d);
            return;
        }
        len += n;
    }
    if (ten)
        be16(b, len - 2);
    else
        b[0] = (uint8_t)(len - 1);
    reply(d, len, alloc);
}

/* READ DISC INFORMATION (MMC-3): a finalized one-session disc. */
static void cmd_read_disc_info(struct ide_drive *d, const uint8_t *cdb)
{
    if (cdb[1] & 7) {
        invalid_field(d);
        return;
    }
    uint8_t *b = d->buf;
    memset(b, 0, 34);
    b[1] = 32;
    b[2] = 0x0E;                    /* last session complete, disc finalized */
    b[3] = 1;                       /* first track */
    b[4] = 1;                       /* sessions */
    b[5] = 1;                       /* first track of the last session */
    b[6] = 1;                       /* last track of the last session */
    b[7] = 0x20;                    /* unrestricted use */
    b[8] = 0x00;                    /* CD-DA or CD-ROM */
    reply(d, 34, get16(cdb + 7));
}

/* MECHANISM STATUS (MMC-3): no changer; the door bit. */
static void cmd_mechanism_status(struct ide_drive *d, const uint8_t *cdb)
{
    uint8_t *b = d->buf;
    memset(b, 0, 8);
    b[1] = d->tray_open ? 0x10 : 0;
    b[5] = 1;                       /* slots (QEMU) */
    reply(d, 8, get16(cdb + 8));
}

static void cmd_prevent_allow(struct ide_drive *d, const uint8_t *cdb)
{
    d->tray_locked = cdb[4] & 1;
    atapi_ok(d);
}

/* START STOP UNIT (MMC-3): LoEj opens or closes the tray; a locked
 * tray stays shut (ILLEGAL REQUEST / MEDIUM REMOVAL PREVENTED).  A power
 * condition is accepted and does nothing else (QEMU). */
static void cmd_start_stop(struct ide_drive *d, const uint8_t *cdb)
{
    bool start = cdb[4] & 1, loej = cdb[4] & 2;
    if ((cdb[4] & 0xF0) || !loej) {
        atapi_ok(d);
        return;
    }
    if (!start && !d->tray_open && d->tray_locked) {
        atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_MEDIA_REMOVAL_PREVENTED, 0x02);
        return;
    }
    if (start && d->tray_open) {
        /* The disc on the tray comes back in: as a new medium. */
        d->tray_open = false;
        if (d->blk) {
            d->media_event = MEC_NEW_MEDIA;
            d->media_step = 2;
        }
    } else if (!start && !d->tray_open) {
        d->tray_open = true;
        if (d->blk)
            d->media_event = MEC_MEDIA_REMOVAL;
        d->media_step = 0;
    }
    atapi_ok(d);
}

static void cmd_ok(struct ide_drive *d, const uint8_t *cdb)
{
    (void)cdb;
    atapi_ok(d);                    /* SET CD SPEED: any speed is fine */
}

enum {
    ALLOW_UA = 1,       /* runs while a unit attention is pending (MMC-5 4.1.6.1, as QEMU cites it) */
    CHECK_READY = 2,    /* needs a medium (MMC-5 4.1.8, as QEMU cites it) */
    NONDATA = 4,        /* never transfers data: any byte count limit */
    CONDDATA = 8,       /* checks the byte count limit itself */
};

static const struct {
    void (*fn)(struct ide_drive *d, const uint8_t *cdb);
    uint8_t flags;
} atapi_cmds[256] = {
    [0x00] = { cmd_test_unit_ready, CHECK_READY | NONDATA },
    [0x03] = { cmd_request_sense, ALLOW_UA },
    [0x12] = { cmd_inquiry, ALLOW_UA },
    [0x1A] = { cmd_mode_sense, 0 },
    [0x1B] = { cmd_start_stop, NONDATA },
    [0x1E] = { cmd_prevent_allow, NONDATA },
    [0x25] = { cmd_read_capacity, CHECK_READY },
    [0x28] = { cmd_read, CHECK_READY },
    [0x2B] = { cmd_seek, CHECK_READY | NONDATA },
    [0x43] = { cmd_read_toc, CHECK_READY },
    [0x46] = { cmd_get_configuration, ALLOW_UA },
    [0x4A] = { cmd_gesn, ALLOW_UA },
    [0x51] = { cmd_read_disc_info, CHECK_READY },
    [0x5A] = { cmd_mode_sense, 0 },
    [0xA8] = { cmd_read, CHECK_READY },
    [0xBB] = { cmd_ok, NONDATA },
    [0xBD] = { cmd_mechanism_status, 0 },
    [0xBE] = { cmd_read_cd, CHECK_READY | CONDDATA },
};

void atapi_packet(struct ide_drive *d)
{
    uint8_t cdb[12];
    memcpy(cdb, d->buf, sizeof(cdb));
    unsigned flags = atapi_cmds[cdb[0]].flags;
    /* After a medium change: first "not present" (the tray was open), then
     * a unit attention (QEMU's sequence, for hosts that do not poll
     * GESN). */
    if (!(flags & ALLOW_UA) && medium_present(d) && d->media_step) {
        if (d->media_step == 1) {
            d->media_step = 2;
            atapi_error(d, SENSE_NOT_READY, ASC_MEDIUM_NOT_PRESENT, 0);
        } else {
            d->media_step = 0;
            atapi_error(d, SENSE_UNIT_ATTENTION, ASC_MEDIUM_MAY_HAVE_CHANGED, 0);
        }
        return;
    }
    if ((flags & CHECK_READY) && !medium_present(d)) {
        not_present(d);
        return;
    }
    /* A PIO command with data and a byte count limit of 0 is aborted at
     * the ATA level (ATA8-ACS 7.17.6.49, as QEMU). */
    if (atapi_cmds[cdb[0]].fn && !(flags & (NONDATA | CONDDATA)) && !d->atapi_dma &&
        ((unsigned)d->hcyl << 8 | d->lcyl) == 0) {
        ide_abort(d, ATA_ER_ABRT);
        ide_raise_irq(ide_channel_of(d));
        return;
    }
    if (!atapi_cmds[cdb[0]].fn) {
        atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_OPCODE, 0);
        return;
    }
    atapi_cmds[cdb[0]].fn(d, cdb);
}

void atapi_medium_changed(struct ide_drive *d, bool inserted)
{
    if (inserted) {
        d->tray_open = false;
        d->media_event = MEC_NEW_MEDIA;
        d->media_step = 1;
    } else {
        d->tray_open = true;
        d->media_event = MEC_MEDIA_REMOVAL;
        d->media_step = 0;
    }
}
