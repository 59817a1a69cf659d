/* Range checks, counters and the memory backend; see block.h. */
#include "block/block.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct block *block_new(const struct block_driver *drv, void *priv, const char *name,
                        uint64_t length, bool read_only)
{
    struct block *b = calloc(1, sizeof(*b));
    if (!b)
        return NULL;
    b->name = strdup(name ? name : "");
    if (!b->name) {
        free(b);
        return NULL;
    }
    b->drv = drv;
    b->priv = priv;
    b->length = length;
    b->read_only = read_only;
    return b;
}

static bool in_range(const struct block *b, uint64_t offset, size_t len)
{
    return offset <= b->length && len <= b->length - offset;
}

int block_read(struct block *b, uint64_t offset, void *buf, size_t len)
{
    int rc = in_range(b, offset, len) ? (len ? b->drv->read(b, offset, buf, len) : 0)
                                       : -EINVAL;
    b->stats.read_ops++;
    if (rc < 0)
        b->stats.errors++;
    else
        b->stats.bytes_read += len;
    return rc;
}

int block_write(struct block *b, uint64_t offset, const void *buf, size_t len)
{
    int rc;
    if (b->read_only)
        rc = -EROFS;
    else if (!in_range(b, offset, len))
        rc = -EINVAL;
    else
        rc = len ? b->drv->write(b, offset, buf, len) : 0;
    b->stats.write_ops++;
    if (rc < 0)
        b->stats.errors++;
    else
        b->stats.bytes_written += len;
    return rc;
}

int block_flush(struct block *b)
{
    int rc = b->drv->flush ? b->drv->flush(b) : 0;
    b->stats.flush_ops++;
    if (rc < 0)
        b->stats.errors++;
    return rc;
}

void block_close(struct block *b)
{
    if (!b)
        return;
    if (!b->read_only)
        block_flush(b);
    if (b->drv->close)
        b->drv->close(b);
    free(b->name);
    free(b);
}

/* --- the memory backend -------------------------------------------------- */

static int memory_read(struct block *b, uint64_t offset, void *buf, size_t len)
{
    memcpy(buf, (uint8_t *)b->priv + offset, len);
    return 0;
}

static int memory_write(struct block *b, uint64_t offset, const void *buf, size_t len)
{
    memcpy((uint8_t *)b->priv + offset, buf, len);
    return 0;
}

static const struct block_driver memory_driver = {
    .format = "memory", .read = memory_read, .write = memory_write,
};

struct block *block_open_memory(void *data, uint64_t size, bool read_only)
{
    return block_new(&memory_driver, data, "memory", size, read_only);
}
