/* The HPET; see hpet.h.  Section numbers are the IA-PC HPET spec's. */
#include "dev/hpet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_PER_TICK (HPET_PERIOD_FS / 1000000u)

/* General capabilities (2.3.4): revision 1, three timers, 64-bit counter,
 * legacy replacement capable, vendor 8086, the period in femtoseconds. */
#define HPET_CAP_VALUE                                                          \
    ((uint64_t)HPET_PERIOD_FS << 32 | 0x8086u << 16 | 1u << 15 | 1u << 13 |     \
     (HPET_TIMERS - 1u) << 8 | 0x01u)

static bool enabled(const struct hpet *h)
{
    return h->conf & HPET_CONF_ENABLE;
}

uint64_t hpet_counter(const struct hpet *h, uint64_t now)
{
    if (!enabled(h) || now <= h->counter_ns)
        return h->counter;
    return h->counter + (now - h->counter_ns) / NS_PER_TICK;
}

static uint64_t width_mask(const struct hpet_timer *t)
{
    return (t->config & HPET_TN_32BIT) ? 0xFFFFFFFFull : ~0ull;
}

/* The line timer n drives: an IOAPIC pin, a legacy IRQ, or -1. */
static int route(const struct hpet *h, unsigned n)
{
    if ((h->conf & HPET_CONF_LEGACY) && n < 2)
        return n == 0 ? (int)HPET_LEGACY_IRQ0 : (int)HPET_LEGACY_IRQ8;
    unsigned r = (h->t[n].config >> HPET_TN_ROUTE_SHIFT) & 31;
    return (HPET_INT_ROUTE_CAP >> r) & 1 ? (int)r : -1;
}

static void out_set(struct hpet *h, int irq, bool level)
{
    if (irq >= 0 && h->out.set)
        h->out.set(h->out.opaque, (unsigned)irq, level);
}

/* A level-triggered timer drives its line while its status bit is set
 * and its interrupt enabled (2.3.6). */
static void update_line(struct hpet *h, unsigned n)
{
    struct hpet_timer *t = &h->t[n];
    bool want = (t->config & HPET_TN_LEVEL) && (t->config & HPET_TN_ENABLE) &&
                (h->status & (1u << n));
    int irq = route(h, n);
    if (t->line && (!want || irq != t->line_irq))
        out_set(h, t->line_irq, false);
    if (want && (!t->line || irq != t->line_irq))
        out_set(h, irq, true);
    t->line = want && irq >= 0;
    t->line_irq = irq;
}

/* Arms timer n for its next comparator match (2.3.9.2): the counter,
 * masked to the timer's width, equal to the comparator.  `fired`: the
 * match at the count now has just been taken. */
static void arm(struct hpet *h, unsigned n, uint64_t now, bool fired)
{
    struct hpet_timer *t = &h->t[n];
    /* A timer whose interrupt is off raises nothing: it is not scheduled
     * (its periodic comparator then stays where it is, as a tickless
     * host's would; a 10 ns period would otherwise keep the host busy). */
    if (!enabled(h) || !(t->config & HPET_TN_ENABLE)) {
        timer_disarm(h->sched, &t->timer);
        return;
    }
    uint64_t m = width_mask(t), c = hpet_counter(h, now);
    uint64_t ticks = (t->cmp - c) & m;
    if (ticks == 0 && fired)   /* the next wrap: 2^32 ticks, or never */
        ticks = m == ~0ull ? m : m + 1;
    if (ticks > (1ull << 56)) {
        timer_disarm(h->sched, &t->timer);
        return;
    }
    /* The time at which the counter reaches c + ticks. */
    uint64_t target = c + ticks - h->counter;
    timer_arm(h->sched, &t->timer, h->counter_ns + target * NS_PER_TICK);
}

