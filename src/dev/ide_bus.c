/* The IDE channel: command and control block registers, device selection,
 * INTRQ, the data port and PIO windows, resets (ATA/ATAPI-6 clauses 7 and
 * 9).  See ide.h for the model.  Where the standard leaves a choice (what
 * an empty channel reads, what an absent slave answers) this follows
 * QEMU's hw/ide/core.c, which the guests we boot are tested against. */
#include "dev/ide.h"

#include <string.h>

/* --- interrupts ------------------------------------------------------ */

/* INTRQ is driven while an interrupt is pending and nIEN is clear (ATA/
 * ATAPI-6, INTRQ: with nIEN set the device releases the line). */
static void update_line(struct ide_channel *ch)
{
    bool level = ch->irq_pending && !(ch->devctl & ATA_CTL_NIEN);
    if (level != ch->irq_level) {
        ch->irq_level = level;
        irq_pin_set(&ch->irq, level);
    }
}

/* As QEMU: an event while nIEN is set leaves no interrupt pending, and
 * the bus master's Interrupt bit follows the line (PIIX3 datasheet,
 * BMISX bit 2: set when the IDE device asserts its interrupt). */
void ide_raise_irq(struct ide_channel *ch)
{
    if (ch->devctl & ATA_CTL_NIEN)
        return;
    ch->irq_pending = true;
    ch->bm_status |= BM_ST_INT;
    update_line(ch);
}

void ide_lower_irq(struct ide_channel *ch)
{
    ch->irq_pending = false;
    update_line(ch);
}

/* --- PIO windows ----------------------------------------------------- */

void ide_transfer_start(struct ide_drive *d, uint32_t pos, uint32_t len, enum ide_end end)
{
    d->data_pos = pos;
    d->data_end = pos + len;
    d->end = end;
    if (!(d->status & ATA_ST_ERR))
        d->status |= ATA_ST_DRQ;
}

void ide_transfer_stop(struct ide_drive *d)
{
    d->end = IDE_END_NONE;
    d->data_pos = d->data_end = 0;
    d->status &= (uint8_t)~ATA_ST_DRQ;
}

void ide_abort(struct ide_drive *d, uint8_t error)
{
    ide_transfer_stop(d);
    d->dma_cmd = IDE_DMA_NONE;
    d->status = ATA_ST_DRDY | ATA_ST_ERR;
    d->error = error;
    ide_channel_of(d)->stats->errors++;
}

/* Host to device: the window is filled by writes. */
static bool pio_out(const struct ide_drive *d)
{
    return d->end == IDE_END_WRITE || d->end == IDE_END_PACKET;
}

/* The window is used up: the command's next step. */
static void window_done(struct ide_drive *d)
{
    enum ide_end end = d->end;
    d->status &= (uint8_t)~ATA_ST_DRQ;
    switch (end) {
    case IDE_END_READ:
        ata_sector_read(d);
        break;
    case IDE_END_WRITE:
        ata_sector_write(d);
        break;
    case IDE_END_PACKET:
        ide_transfer_stop(d);
        atapi_packet(d);
        break;
    case IDE_END_ATAPI:
        atapi_transfer_next(d);
        break;
    default:
        ide_transfer_stop(d);
        break;
    }
}

/* The data register: 16-bit, or 32-bit as the PIIX allows.  A word
 * that runs past the end of an odd-sized window takes the bytes left (the
 * rest reads as zero).  Outside DRQ, or in the wrong direction, reads give
 * 0 and writes are dropped (QEMU: "indeterminate"). */
static uint32_t data_read(struct ide_channel *ch, unsigned size)
{
    struct ide_drive *d = ide_cur(ch);
    if (!(d->status & ATA_ST_DRQ) || pio_out(d) || d->end == IDE_END_NONE)
        return 0;
    uint32_t n = d->data_end - d->data_pos;
    if (n > size)
        n = size;
    uint32_t v = 0;
    for (uint32_t i = 0; i < n; i++)
        v |= (uint32_t)d->buf[d->data_pos + i] << (8 * i);
    d->data_pos += n;
    ch->stats->pio_bytes += n;
    if (d->data_pos >= d->data_end)
        window_done(d);
    return v;
}

