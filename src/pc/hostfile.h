/* Reading a whole host file (firmware images, later kernels and initrds)
 * with a size cap, so that a wrong path to a huge file fails cleanly. */
#ifndef PLEX86_PC_HOSTFILE_H
#define PLEX86_PC_HOSTFILE_H

#include <stddef.h>
#include <stdint.h>

/* Reads `path` into a new buffer (*data, freed by the caller) of *size
 * bytes.  Fails if the file is missing, unreadable, not a regular file or
 * larger than `max` bytes.  Returns 0, or -1 with a one-line message in
 * `err` that starts with the path. */
int host_read_file(const char *path, size_t max, uint8_t **data, size_t *size,
                   char *err, size_t errlen);

#endif
