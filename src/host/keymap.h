/* Host key names to Linux input event codes (dev/input.h), for the
 * frontends: USB HID usages (SDL's scancodes are those), X11 keysyms (the
 * RFB protocol's key events, RFC 6143 7.5.4) and terminal characters
 * (curses), the last two for a US layout: a character is the key that
 * types it, with Shift when `shift` says so. */
#ifndef PLEX86_HOST_KEYMAP_H
#define PLEX86_HOST_KEYMAP_H

#include <stdbool.h>
#include <stdint.h>

/* 0 when there is no such key. */
unsigned keymap_hid(unsigned usage);
unsigned keymap_keysym(uint32_t keysym);
unsigned keymap_char(int ch, bool *shift);

/* Linux codes the frontends name. */
enum {
    KEYMAP_ESC = 1, KEYMAP_ENTER = 28, KEYMAP_LEFTCTRL = 29, KEYMAP_LEFTSHIFT = 42,
    KEYMAP_LEFTALT = 56, KEYMAP_G = 34,
};

#endif
