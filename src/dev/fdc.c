/* The 82077AA floppy disk controller; see fdc.h. */
#include "dev/fdc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block/block.h"

/* --- media ---------------------------------------------------------------
 * QEMU's table of diskette formats (hw/block/fdc.c, fd_formats), in its
 * order, which decides between formats of the same size. */
static const struct fdc_geometry formats[] = {
    /* 1.44 MB 3.5" */
    { 18, 80, 2, FDC_RATE_500K, FDC_DRIVE_144 }, { 20, 80, 2, FDC_RATE_500K, FDC_DRIVE_144 },
    { 21, 80, 2, FDC_RATE_500K, FDC_DRIVE_144 }, { 21, 82, 2, FDC_RATE_500K, FDC_DRIVE_144 },
    { 21, 83, 2, FDC_RATE_500K, FDC_DRIVE_144 }, { 22, 80, 2, FDC_RATE_500K, FDC_DRIVE_144 },
    { 23, 80, 2, FDC_RATE_500K, FDC_DRIVE_144 }, { 24, 80, 2, FDC_RATE_500K, FDC_DRIVE_144 },
    /* 2.88 MB 3.5" */
    { 36, 80, 2, FDC_RATE_1M, FDC_DRIVE_288 }, { 39, 80, 2, FDC_RATE_1M, FDC_DRIVE_288 },
    { 40, 80, 2, FDC_RATE_1M, FDC_DRIVE_288 }, { 44, 80, 2, FDC_RATE_1M, FDC_DRIVE_288 },
    { 48, 80, 2, FDC_RATE_1M, FDC_DRIVE_288 },
    /* 720 KB 3.5" */
    { 9, 80, 2, FDC_RATE_250K, FDC_DRIVE_144 }, { 10, 80, 2, FDC_RATE_250K, FDC_DRIVE_144 },
    { 10, 82, 2, FDC_RATE_250K, FDC_DRIVE_144 }, { 10, 83, 2, FDC_RATE_250K, FDC_DRIVE_144 },
    { 13, 80, 2, FDC_RATE_250K, FDC_DRIVE_144 }, { 14, 80, 2, FDC_RATE_250K, FDC_DRIVE_144 },
    /* 1.2 MB 5.25" */
    { 15, 80, 2, FDC_RATE_500K, FDC_DRIVE_120 }, { 18, 80, 2, FDC_RATE_500K, FDC_DRIVE_120 },
    { 18, 82, 2, FDC_RATE_500K, FDC_DRIVE_120 }, { 18, 83, 2, FDC_RATE_500K, FDC_DRIVE_120 },
    { 20, 80, 2, FDC_RATE_500K, FDC_DRIVE_120 },
    /* 720 KB 5.25" */
    { 9, 80, 2, FDC_RATE_250K, FDC_DRIVE_120 }, { 11, 80, 2, FDC_RATE_250K, FDC_DRIVE_120 },
    /* 360 KB 5.25" (and 180 KB single-sided) */
    { 9, 40, 2, FDC_RATE_300K, FDC_DRIVE_120 }, { 9, 40, 1, FDC_RATE_300K, FDC_DRIVE_120 },
    { 10, 41, 2, FDC_RATE_300K, FDC_DRIVE_120 }, { 10, 42, 2, FDC_RATE_300K, FDC_DRIVE_120 },
    /* 320 KB 5.25" (and 160 KB single-sided) */
    { 8, 40, 2, FDC_RATE_250K, FDC_DRIVE_120 }, { 8, 40, 1, FDC_RATE_250K, FDC_DRIVE_120 },
    /* 360 KB 3.5" single-sided */
    { 9, 80, 1, FDC_RATE_250K, FDC_DRIVE_144 },
};

/* The type QEMU's pc machine gives a drive it cannot tell ("fallback"). */
#define FALLBACK_DRIVE FDC_DRIVE_288

static int diskette_size(enum fdc_drive_type t)
{
    return t == FDC_DRIVE_120 ? 525 : (t == FDC_DRIVE_144 || t == FDC_DRIVE_288) ? 350 : 0;
}

bool fdc_geometry_for(uint64_t bytes, enum fdc_drive_type drive, struct fdc_geometry *g)
{
    bool any = drive == FDC_DRIVE_NONE;
    enum fdc_drive_type want = any ? FALLBACK_DRIVE : drive;
    int same_size = -1, of_type = -1;
    for (unsigned i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        const struct fdc_geometry *e = &formats[i];
        uint64_t size = (uint64_t)e->sectors * e->tracks * e->heads * FDC_SECTOR;
        if (bytes == size) {
            if (any || e->drive == drive) {
                *g = *e;
                return true;
            }
            if (same_size < 0 && diskette_size(e->drive) == diskette_size(drive))
                same_size = (int)i;
        } else if (of_type < 0 && e->drive == want) {
            of_type = (int)i;
        }
    }
    *g = formats[same_size >= 0 ? same_size : of_type];
    return same_size >= 0;
}

/* --- commands ------------------------------------------------------------ */

enum xop {
    X_NONE, X_READ, X_READ_DELETED, X_READ_TRACK, X_WRITE, X_VERIFY, X_FORMAT,
};

enum cmd_id {
    C_INVALID, C_READ, C_READ_DELETED, C_WRITE, C_WRITE_DELETED, C_READ_TRACK, C_VERIFY,
    C_READ_ID, C_FORMAT, C_RECALIBRATE, C_SENSE_INT, C_SPECIFY, C_SENSE_DRIVE, C_SEEK,
    C_RELATIVE_SEEK, C_CONFIGURE, C_PERPENDICULAR, C_LOCK, C_DUMPREG, C_VERSION,
};

/* Command codes (data sheet table 5-1): the bits under `mask` name the
 * command, the others are MT (0x80), MFM (0x40), SK (0x20), LOCK or DIR. */
static const struct cmd_def {
    uint8_t value, mask, len;    /* len: bytes including the command */
    uint8_t id;
} cmds[] = {
    { 0x06, 0x1F, 9, C_READ },          { 0x0C, 0x1F, 9, C_READ_DELETED },
    { 0x05, 0x3F, 9, C_WRITE },         { 0x09, 0x3F, 9, C_WRITE_DELETED },
    { 0x02, 0xBF, 9, C_READ_TRACK },    { 0x16, 0x1F, 9, C_VERIFY },
    { 0x0A, 0xBF, 2, C_READ_ID },       { 0x0D, 0xBF, 6, C_FORMAT },
    { 0x07, 0xFF, 2, C_RECALIBRATE },   { 0x08, 0xFF, 1, C_SENSE_INT },
    { 0x03, 0xFF, 3, C_SPECIFY },       { 0x04, 0xFF, 2, C_SENSE_DRIVE },
    { 0x0F, 0xFF, 3, C_SEEK },          { 0x8F, 0xBF, 3, C_RELATIVE_SEEK },
    { 0x13, 0xFF, 4, C_CONFIGURE },     { 0x12, 0xFF, 2, C_PERPENDICULAR },
    { 0x14, 0x7F, 1, C_LOCK },          { 0x0E, 0xFF, 1, C_DUMPREG },
    { 0x10, 0xFF, 1, C_VERSION },
};

