/* The 8254 programmable interval timer (Intel 8254 data sheet) and the
 * PC's system control port B (port 0x61), which holds channel 2's gate and
 * the speaker enable, and reads back channel 2's output.
 *
 * Ports: 0x40-0x42 channel data, 0x43 control word (write only), 0x61.
 * Channel 0's OUT drives IRQ 0; channel 1 (DRAM refresh) and channel 2
 * (speaker) have no interrupt.  Channels 0 and 1 have their gate tied
 * high; channel 2's gate is port 0x61 bit 0.
 *
 * Time: the input clock is 1.193182 MHz.  A channel does not tick: it
 * remembers the clock tick at which its count was loaded, and counts and
 * OUT levels are computed from the clock (struct dev_clock) when read.
 * The PIT arms a timer (vm/sched.h) for the next rising edge of OUT 0
 * (pit_next_event) and follows OUT 0 when it fires (pit_advance, which
 * tests built without a scheduler call by hand); pit_advance drives
 * IRQ 0 with the edges of OUT 0 since the last call (at most one rising
 * edge per call: the PIC latches one request per line anyway).  Port
 * accesses advance the PIT to the clock's time first, so edges before a
 * reprogramming are not lost.
 *
 * Modes: 0 interrupt on terminal count, 1 hardware retriggerable one-shot,
 * 2 rate generator, 3 square wave, 4 software triggered strobe, 5 hardware
 * triggered strobe (6 and 7 are 2 and 3); binary or BCD counting; LSB,
 * MSB or LSB-then-MSB access; counter latch and read-back commands (count
 * and status).  Simplifications: a count written while a channel runs in
 * mode 2 or 3 restarts it at once (the hardware waits for the end of the
 * period); the one-clock delay between writing a count and loading it is
 * not modelled; in mode 3 with an odd count the counter reads N, N-2, ...
 * in each half.
 *
 * At reset no channel counts (the hardware's state is undefined until
 * programmed): OUT 0 stays low and IRQ 0 never rises. */
#ifndef PLEX86_DEV_PIT_H
#define PLEX86_DEV_PIT_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/irq.h"
#include "vm/device.h"
#include "vm/sched.h"

#define PIT_BASE 0x40
#define PIT_PORT_B 0x61
#define PIT_HZ 1193182u

struct pit_channel {
    uint32_t count;       /* last count written, in clocks: 1..0x10000 (or
                             1..10000 in BCD; a written 0 is the maximum) */
    uint32_t cur;         /* the count the running cycle was loaded with */
    uint8_t mode_bits;    /* M2-M0 as programmed (status byte) */
    uint8_t mode;         /* effective mode 0-5 */
    uint8_t rw;           /* 1 LSB only, 2 MSB only, 3 LSB then MSB */
    bool bcd;             /* counting in BCD */
    bool gate;            /* GATE input level */
    bool null_count;      /* status bit 6: count written, not yet loaded */
    bool armed;           /* a count was written since the control word */
    bool counting;        /* a count is loaded and the counter runs */
    bool out_idle;        /* OUT while not counting (low after a mode 0
                             control word, high for the others) */
    bool stopped;         /* gate low froze the counter at stopped_d */
    uint64_t stopped_d;
    uint64_t load_tick;   /* input clock tick at which `cur` was loaded */
    uint8_t latch_state;  /* latched count bytes to read: 0 none, 1 LSB,
                             2 MSB, 3 LSB then MSB */
    uint16_t latch;       /* latched count (BCD when counting in BCD) */
    bool status_latched;
    uint8_t status;       /* latched status byte */
    bool read_msb;        /* LSB-then-MSB: the next read is the MSB */
    bool write_msb;       /* LSB-then-MSB: the next write is the MSB */
    uint8_t write_lsb;    /* LSB waiting for its MSB */
};

struct pit {
    struct device dev;     /* first: device_free */
    struct dev_clock clock;
    struct sched *sched;   /* where `timer` is armed; NULL: by hand */
    struct timer timer;    /* OUT 0's next rising edge */
    struct irq_pin irq0;   /* channel 0's OUT */
    struct pit_channel ch[3];
    uint8_t port_b;        /* port 0x61 bits 0-3 as written: 0 gate 2,
                              1 speaker data enable, 2-3 parity/channel
                              check disables (stored only) */
    uint64_t irq_tick;     /* clock tick up to which OUT 0 was followed */
    uint64_t irq_edges;    /* rising edges given to IRQ 0 */
};

/* Creates the PIT at its reset state, declaring ports 0x40-0x43 and 0x61.
 * `irq0` may be unconnected (no .set), `sched` NULL (no timer: the caller
 * calls pit_advance).  NULL when out of memory. */
struct pit *pit_create(struct dev_clock clock, struct sched *sched, struct irq_pin irq0);

/* Follows OUT 0 up to now_ns, raising/lowering IRQ 0. */
void pit_advance(struct pit *pit, uint64_t now_ns);

/* The guest time at which OUT 0 next rises after now_ns (when
 * pit_advance should be called), or UINT64_MAX. */
uint64_t pit_next_event(struct pit *pit, uint64_t now_ns);

/* The current count (as the guest would read it after a latch, binary or
 * BCD) and OUT level of channel `ch` at now_ns.  For tests and traces. */
uint16_t pit_read_count(struct pit *pit, unsigned ch, uint64_t now_ns);
bool pit_out(struct pit *pit, unsigned ch, uint64_t now_ns);

void pit_reset(struct pit *pit);

/* Input clock ticks at guest time ns, and the first time of a tick. */
uint64_t pit_ns_to_ticks(uint64_t ns);
uint64_t pit_ticks_to_ns(uint64_t ticks);

#endif
