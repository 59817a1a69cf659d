/* System control port A (port 0x92, PS/2 "fast A20 and reset"), as on the
 * PIIX3: bit 1 opens (1) or closes (0) the A20 gate through vm_set_a20;
 * bit 0 going from 0 to 1 resets the machine
 * (vm_request_exit(VM_EXIT_RESET)).  A read gives the bits written with
 * bit 1 showing the A20 line as it is (the keyboard controller drives the
 * same line; the last write through either wins) and bit 0 as written. */
#ifndef PLEX86_DEV_PORT92_H
#define PLEX86_DEV_PORT92_H

#include <stdint.h>

struct vm;

#define PORT92_PORT 0x92

struct port92 {
    struct vm *vm;
    uint8_t value;     /* last value written (bit 1: see vm->mem.a20_mask) */
    uint64_t resets;   /* reset requests made */
};

/* Registers port 0x92 and adds the device to the VM, which owns it from
 * then on.  Returns NULL if the port is taken or the table is full. */
struct port92 *port92_create(struct vm *vm);

#endif