static void data_write(struct ide_channel *ch, uint32_t val, unsigned size)
{
    struct ide_drive *d = ide_cur(ch);
    if (!(d->status & ATA_ST_DRQ) || !pio_out(d))
        return;
    uint32_t n = d->data_end - d->data_pos;
    if (n > size)
        n = size;
    for (uint32_t i = 0; i < n; i++)
        d->buf[d->data_pos + i] = (uint8_t)(val >> (8 * i));
    d->data_pos += n;
    ch->stats->pio_bytes += n;
    if (d->data_pos >= d->data_end)
        window_done(d);
}

/* --- registers ------------------------------------------------------- */

static bool channel_empty(const struct ide_channel *ch)
{
    return ch->drive[0].kind == IDE_NONE && ch->drive[1].kind == IDE_NONE;
}

/* An empty channel reads 0 in every register, and so do the status and
 * error registers of an absent device 1 (QEMU; Linux's probe reads the
 * error register to find that device 1 is missing). */
static uint8_t reg_read(struct ide_channel *ch, unsigned reg)
{
    struct ide_drive *d = ide_cur(ch);
    bool hob = ch->devctl & ATA_CTL_HOB;
    if (channel_empty(ch))
        return 0;
    switch (reg) {
    case 1:
        if (d->kind == IDE_NONE)
            return 0;
        return hob ? d->hob_feature : d->error;
    case 2:
        return hob ? d->hob_nsector : d->nsector;
    case 3:
        return hob ? d->hob_sector : d->sector;
    case 4:
        return hob ? d->hob_lcyl : d->lcyl;
    case 5:
        return hob ? d->hob_hcyl : d->hcyl;
    case 6:
        return d->select;
    default:
        /* Reading the status register acknowledges the interrupt. */
        ide_lower_irq(ch);
        return d->kind == IDE_NONE ? 0 : d->status;
    }
}

/* Both devices see every register write; the previous value moves
 * to the HOB copy for 48-bit commands. */
static void reg_write(struct ide_channel *ch, unsigned reg, uint8_t val)
{
    struct ide_drive *cur = ide_cur(ch);
    ch->devctl &= (uint8_t)~ATA_CTL_HOB;   /* any write clears HOB */
    if (reg == 7) {
        ide_lower_irq(ch);
        ide_exec_cmd(ch, val);
        return;
    }
    /* The command block is not written while the selected device is busy
     * or transferring data (QEMU; the standard forbids it). */
    if (cur->status & (ATA_ST_BSY | ATA_ST_DRQ))
        return;
    for (unsigned i = 0; i < 2; i++) {
        struct ide_drive *d = &ch->drive[i];
        switch (reg) {
        case 1:
            d->hob_feature = d->feature;
            d->feature = val;
            break;
        case 2:
            d->hob_nsector = d->nsector;
            d->nsector = val;
            break;
        case 3:
            d->hob_sector = d->sector;
            d->sector = val;
            break;
        case 4:
            d->hob_lcyl = d->lcyl;
            d->lcyl = val;
            break;
        case 5:
            d->hob_hcyl = d->hcyl;
            d->hcyl = val;
            break;
        case 6:
            d->select = val | ATA_DEV_OBS;
            break;
        }
    }
    if (reg == 6) {
        ch->unit = (val & ATA_DEV_DEV) ? 1 : 0;
        update_line(ch);
    }
}

/* The data register takes 16- and 32-bit accesses; a byte access to it
 * reads all ones and writes nothing (QEMU).  Wider accesses to the other
 * registers are byte accesses to consecutive registers. */
uint32_t ide_ioport_read(struct ide_channel *ch, unsigned reg, unsigned size)
{
    if (reg == 0) {
        if (size == 1)
            return 0xFF;
        return data_read(ch, size);
    }
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)reg_read(ch, (reg + i) & 7) << (8 * i);
    return v;
}

void ide_ioport_write(struct ide_channel *ch, unsigned reg, uint32_t val, unsigned size)
{
    if (reg == 0) {
        if (size > 1)
            data_write(ch, val, size);
        return;
    }
    for (unsigned i = 0; i < size; i++)
        reg_write(ch, (reg + i) & 7, (uint8_t)(val >> (8 * i)));
}

uint8_t ide_altstatus_read(struct ide_channel *ch)
{
    struct ide_drive *d = ide_cur(ch);
    if (channel_empty(ch) || d->kind == IDE_NONE)
        return 0;
    return d->status;
}

/* --- resets ---------------------------------------------------------- */

