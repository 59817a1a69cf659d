/* The NS16550A UART; see serial.h for what is modelled and how.
 *
 * Data sheet references are to the National Semiconductor NS16550A
 * ("PC16550D") sheet; the TI TL16C550 sheet says the same in other words. */
#include "dev/serial.h"

#include <stdio.h>
#include <stdlib.h>

#define NONE UINT64_MAX

static const uint8_t trigger_levels[4] = { 1, 4, 8, 14 };

static uint64_t now(const struct serial *s)
{
    return dev_clock_now(&s->clock);
}

static bool dlab(const struct serial *s)
{
    return s->lcr & UART_LCR_DLAB;
}

static bool fifo_on(const struct serial *s)
{
    return s->fcr & UART_FCR_ENABLE;
}

static bool loopback(const struct serial *s)
{
    return s->mcr & UART_MCR_LOOP;
}

/* Receiver depth: the FIFO, or the one RBR of 16450 mode. */
static unsigned rx_capacity(const struct serial *s)
{
    return fifo_on(s) ? SERIAL_FIFO_SIZE : 1;
}

static unsigned rx_trigger(const struct serial *s)
{
    return fifo_on(s) ? trigger_levels[s->fcr >> 6] : 1;
}

uint64_t serial_char_ns(const struct serial *s)
{
    /* In half bits, for 1.5 stop bits: start, data, parity, stop (LCR bit
     * 2: two stop bits, or one and a half with 5-bit words). */
    uint64_t half_bits = 2 + 2 * (5 + (s->lcr & UART_LCR_WLEN));
    if (s->lcr & UART_LCR_PARITY)
        half_bits += 2;
    if (!(s->lcr & UART_LCR_STOP))
        half_bits += 2;
    else
        half_bits += (s->lcr & UART_LCR_WLEN) == 0 ? 3 : 4;
    /* A divisor of 0 is undefined in the data sheet; take it as 65536. */
    uint64_t divisor = (uint64_t)s->dll | (uint64_t)s->dlm << 8;
    if (divisor == 0)
        divisor = 0x10000;
    /* A bit lasts 16 * divisor clocks of SERIAL_CLOCK_HZ; at most
     * 24 * 65536 * 16 * 1e9, well inside 64 bits. */
    uint64_t num = half_bits * divisor * 16 * 1000000000u;
    uint64_t den = 2ull * SERIAL_CLOCK_HZ;
    return (num + den - 1) / den;
}

/* Character timeout (data sheet, FIFO interrupt mode operation): data in
 * the FIFO, nothing put in or taken out for four character times. */
static uint64_t timeout_deadline(const struct serial *s)
{
    return s->rx_activity_ns + 4 * serial_char_ns(s);
}

static bool timeout_due(const struct serial *s, uint64_t t)
{
    if (!fifo_on(s) || s->rx_count == 0)
        return false;
    return !s->clock.now_ns || t >= timeout_deadline(s);
}

/* The pending interrupt of highest priority, as IIR bits 3-0 (data sheet
 * table 4). */
static uint8_t iir_id(const struct serial *s, uint64_t t)
{
    if ((s->ier & UART_IER_RLSI) &&
        (s->lsr_err & (UART_LSR_OE | UART_LSR_PE | UART_LSR_FE | UART_LSR_BI)))
        return UART_IIR_RLSI;
    if (s->ier & UART_IER_RDI) {
        if (s->rx_count >= rx_trigger(s))
            return UART_IIR_RDI;
        if (timeout_due(s, t))
            return UART_IIR_TIMEOUT;
    }
    if ((s->ier & UART_IER_THRI) && s->thre_pending)
        return UART_IIR_THRI;
    if ((s->ier & UART_IER_MSI) && s->msr_delta)
        return UART_IIR_MSI;
    return UART_IIR_NO_INT;
}

/* The level of the PC's IRQ line: INTRPT gated by ~OUT2, which loopback
 * forces inactive (see serial.h). */