static const struct cmd_def invalid_cmd = { 0, 0, 1, C_INVALID };

static const struct cmd_def *decode(uint8_t b)
{
    for (unsigned i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if ((b & cmds[i].mask) == cmds[i].value)
            return &cmds[i];
    return &invalid_cmd;
}

#define CMD_MT 0x80
#define CMD_MFM 0x40
#define CMD_SK 0x20

/* --- lines ---------------------------------------------------------------
 * INT and DRQ leave the chip only while DOR's DMAGATE is set (PC-AT mode). */

static bool gate(const struct fdc *f)
{
    return f->dor & FDC_DOR_DMAGATE;
}

static bool int_pending(const struct fdc *f)
{
    return f->int_result || f->int_pio || f->seek_done || f->reset_sense;
}

static void update_irq(struct fdc *f)
{
    bool level = int_pending(f) && gate(f);
    if (level != f->irq_level) {
        f->irq_level = level;
        irq_pin_set(&f->irq, level);
    }
}

/* Raising DRQ may run the whole transfer (the DMA controller calls
 * fdc_dma_service) before this returns. */
static void update_dreq(struct fdc *f)
{
    bool level = f->x.dreq && gate(f) && f->dma;
    if (level != f->dreq_level) {
        f->dreq_level = level;
        dma8237_set_dreq(f->dma, f->dma_ch, level);
    }
}

/* The drive DOR selects, or NULL when none is attached there. */
static struct fdc_drive *selected(struct fdc *f)
{
    unsigned i = f->dor & FDC_DOR_SEL;
    return i < FDC_DRIVES && f->drv[i].present ? &f->drv[i] : NULL;
}

/* --- phases -------------------------------------------------------------- */

static void to_command(struct fdc *f)
{
    f->phase = FDC_PH_COMMAND;
    f->cmd_pos = 0;
    f->cmd_len = 0;
    f->x = (struct fdc_exec){ 0 };
}

static void to_result(struct fdc *f, unsigned n, bool irq)
{
    f->phase = FDC_PH_RESULT;
    f->res_pos = 0;
    f->res_len = (uint8_t)n;
    bool dreq = f->x.dreq;
    f->x = (struct fdc_exec){ 0 };
    f->int_pio = false;
    if (irq)
        f->int_result = true;
    update_irq(f);
    if (dreq)
        update_dreq(f);
}

/* Ends a data command with the gathered status, `st0` (IC and EC bits),
 * ST1 and ST2 and the ID in x: seven result bytes and an interrupt. */
static void end_xfer(struct fdc *f, uint8_t st0, uint8_t st1, uint8_t st2)
{
    struct fdc_exec *x = &f->x;
    f->res[0] = (uint8_t)(x->st0 | st0 | x->head << 2 | x->ds);
    f->res[1] = st1;
    f->res[2] = (uint8_t)(x->st2 | st2);
    f->res[3] = x->c;
    f->res[4] = x->h;
    f->res[5] = x->r;
    f->res[6] = x->n;
    to_result(f, 7, true);
}

/* The ID after the last sector done (data sheet table 5-6): R + 1 within
 * the track; at its end sector 1 of the next side (MT on side 0) or of the
 * next cylinder, with H's low bit flipped under MT. */
static bool track_end(const struct fdc *f, const struct fdc_drive *d)
{
    return f->x.r == f->x.eot || f->x.r >= d->geo.sectors;
}

static void next_id(struct fdc *f, const struct fdc_drive *d)
{
    struct fdc_exec *x = &f->x;
    if (!track_end(f, d)) {
        x->r++;
        return;
    }
    x->r = 1;
    if (x->mt)
        x->h ^= 1;
    if (!x->mt || x->head == 1)
        x->c++;
}

/* --- the medium ----------------------------------------------------------- */

/* Whether the side under `head` of the drive's current cylinder can be
 * read now: a diskette, the right data rate, MFM, a formatted track. */
static bool track_readable(const struct fdc *f, const struct fdc_drive *d, unsigned head,
                           bool mfm)
{
    return d && d->medium && mfm && (f->dsr & 3) == d->geo.rate && d->cyl < d->geo.tracks &&
           head < d->geo.heads;
}

static uint64_t sector_offset(const struct fdc_drive *d, unsigned head, unsigned r)
{
    return (((uint64_t)d->cyl * d->geo.heads + head) * d->geo.sectors + r - 1) * FDC_SECTOR;
}

/* The drive a command in its execution phase works on: present, with a
 * diskette (checked when the phase began; fdc_change_media ends the
 * command when the diskette goes). */
static struct fdc_drive *xdrive(struct fdc *f)
{
    return &f->drv[f->x.drive];
}

/* Looks for the sector x names on the current track.  0 when found;
 * otherwise the command has ended with the error and -1 is returned. */
static int find_sector(struct fdc *f, struct fdc_drive *d)
{
    struct fdc_exec *x = &f->x;
    if (!track_readable(f, d, x->head, true)) {
        end_xfer(f, FDC_ST0_ABNORMAL, FDC_ST1_MA, 0);
        return -1;
    }
    bool wrong_cyl = x->c != d->cyl;
    if (wrong_cyl || x->h != x->head || x->n != 2 || x->r < 1 || x->r > d->geo.sectors ||
        sector_offset(d, x->head, x->r) + FDC_SECTOR > block_length(d->medium)) {
        end_xfer(f, FDC_ST0_ABNORMAL, FDC_ST1_ND, wrong_cyl ? FDC_ST2_WC : 0);
        return -1;
    }
    d->next_sector = (uint8_t)(x->r % d->geo.sectors + 1);
    return 0;
}

/* READ TRACK: the sectors in their order on the track from the index,
 * whatever their IDs; ND at the end unless one matched C, H, R, N. */
static int find_track_sector(struct fdc *f, struct fdc_drive *d, unsigned *phys)
{
    struct fdc_exec *x = &f->x;
    *phys = (unsigned)(x->eot - x->count + 1);
    if (!track_readable(f, d, x->head, true)) {
        end_xfer(f, FDC_ST0_ABNORMAL, FDC_ST1_MA, 0);
        return -1;
    }
    if (sector_offset(d, x->head, *phys) + FDC_SECTOR > block_length(d->medium)) {
        end_xfer(f, FDC_ST0_ABNORMAL, FDC_ST1_ND, 0);
        return -1;
    }
    if (x->c == d->cyl && x->h == x->head && x->n == 2 && x->r == *phys)
        x->matched = true;
    return 0;
}

/* The sector after a finished one (`tc`: terminal count came during it).
 * Either the command ends here or x names the next sector. */
static void sector_done(struct fdc *f, bool tc)
{
    struct fdc_exec *x = &f->x;
    struct fdc_drive *d = xdrive(f);
    x->ready = false;
    x->pos = 0;
    if (x->op == X_READ_TRACK) {
        unsigned phys = (unsigned)(x->eot - x->count + 1);
        if (--x->count == 0 || tc) {
            bool matched = x->matched;
            x->r = (uint8_t)phys;
            next_id(f, d);
            end_xfer(f, 0, matched ? 0 : FDC_ST1_ND, 0);
        }
        return;
    }
    if (x->op == X_VERIFY && x->ec && --x->count == 0)
        tc = true;
    if (tc) {
        next_id(f, d);
        end_xfer(f, 0, 0, 0);
        return;
    }
    if (track_end(f, d)) {
        if (x->mt && x->head == 0) {
            x->head = 1;
            x->h ^= 1;
            x->r = 1;
            return;
        }
        next_id(f, d);
        /* VERIFY without EC ends at EOT by design (table 5-7). */
        if (x->op == X_VERIFY && !x->ec)
            end_xfer(f, 0, 0, 0);
        else
            end_xfer(f, FDC_ST0_ABNORMAL, FDC_ST1_EN, 0);
        return;
    }
    x->r++;
}

/* Makes the next sector ready for the data phase: reads it into buf for
 * reads, finds it for writes; skips what SK skips; VERIFY checks every
 * sector here.  Returns 0 when ready, -1 when the command ended. */
static int prepare(struct fdc *f)
{
    struct fdc_exec *x = &f->x;
    while (f->phase == FDC_PH_EXEC && !x->ready) {
        struct fdc_drive *d = xdrive(f);
        unsigned r = x->r;
        if (x->op == X_FORMAT) {
            x->ready = true;
            break;
        }
        if (x->op == X_READ_TRACK ? find_track_sector(f, d, &r) < 0 : find_sector(f, d) < 0)
            return -1;
        if (x->op == X_WRITE) {
            x->ready = true;
            break;
        }
        if (x->op == X_READ_DELETED) {
            /* Every sector of a raw image has a normal data mark: with SK
             * it is skipped, without it is read and the command stops
             * there (data sheet table 5-5). */
            x->st2 |= FDC_ST2_CM;
            if (x->sk) {
                sector_done(f, false);
                continue;
            }
        }
        if (block_read(d->medium, sector_offset(d, x->head, r), f->buf, FDC_SECTOR) < 0) {
            end_xfer(f, FDC_ST0_ABNORMAL, FDC_ST1_DE, FDC_ST2_DD);
            return -1;
        }
        if (x->op == X_VERIFY) {
            sector_done(f, false);
            continue;
        }
        x->ready = true;
    }
    return f->phase == FDC_PH_EXEC ? 0 : -1;
}

/* After the data of a read sector has gone: the next one, or the end. */
static void read_done(struct fdc *f, bool tc)
{
    if (f->x.op == X_READ_DELETED && !f->x.sk) {
        end_xfer(f, 0, 0, 0);      /* "address not incremented" */
        return;
    }
    sector_done(f, tc);
}

/* Writes buf to the sector x names; then the next one, or the end. */
static void write_done(struct fdc *f, bool tc)
{
    struct fdc_drive *d = xdrive(f);
    struct fdc_exec *x = &f->x;
    int rc = block_write(d->medium, sector_offset(d, x->head, x->r), f->buf, FDC_SECTOR);
    if (rc == -EROFS) {
        end_xfer(f, FDC_ST0_ABNORMAL, FDC_ST1_NW, 0);
        return;
    }
    if (rc < 0) {
        end_xfer(f, FDC_ST0_ABNORMAL | FDC_ST0_EC, 0, 0);
        return;
    }
    sector_done(f, tc);
}

/* One 4-byte ID of FORMAT TRACK has arrived: the next physical sector is
 * filled with D.  The result's C, H, R, N are undefined in the data sheet;
 * these are the last ID given. */
static void format_done(struct fdc *f, bool tc)
{
    struct fdc_drive *d = xdrive(f);
    struct fdc_exec *x = &f->x;
    unsigned slot = (unsigned)(d->geo.sectors - x->count + 1);
    memset(f->buf, x->fill, FDC_SECTOR);
    x->c = f->id[0];
    x->h = f->id[1];
    x->r = f->id[2];
    x->n = f->id[3];
    x->pos = 0;
    int rc = block_write(d->medium, sector_offset(d, x->head, slot), f->buf, FDC_SECTOR);
    if (rc < 0) {
        end_xfer(f, FDC_ST0_ABNORMAL | (rc == -EROFS ? 0 : FDC_ST0_EC),
                 rc == -EROFS ? FDC_ST1_NW : 0, 0);
        return;
    }
    if (--x->count == 0 || tc)
        end_xfer(f, 0, 0, 0);
}

static bool is_read(uint8_t op)
{
    return op == X_READ || op == X_READ_DELETED || op == X_READ_TRACK;
}

/* --- DMA ------------------------------------------------------------------
 * Called by the DMA controller while DRQ is high and channel 2 can move
 * data: moves sectors until TC, the end of the command, or a channel that
 * stops (masked meanwhile: the rest waits for the next call). */
static void fdc_dma_service(void *opaque, unsigned ch)
{
    struct fdc *f = opaque;
    struct fdc_exec *x = &f->x;
    while (f->phase == FDC_PH_EXEC && x->dreq && !x->pio) {
        if (prepare(f) < 0)
            return;
        bool tc = false;
        size_t want, n;
        if (x->op == X_FORMAT) {
            want = 4u - x->pos;
            if (dma8237_direction(f->dma, ch) != DMA8237_FROM_MEMORY)
                memset(f->id + x->pos, 0xFF, want);   /* an undriven bus */
            n = dma8237_transfer(f->dma, ch, f->id + x->pos, want, &tc);
            x->pos = (uint16_t)(x->pos + n);
            if (x->pos == 4 || tc) {
                format_done(f, tc);
                continue;
            }
        } else if (is_read(x->op)) {
            want = FDC_SECTOR - x->pos;
            n = dma8237_transfer(f->dma, ch, f->buf + x->pos, want, &tc);
            x->pos = (uint16_t)(x->pos + n);
            if (x->pos == FDC_SECTOR || tc) {
                read_done(f, tc);
                continue;
            }
        } else {
            want = FDC_SECTOR - x->pos;
            if (dma8237_direction(f->dma, ch) != DMA8237_FROM_MEMORY)
                memset(f->buf + x->pos, 0xFF, want);
            n = dma8237_transfer(f->dma, ch, f->buf + x->pos, want, &tc);
            x->pos = (uint16_t)(x->pos + n);
            if (tc && x->pos < FDC_SECTOR) {
                /* TC within a sector: the rest is written as zeros. */
                memset(f->buf + x->pos, 0, FDC_SECTOR - x->pos);
                x->pos = FDC_SECTOR;
            }
            if (x->pos == FDC_SECTOR) {
                write_done(f, tc);
                continue;
            }
        }
        if (n == 0)
            return;
    }
}

/* --- non-DMA data phase ---------------------------------------------------
 * The FIFO moves one byte per access; INT asks for each (it drops at the
 * access and rises again while the phase goes on). */

static void pio_next(struct fdc *f)
{
    if (f->phase == FDC_PH_EXEC && prepare(f) == 0) {
        f->int_pio = true;
        update_irq(f);
    }
}

/* The access takes the byte's interrupt down first, so that the next
 * request (another byte, or the result phase) is a new edge. */
static void pio_ack(struct fdc *f)
{
    f->int_pio = false;
    update_irq(f);
}

static uint8_t pio_read(struct fdc *f)
{
    struct fdc_exec *x = &f->x;
    if (!is_read(x->op) || !x->ready)
        return 0;
    pio_ack(f);
    uint8_t v = f->buf[x->pos++];
    if (x->pos == FDC_SECTOR)
        read_done(f, false);
    pio_next(f);
    return v;
}

static void pio_write(struct fdc *f, uint8_t v)
{
    struct fdc_exec *x = &f->x;
    if (is_read(x->op) || !x->ready)
        return;
    pio_ack(f);
    if (x->op == X_FORMAT) {
        f->id[x->pos++] = v;
        if (x->pos == 4)
            format_done(f, false);
    } else {
        f->buf[x->pos++] = v;
        if (x->pos == FDC_SECTOR)
            write_done(f, false);
    }
    pio_next(f);
}

/* --- command execution ---------------------------------------------------- */

/* Moves the selected drive's head `steps` cylinders (negative: out), as
 * far as the mechanism goes; a step with a diskette in clears the disk
 * change line. */
static void step(struct fdc_drive *d, int steps)
{
    if (!d || steps == 0)
        return;
    int cyl = d->cyl + steps;
    cyl = cyl < 0 ? 0 : cyl > 255 ? 255 : cyl;
    if (cyl != d->cyl && d->medium)
        d->changed = false;
    d->cyl = (uint8_t)cyl;
}

/* A SEEK or RECALIBRATE has ended: its status waits for SENSE INTERRUPT
 * STATUS, and the drive reads busy until then. */
static void seek_end(struct fdc *f, unsigned ds, uint8_t st0)
{
    f->seek_st0[ds] = (uint8_t)(st0 | ds);
    f->seek_done |= (uint8_t)(1u << ds);
    f->busy |= (uint8_t)(1u << ds);
    to_command(f);
    update_irq(f);
}

/* The start of an execution phase on the drive DOR selects: a command
 * that finds no drive, no diskette, the wrong data rate or FM instead of
 * MFM, or an unformatted track (a cylinder or side the medium does not
 * have) ends at once with ST1 MA.  0 when the phase goes on. */
static int begin_exec(struct fdc *f, bool mfm)
{
    struct fdc_exec *x = &f->x;
    struct fdc_drive *d = selected(f);
    x->drive = f->dor & FDC_DOR_SEL;
    f->phase = FDC_PH_EXEC;
    if (!track_readable(f, d, x->head, mfm)) {
        end_xfer(f, FDC_ST0_ABNORMAL, FDC_ST1_MA, 0);
        return -1;
    }
    return 0;
}

/* The data phase proper: by DMA, or through the FIFO without. */
static void begin_data(struct fdc *f)
{
    if (f->x.pio) {
        pio_next(f);
    } else {
        f->x.dreq = true;
        update_dreq(f);
    }
}

/* READ, WRITE, VERIFY, READ TRACK and their kin (data sheet 5.1). */
static void start_data(struct fdc *f, enum cmd_id id)
{
    struct fdc_exec *x = &f->x;
    const uint8_t *c = f->cmd;
    *x = (struct fdc_exec){
        .ds = c[1] & 3, .head = (c[1] >> 2) & 1, .c = c[2], .h = c[3], .r = c[4], .n = c[5],
        .eot = c[6], .mt = c[0] & CMD_MT, .sk = c[0] & CMD_SK, .ec = c[1] & 0x80,
        .pio = f->spec2 & 1,
    };
    x->op = id == C_READ ? X_READ : id == C_READ_DELETED ? X_READ_DELETED
          : id == C_READ_TRACK ? X_READ_TRACK : id == C_VERIFY ? X_VERIFY : X_WRITE;
    f->sc_eot = x->eot;
    /* An implied seek (CONFIGURE EIS) to the command's cylinder. */
    if ((f->config & FDC_CFG_EIS) && x->c != f->pcn[x->ds]) {
        step(selected(f), x->c - f->pcn[x->ds]);
        f->pcn[x->ds] = x->c;
        x->st0 |= FDC_ST0_SE;
    }
    if (begin_exec(f, c[0] & CMD_MFM) < 0)
        return;
    struct fdc_drive *d = xdrive(f);
    if (x->op == X_WRITE && block_is_read_only(d->medium)) {
        end_xfer(f, FDC_ST0_ABNORMAL, FDC_ST1_NW, 0);
        return;
    }
    if (x->op == X_READ_TRACK) {
        /* EOT sectors from the index (no further than the track goes). */
        x->eot = x->eot == 0 ? 1 : x->eot > d->geo.sectors ? d->geo.sectors : x->eot;
        x->count = x->eot;
    }
    if (x->op == X_VERIFY) {
        x->count = c[8] ? c[8] : 256;   /* SC; 0 verifies 256 sectors */
        prepare(f);                     /* no data moves: all of it now */
        return;
    }
    begin_data(f);
}

static void start_format(struct fdc *f)
{
    struct fdc_exec *x = &f->x;
    const uint8_t *c = f->cmd;
    *x = (struct fdc_exec){
        .op = X_FORMAT, .ds = c[1] & 3, .head = (c[1] >> 2) & 1, .n = c[2],
        .count = c[3], .fill = c[5], .pio = f->spec2 & 1,
    };
    f->sc_eot = c[3];
    struct fdc_drive *sel = selected(f);
    x->c = sel ? sel->cyl : 0;
    x->h = x->head;
    x->r = 1;
    if (begin_exec(f, c[0] & CMD_MFM) < 0)
        return;
    struct fdc_drive *d = xdrive(f);
    if (block_is_read_only(d->medium)) {
        end_xfer(f, FDC_ST0_ABNORMAL, FDC_ST1_NW, 0);
        return;
    }
    /* A raw image keeps one format: 512-byte sectors, as many as it has. */
    if (c[2] != 2 || c[3] != d->geo.sectors ||
        sector_offset(d, x->head, d->geo.sectors) + FDC_SECTOR > block_length(d->medium)) {
        end_xfer(f, FDC_ST0_ABNORMAL | FDC_ST0_EC, 0, 0);
        return;
    }
    begin_data(f);
}

static void do_read_id(struct fdc *f)
{
    struct fdc_exec *x = &f->x;
    *x = (struct fdc_exec){ .ds = f->cmd[1] & 3, .head = (f->cmd[1] >> 2) & 1, .n = 2 };
    if (begin_exec(f, f->cmd[0] & CMD_MFM) < 0)
        return;
    /* The first ID to pass under the head: the disk turns one sector on
     * at each READ ID. */
    struct fdc_drive *d = xdrive(f);
    if (d->next_sector < 1 || d->next_sector > d->geo.sectors)
        d->next_sector = 1;
    x->c = d->cyl;
    x->h = x->head;
    x->r = d->next_sector;
    d->next_sector = (uint8_t)(d->next_sector % d->geo.sectors + 1);
    end_xfer(f, 0, 0, 0);
}

static void do_recalibrate(struct fdc *f)
{
    unsigned ds = f->cmd[1] & 3;
    struct fdc_drive *d = selected(f);
    uint8_t st0 = FDC_ST0_SE;
    /* Up to 79 step pulses until the drive reports track 0. */
    if (d) {
        int steps = d->cyl < 79 ? d->cyl : 79;
        step(d, -steps);
    }
    if (!d || d->cyl != 0)
        st0 |= FDC_ST0_ABNORMAL | FDC_ST0_EC;
    f->pcn[ds] = 0;
    seek_end(f, ds, st0);
}

static void do_seek(struct fdc *f, enum cmd_id id)
{
    unsigned ds = f->cmd[1] & 3, hd = (f->cmd[1] >> 2) & 1;
    int target;
    if (id == C_SEEK) {
        target = f->cmd[2];
    } else if (f->cmd[0] & 0x40) {
        target = f->pcn[ds] + f->cmd[2];     /* DIR 1: in, toward the spindle */
    } else {
        target = f->pcn[ds] - f->cmd[2];
    }
    target = target < 0 ? 0 : target > 255 ? 255 : target;
    step(selected(f), target - f->pcn[ds]);
    f->pcn[ds] = (uint8_t)target;
    seek_end(f, ds, (uint8_t)(FDC_ST0_SE | hd << 2));
}

static void do_sense_int(struct fdc *f)
{
    unsigned ds;
    if (f->reset_sense) {
        /* After a reset the polling reports each drive's ready change. */
        ds = 4u - f->reset_sense;
        f->reset_sense--;
        f->res[0] = (uint8_t)(FDC_ST0_POLL | ds);
    } else if (f->seek_done) {
        for (ds = 0; !(f->seek_done & (1u << ds)); ds++)
            ;
        f->seek_done &= (uint8_t)~(1u << ds);
        f->busy &= (uint8_t)~(1u << ds);
        f->res[0] = f->seek_st0[ds];
    } else {
        f->res[0] = FDC_ST0_INVALID;   /* no interrupt pending */
        to_result(f, 1, false);
        return;
    }
    f->res[1] = f->pcn[ds];
    to_result(f, 2, false);
}

static void do_sense_drive(struct fdc *f)
{
    const struct fdc_drive *d = selected(f);
    uint8_t st3 = (uint8_t)(0x28 | (f->cmd[1] & (FDC_ST3_HD | FDC_ST3_DS)));
    /* No diskette reads as write protected, as QEMU has it. */
    if (d && (!d->medium || block_is_read_only(d->medium)))
        st3 |= FDC_ST3_WP;
    if (d && d->cyl == 0)
        st3 |= FDC_ST3_T0;
    f->res[0] = st3;
    to_result(f, 1, false);
}

static void do_dumpreg(struct fdc *f)
{
    for (unsigned i = 0; i < 4; i++)
        f->res[i] = f->pcn[i];
    f->res[4] = f->spec1;
    f->res[5] = f->spec2;
    f->res[6] = f->sc_eot;
    f->res[7] = (uint8_t)(f->lock << 7 | f->perp);
    f->res[8] = f->config;
    f->res[9] = f->pretrk;
    to_result(f, 10, false);
}

/* All command bytes are in: the execution phase. */
static void execute(struct fdc *f)
{
    const struct cmd_def *def = decode(f->cmd[0]);
    switch ((enum cmd_id)def->id) {
    case C_READ:
    case C_READ_DELETED:
    case C_WRITE:
    case C_WRITE_DELETED:
    case C_READ_TRACK:
    case C_VERIFY:
        start_data(f, (enum cmd_id)def->id);
        break;
    case C_FORMAT:
        start_format(f);
        break;
    case C_READ_ID:
        do_read_id(f);
        break;
    case C_RECALIBRATE:
        do_recalibrate(f);
        break;
    case C_SEEK:
    case C_RELATIVE_SEEK:
        do_seek(f, (enum cmd_id)def->id);
        break;
    case C_SENSE_INT:
        do_sense_int(f);
        break;
    case C_SENSE_DRIVE:
        do_sense_drive(f);
        break;
    case C_SPECIFY:
        f->spec1 = f->cmd[1];
        f->spec2 = f->cmd[2];
        to_command(f);
        break;
    case C_CONFIGURE:
        f->config = f->cmd[2] & 0x7F;
        f->pretrk = f->cmd[3];
        to_command(f);
        break;
    case C_PERPENDICULAR:
        /* OW set: the drive bits D3-D0 change; GAP and WGATE always. */
        if (f->cmd[1] & 0x80)
            f->perp = (uint8_t)(f->cmd[1] & 0x3F);
        else
            f->perp = (uint8_t)((f->perp & 0x3C) | (f->cmd[1] & 0x03));
        to_command(f);
        break;
    case C_LOCK:
        f->lock = f->cmd[0] & 0x80;
        f->res[0] = (uint8_t)(f->lock << 4);
        to_result(f, 1, false);
        break;
    case C_DUMPREG:
        do_dumpreg(f);
        break;
    case C_VERSION:
        f->res[0] = FDC_VERSION;
        to_result(f, 1, false);
        break;
    case C_INVALID:
        f->res[0] = FDC_ST0_INVALID;
        to_result(f, 1, false);
        break;
    }
}

static void fifo_write(struct fdc *f, uint8_t v)
{
    switch (f->phase) {
    case FDC_PH_COMMAND:
        if (f->cmd_pos == 0)
            f->cmd_len = decode(v)->len;
        f->cmd[f->cmd_pos++] = v;
        if (f->cmd_pos == f->cmd_len)
            execute(f);
        break;
    case FDC_PH_EXEC:
        if (f->x.pio)
            pio_write(f, v);
        break;
    case FDC_PH_RESULT:
        break;   /* RQM with DIO: the controller is not listening */
    }
}

static uint8_t fifo_read(struct fdc *f)
{
    switch (f->phase) {
    case FDC_PH_EXEC:
        return f->x.pio ? pio_read(f) : 0;
    case FDC_PH_RESULT: {
        uint8_t v = f->res[f->res_pos++];
        /* Reading the result clears its interrupt. */
        if (f->int_result) {
            f->int_result = false;
            update_irq(f);
        }
        if (f->res_pos >= f->res_len)
            to_command(f);
        return v;
    }
    case FDC_PH_COMMAND:
        break;
    }
    return 0;
}

static uint8_t msr(const struct fdc *f)
{
    if (!(f->dor & FDC_DOR_NRESET))
        return 0;
    uint8_t v = f->busy;
    switch (f->phase) {
    case FDC_PH_COMMAND:
        v |= FDC_MSR_RQM;
        if (f->cmd_pos)
            v |= FDC_MSR_CB;
        break;
    case FDC_PH_EXEC:
        v |= FDC_MSR_CB;
        if (f->x.pio && f->x.ready) {
            v |= FDC_MSR_RQM | FDC_MSR_NDMA;
            if (is_read(f->x.op))
                v |= FDC_MSR_DIO;
        }
        break;
    case FDC_PH_RESULT:
        v |= FDC_MSR_RQM | FDC_MSR_DIO | FDC_MSR_CB;
        break;
    }
    return v;
}

/* --- resets ----------------------------------------------------------------
 * A software reset (DOR bit 2 low, or DSR bit 7) stops any command and
 * clears the PCNs and statuses; CONFIGURE's EIS and POLL return to 0, and
 * its FIFO settings and PRETRK too unless LOCK is set.  SPECIFY, the data
 * rate and PERPENDICULAR MODE's drive bits stay. */
static void soft_reset(struct fdc *f)
{
    bool dreq = f->x.dreq;
    to_command(f);
    f->config = f->lock ? (uint8_t)(f->config & (FDC_CFG_EFIFO | FDC_CFG_FIFOTHR))
                        : FDC_CFG_EFIFO;
    if (!f->lock)
        f->pretrk = 0;
    f->perp &= 0x3C;
    memset(f->pcn, 0, sizeof(f->pcn));
    f->busy = 0;
    f->seek_done = 0;
    f->reset_sense = 0;
    f->int_result = false;
    f->int_pio = false;
    update_irq(f);
    if (dreq)
        update_dreq(f);
}

/* Leaving reset: with polling on (as reset leaves it), an interrupt whose
 * four SENSE INTERRUPT STATUS answers report each drive (section 7.4). */
static void leave_reset(struct fdc *f)
{
    if (!(f->config & FDC_CFG_POLL))
        f->reset_sense = 4;
    update_irq(f);
}

void fdc_reset(struct fdc *f)
{
    f->dor = 0;
    f->lock = false;
    soft_reset(f);
    f->tdr = 0;
    f->dsr = FDC_RATE_250K;
    f->spec1 = f->spec2 = 0;
    f->perp = 0;
    f->sc_eot = 0;
    update_irq(f);
    update_dreq(f);
}

static void dor_write(struct fdc *f, uint8_t v)
{
    uint8_t old = f->dor;
    f->dor = v;
    if ((old & FDC_DOR_NRESET) && !(v & FDC_DOR_NRESET))
        soft_reset(f);
    else if (!(old & FDC_DOR_NRESET) && (v & FDC_DOR_NRESET))
        leave_reset(f);
    update_irq(f);
    update_dreq(f);
}

static void dsr_write(struct fdc *f, uint8_t v)
{
    f->dsr = v & 0x7F;
    if (v & FDC_DSR_SWRESET) {
        soft_reset(f);
        leave_reset(f);
    }
}

/* --- ports ---------------------------------------------------------------- */

static uint8_t port_read(struct fdc *f, unsigned reg)
{
    const struct fdc_drive *d;
    switch (reg) {
    case 0: /* SRA: INT pending, second drive absent */
        return (uint8_t)((int_pending(f) ? 0x80 : 0) | (f->drv[1].present ? 0 : 0x40));
    case 1: /* SRB: motors 0 and 1, drive select bit 0 */
        return (uint8_t)(0xC0 | (f->dor >> 4 & 3) | (f->dor & 1) << 5);
    case 2:
        return f->dor;
    case 3:
        return f->tdr;
    case 4:
        return msr(f);
    case 5:
        return (f->dor & FDC_DOR_NRESET) ? fifo_read(f) : 0;
    case 7:
        d = selected(f);
        return d && (d->changed || !d->medium) ? FDC_DIR_DSKCHG : 0;
    default:
        return 0xFF;
    }
}

static void port_write(struct fdc *f, unsigned reg, uint8_t v)
{
    if (reg == 2) {
        dor_write(f, v);
        return;
    }
    if (!(f->dor & FDC_DOR_NRESET))
        return;   /* held in reset: only DOR listens */
    switch (reg) {
    case 3:
        f->tdr = v & 3;
        break;
    case 4:
        dsr_write(f, v);
        break;
    case 5:
        fifo_write(f, v);
        break;
    case 7: /* CCR: the data rate */
        f->dsr = (uint8_t)((f->dsr & ~3) | (v & 3));
        break;
    }
}

/* 0x3F0-0x3F5 and 0x3F7; accesses wider than a byte are split into byte
 * accesses, as the ISA bus does for an 8-bit device. */
static uint32_t fdc_in(void *opaque, uint16_t port, unsigned size)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)port_read(opaque, (uint16_t)(port + i) & 7) << (8 * i);
    return v;
}

