/* The port I/O bus; see iobus.h. */
#include "vm/iobus.h"
#include "vm/count.h"

#include <string.h>

void iobus_init(struct iobus *bus)
{
    memset(bus, 0, sizeof(*bus));
}

int iobus_register(struct iobus *bus, uint16_t base, uint16_t count,
                   const struct io_ops *ops, void *opaque, const char *name)
{
    if (count == 0 || (uint32_t)base + count > 0x10000 ||
        iobus_find_overlap(bus, base, count))
        return -1;
    /* A slot freed by iobus_unregister (count 0) is reused first. */
    unsigned slot = 0;
    while (slot < bus->nhandlers && bus->handlers[slot].count)
        slot++;
    if (slot >= IOBUS_MAX_HANDLERS)
        return -1;
    bus->handlers[slot] = (struct io_handler){
        .base = base, .count = count, .ops = ops, .opaque = opaque, .name = name };
    if (slot == bus->nhandlers)
        bus->nhandlers++;
    uint8_t idx = (uint8_t)(slot + 1);
    for (uint32_t p = base; p < (uint32_t)base + count; p++)
        bus->owner[p] = idx;
    return 0;
}

const struct io_handler *iobus_find_overlap(const struct iobus *bus, uint16_t base,
                                            uint32_t count)
{
    for (uint32_t p = base; p < (uint32_t)base + count && p < 0x10000; p++)
        if (bus->owner[p])
            return &bus->handlers[bus->owner[p] - 1];
    return NULL;
}

int iobus_unregister(struct iobus *bus, uint16_t base, void *opaque)
{
    for (unsigned i = 0; i < bus->nhandlers; i++) {
        struct io_handler *h = &bus->handlers[i];
        if (h->count && h->base == base && h->opaque == opaque) {
            for (uint32_t p = base; p < (uint32_t)base + h->count; p++)
                bus->owner[p] = 0;
            h->count = 0;
            return 0;
        }
    }
    return -1;
}

/* The handler that owns every byte of [port, port+size), or NULL. */
static const struct io_handler *whole_owner(const struct iobus *bus, uint16_t port,
                                            unsigned size)
{
    uint8_t idx = bus->owner[port];
    if (!idx)
        return NULL;
    for (unsigned i = 1; i < size; i++)
        if (bus->owner[(uint16_t)(port + i)] != idx)
            return NULL;
    return &bus->handlers[idx - 1];
}

static uint32_t bus_in(struct iobus *bus, uint16_t port, unsigned size)
{
    ACCT_INC(bus->reads);
    const struct io_handler *h = whole_owner(bus, port, size);
    if (h)
        return h->ops->in ? h->ops->in(h->opaque, port, size)
                          : (uint32_t)(0xFFFFFFFFull >> (32 - 8 * size));
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        uint16_t p = (uint16_t)(port + i);
        uint8_t idx = bus->owner[p];
        uint32_t b = 0xFF;
        if (idx && bus->handlers[idx - 1].ops->in)
            b = bus->handlers[idx - 1].ops->in(bus->handlers[idx - 1].opaque, p, 1) & 0xFF;
        v |= b << (8 * i);
    }
    return v;
}

static void bus_out(struct iobus *bus, uint16_t port, uint32_t value, unsigned size)
{
    ACCT_INC(bus->writes);
    const struct io_handler *h = whole_owner(bus, port, size);
    if (h) {
        if (h->ops->out)
            h->ops->out(h->opaque, port, value, size);
        return;
    }
    for (unsigned i = 0; i < size; i++) {
        uint16_t p = (uint16_t)(port + i);
        uint8_t idx = bus->owner[p];
        if (idx && bus->handlers[idx - 1].ops->out)
            bus->handlers[idx - 1].ops->out(bus->handlers[idx - 1].opaque, p,
                                            (value >> (8 * i)) & 0xFF, 1);
    }
}

uint32_t iobus_in(struct iobus *bus, uint16_t port, unsigned size)
{
    if (!bus->dev_lock)
        return bus_in(bus, port, size);
    bus->dev_lock(bus->dev_lock_opaque);
    uint32_t v = bus_in(bus, port, size);
    bus->dev_unlock(bus->dev_lock_opaque);
    return v;
}

void iobus_out(struct iobus *bus, uint16_t port, uint32_t value, unsigned size)
{
    if (!bus->dev_lock) {
        bus_out(bus, port, value, size);
        return;
    }
    bus->dev_lock(bus->dev_lock_opaque);
    bus_out(bus, port, value, size);
    bus->dev_unlock(bus->dev_lock_opaque);
}
