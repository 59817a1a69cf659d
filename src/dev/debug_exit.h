/* The debug-exit port, compatible with QEMU's isa-debug-exit device as it
 * is usually configured (-device isa-debug-exit,iobase=0xf4,iosize=0x04):
 * a guest writes a value V and the VM stops with status (V << 1) | 1, so a
 * test guest can report pass/fail to the host without a console. */
#ifndef PLEX86_DEV_DEBUG_EXIT_H
#define PLEX86_DEV_DEBUG_EXIT_H

#include <stdint.h>

#include "dev/signals.h"
#include "vm/device.h"

#define DEBUG_EXIT_PORT 0xF4
#define DEBUG_EXIT_PORTS 4

struct debug_exit {
    struct device dev;     /* first: device_free */
    struct signal_request request; /* the board stops the VM with the
                                      status debug_exit_status(V) */
    uint16_t base;
    uint32_t last_value;   /* V of the last write */
    unsigned writes;
};

/* The status a write of V produces.  Always odd, so it never collides
 * with plex86's own (even) exit statuses. */
static inline int debug_exit_status(uint32_t v)
{
    return (int)((v << 1) | 1);
}

/* Declares DEBUG_EXIT_PORTS ports from `base`; a write fires `request`
 * with the value written.  NULL when out of memory. */
struct debug_exit *debug_exit_create(uint16_t base, struct signal_request request);

#endif