static void fdc_out(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        port_write(opaque, (uint16_t)(port + i) & 7, (uint8_t)(value >> (8 * i)));
}

/* --- the device --------------------------------------------------------- */

static void fdc_dev_reset(struct device *dev)
{
    fdc_reset(container_of(dev, struct fdc, dev));
}

static void put_exec(struct state_out *out, const struct fdc_exec *x)
{
    state_put_u8(out, x->op);
    state_put_u8(out, x->drive);
    state_put_u8(out, x->ds);
    state_put_u8(out, x->head);
    state_put_u8(out, x->c);
    state_put_u8(out, x->h);
    state_put_u8(out, x->r);
    state_put_u8(out, x->n);
    state_put_u8(out, x->eot);
    state_put_bool(out, x->mt);
    state_put_bool(out, x->sk);
    state_put_bool(out, x->ec);
    state_put_bool(out, x->pio);
    state_put_bool(out, x->dreq);
    state_put_bool(out, x->ready);
    state_put_bool(out, x->matched);
    state_put_u8(out, x->st0);
    state_put_u8(out, x->st2);
    state_put_u16(out, x->count);
    state_put_u8(out, x->fill);
    state_put_u16(out, x->pos);
}

static void get_exec(struct state_in *in, struct fdc_exec *x)
{
    x->op = state_get_u8(in);
    x->drive = state_get_u8(in);
    x->ds = state_get_u8(in);
    x->head = state_get_u8(in);
    x->c = state_get_u8(in);
    x->h = state_get_u8(in);
    x->r = state_get_u8(in);
    x->n = state_get_u8(in);
    x->eot = state_get_u8(in);
    x->mt = state_get_bool(in);
    x->sk = state_get_bool(in);
    x->ec = state_get_bool(in);
    x->pio = state_get_bool(in);
    x->dreq = state_get_bool(in);
    x->ready = state_get_bool(in);
    x->matched = state_get_bool(in);
    x->st0 = state_get_u8(in);
    x->st2 = state_get_u8(in);
    x->count = state_get_u16(in);
    x->fill = state_get_u8(in);
    x->pos = state_get_u16(in);
}

