/* The I/O APIC; see ioapic.h. */
#include "dev/ioapic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned entry_mode(uint64_t e)
{
    return (e >> 8) & 7;
}

/* Level triggered: bit 15, except for ExtINT, which the data sheet (3.2.4)
 * wants edge triggered. */
static bool entry_level(uint64_t e)
{
    return (e & IOAPIC_RTE_LEVEL) && entry_mode(e) != APIC_DM_EXTINT;
}

void ioapic_set_extint(struct ioapic *io, int (*ack)(void *opaque), void *opaque)
{
    io->extint_ack = ack;
    io->extint_opaque = opaque;
}

/* Sends pin `pin`'s message if its entry lets it (data sheet 3.2.4). */
static void service(struct ioapic *io, unsigned pin)
{
    uint64_t e = io->rte[pin];
    if ((e & IOAPIC_RTE_MASKED) || !(io->levels & (1u << pin)))
        return;
    uint8_t vector = (uint8_t)e;
    if (entry_mode(e) == APIC_DM_EXTINT) {
        /* The 8259's INTA cycle supplies the vector (3.2.4; taken here
         * when the message goes out, as QEMU does). */
        int v = io->extint_ack ? io->extint_ack(io->extint_opaque) : -1;
        if (v < 0)
            return;
        vector = (uint8_t)v;
    }
    bool level = entry_level(e);
    if (level) {
        if (e & IOAPIC_RTE_REMOTE_IRR)
            return;
        io->rte[pin] |= IOAPIC_RTE_REMOTE_IRR;
    }
    struct apic_msg m = {
        .vector = vector,
        .mode = (uint8_t)entry_mode(e),
        .logical = e & IOAPIC_RTE_LOGICAL,
        .dest = (uint8_t)(e >> 56),
        .level = level,
        .assert = true,
        .shorthand = APIC_SH_NONE,
        .source = -1,
    };
    io->sent++;
    apic_bus_send(&io->bus, &m);
}

void ioapic_set_irq(struct ioapic *io, unsigned pin, bool level)
{
    if (pin >= IOAPIC_PINS)
        return;
    uint32_t bit = 1u << pin;
    bool old = io->levels & bit;
    if (level)
        io->levels |= bit;
    else
        io->levels &= ~bit;
    /* Edge: a rising edge; level: the level while it is high. */
    if (level && (!old || entry_level(io->rte[pin])))
        service(io, pin);
}

static void pin_set(void *opaque, unsigned pin, bool level)
{
    ioapic_set_irq(opaque, pin, level);
}

struct irq_pin ioapic_irq_pin(struct ioapic *io, unsigned pin)
{
    return (struct irq_pin){ .set = pin_set, .opaque = io, .irq = pin };
}

void ioapic_eoi(struct ioapic *io, uint8_t vector)
{
    for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
        uint64_t e = io->rte[pin];
        if (entry_level(e) && (e & IOAPIC_RTE_REMOTE_IRR) && (uint8_t)e == vector) {
            io->rte[pin] &= ~IOAPIC_RTE_REMOTE_IRR;
            io->eois++;
            service(io, pin);   /* still high: again */
        }
    }
}

static uint32_t window_read(const struct ioapic *io)
{
    unsigned r = io->regsel;
    switch (r) {
    case 0x00: return io->id;
    case 0x01: return IOAPIC_VERSION;
    case 0x02: return io->id;   /* arbitration ID: the ID after RESET */
    default:
        if (r >= 0x10 && r < 0x10 + 2 * IOAPIC_PINS) {
            uint64_t e = io->rte[(r - 0x10) / 2];
            return (r & 1) ? (uint32_t)(e >> 32) : (uint32_t)e;
        }
        return 0xFFFFFFFFu;  /* no register there: the bus floats */
    }
}

static void window_write(struct ioapic *io, uint32_t v)
{
    unsigned r = io->regsel;
    if (r == 0x00) {
        io->id = v & 0x0F000000u;
        return;
    }
    if (r < 0x10 || r >= 0x10 + 2 * IOAPIC_PINS)
        return;   /* read-only or nothing */
    unsigned pin = (r - 0x10) / 2;
    uint64_t e = io->rte[pin];
    if (r & 1)
        e = (e & 0xFFFFFFFFull) | (uint64_t)v << 32;
    else
        e = (e & 0xFFFFFFFF00000000ull) | v;
    e = (e & IOAPIC_RTE_WRITABLE) | (io->rte[pin] & IOAPIC_RTE_REMOTE_IRR);
    /* Remote IRR means something only for level-triggered entries. */
    if (!entry_level(e))
        e &= ~IOAPIC_RTE_REMOTE_IRR;
    io->rte[pin] = e;
    /* Unmasked with its level input high: sent now. */
    if (entry_level(e))
        service(io, pin);
}

