/* The 8254 PIT and port 0x61; see pit.h. */
#include "dev/pit.h"

#include <stdio.h>
#include <stdlib.h>

#define NONE UINT64_MAX

uint64_t pit_ns_to_ticks(uint64_t ns)
{
    return (uint64_t)((unsigned __int128)ns * PIT_HZ / 1000000000u);
}

uint64_t pit_ticks_to_ns(uint64_t ticks)
{
    unsigned __int128 ns = ((unsigned __int128)ticks * 1000000000u + PIT_HZ - 1) / PIT_HZ;
    return ns > UINT64_MAX ? UINT64_MAX : (uint64_t)ns;
}

static uint16_t to_bcd(uint32_t v)
{
    return (uint16_t)((v % 10) | (v / 10 % 10) << 4 | (v / 100 % 10) << 8 |
                      (v / 1000 % 10) << 12);
}

/* Digits above 9 (a guest's bad BCD) count with their value: no trap. */
static uint32_t from_bcd(uint16_t v)
{
    return (v & 15) + (v >> 4 & 15) * 10u + (v >> 8 & 15) * 100u + (v >> 12 & 15) * 1000u;
}

/* Clocks counted since the load, frozen while the gate holds the counter. */
static uint64_t ch_d(const struct pit_channel *c, uint64_t t)
{
    if (c->stopped)
        return c->stopped_d;
    return t >= c->load_tick ? t - c->load_tick : 0;
}

/* The counter's value at tick t, binary (0..0xFFFF or 0..9999). */
static uint32_t ch_count(const struct pit_channel *c, uint64_t t)
{
    uint32_t modulus = c->bcd ? 10000u : 0x10000u;
    if (!c->counting)
        return c->cur % modulus;
    uint64_t n = c->cur, d = ch_d(c, t);
    uint64_t v;
    switch (c->mode) {
    case 2:
        v = n - d % n;
        break;
    case 3: {
        uint64_t p = d % n, h = (n + 1) / 2;
        v = p < h ? n - 2 * p : n - 2 * (p - h);
        break;
    }
    default: /* 0, 1, 4, 5: count down through zero and wrap */
        v = (n + modulus - d % modulus) % modulus;
        break;
    }
    return (uint32_t)(v % modulus);
}

static bool ch_out(const struct pit_channel *c, uint64_t t)
{
    if (!c->counting)
        return c->out_idle;
    uint64_t n = c->cur, d = ch_d(c, t);
    switch (c->mode) {
    case 0: return d >= n;
    case 1: return d >= n;
    /* Count 1 is illegal in mode 2 (8254 data sheet); OUT would be low
     * for good.  QEMU keeps it high instead, so the IRQ rises once when
     * the count is loaded: so does ours (issue 21, item 7).  Mode 3's
     * formula already gives that for 1. */
    case 2: return c->stopped || n == 1 || d % n != n - 1;
    case 3: return c->stopped || d % n < (n + 1) / 2;
    default: return d != n;  /* 4, 5: one clock low at terminal count */
    }
}

/* The first count d' > d at which OUT rises, or NONE. */
static uint64_t ch_next_rise(const struct pit_channel *c, uint64_t d)
{
    if (!c->counting || c->stopped)
        return NONE;
    uint64_t n = c->cur;
    switch (c->mode) {
    case 0:
    case 1:
        return d < n ? n : NONE;
    case 2:
    case 3:
        if (n < 2)
            return NONE;  /* never low */
        return (d / n + 1) * n;
    default:
        return d < n + 1 ? n + 1 : NONE;
    }
}

static void ch_start(struct pit_channel *c, uint64_t t)
{
    c->cur = c->count;
    c->load_tick = t;
    c->counting = true;
    c->null_count = false;
    c->stopped = false;
    /* Counters stopped by a low gate stay frozen at the start. */
    if (!c->gate && (c->mode == 0 || c->mode == 2 || c->mode == 3 || c->mode == 4)) {
        c->stopped = true;
        c->stopped_d = 0;
    }
}

static void follow_out0(struct pit *pit, uint64_t now_ns)
{
    uint64_t t = pit_ns_to_ticks(now_ns);
    if (t < pit->irq_tick)
        return;  /* time never runs back; nothing to do */
    struct pit_channel *c = &pit->ch[0];
    uint64_t from = pit->irq_tick >= c->load_tick ? pit->irq_tick - c->load_tick : 0;
    if (c->stopped)
        from = c->stopped_d;
    bool out = ch_out(c, t);
    if (ch_next_rise(c, from) <= ch_d(c, t)) {
        pit->irq_edges++;
        irq_pin_set(&pit->irq0, false);
        irq_pin_set(&pit->irq0, true);
    }
    irq_pin_set(&pit->irq0, out);
    pit->irq_tick = t;
}