/* The whole controller (mid-command too: the phase, the bytes so far, the
 * sector buffer) and each drive's head, READ ID position and change line;
 * each drive's medium is recorded by its geometry, so that a snapshot does
 * not load onto another diskette. */
static void fdc_save(const struct device *dev, struct state_out *out)
{
    const struct fdc *f = container_of(dev, const struct fdc, dev);
    state_put_u8(out, f->dor);
    state_put_u8(out, f->tdr);
    state_put_u8(out, f->dsr);
    state_put_u8(out, f->config);
    state_put_u8(out, f->pretrk);
    state_put_u8(out, f->perp);
    state_put_bool(out, f->lock);
    state_put_u8(out, f->spec1);
    state_put_u8(out, f->spec2);
    state_put_u8(out, f->sc_eot);
    state_put_bytes(out, f->pcn, sizeof(f->pcn));
    state_put_u8(out, f->busy);
    state_put_u8(out, f->seek_done);
    state_put_bytes(out, f->seek_st0, sizeof(f->seek_st0));
    state_put_u8(out, f->reset_sense);
    state_put_bool(out, f->int_result);
    state_put_bool(out, f->int_pio);
    state_put_bool(out, f->irq_level);
    state_put_bool(out, f->dreq_level);
    state_put_u8(out, (uint8_t)f->phase);
    state_put_bytes(out, f->cmd, sizeof(f->cmd));
    state_put_u8(out, f->cmd_pos);
    state_put_u8(out, f->cmd_len);
    state_put_bytes(out, f->res, sizeof(f->res));
    state_put_u8(out, f->res_pos);
    state_put_u8(out, f->res_len);
    put_exec(out, &f->x);
    state_put_bytes(out, f->buf, sizeof(f->buf));
    state_put_bytes(out, f->id, sizeof(f->id));
    for (unsigned i = 0; i < FDC_DRIVES; i++) {
        const struct fdc_drive *d = &f->drv[i];
        state_put_bool(out, d->present);
        state_put_bool(out, d->medium != NULL);
        state_put_u8(out, d->medium ? d->geo.sectors : 0);
        state_put_u8(out, d->medium ? d->geo.tracks : 0);
        state_put_u8(out, d->medium ? d->geo.heads : 0);
        state_put_u8(out, d->cyl);
        state_put_u8(out, d->next_sector);
        state_put_bool(out, d->changed);
    }
}

