/* The monitors of one run: the human monitor on a socket or stdio
 * (-monitor), on the console behind Ctrl-A c, and QMP (-qmp), with the
 * run state they share (vmctl.h).  This is what the run loop sees of
 * them: a poll between slices, a wait while the guest idles, and notes of
 * resets and of the end.
 *
 * One thread: the channels are polled from the run loop, never from a
 * thread of their own (DESIGN.md: a second busy thread slows the host's
 * page-table changes).  While the VM is stopped (`stop`, -S) the poll does
 * not return: it waits in ppoll() on the console and the monitors'
 * descriptors until `cont`, `quit` or a reset, and guest time stands
 * still (vm_clock_pause). */
#ifndef PLEX86_HOST_MONITORS_H
#define PLEX86_HOST_MONITORS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/chardev_sock.h"
#include "machine/vm.h"

struct pc;
struct acct;
struct console;

/* A job the paused wait keeps doing: timeout_ns says how long the wait
 * may sleep before poll must run again (host time), poll does it. */
struct monitors_idle {
    uint64_t (*timeout_ns)(void *opaque);
    void (*poll)(void *opaque);
    void *opaque;
};

struct monitors_config {
    struct chardev_spec hmp;   /* -monitor (CHR_SPEC_NONE: none) */
    struct chardev_spec qmp;   /* -qmp */
    bool start_stopped;        /* -S */
    struct drives *drives;     /* `info block`, `commit`; NULL: none */
    /* Set by a signal handler when the run must end (NULL: none): a
     * paused VM waits for it too, and it ends the run like `quit`. */
    const volatile sig_atomic_t *stop_signal;
    /* What else runs while the VM is stopped (the display frontends: the
     * window redraws and answers its close button, the VNC server takes
     * clients and sends updates); both NULL: nothing. */
    struct monitors_idle idle;
};

struct monitors;

/* Opens the channels (a `wait` socket blocks here for its first client).
 * `con` (may be NULL) gets the Ctrl-A c monitor when it is a terminal;
 * `acct` (may be NULL) answers `info stats`.  Returns NULL with one line
 * in `err`. */
struct monitors *monitors_open(const struct monitors_config *cfg, struct pc *pc,
                               struct console *con, struct acct *acct, char *err,
                               size_t errlen);

/* Sends the SHUTDOWN event (if not sent yet), lets the clients read it,
 * closes the channels and removes the socket files.  NULL: nothing. */
void monitors_close(struct monitors *m);

/* Between slices: accepts clients, answers commands; while the VM is
 * stopped, waits here (pumping the console too) until it may run. */
void monitors_poll(struct monitors *m);

/* The guest idles (HLT): waits up to `timeout_ns` (UINT64_MAX: no limit)
 * for the console or a monitor, then as monitors_poll.  Returns 1 when
 * something arrived, 0 at the timeout, -1 when nothing can ever arrive
 * (no monitor channel, console input ended). */
int monitors_wait(struct monitors *m, uint64_t timeout_ns);

/* The run loop rebooted the machine (RESET event, from the guest unless
 * a monitor asked for it). */
void monitors_note_reset(struct monitors *m);

/* The run ended: `why`, or a signal (sig != 0).  Sends SHUTDOWN with
 * QEMU's reason. */
void monitors_note_end(struct monitors *m, enum vm_exit_reason why, int sig);

/* True while the VM is stopped (-S, `stop`). */
bool monitors_stopped(const struct monitors *m);

/* True once a monitor asked to quit (the exit status is then 0). */
bool monitors_quit_requested(const struct monitors *m);

#endif
