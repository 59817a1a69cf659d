/* The PIIX bus master (82371SB datasheet, "Bus Master IDE" registers, and
 * SFF-8038i): per channel a command register (Start, read/write), a status
 * register (Active, Error, Interrupt, drive 0/1 DMA capable) and the
 * address of a table of physical region descriptors in guest memory.  A
 * PRD is 8 bytes: the buffer's address, then its byte count in bits 15-1
 * (0 meaning 64 KiB) and EOT in bit 31.
 *
 * A transfer runs when a drive has a DMA command waiting and the bus
 * master is Active (Start written), whichever comes last, and completes at
 * once: the table is read first, up to the transfer's length; then the
 * data moves through a bounce buffer, into guest memory through guest_mem
 * (so scan-before-execute sees it).  The end follows the datasheet's table
 * of Interrupt/Active (and QEMU):
 *   - table exactly as long as the transfer: Interrupt set, Active clear;
 *   - table longer (bytes left, or no EOT yet): Interrupt set, Active
 *     stays set, and the bus master keeps its place in the table;
 *   - table shorter (EOT, or 512 entries, QEMU's one-page fail-safe,
 *     before the end): nothing moves, Active clear, no interrupt, and the
 *     drive drops DRQ: the guest sees an error condition (QEMU does the
 *     same; real hardware would hang with part of the data moved).
 * A drive error ends the transfer with the drive's interrupt and Active
 * clear.  Error (bit 1) reports PCI master/target aborts, which guest_mem
 * accesses never give, so it is never set. */
#include "dev/ide.h"

#include <errno.h>
#include <string.h>

#include "block/block.h"

struct prd {
    uint32_t addr, len;
    bool last;                      /* the entry had EOT */
};

/* Reads the entry at *next.  False at the end of the table: after EOT, or
 * once the fail-safe page is used up. */
static bool next_prd(struct ide_channel *ch, uint32_t *next, bool last, struct prd *p)
{
    if (last || *next - ch->bm_prdt >= 4096)
        return false;
    uint8_t e[8];
    guest_mem_read(ch->mem, *next, e, 8);
    *next += 8;
    p->addr = (uint32_t)e[0] | (uint32_t)e[1] << 8 | (uint32_t)e[2] << 16 |
              (uint32_t)e[3] << 24;
    uint32_t cnt = (uint32_t)e[4] | (uint32_t)e[5] << 8;
    p->len = (cnt & 0xFFFE) ? (cnt & 0xFFFE) : 0x10000;
    p->last = e[7] & 0x80;
    return true;
}

/* The regions that cover `total` bytes from the bus master's position, in
 * list[] (at most IDE_PRD_MAX + 1: the rest of the current one and a page
 * of entries), and in *next where the table goes on.  Returns how many, or
 * -1 when the table ends first.  The position is not moved: the table is
 * read once, before any data moves, so a transfer that overwrites it does
 * not change what it does. */
static int walk_prds(struct ide_channel *ch, uint64_t total, struct prd *list, uint32_t *next)
{
    bool last = ch->bm_last;
    uint64_t have = 0;
    int n = 0;
    *next = ch->bm_next;
    if (ch->bm_len) {
        list[n++] = (struct prd){ ch->bm_addr, ch->bm_len, ch->bm_last };
        have = ch->bm_len;
    }
    while (have < total) {
        if (!next_prd(ch, next, last, &list[n]))
            return -1;
        last = list[n].last;
        have += list[n++].len;
    }
    return n;
}

/* Moves the bus master's position past `total` bytes of the regions
 * walk_prds found: what is left of the last one becomes the current
 * region. */
static void advance(struct ide_channel *ch, const struct prd *list, int n, uint32_t next,
                    uint64_t total)
{
    if (n == 0)
        return;
    uint64_t used = 0;
    for (int i = 0; i < n; i++)
        used += list[i].len;
    uint32_t left = (uint32_t)(used - total);
    const struct prd *lastp = &list[n - 1];
    ch->bm_next = next;
    ch->bm_addr = lastp->addr + (lastp->len - left);
    ch->bm_len = left;
    ch->bm_last = lastp->last;
}

