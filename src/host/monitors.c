/* The monitors of one run, and their part of the run loop; see
 * monitors.h. */
#define _GNU_SOURCE 1 /* ppoll */
#include "host/monitors.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/account.h"
#include "host/console.h"
#include "host/monitor.h"
#include "host/qmp.h"
#include "host/vmctl.h"
#include "pc/pc.h"

struct monitors {
    struct vmctl ctl;
    struct pc *pc;
    struct console *con;
    struct chardev_sock *hmp_chan, *qmp_chan;
    struct monitor hmp;        /* on hmp_chan */
    struct monitor mux;        /* on the console, behind Ctrl-A c */
    bool mux_started;
    struct qmp *qmp;           /* on qmp_chan (big: its input buffer) */
    struct acct *own_acct;     /* made for `info stats` when the run has none */
    bool ended;                /* SHUTDOWN sent */
    const volatile sig_atomic_t *stop_signal;
    struct monitors_idle idle;
};

static void chan_write(void *opaque, const char *data, size_t n)
{
    chardev_sock_write(opaque, data, n);
}

static void stdout_write(void *opaque, const char *data, size_t n)
{
    (void)opaque;
    fwrite(data, 1, n, stdout);
    fflush(stdout);
}

static void on_event(void *opaque, const char *name, const char *data_json)
{
    struct monitors *m = opaque;
    if (m->qmp && m->qmp_chan)
        qmp_event(m->qmp, name, data_json);
}

/* The console's Ctrl-A c: typed bytes go to the mux monitor. */
static void mux_input(void *opaque, const uint8_t *buf, size_t n)
{
    struct monitors *m = opaque;
    monitor_input(&m->mux, buf, n);
}

static void mux_toggled(void *opaque, bool on)
{
    struct monitors *m = opaque;
    if (!on) {
        fputs("\n", stdout);
        fflush(stdout);
        return;
    }
    if (!m->mux_started) {
        m->mux_started = true;
        fputs("\n", stdout);
        monitor_start(&m->mux);
    } else {
        fputs("\n" MONITOR_PROMPT, stdout);
        fflush(stdout);
    }
}

struct monitors *monitors_open(const struct monitors_config *cfg, struct pc *pc,
                               struct console *con, struct acct *acct, char *err,
                               size_t errlen)
{
    struct monitors *m = calloc(1, sizeof(*m));
    if (!m) {
        snprintf(err, errlen, "out of memory for the monitors");
        return NULL;
    }
    vmctl_init(&m->ctl, pc);
    m->ctl.event = on_event;
    m->ctl.event_opaque = m;
    m->ctl.acct = acct;
    m->ctl.drives = cfg->drives;
    m->stop_signal = cfg->stop_signal;
    m->idle = cfg->idle;
    m->pc = pc;
    m->con = con;
#if PLEX86_ACCOUNTING
    if (!acct) {
        struct acct_config ac = { 0 };
        m->own_acct = acct_create(&ac, err, errlen);
        if (m->own_acct && acct_attach(m->own_acct, pc, err, errlen) < 0) {
            acct_destroy(m->own_acct);
            m->own_acct = NULL;
        }
        m->ctl.acct = m->own_acct;
    }
#endif
    if (cfg->hmp.kind != CHR_SPEC_NONE) {
        m->hmp_chan = chardev_sock_open(&cfg->hmp, err, errlen);
        if (!m->hmp_chan)
            goto fail;
        monitor_init(&m->hmp, &m->ctl, chan_write, m->hmp_chan);
        m->hmp.crlf = cfg->hmp.kind == CHR_SPEC_UNIX;
        if (chardev_sock_connected(m->hmp_chan))
            monitor_start(&m->hmp);
    }
    if (cfg->qmp.kind != CHR_SPEC_NONE) {
        m->qmp = malloc(sizeof(*m->qmp));
        m->qmp_chan = m->qmp ? chardev_sock_open(&cfg->qmp, err, errlen) : NULL;
        if (!m->qmp_chan) {
            if (!m->qmp)
                snprintf(err, errlen, "out of memory for QMP");
            goto fail;
        }
        qmp_init(m->qmp, &m->ctl, chan_write, m->qmp_chan);
        if (chardev_sock_connected(m->qmp_chan))
            qmp_start(m->qmp);
    }
    monitor_init(&m->mux, &m->ctl, stdout_write, NULL);
    m->mux.echo = true;
    if (con && console_is_raw(con))
        console_set_monitor(con, mux_input, mux_toggled, m);
    if (cfg->start_stopped)
        vmctl_stop(&m->ctl);
    return m;
fail:
    m->ended = true;
    monitors_close(m);
    return NULL;
}

