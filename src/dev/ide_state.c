/* The PIIX IDE function's snapshot state: both channels, their bus
 * masters and drives, an unfinished PIO transfer included (its buffer and
 * window).  DMA never is in flight: it completes inside the access that
 * starts it.  The configuration space is the PCI bus's to save.
 *
 * The media are not in the snapshot (pc/snapshot_images.h checks them);
 * what is checked here is that the drives are the same kind with a medium
 * of the same size, so that no saved position points past the end. */
#include <stdlib.h>
#include <string.h>

#include "dev/piix_ide.h"

#define IDE_STATE_VERSION 1

static void save_drive(const struct ide_drive *d, struct state_out *o)
{
    state_put_u8(o, (uint8_t)d->kind);
    state_put_bool(o, d->blk != NULL);
    state_put_u64(o, d->nb_sectors);
    state_put_u16(o, d->cur_cyls);
    state_put_u16(o, d->cur_heads);
    state_put_u16(o, d->cur_secs);
    const uint8_t regs[] = { d->feature, d->nsector, d->sector, d->lcyl, d->hcyl,
                             d->select, d->hob_feature, d->hob_nsector, d->hob_sector,
                             d->hob_lcyl, d->hob_hcyl, d->status, d->error };
    state_put_bytes(o, regs, sizeof(regs));
    state_put_bool(o, d->lba48);
    state_put_u32(o, d->count);
    state_put_u16(o, d->req_sectors);
    state_put_u8(o, d->mult_sectors);
    state_put_u8(o, d->xfer_mode);
    state_put_bool(o, d->wcache);
    state_put_u8(o, d->power);
    state_put_u8(o, (uint8_t)d->dma_cmd);
    state_put_u8(o, (uint8_t)d->end);
    state_put_u32(o, d->data_pos);
    state_put_u32(o, d->data_end);
    state_put_u8(o, d->sense_key);
    state_put_u8(o, d->asc);
    state_put_u8(o, d->ascq);
    state_put_u8(o, d->media_step);
    state_put_u8(o, d->media_event);
    state_put_bool(o, d->tray_open);
    state_put_bool(o, d->tray_locked);
    state_put_bool(o, d->atapi_dma);
    state_put_bool(o, d->lba_valid);
    state_put_u32(o, d->lba);
    state_put_u32(o, d->sectors_left);
    state_put_u16(o, d->cd_sector_size);
    state_put_u8(o, d->read_cd_flags);
    state_put_u64(o, d->packet_left);
    state_put_u32(o, d->drq_left);
    state_put_u32(o, d->buffered);
    /* The buffer as far as a window or the ATAPI read buffer uses it. */
    uint32_t used = d->data_end > d->buffered ? d->data_end : d->buffered;
    state_put_u32(o, used);
    state_put_bytes(o, d->buf, used);
}

/* READ CD's bytes per sector for the fields in `flags` (ide_atapi.c). */
static unsigned cd_bytes(uint8_t flags)
{
    return ((flags & 0x80) ? 12u : 0) + ((flags & 0x20) ? 4u : 0) +
           ((flags & 0x10) ? 2048u : 0) + ((flags & 0x08) ? 288u : 0);
}

static void load_drive(struct ide_drive *n, const struct ide_drive *cur, struct state_in *in)
{
    uint8_t kind = state_get_u8(in);
    bool medium = state_get_bool(in);
    uint64_t nb = state_get_u64(in);
    if (kind != cur->kind || medium != (cur->blk != NULL) || nb != cur->nb_sectors)
        state_in_fail(in);
    n->cur_cyls = state_get_u16(in);
    n->cur_heads = state_get_u16(in);
    n->cur_secs = state_get_u16(in);
    uint8_t regs[13];
    state_get_bytes(in, regs, sizeof(regs));
    n->feature = regs[0];
    n->nsector = regs[1];
    n->sector = regs[2];
    n->lcyl = regs[3];
    n->hcyl = regs[4];
    n->select = regs[5];
    n->hob_feature = regs[6];
    n->hob_nsector = regs[7];
    n->hob_sector = regs[8];
    n->hob_lcyl = regs[9];
    n->hob_hcyl = regs[10];
    n->status = regs[11];
    n->error = regs[12];
    n->lba48 = state_get_bool(in);
    n->count = state_get_u32(in);
    n->req_sectors = state_get_u16(in);
    n->mult_sectors = state_get_u8(in);
    n->xfer_mode = state_get_u8(in);
    n->wcache = state_get_bool(in);
    n->power = state_get_u8(in);
    uint8_t dma_cmd = state_get_u8(in), end = state_get_u8(in);
    n->data_pos = state_get_u32(in);
    n->data_end = state_get_u32(in);
    n->sense_key = state_get_u8(in);
    n->asc = state_get_u8(in);
    n->ascq = state_get_u8(in);
    n->media_step = state_get_u8(in);
    n->media_event = state_get_u8(in);
    n->tray_open = state_get_bool(in);
    n->tray_locked = state_get_bool(in);
    n->atapi_dma = state_get_bool(in);
    n->lba_valid = state_get_bool(in);
    n->lba = state_get_u32(in);
    n->sectors_left = state_get_u32(in);
    n->cd_sector_size = state_get_u16(in);
    n->read_cd_flags = state_get_u8(in);
    n->packet_left = state_get_u64(in);
    n->drq_left = state_get_u32(in);
    n->buffered = state_get_u32(in);
    uint32_t used = state_get_u32(in);
    if (used > IDE_BUF_SIZE) {
        state_in_fail(in);
        return;
    }
    state_get_bytes(in, n->buf, used);

    /* Every value the code indexes or divides with, and nothing a later
     * step could run away with. */
    bool bad = dma_cmd >= IDE_DMA_COUNT || end >= IDE_END_COUNT || n->power >= IDE_PWR_COUNT;
    n->dma_cmd = dma_cmd < IDE_DMA_COUNT ? (enum ide_dma_cmd)dma_cmd : IDE_DMA_NONE;
    n->end = end < IDE_END_COUNT ? (enum ide_end)end : IDE_END_NONE;
    bad |= n->data_pos > n->data_end || n->data_end > IDE_BUF_SIZE ||
           n->buffered > IDE_BUF_SIZE || used < n->data_end || used < n->buffered;
    bad |= n->cur_heads > 16 || n->cur_secs > 255 || (n->cur_secs && !n->cur_heads);
    bad |= n->count > 65536 || n->mult_sectors > IDE_MAX_MULT ||
           (n->mult_sectors & (n->mult_sectors - 1));
    bad |= (n->end == IDE_END_READ || n->end == IDE_END_WRITE) &&
           (n->req_sectors < 1 || n->req_sectors > IDE_MAX_MULT ||
            n->data_end > (uint32_t)n->req_sectors * IDE_SECTOR);
    bad |= n->media_step > 2 || n->media_event > MEC_MEDIA_REMOVAL || n->drq_left > 0xFFFE;
    bad |= (n->read_cd_flags & ~0xB8u) != 0;
    /* An ATAPI data phase owes exactly what is buffered and not yet sent,
     * plus the sectors still to read.  (The medium may have changed under
     * a transfer: those sectors need not be on it; reading them fails.) */
    uint64_t owed = n->buffered >= n->data_end ? n->buffered - n->data_end : 0;
    if (n->lba_valid) {
        bad |= !n->read_cd_flags || n->cd_sector_size != cd_bytes(n->read_cd_flags);
        owed += (uint64_t)n->sectors_left * n->cd_sector_size;
    }
    if (n->end == IDE_END_ATAPI || n->dma_cmd == IDE_DMA_ATAPI)
        bad |= n->packet_left != owed || n->drq_left > n->packet_left;
    /* A packet device's commands and windows only on a packet device. */
    if (kind != IDE_CD)
        bad |= n->end == IDE_END_PACKET || n->end == IDE_END_ATAPI ||
               n->dma_cmd == IDE_DMA_ATAPI;
    if (kind != IDE_HD)
        bad |= n->end == IDE_END_READ || n->end == IDE_END_WRITE ||
               n->dma_cmd == IDE_DMA_READ || n->dma_cmd == IDE_DMA_WRITE;
    if (bad)
        state_in_fail(in);
}

