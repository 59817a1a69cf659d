/* The devices' sections of a snapshot ("dev.NAME", one per device of the
 * VM, through vm/device.h's save and load).
 *
 * Compiled in with PLEX86_SNAPSHOT_DEVICES=1, once every device is a
 * `struct device` with save/load and struct vm lists them as
 * `struct device *devices[]` (issue 15, item 2, in a parallel branch).
 * Until then this part saves and checks nothing, and a snapshot restores
 * RAM, the CPU and the clock only. */
#ifndef PLEX86_PC_SNAPSHOT_DEVICES_H
#define PLEX86_PC_SNAPSHOT_DEVICES_H

#include <stdbool.h>
#include <stddef.h>

#include "pc/snapshot_format.h"

#ifndef PLEX86_SNAPSHOT_DEVICES
#define PLEX86_SNAPSHOT_DEVICES 0
#endif

struct vm;

/* Appends a section per device.  Returns 0, or -1 with a reason. */
int snapshot_devices_save(struct vm *vm, struct state_out *file, char *why, size_t whylen);

/* Every device's section through its load: a dry run (commit false) that
 * checks them all, or, once everything checked, the real one.  A device
 * without a section, or whose state is bad, fails the load. */
int snapshot_devices_load(struct vm *vm, struct snap_file *f, bool commit, char *why,
                          size_t whylen);

#endif