void pit_advance(struct pit *pit, uint64_t now_ns)
{
    follow_out0(pit, now_ns);
    timer_arm(pit->sched, &pit->timer, pit_next_event(pit, now_ns));
}

static void pit_timer_fire(void *opaque, uint64_t now_ns)
{
    pit_advance(opaque, now_ns);
}

uint64_t pit_next_event(struct pit *pit, uint64_t now_ns)
{
    const struct pit_channel *c = &pit->ch[0];
    uint64_t t = pit_ns_to_ticks(now_ns);
    uint64_t d = ch_next_rise(c, ch_d(c, t));
    if (d == NONE || d > NONE - c->load_tick)
        return NONE;
    return pit_ticks_to_ns(c->load_tick + d);
}

uint16_t pit_read_count(struct pit *pit, unsigned ch, uint64_t now_ns)
{
    const struct pit_channel *c = &pit->ch[ch % 3];
    uint32_t v = ch_count(c, pit_ns_to_ticks(now_ns));
    return c->bcd ? to_bcd(v) : (uint16_t)v;
}

bool pit_out(struct pit *pit, unsigned ch, uint64_t now_ns)
{
    return ch_out(&pit->ch[ch % 3], pit_ns_to_ticks(now_ns));
}

static uint8_t ch_status(const struct pit_channel *c, uint64_t t)
{
    return (uint8_t)(ch_out(c, t) << 7 | c->null_count << 6 | c->rw << 4 |
                     c->mode_bits << 1 | c->bcd);
}

static void ch_latch(struct pit *pit, unsigned i, uint64_t now_ns)
{
    struct pit_channel *c = &pit->ch[i];
    if (c->latch_state)
        return;  /* a second latch before the read is ignored */
    c->latch = pit_read_count(pit, i, now_ns);
    c->latch_state = c->rw;
}

/* Gate changes (channel 2 only, through port 0x61). */
static void ch_set_gate(struct pit_channel *c, bool gate, uint64_t t)
{
    if (gate == c->gate)
        return;
    c->gate = gate;
    bool has_count = c->armed;
    switch (c->mode) {
    case 1:
    case 5:
        if (gate && has_count)
            ch_start(c, t);  /* trigger or retrigger */
        break;
    case 2:
    case 3:
        if (gate && has_count) {
            ch_start(c, t);  /* rising gate reloads */
        } else if (!gate && c->counting) {
            c->stopped_d = ch_d(c, t);
            c->stopped = true;
        }
        break;
    default: /* 0, 4: gate low suspends counting */
        if (!c->counting)
            break;
        if (gate) {
            c->load_tick = t - (c->stopped_d <= t ? c->stopped_d : t);
            c->stopped = false;
        } else {
            c->stopped_d = ch_d(c, t);
            c->stopped = true;
        }
        break;
    }
}

static void ch_write_count(struct pit_channel *c, uint16_t v, uint64_t t)
{
    uint32_t n = c->bcd ? from_bcd(v) : v;
    if (n == 0)
        n = c->bcd ? 10000u : 0x10000u;
    c->count = n;
    c->null_count = true;
    c->armed = true;
    switch (c->mode) {
    case 1:
    case 5:
        break;  /* loaded by the next gate trigger */
    default:
        ch_start(c, t);
        break;
    }
}

static void pit_control(struct pit *pit, uint8_t v, uint64_t now_ns)
{
    unsigned sc = v >> 6, rw = v >> 4 & 3;
    uint64_t t = pit_ns_to_ticks(now_ns);
    if (sc == 3) {
        /* Read-back: bit 5 clear latches counts, bit 4 clear status. */
        for (unsigned i = 0; i < 3; i++) {
            if (!(v & (2u << i)))
                continue;
            struct pit_channel *c = &pit->ch[i];
            if (!(v & 0x10) && !c->status_latched) {
                c->status = ch_status(c, t);
                c->status_latched = true;
            }
            if (!(v & 0x20))
                ch_latch(pit, i, now_ns);
        }
        return;
    }
    if (rw == 0) {
        ch_latch(pit, sc, now_ns);
        return;
    }
    struct pit_channel *c = &pit->ch[sc];
    c->mode_bits = v >> 1 & 7;
    c->mode = c->mode_bits > 5 ? c->mode_bits & 3 : c->mode_bits;
    c->rw = (uint8_t)rw;
    c->bcd = v & 1;
    c->counting = false;
    c->armed = false;
    c->stopped = false;
    c->null_count = true;
    c->out_idle = c->mode != 0;
    c->latch_state = 0;
    c->status_latched = false;
    c->read_msb = false;
    c->write_msb = false;
}

