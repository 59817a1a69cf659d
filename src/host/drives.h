/* The drives of one run: the images the command line names, opened before
 * the board is built (pc_config.ide[] and .floppy[] get them) and closed
 * after it is gone, flushed, on every way the run ends.  Also what the
 * monitors show and do with them: `info block`, `commit`, `qemu-io`
 * (monitor_block.c), QMP's query-block, and the console's Ctrl-A s. */
#ifndef PLEX86_HOST_DRIVES_H
#define PLEX86_HOST_DRIVES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "host/cli.h"

struct block;
struct pc;
struct pc_config;

struct drive {
    bool present;
    bool cdrom;
    bool floppy;
    struct block *block;       /* NULL: a CD drive with no disc */
    char name[CLI_DRIVE_ID_MAX]; /* QEMU's name (ide0-hd0...) or id= */
    const char *path;          /* the image (in the cli options), or NULL */
    enum block_cache cache;
};

/* Indexed like the accounting's `drive` label: IDE 0-3, floppy 4-5. */
struct drives {
    struct drive d[CLI_DRIVES];
    char *warnings;            /* held for drives_print_warnings, or NULL */
};

/* Opens every drive of `o` (with -snapshot applied).  Warnings (a probed
 * raw image, cache=none without O_DIRECT, ...) are held back: a start-up
 * that fails says one line.  Returns 0, or -1 with one line in `err` (the
 * option as the user gave it, then why); nothing stays open then. */
int drives_open(struct drives *dv, const struct cli_options *o, char *err, size_t errlen);

/* Prints the warnings held back (once the machine is built). */
void drives_print_warnings(struct drives *dv, FILE *out);

/* True when some drive has an image. */
bool drives_any(const struct drives *dv);

/* Hands the drives to the board's configuration. */
void drives_to_config(const struct drives *dv, struct pc_config *cfg);

/* Tells the board which images it has (pc->image_paths: snapshots record
 * their identity). */
void drives_register_images(const struct drives *dv, struct pc *pc);

/* Makes every written byte durable (fdatasync where the cache mode
 * flushes).  Failures are printed on `msg` ("plex86: NAME: ..."); returns
 * -1 if there was one. */
int drives_flush(struct drives *dv, FILE *msg);

/* Flushes and closes every image (after pc_destroy).  Returns -1 if a
 * flush failed (printed on `msg`): written data may not be on the disk. */
int drives_close(struct drives *dv, FILE *msg);

/* The drive called `name`, or NULL. */
struct drive *drives_find(struct drives *dv, const char *name);

/* Commits the -snapshot overlay of one drive (`name`) or, with NULL, of
 * all that have one (QEMU's `commit all`, which skips the others).
 * Reports on `out` as QEMU's monitor does: nothing on success, "'commit'
 * error for 'NAME': why" otherwise, "Device 'NAME' not found".  Returns 0
 * or -1.  *bytes (may be NULL) gets how much was written back. */
int drives_commit(struct drives *dv, const char *name, FILE *out, uint64_t *bytes);

/* QEMU's `info block [NAME]`. */
void drives_info_block(const struct drives *dv, const char *name, FILE *out);

#endif
