/* The HPET (IA-PC HPET specification 1.0a): a 64-bit main counter at
 * 100 MHz (a 10 ns period, QEMU's HPET_CLK_PERIOD) and three comparators,
 * each one-shot or periodic, 64- or 32-bit, edge- or level-triggered,
 * routed to an IOAPIC pin its capability allows (pin 2 only: QEMU's pc
 * machine, the PIIX one, reads 0x00000004 there; its q35 allows 2, 8 and
 * 16-23) or, in legacy replacement mode (GEN_CONF bit 1),
 * timer 0 to ISA IRQ 0 and timer 1 to ISA IRQ 8 in place of the PIT and
 * the RTC (2.3.9.2.2).  No FSB (MSI) delivery: Tn_FSB_INT_DEL_CAP is 0.
 *
 * The counter runs on guest time while ENABLE_CNF is set; a write to it
 * while halted sets it.  Register access is 32 or 64 bits wide at the
 * registers' own alignment (2.3.1).  Outputs go through one board line,
 * `out`, whose irq is an IOAPIC pin (0-23) or HPET_LEGACY_IRQ0/8; the
 * board cuts the PIT and RTC from their lines while `legacy` is high. */
#ifndef PLEX86_DEV_HPET_H
#define PLEX86_DEV_HPET_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/irq.h"
#include "dev/signals.h"
#include "vm/device.h"
#include "vm/sched.h"

#define HPET_TIMERS 3
#define HPET_PERIOD_FS 10000000u          /* 10 ns */
#define HPET_INT_ROUTE_CAP 0x00000004u    /* pin 2 only, as QEMU's pc */
#define HPET_LEGACY_IRQ0 24u              /* `out` irq: ISA IRQ 0 (timer 0) */
#define HPET_LEGACY_IRQ8 25u              /* ISA IRQ 8 (timer 1) */

/* Registers (2.3). */
enum {
    HPET_CAP = 0x000,
    HPET_CONF = 0x010,
    HPET_STATUS = 0x020,
    HPET_COUNTER = 0x0F0,
    HPET_TIMER0 = 0x100,   /* + 0x20 n: CONF_CAP, + 8 COMPARATOR, + 0x10 FSB */
};

#define HPET_CONF_ENABLE 1u
#define HPET_CONF_LEGACY 2u
#define HPET_TN_LEVEL (1u << 1)
#define HPET_TN_ENABLE (1u << 2)
#define HPET_TN_PERIODIC (1u << 3)
#define HPET_TN_PERIODIC_CAP (1u << 4)
#define HPET_TN_SIZE_CAP (1u << 5)
#define HPET_TN_SETVAL (1u << 6)
#define HPET_TN_32BIT (1u << 8)
#define HPET_TN_ROUTE_SHIFT 9
#define HPET_TN_CONF_WRITABLE 0x3F4Eu      /* 1, 2, 3, 6, 8, 13:9 */

struct hpet_timer {
    uint64_t config;       /* Tn_CONF_CAP (capabilities included) */
    uint64_t cmp;          /* comparator */
    uint64_t period;       /* periodic mode: what is added on each match */
    struct timer timer;
    bool line;             /* it drives line_irq high now (level mode) */
    int line_irq;          /* the line it drives (route), or -1 */
};

struct hpet {
    struct device dev;     /* first: device_free */
    struct dev_clock clock;
    struct sched *sched;
    struct irq_pin out;
    struct signal_line legacy;
    uint64_t conf;
    uint64_t status;       /* level-triggered interrupt status, bit n */
    uint64_t counter;      /* the count at counter_ns (when enabled), or
                              the count (when halted) */
    uint64_t counter_ns;
    struct hpet_timer t[HPET_TIMERS];
    uint64_t fires;        /* comparator matches that interrupted */
};

struct hpet *hpet_create(uint32_t base, struct dev_clock clock, struct sched *sched,
                         struct irq_pin out, struct signal_line legacy);

/* The main counter at guest time `now`. */
uint64_t hpet_counter(const struct hpet *h, uint64_t now);

/* 32- or 64-bit register access (tests, the fuzzer). */
uint64_t hpet_read(struct hpet *h, uint32_t offset, unsigned size);
void hpet_write(struct hpet *h, uint32_t offset, uint64_t value, unsigned size);

#endif