static void port_b_write(struct pit *pit, uint8_t v, uint64_t now_ns)
{
    pit->port_b = v & 0x0F;
    ch_set_gate(&pit->ch[2], v & 1, pit_ns_to_ticks(now_ns));
}

static void pit_out_port(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct pit *pit = opaque;
    uint64_t now = dev_clock_now(&pit->clock);
    uint8_t v = (uint8_t)value;
    pit_advance(pit, now);
    if (port == PIT_PORT_B) {
        port_b_write(pit, v, now);
    } else if (port == PIT_BASE + 3) {
        pit_control(pit, v, now);
    } else {
        struct pit_channel *c = &pit->ch[port - PIT_BASE];
        uint64_t t = pit_ns_to_ticks(now);
        switch (c->rw) {
        case 1:
            ch_write_count(c, v, t);
            break;
        case 2:
            ch_write_count(c, (uint16_t)(v << 8), t);
            break;
        case 3:
            if (c->write_msb)
                ch_write_count(c, (uint16_t)(c->write_lsb | v << 8), t);
            else
                c->write_lsb = v;
            c->write_msb = !c->write_msb;
            break;
        default:
            break;  /* never programmed: the write goes nowhere */
        }
    }
    pit_advance(pit, now);
}

static uint32_t pit_in_port(void *opaque, uint16_t port, unsigned size)
{
    struct pit *pit = opaque;
    uint64_t now = dev_clock_now(&pit->clock);
    pit_advance(pit, now);
    if (port == PIT_PORT_B) {
        /* Bit 4 toggles with each DRAM refresh (every 15.085 us), bit 5
         * is OUT 2. */
        return pit->port_b | (uint32_t)(now / 15085 & 1) << 4 |
               (uint32_t)pit_out(pit, 2, now) << 5;
    }
    if (port == PIT_BASE + 3)
        return 0xFF;  /* the control word register cannot be read */
    struct pit_channel *c = &pit->ch[port - PIT_BASE];
    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    uint8_t r;
    if (c->latch_state) {
        switch (c->latch_state) {
        case 1: r = (uint8_t)c->latch; c->latch_state = 0; break;
        case 2: r = (uint8_t)(c->latch >> 8); c->latch_state = 0; break;
        default: r = (uint8_t)c->latch; c->latch_state = 2; break;
        }
        return r;
    }
    uint16_t v = pit_read_count(pit, port - PIT_BASE, now);
    switch (c->rw) {
    case 1: return (uint8_t)v;
    case 2: return (uint8_t)(v >> 8);
    case 3:
        r = c->read_msb ? (uint8_t)(v >> 8) : (uint8_t)v;
        c->read_msb = !c->read_msb;
        return r;
    default:
        return 0xFF;
    }
}

void pit_reset(struct pit *pit)
{
    for (unsigned i = 0; i < 3; i++)
        pit->ch[i] = (struct pit_channel){ .gate = i != 2, .cur = 0x10000 };
    pit->port_b = 0;
    pit->irq_tick = pit_ns_to_ticks(dev_clock_now(&pit->clock));
    irq_pin_set(&pit->irq0, false);
    timer_disarm(pit->sched, &pit->timer);
}

static void pit_dev_reset(struct device *d)
{
    pit_reset(container_of(d, struct pit, dev));
}

static void ch_save(const struct pit_channel *c, struct state_out *out)
{
    state_put_u32(out, c->count);
    state_put_u32(out, c->cur);
    state_put_u8(out, c->mode_bits);
    state_put_u8(out, c->mode);
    state_put_u8(out, c->rw);
    state_put_bool(out, c->bcd);
    state_put_bool(out, c->gate);
    state_put_bool(out, c->null_count);
    state_put_bool(out, c->armed);
    state_put_bool(out, c->counting);
    state_put_bool(out, c->out_idle);
    state_put_bool(out, c->stopped);
    state_put_u64(out, c->stopped_d);
    state_put_u64(out, c->load_tick);
    state_put_u8(out, c->latch_state);
    state_put_u16(out, c->latch);
    state_put_bool(out, c->status_latched);
    state_put_u8(out, c->status);
    state_put_bool(out, c->read_msb);
    state_put_bool(out, c->write_msb);
    state_put_u8(out, c->write_lsb);
}

