/* The 0xE9 debug console; see debugcon.h. */
#include "dev/debugcon.h"

#include <stdlib.h>

#include "machine/vm.h"

/* Only the low byte of a wider write is a character (QEMU's debugcon does
 * the same); the bus already split off the bytes aimed at other ports. */
static void debugcon_out(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct debugcon *d = opaque;
    d->bytes++;
    char_sink_put(&d->out, (uint8_t)value);
}

static uint32_t debugcon_in(void *opaque, uint16_t port, unsigned size)
{
    return DEBUGCON_PORT;
}

static void debugcon_destroy(void *dev)
{
    free(dev);
}

static const struct io_ops debugcon_io = { .in = debugcon_in, .out = debugcon_out };
static const struct device_ops debugcon_dev = {
    .name = "debugcon", .destroy = debugcon_destroy,
};

struct debugcon *debugcon_create(struct vm *vm, uint16_t port, struct char_sink out)
{
    struct debugcon *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->out = out;
    if (vm_add_device(vm, &debugcon_dev, d) < 0) {
        free(d);
        return NULL;
    }
    if (iobus_register(&vm->io, port, 1, &debugcon_io, d, "debugcon") < 0)
        return NULL;
    return d;
}
