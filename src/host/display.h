/* The host's display frontends (issue 17): what shows the guest's screen
 * and takes the user's keys and pointer.  One `struct display` holds the
 * frontends a command line asked for (-display sdl|curses|none, -vnc, at
 * most one window or terminal plus one VNC server) and drives them from the
 * run loop's host hooks, on the VM's thread:
 *
 *  - display_poll, from the hooks' poll (every VM_POLL_NS of guest time)
 *    and wait: at most every DISPLAY_EVENT_NS of host time it takes the
 *    frontends' input events (keys and pointer to the board's input_sink),
 *    and every DISPLAY_REFRESH_NS (60 Hz) it asks the display_source for
 *    what changed and hands the frontends the dirty rectangle only;
 *  - display_timeout_ns caps how long a halted guest may sleep in the
 *    hooks' wait: to the next refresh, when the events are taken too, so
 *    a key typed in the window wakes it within DISPLAY_REFRESH_NS (a
 *    frame) and an idle guest's host wakes up 60 times a second for the
 *    frontends, not 250.
 *
 * The picture comes from a display_source (dev/display.h), the board's
 * display adapter; with none (NULL, or a source that shows nothing) the
 * frontends show a black 640x480 screen. */
#ifndef PLEX86_HOST_DISPLAY_H
#define PLEX86_HOST_DISPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dev/display.h"
#include "dev/input.h"
#include "host/cli_display.h"

#define DISPLAY_REFRESH_NS 16666667u
#define DISPLAY_EVENT_NS 4000000u

struct display_env {
    const struct display_source *source;  /* NULL: no adapter */
    struct input_sink input;
    /* The user closed the window: the host presses the power button or
     * quits. */
    void (*close)(void *opaque);
    /* The user asked to quit at once (curses' Ctrl-A x, as the serial
     * console's). */
    void (*quit)(void *opaque);
    void *opaque;
};

/* A frontend: an object with these ops, made by its open function. */
struct display_frontend;
struct display_frontend_ops {
    const char *name;
    /* Shows the surface; `dirty` is what changed since the last call (the
     * whole surface after a size change).  `text` is the text screen when
     * the adapter is in a text mode, else NULL. */
    void (*refresh)(struct display_frontend *f, const struct display_surface *s,
                    const struct display_rect *dirty, const struct display_text *text);
    /* Takes the frontend's pending input and window events. */
    void (*events)(struct display_frontend *f);
    void (*destroy)(struct display_frontend *f);
};
struct display_frontend {
    const struct display_frontend_ops *ops;
    const struct display_env *env;
};

/* Each frontend's constructor: NULL with one line in `err` when it cannot
 * start (no window system, a port in use) or was not built. */
struct display_frontend *display_sdl_open(const struct display_env *env, bool probe, char *err,
                                          size_t errlen);
struct display_frontend *display_vnc_open(const struct display_env *env,
                                          const struct cli_display *opts, char *err,
                                          size_t errlen);
struct display_frontend *display_curses_open(const struct display_env *env, char *err,
                                             size_t errlen);
/* Whether a frontend was built in (CMake found its library). */
bool display_sdl_built(void);
bool display_vnc_built(void);
bool display_curses_built(void);

struct display;

/* Opens what `opts` asks for.  NULL with `err` empty: no frontend wanted
 * (-nographic, -display none without -vnc, or the default with no window
 * system: then a note went to `note` when it is not NULL).  NULL with a
 * message in `err`: a frontend failed. */
struct display *display_open(const struct cli_display *opts, bool nographic,
                             const struct display_env *env, FILE *note, char *err,
                             size_t errlen);
void display_close(struct display *d);
/* An empty display and a frontend added to it (at most two; the display
 * owns it from then on, also when adding fails): what display_open uses,
 * and tests with frontends of their own.  Returns 0 or -1. */
struct display *display_new(const struct display_env *env);
int display_add(struct display *d, struct display_frontend *f);

/* The hooks' share of the work (above); `now_ns` is host monotonic time. */
void display_poll(struct display *d, uint64_t now_ns);
uint64_t display_timeout_ns(const struct display *d, uint64_t now_ns);

/* Host monotonic time in ns (CLOCK_MONOTONIC). */
uint64_t display_host_now(void);

/* Counters for the benchmark and tests: refreshes made, rows copied. */
struct display_stats {
    uint64_t refreshes, rows, events;
};
struct display_stats display_get_stats(const struct display *d);

#endif
