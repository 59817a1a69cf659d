/* Image files: a hardened open, whole transfers, O_DIRECT; see
 * block_int.h.
 *
 * The open refuses anything but a regular file before it could block on
 * it, as pc/hostfile.c does for firmware and kernels (a FIFO with no
 * writer would hang the open, a terminal or device the reads); that file
 * is not used here because block/ sits below pc/ in the include graph.
 *
 * O_DIRECT (cache=none, directsync) wants offsets, lengths and buffers
 * aligned to the device's logical block size, which guest requests need
 * not be: every transfer goes through an aligned bounce buffer, partial
 * blocks read-modify-written.  The alignment is probed as QEMU's
 * raw_probe_alignment does: the smallest of 512..4096 bytes that a read
 * accepts. */
#define _GNU_SOURCE 1 /* O_DIRECT */
#include "block/block_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BOUNCE_SIZE (1u << 20)
#define MAX_ALIGN 4096u

ssize_t block_pread_full(int fd, void *buf, size_t len, uint64_t off)
{
    size_t got = 0;
    while (got < len) {
        ssize_t r = pread(fd, (uint8_t *)buf + got, len - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r == 0)
            break; /* the end of the file */
        got += (size_t)r;
    }
    return (ssize_t)got;
}

int block_pwrite_full(int fd, const void *buf, size_t len, uint64_t off)
{
    size_t put = 0;
    while (put < len) {
        ssize_t r = pwrite(fd, (const uint8_t *)buf + put, len - put, (off_t)(off + put));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r == 0)
            return -EIO; /* no progress: do not spin */
        put += (size_t)r;
    }
    return 0;
}

static int fail(int fd, char *err, size_t errlen, const char *path, const char *why)
{
    snprintf(err, errlen, "%s: %s", path, why);
    if (fd >= 0)
        close(fd);
    return -1;
}

/* The smallest request size an O_DIRECT read of the file accepts. */
static unsigned probe_alignment(int fd, uint8_t *buf)
{
    for (unsigned a = 512; a <= MAX_ALIGN; a *= 2) {
        if (pread(fd, buf, a, 0) >= 0)
            return a;
        if (errno != EINVAL)
            break;
    }
    return MAX_ALIGN;
}

