/* The host console for `-serial stdio`: what the user types goes to the
 * guest's UART, as with QEMU's -nographic.
 *
 * When the input is a terminal it is put in raw mode: no echo, no line
 * editing, no signals from the keyboard (ISIG off, so Ctrl-C and Ctrl-Z
 * reach the guest), no CR->NL translation; output processing stays on so
 * that plex86's own messages print normally (QEMU does the same).  The
 * terminal is restored on every way out: console_close, exit() (an atexit
 * handler), and SIGTERM, SIGINT and SIGHUP (a handler restores it, puts
 * back the signal's previous disposition and raises the signal again, so
 * the process ends, or a handler installed before ours runs, as without
 * the console).  Only one console owns the terminal at a time: this is
 * plex86's process-wide terminal state.
 *
 * The escape key on a terminal, as QEMU's: Ctrl-A then
 *   x        quit: console_quit_requested() becomes true (the run ends with
 *            exit status 0, as QEMU's Ctrl-A x does)
 *   h or ?   print the list of escapes
 *   b        send a break to the guest (Linux: a SysRq key follows)
 *   Ctrl-A   send one Ctrl-A to the guest
 *   s        save disk data back to file (if -snapshot): the run's commit
 *            (console_set_commit) writes the overlays back into the images
 *   c        switch between the guest and the human monitor, when one is
 *            attached (console_set_monitor; QEMU's mux): while the monitor
 *            has the console, typed bytes go to it instead of the guest
 *   other    nothing; the pair is dropped
 *
 * When the input is a pipe or a file, bytes go to the guest verbatim (no
 * escape) as they come; end of input just stops input, the VM runs on.
 * Reads never block: poll() with no wait, then one read(); the input's
 * file status flags are left alone (O_NONBLOCK would reach the shell that
 * shares the terminal).  At most CONSOLE_QUEUE bytes wait for the guest;
 * while the queue is full nothing more is read (the kernel keeps it), so
 * nothing typed is lost however slowly the guest reads.
 *
 * Use from the main loop:
 *     struct console *con = console_open(STDIN_FILENO, stdout, stderr, ...);
 *     each turn: console_pump(con, pc->serial);
 *                if (console_quit_requested(con)) stop the VM, status 0;
 *     idle (guest in HLT): poll() console_fd(con) (when >= 0) with the
 *                next device deadline as the timeout, then pump;
 *     at the end: console_close(con). */
#ifndef PLEX86_HOST_CONSOLE_H
#define PLEX86_HOST_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct serial;
struct console;

#define CONSOLE_QUEUE 4096
#define CONSOLE_ESCAPE 0x01 /* Ctrl-A */

/* Takes `in_fd` as the console's input; `out` is the stream the guest's
 * output goes to (flushed by console_pump, so that a prompt without a
 * newline shows at once; may be NULL), `msg` where the escape's help and
 * notes go (may be NULL).  Returns NULL with a message in `err` if the
 * terminal cannot be set up (or another console owns it). */
struct console *console_open(int in_fd, FILE *out, FILE *msg, char *err, size_t errlen);

/* Restores the terminal and signal dispositions and frees the console
 * (NULL: nothing). */
void console_close(struct console *c);

/* The descriptor to poll for input while the guest idles, or -1 when
 * there is nothing to wait for (input ended, queue full, quit asked). */
int console_fd(const struct console *c);

/* Reads what the host has (without blocking), handles escapes, hands
 * queued bytes to the UART as its room allows (s may be NULL: they wait)
 * and flushes `out`.  Returns the number of bytes given to the guest. */
size_t console_pump(struct console *c, struct serial *s);

/* Attaches the monitor behind Ctrl-A c: while it has the console, typed
 * bytes go to `input`; `toggled` tells of each switch.  NULL detaches. */
typedef void console_monitor_input_fn(void *opaque, const uint8_t *buf, size_t n);
typedef void console_monitor_toggled_fn(void *opaque, bool on);
void console_set_monitor(struct console *c, console_monitor_input_fn *input,
                         console_monitor_toggled_fn *toggled, void *opaque);

/* What Ctrl-A s does (NULL: nothing). */
typedef void console_commit_fn(void *opaque);
void console_set_commit(struct console *c, console_commit_fn *fn, void *opaque);

/* True once the user typed the quit escape. */
bool console_quit_requested(const struct console *c);

/* True when the input reached its end (or failed): no more input. */
bool console_input_ended(const struct console *c);

/* True when the input is a terminal in raw mode. */
bool console_is_raw(const struct console *c);

#endif
