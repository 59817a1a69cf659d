/* The human monitor's drive commands, as QEMU's (hmp-commands.hx):
 *   info block [NAME]        each drive: image, format, cache mode, ...
 *   commit NAME|all          write -snapshot overlays back into the images
 *   qemu-io NAME "COMMAND"   QEMU's block test tool on a drive: read,
 *                            write ([-P PATTERN] OFFSET LENGTH, with k/M/G
 *                            suffixes; read -P checks the bytes) and
 *                            flush, through the same path as the guest's
 *                            I/O (counters included)
 * Replies are QEMU's texts where it has them. */
#ifndef PLEX86_HOST_MONITOR_BLOCK_H
#define PLEX86_HOST_MONITOR_BLOCK_H

#include <stdio.h>

struct vmctl;

void monitor_info_block(struct vmctl *ctl, const char *args, FILE *out);
void monitor_commit(struct vmctl *ctl, const char *args, FILE *out);
void monitor_qemu_io(struct vmctl *ctl, const char *args, FILE *out);

#endif
