/* The snapshot file on disk: read whole, with the checks an untrusted path
 * needs, and written atomically. */
#ifndef PLEX86_PC_SNAPSHOT_FILE_H
#define PLEX86_PC_SNAPSHOT_FILE_H

#include <stddef.h>
#include <stdint.h>

/* Reads `path` into a new buffer (freed by the caller).  Refuses what is
 * not a regular file (a FIFO or a device is never waited on: opened with
 * O_NONBLOCK, then fstat) and files over `max` bytes.  Returns 0, or -1
 * with "PATH: why" in `err`. */
int snap_read_file(const char *path, size_t max, uint8_t **data, size_t *size, char *err,
                   size_t errlen);

/* Writes `len` bytes to `path` through a new temporary file in the same
 * directory (mkstemp: O_EXCL, never a link), fsync, then rename over
 * `path`: a reader sees the old file or the whole new one, never a part.
 * Returns 0, or -1 with "PATH: why" in `err` and no temporary left. */
int snap_write_file(const char *path, const uint8_t *data, size_t len, char *err,
                    size_t errlen);

#endif
