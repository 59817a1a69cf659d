/* The Bochs/QEMU debug console: port 0xE9.  Each byte written goes to a sink;
 * a read returns 0xE9, which is how guests detect that the port is there
 * (Bochs "port e9 hack", QEMU -debugcon's default readback). */
#ifndef PLEX86_DEV_DEBUGCON_H
#define PLEX86_DEV_DEBUGCON_H

#include <stdint.h>

#include "dev/chardev.h"

#include "vm/device.h"

#define DEBUGCON_PORT 0xE9

struct debugcon {
    struct device dev;     /* first: device_free */
    struct char_sink out;
    uint64_t bytes;        /* bytes written by the guest */
};

/* Registers `port` and adds the device to the VM (which owns it from then
 * on).  Returns NULL if the port is taken or the table is full. */
/* Declares `port`.  NULL when out of memory. */
struct debugcon *debugcon_create(uint16_t port, struct char_sink out);

#endif
