/* The device interface's common part; see device.h. */
#include "vm/device.h"

#include <stdlib.h>
#include <string.h>

void device_init(struct device *d, const struct device_ops *ops, const char *name)
{
    d->ops = ops;
    memset(d->name, 0, sizeof(d->name));
    strncpy(d->name, name, sizeof(d->name) - 1);
    d->res = (struct device_resources){ 0 };
}

void device_add_ports(struct device *d, uint16_t base, uint16_t count,
                      const struct io_ops *ops, void *opaque)
{
    struct device_resources *r = &d->res;
    if (r->nports >= DEVICE_MAX_PORT_RANGES) {
        r->overflow = true;
        return;
    }
    r->ports[r->nports++] = (struct device_ports){ .base = base, .count = count,
                                                   .ops = ops, .opaque = opaque };
}

void device_add_mmio(struct device *d, uint32_t base, uint32_t size,
                     const struct mmio_ops *ops, void *opaque)
{
    struct device_resources *r = &d->res;
    if (r->nmmio >= DEVICE_MAX_MMIO_RANGES) {
        r->overflow = true;
        return;
    }
    r->mmio[r->nmmio++] = (struct device_mmio){ .base = base, .size = size, .ops = ops,
                                                .opaque = opaque };
}

void device_free(struct device *d)
{
    free(d);
}

void device_save_nothing(const struct device *d, struct state_out *out)
{
    (void)d;
    (void)out;
}

int device_load_nothing(struct device *d, struct state_in *in, bool commit)
{
    (void)d;
    (void)commit;
    return state_in_ok(in, true) ? 0 : -1;
}
