/* The device interface (issue 15, item 2): what every device of the board
 * has in common, and what the VM, the snapshot code and the monitor use to
 * reach a device without knowing its type.
 *
 * A device embeds a `struct device` in its own state (container_of gets the
 * state back) and describes itself with one static `struct device_ops`.
 * State is saved and loaded field by field through vm/state.h.
 *
 * THIS FILE IS THE CONTRACT BETWEEN THE DEVICES AND THE SNAPSHOT CODE:
 * the fields and ops below are fixed; registration of devices and their
 * resources (ports, MMIO, PCI) is added beside them. */
#ifndef PLEX86_VM_DEVICE_H
#define PLEX86_VM_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vm/state.h"

#define DEVICE_NAME_MAX 16

struct device;

struct device_ops {
    const char *type;      /* "pic", "pit", "serial", ... */
    /* The RESET line: back to the power-on state. */
    void (*reset)(struct device *d);
    /* Appends the device's whole guest-visible state (timers' deadlines
     * included) to `out`.  Saving the same state twice gives the same
     * bytes. */
    void (*save)(const struct device *d, struct state_out *out);
    /* Reads what save wrote and checks every value.  Returns 0, or -1 on
     * bad input.  With commit false nothing changes (a dry run: the
     * snapshot loader checks every section before it touches the VM);
     * with commit true and good input the device takes the state (and
     * re-arms its timers). */
    int (*load)(struct device *d, struct state_in *in, bool commit);
    /* One line, no newline, for the monitor's `info` commands. */
    void (*dump)(const struct device *d, char *buf, size_t len);
    /* Frees the device (its state embeds `struct device`). */
    void (*destroy)(struct device *d);
};

struct device {
    const struct device_ops *ops;
    char name[DEVICE_NAME_MAX]; /* unique within the VM ("pic", "serial0"):
                                   a snapshot's section name */
};

#ifndef container_of
#define container_of(ptr, type, member) \
    ((type *)((char *)(ptr) - offsetof(type, member)))
#endif

#endif
