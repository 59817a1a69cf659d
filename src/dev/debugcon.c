/* The 0xE9 debug console; see debugcon.h. */
#include "dev/debugcon.h"

#include <stdio.h>
#include <stdlib.h>

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

static void debugcon_dump(const struct device *dev, char *buf, size_t len)
{
    const struct debugcon *d = container_of(dev, const struct debugcon, dev);
    snprintf(buf, len, "bytes %llu", (unsigned long long)d->bytes);
}

/* Bytes leave at once and a read is a constant: nothing to save. */
static const struct io_ops debugcon_io = { .in = debugcon_in, .out = debugcon_out };
static const struct device_ops debugcon_ops = {
    .type = "debugcon", .save = device_save_nothing, .load = device_load_nothing,
    .dump = debugcon_dump, .destroy = device_free,
};
_Static_assert(offsetof(struct debugcon, dev) == 0, "device_free frees the state");

struct debugcon *debugcon_create(const char *name, uint16_t port, struct char_sink out)
{
    struct debugcon *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    device_init(&d->dev, &debugcon_ops, name);
    device_add_ports(&d->dev, port, 1, &debugcon_io, d);
    d->out = out;
    return d;
}
