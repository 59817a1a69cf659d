/* Block backends: what a drive (IDE disk or CD, floppy) reads and writes.
 *
 * A `struct block` is one open image.  Devices (dev/ide*, dev/fdc*) see only
 * this interface: byte offsets and lengths (drives use whole 512- or
 * 2048-byte sectors, but the backend does not care), synchronous calls that
 * return 0 or a negative errno, and a length that does not change while
 * the image is open.  The board opens the images from the command line
 * (block_open, block/block_open.c) and hands each drive its `struct block`;
 * tests use block_open_memory.
 *
 * No data lost (issue 16): a write returns once the bytes are in the image
 * (or in the -snapshot overlay), in the order the guest issued them;
 * block_flush makes everything written durable (fdatasync for files);
 * block_close flushes.  A read-only image refuses writes with -EROFS, and
 * the drive turns that into the error a real drive gives.
 *
 * Each backend is a `struct block_driver`; block.c does the range checks
 * and the counters once for all of them. */
#ifndef PLEX86_BLOCK_BLOCK_H
#define PLEX86_BLOCK_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct block;

/* What a backend implements.  Ranges are already checked against the
 * length (block.c), and writes against read-only. */
struct block_driver {
    const char *format;   /* "raw", "qcow2", "memory", ... */
    int (*read)(struct block *b, uint64_t offset, void *buf, size_t len);
    int (*write)(struct block *b, uint64_t offset, const void *buf, size_t len);
    int (*flush)(struct block *b);       /* NULL: nothing to flush */
    void (*close)(struct block *b);      /* frees b->priv; NULL: nothing */
};

/* Counted for every drive (the per-VM accounting list shows them). */
struct block_stats {
    uint64_t read_ops, write_ops, flush_ops;
    uint64_t bytes_read, bytes_written;
    uint64_t errors;      /* calls that returned an error */
};

struct block {
    const struct block_driver *drv;
    void *priv;           /* the backend's state */
    char *name;           /* for messages: the path, or "memory" (owned) */
    uint64_t length;      /* bytes */
    bool read_only;
    struct block_stats stats;
};

/* Makes a block with a backend (used by the backends' open functions).
 * Returns NULL when out of memory; `name` is copied. */
struct block *block_new(const struct block_driver *drv, void *priv, const char *name,
                        uint64_t length, bool read_only);

/* An image in the caller's memory, `size` bytes at `data` (which must
 * outlive the block); writes change `data` unless read_only.  For tests
 * and fuzzers.  NULL when out of memory. */
struct block *block_open_memory(void *data, uint64_t size, bool read_only);

/* Reads/writes `len` bytes at `offset`.  0, or -EINVAL for a range past
 * the end, -EROFS for a write to a read-only image, or the backend's
 * -errno (-EIO ...). */
int block_read(struct block *b, uint64_t offset, void *buf, size_t len);
int block_write(struct block *b, uint64_t offset, const void *buf, size_t len);
/* Makes every completed write durable.  0 or -errno. */
int block_flush(struct block *b);

static inline uint64_t block_length(const struct block *b) { return b->length; }
static inline bool block_is_read_only(const struct block *b) { return b->read_only; }
static inline const char *block_name(const struct block *b) { return b->name; }
static inline const struct block_stats *block_get_stats(const struct block *b)
{
    return &b->stats;
}

/* Flushes and frees.  NULL is fine. */
void block_close(struct block *b);

#endif
