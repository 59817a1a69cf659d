/* The PC's two cascaded 8259A programmable interrupt controllers (Intel
 * 8259A data sheet; PIIX3 for the ELCR), the CPU's interrupt controller.
 *
 * Ports: master 0x20-0x21, slave 0xA0-0xA1, edge/level control registers
 * (ELCR) 0x4D0 (IRQ 0-7) and 0x4D1 (IRQ 8-15).  The slave's INT output is
 * wired to the master's IR2.
 *
 * Devices raise and lower IRQ lines 0-15 through pic_set_irq() (or a
 * `struct irq_pin` from pic_irq_pin()).  An input is edge triggered unless
 * its ELCR bit is set: an edge input latches a request (IRR) on a 0->1
 * transition, a level input requests as long as it is high.  The PIC drives
 * its INTR output (a signal_line the board connects to the CPU) and answers
 * the INTA cycle (pic_ack, which the board hands the CPU) with a vector: a request masked or withdrawn between INTR
 * and INTA gives the spurious IRQ 7 (master) or 15 (slave; the master then
 * holds IR2 in service), whose ISR bit is not set, as on the hardware.
 *
 * Supported: ICW1-ICW4 (cascade or single mode; ICW4 auto-EOI and special
 * fully nested mode), OCW1 mask, OCW2 non-specific/specific EOI, rotate on
 * non-specific EOI, rotate in auto-EOI mode, set priority, specific
 * rotate, OCW3 read IRR/ISR, poll command, special mask mode.  Not
 * modelled: ICW1 LTIM (level mode is per line through the ELCR, as on PCI
 * chipsets), buffered mode, 8080 call-address mode (ICW1 bit 0 = 0 and
 * ICW4 uPM = 0 are accepted and behave as x86 mode).
 *
 * At reset every line is masked (IMR = 0xFF) and nothing is requested, so
 * a guest that never programs the PIC never sees an interrupt.  (The
 * hardware's IMR is undefined after power-on; ICW1 clears it, as it does
 * here.) */
#ifndef PLEX86_DEV_PIC_H
#define PLEX86_DEV_PIC_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/irq.h"
#include "dev/signals.h"
#include "vm/device.h"

#define PIC_MASTER_BASE 0x20
#define PIC_SLAVE_BASE 0xA0
#define PIC_ELCR_BASE 0x4D0
#define PIC_CASCADE_IRQ 2

/* One 8259A. */
struct pic_chip {
    uint8_t irr;         /* interrupt request register */
    uint8_t isr;         /* in-service register */
    uint8_t imr;         /* interrupt mask register (OCW1) */
    uint8_t pins;        /* current level of the eight IR inputs */
    uint8_t elcr;        /* 1 = level triggered (ELCR) */
    uint8_t elcr_mask;   /* ELCR bits that exist (IRQ 0-2, 8, 13 are edge) */
    uint8_t vector_base; /* ICW2 bits 7-3 */
    uint8_t priority_add;/* IR line with the highest priority (rotation) */
    uint8_t init_state;  /* 0 ready, 1 expect ICW2, 2 ICW3, 3 ICW4 */
    uint8_t icw3;        /* last ICW3 (cascade wiring; informational) */
    bool icw4_needed;    /* ICW1 bit 0 */
    bool single;         /* ICW1 bit 1: no cascade */
    bool auto_eoi;       /* ICW4 bit 1 */
    bool rotate_on_aeoi; /* OCW2 rotate in auto-EOI mode */
    bool sfnm;           /* ICW4 bit 4: special fully nested mode */
    bool special_mask;   /* OCW3 special mask mode */
    bool read_isr;       /* OCW3 RR/RIS: port 0 reads ISR, else IRR */
    bool poll;           /* OCW3 poll: the next read is the poll byte */
};

struct pic {
    struct device dev;   /* first: device_free */
    struct signal_line intr_out; /* INTR, to the CPU */
    struct pic_chip chip[2];  /* [0] master, [1] slave */
    bool intr;           /* level of the INTR output, as given to the CPU */
    uint64_t acks;       /* INTA cycles answered */
    uint64_t spurious;   /* of which spurious (IRQ 7 or 15) */
};

/* Creates the pair at its reset state, declaring its ports; `intr` is its
 * INTR output (may be unconnected).  NULL when out of memory. */
struct pic *pic_create(struct signal_line intr);

/* Drives IRQ line `irq` (0-15; others, and 2 while the master is
 * cascaded, are ignored) to `level`. */
void pic_set_irq(struct pic *pic, unsigned irq, bool level);

/* A pin for a device's IRQ line `irq`. */
struct irq_pin pic_irq_pin(struct pic *pic, unsigned irq);

/* The INTA cycle: the vector of the highest priority request, updating
 * ISR/IRR, or the spurious vector (IRQ 7's) when nothing is requested any
 * more.  Always a vector 0-255.  The CPU reaches it through the board, only
 * while INTR is high. */
int pic_ack(struct pic *pic);

/* Resets both chips to their power-on state (keeps the input levels). */
void pic_reset(struct pic *pic);

#endif