int bfile_open(struct bfile *f, const char *path, bool read_only, bool direct, bool lock,
               FILE *warn, char *err, size_t errlen)
{
    *f = (struct bfile){ .fd = -1, .read_only = read_only };
    if (!path || !*path)
        return fail(-1, err, errlen, "(no name)", "empty file name");
    /* O_NONBLOCK: a FIFO with no writer opens at once (and fstat refuses
     * it); it means nothing for a regular file, and is cleared below. */
    int flags = (read_only ? O_RDONLY : O_RDWR) | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
    int fd = open(path, flags | (direct ? O_DIRECT : 0));
    if (fd < 0 && direct && errno == EINVAL) {
        /* The file system has no O_DIRECT (QEMU would refuse; a warning
         * and the page cache serve users better). */
        fd = open(path, flags);
        if (fd >= 0 && warn)
            fprintf(warn, "plex86: %s: the file system does not support O_DIRECT "
                          "(cache=none/directsync): using the host's page cache\n", path);
        direct = false;
    }
    if (fd < 0) {
        int e = errno;
        char why[160];
        snprintf(why, sizeof(why), "%s%s", strerror(e),
                 !read_only && (e == EACCES || e == EROFS)
                     ? " (to use it without writing: readonly=on, or -snapshot)" : "");
        return fail(-1, err, errlen, path, why);
    }
    struct stat st;
    if (fstat(fd, &st) < 0)
        return fail(fd, err, errlen, path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return fail(fd, err, errlen, path, "is a directory, not an image file");
    if (!S_ISREG(st.st_mode))
        return fail(fd, err, errlen, path, "not a regular file");
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
        return fail(fd, err, errlen, path, strerror(errno));
    f->fd = fd;
    f->size = (uint64_t)st.st_size;
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    if (direct) {
        void *p = NULL;
        if (posix_memalign(&p, MAX_ALIGN, BOUNCE_SIZE) != 0) {
            f->fd = -1;
            return fail(fd, err, errlen, path, "out of memory");
        }
        f->bounce = p;
        f->direct = true;
        f->align = probe_alignment(fd, f->bounce);
    }
    if (lock && block_lock(fd, path, !read_only, warn, err, errlen) < 0) {
        bfile_close(f);
        return -1;
    }
    return 0;
}

void bfile_close(struct bfile *f)
{
    if (f->fd >= 0)
        close(f->fd);
    free(f->bounce);
    *f = (struct bfile){ .fd = -1 };
}

/* The part of an O_DIRECT transfer whose aligned blocks would pass the
 * end of the file (only when its size is not a multiple of the
 * alignment): with O_DIRECT off for the moment, so that a write does not
 * grow the file. */
static int buffered_io(struct bfile *f, uint64_t off, uint8_t *buf, size_t len, bool write)
{
    int fl = fcntl(f->fd, F_GETFL);
    if (fl < 0 || fcntl(f->fd, F_SETFL, fl & ~O_DIRECT) < 0)
        return -errno;
    int rc;
    if (write) {
        rc = block_pwrite_full(f->fd, buf, len, off);
    } else {
        ssize_t r = block_pread_full(f->fd, buf, len, off);
        rc = r < 0 ? (int)r : (size_t)r < len ? -EIO : 0;
    }
    fcntl(f->fd, F_SETFL, fl);
    return rc;
}

static int read_aligned(struct bfile *f, uint8_t *dst, size_t len, uint64_t off)
{
    ssize_t r = block_pread_full(f->fd, dst, len, off);
    return r < 0 ? (int)r : (size_t)r < len ? -EIO : 0;
}

static int direct_io(struct bfile *f, uint64_t off, uint8_t *buf, size_t len, bool write)
{
    const uint64_t a = f->align;
    while (len) {
        uint64_t start = off & ~(a - 1);
        size_t head = (size_t)(off - start);
        uint64_t want = (head + len + a - 1) & ~(a - 1);
        size_t span = want < BOUNCE_SIZE ? (size_t)want : BOUNCE_SIZE;
        size_t n = span - head < len ? span - head : len;
        int rc;
        if (start + span > f->size) {
            rc = buffered_io(f, off, buf, n, write);
        } else if (!write) {
            rc = read_aligned(f, f->bounce, span, start);
            if (rc == 0)
                memcpy(buf, f->bounce + head, n);
        } else {
            rc = 0;
            /* The partial blocks at either end keep what they hold. */
            if (head)
                rc = read_aligned(f, f->bounce, (size_t)a, start);
            if (rc == 0 && (head + n) % a)
                rc = read_aligned(f, f->bounce + span - a, (size_t)a, start + span - a);
            if (rc == 0) {
                memcpy(f->bounce + head, buf, n);
                rc = block_pwrite_full(f->fd, f->bounce, span, start);
            }
        }
        if (rc < 0)
            return rc;
        off += n;
        buf += n;
        len -= n;
    }
    return 0;
}

int bfile_read(struct bfile *f, uint64_t off, void *buf, size_t len)
{
    if (f->direct)
        return direct_io(f, off, buf, len, false);
    ssize_t r = block_pread_full(f->fd, buf, len, off);
    if (r < 0)
        return (int)r;
    /* The file shrank under us (it is locked against plex86 and QEMU, not
     * against everyone): an I/O error, not stale bytes. */
    return (size_t)r < len ? -EIO : 0;
}

int bfile_write(struct bfile *f, uint64_t off, const void *buf, size_t len)
{
    if (f->read_only)
        return -EROFS;
    if (f->direct)
        return direct_io(f, off, (uint8_t *)buf, len, true);
    return block_pwrite_full(f->fd, buf, len, off);
}

int bfile_sync(struct bfile *f)
{
    return fdatasync(f->fd) < 0 ? -errno : 0;
}