static void save_channel(const struct ide_channel *ch, struct state_out *o)
{
    state_put_u8(o, ch->unit);
    state_put_u8(o, ch->devctl);
    state_put_bool(o, ch->irq_pending);
    state_put_bool(o, ch->irq_level);
    state_put_u8(o, ch->bm_cmd);
    state_put_u8(o, ch->bm_status);
    state_put_u32(o, ch->bm_prdt);
    state_put_u32(o, ch->bm_next);
    state_put_u32(o, ch->bm_addr);
    state_put_u32(o, ch->bm_len);
    state_put_bool(o, ch->bm_last);
    for (unsigned u = 0; u < 2; u++)
        save_drive(&ch->drive[u], o);
}

static void load_channel(struct ide_channel *n, const struct ide_channel *cur,
                         struct state_in *in)
{
    n->unit = state_get_u8(in);
    n->devctl = state_get_u8(in);
    n->irq_pending = state_get_bool(in);
    n->irq_level = state_get_bool(in);
    n->bm_cmd = state_get_u8(in);
    n->bm_status = state_get_u8(in);
    n->bm_prdt = state_get_u32(in);
    n->bm_next = state_get_u32(in);
    n->bm_addr = state_get_u32(in);
    n->bm_len = state_get_u32(in);
    n->bm_last = state_get_bool(in);
    if (n->unit > 1 || (n->bm_cmd & ~(BM_CMD_START | BM_CMD_READ)) ||
        (n->bm_status & ~(BM_ST_ACTIVE | BM_ST_ERROR | BM_ST_INT | BM_ST_DMA0 | BM_ST_DMA1)) ||
        (n->bm_prdt & 3) || n->bm_len > 0x10000 ||
        n->irq_level != (n->irq_pending && !(n->devctl & ATA_CTL_NIEN)))
        state_in_fail(in);
    for (unsigned u = 0; u < 2; u++)
        load_drive(&n->drive[u], &cur->drive[u], in);
}

void ide_state_save(const struct device *dev, struct state_out *out)
{
    const struct piix_ide *ide = container_of(dev, const struct piix_ide, dev);
    state_put_u8(out, IDE_STATE_VERSION);
    for (unsigned c = 0; c < 2; c++)
        save_channel(&ide->ch[c], out);
}

int ide_state_load(struct device *dev, struct state_in *in, bool commit)
{
    struct piix_ide *ide = container_of(dev, struct piix_ide, dev);
    if (state_get_u8(in) != IDE_STATE_VERSION) {
        state_in_fail(in);
        return -1;
    }
    struct ide_channel *n = malloc(sizeof(ide->ch));
    if (!n)
        return -1;
    memcpy(n, ide->ch, sizeof(ide->ch));
    for (unsigned c = 0; c < 2 && state_in_ok(in, false); c++)
        load_channel(&n[c], &ide->ch[c], in);
    int rc = state_in_ok(in, true) ? 0 : -1;
    if (rc == 0 && commit) {
        memcpy(ide->ch, n, sizeof(ide->ch));
        for (unsigned c = 0; c < 2; c++)
            irq_pin_set(&ide->ch[c].irq, ide->ch[c].irq_level);
    }
    free(n);
    return rc;
}
