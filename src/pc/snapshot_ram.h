/* Guest RAM in a snapshot (the "ram" section): 1 MiB chunks, each a bitmap
 * of its 4 KiB pages that are not all zero and those pages deflated with
 * zlib.  Loading decompresses into a scratch copy; guest RAM changes only
 * at commit, after every section has been checked. */
#ifndef PLEX86_PC_SNAPSHOT_RAM_H
#define PLEX86_PC_SNAPSHOT_RAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vm/state.h"

struct vm;

#define SNAPSHOT_RAM_VERSION 1
#define SNAPSHOT_RAM_CHUNK (1u << 20)

/* Appends the RAM section's payload (RAM and the A20 gate).  Returns 0, or
 * -1 with a reason (out of memory, zlib failed). */
int snapshot_ram_save(struct vm *vm, struct state_out *out, char *why, size_t whylen);

/* A checked RAM image, not yet in the VM. */
struct snapshot_ram {
    uint8_t *data;      /* ram_size bytes; only present pages written */
    uint8_t *present;   /* a bit per page: not all zero */
    uint32_t size;
    bool a20;
};

/* Decompresses and checks a RAM section for `vm` (same RAM size).  Returns
 * 0, or -1 with a reason; `r` is freed either way by snapshot_ram_free. */
int snapshot_ram_parse(struct vm *vm, struct state_in *in, struct snapshot_ram *r,
                       char *why, size_t whylen);
/* Puts a parsed image into guest RAM and sets the A20 gate. */
void snapshot_ram_commit(struct vm *vm, const struct snapshot_ram *r);
void snapshot_ram_free(struct snapshot_ram *r);

#endif