static bool irq_wanted(const struct serial *s, uint64_t t)
{
    return (s->mcr & (UART_MCR_OUT2 | UART_MCR_LOOP)) == UART_MCR_OUT2 &&
           iir_id(s, t) != UART_IIR_NO_INT;
}

/* Every change of state ends here: the IRQ pin follows, and the timer is
 * moved to the next character timeout. */
static void update_irq(struct serial *s, uint64_t t)
{
    bool level = irq_wanted(s, t);
    if (level != s->irq_level) {
        s->irq_level = level;
        irq_pin_set(&s->irq, level);
    }
    timer_arm(s->sched, &s->timer, serial_next_event(s, t));
}

/* --- receiver ------------------------------------------------------------ */

static void rx_clear(struct serial *s, uint64_t t)
{
    s->rx_head = s->rx_count = 0;
    s->rx_activity_ns = t;
}

/* A character arrives from the line (or the loopback path).  A full
 * receiver is an overrun (LSR OE): in FIFO mode the character in the shift
 * register is lost and the FIFO kept; in 16450 mode it overwrites RBR. */
static void rx_push(struct serial *s, uint8_t byte, uint8_t err, uint64_t t)
{
    s->rx_activity_ns = t;
    if (s->rx_count == rx_capacity(s)) {
        s->lsr_err |= UART_LSR_OE;
        if (!fifo_on(s)) {
            s->rx[s->rx_head] = (struct serial_char){ byte, err };
            s->lsr_err |= err;
        }
        return;
    }
    s->rx[(s->rx_head + s->rx_count) % SERIAL_FIFO_SIZE] = (struct serial_char){ byte, err };
    /* A character's errors show in LSR once it is at the top. */
    if (s->rx_count++ == 0)
        s->lsr_err |= err;
}

static uint8_t rx_pop(struct serial *s, uint64_t t)
{
    if (s->rx_count == 0)
        return s->rbr;  /* nothing new: the holding register keeps its byte */
    s->rbr = s->rx[s->rx_head].byte;
    s->rx_head = (uint8_t)((s->rx_head + 1) % SERIAL_FIFO_SIZE);
    s->rx_count--;
    s->rx_activity_ns = t;
    if (s->rx_count)
        s->lsr_err |= s->rx[s->rx_head].err;
    return s->rbr;
}

static bool rx_has_error(const struct serial *s)
{
    for (unsigned i = 0; i < s->rx_count; i++)
        if (s->rx[(s->rx_head + i) % SERIAL_FIFO_SIZE].err)
            return true;
    return false;
}

size_t serial_rx_room(const struct serial *s)
{
    if (loopback(s))
        return 0;  /* the receiver listens to the transmitter only */
    return rx_capacity(s) - s->rx_count;
}

size_t serial_receive(struct serial *s, const uint8_t *buf, size_t len)
{
    size_t room = serial_rx_room(s);
    size_t n = len < room ? len : room;
    uint64_t t = now(s);
    for (size_t i = 0; i < n; i++)
        rx_push(s, buf[i], 0, t);
    s->rx_bytes += n;
    update_irq(s, t);
    return n;
}

bool serial_receive_break(struct serial *s)
{
    if (serial_rx_room(s) == 0)
        return false;
    uint64_t t = now(s);
    rx_push(s, 0, UART_LSR_BI, t);
    update_irq(s, t);
    return true;
}

/* --- modem lines ---------------------------------------------------------- */

/* MSR bits 7-4: a connected terminal, or in loopback MCR's outputs (data
 * sheet, MCR bit 4). */
static uint8_t msr_inputs(const struct serial *s)
{
    if (!loopback(s))
        return UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
    uint8_t m = s->mcr, in = 0;
    if (m & UART_MCR_DTR)
        in |= UART_MSR_DSR;
    if (m & UART_MCR_RTS)
        in |= UART_MSR_CTS;
    if (m & UART_MCR_OUT1)
        in |= UART_MSR_RI;
    if (m & UART_MCR_OUT2)
        in |= UART_MSR_DCD;
    return in;
}

