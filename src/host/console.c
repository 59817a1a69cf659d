/* The host console: raw terminal, escape key, input to the UART; see
 * console.h. */
#include "host/console.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "dev/serial.h"

/* A queue entry: a byte, or a break. */
#define ITEM_BREAK 0x100

struct console {
    int fd;
    FILE *out, *msg;
    bool raw;          /* a terminal we put in raw mode (escapes on) */
    bool ended;        /* end of input or a read error */
    bool quit;         /* Ctrl-A x */
    bool escape;       /* the last byte was Ctrl-A */
    bool in_monitor;   /* Ctrl-A c: typed bytes go to the monitor */
    console_monitor_input_fn *mon_input;
    console_monitor_toggled_fn *mon_toggled;
    void *mon_opaque;
    console_commit_fn *commit;
    void *commit_opaque;
    uint16_t queue[CONSOLE_QUEUE];
    size_t head, count;
};

/* --- the process-wide terminal state --------------------------------------
 * A terminal and the signal dispositions belong to the process, not to a
 * VM, so what is needed to restore them lives here, for the signal and
 * atexit handlers to find.  Only written while no handler of ours can run
 * (before they are installed, after they are removed). */

static const int restore_signals[] = { SIGTERM, SIGINT, SIGHUP };
#define NSIGNALS (sizeof(restore_signals) / sizeof(restore_signals[0]))

static struct {
    volatile sig_atomic_t active;  /* the terminal is raw and ours */
    int fd;
    struct termios saved;
    bool caught[NSIGNALS];
    struct sigaction old[NSIGNALS];
    bool atexit_done;
} term;

/* Async-signal-safe: tcsetattr is on POSIX's list. */
static void term_restore(void)
{
    if (term.active) {
        tcsetattr(term.fd, TCSANOW, &term.saved);
        term.active = 0;
    }
}

/* Restores the terminal, puts back the disposition the signal had before
 * us and sends it again: it is delivered when this handler returns (the
 * signal is blocked meanwhile), so the process ends or the earlier
 * handler runs, as if we had never been there. */
static void on_signal(int sig)
{
    int saved_errno = errno;
    term_restore();
    bool chained = false;
    for (size_t i = 0; i < NSIGNALS; i++) {
        if (restore_signals[i] == sig && term.caught[i]) {
            sigaction(sig, &term.old[i], NULL);
            term.caught[i] = false;
            chained = true;
        }
    }
    /* Reached after console_close (someone reinstalled this handler):
     * the default action, never this handler again. */
    if (!chained)
        signal(sig, SIG_DFL);
    raise(sig);
    errno = saved_errno;
}

static void on_exit_restore(void)
{
    term_restore();
}

static void catch_signals(void)
{
    struct sigaction sa = { .sa_handler = on_signal };
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NSIGNALS; i++) {
        /* A signal the process ignores stays ignored. */
        term.caught[i] = sigaction(restore_signals[i], NULL, &term.old[i]) == 0 &&
                         term.old[i].sa_handler != SIG_IGN &&
                         sigaction(restore_signals[i], &sa, NULL) == 0;
    }
}

static void release_signals(void)
{
    for (size_t i = 0; i < NSIGNALS; i++) {
        if (term.caught[i]) {
            term.caught[i] = false;
            sigaction(restore_signals[i], &term.old[i], NULL);
        }
    }
}

/* Raw mode as QEMU's stdio backend sets it (cfmakeraw, but output
 * processing kept). */
static int term_make_raw(int fd, char *err, size_t errlen)
{
    struct termios t;
    if (tcgetattr(fd, &term.saved) < 0) {
        snprintf(err, errlen, "console: cannot read the terminal's settings: %s",
                 strerror(errno));
        return -1;
    }
    t = term.saved;
    t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t.c_oflag |= OPOST;
    t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
    t.c_cflag |= CS8;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    term.fd = fd;
    if (!term.atexit_done)
        term.atexit_done = atexit(on_exit_restore) == 0;
    /* Handlers first, so that no moment is raw and unprotected. */
    term.active = 1;
    catch_signals();
    if (tcsetattr(fd, TCSANOW, &t) < 0) {
        snprintf(err, errlen, "console: cannot put the terminal in raw mode: %s",
                 strerror(errno));
        release_signals();
        term.active = 0;
        return -1;
    }
    return 0;
}

/* --- the console ------------------------------------------------------------ */

struct console *console_open(int in_fd, FILE *out, FILE *msg, char *err, size_t errlen)
{
    bool tty = isatty(in_fd);
    if (tty && term.active) {
        snprintf(err, errlen, "console: the terminal is already in use by another console");
        return NULL;
    }
    struct console *c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(err, errlen, "console: out of memory");
        return NULL;
    }
    c->fd = in_fd;
    c->out = out;
    c->msg = msg;
    if (tty) {
        if (term_make_raw(in_fd, err, errlen) < 0) {
            free(c);
            return NULL;
        }
        c->raw = true;
    }
    return c;
}

void console_close(struct console *c)
{
    if (!c)
        return;
    if (c->out)
        fflush(c->out);
    if (c->raw) {
        release_signals();
        term_restore();
    }
    free(c);
}