/* Whether loaded values keep every index and count in range. */
static bool exec_ok(const struct fdc *n)
{
    const struct fdc_exec *x = &n->x;
    if (n->phase != FDC_PH_EXEC)
        return x->op == X_NONE && !x->dreq;
    /* VERIFY and READ ID finish within the command's last byte. */
    if (x->op == X_NONE || x->op == X_VERIFY || x->op > X_FORMAT || x->ds > 3 ||
        x->head > 1 || x->drive >= FDC_DRIVES ||
        x->pos > (x->op == X_FORMAT ? 3 : FDC_SECTOR - 1))
        return false;
    /* Mid-transfer state needs the diskette it was working on. */
    const struct fdc_drive *d = &n->drv[x->drive];
    if (!d->present || !d->medium)
        return false;
    if (x->op == X_READ_TRACK && (x->count == 0 || x->count > x->eot))
        return false;
    if (x->op == X_FORMAT && (x->count == 0 || x->count > d->geo.sectors))
        return false;
    return true;
}

static int fdc_load(struct device *dev, struct state_in *in, bool commit)
{
    struct fdc *f = container_of(dev, struct fdc, dev);
    struct fdc *n = malloc(sizeof(*n));
    if (!n)
        return -1;
    *n = *f;
    n->dor = state_get_u8(in);
    n->tdr = state_get_u8(in);
    n->dsr = state_get_u8(in);
    n->config = state_get_u8(in);
    n->pretrk = state_get_u8(in);
    n->perp = state_get_u8(in);
    n->lock = state_get_bool(in);
    n->spec1 = state_get_u8(in);
    n->spec2 = state_get_u8(in);
    n->sc_eot = state_get_u8(in);
    state_get_bytes(in, n->pcn, sizeof(n->pcn));
    n->busy = state_get_u8(in);
    n->seek_done = state_get_u8(in);
    state_get_bytes(in, n->seek_st0, sizeof(n->seek_st0));
    n->reset_sense = state_get_u8(in);
    n->int_result = state_get_bool(in);
    n->int_pio = state_get_bool(in);
    n->irq_level = state_get_bool(in);
    n->dreq_level = state_get_bool(in);
    uint8_t phase = state_get_u8(in);
    state_get_bytes(in, n->cmd, sizeof(n->cmd));
    n->cmd_pos = state_get_u8(in);
    n->cmd_len = state_get_u8(in);
    state_get_bytes(in, n->res, sizeof(n->res));
    n->res_pos = state_get_u8(in);
    n->res_len = state_get_u8(in);
    get_exec(in, &n->x);
    state_get_bytes(in, n->buf, sizeof(n->buf));
    state_get_bytes(in, n->id, sizeof(n->id));
    for (unsigned i = 0; i < FDC_DRIVES; i++) {
        struct fdc_drive *d = &n->drv[i];
        bool present = state_get_bool(in), medium = state_get_bool(in);
        uint8_t spt = state_get_u8(in), tracks = state_get_u8(in), heads = state_get_u8(in);
        d->cyl = state_get_u8(in);
        d->next_sector = state_get_u8(in);
        d->changed = state_get_bool(in);
        if (present != d->present || medium != (d->medium != NULL) ||
            (medium && (spt != d->geo.sectors || tracks != d->geo.tracks ||
                        heads != d->geo.heads)))
            state_in_fail(in);
    }
    n->phase = (enum fdc_phase)phase;
    if (phase > FDC_PH_RESULT || n->tdr > 3 || n->dsr > 0x7F || n->config > 0x7F ||
        n->perp > 0x3F || n->busy > 15 || n->seek_done > 15 || n->reset_sense > 4 ||
        n->cmd_len > sizeof(n->cmd) || n->res_len > sizeof(n->res) ||
        n->cmd_pos > n->cmd_len || n->res_pos > n->res_len ||
        (phase == FDC_PH_COMMAND && (n->cmd_pos >= (n->cmd_pos ? n->cmd_len : 1) ||
                                     (n->cmd_pos && n->cmd_len != decode(n->cmd[0])->len))) ||
        (phase == FDC_PH_RESULT && (n->res_len == 0 || n->res_pos >= n->res_len)) ||
        !exec_ok(n))
        state_in_fail(in);
    int rc = state_in_ok(in, true) ? 0 : -1;
    if (rc == 0 && commit) {
        *f = *n;
        irq_pin_set(&f->irq, f->irq_level);
    }
    free(n);
    return rc;
}

