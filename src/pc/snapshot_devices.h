/* The devices' sections of a snapshot ("dev.NAME", one per device of the
 * VM, through vm/device.h's save and load). */
#ifndef PLEX86_PC_SNAPSHOT_DEVICES_H
#define PLEX86_PC_SNAPSHOT_DEVICES_H

#include <stdbool.h>
#include <stddef.h>

#include "pc/snapshot_format.h"

struct vm;

/* Appends a section per device.  Returns 0, or -1 with a reason. */
int snapshot_devices_save(struct vm *vm, struct state_out *file, char *why, size_t whylen);

/* Every device's section through its load: a dry run (commit false) that
 * checks them all, or, once everything checked, the real one.  A device
 * without a section, or whose state is bad, fails the load. */
int snapshot_devices_load(struct vm *vm, struct snap_file *f, bool commit, char *why,
                          size_t whylen);

#endif
