/* The display contract (issue 17): how a display adapter (the VGA, dev/vga*)
 * hands its picture to the host's frontends (SDL window, VNC, curses,
 * screendump), and nothing more.  The adapter knows no frontend and the
 * frontends know no register: the board gives the host a display_source
 * (pc_display), the host polls it.
 *
 * Everything runs on the VM's thread: a frontend calls update from the run
 * loop's host hook at its own refresh rate (e.g. 60 Hz of host time), never
 * from another thread. */
#ifndef PLEX86_DEV_DISPLAY_H
#define PLEX86_DEV_DISPLAY_H

#include <stdbool.h>
#include <stdint.h>

/* The picture as the monitor would show it: width x height pixels,
 * XRGB8888 (0x00RRGGBB in a uint32_t, host byte order), rows `stride`
 * bytes apart.  The pixels are the adapter's and stay valid until the next
 * call into the source. */
struct display_surface {
    uint32_t width, height;
    uint32_t stride;
    const uint32_t *pixels;
};

/* The part of the surface that changed since the previous update: rows
 * [y0, y1) and columns [x0, x1).  Empty (x0 == x1 or y0 == y1) when
 * nothing changed.  A change of size marks the whole surface. */
struct display_rect {
    uint32_t x0, y0, x1, y1;
};

/* A text mode's screen, for frontends that show characters (curses) and for
 * text dumps: cols x rows cells, row-major, each the character (code page
 * 437, as the guest's font draws it, low byte) and its attribute (high
 * byte: foreground in bits 0-3, background 4-6, blink or bright background
 * in bit 7 as the attribute controller's mode says). */
struct display_text {
    unsigned cols, rows;
    const uint16_t *cells;
    bool cursor_visible;
    unsigned cursor_col, cursor_row;
    bool blink_enabled;        /* bit 7 means blink (else bright background) */
};

struct display_source {
    /* Brings the surface up to date with the guest's video memory and
     * registers, and says what changed.  Returns false when the adapter
     * shows nothing (display disabled, no mode set): the frontend keeps
     * its last picture or shows a blank one. */
    bool (*update)(void *opaque, struct display_surface *out, struct display_rect *dirty);
    /* The text screen when the adapter is in a text mode; false in
     * graphics modes (then only the surface exists). */
    bool (*text)(void *opaque, struct display_text *out);
    void *opaque;
};

static inline bool display_update(const struct display_source *s, struct display_surface *out,
                                  struct display_rect *dirty)
{
    return s->update ? s->update(s->opaque, out, dirty) : false;
}

static inline bool display_text(const struct display_source *s, struct display_text *out)
{
    return s->text ? s->text(s->opaque, out) : false;
}

#endif
