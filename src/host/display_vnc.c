/* The VNC frontend (-vnc, -display vnc=): an RFB server (RFC 6143) from
 * libvncserver, run on the VM's thread: rfbProcessEvents with a zero
 * timeout from display_poll, never its background thread.  The guest's
 * surface is copied, dirty rows only, into the server's framebuffer (kept
 * in the source's XRGB layout, which libvncserver converts for each
 * client); key events are X11 keysyms (host/keymap.h); the pointer is
 * absolute and becomes relative PS/2 motion, buttons 4 and 5 the wheel.
 *
 * With a websocket port, a second listening socket takes noVNC's
 * connections and hands them to libvncserver, which sees the HTTP upgrade
 * and speaks RFB over WebSocket frames. */
#include "host/display.h"

#include <stdio.h>

#if PLEX86_HAVE_VNC
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rfb/rfb.h>

#include "host/keymap.h"

struct vnc {
    struct display_frontend fe;
    rfbScreenInfoPtr screen;
    uint32_t *fb;
    uint32_t w, h;
    int ws_fd;                 /* the websocket listener, or -1 */
    bool have_pointer;
    int last_x, last_y;
    int last_mask;
};

static void quiet_log(const char *fmt, ...)
{
    (void)fmt;
}

static void vnc_key(rfbBool down, rfbKeySym sym, rfbClientPtr cl)
{
    struct vnc *v = cl->screen->screenData;
    unsigned code = keymap_keysym(sym);
    if (code)
        input_key(&v->fe.env->input, code, down);
}

/* RFB button mask: bit 0 left, 1 middle, 2 right, 3 wheel up, 4 wheel
 * down (a press is one notch). */
static void vnc_pointer(int mask, int x, int y, rfbClientPtr cl)
{
    struct vnc *v = cl->screen->screenData;
    int dx = v->have_pointer ? x - v->last_x : 0;
    int dy = v->have_pointer ? y - v->last_y : 0;
    int dz = 0;
    if ((mask & 8) && !(v->last_mask & 8))
        dz--;
    if ((mask & 16) && !(v->last_mask & 16))
        dz++;
    unsigned buttons = ((mask & 1) ? INPUT_BUTTON_LEFT : 0) |
                       ((mask & 2) ? INPUT_BUTTON_MIDDLE : 0) |
                       ((mask & 4) ? INPUT_BUTTON_RIGHT : 0);
    v->have_pointer = true;
    v->last_x = x;
    v->last_y = y;
    v->last_mask = mask;
    input_pointer(&v->fe.env->input, dx, dy, dz, buttons);
    rfbDefaultPtrAddEvent(mask, x, y, cl);
}

static bool resize(struct vnc *v, uint32_t w, uint32_t h)
{
    uint32_t *fb = calloc((size_t)w * h, 4);
    if (!fb)
        return false;
    if (v->screen)
        rfbNewFramebuffer(v->screen, (char *)fb, (int)w, (int)h, 8, 3, 4);
    free(v->fb);
    v->fb = fb;
    v->w = w;
    v->h = h;
    return true;
}

/* Our pixels are 0x00RRGGBB words in host order (little-endian here). */
static void set_format(rfbScreenInfoPtr s)
{
    s->serverFormat.redShift = 16;
    s->serverFormat.greenShift = 8;
    s->serverFormat.blueShift = 0;
}

static void vnc_refresh(struct display_frontend *f, const struct display_surface *s,
                        const struct display_rect *r, const struct display_text *text)
{
    struct vnc *v = (struct vnc *)f;
    (void)text;
    if (s->width != v->w || s->height != v->h) {
        if (!resize(v, s->width, s->height))
            return;
        set_format(v->screen);
    }
    if (r->x0 >= r->x1 || r->y0 >= r->y1)
        return;
    size_t n = (size_t)(r->x1 - r->x0) * 4;
    for (uint32_t y = r->y0; y < r->y1; y++)
        memcpy(v->fb + (size_t)y * v->w + r->x0,
               (const uint8_t *)s->pixels + (size_t)y * s->stride + (size_t)r->x0 * 4, n);
    rfbMarkRectAsModified(v->screen, (int)r->x0, (int)r->y0, (int)r->x1, (int)r->y1);
}

