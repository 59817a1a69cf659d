/* The debug-exit port, compatible with QEMU's isa-debug-exit device as it
 * is usually configured (-device isa-debug-exit,iobase=0xf4,iosize=0x04):
 * a guest writes a value V and the VM stops with status (V << 1) | 1, so a
 * test guest can report pass/fail to the host without a console. */
#ifndef PLEX86_DEV_DEBUG_EXIT_H
#define PLEX86_DEV_DEBUG_EXIT_H

#include <stdint.h>

struct vm;

#define DEBUG_EXIT_PORT 0xF4
#define DEBUG_EXIT_PORTS 4

struct debug_exit {
    struct vm *vm;
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

/* Registers ports [base, base+4) and adds the device to the VM (which owns it
 * from then on).  Returns NULL if the ports are taken or the table is full. */
struct debug_exit *debug_exit_create(struct vm *vm, uint16_t base);

#endif