void ide_set_signature(struct ide_drive *d)
{
    d->select &= (uint8_t)~ATA_DEV_HEAD;
    d->nsector = 1;
    d->sector = 1;
    if (d->kind == IDE_CD) {
        d->lcyl = 0x14;
        d->hcyl = 0xEB;
    } else if (d->kind == IDE_HD) {
        d->lcyl = d->hcyl = 0;
    } else {
        d->lcyl = d->hcyl = 0xFF;
    }
}

void ide_drive_reset(struct ide_drive *d, bool hard)
{
    ide_transfer_stop(d);
    d->feature = d->sector = d->lcyl = d->hcyl = 0;
    d->nsector = 0;
    d->hob_feature = d->hob_nsector = d->hob_sector = d->hob_lcyl = d->hob_hcyl = 0;
    d->select = ATA_DEV_OBS;
    d->status = ATA_ST_DRDY | ATA_ST_DSC;
    d->error = 0x01;            /* diagnostic code: no error */
    d->lba48 = false;
    d->count = 0;
    d->req_sectors = 0;
    d->dma_cmd = IDE_DMA_NONE;
    d->power = IDE_PWR_ACTIVE;
    /* ATAPI: sense data and the transfer go; the tray stays where it is
     * and unlocks (a reset clears PREVENT MEDIUM REMOVAL). */
    d->sense_key = d->asc = d->ascq = 0;
    d->media_step = 0;
    d->tray_locked = false;
    d->atapi_dma = false;
    d->lba_valid = false;
    d->lba = d->sectors_left = 0;
    d->cd_sector_size = 0;
    d->read_cd_flags = 0;
    d->packet_left = d->drq_left = d->buffered = 0;
    if (hard) {
        /* Settings a power cycle resets; SRST and DEVICE RESET keep them
         * (reverting to defaults is disabled at power-on).  Multiple
         * mode starts at the largest block and UDMA mode 5 is selected,
         * as on QEMU's drives. */
        d->mult_sectors = d->kind == IDE_HD ? IDE_MAX_MULT : 0;
        d->xfer_mode = 0x45;
        d->wcache = true;
        d->cur_cyls = d->cyls;
        d->cur_heads = d->heads;
        d->cur_secs = d->secs;
        d->media_event = MEC_NONE;
    }
    ide_set_signature(d);
}

void ide_channel_reset(struct ide_channel *ch)
{
    ch->unit = 0;
    ch->devctl = 0;
    for (unsigned i = 0; i < 2; i++)
        ide_drive_reset(&ch->drive[i], true);
    ide_bm_reset(ch);
    ch->irq_pending = false;
    update_line(ch);
}

/* The diagnostic result a device posts after SRST or EXECUTE DEVICE
 * DIAGNOSTIC: its signature, error 01h, and DRDY for an ATA device; a
 * packet device leaves DRDY clear (ATA/ATAPI-6 9.10 as QEMU cites it). */
static void post_diagnostic(struct ide_drive *d)
{
    d->select = ATA_DEV_OBS;
    ide_set_signature(d);
    d->error = 0x01;
    d->status = d->kind == IDE_CD ? 0 : ATA_ST_DRDY | ATA_ST_DSC;
}

/* SRST (device control register; the software reset protocol): setting it resets both devices, which stay busy while
 * it is held; clearing it lets them post their diagnostic results.  No
 * interrupt follows a software reset. */
void ide_devctl_write(struct ide_channel *ch, uint8_t val)
{
    bool was = ch->devctl & ATA_CTL_SRST, now = val & ATA_CTL_SRST;
    ch->devctl = val;
    if (!was && now) {
        for (unsigned i = 0; i < 2; i++) {
            struct ide_drive *d = &ch->drive[i];
            ide_drive_reset(d, false);
            d->status = ATA_ST_BSY;
        }
        ch->unit = 0;
        ch->irq_pending = false;
    } else if (was && !now) {
        for (unsigned i = 0; i < 2; i++)
            post_diagnostic(&ch->drive[i]);
    }
    update_line(ch);
}

/* EXECUTE DEVICE DIAGNOSTIC: both devices run it whichever is
 * selected; device 0 reports (error 01h: device 0 passed, device 1 passed
 * or absent) and asserts INTRQ. */
void ide_exec_diagnostic(struct ide_channel *ch)
{
    for (unsigned i = 0; i < 2; i++) {
        struct ide_drive *d = &ch->drive[i];
        ide_transfer_stop(d);
        d->dma_cmd = IDE_DMA_NONE;
        if (d->kind != IDE_NONE)
            post_diagnostic(d);
    }
    ch->unit = 0;
    ide_raise_irq(ch);
}
