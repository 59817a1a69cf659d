/* Host files the VM reads whole (firmware, kernels, initrds, snapshots) or
 * replaces atomically (statistics, metrics, snapshots).
 *
 * Reads refuse anything that is not a regular file before they could block
 * on it: a FIFO with no writer, a terminal or a device would otherwise
 * hang the open or the read (issue 21, item 3).  Replacements write a new
 * temporary file beside the target, made with mkstemp (O_CREAT|O_EXCL: it
 * never follows a symbolic link planted there, and two processes writing
 * the same target get two temporaries), then rename it over the target, so
 * a reader sees the old file or the new one, never half of one (issue 21,
 * item 1). */
#ifndef PLEX86_PC_HOSTFILE_H
#define PLEX86_PC_HOSTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Opens `path` for reading if it is a regular file, without blocking on
 * anything else.  Returns the descriptor, or -1 with a one-line message in
 * `err` that starts with the path. */
int host_open_regular(const char *path, char *err, size_t errlen);

/* Reads `path` into a new buffer (*data, freed by the caller) of *size
 * bytes.  Fails if the file is missing, unreadable, not a regular file or
 * larger than `max` bytes.  Returns 0, or -1 with a one-line message in
 * `err` that starts with the path. */
int host_read_file(const char *path, size_t max, uint8_t **data, size_t *size,
                   char *err, size_t errlen);

/* A replacement of `path` being written: write to `f`, then
 * host_replace_commit() or host_replace_abort(). */
struct host_replace {
    FILE *f;
    char *tmp;      /* the temporary's name, "PATH.XXXXXX" */
};

/* Starts replacing `path`: it must be a regular file or not exist yet (a
 * rename would replace a link or a device node, not write through it).
 * The new file gets `mode` (0666 for what users share with other tools,
 * 0600 for a snapshot, as private as the guest's RAM) less the umask.
 * Returns 0, or -1 with a message in `err` (which starts with `path`). */
int host_replace_begin(struct host_replace *r, const char *path, unsigned mode, char *err,
                       size_t errlen);

/* Flushes the temporary (and with `sync` waits until it and then the
 * rename are on disk: snapshots, not the metrics rewritten every few
 * seconds) and renames it over `path`.  Returns 0, or -1 with a message (the temporary is removed
 * either way). */
int host_replace_commit(struct host_replace *r, const char *path, bool sync, char *err,
                        size_t errlen);

/* Drops the temporary. */
void host_replace_abort(struct host_replace *r);

/* The whole of a replacement: `len` bytes, synced. */
int host_replace_file(const char *path, const uint8_t *data, size_t len, unsigned mode,
                      char *err, size_t errlen);

#endif
