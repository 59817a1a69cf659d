/* Port 0x92; see port92.h. */
#include "dev/port92.h"

#include <stdio.h>
#include <stdlib.h>

static uint32_t port92_in(void *opaque, uint16_t port, unsigned size)
{
    struct port92 *p = opaque;
    return (p->value & ~2u) | (signal_get(&p->a20) ? 2u : 0u);
}

static void port92_out(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct port92 *p = opaque;
    uint8_t old = p->value, v = (uint8_t)value;
    p->value = v;
    if (signal_get(&p->a20) != (bool)(v & 2))
        signal_set(&p->a20, v & 2);
    if ((v & 1) && !(old & 1)) {
        p->resets++;
        signal_fire(&p->reset, 0);
    }
}

/* The reset clears the register; the A20 line is the board's to set. */
static void port92_reset(struct device *d)
{
    container_of(d, struct port92, dev)->value = 0;
}

static void port92_save(const struct device *d, struct state_out *out)
{
    state_put_u8(out, container_of(d, const struct port92, dev)->value);
}

static int port92_load(struct device *d, struct state_in *in, bool commit)
{
    uint8_t v = state_get_u8(in);
    if (!state_in_ok(in, true))
        return -1;
    if (commit)
        container_of(d, struct port92, dev)->value = v;
    return 0;
}

static void port92_dump(const struct device *d, char *buf, size_t len)
{
    const struct port92 *p = container_of(d, const struct port92, dev);
    snprintf(buf, len, "value %02x a20 %d resets %llu", p->value, signal_get(&p->a20),
             (unsigned long long)p->resets);
}

static const struct io_ops port92_io = { .in = port92_in, .out = port92_out };
static const struct device_ops port92_ops = {
    .type = "port92", .reset = port92_reset, .save = port92_save, .load = port92_load,
    .dump = port92_dump, .destroy = device_free,
};
_Static_assert(offsetof(struct port92, dev) == 0, "device_free frees the state");

struct port92 *port92_create(struct signal_line a20, struct signal_request reset)
{
    struct port92 *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    device_init(&p->dev, &port92_ops, "port92");
    device_add_ports(&p->dev, PORT92_PORT, 1, &port92_io, p);
    p->a20 = a20;
    p->reset = reset;
    return p;
}
