/* The display layer (host/display.h, docs/display.md): the -display and
 * -vnc options; the 60 Hz refresh of a fake display_source into a
 * recording frontend, with its dirty rectangle clipped to the surface and
 * the black screen when the source shows nothing; and the VNC frontend
 * against the fake source through a small RFB client written here (the
 * framebuffer, an update of one changed row, keys and the pointer into the
 * input sink). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "host/cli_display.h"
#include "host/cp437.h"
#include "host/display.h"
#include "host/keymap.h"

/* --- the options ---------------------------------------------------------- */

static void test_options(void)
{
    char err[256];
    struct cli_display d = { 0 };
    CHECK_EQ(cli_vnc_option(&d, ":1", err, sizeof(err)), 0);
    CHECK(d.vnc && d.vnc_port == 5901 && d.vnc_host[0] == 0 && d.websocket_port == 0);
    CHECK_EQ(cli_vnc_option(&d, "localhost:2,websocket=on", err, sizeof(err)), 0);
    CHECK(!strcmp(d.vnc_host, "localhost") && d.vnc_port == 5902 && d.websocket_port == 5702);
    CHECK_EQ(cli_vnc_option(&d, "127.0.0.1:0,websocket=6080", err, sizeof(err)), 0);
    CHECK(d.vnc_port == 5900 && d.websocket_port == 6080);
    CHECK_EQ(cli_vnc_option(&d, "[::1]:3,websocket=off", err, sizeof(err)), 0);
    CHECK(!strcmp(d.vnc_host, "::1") && d.websocket_port == 0);
    CHECK_EQ(cli_vnc_option(&d, "none", err, sizeof(err)), 0);
    CHECK(!d.vnc);
    static const char *const bad[] = {
        "", "1", ":", ":x", ":59636", ":1,websocket=", ":1,websocket=0", ":1,websocket=70000",
        ":1,password=on", ":1,websocket=5901", "localhost", ":1,,",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = 0;
        CHECK_EQ(cli_vnc_option(&d, bad[i], err, sizeof(err)), -1);
        CHECK(err[0] != 0 && !strchr(err, '\n'));
    }
    d = (struct cli_display){ 0 };
    CHECK_EQ(cli_display_option(&d, "vnc=:4", err, sizeof(err)), 0);
    CHECK(d.kind == CLI_DISPLAY_NONE && d.vnc && d.vnc_port == 5904);
    CHECK_EQ(cli_display_option(&d, "sdl", err, sizeof(err)), 0);
    CHECK(d.kind == CLI_DISPLAY_SDL);
    CHECK_EQ(cli_display_option(&d, "curses", err, sizeof(err)), 0);
    CHECK_EQ(cli_display_option(&d, "none", err, sizeof(err)), 0);
    CHECK_EQ(cli_display_option(&d, "gtk", err, sizeof(err)), -1);
    CHECK_EQ(cli_display_option(&d, "sdl,gl=on", err, sizeof(err)), -1);
}

static void test_tables(void)
{
    CHECK_EQ(cp437_unicode(0xC9), 0x2554);  /* the box corner SeaBIOS's menu uses */
    CHECK_EQ(cp437_unicode('A'), 'A');
    CHECK_EQ(cp437_unicode(0x01), 0x263A);
    CHECK_EQ(cp437_unicode(0xDB), 0x2588);
    bool shift;
    CHECK_EQ(keymap_char('a', &shift), 30);
    CHECK(!shift);
    CHECK_EQ(keymap_char('A', &shift), 30);
    CHECK(shift);
    CHECK_EQ(keymap_char('?', &shift), 53);
    CHECK(shift);
    CHECK_EQ(keymap_keysym(0xFF0D), 28);
    CHECK_EQ(keymap_keysym(0xFFC9), 88);      /* F12 */
    CHECK_EQ(keymap_keysym(0x12345), 0);
    CHECK_EQ(keymap_hid(0x04), 30);           /* SDL_SCANCODE_A */
    CHECK_EQ(keymap_hid(0xE6), 100);          /* right Alt */
    CHECK_EQ(keymap_hid(0x1000), 0);
}

/* --- a fake adapter and a recording frontend ------------------------------ */

struct fake {
    uint32_t w, h;
    uint32_t px[64 * 48];
    struct display_rect dirty;
    bool on;
    bool text;
    uint16_t cells[80 * 25];
    unsigned updates;
};