static void fire(struct hpet *h, unsigned n, uint64_t now)
{
    struct hpet_timer *t = &h->t[n];
    uint64_t c = hpet_counter(h, now), m = width_mask(t);
    if (t->config & HPET_TN_ENABLE) {
        h->fires++;
        if (t->config & HPET_TN_LEVEL) {
            h->status |= 1u << n;
            update_line(h, n);
        } else {
            int irq = route(h, n);
            out_set(h, irq, true);
            out_set(h, irq, false);
        }
    }
    /* Periodic: the comparator moves on by the period past the count
     * (2.3.9.2.2); missed periods are skipped. */
    if ((t->config & HPET_TN_PERIODIC) && t->period & m) {
        uint64_t p = t->period & m;
        uint64_t k = ((c - t->cmp) & m) / p + 1;
        t->cmp = (t->cmp + k * p) & m;
    }
    arm(h, n, now, true);
}

static void fire0(void *o, uint64_t now) { fire(o, 0, now); }
static void fire1(void *o, uint64_t now) { fire(o, 1, now); }
static void fire2(void *o, uint64_t now) { fire(o, 2, now); }

static void arm_all(struct hpet *h, uint64_t now)
{
    for (unsigned n = 0; n < HPET_TIMERS; n++)
        arm(h, n, now, false);
}

static uint64_t now_ns(const struct hpet *h)
{
    return dev_clock_now(&h->clock);
}

static uint64_t reg_read(struct hpet *h, uint32_t reg)
{
    if (reg >= HPET_TIMER0 && reg < HPET_TIMER0 + 0x20 * HPET_TIMERS) {
        const struct hpet_timer *t = &h->t[(reg - HPET_TIMER0) / 0x20];
        switch (reg & 0x18) {
        case 0x00: return t->config | (uint64_t)HPET_INT_ROUTE_CAP << 32;
        case 0x08: return t->cmp & width_mask(t);
        default: return 0;   /* FSB route: no FSB delivery */
        }
    }
    switch (reg) {
    case HPET_CAP: return HPET_CAP_VALUE;
    case HPET_CONF: return h->conf;
    case HPET_STATUS: return h->status;
    case HPET_COUNTER: return hpet_counter(h, now_ns(h));
    default: return 0;
    }
}

static void timer_write(struct hpet *h, unsigned n, uint32_t which, uint64_t v, uint64_t mask,
                        uint64_t now)
{
    struct hpet_timer *t = &h->t[n];
    if (which == 0x00) {
        uint64_t w = HPET_TN_CONF_WRITABLE;
        if (!(t->config & HPET_TN_PERIODIC_CAP))
            w &= ~(uint64_t)HPET_TN_PERIODIC;
        uint64_t c = (t->config & ~(w & mask)) | (v & w & mask);
        t->config = c;
        if (c & HPET_TN_32BIT) {
            t->cmp &= 0xFFFFFFFFull;
            t->period &= 0xFFFFFFFFull;
        }
        update_line(h, n);
        arm(h, n, now, false);
    } else if (which == 0x08) {
        if (t->config & HPET_TN_32BIT)
            mask &= 0xFFFFFFFFull;
        /* As QEMU: in periodic mode a write sets the period, and the
         * comparator too with Tn_VAL_SET_CNF (2.3.9.2.2). */
        bool periodic = t->config & HPET_TN_PERIODIC;
        if (!periodic || (t->config & HPET_TN_SETVAL))
            t->cmp = (t->cmp & ~mask) | (v & mask);
        if (periodic)
            t->period = (t->period & ~mask) | (v & mask);
        t->config &= ~(uint64_t)HPET_TN_SETVAL;
        arm(h, n, now, false);
    }
}