static void fdc_dump(const struct device *dev, char *buf, size_t len)
{
    const struct fdc *f = container_of(dev, const struct fdc, dev);
    static const char *const phases[] = { "command", "execution", "result" };
    snprintf(buf, len, "dor %02x msr %02x %s cmd %02x pcn %u/%u cyl %u/%u int %d",
             f->dor, msr(f), phases[f->phase], f->cmd[0], f->pcn[0], f->pcn[1],
             f->drv[0].cyl, f->drv[1].cyl, f->irq_level);
}

static const struct io_ops fdc_io = { .in = fdc_in, .out = fdc_out };
static const struct device_ops fdc_ops = {
    .type = "fdc", .reset = fdc_dev_reset, .save = fdc_save, .load = fdc_load,
    .dump = fdc_dump, .destroy = device_free,
};
_Static_assert(offsetof(struct fdc, dev) == 0, "device_free frees the state");

struct fdc *fdc_create(struct irq_pin irq)
{
    struct fdc *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    device_init(&f->dev, &fdc_ops, "fdc");
    device_add_ports(&f->dev, FDC_BASE, 6, &fdc_io, f);
    device_add_ports(&f->dev, FDC_BASE + 7, 1, &fdc_io, f);
    f->irq = irq;
    fdc_reset(f);
    return f;
}

