/* The display options, as QEMU spells them (qemu-system(1), "Display
 * options"):
 *   -display none | sdl | curses | default | vnc=ADDR   (one frontend)
 *   -vnc ADDR[,websocket=on|off|PORT]                   (a VNC server too)
 *   -nographic                                          (serial console,
 *                                                        no display at all)
 * where ADDR is [HOST]:N (the RFB port 5900+N; no HOST: every address,
 * "localhost" or an IP address: that one) or "none".  With websocket=on
 * a WebSocket listener (for noVNC) waits on 5700+N, QEMU's default. */
#ifndef PLEX86_HOST_CLI_DISPLAY_H
#define PLEX86_HOST_CLI_DISPLAY_H

#include <stdbool.h>
#include <stddef.h>

enum cli_display_kind {
    CLI_DISPLAY_DEFAULT = 0,   /* sdl when a display is there, else none */
    CLI_DISPLAY_NONE,
    CLI_DISPLAY_SDL,
    CLI_DISPLAY_CURSES,
};

#define CLI_VNC_HOST_MAX 64

struct cli_display {
    enum cli_display_kind kind;
    bool vnc;                  /* a VNC server (-vnc, or -display vnc=) */
    char vnc_host[CLI_VNC_HOST_MAX]; /* "" = every address */
    unsigned vnc_port;         /* 5900 + N */
    unsigned websocket_port;   /* 0: none */
};

/* -display ARG / -vnc ARG into `d`.  0, or -1 with one line in `err`. */
int cli_display_option(struct cli_display *d, const char *arg, char *err, size_t errlen);
int cli_vnc_option(struct cli_display *d, const char *arg, char *err, size_t errlen);

#endif
