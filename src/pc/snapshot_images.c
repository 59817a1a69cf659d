/* Disk-image identity in a snapshot; see snapshot_images.h. */
#include "pc/snapshot_images.h"

#include "pc/hostfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define HASH_SPAN (1u << 20)

static int crc_range(int fd, uint64_t off, size_t len, uint8_t *buf, uint32_t *crc)
{
    size_t got = 0;
    while (got < len) {
        ssize_t r = pread(fd, buf + got, len - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    *crc = (uint32_t)crc32(0, buf, (uInt)len);
    return 0;
}

int snapshot_image_identify(const char *path, struct snapshot_image_id *id, char *err,
                            size_t errlen)
{
    *id = (struct snapshot_image_id){ 0 };
    int fd = host_open_regular(path, err, errlen);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    id->size = (uint64_t)st.st_size;
    id->mtime_s = (int64_t)st.st_mtim.tv_sec;
    id->mtime_ns = (uint32_t)st.st_mtim.tv_nsec;
    size_t span = id->size < HASH_SPAN ? (size_t)id->size : HASH_SPAN;
    uint8_t *buf = malloc(span ? span : 1);
    int rc = buf && crc_range(fd, 0, span, buf, &id->crc_head) == 0 &&
                     crc_range(fd, id->size - span, span, buf, &id->crc_tail) == 0
                 ? 0 : -1;
    if (rc < 0)
        snprintf(err, errlen, "%s: %s", path, buf ? "cannot read it" : "out of memory");
    free(buf);
    close(fd);
    return rc;
}

int snapshot_images_save(const char *const *paths, unsigned n, struct state_out *out,
                         char *why, size_t whylen)
{
    state_put_u32(out, SNAPSHOT_IMAGES_VERSION);
    state_put_u32(out, n);
    for (unsigned i = 0; i < n; i++) {
        struct snapshot_image_id id;
        if (snapshot_image_identify(paths[i], &id, why, whylen) < 0)
            return -1;
        size_t len = strlen(paths[i]);
        if (len > SNAPSHOT_IMAGE_PATH_MAX)
            len = SNAPSHOT_IMAGE_PATH_MAX;
        state_put_u32(out, (uint32_t)len);
        state_put_bytes(out, paths[i], len);
        state_put_u64(out, id.size);
        state_put_u64(out, (uint64_t)id.mtime_s);
        state_put_u32(out, id.mtime_ns);
        state_put_u32(out, id.crc_head);
        state_put_u32(out, id.crc_tail);
    }
    return 0;
}

int snapshot_images_check(struct state_in *in, const char *const *paths, unsigned n,
                          bool force, char *why, size_t whylen)
{
    uint32_t version = state_get_u32(in);
    uint32_t count = state_get_u32(in);
    if (!state_in_ok(in, false) || version != SNAPSHOT_IMAGES_VERSION) {
        snprintf(why, whylen, "disk images: bad section");
        state_in_fail(in);
        return -1;
    }
    if (count != n) {
        snprintf(why, whylen, "the snapshot had %u disk image%s attached, this machine has %u",
                 count, count == 1 ? "" : "s", n);
        state_in_fail(in);
        return -1;
    }
    for (unsigned i = 0; i < n; i++) {
        uint32_t len = state_get_u32(in);
        if (!state_in_ok(in, false) || len > SNAPSHOT_IMAGE_PATH_MAX ||
            len > in->len - in->pos) {
            snprintf(why, whylen, "disk images: bad section");
            state_in_fail(in);
            return -1;
        }
        in->pos += len; /* the saved path is for people; the image is paths[i] */
        struct snapshot_image_id was;
        was.size = state_get_u64(in);
        was.mtime_s = (int64_t)state_get_u64(in);
        was.mtime_ns = state_get_u32(in);
        was.crc_head = state_get_u32(in);
        was.crc_tail = state_get_u32(in);
        if (!state_in_ok(in, false)) {
            snprintf(why, whylen, "disk images: bad section");
            return -1;
        }
        if (force)
            continue;
        struct snapshot_image_id now;
        if (snapshot_image_identify(paths[i], &now, why, whylen) < 0)
            return -1;
        const char *what = now.size != was.size ? "its size"
                           : now.crc_head != was.crc_head || now.crc_tail != was.crc_tail
                               ? "its contents"
                           : now.mtime_s != was.mtime_s || now.mtime_ns != was.mtime_ns
                               ? "its modification time"
                               : NULL;
        if (what) {
            snprintf(why, whylen, "disk image %s changed since the snapshot (%s); "
                                  "load with force to use it anyway", paths[i], what);
            return -1;
        }
    }
    if (!state_in_ok(in, true)) {
        snprintf(why, whylen, "disk images: bad section");
        return -1;
    }
    return 0;
}