/* Copies between the bounce buffer and the regions, from region *i at
 * offset *off. */
static void copy_regions(struct ide_channel *ch, const struct prd *list, int *i, uint32_t *off,
                         uint8_t *buf, uint32_t len, bool to_memory)
{
    while (len) {
        const struct prd *p = &list[*i];
        uint32_t n = p->len - *off;
        if (n > len)
            n = len;
        if (to_memory)
            guest_mem_write(ch->mem, p->addr + *off, buf, n);
        else
            guest_mem_read(ch->mem, p->addr + *off, buf, n);
        buf += n;
        len -= n;
        *off += n;
        if (*off == p->len) {
            (*i)++;
            *off = 0;
        }
    }
}

static uint64_t transfer_bytes(const struct ide_drive *d)
{
    return d->dma_cmd == IDE_DMA_ATAPI ? d->packet_left : (uint64_t)d->count * IDE_SECTOR;
}

/* The drive side of one chunk: read from the medium into buf, or write
 * buf to it.  0, or -1 after the drive reported the error. */
static int drive_chunk(struct ide_drive *d, uint64_t sector, uint64_t done, uint8_t *buf,
                       uint32_t len)
{
    if (d->dma_cmd == IDE_DMA_ATAPI)
        return atapi_dma_fill(d, buf, len);
    uint64_t off = sector * IDE_SECTOR + done;
    int rc = d->dma_cmd == IDE_DMA_READ ? block_read(d->blk, off, buf, len)
                                        : block_write(d->blk, off, buf, len);
    if (rc < 0) {
        /* The registers hold the first sector of the failed chunk. */
        ata_set_sector(d, sector + done / IDE_SECTOR);
        ide_abort(d, rc == -EINVAL ? ATA_ER_IDNF
                     : d->dma_cmd == IDE_DMA_READ ? ATA_ER_UNC : ATA_ER_ABRT);
        ide_raise_irq(ide_channel_of(d));
        return -1;
    }
    return 0;
}

static void run(struct ide_channel *ch, struct ide_drive *d)
{
    struct prd list[IDE_PRD_MAX + 1];
    uint32_t next;
    uint64_t total = transfer_bytes(d);
    int n = walk_prds(ch, total, list, &next);
    if (n < 0) {
        /* The table is shorter than the transfer. */
        d->dma_cmd = IDE_DMA_NONE;
        d->status = ATA_ST_DRDY | ATA_ST_DSC;
        ch->bm_status &= (uint8_t)~BM_ST_ACTIVE;
        return;
    }
    bool write = d->dma_cmd == IDE_DMA_WRITE;
    uint64_t sector = 0;
    if (d->dma_cmd != IDE_DMA_ATAPI)
        ata_get_sector(d, &sector);
    int i = 0;
    uint32_t off = 0;
    for (uint64_t done = 0; done < total;) {
        uint32_t len = total - done < IDE_DMA_CHUNK ? (uint32_t)(total - done) : IDE_DMA_CHUNK;
        if (write)
            copy_regions(ch, list, &i, &off, ch->dma_buf, len, false);
        if (drive_chunk(d, sector, done, ch->dma_buf, len) < 0) {
            ch->bm_status &= (uint8_t)~BM_ST_ACTIVE;
            return;
        }
        if (!write)
            copy_regions(ch, list, &i, &off, ch->dma_buf, len, true);
        done += len;
        ch->stats->dma_bytes += len;
    }
    if (write && !d->wcache && block_flush(d->blk) < 0) {
        ide_abort(d, ATA_ER_ABRT);
        ide_raise_irq(ch);
        ch->bm_status &= (uint8_t)~BM_ST_ACTIVE;
        return;
    }
    advance(ch, list, n, next, total);
    /* Active stays while the table has more: bytes left in the current
     * region, or no EOT yet. */
    if (!ch->bm_len && ch->bm_last)
        ch->bm_status &= (uint8_t)~BM_ST_ACTIVE;
    if (d->dma_cmd == IDE_DMA_ATAPI) {
        atapi_dma_done(d);
        return;
    }
    ata_set_sector(d, sector + d->count);
    d->count = 0;
    d->dma_cmd = IDE_DMA_NONE;
    d->status = ATA_ST_DRDY | ATA_ST_DSC;
    ide_raise_irq(ch);
}

