/* A character sink: where a device's output bytes go (a host file, a test's
 * memory buffer, nowhere).  A callback plus an opaque pointer, so that two
 * VMs in one process can write to two different places (DESIGN.md section 2:
 * no globals). */
#ifndef PLEX86_DEV_CHARDEV_H
#define PLEX86_DEV_CHARDEV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct char_sink {
    /* Called once per byte the guest sends; NULL drops the output. */
    void (*write)(void *opaque, uint8_t byte);
    void *opaque;
};

static inline void char_sink_put(const struct char_sink *s, uint8_t byte)
{
    if (s->write)
        s->write(s->opaque, byte);
}

/* A sink writing to a stdio stream (opaque is the FILE *).  It flushes at
 * each newline so that a guest's lines show up as they are printed even when
 * the stream is a pipe; the caller flushes the rest when the VM stops. */
void char_sink_file_write(void *opaque, uint8_t byte);

static inline struct char_sink char_sink_file(FILE *f)
{
    return (struct char_sink){ .write = char_sink_file_write, .opaque = f };
}

/* A growable in-memory buffer, for tests and for capturing guest output. */
struct char_buffer {
    uint8_t *data;     /* NUL-terminated after every write */
    size_t len;
    size_t cap;
    int oom;           /* set if a write was lost for lack of memory */
};

void char_buffer_write(void *opaque, uint8_t byte);
void char_buffer_free(struct char_buffer *b);

static inline struct char_sink char_sink_buffer(struct char_buffer *b)
{
    return (struct char_sink){ .write = char_buffer_write, .opaque = b };
}

#endif