static void ch_load(struct pit_channel *c, struct state_in *in)
{
    c->count = state_get_u32(in);
    c->cur = state_get_u32(in);
    c->mode_bits = state_get_u8(in);
    c->mode = state_get_u8(in);
    c->rw = state_get_u8(in);
    c->bcd = state_get_bool(in);
    c->gate = state_get_bool(in);
    c->null_count = state_get_bool(in);
    c->armed = state_get_bool(in);
    c->counting = state_get_bool(in);
    c->out_idle = state_get_bool(in);
    c->stopped = state_get_bool(in);
    c->stopped_d = state_get_u64(in);
    c->load_tick = state_get_u64(in);
    c->latch_state = state_get_u8(in);
    c->latch = state_get_u16(in);
    c->status_latched = state_get_bool(in);
    c->status = state_get_u8(in);
    c->read_msb = state_get_bool(in);
    c->write_msb = state_get_bool(in);
    c->write_lsb = state_get_u8(in);
    /* Counts are 1..0x10000 once written (0 before), the running one is
     * never 0 (it divides); the effective mode follows M2-M0. */
    uint8_t mode = c->mode_bits > 5 ? c->mode_bits & 3 : c->mode_bits;
    if (c->count > 0x10000 || c->cur == 0 || c->cur > 0x10000 || c->mode_bits > 7 ||
        c->mode != mode || c->rw > 3 || c->latch_state > 3)
        state_in_fail(in);
}

static void pit_save(const struct device *d, struct state_out *out)
{
    const struct pit *pit = container_of(d, const struct pit, dev);
    for (unsigned i = 0; i < 3; i++)
        ch_save(&pit->ch[i], out);
    state_put_u8(out, pit->port_b);
    state_put_u64(out, pit->irq_tick);
}

/* The timer's deadline is not stored: it follows from the channels and is
 * armed again from them, after the last tick OUT 0 was followed to. */
static int pit_load(struct device *d, struct state_in *in, bool commit)
{
    struct pit *pit = container_of(d, struct pit, dev);
    struct pit_channel ch[3];
    for (unsigned i = 0; i < 3; i++) {
        ch[i] = pit->ch[i];
        ch_load(&ch[i], in);
    }
    uint8_t port_b = state_get_u8(in);
    uint64_t irq_tick = state_get_u64(in);
    if (port_b > 0x0F)
        state_in_fail(in);
    if (!state_in_ok(in, true))
        return -1;
    if (commit) {
        for (unsigned i = 0; i < 3; i++)
            pit->ch[i] = ch[i];
        pit->port_b = port_b;
        pit->irq_tick = irq_tick;
        irq_pin_set(&pit->irq0, ch_out(&pit->ch[0], irq_tick));
        /* From the state's own time, not the clock's: a snapshot may
         * restore the clock after the devices.  A deadline already past
         * fires at once. */
        timer_arm(pit->sched, &pit->timer, pit_next_event(pit, pit_ticks_to_ns(irq_tick)));
    }
    return 0;
}

static void pit_dump(const struct device *d, char *buf, size_t len)
{
    const struct pit *pit = container_of(d, const struct pit, dev);
    int n = 0;
    for (unsigned i = 0; i < 3 && n >= 0 && (size_t)n < len; i++) {
        const struct pit_channel *c = &pit->ch[i];
        n += snprintf(buf + n, len - (size_t)n, "%sch%u mode %u count %u%s%s", i ? " " : "",
                      i, c->mode, c->count, c->counting ? " counting" : "",
                      c->gate ? "" : " gate-low");
    }
    if (n >= 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n, " port61 %02x edges %llu", pit->port_b,
                 (unsigned long long)pit->irq_edges);
}

static const struct io_ops pit_io = { .in = pit_in_port, .out = pit_out_port };
static const struct device_ops pit_ops = {
    .type = "pit", .reset = pit_dev_reset, .save = pit_save, .load = pit_load,
    .dump = pit_dump, .destroy = device_free,
};
_Static_assert(offsetof(struct pit, dev) == 0, "device_free frees the state");

struct pit *pit_create(struct dev_clock clock, struct sched *sched, struct irq_pin irq0)
{
    struct pit *pit = calloc(1, sizeof(*pit));
    if (!pit)
        return NULL;
    device_init(&pit->dev, &pit_ops, "pit");
    device_add_ports(&pit->dev, PIT_BASE, 4, &pit_io, pit);
    device_add_ports(&pit->dev, PIT_PORT_B, 1, &pit_io, pit);
    pit->clock = clock;
    pit->sched = sched;
    timer_init(&pit->timer, pit_timer_fire, pit, false);
    pit->irq0 = irq0;
    pit_reset(pit);
    return pit;
}
