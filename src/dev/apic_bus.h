/* The APIC bus (issue 19): how interrupt messages travel between the
 * IOAPIC, the HPET and the local APICs, and how a local APIC's IPIs reach
 * the others.  In the P6 family this was the 3-wire APIC bus, from the
 * Pentium 4 on the system bus (SDM vol. 3A, 10.6 and 10.11); either way a
 * message names a destination, a delivery mode and a vector, and every
 * local APIC decides for itself whether it is addressed (10.6.2).
 *
 * The board owns the bus (pc/pc_apic.c): a sender hands it a message and
 * the board offers it to each CPU's local APIC (lapic_match,
 * lapic_accept), choosing one for lowest-priority delivery.  A device
 * never sees another device. */
#ifndef PLEX86_DEV_APIC_BUS_H
#define PLEX86_DEV_APIC_BUS_H

#include <stdbool.h>
#include <stdint.h>

/* Delivery modes (ICR and redirection entries bits 10:8). */
enum apic_mode {
    APIC_DM_FIXED = 0,
    APIC_DM_LOWEST = 1,
    APIC_DM_SMI = 2,
    APIC_DM_NMI = 4,
    APIC_DM_INIT = 5,
    APIC_DM_SIPI = 6,
    APIC_DM_EXTINT = 7,
};

/* Destination shorthands (ICR bits 19:18). */
enum apic_shorthand {
    APIC_SH_NONE = 0,
    APIC_SH_SELF = 1,
    APIC_SH_ALL = 2,
    APIC_SH_OTHERS = 3,
};

struct apic_msg {
    uint8_t vector;
    uint8_t mode;       /* enum apic_mode */
    bool logical;       /* destination mode: logical, else physical */
    uint8_t dest;       /* APIC ID, or logical mask; 0xFF: broadcast */
    bool level;         /* level-triggered (the TMR bit on acceptance) */
    bool assert;        /* the level: an INIT de-assert has it clear */
    uint8_t shorthand;  /* enum apic_shorthand (IPIs only) */
    int source;         /* the sending local APIC's ID; -1: not a CPU */
};

struct apic_bus {
    void (*send)(void *opaque, const struct apic_msg *m);
    void *opaque;
};

static inline void apic_bus_send(const struct apic_bus *b, const struct apic_msg *m)
{
    if (b->send)
        b->send(b->opaque, m);
}

/* The EOI message a local APIC broadcasts when the guest ends a level-
 * triggered interrupt (SDM vol. 3A, 10.8.5): the IOAPIC clears the remote
 * IRR of the entries with that vector. */
struct apic_eoi_line {
    void (*eoi)(void *opaque, uint8_t vector);
    void *opaque;
};

static inline void apic_eoi_send(const struct apic_eoi_line *l, uint8_t vector)
{
    if (l->eoi)
        l->eoi(l->opaque, vector);
}

#endif
