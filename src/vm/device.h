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

#include "vm/iobus.h"
#include "vm/physmem.h"
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

/* Resources a device decodes, declared by the device when it is created
 * (device_add_ports/device_add_mmio) and claimed on the VM's buses by
 * vm_add_device, which refuses a clash with an error naming both devices. */
#define DEVICE_MAX_PORT_RANGES 4
#define DEVICE_MAX_MMIO_RANGES 2

struct device_ports {
    uint16_t base, count;
    const struct io_ops *ops;
    void *opaque;
};

struct device_mmio {
    uint32_t base, size;
    const struct mmio_ops *ops;
    void *opaque;
};

struct device_resources {
    unsigned nports, nmmio;
    struct device_ports ports[DEVICE_MAX_PORT_RANGES];
    struct device_mmio mmio[DEVICE_MAX_MMIO_RANGES];
    bool overflow;     /* more were declared than fit: registration fails */
};

struct device {
    const struct device_ops *ops;
    char name[DEVICE_NAME_MAX]; /* unique within the VM ("pic", "serial0"):
                                   a snapshot's section name */
    /* Added beside the contract: what the VM registers for the device. */
    struct device_resources res;
};

/* Sets the ops and the name (cut to DEVICE_NAME_MAX - 1 characters) and
 * clears the resources. */
void device_init(struct device *d, const struct device_ops *ops, const char *name);

/* Declares ports [base, base+count) or the MMIO window [base, base+size)
 * (page aligned), decoded by `ops` with `opaque`. */
void device_add_ports(struct device *d, uint16_t base, uint16_t count,
                      const struct io_ops *ops, void *opaque);
void device_add_mmio(struct device *d, uint32_t base, uint32_t size,
                     const struct mmio_ops *ops, void *opaque);

/* The destroy op of every device whose state is one malloc'd block with
 * `struct device` as its first member (checked with a static assert beside
 * each device's ops). */
void device_free(struct device *d);

/* A save for a device with no guest-visible state, and its load (accepts
 * exactly the empty input). */
void device_save_nothing(const struct device *d, struct state_out *out);
int device_load_nothing(struct device *d, struct state_in *in, bool commit);

#ifndef container_of
#define container_of(ptr, type, member) \
    ((type *)((char *)(ptr) - offsetof(type, member)))
#endif

#endif
