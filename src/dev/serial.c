/* A minimal NS16550A: transmitter, register file and loopback; see serial.h.
 *
 * What a driver sees: LSR always says the transmitter is empty (THRE|TEMT),
 * because a byte leaves for the sink the moment it is written, so a driver
 * that polls LSR bit 5 before each byte (as BIOSes and Linux's early console
 * do) never waits.  IIR says "no interrupt pending" since none are raised. */
#include "dev/serial.h"

#include <stdlib.h>

#include "vm/vm.h"

static bool dlab(const struct serial *s)
{
    return s->lcr & UART_LCR_DLAB;
}

/* MSR in loopback mode mirrors MCR's outputs onto the inputs (data sheet,
 * MCR bit 4): DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD.  Outside loopback we
 * report a connected line (DCD, DSR, CTS), as QEMU does. */
static uint8_t msr_value(const struct serial *s)
{
    if (!(s->mcr & UART_MCR_LOOP))
        return 0xB0;
    uint8_t m = s->mcr;
    return (uint8_t)(((m & 0x01) << 5) | ((m & 0x02) << 3) | ((m & 0x04) << 4) |
                     ((m & 0x08) << 4));
}

static uint8_t read_reg(struct serial *s, unsigned reg)
{
    switch (reg) {
    case UART_RBR_THR:
        if (dlab(s))
            return s->dll;
        s->lsr &= (uint8_t)~UART_LSR_DR;
        return s->rbr;
    case UART_IER:
        return dlab(s) ? s->dlm : s->ier;
    case UART_IIR_FCR:
        return UART_IIR_NO_INT;
    case UART_LCR:
        return s->lcr;
    case UART_MCR:
        return s->mcr;
    case UART_LSR:
        return s->lsr | UART_LSR_THRE | UART_LSR_TEMT;
    case UART_MSR:
        return msr_value(s);
    default:
        return s->scr;
    }
}

static void transmit(struct serial *s, uint8_t byte)
{
    if (s->mcr & UART_MCR_LOOP) {
        /* Loopback: the byte comes back on the receiver, not the line. */
        s->rbr = byte;
        s->lsr |= UART_LSR_DR;
        return;
    }
    s->tx_bytes++;
    char_sink_put(&s->out, byte);
}

static void write_reg(struct serial *s, unsigned reg, uint8_t v)
{
    switch (reg) {
    case UART_RBR_THR:
        if (dlab(s))
            s->dll = v;
        else
            transmit(s, v);
        break;
    case UART_IER:
        if (dlab(s))
            s->dlm = v;
        else
            s->ier = v & 0x0F; /* bits 4-7 are always 0 on a 16550A */
        break;
    case UART_IIR_FCR:
        s->fcr = v;
        break;
    case UART_LCR:
        s->lcr = v;
        break;
    case UART_MCR:
        s->mcr = v & 0x1F;
        break;
    case UART_LSR:
    case UART_MSR:
        break; /* read-only (factory test writes are ignored) */
    default:
        s->scr = v;
        break;
    }
}

/* Wider accesses are byte accesses to consecutive registers, as the 8-bit
 * ISA UART sees them. */
static uint32_t serial_in(void *opaque, uint16_t port, unsigned size)
{
    struct serial *s = opaque;
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)read_reg(s, (unsigned)(port + i - s->base) & 7) << (8 * i);
    return v;
}

static void serial_out(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct serial *s = opaque;
    for (unsigned i = 0; i < size; i++)
        write_reg(s, (unsigned)(port + i - s->base) & 7, (uint8_t)(value >> (8 * i)));
}

/* Values after a master reset (data sheet, table 9). */
static void serial_reset(void *dev)
{
    struct serial *s = dev;
    s->rbr = 0;
    s->ier = s->lcr = s->mcr = s->lsr = s->fcr = 0;
    s->scr = 0;
    s->dll = 0x0C; /* 9600 baud: BIOSes leave it so; ours is not enforced */
    s->dlm = 0;
}

static void serial_destroy(void *dev)
{
    free(dev);
}

static const struct io_ops serial_io = { .in = serial_in, .out = serial_out };
static const struct device_ops serial_dev = {
    .name = "serial", .reset = serial_reset, .destroy = serial_destroy,
};

struct serial *serial_create(struct vm *vm, uint16_t base, struct char_sink out)
{
    struct serial *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->out = out;
    s->base = base;
    serial_reset(s);
    /* Handed to the VM first, so that it is freed with the VM even if the
     * ports turn out to be taken (the bus cannot unregister). */
    if (vm_add_device(vm, &serial_dev, s) < 0) {
        free(s);
        return NULL;
    }
    if (iobus_register(&vm->io, base, 8, &serial_io, s, "serial") < 0)
        return NULL;
    return s;
}