/* Sets the delta bits for inputs that changed since last seen; TERI only
 * on RI's trailing (falling) edge. */
static void follow_msr_inputs(struct serial *s)
{
    uint8_t in = msr_inputs(s), changed = in ^ s->msr_in;
    if (changed & UART_MSR_CTS)
        s->msr_delta |= UART_MSR_DCTS;
    if (changed & UART_MSR_DSR)
        s->msr_delta |= UART_MSR_DDSR;
    if ((changed & UART_MSR_RI) && !(in & UART_MSR_RI))
        s->msr_delta |= UART_MSR_TERI;
    if (changed & UART_MSR_DCD)
        s->msr_delta |= UART_MSR_DDCD;
    s->msr_in = in;
}

/* --- registers ------------------------------------------------------------ */

static void transmit(struct serial *s, uint8_t byte, uint64_t t)
{
    /* THR is full for a moment: the THRE interrupt drops, then rises again
     * when the byte moves on (an edge for an edge-triggered PIC). */
    s->thre_pending = false;
    update_irq(s, t);
    if (loopback(s)) {
        rx_push(s, byte, 0, t);  /* back to the receiver, not the line */
    } else if (!(s->lcr & UART_LCR_BREAK)) {
        s->tx_bytes++;
        char_sink_put(&s->out, byte);
    }
    s->thre_pending = true;
}

static uint8_t read_lsr(struct serial *s)
{
    uint8_t v = s->lsr_err | UART_LSR_THRE | UART_LSR_TEMT;
    if (s->rx_count)
        v |= UART_LSR_DR;
    if (fifo_on(s) && rx_has_error(s))
        v |= UART_LSR_FIFOE;
    s->lsr_err = 0;  /* OE, PE, FE, BI clear on read */
    return v;
}

static uint8_t read_reg(struct serial *s, unsigned reg, uint64_t t)
{
    switch (reg) {
    case UART_RBR_THR:
        return dlab(s) ? s->dll : rx_pop(s, t);
    case UART_IER:
        return dlab(s) ? s->dlm : s->ier;
    case UART_IIR_FCR: {
        uint8_t id = iir_id(s, t);
        if (id == UART_IIR_THRI)
            s->thre_pending = false;  /* reading IIR that names it clears it */
        return (uint8_t)(id | (fifo_on(s) ? UART_IIR_FIFOS : 0));
    }
    case UART_LCR:
        return s->lcr;
    case UART_MCR:
        return s->mcr;
    case UART_LSR:
        return read_lsr(s);
    case UART_MSR: {
        uint8_t v = s->msr_in | s->msr_delta;
        s->msr_delta = 0;
        return v;
    }
    default:
        return s->scr;
    }
}

/* FCR (data sheet, FIFO control register): bit 0 must be set for the other
 * bits to take; changing bit 0 empties the FIFOs.  The TX FIFO is always
 * empty here, so its reset does nothing. */
static void write_fcr(struct serial *s, uint8_t v, uint64_t t)
{
    if (!(v & UART_FCR_ENABLE)) {
        if (fifo_on(s))
            rx_clear(s, t);
        s->fcr = 0;
        return;
    }
    if (!fifo_on(s) || (v & UART_FCR_CLEAR_RX))
        rx_clear(s, t);
    s->fcr = v & (UART_FCR_ENABLE | UART_FCR_DMA | UART_FCR_TRIGGER);
}