/* The bus master moves data only while the PCI command register lets it
 * master the bus (bit 2); otherwise the transfer waits for the next Start
 * or command. */
void ide_dma_ready(struct ide_channel *ch)
{
    struct ide_drive *d = ide_cur(ch);
    if (d->dma_cmd != IDE_DMA_NONE && (ch->bm_status & BM_ST_ACTIVE) &&
        (!ch->pci_command || (*ch->pci_command & 0x04)))
        run(ch, d);
}

/* Start written 0 -> 1: Active, from the top of the table; 1 -> 0: stop
 * (nothing is ever in flight).  Bits other than Start and R/W read 0. */
static void write_cmd(struct ide_channel *ch, uint8_t val)
{
    bool was = ch->bm_cmd & BM_CMD_START;
    ch->bm_cmd = val & (BM_CMD_START | BM_CMD_READ);
    if (was && !(val & BM_CMD_START)) {
        ch->bm_status &= (uint8_t)~BM_ST_ACTIVE;
    } else if (!was && (val & BM_CMD_START)) {
        ch->bm_next = ch->bm_prdt;
        ch->bm_addr = ch->bm_len = 0;
        ch->bm_last = false;
        ch->bm_status |= BM_ST_ACTIVE;
        ide_dma_ready(ch);
    }
}

/* Byte `reg` (0-7) of the channel's eight registers. */
static uint8_t read_byte(struct ide_channel *ch, unsigned reg)
{
    switch (reg) {
    case 0:
        return ch->bm_cmd;
    case 2:
        return ch->bm_status;
    case 4: case 5: case 6: case 7:
        return (uint8_t)(ch->bm_prdt >> (8 * (reg - 4)));
    default:
        return 0xFF;                /* reserved (QEMU) */
    }
}

uint32_t ide_bm_read(struct ide_channel *ch, unsigned reg, unsigned size)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)read_byte(ch, (reg + i) & 7) << (8 * i);
    return v;
}

void ide_bm_write(struct ide_channel *ch, unsigned reg, uint32_t val, unsigned size)
{
    for (unsigned i = 0; i < size; i++) {
        unsigned r = (reg + i) & 7;
        uint8_t b = (uint8_t)(val >> (8 * i));
        switch (r) {
        case 0:
            write_cmd(ch, b);
            break;
        case 2:
            /* Interrupt and Error are cleared by writing 1; the DMA
             * capable bits are plain storage; Active is read only. */
            ch->bm_status = (uint8_t)((b & (BM_ST_DMA0 | BM_ST_DMA1)) |
                                      (ch->bm_status & BM_ST_ACTIVE) |
                                      (ch->bm_status & ~b & (BM_ST_ERROR | BM_ST_INT)));
            break;
        case 4: case 5: case 6: case 7: {
            unsigned sh = 8 * (r - 4);
            ch->bm_prdt = (ch->bm_prdt & ~(0xFFu << sh)) | (uint32_t)b << sh;
            ch->bm_prdt &= ~3u;     /* dword aligned */
            break;
        }
        }
    }
}

void ide_bm_reset(struct ide_channel *ch)
{
    ch->bm_cmd = ch->bm_status = 0;
    ch->bm_prdt = 0;
    ch->bm_next = ch->bm_addr = ch->bm_len = 0;
    ch->bm_last = false;
}
