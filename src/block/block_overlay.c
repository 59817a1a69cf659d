/* -snapshot: the guest's writes go to a temporary overlay, the image is
 * never written (until a commit); see block_open.h.
 *
 * The overlay is a sparse temporary file where each written sector sits
 * at its own offset, and a bitmap of the 512-byte sectors it holds.  The
 * file is made with mkstemp in $TMPDIR (else /var/tmp, QEMU's choice for
 * its -snapshot overlays: /tmp is often a small tmpfs) and unlinked at
 * once, so nothing is left behind however plex86 ends.  The bitmap is two
 * levels, a page of bits per 16 MiB of disk made on the first write
 * there, so a large disk costs only what the guest writes.
 *
 * A write that covers part of a sector the overlay does not hold yet
 * first copies that sector from the image (drives write whole sectors, so
 * this is for tests and odd callers). */
#define _GNU_SOURCE 1 /* mkostemp */
#include "block/block_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SECTOR 512u
#define PAGE_BITS (4096u * 8)      /* sectors one bitmap page covers */
#define COMMIT_CHUNK (1u << 20)

struct overlay {
    struct block_meta meta;   /* first: block_meta_of */
    struct block *base;
    int fd;
    uint8_t **map;            /* per PAGE_BITS sectors: a bitmap, or NULL */
    size_t npages;
    uint64_t held;            /* sectors in the overlay */
};

static bool held(const struct overlay *o, uint64_t s)
{
    const uint8_t *page = o->map[s / PAGE_BITS];
    uint64_t bit = s % PAGE_BITS;
    return page && (page[bit / 8] >> (bit % 8) & 1);
}

static int mark(struct overlay *o, uint64_t s)
{
    uint8_t **page = &o->map[s / PAGE_BITS];
    if (!*page && !(*page = calloc(PAGE_BITS / 8, 1)))
        return -ENOMEM;
    uint64_t bit = s % PAGE_BITS;
    if (!((*page)[bit / 8] >> (bit % 8) & 1)) {
        (*page)[bit / 8] |= (uint8_t)(1u << (bit % 8));
        o->held++;
    }
    return 0;
}

static int overlay_pread(struct overlay *o, void *buf, size_t len, uint64_t off)
{
    ssize_t r = block_pread_full(o->fd, buf, len, off);
    return r < 0 ? (int)r : (size_t)r < len ? -EIO : 0;
}

static int overlay_read(struct block *b, uint64_t off, void *buf, size_t len)
{
    struct overlay *o = b->priv;
    uint8_t *p = buf;
    while (len) {
        /* The longest run whose sectors are all in the overlay, or all
         * not. */
        uint64_t s = off / SECTOR;
        bool in = held(o, s);
        uint64_t end = off + len, e = (s + 1) * SECTOR;
        while (e < end && held(o, e / SECTOR) == in)
            e += SECTOR;
        size_t n = (size_t)((e < end ? e : end) - off);
        int rc = in ? overlay_pread(o, p, n, off) : block_read(o->base, off, p, n);
        if (rc < 0)
            return rc;
        off += n;
        p += n;
        len -= n;
    }
    return 0;
}

static int overlay_write(struct block *b, uint64_t off, const void *buf, size_t len)
{
    struct overlay *o = b->priv;
    const uint8_t *p = buf;
    while (len) {
        uint64_t s = off / SECTOR;
        size_t in = (size_t)(off % SECTOR);
        size_t n;
        int rc;
        if (in == 0 && len >= SECTOR) {
            n = len / SECTOR * SECTOR;
            rc = block_pwrite_full(o->fd, p, n, off);
            for (uint64_t k = 0; rc == 0 && k < n / SECTOR; k++)
                rc = mark(o, s + k);
        } else {
            n = SECTOR - in < len ? SECTOR - in : len;
            if (held(o, s)) {
                rc = block_pwrite_full(o->fd, p, n, off);
            } else {
                uint8_t sec[SECTOR];
                rc = block_read(o->base, s * SECTOR, sec, SECTOR);
                if (rc == 0) {
                    memcpy(sec + in, p, n);
                    rc = block_pwrite_full(o->fd, sec, SECTOR, s * SECTOR);
                }
                if (rc == 0)
                    rc = mark(o, s);
            }
        }
        if (rc < 0)
            return rc;
        off += n;
        p += n;
        len -= n;
    }
    return 0;
}

/* The overlay dies with the process: there is nothing to make durable
 * (QEMU's -snapshot overlay ignores flushes too). */
static int overlay_flush(struct block *b)
{
    return 0;
}

static void drop_map(struct overlay *o)
{
    for (size_t i = 0; i < o->npages; i++) {
        free(o->map[i]);
        o->map[i] = NULL;
    }
    o->held = 0;
}

static void overlay_close(struct block *b)
{
    struct overlay *o = b->priv;
    drop_map(o);
    free(o->map);
    if (o->fd >= 0)
        close(o->fd);
    block_close(o->base);
    free(o);
}

const struct block_driver block_overlay_driver = {
    .format = "overlay", .read = overlay_read, .write = overlay_write,
    .flush = overlay_flush, .close = overlay_close,
};

