/* The SDL frontend's input (host/display_sdl.c) on SDL's offscreen video
 * driver: SDL events pushed into its queue come out of the input sink as
 * Linux key codes (by position), host key repeat is dropped, Ctrl-Alt-G
 * grabs (and is not passed on), the pointer moves the guest's only while
 * grabbed, the wheel, and closing the window calls the environment's
 * close.  Skips (77) when SDL has no offscreen driver. */
#include <stdlib.h>
#include <string.h>

#include <SDL.h>

#include "check.h"
#include "host/display.h"

struct log {
    unsigned keys[32];
    bool downs[32];
    unsigned nkeys;
    int dx, dy, dz;
    unsigned buttons, moves, closes;
};

static void on_key(void *opaque, unsigned code, bool down)
{
    struct log *l = opaque;
    if (l->nkeys < 32) {
        l->keys[l->nkeys] = code;
        l->downs[l->nkeys++] = down;
    }
}

static void on_pointer(void *opaque, int dx, int dy, int dz, unsigned buttons)
{
    struct log *l = opaque;
    l->dx += dx;
    l->dy += dy;
    l->dz += dz;
    l->buttons = buttons;
    l->moves++;
}

static void on_close(void *opaque)
{
    ((struct log *)opaque)->closes++;
}

static void key(SDL_Scancode sc, bool down, int repeat)
{
    SDL_Event e = { 0 };
    e.type = down ? SDL_KEYDOWN : SDL_KEYUP;
    e.key.state = down ? SDL_PRESSED : SDL_RELEASED;
    e.key.repeat = (Uint8)repeat;
    e.key.keysym.scancode = sc;
    SDL_PushEvent(&e);
}

int main(void)
{
    setenv("SDL_VIDEODRIVER", "offscreen", 1);
    struct log log = { 0 };
    struct display_env env = { .input = { on_key, on_pointer, &log }, .close = on_close,
                               .opaque = &log };
    char err[256];
    struct display_frontend *f = display_sdl_open(&env, false, err, sizeof(err));
    if (!f) {
        printf("test_display_sdl: skipped: %s\n", err);
        return 77;
    }
    /* A picture, and a second with one row changed. */
    static uint32_t px[64 * 48];
    struct display_surface s = { 64, 48, 64 * 4, px };
    struct display_rect all = { 0, 0, 64, 48 }, row = { 0, 5, 64, 6 };
    f->ops->refresh(f, &s, &all, NULL);
    px[5 * 64 + 3] = 0xFF0000;
    f->ops->refresh(f, &s, &row, NULL);

    key(SDL_SCANCODE_A, true, 0);
    key(SDL_SCANCODE_A, true, 1);      /* the host's repeat: dropped */
    key(SDL_SCANCODE_A, false, 0);
    key(SDL_SCANCODE_RETURN, true, 0);
    key(SDL_SCANCODE_RETURN, false, 0);
    key(SDL_SCANCODE_RALT, true, 0);
    key(SDL_SCANCODE_RALT, false, 0);
    key(SDL_SCANCODE_KP_ENTER, true, 0);
    key((SDL_Scancode)400, true, 0);   /* no such key: ignored */
    f->ops->events(f);
    CHECK_EQ(log.nkeys, 7);
    CHECK(log.keys[0] == 30 && log.downs[0] && log.keys[1] == 30 && !log.downs[1]);
    CHECK(log.keys[2] == 28 && log.keys[4] == 100 && log.keys[6] == 96);

    /* Not grabbed: the pointer does not reach the guest. */
    SDL_Event m = { 0 };
    m.type = SDL_MOUSEMOTION;
    m.motion.xrel = 5;
    m.motion.yrel = -2;
    SDL_PushEvent(&m);
    f->ops->events(f);
    CHECK_EQ(log.moves, 0);
    /* Ctrl-Alt-G grabs, and G is not the guest's. */
    SDL_SetModState(KMOD_LCTRL | KMOD_LALT);
    key(SDL_SCANCODE_G, true, 0);
    f->ops->events(f);
    SDL_SetModState(KMOD_NONE);
    CHECK_EQ(log.nkeys, 7);
    SDL_PushEvent(&m);
    SDL_Event w = { 0 };
    w.type = SDL_MOUSEWHEEL;
    w.wheel.y = 1;                     /* away from the user: scroll up */
    SDL_PushEvent(&w);
    SDL_Event b = { 0 };
    b.type = SDL_MOUSEBUTTONDOWN;
    b.button.button = SDL_BUTTON_RIGHT;
    SDL_PushEvent(&b);
    f->ops->events(f);
    CHECK_EQ(log.moves, 3);
    CHECK(log.dx == 5 && log.dy == -2 && log.dz == -1 && log.buttons == INPUT_BUTTON_RIGHT);
    /* Ctrl-Alt-G again releases. */
    SDL_SetModState(KMOD_LCTRL | KMOD_LALT);
    key(SDL_SCANCODE_G, true, 0);
    f->ops->events(f);
    SDL_SetModState(KMOD_NONE);
    SDL_PushEvent(&m);
    f->ops->events(f);
    CHECK_EQ(log.moves, 3);
    /* Closing the window. */
    SDL_Event q = { 0 };
    q.type = SDL_QUIT;
    SDL_PushEvent(&q);
    f->ops->events(f);
    CHECK_EQ(log.closes, 1);
    f->ops->destroy(f);
    return check_report();
}