static void vnc_events(struct display_frontend *f)
{
    struct vnc *v = (struct vnc *)f;
    if (v->ws_fd >= 0) {
        int c;
        while ((c = accept(v->ws_fd, NULL, NULL)) >= 0)
            rfbNewClient(v->screen, c);
    }
    /* A round reads at most one message per client: a few more while
     * messages keep coming, then the updates go out. */
    for (int i = 0; i < 16 && rfbCheckFds(v->screen, 0) > 0; i++)
        ;
    rfbProcessEvents(v->screen, 0);
}

static void vnc_destroy(struct display_frontend *f)
{
    struct vnc *v = (struct vnc *)f;
    if (v->ws_fd >= 0)
        close(v->ws_fd);
    if (v->screen) {
        rfbShutdownServer(v->screen, TRUE);
        rfbScreenCleanup(v->screen);
    }
    free(v->fb);
    free(v);
}

static const struct display_frontend_ops vnc_ops = {
    .name = "vnc", .refresh = vnc_refresh, .events = vnc_events, .destroy = vnc_destroy,
};

static int resolve(const char *host, in_addr_t *addr)
{
    if (!host[0]) {
        *addr = htonl(INADDR_ANY);
        return 0;
    }
    if (!strcmp(host, "localhost")) {
        *addr = htonl(INADDR_LOOPBACK);
        return 0;
    }
    struct in_addr a;
    if (inet_pton(AF_INET, host, &a) != 1)
        return -1;
    *addr = a.s_addr;
    return 0;
}

static int listen_on(in_addr_t addr, unsigned port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                              .sin_addr.s_addr = addr };
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

struct display_frontend *display_vnc_open(const struct display_env *env,
                                          const struct cli_display *opts, char *err,
                                          size_t errlen)
{
    in_addr_t addr;
    if (resolve(opts->vnc_host, &addr) < 0) {
        snprintf(err, errlen, "-vnc: '%s' is not an IPv4 address or localhost", opts->vnc_host);
        return NULL;
    }
    struct vnc *v = calloc(1, sizeof(*v));
    if (!v || !resize(v, 640, 480)) {
        free(v);
        snprintf(err, errlen, "-vnc: out of memory");
        return NULL;
    }
    v->fe = (struct display_frontend){ .ops = &vnc_ops, .env = env };
    v->ws_fd = -1;
    /* libvncserver's log is a pair of process-wide hooks; its chatter
     * ("Listening for VNC connections...") is not ours to print, and its
     * errors come back to us (a port in use), said in our words. */
    rfbLog = quiet_log;
    rfbErr = quiet_log;
    int argc = 0;
    v->screen = rfbGetScreen(&argc, NULL, (int)v->w, (int)v->h, 8, 3, 4);
    if (!v->screen) {
        vnc_destroy(&v->fe);
        snprintf(err, errlen, "-vnc: cannot create the server");
        return NULL;
    }
    rfbScreenInfoPtr s = v->screen;
    s->frameBuffer = (char *)v->fb;
    s->desktopName = "plex86";
    s->alwaysShared = TRUE;
    s->port = (int)opts->vnc_port;
    s->ipv6port = 0;            /* IPv4 only: QEMU's addresses, as parsed */
    s->listenInterface = addr;
    s->autoPort = FALSE;
    s->httpPort = 0;
    s->kbdAddEvent = vnc_key;
    s->ptrAddEvent = vnc_pointer;
    s->screenData = v;
    s->cursor = NULL;           /* the guest draws its own */
    set_format(s);
    rfbInitServer(s);
    if (s->listenSock < 0) {
        snprintf(err, errlen, "-vnc: cannot listen on port %u", opts->vnc_port);
        vnc_destroy(&v->fe);
        return NULL;
    }
    if (opts->websocket_port) {
        v->ws_fd = listen_on(addr, opts->websocket_port);
        if (v->ws_fd < 0) {
            snprintf(err, errlen, "-vnc: websocket port %u: %s", opts->websocket_port,
                     strerror(errno));
            vnc_destroy(&v->fe);
            return NULL;
        }
    }
    return &v->fe;
}

bool display_vnc_built(void)
{
    return true;
}
#else
struct display_frontend *display_vnc_open(const struct display_env *env,
                                          const struct cli_display *opts, char *err,
                                          size_t errlen)
{
    (void)env;
    (void)opts;
    snprintf(err, errlen, "-vnc: this plex86 was built without VNC (libvncserver)");
    return NULL;
}

bool display_vnc_built(void)
{
    return false;
}
#endif