struct block *block_overlay_new(struct block *base, bool read_only, char *err, size_t errlen)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/var/tmp";
    size_t plen = strlen(dir) + sizeof("/plex86-snapshot.XXXXXX");
    char *tmpl = malloc(plen);
    struct overlay *o = calloc(1, sizeof(*o));
    uint64_t sectors = (block_length(base) + SECTOR - 1) / SECTOR;
    size_t npages = (size_t)((sectors + PAGE_BITS - 1) / PAGE_BITS);
    uint8_t **map = calloc(npages ? npages : 1, sizeof(*map));
    struct block *b = NULL;
    if (!tmpl || !o || !map) {
        snprintf(err, errlen, "%s: out of memory", block_name(base));
        goto fail;
    }
    snprintf(tmpl, plen, "%s/plex86-snapshot.XXXXXX", dir);
    o->fd = mkostemp(tmpl, O_CLOEXEC);
    if (o->fd < 0) {
        snprintf(err, errlen, "%s: -snapshot: cannot create a temporary file in %s: %s",
                 block_name(base), dir, strerror(errno));
        goto fail;
    }
    unlink(tmpl);
    o->base = base;
    o->map = map;
    o->npages = npages;
    struct block_meta *bm = block_meta_of(base);
    if (bm)
        o->meta = *bm;
    o->meta.backing_path = NULL; /* the base owns it */
    b = block_new(&block_overlay_driver, o, block_name(base), block_length(base), read_only);
    if (!b) {
        snprintf(err, errlen, "%s: out of memory", block_name(base));
        close(o->fd);
        goto fail;
    }
    free(tmpl);
    return b;
fail:
    free(tmpl);
    free(o);
    free(map);
    block_close(base);
    return NULL;
}

/* Writes what the overlay holds back through `wfd`, run by run. */
static int write_back(struct overlay *o, struct block *base, int wfd, uint64_t *bytes,
                      char *err, size_t errlen)
{
    uint8_t *buf = malloc(COMMIT_CHUNK);
    if (!buf) {
        snprintf(err, errlen, "%s: out of memory", block_name(base));
        return -ENOMEM;
    }
    uint64_t sectors = (block_length(base) + SECTOR - 1) / SECTOR;
    int rc = 0;
    for (uint64_t s = 0; rc == 0 && s < sectors;) {
        if (!o->map[s / PAGE_BITS]) {
            s = (s / PAGE_BITS + 1) * PAGE_BITS;
            continue;
        }
        if (!held(o, s)) {
            s++;
            continue;
        }
        uint64_t e = s + 1;
        while (e < sectors && held(o, e) && (e - s) * SECTOR < COMMIT_CHUNK)
            e++;
        uint64_t off = s * SECTOR;
        uint64_t end = e * SECTOR < block_length(base) ? e * SECTOR : block_length(base);
        size_t n = (size_t)(end - off);
        rc = overlay_pread(o, buf, n, off);
        if (rc == 0 && s == 0 && block_raw_guard(base, buf))
            rc = -EPERM;
        if (rc == 0)
            rc = block_pwrite_full(wfd, buf, n, off);
        if (rc < 0) {
            snprintf(err, errlen, "%s: commit: %s%s", block_name(base), strerror(-rc),
                     rc == -EPERM ? " (sector 0 would look like another image format to "
                                    "the next probe; give format=raw)" : "");
            break;
        }
        *bytes += n;
        s = e;
    }
    free(buf);
    return rc;
}

int block_overlay_commit(struct block *b, uint64_t *bytes, char *err, size_t errlen)
{
    struct overlay *o = b->priv;
    struct block *base = o->base;
    *bytes = 0;
    if (base->drv != &block_raw_driver) {
        snprintf(err, errlen, "%s: commit: plex86 cannot write into a %s image "
                              "(convert it: qemu-img convert -O raw)",
                 block_name(base), base->drv->format);
        return -ENOTSUP;
    }
    if (b->read_only) {
        snprintf(err, errlen, "%s: commit: the drive is read-only", block_name(base));
        return -EROFS;
    }
    if (!o->held)
        return 0;
    int wfd;
    int rc = block_raw_commit_begin(base, &wfd, err, errlen);
    if (rc < 0)
        return rc;
    rc = write_back(o, base, wfd, bytes, err, errlen);
    int end = block_raw_commit_end(base, wfd);
    if (rc == 0 && end < 0) {
        snprintf(err, errlen, "%s: commit: %s", block_name(base), strerror(-end));
        rc = end;
    }
    if (rc < 0)
        return rc;
    /* Empty again, as QEMU leaves the overlay after a commit. */
    drop_map(o);
    if (ftruncate(o->fd, 0) < 0) {
        /* Only space is lost: the bitmap says the sectors are the image's. */
    }
    return 0;
}

struct block *block_overlay_base(const struct block *b)
{
    const struct overlay *o = b->priv;
    return o->base;
}

uint64_t block_overlay_bytes(const struct block *b)
{
    const struct overlay *o = b->priv;
    return o->held * SECTOR;
}
