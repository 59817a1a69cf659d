/* The PS/2 keyboard (IBM PS/2 Hardware Interface Technical Reference,
 * "Keyboard and Auxiliary Device Controller" and "101/102-Key Keyboard"):
 * what sits at the far end of the 8042's keyboard port.
 *
 * Keys come from the host as Linux key codes (dev/input.h) and leave as
 * scan codes of set 1 or 2 (dev/ps2_keymap.h; set 3 is refused, as by
 * keyboards that lack it, and drivers fall back to set 2).  Commands from
 * the guest (through the controller): 0xFF reset (0xFA, then the self-test
 * result 0xAA), 0xFE resend the last byte, 0xF6 defaults, 0xF5 disable
 * (and defaults), 0xF4 enable, 0xF3 typematic rate/delay, 0xF2 identify
 * (0xFA 0xAB 0x83), 0xF0 scan code set (argument 0: which, answered after
 * the ACK), 0xEE echo, 0xED LEDs; 0xF7-0xFD (set 3 key types) are
 * acknowledged and do nothing; anything else gets 0xFE.  A command byte
 * (0x80 and up) where an argument is awaited is taken as a command.
 *
 * Typematic: the last key pressed repeats its make code while held, after
 * the delay and at the rate of command 0xF3 (defaults 500 ms, 10.9/s), on
 * guest time.  Host key repeat is ignored: a key already down does not go
 * down again.  A full buffer drops the sequence and queues the overrun
 * code (0xFF in set 1, 0x00 in set 2). */
#ifndef PLEX86_DEV_PS2_KBD_H
#define PLEX86_DEV_PS2_KBD_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/irq.h"
#include "dev/ps2_keymap.h"
#include "dev/ps2_queue.h"
#include "vm/sched.h"
#include "vm/state.h"

struct ps2_kbd {
    struct ps2_queue q;
    void (*notify)(void *opaque);  /* bytes were queued */
    void *opaque;
    struct dev_clock clock;
    struct sched *sched;           /* NULL: no typematic repeat */
    struct timer timer;            /* the next repeat */
    uint8_t set;                   /* 1 or 2 */
    bool enabled;                  /* scanning (0xF4/0xF5) */
    uint8_t leds;                  /* bit 0 Scroll, 1 Num, 2 Caps Lock */
    uint8_t typematic;             /* 0xF3's byte: delay bits 6-5, rate 4-0 */
    uint8_t pending;               /* command awaiting its argument */
    uint8_t last;                  /* the last byte sent, for 0xFE */
    uint16_t repeat_key;           /* the key repeating; 0: none */
    uint64_t repeat_at;            /* its next make code, guest ns */
    uint8_t down[PS2_KEYMAP_SIZE / 8]; /* keys held */
};

/* Sets the keyboard up at its power-on state; `notify` (may be NULL) is
 * called whenever bytes are queued. */
void ps2_kbd_init(struct ps2_kbd *k, void (*notify)(void *opaque), void *opaque);
/* Guest time for typematic repeat. */
void ps2_kbd_connect(struct ps2_kbd *k, struct dev_clock clock, struct sched *sched);
void ps2_kbd_reset(struct ps2_kbd *k);

/* A byte from the controller (a command or its argument). */
void ps2_kbd_write(struct ps2_kbd *k, uint8_t v);
/* A key went down or up (Linux key code); unknown codes are ignored. */
void ps2_kbd_key(struct ps2_kbd *k, unsigned keycode, bool down);
/* The next byte for the controller; false when none waits. */
bool ps2_kbd_pop(struct ps2_kbd *k, uint8_t *b);

/* The typematic period and delay of a 0xF3 byte, in ns. */
uint64_t ps2_kbd_period_ns(uint8_t typematic);
uint64_t ps2_kbd_delay_ns(uint8_t typematic);

void ps2_kbd_save(const struct ps2_kbd *k, struct state_out *out);
/* Reads what save wrote into `k` (a scratch copy: no timer is touched)
 * and checks it; the caller commits and then calls ps2_kbd_loaded. */
void ps2_kbd_load(struct ps2_kbd *k, struct state_in *in);
void ps2_kbd_loaded(struct ps2_kbd *k);

#endif