static bool fake_update(void *opaque, struct display_surface *out, struct display_rect *dirty)
{
    struct fake *f = opaque;
    f->updates++;
    if (!f->on)
        return false;
    *out = (struct display_surface){ f->w, f->h, f->w * 4, f->px };
    *dirty = f->dirty;
    f->dirty = (struct display_rect){ 0 };
    return true;
}

static bool fake_text(void *opaque, struct display_text *out)
{
    struct fake *f = opaque;
    if (!f->text)
        return false;
    *out = (struct display_text){ .cols = 80, .rows = 25, .cells = f->cells };
    return true;
}

struct rec {
    struct display_frontend fe;
    unsigned refreshes, events;
    struct display_surface s;
    struct display_rect r;
    bool had_text;
};

static void rec_refresh(struct display_frontend *f, const struct display_surface *s,
                        const struct display_rect *r, const struct display_text *t)
{
    struct rec *x = (struct rec *)f;
    x->refreshes++;
    x->s = *s;
    x->r = *r;
    x->had_text = t != NULL;
    /* The rectangle lies in the surface. */
    CHECK(r->x0 <= r->x1 && r->x1 <= s->width && r->y0 <= r->y1 && r->y1 <= s->height);
}

static void rec_events(struct display_frontend *f)
{
    ((struct rec *)f)->events++;
}

static void rec_destroy(struct display_frontend *f)
{
    (void)f;
}

static const struct display_frontend_ops rec_ops = {
    .name = "rec", .refresh = rec_refresh, .events = rec_events, .destroy = rec_destroy,
};

static void test_core(void)
{
    static struct fake fk = { .w = 64, .h = 48, .on = true };
    struct display_source src = { fake_update, fake_text, &fk };
    struct display_env env = { .source = &src };
    struct display *d = display_new(&env);
    struct rec r = { .fe = { .ops = &rec_ops } };
    CHECK(d != NULL);
    CHECK_EQ(display_add(d, &r.fe), 0);
    uint64_t t = 1000000000;
    display_poll(d, t);
    /* The first picture: all of it, whatever the source says. */
    CHECK_EQ(r.refreshes, 1);
    CHECK(r.s.width == 64 && r.r.x0 == 0 && r.r.x1 == 64 && r.r.y0 == 0 && r.r.y1 == 48);
    CHECK(!r.had_text);
    /* Not again before 1/60 s; events every 4 ms. */
    display_poll(d, t + 5000000);
    CHECK_EQ(r.refreshes, 1);
    CHECK_EQ(r.events, 2);
    /* A halted guest sleeps to the next refresh (events are taken then). */
    CHECK_EQ(display_timeout_ns(d, t + 5000000), DISPLAY_REFRESH_NS - 5000000);
    fk.dirty = (struct display_rect){ 2, 10, 30, 11 };
    display_poll(d, t + DISPLAY_REFRESH_NS);
    CHECK_EQ(r.refreshes, 2);
    CHECK(r.r.x0 == 2 && r.r.y0 == 10 && r.r.x1 == 30 && r.r.y1 == 11);
    /* A source that overstates what changed is clipped. */
    fk.dirty = (struct display_rect){ 60, 40, 6400, 4800 };
    display_poll(d, t + 2 * DISPLAY_REFRESH_NS);
    CHECK(r.r.x1 == 64 && r.r.y1 == 48);
    /* Text mode: the frontends get the cells too. */
    fk.text = true;
    display_poll(d, t + 3 * DISPLAY_REFRESH_NS);
    CHECK(r.had_text);
    /* Nothing shown: black 640x480, all dirty once, then nothing. */
    fk.on = false;
    display_poll(d, t + 4 * DISPLAY_REFRESH_NS);
    CHECK(r.s.width == 640 && r.s.height == 480 && r.r.x1 == 640 && r.r.y1 == 480);
    CHECK(!r.had_text && r.s.pixels[0] == 0);
    display_poll(d, t + 5 * DISPLAY_REFRESH_NS);
    CHECK(r.r.x0 == r.r.x1);
    /* Back: the whole picture again (its size changed). */
    fk.on = true;
    fk.text = false;
    display_poll(d, t + 6 * DISPLAY_REFRESH_NS);
    CHECK(r.s.width == 64 && r.r.x1 == 64 && r.r.y1 == 48 && r.r.y0 == 0);
    struct display_stats st = display_get_stats(d);
    CHECK_EQ(st.refreshes, 7);
    display_close(d);
    /* No source at all. */
    env.source = NULL;
    d = display_new(&env);
    struct rec r2 = { .fe = { .ops = &rec_ops } };
    display_add(d, &r2.fe);
    display_poll(d, t);
    CHECK(r2.refreshes == 1 && r2.s.width == 640);
    display_close(d);
}

