/* The input contract (issue 17): how the host's frontends (SDL, VNC,
 * curses, tests) hand key and pointer events to the board's input devices
 * (the PS/2 keyboard and mouse behind the i8042), which turn them into
 * what the guest reads.  A frontend holds an input_sink from the board
 * (pc_input) and calls it on the VM's thread.
 *
 * Keys are named by position, with Linux's input event codes
 * (<linux/input-event-codes.h>: KEY_A = 30, KEY_ENTER = 28, ...), the same
 * numbering QEMU's and SDL's tables map to; the keyboard device makes scan
 * codes (sets 1 and 2, the 8042's translation) from them.  A code the
 * keyboard has no scan code for is ignored. */
#ifndef PLEX86_DEV_INPUT_H
#define PLEX86_DEV_INPUT_H

#include <stdbool.h>
#include <stdint.h>

/* Pointer buttons, as a mask. */
#define INPUT_BUTTON_LEFT   1u
#define INPUT_BUTTON_RIGHT  2u
#define INPUT_BUTTON_MIDDLE 4u

struct input_sink {
    /* A key went down (down true) or up. */
    void (*key)(void *opaque, unsigned keycode, bool down);
    /* The pointer moved by (dx, dy) (right and down positive), the wheel
     * by dz (positive: towards the user, "scroll down"), and `buttons` is
     * the mask held now. */
    void (*pointer)(void *opaque, int dx, int dy, int dz, unsigned buttons);
    void *opaque;
};

static inline void input_key(const struct input_sink *s, unsigned keycode, bool down)
{
    if (s->key)
        s->key(s->opaque, keycode, down);
}

static inline void input_pointer(const struct input_sink *s, int dx, int dy, int dz,
                                 unsigned buttons)
{
    if (s->pointer)
        s->pointer(s->opaque, dx, dy, dz, buttons);
}

#endif