static void reg_write(struct hpet *h, uint32_t reg, uint64_t v, uint64_t mask)
{
    uint64_t now = now_ns(h);
    if (reg >= HPET_TIMER0 && reg < HPET_TIMER0 + 0x20 * HPET_TIMERS) {
        timer_write(h, (reg - HPET_TIMER0) / 0x20, reg & 0x18, v, mask, now);
        return;
    }
    switch (reg) {
    case HPET_CONF: {
        uint64_t old = h->conf, c = (old & ~mask) | (v & mask);
        c &= HPET_CONF_ENABLE | HPET_CONF_LEGACY;
        if ((old ^ c) & HPET_CONF_ENABLE) {
            /* Halting keeps the count; starting runs it from here. */
            h->counter = hpet_counter(h, now);
            h->counter_ns = now;
        }
        h->conf = c;
        if ((old ^ c) & HPET_CONF_LEGACY) {
            signal_set(&h->legacy, c & HPET_CONF_LEGACY);
            update_line(h, 0);
            update_line(h, 1);
        }
        arm_all(h, now);
        break;
    }
    case HPET_STATUS:
        /* Write 1 to clear (2.3.6). */
        h->status &= ~(v & mask & ((1u << HPET_TIMERS) - 1));
        for (unsigned n = 0; n < HPET_TIMERS; n++)
            update_line(h, n);
        break;
    case HPET_COUNTER:
        /* Software writes the counter while it is halted (2.3.7). */
        if (!enabled(h)) {
            h->counter = (h->counter & ~mask) | (v & mask);
            h->counter_ns = now;
        }
        break;
    default:
        break;
    }
}

uint64_t hpet_read(struct hpet *h, uint32_t offset, unsigned size)
{
    uint64_t v = reg_read(h, offset & 0x3F8);
    if (size == 8)
        return v;
    return (uint32_t)(v >> ((offset & 4) * 8));
}

void hpet_write(struct hpet *h, uint32_t offset, uint64_t value, unsigned size)
{
    if (size == 8) {
        reg_write(h, offset & 0x3F8, value, ~0ull);
        return;
    }
    unsigned sh = (offset & 4) * 8;
    reg_write(h, offset & 0x3F8, (value & 0xFFFFFFFFull) << sh, 0xFFFFFFFFull << sh);
}

/* The CPU's 32-bit accesses (the MMIO path has no 64-bit ones); others
 * than aligned dwords read 0 and are dropped on write (2.3.1). */
static uint32_t mmio_read(void *opaque, uint32_t offset, unsigned size)
{
    if (size != 4 || (offset & 3) || offset >= 0x400)
        return 0;
    return (uint32_t)hpet_read(opaque, offset, 4);
}

static void mmio_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    if (size == 4 && !(offset & 3) && offset < 0x400)
        hpet_write(opaque, offset, value, 4);
}

static const struct mmio_ops hpet_mmio = { .read = mmio_read, .write = mmio_write };

static void hpet_reset(struct device *d)
{
    struct hpet *h = container_of(d, struct hpet, dev);
    for (unsigned n = 0; n < HPET_TIMERS; n++) {
        struct hpet_timer *t = &h->t[n];
        if (t->line)
            out_set(h, t->line_irq, false);
        timer_disarm(h->sched, &t->timer);
        t->config = HPET_TN_PERIODIC_CAP | HPET_TN_SIZE_CAP;
        t->cmp = ~0ull;          /* 2.3.9: all ones after reset */
        t->period = 0;
        t->line = false;
        t->line_irq = -1;
    }
    if (h->conf & HPET_CONF_LEGACY)
        signal_set(&h->legacy, false);
    h->conf = h->status = h->counter = 0;
    h->counter_ns = now_ns(h);
}

static void hpet_save(const struct device *d, struct state_out *out)
{
    const struct hpet *h = container_of(d, const struct hpet, dev);
    state_put_u64(out, h->conf);
    state_put_u64(out, h->status);
    state_put_u64(out, h->counter);
    state_put_u64(out, h->counter_ns);
    for (unsigned n = 0; n < HPET_TIMERS; n++) {
        const struct hpet_timer *t = &h->t[n];
        state_put_u64(out, t->config);
        state_put_u64(out, t->cmp);
        state_put_u64(out, t->period);
        state_put_bool(out, t->line);
        state_put_u8(out, (uint8_t)(t->line_irq + 1));
        /* The scheduled match itself (a one-shot match already taken
         * must not fire again after a load). */
        state_put_u64(out, t->timer.armed ? t->timer.deadline : SCHED_NEVER);
    }
}