uint32_t ioapic_read(struct ioapic *io, uint32_t offset)
{
    switch (offset & 0xFF) {
    case IOAPIC_REGSEL: return io->regsel;
    case IOAPIC_WINDOW: return window_read(io);
    default: return 0;
    }
}

void ioapic_write(struct ioapic *io, uint32_t offset, uint32_t value)
{
    switch (offset & 0xFF) {
    case IOAPIC_REGSEL: io->regsel = (uint8_t)value; break;
    case IOAPIC_WINDOW: window_write(io, value); break;
    case IOAPIC_EOI: ioapic_eoi(io, (uint8_t)value); break;
    default: break;
    }
}

/* IOREGSEL takes a byte or more; IOWIN 32-bit accesses (data sheet 3.1);
 * narrower IOWIN reads give the low part, narrower writes are dropped. */
static uint32_t mmio_read(void *opaque, uint32_t offset, unsigned size)
{
    if (offset & 3)
        return 0;
    uint32_t v = ioapic_read(opaque, offset);
    return size >= 4 ? v : v & ((1u << (size * 8)) - 1);
}

static void mmio_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    if (offset & 3)
        return;
    if ((offset & 0xFF) == IOAPIC_REGSEL || (offset & 0xFF) == IOAPIC_EOI || size == 4)
        ioapic_write(opaque, offset, value);
}

static const struct mmio_ops ioapic_mmio = { .read = mmio_read, .write = mmio_write };

static void ioapic_reset(struct device *d)
{
    struct ioapic *io = container_of(d, struct ioapic, dev);
    io->regsel = 0;
    io->id = (uint32_t)io->initial_id << 24;
    for (unsigned i = 0; i < IOAPIC_PINS; i++)
        io->rte[i] = IOAPIC_RTE_MASKED;
    /* The inputs keep their levels: they are the sources'. */
}

static void ioapic_save(const struct device *d, struct state_out *out)
{
    const struct ioapic *io = container_of(d, const struct ioapic, dev);
    state_put_u32(out, io->id);
    state_put_u8(out, io->regsel);
    for (unsigned i = 0; i < IOAPIC_PINS; i++)
        state_put_u64(out, io->rte[i]);
    state_put_u32(out, io->levels);
}

static int ioapic_load(struct device *d, struct state_in *in, bool commit)
{
    struct ioapic *io = container_of(d, struct ioapic, dev);
    uint32_t id = state_get_u32(in);
    uint8_t regsel = state_get_u8(in);
    uint64_t rte[IOAPIC_PINS];
    for (unsigned i = 0; i < IOAPIC_PINS; i++) {
        rte[i] = state_get_u64(in);
        if (rte[i] & ~(IOAPIC_RTE_WRITABLE | IOAPIC_RTE_REMOTE_IRR))
            state_in_fail(in);
    }
    uint32_t levels = state_get_u32(in);
    if ((id & ~0x0F000000u) || (levels >> IOAPIC_PINS))
        state_in_fail(in);
    if (!state_in_ok(in, true))
        return -1;
    if (commit) {
        io->id = id;
        io->regsel = regsel;
        memcpy(io->rte, rte, sizeof(rte));
        io->levels = levels;
    }
    return 0;
}

static void ioapic_dump(const struct device *d, char *buf, size_t len)
{
    const struct ioapic *io = container_of(d, const struct ioapic, dev);
    int n = snprintf(buf, len, "id %u levels %06x sent %llu eoi %llu", io->id >> 24,
                     io->levels, (unsigned long long)io->sent, (unsigned long long)io->eois);
    /* The unmasked entries: pin=vector, e/l for the trigger, r for a
     * remote IRR. */
    for (unsigned i = 0; i < IOAPIC_PINS && n >= 0 && (size_t)n < len; i++) {
        uint64_t e = io->rte[i];
        if (e & IOAPIC_RTE_MASKED)
            continue;
        n += snprintf(buf + n, len - (size_t)n, " %u=%02x%s%s", i, (unsigned)(uint8_t)e,
                      (e & IOAPIC_RTE_LEVEL) ? "l" : "e",
                      (e & IOAPIC_RTE_REMOTE_IRR) ? "r" : "");
    }
}

static const struct device_ops ioapic_ops = {
    .type = "ioapic", .reset = ioapic_reset, .save = ioapic_save, .load = ioapic_load,
    .dump = ioapic_dump, .destroy = device_free,
};
_Static_assert(offsetof(struct ioapic, dev) == 0, "device_free frees the state");

struct ioapic *ioapic_create(uint32_t base, uint8_t id, struct apic_bus bus)
{
    struct ioapic *io = calloc(1, sizeof(*io));
    if (!io)
        return NULL;
    device_init(&io->dev, &ioapic_ops, "ioapic");
    device_add_mmio(&io->dev, base, 0x1000, &ioapic_mmio, io);
    io->bus = bus;
    io->initial_id = id & 0x0F;
    return io;
}
