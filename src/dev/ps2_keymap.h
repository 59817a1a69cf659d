/* Scan codes of the PC keyboard, keyed by Linux input event codes
 * (<linux/input-event-codes.h>, dev/input.h): sets 1 and 2 of the IBM PS/2
 * keyboard (IBM PS/2 Hardware Interface Technical Reference, "Keyboard",
 * scan code tables; the usual USB HID to PS/2 tables for the multimedia
 * keys), and the 8042's set 2 to set 1 translation. */
#ifndef PLEX86_DEV_PS2_KEYMAP_H
#define PLEX86_DEV_PS2_KEYMAP_H

#include <stdbool.h>
#include <stdint.h>

/* Key codes the keyboard has a scan code for are below this. */
#define PS2_KEYMAP_SIZE 256

/* Linux codes used by name here and in the frontends. */
enum {
    PS2_KEY_LEFTCTRL = 29, PS2_KEY_LEFTSHIFT = 42, PS2_KEY_RIGHTSHIFT = 54,
    PS2_KEY_LEFTALT = 56, PS2_KEY_RIGHTCTRL = 97, PS2_KEY_SYSRQ = 99,
    PS2_KEY_RIGHTALT = 100, PS2_KEY_PAUSE = 119,
};

/* A key's make code: one byte, after an 0xE0 prefix when `e0`.  Pause and
 * Print Screen have sequences of their own (ps2_kbd.c); `special` marks
 * them. */
struct ps2_scancode {
    uint8_t set1, set2;
    bool e0;
    bool special;
};

/* The key's scan codes, or NULL when the keyboard has none. */
const struct ps2_scancode *ps2_keymap(unsigned keycode);

/* The 8042's translation of one byte from a set 2 keyboard into set 1
 * (the break prefix 0xF0 is the controller's business, i8042.c). */
uint8_t ps2_translate(uint8_t set2);

#endif