static size_t queue_room(const struct console *c)
{
    return CONSOLE_QUEUE - c->count;
}

static void queue_put(struct console *c, uint16_t item)
{
    if (c->count < CONSOLE_QUEUE)
        c->queue[(c->head + c->count++) % CONSOLE_QUEUE] = item;
}

static void note(struct console *c, const char *text)
{
    if (c->msg) {
        fputs(text, c->msg);
        fflush(c->msg);
    }
}

static void print_help(struct console *c)
{
    note(c, "\nC-a h    print this help\n"
            "C-a x    exit plex86 (status 0)\n"
            "C-a s    save disk data back to file (if -snapshot)\n"
            "C-a b    send a break to the guest\n"
            "C-a c    switch between console and monitor\n"
            "C-a C-a  send C-a to the guest\n");
}

/* The byte after Ctrl-A. */
static void escape_command(struct console *c, uint8_t b)
{
    switch (b) {
    case 'x':
    case 'X':
        c->quit = true;
        note(c, "\nplex86: quit (C-a x)\n");
        break;
    case 'h':
    case 'H':
    case '?':
        print_help(c);
        break;
    case 'b':
    case 'B':
        queue_put(c, ITEM_BREAK);
        break;
    case 's':
    case 'S':
        if (c->commit)
            c->commit(c->commit_opaque);
        break;
    case CONSOLE_ESCAPE:
        queue_put(c, CONSOLE_ESCAPE);
        break;
    case 'c':
    case 'C':
        if (c->mon_input) {
            c->in_monitor = !c->in_monitor;
            c->mon_toggled(c->mon_opaque, c->in_monitor);
        }
        break;
    default:
        break; /* the rest: nothing here */
    }
}

static void take_input(struct console *c, const uint8_t *buf, size_t n)
{
    for (size_t i = 0; i < n && !c->quit; i++) {
        uint8_t b = buf[i];
        if (!c->raw) {
            queue_put(c, b);
        } else if (c->escape) {
            c->escape = false;
            escape_command(c, b);
        } else if (b == CONSOLE_ESCAPE) {
            c->escape = true;
        } else if (c->in_monitor) {
            c->mon_input(c->mon_opaque, &b, 1);
        } else {
            queue_put(c, b);
        }
    }
}

/* One read of what is there, if the queue has room; never blocks. */
static void read_input(struct console *c)
{
    size_t room = queue_room(c);
    if (c->ended || c->quit || room == 0)
        return;
    struct pollfd p = { .fd = c->fd, .events = POLLIN };
    if (poll(&p, 1, 0) <= 0)
        return;
    if (p.revents & POLLNVAL) {
        c->ended = true;
        return;
    }
    uint8_t buf[CONSOLE_QUEUE];
    ssize_t n = read(c->fd, buf, room);
    if (n > 0)
        take_input(c, buf, (size_t)n);
    else if (n == 0 || (errno != EINTR && errno != EAGAIN))
        c->ended = true;  /* end of file, hang-up or a read error */
}

/* Hands the queue's front to the UART as its room allows. */
static size_t deliver(struct console *c, struct serial *s)
{
    size_t given = 0;
    while (s && c->count) {
        if (c->queue[c->head] == ITEM_BREAK) {
            if (!serial_receive_break(s))
                break;
            c->head = (c->head + 1) % CONSOLE_QUEUE;
            c->count--;
            continue;
        }
        uint8_t run[SERIAL_FIFO_SIZE];
        size_t n = 0;
        while (n < sizeof(run) && n < c->count) {
            uint16_t item = c->queue[(c->head + n) % CONSOLE_QUEUE];
            if (item == ITEM_BREAK)
                break;
            run[n++] = (uint8_t)item;
        }
        size_t took = serial_receive(s, run, n);
        c->head = (c->head + took) % CONSOLE_QUEUE;
        c->count -= took;
        given += took;
        if (took < n)
            break;
    }
    return given;
}

size_t console_pump(struct console *c, struct serial *s)
{
    read_input(c);
    size_t given = deliver(c, s);
    /* The guest may have freed room for more than one read's worth. */
    if (given && queue_room(c) && !c->ended) {
        read_input(c);
        given += deliver(c, s);
    }
    if (c->out)
        fflush(c->out);
    return given;
}

int console_fd(const struct console *c)
{
    if (c->ended || c->quit || queue_room(c) == 0)
        return -1;
    return c->fd;
}

void console_set_monitor(struct console *c, console_monitor_input_fn *input,
                         console_monitor_toggled_fn *toggled, void *opaque)
{
    c->mon_input = input && toggled ? input : NULL;
    c->mon_toggled = toggled;
    c->mon_opaque = opaque;
    c->in_monitor = false;
}

void console_set_commit(struct console *c, console_commit_fn *fn, void *opaque)
{
    c->commit = fn;
    c->commit_opaque = opaque;
}

bool console_quit_requested(const struct console *c)
{
    return c->quit;
}

bool console_input_ended(const struct console *c)
{
    return c->ended;
}

bool console_is_raw(const struct console *c)
{
    return c->raw;
}
