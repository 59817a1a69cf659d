/* Snapshots (issue 15, item 6): the whole machine in one file, and back.
 *
 * A snapshot is the sum of every part's save: RAM (compressed, zero pages
 * skipped), the CPU (x87/SSE included), every device (vm/device.h), the
 * clock.  Each part is a section with a length and a checksum, under a
 * versioned header.  Loading reads and checks the whole file before it
 * touches the running VM: a truncated, corrupted, foreign or wrong-version
 * file gets one line in `err` and the VM is left as it was. */
#ifndef PLEX86_PC_SNAPSHOT_H
#define PLEX86_PC_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>

struct pc;

/* Writes the machine's state to `path` (atomically: a temporary file in
 * the same directory, then rename).  Returns 0, or -1 with a message. */
int snapshot_save(struct pc *pc, const char *path, char *err, size_t errlen);

/* Replaces the machine's state with the one in `path`.  `force` loads
 * even when an attached disk image changed since the save.  Returns 0, or
 * -1 with a one-line message and the machine untouched. */
int snapshot_load(struct pc *pc, const char *path, bool force, char *err, size_t errlen);

#endif
