/* Disk images in a snapshot (the "images" section).  A snapshot holds the
 * guest's view of its disks (controller state, caches in RAM) but not the
 * disks: loading it against an image that changed since would show the
 * guest a disk that does not match what it remembers.  So the section
 * records each attached image's identity (path, size, mtime, a CRC-32 of
 * its first and of its last MiB) and the loader refuses an image whose
 * identity changed, unless forced. */
#ifndef PLEX86_PC_SNAPSHOT_IMAGES_H
#define PLEX86_PC_SNAPSHOT_IMAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vm/state.h"

#define SNAPSHOT_IMAGES_VERSION 1
#define SNAPSHOT_IMAGE_PATH_MAX 4096

struct snapshot_image_id {
    uint64_t size;
    int64_t mtime_s;
    uint32_t mtime_ns;
    uint32_t crc_head;  /* CRC-32 of the first MiB (or the whole image) */
    uint32_t crc_tail;  /* ... and of the last MiB */
};

/* The identity of the image at `path`.  Returns 0, or -1 with "PATH: why". */
int snapshot_image_identify(const char *path, struct snapshot_image_id *id, char *err,
                            size_t errlen);

/* Appends the section for the `n` images at `paths`.  Returns 0, or -1
 * with a reason (an image that cannot be read). */
int snapshot_images_save(const char *const *paths, unsigned n, struct state_out *out,
                         char *why, size_t whylen);

/* Checks a saved section against the `n` images attached now: the same
 * number, and each unchanged unless `force`.  Returns 0, or -1 with a
 * reason.  Changes nothing either way. */
int snapshot_images_check(struct state_in *in, const char *const *paths, unsigned n,
                          bool force, char *why, size_t whylen);

/* A snapshot records the images' identity, not their contents, so the
 * guest writes a -snapshot overlay holds would be missing when it is
 * loaded (the guest's page cache and the disk would disagree, and a later
 * run without -snapshot would write that disagreement into the image).
 * Returns 0 when no drive of `pc` has such writes, else -1 with one line
 * naming the drive. */
struct pc;
int snapshot_check_overlays(const struct pc *pc, char *err, size_t errlen);

#endif