static int hpet_load(struct device *d, struct state_in *in, bool commit)
{
    struct hpet *h = container_of(d, struct hpet, dev);
    uint64_t conf = state_get_u64(in), status = state_get_u64(in);
    uint64_t counter = state_get_u64(in), counter_ns = state_get_u64(in);
    struct hpet_timer t[HPET_TIMERS];
    uint64_t armed_at[HPET_TIMERS];
    for (unsigned n = 0; n < HPET_TIMERS; n++) {
        t[n].config = state_get_u64(in);
        t[n].cmp = state_get_u64(in);
        t[n].period = state_get_u64(in);
        t[n].line = state_get_bool(in);
        t[n].line_irq = (int)state_get_u8(in) - 1;
        armed_at[n] = state_get_u64(in);
        if ((t[n].config & ~(uint64_t)(HPET_TN_CONF_WRITABLE | HPET_TN_PERIODIC_CAP |
                                       HPET_TN_SIZE_CAP)) ||
            t[n].line_irq > (int)HPET_LEGACY_IRQ8)
            state_in_fail(in);
    }
    if ((conf & ~3ull) || (status >> HPET_TIMERS))
        state_in_fail(in);
    if (!state_in_ok(in, true))
        return -1;
    if (commit) {
        h->conf = conf;
        h->status = status;
        h->counter = counter;
        h->counter_ns = counter_ns;
        for (unsigned n = 0; n < HPET_TIMERS; n++) {
            h->t[n].config = t[n].config;
            h->t[n].cmp = t[n].cmp;
            h->t[n].period = t[n].period;
            h->t[n].line = t[n].line;
            h->t[n].line_irq = t[n].line_irq;
        }
        /* The board's line device restores the levels; the timers go
         * back where they were (the clock is not asked: a snapshot may
         * restore it after the devices). */
        for (unsigned n = 0; n < HPET_TIMERS; n++)
            timer_arm(h->sched, &h->t[n].timer, armed_at[n]);
    }
    return 0;
}

static void hpet_dump(const struct device *d, char *buf, size_t len)
{
    const struct hpet *h = container_of(d, const struct hpet, dev);
    int n = snprintf(buf, len, "conf %llx status %llx counter %llx fires %llu",
                     (unsigned long long)h->conf, (unsigned long long)h->status,
                     (unsigned long long)hpet_counter(h, dev_clock_now(&h->clock)),
                     (unsigned long long)h->fires);
    for (unsigned i = 0; i < HPET_TIMERS && n >= 0 && (size_t)n < len; i++)
        n += snprintf(buf + n, len - (size_t)n, " t%u %llx/%llx%s", i,
                      (unsigned long long)h->t[i].config, (unsigned long long)h->t[i].cmp,
                      h->t[i].timer.armed ? " armed" : "");
}

static const struct device_ops hpet_ops = {
    .type = "hpet", .reset = hpet_reset, .save = hpet_save, .load = hpet_load,
    .dump = hpet_dump, .destroy = device_free,
};
_Static_assert(offsetof(struct hpet, dev) == 0, "device_free frees the state");

struct hpet *hpet_create(uint32_t base, struct dev_clock clock, struct sched *sched,
                         struct irq_pin out, struct signal_line legacy)
{
    struct hpet *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    device_init(&h->dev, &hpet_ops, "hpet");
    device_add_mmio(&h->dev, base, 0x1000, &hpet_mmio, h);
    h->clock = clock;
    h->sched = sched;
    h->out = out;
    h->legacy = legacy;
    timer_init(&h->t[0].timer, fire0, h, false);
    timer_init(&h->t[1].timer, fire1, h, false);
    timer_init(&h->t[2].timer, fire2, h, false);
    for (unsigned n = 0; n < HPET_TIMERS; n++)
        h->t[n].line_irq = -1;
    return h;
}
