/* The SDL frontend (-display sdl): a resizable window with the guest's
 * picture scaled to fit (SDL2's renderer, aspect kept), its keys by
 * position (SDL scancodes are USB HID usages, host/keymap.h) and its
 * pointer as relative motion while grabbed.  Ctrl-Alt-G grabs and releases
 * the pointer and keyboard, as in QEMU, and the title says which; a click
 * in the window grabs.  Closing the window asks the host to end the VM
 * (display_env.close).  Host key repeat is dropped: the PS/2 keyboard
 * repeats on guest time itself. */
#include "host/display.h"

#include <stdio.h>

#if PLEX86_HAVE_SDL
#include <stdlib.h>
#include <string.h>

#include <SDL.h>

#include "host/keymap.h"

struct sdl {
    struct display_frontend fe;
    SDL_Window *win;
    SDL_Renderer *ren;
    SDL_Texture *tex;
    uint32_t w, h;
    bool grabbed;
    unsigned buttons;
    bool redraw;               /* exposed or resized: present again */
};

static void set_title(struct sdl *s)
{
    SDL_SetWindowTitle(s->win, s->grabbed ? "plex86 - Press Ctrl-Alt-G to exit grab"
                                          : "plex86");
}

static void grab(struct sdl *s, bool on)
{
    s->grabbed = on;
    SDL_SetRelativeMouseMode(on ? SDL_TRUE : SDL_FALSE);
    SDL_SetWindowGrab(s->win, on ? SDL_TRUE : SDL_FALSE);
    set_title(s);
}

static void sdl_refresh(struct display_frontend *f, const struct display_surface *surf,
                        const struct display_rect *r, const struct display_text *text)
{
    struct sdl *s = (struct sdl *)f;
    (void)text;
    if (surf->width != s->w || surf->height != s->h || !s->tex) {
        if (s->tex)
            SDL_DestroyTexture(s->tex);
        s->tex = SDL_CreateTexture(s->ren, SDL_PIXELFORMAT_RGB888, SDL_TEXTUREACCESS_STREAMING,
                                   (int)surf->width, (int)surf->height);
        if (!s->tex)
            return;
        if (s->w == 0 || !(SDL_GetWindowFlags(s->win) & SDL_WINDOW_MAXIMIZED))
            SDL_SetWindowSize(s->win, (int)surf->width, (int)surf->height);
        SDL_RenderSetLogicalSize(s->ren, (int)surf->width, (int)surf->height);
        s->w = surf->width;
        s->h = surf->height;
        s->redraw = true;
    }
    if (r->x0 < r->x1 && r->y0 < r->y1) {
        SDL_Rect rect = { (int)r->x0, (int)r->y0, (int)(r->x1 - r->x0), (int)(r->y1 - r->y0) };
        SDL_UpdateTexture(s->tex, &rect,
                          (const uint8_t *)surf->pixels + (size_t)r->y0 * surf->stride +
                              (size_t)r->x0 * 4,
                          (int)surf->stride);
        s->redraw = true;
    }
    if (!s->redraw)
        return;
    s->redraw = false;
    SDL_RenderClear(s->ren);
    SDL_RenderCopy(s->ren, s->tex, NULL, NULL);
    SDL_RenderPresent(s->ren);
}

static unsigned sdl_button(Uint8 b)
{
    switch (b) {
    case SDL_BUTTON_LEFT: return INPUT_BUTTON_LEFT;
    case SDL_BUTTON_RIGHT: return INPUT_BUTTON_RIGHT;
    case SDL_BUTTON_MIDDLE: return INPUT_BUTTON_MIDDLE;
    default: return 0;
    }
}

static void key(struct sdl *s, const SDL_KeyboardEvent *k)
{
    bool down = k->type == SDL_KEYDOWN;
    if (k->repeat)
        return;
    SDL_Keymod mod = SDL_GetModState();
    if (down && k->keysym.scancode == SDL_SCANCODE_G && (mod & KMOD_CTRL) && (mod & KMOD_ALT)) {
        grab(s, !s->grabbed);
        return;
    }
    unsigned code = keymap_hid(k->keysym.scancode);
    if (code)
        input_key(&s->fe.env->input, code, down);
}

