/* The curses frontend (-display curses): text modes drawn in the terminal
 * with ncursesw, code page 437 as Unicode (host/cp437.h), the attribute's
 * 16 foreground and 8 background colours (bright foreground as bold where
 * the terminal has only 8), the blink attribute as blink, the cursor where
 * the adapter has it.  A graphics mode shows one line saying so.
 *
 * Keys: a terminal sends characters, not key presses, so each becomes a
 * press and release of the key that types it on a US layout (with Shift
 * where needed, host/keymap.h); Ctrl-letter is Ctrl and the letter; QEMU's
 * convention for Alt: Esc followed by a key within ESCDELAY is Alt and that
 * key (Esc alone is Esc).  Function, cursor and editing keys come from the
 * terminal's keypad sequences.  Ctrl-A x ends the VM (as the serial
 * console's escape), Ctrl-A Ctrl-A sends Ctrl-A. */
#include "host/display.h"

#include <stdio.h>

#if PLEX86_HAVE_CURSES
#define _XOPEN_SOURCE_EXTENDED 1
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <ncursesw/curses.h>

#include "host/cp437.h"
#include "host/keymap.h"

struct crs {
    struct display_frontend fe;
    SCREEN *scr;
    bool colors16;
    uint16_t *shown;           /* the cells on the terminal */
    unsigned cols, rows;
    bool graphics_shown;
    bool ctrl_a;               /* Ctrl-A seen: the next key is a command */
};

/* VGA colour numbers (blue 1, green 2, red 4) to curses'. */
static const short vga_to_curses[8] = {
    COLOR_BLACK, COLOR_BLUE, COLOR_GREEN, COLOR_CYAN,
    COLOR_RED, COLOR_MAGENTA, COLOR_YELLOW, COLOR_WHITE,
};

static void init_colors(struct crs *c)
{
    if (!has_colors())
        return;
    start_color();
    c->colors16 = COLORS >= 16 && COLOR_PAIRS > 128;
    for (short fg = 0; fg < (c->colors16 ? 16 : 8); fg++)
        for (short bg = 0; bg < 8; bg++)
            init_pair((short)(1 + fg * 8 + bg),
                      (short)(vga_to_curses[fg & 7] + (fg & 8)), vga_to_curses[bg]);
}

static void draw_cell(struct crs *c, unsigned row, unsigned col, uint16_t cell, bool blink)
{
    uint8_t ch = (uint8_t)cell, attr = (uint8_t)(cell >> 8);
    unsigned fg = attr & 15, bg = (attr >> 4) & 7;
    attr_t a = A_NORMAL;
    if (!c->colors16 && (fg & 8))
        a |= A_BOLD;
    if (blink && (attr & 0x80))
        a |= A_BLINK;
    short pair = has_colors() ? (short)(1 + (c->colors16 ? fg : (fg & 7)) * 8 + bg) : 0;
    wchar_t w[2] = { (wchar_t)cp437_unicode(ch), 0 };
    cchar_t cc;
    setcchar(&cc, w, a, pair, NULL);
    mvadd_wch((int)row, (int)col, &cc);
}

static void curses_refresh(struct display_frontend *f, const struct display_surface *s,
                           const struct display_rect *r, const struct display_text *t)
{
    struct crs *c = (struct crs *)f;
    (void)r;
    if (!t) {
        if (!c->graphics_shown) {
            erase();
            mvprintw(0, 0, "plex86: the guest is in a %ux%u graphics mode "
                           "(curses shows text modes only)", s->width, s->height);
            refresh();
            c->graphics_shown = true;
            free(c->shown);
            c->shown = NULL;
        }
        return;
    }
    c->graphics_shown = false;
    size_t n = (size_t)t->cols * t->rows;
    if (!c->shown || t->cols != c->cols || t->rows != c->rows) {
        free(c->shown);
        c->shown = malloc(n * sizeof(uint16_t));
        if (!c->shown)
            return;
        /* Nothing shown matches: an impossible cell (NUL on NUL, blink
         * bit clear is possible, so flip every cell of the source). */
        for (size_t i = 0; i < n; i++)
            c->shown[i] = (uint16_t)~t->cells[i];
        c->cols = t->cols;
        c->rows = t->rows;
        erase();
    }
    for (unsigned y = 0; y < t->rows; y++)
        for (unsigned x = 0; x < t->cols; x++) {
            size_t i = (size_t)y * t->cols + x;
            if (c->shown[i] != t->cells[i]) {
                c->shown[i] = t->cells[i];
                draw_cell(c, y, x, t->cells[i], t->blink_enabled);
            }
        }
    if (t->cursor_visible && t->cursor_row < t->rows && t->cursor_col < t->cols) {
        curs_set(1);
        move((int)t->cursor_row, (int)t->cursor_col);
    } else {
        curs_set(0);
    }
    refresh();
}

