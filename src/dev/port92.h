/* System control port A (port 0x92, PS/2 "fast A20 and reset"), as on the
 * PIIX3: bit 1 opens (1) or closes (0) the A20 gate (a board line); bit 0
 * going from 0 to 1 fires the RESET request.  A read gives the bits
 * written with bit 1 showing the A20 line as it is (the keyboard
 * controller drives the same line; the last write through either wins)
 * and bit 0 as written. */
#ifndef PLEX86_DEV_PORT92_H
#define PLEX86_DEV_PORT92_H

#include <stdint.h>

#include "dev/signals.h"
#include "vm/device.h"

#define PORT92_PORT 0x92

struct port92 {
    struct device dev;      /* first: device_free */
    struct signal_line a20; /* the gate: set, and read back */
    struct signal_request reset;
    uint8_t value;     /* last value written (bit 1: see the a20 line) */
    uint64_t resets;   /* reset requests made */
};

/* Declares port 0x92.  NULL when out of memory. */
struct port92 *port92_create(struct signal_line a20, struct signal_request reset);

#endif
