/* The port bus: registration, conflicts, unowned ports reading all ones,
 * accesses split when their bytes have different owners. */
#include "check.h"
#include "vm/iobus.h"

/* A fake device with 4 byte-registers that records its last access. */
struct fake {
    uint8_t regs[4];
    uint16_t base, last_port;
    unsigned last_size, ins, outs;
};

static uint32_t fake_in(void *opaque, uint16_t port, unsigned size)
{
    struct fake *f = opaque;
    f->ins++;
    f->last_port = port;
    f->last_size = size;
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)f->regs[(port - f->base + i) & 3] << (8 * i);
    return v;
}

static void fake_out(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct fake *f = opaque;
    f->outs++;
    f->last_port = port;
    f->last_size = size;
    for (unsigned i = 0; i < size; i++)
        f->regs[(port - f->base + i) & 3] = (uint8_t)(value >> (8 * i));
}

static const struct io_ops fake_ops = { .in = fake_in, .out = fake_out };
static const struct io_ops write_only_ops = { .out = fake_out };

int main(void)
{
    static struct iobus bus;
    iobus_init(&bus);
    struct fake a = { .base = 0x100 }, b = { .base = 0x104 }, c = { .base = 0x200 };
    struct fake top = { .base = 0xFFFC };

    /* Registration and conflicts. */
    CHECK_EQ(iobus_register(&bus, 0x100, 4, &fake_ops, &a, "a"), 0);
    CHECK_EQ(iobus_register(&bus, 0x104, 4, &fake_ops, &b, "b"), 0);
    CHECK(iobus_register(&bus, 0x103, 1, &fake_ops, &c, "overlap") < 0);
    CHECK(iobus_register(&bus, 0x0FE, 4, &fake_ops, &c, "overlap") < 0);
    CHECK(iobus_register(&bus, 0x300, 0, &fake_ops, &c, "empty") < 0);
    CHECK(iobus_register(&bus, 0xFFFE, 4, &fake_ops, &c, "wraps") < 0);
    CHECK_EQ(iobus_register(&bus, 0xFFFC, 4, &fake_ops, &top, "top"), 0);
    CHECK_EQ(iobus_register(&bus, 0x200, 1, &write_only_ops, &c, "wo"), 0);

    /* Unowned ports read all ones at every width; writes vanish. */
    CHECK_EQ(iobus_in(&bus, 0x80, 1), 0xFF);
    CHECK_EQ(iobus_in(&bus, 0x80, 2), 0xFFFF);
    CHECK_EQ(iobus_in(&bus, 0x80, 4), 0xFFFFFFFF);
    iobus_out(&bus, 0x80, 0x12345678, 4);

    /* A port without an `in` handler reads all ones too. */
    CHECK_EQ(iobus_in(&bus, 0x200, 1), 0xFF);

    /* Whole accesses go to the owner in one call. */
    iobus_out(&bus, 0x100, 0xA1A2A3A4, 4);
    CHECK_EQ(a.outs, 1);
    CHECK_EQ(a.last_size, 4);
    CHECK_EQ(iobus_in(&bus, 0x100, 4), 0xA1A2A3A4);
    CHECK_EQ(iobus_in(&bus, 0x102, 2), 0xA1A2);
    CHECK_EQ(a.last_port, 0x102);

    /* Split across two owners: bytes to each. */
    iobus_out(&bus, 0x102, 0xB1B2B3B4, 4);
    CHECK_EQ(a.regs[2], 0xB4);
    CHECK_EQ(a.regs[3], 0xB3);
    CHECK_EQ(b.regs[0], 0xB2);
    CHECK_EQ(b.regs[1], 0xB1);
    CHECK_EQ(b.last_size, 1);
    CHECK_EQ(iobus_in(&bus, 0x103, 2), 0xB2B3);

    /* Split across an owner and nobody: the unowned byte reads 0xFF. */
    CHECK_EQ(iobus_in(&bus, 0x0FF, 2), 0xA4FF);
    CHECK_EQ(iobus_in(&bus, 0x107, 2), 0xFF00 | b.regs[3]);

    /* The top of the port space: the access wraps at 0xFFFF (the bus is
     * 16 bits wide), so 0xFFFF+1 is port 0. */
    iobus_out(&bus, 0xFFFC, 0x01020304, 4);
    CHECK_EQ(iobus_in(&bus, 0xFFFF, 2), 0xFF01);

    return check_report();
}
