/* The port I/O bus: 64 Ki byte ports, each owned by at most one device.
 * Reads of a port nobody owns return all ones and writes are dropped, as on a
 * PC's ISA bus (SDM vol. 1, 18.2; an undriven bus floats high). */
#ifndef PLEX86_VM_IOBUS_H
#define PLEX86_VM_IOBUS_H

#include <stdint.h>

#define IOBUS_MAX_HANDLERS 64

struct io_ops {
    /* size is 1, 2 or 4.  `port` is the first port of the access. */
    uint32_t (*in)(void *opaque, uint16_t port, unsigned size);
    void (*out)(void *opaque, uint16_t port, uint32_t value, unsigned size);
};

struct io_handler {
    uint16_t base;
    uint16_t count;
    const struct io_ops *ops;
    void *opaque;
    const char *name;
};

struct iobus {
    unsigned nhandlers;
    struct io_handler handlers[IOBUS_MAX_HANDLERS];
    uint8_t owner[65536]; /* 0 = nobody, k = handlers[k-1] */
    uint64_t reads, writes; /* accesses (iobus_in/out calls), for the
                               accounting: vm/count.h */
    /* Several host threads: the VM's big lock, held around each access
     * (physmem.h's dev_lock).  NULL: one thread. */
    void (*dev_lock)(void *opaque);
    void (*dev_unlock)(void *opaque);
    void *dev_lock_opaque;
};

void iobus_init(struct iobus *bus);
/* Claims ports [base, base+count).  Returns 0, or -1 if a port is taken or
 * the table is full.  `name` must outlive the registration. */
int iobus_register(struct iobus *bus, uint16_t base, uint16_t count,
                   const struct io_ops *ops, void *opaque, const char *name);
/* The handler owning a port of [base, base+count), or NULL when all are
 * free: what a clash names. */
const struct io_handler *iobus_find_overlap(const struct iobus *bus, uint16_t base,
                                            uint32_t count);
/* Releases the ports the registration at `base` with `opaque` holds (a
 * PCI BAR moving or turned off).  Returns 0, or -1 if there is none. */
int iobus_unregister(struct iobus *bus, uint16_t base, void *opaque);
/* An access whose bytes belong to different owners (or to none) is split
 * into byte accesses. */
uint32_t iobus_in(struct iobus *bus, uint16_t port, unsigned size);
void iobus_out(struct iobus *bus, uint16_t port, uint32_t value, unsigned size);

#endif
