/* The PIIX3's PCI-to-ISA bridge, function 0 of the south bridge (Intel
 * 82371SB data sheet, section 2.2; QEMU's "PIIX3"): 8086:7000, class
 * 06 01 00, a multi-function header (type 0x80) so that firmware looks for
 * the other PIIX functions in the same slot (IDE at .1, the PIIX4 power
 * management function QEMU puts at .3).
 *
 * Its job here is PCI interrupt routing.  The four PCI interrupt lines
 * PIRQA#-PIRQD# (each the wired-OR of the INTx pins the board connects to
 * it: piix3_pirq_source) reach the ISA interrupt controller through the
 * PIRQ Route Control registers PIRQRC[A:D] at 0x60-0x63 (data sheet
 * 2.2.8): bit 7 set disables the route (the reset value 0x80), bits 3-0
 * name the IRQ; the values the data sheet reserves (0-2, 8, 13) route
 * nowhere.  An IRQ is driven high while any PIRQ routed to it is high; a
 * route that changes moves the current level at once.  The level-trigger
 * mode such IRQs need is the interrupt controller's ELCR (ports 0x4D0-
 * 0x4D1, dev/pic.h).
 *
 * The other registers (ISA clock divisor, top of memory, motherboard DMA
 * and IRQ routing, the SMI and APIC base registers) are stored with QEMU's
 * reset values; nothing here depends on them. */
#ifndef PLEX86_DEV_PIIX3_H
#define PLEX86_DEV_PIIX3_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/irq.h"
#include "dev/pci.h"
#include "vm/device.h"

#define PIIX3_VENDOR 0x8086
#define PIIX3_DEVICE 0x7000
#define PIIX3_PIRQRC 0x60
#define PIIX3_NUM_PIRQS 4
#define PIIX3_MAX_SOURCES 32
#define PIIX3_ISA_IRQS 16

struct piix3 {
    struct device dev;          /* first: device_free */
    struct pci_function fn;
    struct irq_pin isa[PIIX3_ISA_IRQS]; /* the interrupt controller's inputs */
    /* Per PIRQ, bit n: source n drives it high (the wired-OR). */
    uint32_t pirq_high[PIIX3_NUM_PIRQS];
    unsigned nsources;          /* sources handed out; bits 4-0 of a pin's irq */
    uint16_t level;             /* the ISA IRQs this bridge drives high now */
    uint16_t routed;            /* the ISA IRQs a PIRQ is routed to now */
};

/* Creates the function (not yet on a bus: pci_register it, as the board
 * does at 00:01.0) driving the ISA IRQ inputs `isa`.  NULL when out of
 * memory. */
struct piix3 *piix3_create(const struct irq_pin isa[PIIX3_ISA_IRQS]);

/* A new source on PIRQ `pirq` (0-3: A-D), for a PCI function's INTx pin.
 * At most PIIX3_MAX_SOURCES in all; past that, or for a bad PIRQ, an
 * unconnected pin. */
struct irq_pin piix3_pirq_source(struct piix3 *p, unsigned pirq);

/* The ISA IRQ PIRQ `pirq` is routed to, or -1 when it is not. */
int piix3_pirq_route(const struct piix3 *p, unsigned pirq);

#endif