void monitors_close(struct monitors *m)
{
    if (!m)
        return;
    if (!m->ended)
        monitors_note_end(m, VM_EXIT_QUIT, 0);
    if (m->con)
        console_set_monitor(m->con, NULL, NULL, NULL);
    chardev_sock_close(m->hmp_chan);
    chardev_sock_close(m->qmp_chan);
    free(m->qmp);
#if PLEX86_ACCOUNTING
    acct_destroy(m->own_acct);
#endif
    free(m);
}

/* True once a command asked the run loop to end the run or reset: the
 * rest of the input waits until the loop has done it (a `quit` right
 * after a `system_reset` must not be lost in the reboot). */
static bool exit_pending(const struct monitors *m)
{
    return m->pc->vm->exit_reason != VM_EXIT_NONE;
}

/* Reads what each channel has and answers it; greets new clients.  Input
 * is taken in pieces of a bounded size, so a flood cannot hold up the
 * run loop for long: what is left waits for the next poll.  (A piece may
 * hold several commands; those after a reset or quit still run, which
 * is harmless: the request that ends the run stands.) */
static void service(struct monitors *m)
{
    char buf[4096];
    if (m->hmp_chan) {
        if (chardev_sock_service(m->hmp_chan))
            monitor_start(&m->hmp);
        for (int i = 0; i < 16 && !exit_pending(m); i++) {
            size_t n = chardev_sock_read(m->hmp_chan, buf, sizeof(buf));
            if (!n)
                break;
            monitor_input(&m->hmp, buf, n);
        }
    }
    if (m->qmp_chan) {
        if (chardev_sock_service(m->qmp_chan))
            qmp_start(m->qmp);
        for (int i = 0; i < 32 && !exit_pending(m); i++) {
            size_t n = chardev_sock_read(m->qmp_chan, buf, sizeof(buf));
            if (!n)
                break;
            qmp_input(m->qmp, buf, n);
        }
    }
}

static bool stop_signalled(const struct monitors *m)
{
    return m->stop_signal && *m->stop_signal;
}

static bool may_run(const struct monitors *m)
{
    return !m->ctl.stopped || m->ctl.quit || m->ctl.reset || stop_signalled(m) ||
           (m->con && console_quit_requested(m->con)) ||
           m->pc->vm->exit_reason != VM_EXIT_NONE;
}

/* ppoll on the console and the channels; the number of ready ones, 0 at
 * the timeout, -1 when there is nothing to poll. */
static int wait_fds(struct monitors *m, uint64_t timeout_ns)
{
    struct pollfd p[3];
    nfds_t n = 0;
    int cfd = m->con ? console_fd(m->con) : -1;
    if (cfd >= 0)
        p[n++] = (struct pollfd){ .fd = cfd, .events = POLLIN };
    if (m->hmp_chan && chardev_sock_pollfd(m->hmp_chan, &p[n]))
        n++;
    if (m->qmp_chan && chardev_sock_pollfd(m->qmp_chan, &p[n]))
        n++;
    if (n == 0)
        return -1;
    struct timespec ts = timespec_of_ns(timeout_ns);
    int r = ppoll(p, n, timeout_ns == UINT64_MAX ? NULL : &ts, NULL);
    return r < 0 ? 0 : r;
}

