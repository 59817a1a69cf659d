/* FERR# to IRQ 13 and port 0xF0; see fpu_irq.h. */
#include "dev/fpu_irq.h"

#include <stdlib.h>

#include "machine/vm.h"

static void set_latch(struct fpu_irq *f, bool on)
{
    f->latched = on;
    irq_pin_set(&f->irq13, on);
}

/* FERR# from the CPU: a rising edge sets the latch; its falling edge (the
 * guest cleared ES) does not clear it, only the port write does. */
static void fpu_irq_ferr(void *opaque, bool asserted)
{
    struct fpu_irq *f = opaque;
    if (asserted && !f->latched) {
        f->errors++;
        set_latch(f, true);
    }
}

static uint32_t fpu_irq_in(void *opaque, uint16_t port, unsigned size)
{
    /* Write-only: an undriven bus, all ones in the access's width (the
     * bus contract; the ports fuzzer found a full 32 bits here). */
    return size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
}

static void fpu_irq_out(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    set_latch(opaque, false);
}

static void fpu_irq_reset(void *dev)
{
    set_latch(dev, false);
}

static void fpu_irq_destroy(void *dev)
{
    free(dev);
}

static const struct io_ops fpu_irq_io = { .in = fpu_irq_in, .out = fpu_irq_out };
static const struct device_ops fpu_irq_dev = {
    .name = "fpu-irq", .reset = fpu_irq_reset, .destroy = fpu_irq_destroy,
};

struct fpu_irq *fpu_irq_create(struct vm *vm, struct irq_pin irq13)
{
    struct fpu_irq *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->irq13 = irq13;
    if (vm_add_device(vm, &fpu_irq_dev, f) < 0) {
        free(f);
        return NULL;
    }
    if (iobus_register(&vm->io, FPU_IRQ_PORT, 1, &fpu_irq_io, f, "fpu-irq") < 0)
        return NULL;
    vm->cpu.pins.ferr = fpu_irq_ferr;
    vm->cpu.pins.ferr_opaque = f;
    return f;
}
