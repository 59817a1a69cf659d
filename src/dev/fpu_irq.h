/* The PC/AT's x87 error wiring: the coprocessor's FERR# output latched
 * onto IRQ 13, and port 0xF0, a write to which clears that latch and
 * asserts IGNNE# (PC/AT technical reference; Intel 82371 PIIX data sheet,
 * "coprocessor error").  Software that runs with CR0.NE = 0 (DOS-era
 * error handling) takes its x87 errors this way; with CR0.NE = 1 the CPU
 * raises #MF itself and FERR# stays unused.
 *
 * The CPU side: the board connects the CPU's FERR# output (cpu.ferr,
 * src/cpu/fpu.h) to fpu_irq_ferr.
 * IGNNE# needs nothing from us: our FPU goes on executing after it has
 * asserted FERR#, as the PC's IGNNE# logic makes it do. */
#ifndef PLEX86_DEV_FPU_IRQ_H
#define PLEX86_DEV_FPU_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/irq.h"
#include "vm/device.h"

#define FPU_IRQ_PORT 0xF0
#define FPU_IRQ_LINE 13

struct fpu_irq {
    struct device dev;  /* first: device_free */
    struct irq_pin irq13;
    bool latched;       /* FERR# was asserted since the last port write */
    uint64_t errors;    /* FERR# assertions seen */
};

/* Creates the latch, declaring port 0xF0.  NULL when out of memory. */
struct fpu_irq *fpu_irq_create(struct irq_pin irq13);

/* The FERR# input: a rising edge sets the latch; its falling edge (the
 * guest cleared ES) does not clear it, only the port write does. */
void fpu_irq_ferr(struct fpu_irq *f, bool asserted);

#endif