static void tap(struct crs *c, unsigned code, bool shift, bool ctrl, bool alt)
{
    const struct input_sink *in = &c->fe.env->input;
    if (!code)
        return;
    if (ctrl)
        input_key(in, KEYMAP_LEFTCTRL, true);
    if (alt)
        input_key(in, KEYMAP_LEFTALT, true);
    if (shift)
        input_key(in, KEYMAP_LEFTSHIFT, true);
    input_key(in, code, true);
    input_key(in, code, false);
    if (shift)
        input_key(in, KEYMAP_LEFTSHIFT, false);
    if (alt)
        input_key(in, KEYMAP_LEFTALT, false);
    if (ctrl)
        input_key(in, KEYMAP_LEFTCTRL, false);
}

static unsigned keypad_code(wint_t k)
{
    if (k >= (wint_t)KEY_F(1) && k <= (wint_t)KEY_F(10))
        return 59 + (unsigned)(k - KEY_F(1));
    if (k == (wint_t)KEY_F(11))
        return 87;
    if (k == (wint_t)KEY_F(12))
        return 88;
    switch (k) {
    case KEY_UP: return 103;
    case KEY_DOWN: return 108;
    case KEY_LEFT: return 105;
    case KEY_RIGHT: return 106;
    case KEY_HOME: return 102;
    case KEY_END: return 107;
    case KEY_PPAGE: return 104;
    case KEY_NPAGE: return 109;
    case KEY_IC: return 110;
    case KEY_DC: return 111;
    case KEY_BACKSPACE: return 14;
    case KEY_ENTER: return 28;
    case KEY_BTAB: return 15;
    default: return 0;
    }
}

/* One character from the terminal (not a keypad code). */
static void character(struct crs *c, wint_t ch, bool alt)
{
    if (c->ctrl_a) {
        c->ctrl_a = false;
        if (ch == 'x') {
            if (c->fe.env->quit)
                c->fe.env->quit(c->fe.env->opaque);
            return;
        }
        if (ch != 1)
            return;
    } else if (ch == 1 && !alt) {
        c->ctrl_a = true;
        return;
    }
    bool shift = false;
    unsigned code = ch < 0x80 ? keymap_char((int)ch, &shift) : 0;
    if (code) {
        tap(c, code, shift, false, alt);
    } else if (ch >= 1 && ch <= 26) {
        bool unused;
        tap(c, keymap_char('a' + (int)ch - 1, &unused), false, true, alt);
    }
}

static void curses_events(struct display_frontend *f)
{
    struct crs *c = (struct crs *)f;
    wint_t ch;
    int r;
    while ((r = get_wch(&ch)) != ERR) {
        if (r == KEY_CODE_YES) {
            if (ch == KEY_RESIZE) {
                free(c->shown);
                c->shown = NULL;
                c->graphics_shown = false;
                continue;
            }
            bool shift = ch == KEY_BTAB;
            tap(c, keypad_code(ch), shift, false, false);
            continue;
        }
        if (ch == 0x1B) {
            /* Esc, then a key at once: Alt and that key. */
            wint_t next;
            int r2 = get_wch(&next);
            if (r2 == OK) {
                character(c, next, true);
                continue;
            }
            if (r2 == KEY_CODE_YES) {
                tap(c, keypad_code(next), false, false, true);
                continue;
            }
        }
        character(c, ch, false);
    }
}

static void curses_destroy(struct display_frontend *f)
{
    struct crs *c = (struct crs *)f;
    if (c->scr) {
        endwin();
        delscreen(c->scr);
    }
    free(c->shown);
    free(c);
}

static const struct display_frontend_ops curses_ops = {
    .name = "curses", .refresh = curses_refresh, .events = curses_events,
    .destroy = curses_destroy,
};

struct display_frontend *display_curses_open(const struct display_env *env, char *err,
                                             size_t errlen)
{
    struct crs *c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(err, errlen, "-display curses: out of memory");
        return NULL;
    }
    c->fe = (struct display_frontend){ .ops = &curses_ops, .env = env };
    /* Wide characters need the user's locale (UTF-8). */
    setlocale(LC_CTYPE, "");
    c->scr = newterm(NULL, stdout, stdin);
    if (!c->scr) {
        free(c);
        snprintf(err, errlen, "-display curses: cannot use the terminal ($TERM=%s)",
                 getenv("TERM") ? getenv("TERM") : "");
        return NULL;
    }
    set_term(c->scr);
    raw();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    init_colors(c);
    erase();
    refresh();
    return &c->fe;
}

bool display_curses_built(void)
{
    return true;
}
#else
struct display_frontend *display_curses_open(const struct display_env *env, char *err,
                                             size_t errlen)
{
    (void)env;
    snprintf(err, errlen, "-display curses: this plex86 was built without curses (ncursesw)");
    return NULL;
}

bool display_curses_built(void)
{
    return false;
}
#endif
