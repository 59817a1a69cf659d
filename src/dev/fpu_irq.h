/* The PC/AT's x87 error wiring: the coprocessor's FERR# output latched
 * onto IRQ 13, and port 0xF0, a write to which clears that latch and
 * asserts IGNNE# (PC/AT technical reference; Intel 82371 PIIX data sheet,
 * "coprocessor error").  Software that runs with CR0.NE = 0 (DOS-era
 * error handling) takes its x87 errors this way; with CR0.NE = 1 the CPU
 * raises #MF itself and FERR# stays unused.
 *
 * The CPU side: cpu.pins.ferr is called when FERR# changes (src/cpu/fpu.h).
 * IGNNE# needs nothing from us: our FPU goes on executing after it has
 * asserted FERR#, as the PC's IGNNE# logic makes it do. */
#ifndef PLEX86_DEV_FPU_IRQ_H
#define PLEX86_DEV_FPU_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/irq.h"

struct vm;

#define FPU_IRQ_PORT 0xF0
#define FPU_IRQ_LINE 13

struct fpu_irq {
    struct irq_pin irq13;
    bool latched;       /* FERR# was asserted since the last port write */
    uint64_t errors;    /* FERR# assertions seen */
};

/* Creates the latch, registers port 0xF0, hooks the VM's CPU FERR#
 * output and adds itself to the VM, which owns it.  NULL on failure. */
struct fpu_irq *fpu_irq_create(struct vm *vm, struct irq_pin irq13);

#endif
