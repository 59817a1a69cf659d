/* The drives' counters for the accounting (counters.def), read through
 * the board's drive list (pc->cfg.ide[], .floppy[]).  A header of its
 * own: account.c sees the engine's `struct block` (engine/cache.h), which
 * is not the block layer's, so it cannot include block/block.h. */
#ifndef PLEX86_HOST_DRIVE_STATS_H
#define PLEX86_HOST_DRIVE_STATS_H

#include <stdint.h>

struct pc;

enum drive_stat {
    DRIVE_BYTES_READ,
    DRIVE_BYTES_WRITTEN,
    DRIVE_READ_OPS,
    DRIVE_WRITE_OPS,
    DRIVE_FLUSHES,
    DRIVE_ERRORS,
};

/* Drives are numbered as the accounting's `drive` label: 0-3 IDE index
 * (primary master, primary slave, secondary master, secondary slave),
 * 4-5 floppy 0 and 1. */
#define DRIVE_STAT_DRIVES 6

/* One drive's counter; 0 for an absent drive or one with no medium. */
uint64_t pc_drive_stat(const struct pc *pc, unsigned drive, enum drive_stat which);

/* The counter added up over every drive. */
uint64_t pc_drives_total(const struct pc *pc, enum drive_stat which);

#endif