/* --- VNC against the fake --------------------------------------------------- */

struct sink_log {
    unsigned keys[16];
    bool downs[16];
    unsigned nkeys;
    int dx, dy, dz;
    unsigned buttons, moves;
};

static void log_key(void *opaque, unsigned code, bool down)
{
    struct sink_log *l = opaque;
    if (l->nkeys < 16) {
        l->keys[l->nkeys] = code;
        l->downs[l->nkeys++] = down;
    }
}

static void log_pointer(void *opaque, int dx, int dy, int dz, unsigned buttons)
{
    struct sink_log *l = opaque;
    l->dx += dx;
    l->dy += dy;
    l->dz += dz;
    l->buttons = buttons;
    l->moves++;
}

static struct display *vd;
static uint64_t vt;
static int sock;

/* Runs the server until `n` bytes have come, or about 5 s. */
static bool recv_all(void *buf, size_t n)
{
    size_t got = 0;
    for (int i = 0; i < 5000 && got < n; i++) {
        vt += DISPLAY_EVENT_NS;
        display_poll(vd, vt);
        struct pollfd p = { .fd = sock, .events = POLLIN };
        if (poll(&p, 1, 1) <= 0)
            continue;
        ssize_t r = recv(sock, (char *)buf + got, n - got, 0);
        if (r <= 0)
            return false;
        got += (size_t)r;
    }
    return got == n;
}

