/* The debug-exit port; see debug_exit.h. */
#include "dev/debug_exit.h"

#include <stdio.h>
#include <stdlib.h>

/* Any write in the window stops the VM with the value written, whatever
 * its width (QEMU's debug_exit_write ignores address and width as well).
 * The board lets the current instruction finish. */
static void debug_exit_out(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct debug_exit *d = opaque;
    d->last_value = value;
    d->writes++;
    signal_fire(&d->request, value);
}

static void debug_exit_dump(const struct device *dev, char *buf, size_t len)
{
    const struct debug_exit *d = container_of(dev, const struct debug_exit, dev);
    snprintf(buf, len, "base %#x writes %u last %#x", d->base, d->writes, d->last_value);
}

/* No `in`: reads see an undriven bus (all ones), as with QEMU's device.
 * No state a guest can read back: nothing to save. */
static const struct io_ops debug_exit_io = { .out = debug_exit_out };
static const struct device_ops debug_exit_ops = {
    .type = "debug-exit", .save = device_save_nothing, .load = device_load_nothing,
    .dump = debug_exit_dump, .destroy = device_free,
};
_Static_assert(offsetof(struct debug_exit, dev) == 0, "device_free frees the state");

struct debug_exit *debug_exit_create(uint16_t base, struct signal_request request)
{
    struct debug_exit *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    device_init(&d->dev, &debug_exit_ops, "debug-exit");
    device_add_ports(&d->dev, base, DEBUG_EXIT_PORTS, &debug_exit_io, d);
    d->request = request;
    d->base = base;
    return d;
}