static void sdl_events(struct display_frontend *f)
{
    struct sdl *s = (struct sdl *)f;
    const struct input_sink *in = &s->fe.env->input;
    SDL_Event e;
    while (SDL_PollEvent(&e)) {
        switch (e.type) {
        case SDL_QUIT:
            if (s->fe.env->close)
                s->fe.env->close(s->fe.env->opaque);
            break;
        case SDL_WINDOWEVENT:
            if (e.window.event == SDL_WINDOWEVENT_CLOSE) {
                if (s->fe.env->close)
                    s->fe.env->close(s->fe.env->opaque);
            } else if (e.window.event == SDL_WINDOWEVENT_FOCUS_LOST && s->grabbed) {
                grab(s, false);
            } else {
                s->redraw = true;
            }
            break;
        case SDL_KEYDOWN:
        case SDL_KEYUP:
            key(s, &e.key);
            break;
        case SDL_MOUSEMOTION:
            if (s->grabbed)
                input_pointer(in, e.motion.xrel, e.motion.yrel, 0, s->buttons);
            break;
        case SDL_MOUSEBUTTONDOWN:
        case SDL_MOUSEBUTTONUP:
            if (!s->grabbed) {
                if (e.type == SDL_MOUSEBUTTONDOWN && e.button.button == SDL_BUTTON_LEFT)
                    grab(s, true);
                break;
            }
            if (e.type == SDL_MOUSEBUTTONDOWN)
                s->buttons |= sdl_button(e.button.button);
            else
                s->buttons &= ~sdl_button(e.button.button);
            input_pointer(in, 0, 0, 0, s->buttons);
            break;
        case SDL_MOUSEWHEEL:
            if (s->grabbed && e.wheel.y)
                input_pointer(in, 0, 0, e.wheel.direction == SDL_MOUSEWHEEL_FLIPPED ? e.wheel.y
                                                                                     : -e.wheel.y,
                              s->buttons);
            break;
        default:
            break;
        }
    }
}

static void sdl_destroy(struct display_frontend *f)
{
    struct sdl *s = (struct sdl *)f;
    if (s->tex)
        SDL_DestroyTexture(s->tex);
    if (s->ren)
        SDL_DestroyRenderer(s->ren);
    if (s->win)
        SDL_DestroyWindow(s->win);
    SDL_QuitSubSystem(SDL_INIT_VIDEO);
    free(s);
}

static const struct display_frontend_ops sdl_ops = {
    .name = "sdl", .refresh = sdl_refresh, .events = sdl_events, .destroy = sdl_destroy,
};

struct display_frontend *display_sdl_open(const struct display_env *env, bool probe, char *err,
                                          size_t errlen)
{
    (void)probe;
    const char *x = getenv("DISPLAY"), *w = getenv("WAYLAND_DISPLAY"),
               *drv = getenv("SDL_VIDEODRIVER");
    if (!(x && *x) && !(w && *w) && !(drv && *drv)) {
        snprintf(err, errlen, "-display sdl: no window system ($DISPLAY and $WAYLAND_DISPLAY "
                              "are not set)");
        return NULL;
    }
    /* Our own handlers for SIGINT/SIGTERM stay (host/run.c). */
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
    SDL_SetHint(SDL_HINT_VIDEO_ALLOW_SCREENSAVER, "1");
    if (SDL_InitSubSystem(SDL_INIT_VIDEO) < 0) {
        snprintf(err, errlen, "-display sdl: %s", SDL_GetError());
        return NULL;
    }
    const char *cur = SDL_GetCurrentVideoDriver();
    if (cur && (!strcmp(cur, "dummy") || !strcmp(cur, "offscreen")) && !(drv && *drv)) {
        /* Nothing to see: a window nobody can look at is no display. */
        snprintf(err, errlen, "-display sdl: no window system (SDL chose '%s')", cur);
        SDL_QuitSubSystem(SDL_INIT_VIDEO);
        return NULL;
    }
    struct sdl *s = calloc(1, sizeof(*s));
    if (!s) {
        SDL_QuitSubSystem(SDL_INIT_VIDEO);
        snprintf(err, errlen, "-display sdl: out of memory");
        return NULL;
    }
    s->fe = (struct display_frontend){ .ops = &sdl_ops, .env = env };
    s->win = SDL_CreateWindow("plex86", SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED, 640,
                              480, SDL_WINDOW_RESIZABLE);
    if (s->win)
        s->ren = SDL_CreateRenderer(s->win, -1, 0);
    if (!s->ren && s->win)
        s->ren = SDL_CreateRenderer(s->win, -1, SDL_RENDERER_SOFTWARE);
    if (!s->win || !s->ren) {
        snprintf(err, errlen, "-display sdl: %s", SDL_GetError());
        sdl_destroy(&s->fe);
        return NULL;
    }
    SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "linear");
    set_title(s);
    return &s->fe;
}

bool display_sdl_built(void)
{
    return true;
}
#else
struct display_frontend *display_sdl_open(const struct display_env *env, bool probe, char *err,
                                          size_t errlen)
{
    (void)env;
    (void)probe;
    snprintf(err, errlen, "-display sdl: this plex86 was built without SDL");
    return NULL;
}

bool display_sdl_built(void)
{
    return false;
}
#endif