static void write_reg(struct serial *s, unsigned reg, uint8_t v, uint64_t t)
{
    switch (reg) {
    case UART_RBR_THR:
        if (dlab(s))
            s->dll = v;
        else
            transmit(s, v, t);
        break;
    case UART_IER:
        if (dlab(s)) {
            s->dlm = v;
        } else {
            /* Enabling THRI with THR empty raises the interrupt at once
             * (Linux's 8250 driver probes for exactly this). */
            if (!(s->ier & UART_IER_THRI) && (v & UART_IER_THRI))
                s->thre_pending = true;
            s->ier = v & 0x0F;  /* bits 4-7 are always 0 on a 16550A */
        }
        break;
    case UART_IIR_FCR:
        write_fcr(s, v, t);
        break;
    case UART_LCR: {
        /* Break set in loopback: the receiver sees the spacing line. */
        bool brk = !(s->lcr & UART_LCR_BREAK) && (v & UART_LCR_BREAK);
        s->lcr = v;
        if (brk && loopback(s))
            rx_push(s, 0, UART_LSR_BI, t);
        break;
    }
    case UART_MCR:
        s->mcr = v & 0x1F;
        follow_msr_inputs(s);
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
    uint64_t t = now(s);
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)read_reg(s, (unsigned)(port + i - s->base) & 7, t) << (8 * i);
    update_irq(s, t);
    return v;
}

static void serial_out(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct serial *s = opaque;
    uint64_t t = now(s);
    for (unsigned i = 0; i < size; i++)
        write_reg(s, (unsigned)(port + i - s->base) & 7, (uint8_t)(value >> (8 * i)), t);
    update_irq(s, t);
}

/* --- time --------------------------------------------------------------- */

void serial_advance(struct serial *s, uint64_t now_ns)
{
    update_irq(s, now_ns);
}

uint64_t serial_next_event(struct serial *s, uint64_t now_ns)
{
    if (irq_wanted(s, now_ns) != s->irq_level)
        return now_ns;  /* time already passed a change: advance now */
    if (!s->clock.now_ns || !fifo_on(s) || !(s->ier & UART_IER_RDI) || s->rx_count == 0 ||
        s->rx_count >= rx_trigger(s))
        return NONE;
    uint64_t d = timeout_deadline(s);
    return d > now_ns ? d : NONE;
}

static void serial_timer_fire(void *opaque, uint64_t now_ns)
{
    serial_advance(opaque, now_ns);
}

/* --- the device ----------------------------------------------------------- */

/* Values after a master reset (data sheet, table 9); the divisor latch is
 * not reset by the hardware; 9600 baud is what BIOSes leave. */
static void serial_reset(struct device *d)
{
    struct serial *s = container_of(d, struct serial, dev);
    uint64_t t = now(s);
    rx_clear(s, t);
    s->rbr = 0;
    s->ier = s->lcr = s->mcr = s->fcr = s->scr = 0;
    s->lsr_err = s->msr_delta = 0;
    s->msr_in = msr_inputs(s);
    s->thre_pending = false;
    s->dll = 0x0C;
    s->dlm = 0;
    update_irq(s, t);
}

void serial_connect(struct serial *s, struct dev_clock clock, struct sched *sched,
                    struct irq_pin irq)
{
    timer_disarm(s->sched, &s->timer);
    s->clock = clock;
    s->sched = sched;
    s->irq = irq;
    uint64_t t = now(s);
    s->rx_activity_ns = t;
    s->irq_level = irq_wanted(s, t);
    irq_pin_set(&s->irq, s->irq_level);
}

/* The receive FIFO is saved as its characters in order (not the ring's
 * layout), so that a load followed by a save gives the same bytes. */
static void serial_save(const struct device *d, struct state_out *out)
{
    const struct serial *s = container_of(d, const struct serial, dev);
    state_put_u8(out, s->rx_count);
    for (unsigned i = 0; i < s->rx_count; i++) {
        const struct serial_char *c = &s->rx[(s->rx_head + i) % SERIAL_FIFO_SIZE];
        state_put_u8(out, c->byte);
        state_put_u8(out, c->err);
    }
    state_put_u8(out, s->rbr);
    state_put_u64(out, s->rx_activity_ns);
    state_put_u8(out, s->ier);
    state_put_u8(out, s->lcr);
    state_put_u8(out, s->mcr);
    state_put_u8(out, s->fcr);
    state_put_u8(out, s->scr);
    state_put_u8(out, s->lsr_err);
    state_put_u8(out, s->msr_delta);
    state_put_u8(out, s->msr_in);
    state_put_u8(out, s->dll);
    state_put_u8(out, s->dlm);
    state_put_bool(out, s->thre_pending);
    state_put_bool(out, s->irq_level);
}