int fdc_connect_dma(struct fdc *f, struct dma8237 *dma, unsigned ch)
{
    struct dma8237_client cl = { .service = fdc_dma_service, .opaque = f };
    if (!dma || dma8237_connect(dma, ch, cl) < 0)
        return -1;
    f->dma = dma;
    f->dma_ch = ch;
    return 0;
}

static void set_medium(struct fdc_drive *d, struct block *medium)
{
    d->medium = medium;
    d->changed = true;
    d->next_sector = 1;
    if (medium)
        fdc_geometry_for(block_length(medium), d->type, &d->geo);
}

int fdc_attach_drive(struct fdc *f, unsigned drive, struct block *medium)
{
    if (drive >= FDC_DRIVES)
        return -1;
    struct fdc_drive *d = &f->drv[drive];
    struct fdc_geometry g;
    fdc_geometry_for(medium ? block_length(medium) : 0, FDC_DRIVE_NONE, &g);
    *d = (struct fdc_drive){ .present = true, .type = medium ? g.drive : FALLBACK_DRIVE };
    set_medium(d, medium);
    return 0;
}

int fdc_change_media(struct fdc *f, unsigned drive, struct block *medium)
{
    if (drive >= FDC_DRIVES || !f->drv[drive].present)
        return -1;
    struct fdc_drive *d = &f->drv[drive];
    /* A command working on this drive's diskette ends without it: as a
     * diskette pulled out in the middle, it finds no more IDs. */
    set_medium(d, medium);
    if (f->phase == FDC_PH_EXEC && f->x.drive == drive) {
        f->x.ready = false;
        end_xfer(f, FDC_ST0_ABNORMAL, FDC_ST1_MA, 0);
    }
    return 0;
}

unsigned fdc_cmos_type(const struct fdc *f, unsigned drive)
{
    if (drive >= FDC_DRIVES || !f->drv[drive].present)
        return 0;
    switch (f->drv[drive].type) {
    case FDC_DRIVE_144:
        return 4;
    case FDC_DRIVE_288:
        return 5;
    case FDC_DRIVE_120:
        return 2;
    default:
        return 0;
    }
}