static void send_all(const void *buf, size_t n)
{
    CHECK_EQ(send(sock, buf, n, 0), (ssize_t)n);
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* Reads one FramebufferUpdate of raw rectangles into `fb` (w wide);
 * returns the number of rectangles and the last one's place. */
static int read_update(uint32_t *fb, unsigned w, unsigned *rx, unsigned *ry, unsigned *rw,
                       unsigned *rh)
{
    uint8_t hdr[4];
    if (!recv_all(hdr, 4) || hdr[0] != 0)
        return -1;
    unsigned n = be16(hdr + 2);
    for (unsigned i = 0; i < n; i++) {
        uint8_t r[12];
        if (!recv_all(r, 12))
            return -1;
        *rx = be16(r);
        *ry = be16(r + 2);
        *rw = be16(r + 4);
        *rh = be16(r + 6);
        if (r[8] || r[9] || r[10] || r[11])
            return -1;           /* raw only */
        for (unsigned y = 0; y < *rh; y++)
            if (!recv_all(fb + (size_t)(*ry + y) * w + *rx, (size_t)*rw * 4))
                return -1;
    }
    return (int)n;
}

static void test_vnc(void)
{
    if (!display_vnc_built()) {
        fprintf(stderr, "test_display: VNC not built: its part skipped\n");
        return;
    }
    static struct fake fk = { .w = 64, .h = 48, .on = true };
    for (unsigned i = 0; i < 64 * 48; i++)
        fk.px[i] = 0x00102030u + i;
    struct display_source src = { fake_update, fake_text, &fk };
    struct sink_log log = { 0 };
    struct display_env env = {
        .source = &src, .input = { .key = log_key, .pointer = log_pointer, .opaque = &log } };
    /* A free port above 5900. */
    unsigned port = 0;
    for (unsigned p = 5960; p < 6200 && !port; p++) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)p),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        if (bind(s, (struct sockaddr *)&a, sizeof(a)) == 0)
            port = p;
        close(s);
    }
    CHECK(port != 0);
    struct cli_display opts = { .vnc = true, .vnc_port = port };
    strcpy(opts.vnc_host, "127.0.0.1");
    char err[256];
    vd = display_new(&env);
    struct display_frontend *fe = display_vnc_open(&env, &opts, err, sizeof(err));
    if (!fe)
        fprintf(stderr, "display_vnc_open: %s\n", err);
    CHECK(fe != NULL);
    CHECK_EQ(display_add(vd, fe), 0);
    /* A second server on the same port is refused with a message. */
    struct display_frontend *again = display_vnc_open(&env, &opts, err, sizeof(err));
    CHECK(again == NULL && strstr(err, "listen") != NULL);
    vt = 1000000000;
    display_poll(vd, vt);

    sock = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    CHECK_EQ(connect(sock, (struct sockaddr *)&a, sizeof(a)), 0);
    uint8_t buf[64];
    CHECK(recv_all(buf, 12) && !memcmp(buf, "RFB 003.008\n", 12));
    send_all("RFB 003.008\n", 12);
    CHECK(recv_all(buf, 1) && buf[0] >= 1);
    unsigned ntypes = buf[0];
    CHECK(recv_all(buf, ntypes) && memchr(buf, 1, ntypes));
    send_all("\x01", 1);
    CHECK(recv_all(buf, 4) && !buf[0] && !buf[1] && !buf[2] && !buf[3]);
    send_all("\x01", 1);
    CHECK(recv_all(buf, 24));
    CHECK(be16(buf) == 64 && be16(buf + 2) == 48);
    unsigned name_len = (unsigned)buf[23];
    CHECK(recv_all(buf, name_len) && !memcmp(buf, "plex86", 6));
    /* 32 bpp little-endian, red at 16, green 8, blue 0: the source's own. */
    static const uint8_t fmt[20] = { 0, 0, 0, 0, 32, 24, 0, 1, 0, 255, 0, 255, 0, 255,
                                     16, 8, 0, 0, 0, 0 };
    send_all(fmt, sizeof(fmt));
    static const uint8_t enc[8] = { 2, 0, 0, 1, 0, 0, 0, 0 };
    send_all(enc, sizeof(enc));
    static uint32_t fb[64 * 48];
    static const uint8_t full[10] = { 3, 0, 0, 0, 0, 0, 0, 64, 0, 48 };
    send_all(full, sizeof(full));
    unsigned rx, ry, rw, rh;
    int n = 0, covered = 0;
    while (covered < 64 * 48 && (n = read_update(fb, 64, &rx, &ry, &rw, &rh)) > 0)
        covered += (int)(rw * rh);
    CHECK(covered >= 64 * 48);
    CHECK(memcmp(fb, fk.px, sizeof(fb)) == 0);
    /* One row changes: an incremental request gets it (and only rows
     * that changed). */
    for (unsigned x = 0; x < 64; x++)
        fk.px[20 * 64 + x] = 0x00FF0000u | x;
    fk.dirty = (struct display_rect){ 0, 20, 64, 21 };
    static const uint8_t inc[10] = { 3, 1, 0, 0, 0, 0, 0, 64, 0, 48 };
    send_all(inc, sizeof(inc));
    n = read_update(fb, 64, &rx, &ry, &rw, &rh);
    CHECK(n >= 1);
    CHECK(ry <= 20 && ry + rh >= 21 && rh < 48);
    CHECK(memcmp(fb, fk.px, sizeof(fb)) == 0);
    /* Keys (keysyms) and the pointer (absolute to relative). */
    static const uint8_t keys[] = {
        4, 1, 0, 0, 0, 0, 0, 0x61, 4, 0, 0, 0, 0, 0, 0, 0x61,        /* a */
        4, 1, 0, 0, 0, 0, 0xFF, 0x0D, 4, 0, 0, 0, 0, 0, 0xFF, 0x0D,  /* Return */
        4, 1, 0, 0, 0, 0, 0x12, 0x34,                                /* unknown */
    };
    send_all(keys, sizeof(keys));
    static const uint8_t ptr[] = {
        5, 0, 0, 10, 0, 10, 5, 1, 0, 15, 0, 7, 5, 0x10, 0, 15, 0, 7, 5, 0, 0, 15, 0, 7,
    };
    send_all(ptr, sizeof(ptr));
    for (int i = 0; i < 500 && (log.nkeys < 4 || log.moves < 4); i++) {
        vt += DISPLAY_EVENT_NS;
        display_poll(vd, vt);
        usleep(1000);
    }
    CHECK_EQ(log.nkeys, 4);
    CHECK(log.keys[0] == 30 && log.downs[0] && log.keys[1] == 30 && !log.downs[1]);
    CHECK(log.keys[2] == 28 && log.keys[3] == 28);
    CHECK_EQ(log.moves, 4);
    CHECK(log.dx == 5 && log.dy == -3 && log.dz == 1 && log.buttons == 0);
    close(sock);
    display_close(vd);
}

int main(void)
{
    test_options();
    test_tables();
    test_core();
    test_vnc();
    return check_report();
}
