/* The I/O APIC (Intel 82093AA data sheet): 24 interrupt inputs, each with a
 * 64-bit redirection entry that turns the pin into an APIC bus message
 * (dev/apic_bus.h) for the local APICs.  Reached through two registers at
 * its base (0xFEC00000 on the PC): IOREGSEL (offset 0x00) selects, IOWIN
 * (0x10) reads and writes the selected register: 0x00 ID, 0x01 version
 * (0x00170020: 24 entries, version 0x20 as QEMU 7.2's pc reports, the
 * 82093AA's successor in the PIIX/ICH chipsets, which adds the EOI
 * register at offset 0x40: writing a vector there does what the local
 * APIC's EOI message does), 0x02 arbitration ID, 0x10 + 2n / 0x11 + 2n
 * entry n.
 *
 * Inputs are levels (ioapic_set_irq): an edge-triggered entry sends on a
 * rising edge, a level-triggered one while the input is high and its
 * remote IRR is clear, setting it; the local APIC's EOI of that vector
 * (ioapic_eoi) clears it, and the pin is looked at again.
 *
 * Choices: the polarity bit is kept but does not invert the input (QEMU
 * does the same: the board's sources are all active high, and an OS that
 * programs the PCI pins active-low, as the MP table's "conforming" PCI
 * entries allow, must not see them stuck asserted).  An edge on a masked
 * pin is lost (data sheet 3.2.4, bit 16); QEMU holds it.
 *
 * ExtINT entries (delivery mode 111b: the 8259 through the IOAPIC, the MP
 * spec's virtual wire B): the data sheet (3.2.4) sends them to the
 * destination's INTR as an interrupt of the external 8259, whose INTA
 * cycle supplies the vector, and wants them edge triggered.  As QEMU does,
 * the IOAPIC runs that INTA cycle itself when it sends (ioapic_set_extint:
 * the board's 8259) and the message carries the 8259's vector; bit 15 is
 * kept but the entry works as edge triggered (no remote IRR).  Without an
 * 8259 wired, an ExtINT entry sends nothing. */
#ifndef PLEX86_DEV_IOAPIC_H
#define PLEX86_DEV_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/apic_bus.h"
#include "dev/irq.h"
#include "vm/device.h"

#define IOAPIC_PINS 24
#define IOAPIC_VERSION 0x00170020u
#define IOAPIC_REGSEL 0x00
#define IOAPIC_WINDOW 0x10
#define IOAPIC_EOI 0x40

/* Redirection entry bits (data sheet 3.2.4). */
#define IOAPIC_RTE_LOGICAL (1ull << 11)
#define IOAPIC_RTE_PENDING (1ull << 12)
#define IOAPIC_RTE_POLARITY (1ull << 13)
#define IOAPIC_RTE_REMOTE_IRR (1ull << 14)
#define IOAPIC_RTE_LEVEL (1ull << 15)
#define IOAPIC_RTE_MASKED (1ull << 16)
#define IOAPIC_RTE_WRITABLE 0xFF0000000001AFFFull

struct ioapic {
    struct device dev;   /* first: device_free */
    struct apic_bus bus;
    uint8_t initial_id;  /* the board's, loaded at RESET */
    uint32_t id;         /* bits 27:24 */
    uint8_t regsel;
    uint64_t rte[IOAPIC_PINS];
    uint32_t levels;     /* the inputs now */
    uint64_t sent;       /* messages sent */
    uint64_t eois;       /* EOIs that cleared a remote IRR */
    int (*extint_ack)(void *opaque);  /* the 8259's INTA (ExtINT), or NULL */
    void *extint_opaque;
};

struct ioapic *ioapic_create(uint32_t base, uint8_t id, struct apic_bus bus);

/* The INTA cycle of the 8259 behind ExtINT entries (the board's): returns
 * the vector it supplies, or -1 for none. */
void ioapic_set_extint(struct ioapic *io, int (*ack)(void *opaque), void *opaque);

void ioapic_set_irq(struct ioapic *io, unsigned pin, bool level);
/* The pin's input as an irq_pin (irq = the pin). */
struct irq_pin ioapic_irq_pin(struct ioapic *io, unsigned pin);
/* The EOI message for `vector` from a local APIC. */
void ioapic_eoi(struct ioapic *io, uint8_t vector);

/* Register access as the MMIO handler does it. */
uint32_t ioapic_read(struct ioapic *io, uint32_t offset);
void ioapic_write(struct ioapic *io, uint32_t offset, uint32_t value);

#endif
