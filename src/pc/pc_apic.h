/* The board's APIC wiring (issue 19): with pc_config.apic, each CPU's
 * local APIC between the interrupt sources and the CPU (the 8259 behind
 * its LINT0), the IOAPIC beside the 8259s, the HPET, and the APIC bus
 * between them; and, with or without them, the ISA interrupt lines every
 * board device drives (pc_isa_irq).
 *
 * The lines are QEMU's pc wiring (hw/i386/pc.c gsi_handler, ioapic.c): ISA
 * IRQ n goes to 8259 input n and to IOAPIC pin n, except IRQ 0 (the PIT),
 * which reaches IOAPIC pin 2 (the MADT's and MP table's interrupt source
 * override).  The PIIX3's PIRQs reach the IOAPIC through the ISA IRQ they
 * are routed to, as on QEMU's i440FX board (QEMU's q35 uses 16-23).  The
 * HPET drives IOAPIC pins directly (its timers' routes; pin 2 is the
 * only one its capability offers, as on QEMU's pc) and, in legacy replacement mode, ISA IRQ 0 and
 * 8 in place of the PIT and the RTC, whose lines are then cut.
 *
 * Every pc_isa_irq call gives its caller a source of its own, and a line
 * that several sources drive (a PIRQ routed to the IRQ of an ISA device,
 * two PIRQs on one IRQ, the SCI on IRQ 9 with a PCI link there) is a
 * wired-OR: high while any of them is, as the ISA bus's shared level-
 * triggered lines are (PIIX3 data sheet 2.2.8; QEMU ORs its PCI links the
 * same way). */
#ifndef PLEX86_PC_PC_APIC_H
#define PLEX86_PC_PC_APIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dev/irq.h"
#include "vm/device.h"

struct pc;
struct pic;
struct ioapic;

/* Sources of ISA interrupts: the board has 26 (9 devices' lines, the
 * PIIX3's 16 outputs, the SCI). */
#define PC_ISA_SOURCES 64

/* The ISA and IOAPIC input lines and who drives them (a device: its
 * state is in snapshots). */
struct pc_irq_lines {
    struct device dev;   /* first: device_free */
    struct pic *pic;
    struct ioapic *ioapic;     /* NULL without cfg->apic */
    uint64_t src_high;         /* the sources (pc_isa_irq) driving high */
    uint8_t src_irq[PC_ISA_SOURCES]; /* each source's IRQ (the wiring) */
    unsigned nsrc;
    uint32_t isa;              /* ISA IRQs some source drives high */
    uint32_t hpet;             /* IOAPIC pins the HPET drives high */
    uint32_t hpet_legacy_word; /* bit 0: timer 0 (IRQ 0), bit 1: timer 1 (IRQ 8) */
    bool legacy;               /* HPET legacy replacement: IRQ 0 and 8 its */
    uint32_t pic_out, io_out;  /* the levels given to the 8259s, the IOAPIC */
};

/* Builds the interrupt lines, and with cfg->apic the local APIC, the
 * IOAPIC and the HPET; called by pc.c after the PIC.  Returns 0, or -1
 * with a message. */
int pc_apic_create(struct pc *pc, char *err, size_t errlen);

/* The line of ISA IRQ `irq` (0-15) for a device's interrupt output: a
 * source of its own, OR-ed with the others on that IRQ.  Once the
 * PC_ISA_SOURCES are taken (a board bug), a pin that drives nothing. */
struct irq_pin pc_isa_irq(struct pc *pc, unsigned irq);

/* For a kernel booted without firmware: what SeaBIOS leaves behind
 * (src/fw/smp.c, smp_setup): the local APIC software-enabled in virtual
 * wire mode, LINT0 ExtINT for the 8259, LINT1 NMI. */
void pc_apic_firmware_setup(struct pc *pc);

#endif
