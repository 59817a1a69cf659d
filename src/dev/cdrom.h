/* CD-ROM data layout that does not depend on the drive: the table of
 * contents of a single-track data disc (MMC-3, READ TOC/PMA/ATIP
 * formats 0, 1 and 2) and the raw Mode 1 sector (ECMA-130: sync,
 * header, user data, EDC, P and Q parity) that READ CD returns
 * when asked for more than the user data. */
#ifndef PLEX86_DEV_CDROM_H
#define PLEX86_DEV_CDROM_H

#include <stdbool.h>
#include <stdint.h>

/* Logical block to minutes/seconds/frames (MMC-3: the 2-second
 * pregap, LBA 0 is 00:02:00). */
void cd_lba_to_msf(uint8_t *msf, uint32_t lba);

/* A READ TOC response for a disc of `sectors` 2048-byte sectors, written
 * to `buf` (at most 48 bytes).  Returns its length, or -1 for a start
 * track (format 0) the disc does not have or a format other than 0-2. */
int cd_read_toc(uint8_t *buf, uint32_t sectors, unsigned format, bool msf,
                unsigned start_track);

/* The 2352-byte Mode 1 sector at `lba` holding `data` (2048 bytes), with
 * its EDC and ECC computed. */
void cd_raw_sector(uint8_t *out, uint32_t lba, const uint8_t *data);

#endif
