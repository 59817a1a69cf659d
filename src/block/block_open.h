/* Images from files: what the command line's drives open (block.h has the
 * interface the devices use).
 *
 * block_open makes a `struct block` from a path and QEMU's -drive options:
 *   format    raw or qcow2; unset, the file is probed as QEMU does (a qcow2
 *             header is recognised, everything else is raw, and a raw image
 *             opened for writing gets QEMU's warning and a guard on sector 0:
 *             the guest may not write a header there that would make the
 *             next probe see another format, whose backing file could
 *             point anywhere on the host).
 *   media     a disk (or floppy) holds whole 512-byte sectors, a CD whole
 *             2048-byte ones; an image of another size is refused, as is an
 *             empty one.  A CD is read-only.
 *   read_only the guest's writes fail with -EROFS.
 *   snapshot  QEMU's -snapshot: the image is opened read-only and the
 *             guest's writes go to a temporary overlay (an unlinked file in
 *             $TMPDIR, or /var/tmp as QEMU); block_commit writes them back.
 *   cache     QEMU's cache= modes (block_cache below).
 * Raw images read and write; qcow2 images (versions 2 and 3, zlib-compressed
 * clusters, backing files followed read-only) are read-only, so a qcow2
 * disk needs readonly=on or -snapshot.  Images are locked while open: a
 * writer excludes every other user, readers share (see block_lock.c); the
 * locks are QEMU's too, so QEMU and plex86 keep each other out.
 *
 * Every error is one line that starts with the image's path. */
#ifndef PLEX86_BLOCK_BLOCK_OPEN_H
#define PLEX86_BLOCK_BLOCK_OPEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct block;

enum block_format {
    BLOCK_FORMAT_PROBE,   /* not given: look at the file */
    BLOCK_FORMAT_RAW,
    BLOCK_FORMAT_QCOW2,
};

/* QEMU's cache= modes (qemu-system(1), "-drive cache="): whether the
 * guest sees a volatile write cache, whether the host's page cache is
 * bypassed, and whether flushes reach the disk. */
enum block_cache {
    BLOCK_CACHE_WRITEBACK,    /* default: write cache on; flush = fdatasync */
    BLOCK_CACHE_WRITETHROUGH, /* no write cache: fdatasync after each write */
    BLOCK_CACHE_NONE,         /* O_DIRECT (where the file system has it),
                                 write cache on; flush = fdatasync */
    BLOCK_CACHE_DIRECTSYNC,   /* O_DIRECT and fdatasync after each write */
    BLOCK_CACHE_UNSAFE,       /* write cache on, flushes ignored */
};

enum block_media {
    BLOCK_MEDIA_DISK,     /* hard disk or floppy: multiples of 512 bytes */
    BLOCK_MEDIA_CDROM,    /* read-only, multiples of 2048 bytes */
};

struct block_options {
    const char *path;
    enum block_format format;
    enum block_media media;
    bool read_only;
    bool snapshot;
    enum block_cache cache;
    /* Where warnings go (a probed raw image, cache=none without O_DIRECT,
     * an image that cannot be locked), each ending in a newline; NULL:
     * nowhere. */
    FILE *warn;
};

/* Opens an image.  Returns NULL with one line in `err` ("PATH: why"). */
struct block *block_open(const struct block_options *o, char *err, size_t errlen);

/* What block_open made of an image (for `info block` and query-block). */
struct block_info {
    const char *format;        /* "raw" or "qcow2" */
    enum block_cache cache;
    bool direct;               /* O_DIRECT in effect */
    bool probed;               /* the format was guessed */
    bool read_only;            /* the guest cannot write */
    bool snapshot;             /* writes go to a temporary overlay */
    uint64_t overlay_bytes;    /* ... of which it holds this many now */
    unsigned backing_depth;    /* qcow2 backing files below the image */
    const char *backing_path;  /* the first of them, or NULL */
};

/* Fills `info`; false for a block that block_open did not make. */
bool block_get_info(const struct block *b, struct block_info *info);

/* Writes a -snapshot overlay back into its image (QEMU's `commit` and
 * Ctrl-A s), in order, then fdatasync, and empties the overlay; the guest
 * sees no change.  *bytes (may be NULL) gets how much was written.
 * Returns 0; -ENOTSUP for a block without an overlay or on a qcow2 image
 * (plex86 does not write qcow2), -EROFS for a read-only drive (it never
 * has an overlay), -EBUSY when another process has the image open, or
 * another -errno, each with one line in `err`. */
int block_commit(struct block *b, uint64_t *bytes, char *err, size_t errlen);

/* The guest-visible write cache (ATA IDENTIFY word 85 bit 5, SET FEATURES
 * 02h/82h): on unless cache=writethrough or directsync.  With it off,
 * every write is made durable before it completes (as QEMU does when the
 * guest turns its write cache off).  Blocks that block_open did not make
 * report it on and ignore the setting. */
bool block_write_cache_enabled(const struct block *b);
void block_set_write_cache(struct block *b, bool enabled);

/* cache= names: writeback, writethrough, none (or off), directsync,
 * unsafe.  Returns 0, or -1 for another word. */
int block_parse_cache(const char *s, enum block_cache *c);
const char *block_cache_name(enum block_cache c);

/* The format whose header the first bytes of an image hold ("qcow2",
 * "qcow", "vmdk", "vdi", "vpc", "vhdx", "qed", "luks", "parallels",
 * "bochs"), or NULL when they look like no header: raw.  QEMU's probes
 * for the same formats. */
const char *block_probe_format(const uint8_t *buf, size_t len);

/* For tests and fuzzers: a qcow2 image whose bytes `file` holds (taken
 * over: closed on failure too), read-only, with no backing file followed.
 * `name` starts the error messages. */
struct block *block_qcow2_open_block(struct block *file, const char *name, char *err,
                                     size_t errlen);

#endif
