/* The snapshot file format (docs/snapshots.md), shared by the parts that
 * write and read its sections.
 *
 *   header   "PLEX86SN", u32 format version, u8 length + plex86's version,
 *            u32 RAM bytes, u8 length + CPU model name, u32 CRC-32 of all
 *            the header's bytes before it
 *   section  u8 name length (1-32) + name, u64 payload length,
 *            u32 CRC-32 of the payload, the payload
 *   ...      "images", "ram", "cpu", "clock", then "dev.NAME" per device
 *   end      a section named "end" with no payload, then end of file
 *
 * Integers are little-endian (vm/state.h).  Saving the same machine twice
 * gives the same bytes: nothing in the file depends on when or where it
 * was written. */
#ifndef PLEX86_PC_SNAPSHOT_FORMAT_H
#define PLEX86_PC_SNAPSHOT_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vm/state.h"

struct pc;

#define SNAPSHOT_MAGIC "PLEX86SN"
#define SNAPSHOT_MAGIC_LEN 8
#define SNAPSHOT_FORMAT_VERSION 1
#define SNAPSHOT_NAME_MAX 32
#define SNAPSHOT_MAX_SECTIONS 64

/* One section of a file being loaded: its payload points into the file. */
struct snap_section {
    char name[SNAPSHOT_NAME_MAX + 1];
    const uint8_t *data;
    size_t len;
    bool used;      /* claimed by a part of the machine */
};

struct snap_file {
    struct snap_section s[SNAPSHOT_MAX_SECTIONS];
    unsigned n;
};

/* Appends a section with `payload` to a file being written. */
void snap_put_section(struct state_out *file, const char *name, const struct state_out *payload);

/* The section called `name` (marked used), or NULL. */
struct snap_section *snap_find(struct snap_file *f, const char *name);

/* snapshot_load on a file already in memory (the fuzz harness's entry):
 * `err` gets the reason without the path. */
int snapshot_load_bytes(struct pc *pc, const uint8_t *buf, size_t len, bool force,
                        char *err, size_t errlen);

/* Every section of a snapshot of `pc` in `file`; snapshot_save writes it. */
int snapshot_write_bytes(struct pc *pc, struct state_out *file, char *err, size_t errlen);

#endif
