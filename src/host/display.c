/* The frontends' common loop; see display.h. */
#include "host/display.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DISPLAY_MAX_FRONTENDS 2
#define BLANK_W 640
#define BLANK_H 480

struct display {
    struct display_env env;
    struct display_frontend *fe[DISPLAY_MAX_FRONTENDS];
    unsigned nfe;
    uint64_t next_refresh, next_events;
    /* Shown when the source shows nothing. */
    uint32_t *blank;
    bool showing_blank;
    uint32_t last_w, last_h;  /* the size the frontends last saw */
    struct display_stats stats;
};

uint64_t display_host_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static bool window_system(void)
{
    const char *x = getenv("DISPLAY"), *w = getenv("WAYLAND_DISPLAY");
    return (x && *x) || (w && *w);
}

struct display *display_new(const struct display_env *env)
{
    struct display *d = calloc(1, sizeof(*d));
    if (d)
        d->env = *env;
    return d;
}

int display_add(struct display *d, struct display_frontend *f)
{
    if (!f)
        return -1;
    if (d->nfe == DISPLAY_MAX_FRONTENDS) {
        f->ops->destroy(f);
        return -1;
    }
    /* The frontend reads the environment from the display. */
    f->env = &d->env;
    d->fe[d->nfe++] = f;
    return 0;
}

static int add(struct display *d, struct display_frontend *f)
{
    return display_add(d, f);
}

struct display *display_open(const struct cli_display *opts, bool nographic,
                             const struct display_env *env, FILE *note, char *err,
                             size_t errlen)
{
    err[0] = 0;
    enum cli_display_kind kind = opts->kind;
    if (nographic)
        kind = CLI_DISPLAY_NONE;
    if (kind == CLI_DISPLAY_NONE && !opts->vnc)
        return NULL;
    struct display *d = display_new(env);
    if (!d) {
        snprintf(err, errlen, "display: out of memory");
        return NULL;
    }
    if (kind == CLI_DISPLAY_DEFAULT) {
        /* QEMU's default: a window when there is a window system and the
         * window library starts; else no display, said once. */
        char why[256] = "";
        struct display_frontend *f = NULL;
        if (window_system() && display_sdl_built())
            f = display_sdl_open(&d->env, true, why, sizeof(why));
        if (f) {
            add(d, f);
        } else if (note) {
            fprintf(note, "plex86: no display (%s): running without one (-display none)\n",
                    why[0] ? why
                    : !display_sdl_built() ? "built without SDL"
                    : "neither $DISPLAY nor $WAYLAND_DISPLAY is set");
        }
    } else if (kind == CLI_DISPLAY_SDL) {
        if (add(d, display_sdl_open(&d->env, false, err, errlen)) < 0)
            goto fail;
    } else if (kind == CLI_DISPLAY_CURSES) {
        if (add(d, display_curses_open(&d->env, err, errlen)) < 0)
            goto fail;
    }
    if (opts->vnc && add(d, display_vnc_open(&d->env, opts, err, errlen)) < 0)
        goto fail;
    if (!d->nfe) {
        free(d);
        return NULL;
    }
    return d;
fail:
    display_close(d);
    return NULL;
}

void display_close(struct display *d)
{
    if (!d)
        return;
    for (unsigned i = d->nfe; i-- > 0;)
        d->fe[i]->ops->destroy(d->fe[i]);
    free(d->blank);
    free(d);
}

/* The surface to show and what changed: the source's, or black. */
static bool surface(struct display *d, struct display_surface *s, struct display_rect *r)
{
    if (d->env.source && display_update(d->env.source, s, r) && s->width && s->height &&
        s->pixels) {
        d->showing_blank = false;
        return true;
    }
    if (!d->blank) {
        d->blank = calloc((size_t)BLANK_W * BLANK_H, sizeof(uint32_t));
        if (!d->blank)
            return false;
    }
    *s = (struct display_surface){ .width = BLANK_W, .height = BLANK_H,
                                   .stride = BLANK_W * 4, .pixels = d->blank };
    *r = (struct display_rect){ 0 };
    if (!d->showing_blank)
        *r = (struct display_rect){ 0, 0, BLANK_W, BLANK_H };
    d->showing_blank = true;
    return true;
}

static void refresh(struct display *d)
{
    struct display_surface s;
    struct display_rect r;
    if (!surface(d, &s, &r))
        return;
    if (s.width != d->last_w || s.height != d->last_h) {
        r = (struct display_rect){ 0, 0, s.width, s.height };
        d->last_w = s.width;
        d->last_h = s.height;
    }
    /* Never beyond the surface, whatever the source says. */
    if (r.x1 > s.width)
        r.x1 = s.width;
    if (r.y1 > s.height)
        r.y1 = s.height;
    if (r.x0 > r.x1)
        r.x0 = r.x1;
    if (r.y0 > r.y1)
        r.y0 = r.y1;
    struct display_text t;
    bool text = !d->showing_blank && d->env.source && display_text(d->env.source, &t);
    d->stats.refreshes++;
    if (r.x0 < r.x1)
        d->stats.rows += r.y1 - r.y0;
    for (unsigned i = 0; i < d->nfe; i++)
        d->fe[i]->ops->refresh(d->fe[i], &s, &r, text ? &t : NULL);
}

void display_poll(struct display *d, uint64_t now_ns)
{
    if (!d)
        return;
    if (now_ns >= d->next_events) {
        d->next_events = now_ns + DISPLAY_EVENT_NS;
        d->stats.events++;
        for (unsigned i = 0; i < d->nfe; i++)
            d->fe[i]->ops->events(d->fe[i]);
    }
    if (now_ns >= d->next_refresh) {
        d->next_refresh = now_ns + DISPLAY_REFRESH_NS;
        refresh(d);
    }
}

uint64_t display_timeout_ns(const struct display *d, uint64_t now_ns)
{
    if (!d)
        return UINT64_MAX;
    /* The refresh only: display_poll then takes the events too (they are
     * due by then), so a halted guest wakes the host 60 times a second
     * for its frontends, not 250 (issue 19: what an idle guest costs). */
    return d->next_refresh > now_ns ? d->next_refresh - now_ns : 0;
}

struct display_stats display_get_stats(const struct display *d)
{
    return d ? d->stats : (struct display_stats){ 0 };
}
