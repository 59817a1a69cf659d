/* Interrupt and time inputs shared by the board devices.
 *
 * An interrupt source (PIT, RTC, keyboard controller, UART) does not know
 * the interrupt controller: it holds a `struct irq_pin` and drives its level.
 * The PIC hands out pins (pic_irq_pin); tests can make pins that record.
 * A pin with no `set` function is unconnected and does nothing.
 *
 * Devices that depend on time read it from a `struct dev_clock`: guest
 * nanoseconds, monotonic, starting wherever the board likes (the board's
 * main loop owns guest time; tests pass a variable they step by hand, so
 * every count and interrupt is deterministic).  A clock with no `now_ns`
 * reads 0: time stands still. */
#ifndef PLEX86_DEV_IRQ_H
#define PLEX86_DEV_IRQ_H

#include <stdbool.h>
#include <stdint.h>

struct irq_pin {
    void (*set)(void *opaque, unsigned irq, bool level);
    void *opaque;
    unsigned irq;
};

static inline void irq_pin_set(const struct irq_pin *pin, bool level)
{
    if (pin->set)
        pin->set(pin->opaque, pin->irq, level);
}

struct dev_clock {
    uint64_t (*now_ns)(void *opaque);
    void *opaque;
};

static inline uint64_t dev_clock_now(const struct dev_clock *c)
{
    return c->now_ns ? c->now_ns(c->opaque) : 0;
}

#endif
