/* The 8042 keyboard controller (IBM PC/AT and PS/2 technical references)
 * with a keyboard attached and no auxiliary (mouse) device.
 *
 * Ports: 0x60 data, 0x64 status (read) / command (write).
 * Status: bit 0 OBF, bit 1 IBF (always 0: commands complete at once),
 * bit 2 system flag (command byte bit 2), bit 3 last write was a command,
 * bit 4 keyboard not inhibited (always 1), bit 5 the output byte is from
 * the auxiliary port, bit 6 timeout (a byte sent to the absent auxiliary
 * device; cleared by the next status read).
 * Commands: 0x20-0x3F read controller RAM (0x20: the command byte),
 * 0x60-0x7F write it, 0xA7/0xA8 disable/enable the auxiliary port, 0xA9
 * auxiliary interface test (answers 0x01: no device), 0xAA self-test (0x55),
 * 0xAB keyboard interface test (0x00), 0xAD/0xAE disable/enable the
 * keyboard, 0xC0 read input port, 0xD0 read output port, 0xD1 write output
 * port (bit 1: the A20 line; bit 0 clear: the RESET request), 0xD2/0xD3
 * write the keyboard/auxiliary output buffer (echoed as input), 0xD4 send
 * to the auxiliary device (none: timeout), 0xF0-0xFF pulse output port
 * bits 0-3 (bit 0 pulsed: the RESET request).  Others
 * are ignored.
 * Keyboard commands (data port): 0xFF reset (0xFA 0xAA), 0xF2 identify
 * (0xFA 0xAB 0x83), 0xEE echo, 0xED/0xF3/0xF0 with an argument byte,
 * 0xF4-0xF6 and the other set-up commands acknowledge with 0xFA; unknown
 * bytes get 0xFE (resend).
 *
 * Bytes for the guest wait in a queue; one at a time sits in the output
 * buffer, where it raises IRQ 1 (keyboard) or IRQ 12 (aux) when the
 * command byte enables it; reading port 0x60 takes it and lowers the IRQ.
 * Controller replies come before keyboard bytes; keyboard bytes wait while
 * the keyboard is disabled (command byte bit 4). */
#ifndef PLEX86_DEV_I8042_H
#define PLEX86_DEV_I8042_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/irq.h"
#include "dev/signals.h"
#include "vm/device.h"

#define I8042_DATA 0x60
#define I8042_CMD 0x64
#define I8042_QUEUE 16

enum {
    I8042_STAT_OBF = 0x01, I8042_STAT_SYS = 0x04, I8042_STAT_CMD = 0x08,
    I8042_STAT_UNLOCKED = 0x10, I8042_STAT_AUX = 0x20, I8042_STAT_TIMEOUT = 0x40,
};

enum {
    I8042_CB_KBD_INT = 0x01, I8042_CB_AUX_INT = 0x02, I8042_CB_SYS = 0x04,
    I8042_CB_KBD_OFF = 0x10, I8042_CB_AUX_OFF = 0x20, I8042_CB_XLATE = 0x40,
};

/* A FIFO of bytes for the guest. */
struct i8042_queue {
    uint8_t data[I8042_QUEUE];
    uint8_t head, len;
};

struct i8042 {
    struct device dev;        /* first: device_free */
    struct irq_pin irq1, irq12;
    struct signal_line a20;   /* the gate: set, and read back */
    struct signal_request reset; /* the CPU's RESET line */
    uint8_t ram[32];          /* controller RAM; ram[0] is the command byte */
    uint8_t status;           /* bits 2, 3 and 6 (the rest is computed) */
    uint8_t outport;          /* output port: bit 0 reset (1 = run), bit 1 A20 */
    uint8_t pending;          /* controller command awaiting its data byte */
    bool obf;                 /* the output buffer holds `out` */
    bool out_aux;             /* ... from the auxiliary port */
    uint8_t out;
    struct i8042_queue ctl;   /* controller replies and aux bytes: first */
    struct i8042_queue kbd;   /* the keyboard's bytes */
    bool ctl_aux[I8042_QUEUE];/* per ctl entry: an aux byte */
    uint8_t kbd_pending;      /* keyboard command awaiting its argument */
    bool kbd_enabled;         /* scanning on (0xF4/0xF5) */
    bool irq1_level, irq12_level;
    uint64_t resets;          /* reset requests made */
};

/* Creates the controller, declaring ports 0x60 and 0x64.  Pins and lines
 * may be unconnected.  NULL when out of memory. */
struct i8042 *i8042_create(struct irq_pin irq1, struct irq_pin irq12, struct signal_line a20,
                           struct signal_request reset);

/* Queues a byte from the keyboard (a scan code from the host side).
 * Returns false when the queue is full (the byte is dropped). */
bool i8042_kbd_push(struct i8042 *k, uint8_t byte);

void i8042_reset(struct i8042 *k);

#endif
