/* Whole-file reads and atomic replacements; see hostfile.h. */
#define _GNU_SOURCE 1 /* O_NOFOLLOW, O_CLOEXEC */
#include "pc/hostfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(int fd, uint8_t *buf, char *err, size_t errlen, const char *path,
                const char *why)
{
    snprintf(err, errlen, "%s: %s", path, why);
    if (fd >= 0)
        close(fd);
    free(buf);
    return -1;
}

int host_open_regular(const char *path, char *err, size_t errlen)
{
    /* O_NONBLOCK: opening a FIFO with no writer (or a serial line without
     * carrier) returns at once instead of waiting; fstat then refuses it.
     * A regular file ignores the flag. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return fail(-1, NULL, err, errlen, path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0)
        return fail(fd, NULL, err, errlen, path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return fail(fd, NULL, err, errlen, path, "not a regular file");
    return fd;
}

int host_read_file(const char *path, size_t max, uint8_t **data, size_t *size,
                   char *err, size_t errlen)
{
    *data = NULL;
    *size = 0;
    int fd = host_open_regular(path, err, errlen);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) < 0)
        return fail(fd, NULL, err, errlen, path, strerror(errno));
    if ((uint64_t)st.st_size > max) {
        char why[96];
        snprintf(why, sizeof(why), "too large (%lld bytes, at most %zu)",
                 (long long)st.st_size, max);
        return fail(fd, NULL, err, errlen, path, why);
    }
    size_t n = (size_t)st.st_size;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return fail(fd, NULL, err, errlen, path, "out of memory");
    /* The file may change under us: read what stat promised and no more. */
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return fail(fd, buf, err, errlen, path, strerror(errno));
        if (r == 0)
            return fail(fd, buf, err, errlen, path, "file shrank while being read");
        got += (size_t)r;
    }
    close(fd);
    *data = buf;
    *size = n;
    return 0;
}

int host_replace_begin(struct host_replace *r, const char *path, unsigned mode, char *err,
                       size_t errlen)
{
    *r = (struct host_replace){ 0 };
    struct stat st;
    if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file (it would be replaced by a rename)",
                 path);
        return -1;
    }
    size_t n = strlen(path) + sizeof(".XXXXXX");
    r->tmp = malloc(n);
    if (!r->tmp) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    snprintf(r->tmp, n, "%s.XXXXXX", path);
    int fd = mkostemp(r->tmp, O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot create a temporary file beside it: %s", path,
                 strerror(errno));
        free(r->tmp);
        r->tmp = NULL;
        return -1;
    }
    /* mkstemp makes it 0600. */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, (mode_t)mode & ~mask);
    r->f = fdopen(fd, "w");
    if (!r->f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        close(fd);
        unlink(r->tmp);
        free(r->tmp);
        r->tmp = NULL;
        return -1;
    }
    return 0;
}

void host_replace_abort(struct host_replace *r)
{
    if (r->f)
        fclose(r->f);
    if (r->tmp) {
        unlink(r->tmp);
        free(r->tmp);
    }
    *r = (struct host_replace){ 0 };
}

/* The rename reaches the disk with the directory that holds the name. */
static void sync_directory_of(const char *path)
{
    char *dir = strdup(path);
    if (!dir)
        return;
    char *slash = strrchr(dir, '/');
    const char *d = slash ? (slash == dir ? "/" : (*slash = 0, dir)) : ".";
    int dfd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    free(dir);
}

int host_replace_commit(struct host_replace *r, const char *path, bool sync, char *err,
                        size_t errlen)
{
    int bad = fflush(r->f) != 0 || ferror(r->f) || (sync && fsync(fileno(r->f)) != 0);
    int e = errno;
    if (fclose(r->f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    r->f = NULL;
    if (!bad && rename(r->tmp, path) != 0) {
        bad = 1;
        e = errno;
    }
    if (bad)
        snprintf(err, errlen, "%s: %s", path, strerror(e ? e : EIO));
    else {
        free(r->tmp);
        r->tmp = NULL;
        if (sync)
            sync_directory_of(path);
    }
    host_replace_abort(r);
    return bad ? -1 : 0;
}

int host_replace_file(const char *path, const uint8_t *data, size_t len, unsigned mode,
                      char *err, size_t errlen)
{
    struct host_replace r;
    if (host_replace_begin(&r, path, mode, err, errlen) < 0)
        return -1;
    if (len && fwrite(data, 1, len, r.f) != len) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno : EIO));
        host_replace_abort(&r);
        return -1;
    }
    return host_replace_commit(&r, path, true, err, errlen);
}
