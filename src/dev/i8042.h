/* The 8042 keyboard controller (IBM PS/2 Hardware Interface Technical
 * Reference, "Keyboard/Auxiliary Device Controller") with a PS/2 keyboard
 * (dev/ps2_kbd.h) on its keyboard port and a PS/2 mouse (dev/ps2_mouse.h)
 * on its auxiliary port.
 *
 * Ports: 0x60 data, 0x64 status (read) / command (write).
 * Status: bit 0 OBF, bit 1 IBF (always 0: commands complete at once),
 * bit 2 system flag (command byte bit 2), bit 3 last write was a command,
 * bit 4 keyboard not inhibited (always 1), bit 5 the output byte is from
 * the auxiliary port, bit 6 timeout (kept for old snapshots; never set now).
 * Command byte: bit 0/1 IRQ 1/IRQ 12 on a keyboard/auxiliary byte, bit 2
 * system flag, bit 4/5 keyboard/auxiliary clock off (their bytes wait),
 * bit 6 translate the keyboard's set 2 into set 1.
 * Commands: 0x20-0x3F read controller RAM (0x20: the command byte),
 * 0x60-0x7F write it, 0xA7/0xA8 disable/enable the auxiliary port, 0xA9
 * auxiliary interface test (0x00: good), 0xAA self-test (0x55), 0xAB
 * keyboard interface test (0x00), 0xAD/0xAE disable/enable the keyboard,
 * 0xC0 read input port, 0xD0 read output port, 0xD1 write output port
 * (bit 1: the A20 line; bit 0 clear: the RESET request), 0xD2/0xD3 write
 * the keyboard/auxiliary output buffer (as if the device sent it), 0xD4
 * send the next data byte to the mouse, 0xF0-0xFF pulse output port bits
 * 0-3 (bit 0 pulsed: the RESET request).  Others are ignored.  A data byte
 * with no command pending goes to the keyboard.
 *
 * One byte at a time sits in the output buffer, where it raises IRQ 1
 * (keyboard) or IRQ 12 (aux) when the command byte enables it; reading port
 * 0x60 takes it and lowers the IRQ.  Controller replies come first, then
 * the keyboard's bytes, then the mouse's.  With translation on, a set 2
 * break prefix 0xF0 is swallowed and sets bit 7 of the next byte. */
#ifndef PLEX86_DEV_I8042_H
#define PLEX86_DEV_I8042_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/irq.h"
#include "dev/input.h"
#include "dev/ps2_kbd.h"
#include "dev/ps2_mouse.h"
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
    struct i8042_queue ctl;   /* controller replies (0xD2/0xD3 too): first */
    bool ctl_aux[I8042_QUEUE];/* per ctl entry: an aux byte */
    bool xlate_break;         /* translation saw 0xF0 */
    struct ps2_kbd kbd;
    struct ps2_mouse mouse;
    bool irq1_level, irq12_level;
    bool refilling;           /* inside refill (not state) */
    uint64_t resets;          /* reset requests made */
};

/* Creates the controller, declaring ports 0x60 and 0x64.  Pins and lines
 * may be unconnected.  NULL when out of memory. */
struct i8042 *i8042_create(struct irq_pin irq1, struct irq_pin irq12, struct signal_line a20,
                           struct signal_request reset);

/* Guest time for the keyboard's typematic repeat. */
void i8042_connect(struct i8042 *k, struct dev_clock clock, struct sched *sched);

/* The keyboard and mouse as the host's frontends see them (dev/input.h). */
struct input_sink i8042_input(struct i8042 *k);

void i8042_reset(struct i8042 *k);

#endif