static void pump(struct monitors *m)
{
    if (m->con)
        console_pump(m->con, m->pc->serial);
    service(m);
}

void monitors_poll(struct monitors *m)
{
    service(m);
    if (m->ctl.quit)   /* asked while another exit was pending */
        vm_request_exit(m->pc->vm, VM_EXIT_QUIT, 0);
    while (!may_run(m)) {
        /* The frontends keep running while the guest is stopped, as
         * QEMU's UI does: wake for their refresh. */
        uint64_t t = m->idle.timeout_ns ? m->idle.timeout_ns(m->idle.opaque) : UINT64_MAX;
        if (wait_fds(m, t) < 0) {
            /* No channel to poll: sleep until the frontends' next turn,
             * or (none either: stopped with no way to be told to go on,
             * as QEMU waits) until a signal ends the process. */
            struct timespec ts = timespec_of_ns(t);
            ppoll(NULL, 0, t == UINT64_MAX ? NULL : &ts, NULL);
        }
        pump(m);
        if (m->idle.poll)
            m->idle.poll(m->idle.opaque);
    }
    /* A signal while paused: the run ends now (the caller sees the
     * signal), without the guest running on. */
    if (stop_signalled(m))
        vm_request_exit(m->pc->vm, VM_EXIT_QUIT, 0);
}

int monitors_wait(struct monitors *m, uint64_t timeout_ns)
{
    int r = wait_fds(m, timeout_ns);
    if (r < 0)
        return -1;
    pump(m);
    monitors_poll(m);
    return r > 0 ? 1 : 0;
}

bool monitors_stopped(const struct monitors *m)
{
    return m && m->ctl.stopped;
}

void monitors_note_reset(struct monitors *m)
{
    if (!m)
        return;
    if (m->ctl.reset)
        m->ctl.reset = false;  /* asked by a monitor: the event is out */
    else
        vmctl_emit(&m->ctl, "RESET", "{\"guest\": true, \"reason\": \"guest-reset\"}");
}

/* QEMU's ShutdownCause names. */
static const char *shutdown_reason(const struct monitors *m, enum vm_exit_reason why,
                                   int sig, bool *guest)
{
    *guest = false;
    if (sig)
        return "host-signal";
    if (m->ctl.quit)
        return "host-qmp-quit";
    switch (why) {
    case VM_EXIT_HALTED:
    case VM_EXIT_GUEST_EXIT:
    case VM_EXIT_POWEROFF:
        *guest = true;
        return "guest-shutdown";
    case VM_EXIT_SHUTDOWN:
        *guest = true;
        return "guest-reset";
    case VM_EXIT_RESET:
        if (m->ctl.reset)
            return "host-qmp-system-reset";
        *guest = true;
        return "guest-reset";
    case VM_EXIT_ERROR:
        return "host-error";
    case VM_EXIT_QUIT:        /* the console's Ctrl-A x */
    case VM_EXIT_INSN_LIMIT:  /* -max-insns: the user's limit */
    case VM_EXIT_NONE:
        break;
    }
    return "host-ui";
}

void monitors_note_end(struct monitors *m, enum vm_exit_reason why, int sig)
{
    if (!m || m->ended)
        return;
    m->ended = true;
    bool guest;
    const char *reason = shutdown_reason(m, why, sig, &guest);
    char data[96];
    snprintf(data, sizeof(data), "{\"guest\": %s, \"reason\": \"%s\"}",
             guest ? "true" : "false", reason);
    vmctl_emit(&m->ctl, "SHUTDOWN", data);
    if (m->qmp_chan)
        chardev_sock_drain(m->qmp_chan, 1000);
    if (m->hmp_chan)
        chardev_sock_drain(m->hmp_chan, 1000);
}

bool monitors_quit_requested(const struct monitors *m)
{
    return m && m->ctl.quit;
}
