/* The PS/2 mouse on the 8042's auxiliary port (IBM PS/2 Hardware Interface
 * Technical Reference, "Pointing Device"; Microsoft's IntelliMouse
 * extensions for the wheel).
 *
 * Commands (through the controller's 0xD4): 0xFF reset (0xFA 0xAA 0x00,
 * defaults, reporting off), 0xFE resend, 0xF6 defaults, 0xF5/0xF4 reporting
 * off/on, 0xF3 sample rate, 0xF2 identify (0xFA and the ID: 0, 3 after the
 * rate sequence 200, 100, 80 (IntelliMouse: wheel), 4 after 200, 200, 80
 * (IntelliMouse Explorer: wheel and buttons 4 and 5)), 0xF0 remote mode,
 * 0xEE wrap mode (bytes echoed until 0xEC or 0xFF), 0xEC leave wrap mode,
 * 0xEB read data (a packet), 0xEA stream mode, 0xE9 status (three bytes),
 * 0xE8 resolution, 0xE7/0xE6 scaling 2:1/1:1; anything else 0xFE.
 *
 * Packets: byte 0 buttons (bit 0 left, 1 right, 2 middle), bit 3 set, X
 * and Y sign bits 4 and 5; then X and Y (up positive), 9-bit two's
 * complement each, clamped per packet with the rest kept for the next; with
 * ID 3 or 4 a fourth byte for the wheel.  In stream mode with reporting on,
 * motion and button changes make packets while the buffer has room. */
#ifndef PLEX86_DEV_PS2_MOUSE_H
#define PLEX86_DEV_PS2_MOUSE_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/ps2_queue.h"
#include "vm/state.h"

enum {
    PS2_MOUSE_SCALE21 = 0x10, PS2_MOUSE_ENABLED = 0x20, PS2_MOUSE_REMOTE = 0x40,
};

struct ps2_mouse {
    struct ps2_queue q;
    void (*notify)(void *opaque);  /* bytes were queued */
    void *opaque;
    uint8_t mode;                  /* PS2_MOUSE_* */
    uint8_t rate;                  /* samples/s */
    uint8_t resolution;            /* 0-3: 1, 2, 4, 8 counts/mm */
    uint8_t id;                    /* 0, 3 or 4 */
    uint8_t pending;               /* command awaiting its argument */
    uint8_t last;                  /* the last byte sent, for 0xFE */
    bool wrap;
    uint8_t rates[3];              /* the last three sample rates set */
    int32_t dx, dy, dz;            /* motion not yet reported (dy: up) */
    uint8_t buttons;               /* held, as in packet byte 0 */
    bool changed;                  /* buttons changed since the last packet */
};

void ps2_mouse_init(struct ps2_mouse *m, void (*notify)(void *opaque), void *opaque);
void ps2_mouse_reset(struct ps2_mouse *m);
void ps2_mouse_write(struct ps2_mouse *m, uint8_t v);
/* Motion as dev/input.h gives it (dy down positive, dz towards the user
 * positive) and the INPUT_BUTTON_* mask held now. */
void ps2_mouse_move(struct ps2_mouse *m, int dx, int dy, int dz, unsigned buttons);
/* The next byte for the controller; false when none waits.  Taking a
 * byte may make room for the next packet of pending motion. */
bool ps2_mouse_pop(struct ps2_mouse *m, uint8_t *b);

void ps2_mouse_save(const struct ps2_mouse *m, struct state_out *out);
/* Reads what save wrote into `m` and checks it. */
void ps2_mouse_load(struct ps2_mouse *m, struct state_in *in);

#endif
