/* The Bochs/QEMU debug console (QEMU's isa-debugcon): one port, 0xE9 for
 * -debugcon, 0x402 where SeaBIOS writes its log.  Each byte written goes to
 * a sink; a read returns 0xE9 whatever the port, which is how guests detect
 * that the console is there (Bochs "port e9 hack", QEMU's default
 * readback property, which SeaBIOS checks before it logs). */
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

/* Declares `port`; `name` is the device's (unique in the VM: "debugcon",
 * "isa-debugcon0", ...).  NULL when out of memory. */
struct debugcon *debugcon_create(const char *name, uint16_t port, struct char_sink out);

#endif
