/* Raw images: the file is the disk, byte for byte; see block_int.h. */
#include "block/block_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct raw {
    struct block_meta meta;   /* first: block_meta_of */
    struct bfile f;
    char *path;
};

static int raw_read(struct block *b, uint64_t off, void *buf, size_t len)
{
    struct raw *r = b->priv;
    return bfile_read(&r->f, off, buf, len);
}

bool block_raw_guard(const struct block *b, const uint8_t *sector0)
{
    const struct raw *r = b->priv;
    return r->meta.probed && block_probe_format(sector0, 512) != NULL;
}

/* A probed image's sector 0 after the write would be: refused when it
 * probes as a format (QEMU's raw driver does the same, "write operations
 * on block 0 will be restricted"). */
static int guard_sector0(struct block *b, uint64_t off, const void *buf, size_t len)
{
    struct raw *r = b->priv;
    if (!r->meta.probed || off >= 512)
        return 0;
    uint8_t s0[512];
    int rc = bfile_read(&r->f, 0, s0, sizeof(s0));
    if (rc < 0)
        return rc;
    size_t n = len < 512 - off ? len : 512 - (size_t)off;
    memcpy(s0 + off, buf, n);
    return block_raw_guard(b, s0) ? -EPERM : 0;
}

static int raw_write(struct block *b, uint64_t off, const void *buf, size_t len)
{
    struct raw *r = b->priv;
    int rc = guard_sector0(b, off, buf, len);
    if (rc == 0)
        rc = bfile_write(&r->f, off, buf, len);
    if (rc == 0 && block_meta_sync_writes(&r->meta))
        rc = bfile_sync(&r->f);
    return rc;
}

static int raw_flush(struct block *b)
{
    struct raw *r = b->priv;
    if (r->meta.cache == BLOCK_CACHE_UNSAFE || r->f.read_only)
        return 0;
    return bfile_sync(&r->f);
}

static void raw_close(struct block *b)
{
    struct raw *r = b->priv;
    bfile_close(&r->f);
    free(r->path);
    free(r);
}

const struct block_driver block_raw_driver = {
    .format = "raw", .read = raw_read, .write = raw_write, .flush = raw_flush,
    .close = raw_close,
};

struct block *block_raw_new(struct bfile *f, const char *path, const struct block_options *o,
                            bool probed, char *err, size_t errlen)
{
    struct raw *r = calloc(1, sizeof(*r));
    char *p = strdup(path);
    struct block *b = r && p ? block_new(&block_raw_driver, r, path, f->size, f->read_only)
                             : NULL;
    if (!b) {
        snprintf(err, errlen, "%s: out of memory", path);
        free(r);
        free(p);
        bfile_close(f);
        return NULL;
    }
    r->f = *f;
    r->path = p;
    r->meta = (struct block_meta){
        .format = "raw", .cache = o->cache, .direct = f->direct, .probed = probed,
        .write_cache = o->cache != BLOCK_CACHE_WRITETHROUGH &&
                       o->cache != BLOCK_CACHE_DIRECTSYNC,
    };
    return b;
}

int block_raw_commit_begin(struct block *b, int *wfd, char *err, size_t errlen)
{
    struct raw *r = b->priv;
    /* The same file that is open, not whatever has its name now. */
    int fd = open(r->path, O_WRONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "%s: cannot open it for writing: %s", r->path, strerror(e));
        return -e;
    }
    if (fstat(fd, &st) < 0 || st.st_dev != r->f.dev || st.st_ino != r->f.ino ||
        (uint64_t)st.st_size != r->f.size) {
        snprintf(err, errlen, "%s: the file was replaced or resized since it was opened",
                 r->path);
        close(fd);
        return -EIO;
    }
    if (block_lock_upgrade(r->f.fd, r->path, err, errlen) < 0) {
        close(fd);
        return -EBUSY;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    *wfd = fd;
    return 0;
}

int block_raw_commit_end(struct block *b, int wfd)
{
    struct raw *r = b->priv;
    int rc = fdatasync(wfd) < 0 ? -errno : 0;
    if (close(wfd) < 0 && rc == 0)
        rc = -errno;
    block_lock_downgrade(r->f.fd);
    return rc;
}
