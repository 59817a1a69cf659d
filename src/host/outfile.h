/* A guest's output going to a host file (-serial file:, -debugcon file:).
 *
 * The guest's bytes must never stop the VM, but a lost byte must not go
 * unnoticed either (issue 21, item 6): the first write error (a full disk,
 * /dev/full, a file system gone read-only) is reported once on stderr with
 * the option, the path and the error; from then on the bytes are dropped
 * and counted (the accounting's output_dropped_bytes). */
#ifndef PLEX86_HOST_OUTFILE_H
#define PLEX86_HOST_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dev/chardev.h"

struct out_file {
    FILE *f;
    const char *opt;      /* what messages put before the path:
                             "-serial file:", "-chardev file,path=" */
    const char *path;
    FILE *msg;            /* where the one report goes (stderr) */
    bool failed;          /* the error was reported: bytes are dropped */
    uint64_t unflushed;   /* bytes written since the last good flush */
    uint64_t *dropped;    /* the run's total of dropped bytes */
};

/* Opens `path` for writing.  Returns 0, or -1 with a one-line message. */
int out_file_open(struct out_file *o, const char *opt, const char *path, FILE *msg,
                  uint64_t *dropped, char *err, size_t errlen);

/* The sink a device writes to: flushed at each newline, so that lines
 * show as the guest prints them. */
struct char_sink out_file_sink(struct out_file *o);

/* Writes out what the stream holds (the VM ended: what is lost must be
 * counted before the accounting's files are written).  A failure is
 * reported as any other, once. */
void out_file_flush(struct out_file *o);

/* Flushes and closes (a failure there is reported too, once). */
void out_file_close(struct out_file *o);

#endif
