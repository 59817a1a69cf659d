/* The drives' counters; see drive_stats.h. */
#include "host/drive_stats.h"

#include "block/block.h"
#include "pc/pc.h"

uint64_t pc_drive_stat(const struct pc *pc, unsigned drive, enum drive_stat which)
{
    const struct pc_drive *d = drive < 4 ? &pc->cfg.ide[drive]
                               : drive < DRIVE_STAT_DRIVES ? &pc->cfg.floppy[drive - 4]
                                                           : NULL;
    if (!d || !d->present || !d->block)
        return 0;
    const struct block_stats *s = block_get_stats(d->block);
    switch (which) {
    case DRIVE_BYTES_READ:
        return s->bytes_read;
    case DRIVE_BYTES_WRITTEN:
        return s->bytes_written;
    case DRIVE_READ_OPS:
        return s->read_ops;
    case DRIVE_WRITE_OPS:
        return s->write_ops;
    case DRIVE_FLUSHES:
        return s->flush_ops;
    case DRIVE_ERRORS:
        return s->errors;
    }
    return 0;
}

uint64_t pc_drives_total(const struct pc *pc, enum drive_stat which)
{
    uint64_t sum = 0;
    for (unsigned i = 0; i < DRIVE_STAT_DRIVES; i++)
        sum += pc_drive_stat(pc, i, which);
    return sum;
}