static int serial_load(struct device *d, struct state_in *in, bool commit)
{
    struct serial *s = container_of(d, struct serial, dev);
    struct serial n = *s;
    const uint8_t char_errs = UART_LSR_PE | UART_LSR_FE | UART_LSR_BI;
    n.rx_head = 0;
    n.rx_count = state_get_u8(in);
    if (n.rx_count > SERIAL_FIFO_SIZE) {
        state_in_fail(in);
        return -1;
    }
    for (unsigned i = 0; i < n.rx_count; i++) {
        n.rx[i].byte = state_get_u8(in);
        n.rx[i].err = state_get_u8(in);
        if (n.rx[i].err & ~char_errs)
            state_in_fail(in);
    }
    n.rbr = state_get_u8(in);
    n.rx_activity_ns = state_get_u64(in);
    n.ier = state_get_u8(in);
    n.lcr = state_get_u8(in);
    n.mcr = state_get_u8(in);
    n.fcr = state_get_u8(in);
    n.scr = state_get_u8(in);
    n.lsr_err = state_get_u8(in);
    n.msr_delta = state_get_u8(in);
    n.msr_in = state_get_u8(in);
    n.dll = state_get_u8(in);
    n.dlm = state_get_u8(in);
    n.thre_pending = state_get_bool(in);
    n.irq_level = state_get_bool(in);
    /* Only bits the registers keep (write_reg, write_fcr), and no more
     * characters than the receiver holds in its mode. */
    unsigned cap = (n.fcr & UART_FCR_ENABLE) ? SERIAL_FIFO_SIZE : 1;
    if (n.ier > 0x0F || n.mcr > 0x1F ||
        (n.fcr & ~(UART_FCR_ENABLE | UART_FCR_DMA | UART_FCR_TRIGGER)) ||
        (n.lsr_err & ~(char_errs | UART_LSR_OE)) || n.msr_delta > 0x0F ||
        (n.msr_in & 0x0F) || n.rx_count > cap)
        state_in_fail(in);
    if (!state_in_ok(in, true))
        return -1;
    if (commit) {
        *s = n;
        irq_pin_set(&s->irq, s->irq_level);
        /* From the state's own time (a snapshot may restore the clock
         * after the devices); a deadline already past fires at once. */
        timer_arm(s->sched, &s->timer, serial_next_event(s, s->rx_activity_ns));
    }
    return 0;
}

static void serial_dump(const struct device *d, char *buf, size_t len)
{
    const struct serial *s = container_of(d, const struct serial, dev);
    snprintf(buf, len, "base %#x ier %02x lcr %02x mcr %02x fcr %02x rx %u irq %d tx %llu",
             s->base, s->ier, s->lcr, s->mcr, s->fcr, s->rx_count, s->irq_level,
             (unsigned long long)s->tx_bytes);
}

static const struct io_ops serial_io = { .in = serial_in, .out = serial_out };
static const struct device_ops serial_ops = {
    .type = "serial", .reset = serial_reset, .save = serial_save, .load = serial_load,
    .dump = serial_dump, .destroy = device_free,
};
_Static_assert(offsetof(struct serial, dev) == 0, "device_free frees the state");

struct serial *serial_create(const char *name, uint16_t base, struct char_sink out)
{
    struct serial *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    device_init(&s->dev, &serial_ops, name);
    device_add_ports(&s->dev, base, 8, &serial_io, s);
    timer_init(&s->timer, serial_timer_fire, s, false);
    s->out = out;
    s->base = base;
    serial_reset(&s->dev);
    return s;
}
