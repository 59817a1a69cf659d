/* FERR# to IRQ 13 and port 0xF0; see fpu_irq.h. */
#include "dev/fpu_irq.h"

#include <stdio.h>
#include <stdlib.h>

static void set_latch(struct fpu_irq *f, bool on)
{
    f->latched = on;
    irq_pin_set(&f->irq13, on);
}

void fpu_irq_ferr(struct fpu_irq *f, bool asserted)
{
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

static void fpu_irq_reset(struct device *d)
{
    set_latch(container_of(d, struct fpu_irq, dev), false);
}

static void fpu_irq_save(const struct device *d, struct state_out *out)
{
    state_put_bool(out, container_of(d, const struct fpu_irq, dev)->latched);
}

static int fpu_irq_load(struct device *d, struct state_in *in, bool commit)
{
    bool latched = state_get_bool(in);
    if (!state_in_ok(in, true))
        return -1;
    if (commit)
        set_latch(container_of(d, struct fpu_irq, dev), latched);
    return 0;
}

static void fpu_irq_dump(const struct device *d, char *buf, size_t len)
{
    const struct fpu_irq *f = container_of(d, const struct fpu_irq, dev);
    snprintf(buf, len, "latched %d errors %llu", f->latched,
             (unsigned long long)f->errors);
}

static const struct io_ops fpu_irq_io = { .in = fpu_irq_in, .out = fpu_irq_out };
static const struct device_ops fpu_irq_ops = {
    .type = "fpu-irq", .reset = fpu_irq_reset, .save = fpu_irq_save, .load = fpu_irq_load,
    .dump = fpu_irq_dump, .destroy = device_free,
};
_Static_assert(offsetof(struct fpu_irq, dev) == 0, "device_free frees the state");

struct fpu_irq *fpu_irq_create(struct irq_pin irq13)
{
    struct fpu_irq *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    device_init(&f->dev, &fpu_irq_ops, "fpu-irq");
    device_add_ports(&f->dev, FPU_IRQ_PORT, 1, &fpu_irq_io, f);
    f->irq13 = irq13;
    return f;
}
