/* Inside the file backends (block_open.h): what they share.  Not for
 * devices or the host. */
#ifndef PLEX86_BLOCK_BLOCK_INT_H
#define PLEX86_BLOCK_BLOCK_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "block/block.h"
#include "block/block_open.h"

/* A backing chain longer than this is refused (a loop, most likely). */
#define BLOCK_MAX_BACKING_DEPTH 16

/* What every backend block_open makes keeps first in its private state,
 * so that block_get_info and block_commit can read it whatever the
 * driver. */
struct block_meta {
    const char *format;        /* of the image: "raw" or "qcow2" */
    enum block_cache cache;
    bool direct;               /* O_DIRECT in effect */
    bool probed;
    bool write_cache;          /* the guest-visible write cache (WCE) */
    unsigned backing_depth;
    char *backing_path;        /* owned, or NULL */
};

extern const struct block_driver block_raw_driver;
extern const struct block_driver block_qcow2_driver;
extern const struct block_driver block_overlay_driver;

/* Makes a message one line whatever the names it quotes hold (a backing
 * file's name comes from the image): control characters become '?'. */
void block_one_line(char *s);

/* The meta of a block a backend here made, else NULL. */
struct block_meta *block_meta_of(const struct block *b);

/* Whether writes must be made durable before they complete. */
static inline bool block_meta_sync_writes(const struct block_meta *m)
{
    return !m->write_cache && m->cache != BLOCK_CACHE_UNSAFE;
}

/* --- an open image file (block_file.c) ------------------------------------ */

struct bfile {
    int fd;
    uint64_t size;             /* at open; images never change size */
    bool read_only;
    bool direct;               /* opened with O_DIRECT */
    unsigned align;            /* O_DIRECT: what offsets and lengths must be
                                  multiples of */
    uint8_t *bounce;           /* O_DIRECT: an aligned buffer */
    dev_t dev;
    ino_t ino;
};

/* Opens `path`, a regular file (anything else is refused before it could
 * block), read-only or read-write, with O_DIRECT when `direct` and the file
 * system allows it (else a warning on `warn` and the page cache), and
 * locked (block_lock) when `lock`.  Returns 0, or -1 with "PATH: why". */
int bfile_open(struct bfile *f, const char *path, bool read_only, bool direct, bool lock,
               FILE *warn, char *err, size_t errlen);
void bfile_close(struct bfile *f);

/* Exactly `len` bytes at `off`: 0, -EIO for bytes past the end, or
 * -errno. */
int bfile_read(struct bfile *f, uint64_t off, void *buf, size_t len);
int bfile_write(struct bfile *f, uint64_t off, const void *buf, size_t len);
/* fdatasync: 0 or -errno. */
int bfile_sync(struct bfile *f);

/* pread/pwrite until done, through EINTR and short transfers.  pread_full
 * returns the bytes read (fewer at the end of the file) or -errno;
 * pwrite_full 0 or -errno. */
ssize_t block_pread_full(int fd, void *buf, size_t len, uint64_t off);
int block_pwrite_full(int fd, const void *buf, size_t len, uint64_t off);

/* --- locks (block_lock.c) -------------------------------------------------- */

/* Locks the image open on `fd`: shared for a reader, exclusive for a
 * writer.  Returns 0; -1 with "PATH: why" (naming the process that holds
 * it) when another user is in the way.  A file system without locks gets
 * a warning on `warn` and no lock. */
int block_lock(int fd, const char *path, bool write, FILE *warn, char *err, size_t errlen);
/* For a commit: adds write permission to a reader's locks (0, or -1 with
 * a message), and takes it away again. */
int block_lock_upgrade(int fd, const char *path, char *err, size_t errlen);
void block_lock_downgrade(int fd);

/* --- backends --------------------------------------------------------------- */

/* A raw image on `f` (taken over).  `probed`: the format was guessed, so
 * writes that would put a header in sector 0 are refused. */
struct block *block_raw_new(struct bfile *f, const char *path, const struct block_options *o,
                            bool probed, char *err, size_t errlen);
/* For a commit into a raw image opened read-only: a second descriptor
 * open for writing on the same file, with the write lock (0, or -1 with a
 * message), and the end of it (fdatasync, close, lock back to shared). */
int block_raw_commit_begin(struct block *raw, int *wfd, char *err, size_t errlen);
int block_raw_commit_end(struct block *raw, int wfd);
/* Whether writing `sector0` (the first 512 bytes after a write) into
 * this raw image is refused: it was probed and they probe as a format. */
bool block_raw_guard(const struct block *raw, const uint8_t *sector0);

/* A qcow2 image whose file is `file` (taken over); `name` starts the
 * messages.  `path` (NULL: none followed) is where a backing file's
 * relative name starts from; `depth` counts the chain so far. */
struct block *block_qcow2_new(struct block *file, const char *name, const char *path,
                              const struct block_options *o, unsigned depth, char *err,
                              size_t errlen);

/* Opens an image with no overlay: what block_open and a backing file
 * use.  `depth` as above. */
struct block *block_open_image(const struct block_options *o, unsigned depth, char *err,
                               size_t errlen);

/* A -snapshot overlay over `base` (taken over). */
struct block *block_overlay_new(struct block *base, bool read_only, char *err,
                                size_t errlen);
int block_overlay_commit(struct block *b, uint64_t *bytes, char *err, size_t errlen);
/* The image under an overlay, and how many bytes the overlay holds. */
struct block *block_overlay_base(const struct block *b);
uint64_t block_overlay_bytes(const struct block *b);

#endif
