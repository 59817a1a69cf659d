/* Board signals: the lines between a device and the rest of the machine
 * that are not interrupt requests (those are `struct irq_pin`, dev/irq.h).
 *
 * A device never sees the VM object (STYLE.md item 7): the board (pc/pc.c)
 * hands it the lines it drives and reads, and implements each one:
 *  - the PIC's INTR output to the CPU (a signal_line it sets);
 *  - A20 (i8042 output port bit 1, port 0x92 bit 1): a signal_line the
 *    device sets and reads back, since both registers show the gate's
 *    current level whoever moved it last;
 *  - RESET requests (i8042 pulse, port 0x92 bit 0, 0xCF9 bit 2) and the
 *    debug-exit port's request: a signal_request with a value.
 * The CPU's side (INTA, FERR#) is wired by the board to the devices'
 * functions (pic_ack, fpu_irq_ferr).  A line or request with no function
 * is unconnected: setting does nothing, reading gives low. */
#ifndef PLEX86_DEV_SIGNALS_H
#define PLEX86_DEV_SIGNALS_H

#include <stdbool.h>
#include <stdint.h>

struct signal_line {
    void (*set)(void *opaque, bool level);
    bool (*get)(void *opaque);      /* the level now; NULL: reads low */
    void *opaque;
};

static inline void signal_set(const struct signal_line *l, bool level)
{
    if (l->set)
        l->set(l->opaque, level);
}

static inline bool signal_get(const struct signal_line *l)
{
    return l->get ? l->get(l->opaque) : false;
}

struct signal_request {
    void (*fire)(void *opaque, uint32_t value);
    void *opaque;
};

static inline void signal_fire(const struct signal_request *r, uint32_t value)
{
    if (r->fire)
        r->fire(r->opaque, value);
}

#endif
