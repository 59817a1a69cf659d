/* From command line to exit status; see run.h. */
#define _GNU_SOURCE 1 /* ppoll */
#include "host/run.h"

#include <errno.h>
#include <poll.h>
#include <time.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cpu/cpu_model.h"
#include "cpu/features.h"
#include "host/account.h"
#include "host/console.h"
#include "host/display.h"
#include "host/drives.h"
#include "host/outfile.h"
#include "host/screendump.h"
#include "host/monitors.h"
#include "vm/clock.h"
#include "pc/pc.h"
#include "pc/snapshot.h"

struct acct; /* host/account.h; never defined when compiled out */

/* An error is one line on stderr, whatever the file names it quotes hold:
 * control characters become '?' (docs/fuzzing.md, finding 2). */
static void print_error(char *err)
{
    for (char *p = err; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7F)
            *p = '?';
    fprintf(stderr, "plex86: %s\n", err);
}

int exit_status_for(enum vm_exit_reason reason, int code, bool no_reboot)
{
    switch (reason) {
    case VM_EXIT_HALTED:
    case VM_EXIT_INSN_LIMIT:
    case VM_EXIT_QUIT:
    case VM_EXIT_POWEROFF:     /* the guest's clean end, as on QEMU */
        return EXIT_STATUS_OK;
    case VM_EXIT_GUEST_EXIT:
        /* A process status has 8 bits; (V << 1) | 1 stays odd. */
        return code & 0xFF;
    case VM_EXIT_SHUTDOWN:
    case VM_EXIT_RESET:
        /* Only reached with -no-reboot (pc_run reboots otherwise):
         * the user asked for the reset to end the VM, as QEMU does. */
        return no_reboot ? EXIT_STATUS_OK : EXIT_STATUS_SHUTDOWN;
    case VM_EXIT_NONE:
    case VM_EXIT_ERROR:
        break;
    }
    return EXIT_STATUS_INTERNAL;
}

/* The files a run opens and must close: -serial/-debugcon files, -D log;
 * and what was lost writing them. */
struct run_files {
    struct out_file serial, debugcon;
    struct out_file chardevs[CLI_MAX_CHARDEVS]; /* -chardev file */
    FILE *log;
    const char *log_path;
    uint64_t dropped;   /* guest output bytes lost (outfile.h) */
};

static int open_chardev(const struct cli_chardev *c, const char *opt, struct out_file *f,
                        uint64_t *dropped, bool *present, struct char_sink *sink)
{
    *present = c->kind != CLI_CHR_NONE;
    *sink = (struct char_sink){ 0 };
    switch (c->kind) {
    case CLI_CHR_NONE:
    case CLI_CHR_NULL:
        return 0;
    case CLI_CHR_STDIO:
        *sink = char_sink_file(stdout);
        return 0;
    case CLI_CHR_FILE: {
        char err[600];
        if (out_file_open(f, opt, c->path, stderr, dropped, err, sizeof(err)) < 0) {
            print_error(err);
            return -1;
        }
        *sink = out_file_sink(f);
        return 0;
    }
    }
    return -1;
}

static void close_files(struct run_files *rf)
{
    out_file_close(&rf->serial);
    out_file_close(&rf->debugcon);
    for (unsigned i = 0; i < CLI_MAX_CHARDEVS; i++)
        out_file_close(&rf->chardevs[i]);
    if (rf->log) {
        /* The log's messages are plex86's own: one report of a lost log
         * (issue 21, item 6), on stderr, where it can still be seen. */
        int bad = fflush(rf->log) != 0 || ferror(rf->log);
        int e = errno;
        if (fclose(rf->log) != 0 && !bad) {
            bad = 1;
            e = errno;
        }
        if (bad)
            fprintf(stderr, "plex86: -D %s: %s: the log is incomplete\n", rf->log_path,
                    strerror(e ? e : EIO));
        rf->log = NULL;
    }
}

/* The default firmware must be there: say which package brings it. */
static int check_default_bios(const struct cli_options *o)
{
    if (!o->bios_default || access(o->bios, R_OK) == 0)
        return 0;
    fprintf(stderr, "plex86: no firmware: %s: %s (install the package \"%s\", or give "
                    "-bios FILE or -kernel FILE)\n", o->bios, strerror(errno),
            CLI_DEFAULT_BIOS_PACKAGE);
    return -1;
}

/* -chardev files and the devices using them (-device isa-debugcon); the
 * firmware settings of -boot and -option-rom. */
static int config_qemu_devices(const struct cli_options *o, struct run_files *rf,
                               struct pc_config *pc)
{
    for (unsigned i = 0; i < o->nisa_debugcons && i < PC_MAX_DEBUGCONS; i++) {
        const struct cli_isa_debugcon *d = &o->isa_debugcons[i];
        bool present;
        struct pc_debugcon *pd = &pc->debugcons[pc->ndebugcons++];
        pd->port = d->iobase;
        if (open_chardev(&o->chardevs[d->chardev].dev, "-chardev file,path=",
                         &rf->chardevs[d->chardev],
                         &rf->dropped, &present, &pd->out) < 0)
            return -1;
    }
    pc->boot_order = o->boot.order;
    pc->boot_once = o->boot.once;
    pc->boot_menu = o->boot.menu;
    pc->boot_strict = o->boot.strict;
    pc->has_splash_time = o->boot.has_splash_time;
    pc->splash_time_ms = o->boot.splash_time;
    pc->has_reboot_timeout = o->boot.has_reboot_timeout;
    pc->reboot_timeout_ms = o->boot.reboot_timeout;
    for (unsigned i = 0; i < o->noption_roms && i < PC_MAX_OPTION_ROMS; i++)
        pc->option_roms[pc->noption_roms++] = o->option_roms[i];
    /* -nographic: the firmware's console is the serial port.  The VGA is
     * there either way (QEMU's rule), with its BIOS when the file is. */
    pc->nographic = o->nographic;
    pc->no_vga = o->no_vga;
    if (o->vga_rom && access(o->vga_rom, R_OK) == 0)
        pc->vga_rom_path = o->vga_rom;
    else if (o->vga_rom && !o->kernel)
        fprintf(stderr, "plex86: warning: no VGA BIOS: %s: %s (install the package \"%s\"): "
                        "the VGA shows nothing until the guest programs it\n",
                o->vga_rom, strerror(errno), CLI_DEFAULT_BIOS_PACKAGE);
    return 0;
}

/* Fills the board's configuration, opening the files it writes to. */
static int make_config(const struct cli_options *o, struct run_files *rf,
                       struct pc_config *pc, FILE **log)
{
    *pc = (struct pc_config){ .ram_mb = o->ram_mb, .cpu_level = o->cpu->level,
                              .cpu_model = o->cpu,
                              /* QEMU's pc has the APICs and the HPET
                               * wherever the CPU model has a local APIC. */
                              .apic = !o->no_apic &&
                                      (o->cpu->features[FW_1_EDX] & (1u << (CPUF_APIC % 32))),
                              .cpus = o->cpus, .topo = o->smp,
                              .sbe_depth = o->sbe_depth,
                              .sbe_depth_zero = o->sbe_depth_set && o->sbe_depth == 0,
                              .no_code_cache = o->no_code_cache,
                              .jit = !o->interp_only,
                              .icount = o->icount, .icount_shift = o->icount_shift,
                              .threads = o->mttcg,
                              .rtc_base_set = o->rtc_base_set,
                              .rtc_base_s = o->rtc_base_s,
                              .bios_path = o->bios, .kernel_path = o->kernel,
                              .append = o->append, .initrd_path = o->initrd };
    *log = stderr;
    if (o->log_file) {
        rf->log = fopen(o->log_file, "w");
        rf->log_path = o->log_file;
        if (!rf->log) {
            fprintf(stderr, "plex86: -D %s: %s\n", o->log_file, strerror(errno));
            return -1;
        }
        *log = rf->log;
    }
    if (check_default_bios(o) < 0 ||
        open_chardev(&o->serial, "-serial file:", &rf->serial, &rf->dropped, &pc->has_serial,
                     &pc->serial_out) < 0 ||
        open_chardev(&o->debugcon, "-debugcon file:", &rf->debugcon, &rf->dropped,
                     &pc->has_debugcon, &pc->debugcon_out) < 0 ||
        config_qemu_devices(o, rf, pc) < 0)
        return -1;
    if (o->log_items & CLI_LOG_POST)
        pc->post_log = *log;
    pc->no_reboot = o->no_reboot;
    if (o->log_items & CLI_LOG_EXIT)
        pc->reboot_log = *log;
    return 0;
}

static void log_exit(FILE *log, const struct vm *vm, int status, int sig)
{
    if (sig) {
        fprintf(log, "plex86: VM stopped by signal %d after %llu instructions\n", sig,
                (unsigned long long)VM_CPU_SUM(vm, icount));
        return;
    }
    fprintf(log, "plex86: VM stopped: %s", vm_exit_reason_name(vm->exit_reason));
    if (vm->exit_reason == VM_EXIT_GUEST_EXIT)
        fprintf(log, " (guest status 0x%x)", (unsigned)vm->exit_code);
    if (vm->exit_reason == VM_EXIT_ERROR)
        fprintf(log, ": %s", vm->error);
    fprintf(log, " after %llu instructions, exit status %d\n",
            (unsigned long long)VM_CPU_SUM(vm, icount), status);
}

/* The console's hooks into the run loop (vm_host_hooks): typed bytes move
 * into the UART from the VM's polling timer (every VM_POLL_NS of guest
 * time) and while the guest idles in HLT, when we sleep in ppoll() on
 * stdin until the next timer. */
struct console_hooks {
    struct console *con;
    struct pc *pc;
    struct monitors *mons; /* the monitors (monitors.h) take over the wait */
    struct display *disp;  /* the display frontends (display.h), or NULL */
    bool display_quit;     /* a window was closed with no power button */
};

static void console_hook_poll(void *opaque)
{
    struct console_hooks *h = opaque;
    if (h->disp)
        display_poll(h->disp, display_host_now());
    if (h->con)
        console_pump(h->con, h->pc->serial);
    if (h->mons)
        monitors_poll(h->mons);
    if (h->con && console_quit_requested(h->con))
        vm_request_exit(h->pc->vm, VM_EXIT_QUIT, 0);
}

static int console_hook_wait(void *opaque, uint64_t timeout_ns)
{
    struct console_hooks *h = opaque;
    if (h->disp) {
        /* The frontends' events and refreshes come from here while the
         * guest idles: wake for them (a typed key reaches the guest within
         * a frame, DISPLAY_REFRESH_NS), and say input may come (keys, the
         * pointer). */
        uint64_t d = display_timeout_ns(h->disp, display_host_now());
        if (d < timeout_ns)
            timeout_ns = d;
        int r = 0;
        if (h->mons)
            r = monitors_wait(h->mons, timeout_ns);
        else if (h->con && console_fd(h->con) >= 0) {
            struct pollfd p = { .fd = console_fd(h->con), .events = POLLIN };
            struct timespec ts = timespec_of_ns(timeout_ns);
            r = ppoll(&p, 1, &ts, NULL) > 0;
        } else {
            struct timespec ts = timespec_of_ns(timeout_ns);
            nanosleep(&ts, NULL);
        }
        console_hook_poll(h);
        if (h->con && console_quit_requested(h->con))
            vm_request_exit(h->pc->vm, VM_EXIT_QUIT, 0);
        return r > 0 ? 1 : 0;
    }
    if (h->mons) {
        int r = monitors_wait(h->mons, timeout_ns);
        if (h->con && console_quit_requested(h->con))
            vm_request_exit(h->pc->vm, VM_EXIT_QUIT, 0);
        return r;
    }
    int fd = console_fd(h->con);
    if (fd < 0)
        return -1;      /* input ended: only device events can wake the guest */
    struct pollfd p = { .fd = fd, .events = POLLIN };
    struct timespec ts = timespec_of_ns(timeout_ns);
    int r = ppoll(&p, 1, timeout_ns == UINT64_MAX ? NULL : &ts, NULL);
    console_hook_poll(h);
    return r > 0 ? 1 : 0;
}

/* The housekeeping tick: a timer every 10 ms of guest time while an
 * account watches the VM or disk images are open, so a signal or a due
 * --metrics rewrite waits about that long (host clock; under -icount as
 * long as 10 ms of guest time takes). */
#define ACCT_TICK_NS 10000000u

/* A signal is sent to the process, not to a VM: this flag is plex86's one
 * piece of process-wide mutable state, used only while an account is
 * kept, disk images are open or a screen dump is due at the end (so two
 * threads must not both run plex86_run with any of those).  The handler
 * stores the signal number and does nothing else (async-signal-safe); the
 * run loop polls it between slices, and the monitors while the VM is
 * paused. */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
    stop_signal = sig;
}

/* A hang-up (the terminal or ssh session went away) and SIGQUIT end the
 * VM like SIGTERM, with its files complete (issue 21, item 2). */
static const int caught_signals[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT };
#define NCAUGHT (sizeof(caught_signals) / sizeof(caught_signals[0]))

struct run_signals {
    bool caught[NCAUGHT];
    struct sigaction old[NCAUGHT];
};

/* SIGTERM, SIGINT, SIGHUP and SIGQUIT end the VM at the next tick, with
 * its files written.  A signal the process ignores stays ignored.  SA_RESETHAND: a
 * second signal meets the default action and ends the process at once. */
static void catch_signals(struct run_signals *rs)
{
    stop_signal = 0;
    struct sigaction sa = { .sa_handler = on_stop_signal,
                            .sa_flags = SA_RESTART | SA_RESETHAND };
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NCAUGHT; i++) {
        rs->caught[i] = sigaction(caught_signals[i], NULL, &rs->old[i]) == 0 &&
                        rs->old[i].sa_handler != SIG_IGN &&
                        sigaction(caught_signals[i], &sa, NULL) == 0;
    }
}

static void release_signals(struct run_signals *rs)
{
    for (size_t i = 0; i < NCAUGHT; i++)
        if (rs->caught[i])
            sigaction(caught_signals[i], &rs->old[i], NULL);
}

/* The tick's timer: a caught signal ends the run (*sig, VM_EXIT_QUIT),
 * else the account (if any) rewrites --metrics when its interval has
 * passed. */
struct acct_tick {
    struct timer timer;
    struct acct *acct;
    struct vm *vm;
    int *sig;
};

static void acct_tick_fire(void *opaque, uint64_t now_ns)
{
    struct acct_tick *t = opaque;
    if (stop_signal) {
        *t->sig = stop_signal;
        vm_request_exit(t->vm, VM_EXIT_QUIT, 0);
        return;
    }
#if PLEX86_ACCOUNTING
    if (t->acct)
        acct_poll(t->acct);
#endif
    timer_arm(&t->vm->sched, &t->timer, now_ns + ACCT_TICK_NS);
}

/* Who hears of each reboot the board makes: the account counts it, the
 * monitors send QMP's RESET event. */
struct reboot_watchers {
    struct acct *acct;
    struct monitors *mons;
};

static void on_reboot(void *opaque)
{
    struct reboot_watchers *w = opaque;
#if PLEX86_ACCOUNTING
    if (w->acct)
        acct_note_reset(w->acct);
#endif
    monitors_note_reset(w->mons);
}

/* -savevm-at N,FILE: the snapshot, at step N.  Returns -1 (the message
 * printed) when the file cannot be written. */
static int save_now(struct pc *pc, const struct cli_options *o)
{
    char err[512];
    if (snapshot_save(pc, o->savevm_path, err, sizeof(err)) < 0) {
        char line[600];
        snprintf(line, sizeof(line), "-savevm-at: %s", err);
        print_error(line);
        return -1;
    }
    return 0;
}

/* Runs the VM to its end: the board reboots it after a triple fault or
 * reset unless -no-reboot (pc_run); -max-insns and -savevm-at are step
 * counts since power-on (a -loadvm'd machine continues the count it was
 * saved with), given to the VM as its step limit; with an account, its
 * tick timer rewrites --metrics and a caught signal (*sig) ends the run.
 * *saved: -savevm-at's snapshot was written; *save_failed: it could not
 * be. */
static enum vm_exit_reason run_vm(struct pc *pc, const struct cli_options *o,
                                  struct acct *acct, struct monitors *mons, bool catching,
                                  int *sig, bool *saved, bool *save_failed)
{
    struct vm *vm = pc->vm;
    *sig = 0;
    *saved = *save_failed = false;
    struct reboot_watchers watchers = { .acct = acct, .mons = mons };
    pc->on_reboot = on_reboot;
    pc->on_reboot_opaque = &watchers;
    struct acct_tick tick = { .acct = acct, .vm = vm, .sig = sig };
    if (catching) {
        timer_init(&tick.timer, acct_tick_fire, &tick, true);
        timer_arm(&vm->sched, &tick.timer, vm_now_ns(vm) + ACCT_TICK_NS);
    }
    enum vm_exit_reason why;
    for (;;) {
        /* First exactly to -savevm-at's step (when it comes before the
         * end), then on to -max-insns. */
        bool to_save = o->savevm_path && !*saved && (!o->max_insns || o->savevm_at < o->max_insns);
        uint64_t end = to_save ? o->savevm_at : o->max_insns, done = vm_steps(vm);
        if (end && done >= end) {
            if (!to_save) {
                why = vm->exit_reason = VM_EXIT_INSN_LIMIT;
                break;
            }
            *saved = true;
            if (save_now(pc, o) < 0) {
                *save_failed = true;
                snprintf(vm->error, sizeof(vm->error), "-savevm-at: the snapshot was not saved");
                why = vm->exit_reason = VM_EXIT_ERROR;
                break;
            }
            continue;
        }
        vm_limit_steps(vm, end ? end - done : 0);
        why = pc_run(pc);
        /* A signal the monitors saw while the VM was paused. */
        if (catching && stop_signal && !*sig)
            *sig = stop_signal;
        if (why != VM_EXIT_INSN_LIMIT || !to_save)
            break;
    }
    if (catching)
        timer_disarm(&vm->sched, &tick.timer);
    pc->on_reboot = NULL;
    return why;
}

/* The user quit from a frontend (curses' C-a x, or a closed window with
 * no power button): the run ends with status 0. */
static void display_quit(void *opaque)
{
    struct console_hooks *h = opaque;
    h->display_quit = true;
    vm_request_exit(h->pc->vm, VM_EXIT_QUIT, 0);
}

/* The user closed the window: the power button when the board has one
 * (ACPI: the guest shuts down), else quit, as QEMU does. */
static void display_closed(void *opaque)
{
    struct console_hooks *h = opaque;
    /* A stopped guest cannot answer the button: quit (QEMU's window
     * close ends a paused VM too). */
    if (monitors_stopped(h->mons) || !pc_press_power_button(h->pc))
        display_quit(h);
}

/* The frontends while the VM is stopped (monitors_idle): the window still
 * redraws and can be closed, VNC clients still connect and get updates. */
static uint64_t display_idle_timeout(void *opaque)
{
    const struct console_hooks *h = opaque;
    return display_timeout_ns(h->disp, display_host_now());
}

static void display_idle_poll(void *opaque)
{
    struct console_hooks *h = opaque;
    display_poll(h->disp, display_host_now());
}

/* What start-up has made so far, undone in reverse when a later step
 * fails on the user's input (status 2). */
struct startup {
    struct run_files *rf;
    struct drives *drives;
    struct acct *acct;
    bool catching;           /* signals caught (rs) */
    struct run_signals rs;
    struct pc *pc;
    struct console *con;
    struct display *disp;
};

static int startup_failed(struct startup *s, char *msg)
{
    print_error(msg);
    display_close(s->disp);
    console_close(s->con);
    if (s->catching)
        release_signals(&s->rs);
#if PLEX86_ACCOUNTING
    if (s->acct)
        acct_destroy(s->acct);
#endif
    pc_destroy(s->pc);
    drives_close(s->drives, stderr);
    close_files(s->rf);
    return EXIT_STATUS_USAGE;
}

/* Ctrl-A s: QEMU's "save disk data back to file (if -snapshot)". */
static void commit_from_console(void *opaque)
{
    uint64_t bytes;
    if (drives_commit(opaque, NULL, stderr, &bytes) == 0)
        fprintf(stderr, "\nplex86: C-a s: %llu bytes written back to the disk images\n",
                (unsigned long long)bytes);
    fflush(stderr);
}

int plex86_run(const struct cli_options *o)
{
    struct run_files rf = { 0 };
    struct pc_config cfg;
    struct drives drives;
    FILE *log;
    char err[1200];
    struct startup su = { .rf = &rf, .drives = &drives };
    if (make_config(o, &rf, &cfg, &log) < 0) {
        close_files(&rf);
        return EXIT_STATUS_USAGE;
    }
    /* The disk images, before the board (which only reads and writes
     * them) and closed after it, flushed, on every way out. */
    if (drives_open(&drives, o, err, sizeof(err)) < 0) {
        print_error(err);
        close_files(&rf);
        return EXIT_STATUS_USAGE;
    }
    drives_to_config(&drives, &cfg);
#if PLEX86_ACCOUNTING
    /* Before the board, so the clocks count its building and a bad path
     * fails before guest RAM is allocated. */
    if (o->stats_file || o->metrics_file) {
        struct acct_config ac = {
            .name = o->name, .stats_path = o->stats_file, .metrics_path = o->metrics_file,
            .metrics_interval_ns = (uint64_t)o->metrics_interval_ms * 1000000u };
        su.acct = acct_create(&ac, err, sizeof(err));
        if (!su.acct)
            return startup_failed(&su, err);
    }
#endif
    /* The handlers go in before anything slow (the board, a -loadvm), so
     * a signal during start-up is held and ends the run at its first tick
     * with the files complete and the images flushed and closed; the
     * console's handlers (which restore the terminal and pass the signal
     * on to these) go in above them.  -screendump-at-exit needs them too:
     * `timeout 30 plex86 ... -screendump-at-exit F` must still write F. */
    if (su.acct || drives_any(&drives) || o->screendump_at_exit) {
        catch_signals(&su.rs);
        su.catching = true;
    }
    struct acct *acct = su.acct;
    /* Everything pc_create checks comes from the user: sizes, files,
     * kernels. */
    struct pc *pc = su.pc = pc_create(&cfg, err, sizeof(err));
    if (!pc)
        return startup_failed(&su, err);
    drives_register_images(&drives, pc);
    struct vm *vm = pc->vm;
    /* -loadvm: after the board is built, before its first instruction. */
    if (o->loadvm && snapshot_load(pc, o->loadvm, false, err, sizeof(err)) < 0) {
        char line[1300];
        snprintf(line, sizeof(line), "-loadvm: %s", err);
        return startup_failed(&su, line);
    }
    /* The machine is there: what the drives had to say (QEMU's warning
     * for a probed raw image ...) is no longer lost in a failed start. */
    drives_print_warnings(&drives, stderr);
    /* `-serial stdio` takes stdin for COM1; opened after the account's
     * signal handlers, closed before them. */
    struct console *con = NULL;
    struct console_hooks hooks = { .pc = pc };
    if (o->serial.kind == CLI_CHR_STDIO && pc->serial) {
        con = su.con = console_open(STDIN_FILENO, stdout, stderr, err, sizeof(err));
        if (!con)
            fprintf(stderr, "plex86: %s (no serial input)\n", err);
    }
    if (con) {
        console_set_commit(con, commit_from_console, &drives);
        hooks.con = con;
    }
    /* The display frontends (-display, -vnc; docs/display.md): the
     * picture of the board's VGA (none with -vga none: a black screen),
     * keys and the pointer for the PS/2 devices. */
    struct display_env denv = { .source = pc_display(pc), .input = pc_input(pc),
                                .close = display_closed, .quit = display_quit,
                                .opaque = &hooks };
    char derr[300];
    struct display *disp = su.disp =
        display_open(&o->display, o->nographic, &denv, isatty(STDERR_FILENO) ? stderr : NULL,
                     derr, sizeof(derr));
    if (!disp && derr[0])
        return startup_failed(&su, derr);
    hooks.disp = disp;
    if (con || disp)
        vm_set_host_hooks(vm, &(struct vm_host_hooks){ .poll = console_hook_poll,
                                                       .wait = console_hook_wait,
                                                       .opaque = &hooks });
#if PLEX86_ACCOUNTING
    /* Once the first --metrics file is there, a SIGTERM leaves both files. */
    if (acct) {
        acct_watch_output(acct, &rf.dropped);
        if (acct_attach(acct, pc, err, sizeof(err)) < 0)
            return startup_failed(&su, err);
    }
#endif
    /* The monitors (-monitor, -qmp, -S, C-a c): after the account, which
     * answers their `info stats`. */
    struct monitors *mons = NULL;
    if (o->monitor.kind != CHR_SPEC_NONE || o->qmp.kind != CHR_SPEC_NONE ||
        o->start_stopped || (con && console_is_raw(con))) {
        struct monitors_config mc = { .hmp = o->monitor, .qmp = o->qmp,
                                      .start_stopped = o->start_stopped,
                                      .drives = &drives,
                                      .stop_signal = su.catching ? &stop_signal : NULL };
        if (disp)
            mc.idle = (struct monitors_idle){ .timeout_ns = display_idle_timeout,
                                              .poll = display_idle_poll, .opaque = &hooks };
        mons = monitors_open(&mc, pc, con, acct, err, sizeof(err));
        if (!mons)
            return startup_failed(&su, err);
        hooks.mons = mons;
        vm_set_host_hooks(vm, &(struct vm_host_hooks){ .poll = console_hook_poll,
                                                       .wait = console_hook_wait,
                                                       .opaque = &hooks });
    }
    int sig;
    bool saved, save_failed;
    enum vm_exit_reason why = run_vm(pc, o, acct, mons, su.catching, &sig, &saved,
                                     &save_failed);
    int status = exit_status_for(why, vm->exit_code, o->no_reboot);
    if (o->savevm_path && !saved && !save_failed && !sig) {
        /* What was asked for is not there: say so, and fail the run. */
        fprintf(stderr, "plex86: -savevm-at: the VM stopped after %llu steps, before step "
                        "%llu: no snapshot saved\n",
                (unsigned long long)vm_steps(vm), (unsigned long long)o->savevm_at);
        status = EXIT_STATUS_USAGE;
    }
    if (save_failed) {
        /* Reported already, in one line: the user's file, not plex86. */
        status = EXIT_STATUS_USAGE;
        why = VM_EXIT_NONE;
    }
    out_file_flush(&rf.serial);
    out_file_flush(&rf.debugcon);
    for (unsigned i = 0; i < CLI_MAX_CHARDEVS; i++)
        out_file_flush(&rf.chardevs[i]);
    if (o->screendump_at_exit) {
        /* The screen as the guest left it (a plex86 option, docs/display.md). */
        char derr[512];
        if (screendump_write(pc_display(pc), o->screendump_at_exit,
                             screendump_format_of_path(o->screendump_at_exit), derr,
                             sizeof(derr)) < 0) {
            fprintf(stderr, "plex86: -screendump-at-exit: %s\n", derr);
            if (!sig)
                status = EXIT_STATUS_USAGE;
        }
    }
    bool quit = (con && console_quit_requested(con)) || monitors_quit_requested(mons) ||
                hooks.display_quit;
    if (quit)
        status = EXIT_STATUS_OK;   /* Ctrl-A x or the monitor's quit, as QEMU */
    monitors_note_end(mons, why, sig);
    fflush(stdout);
    if (!sig && (why == VM_EXIT_ERROR || why == VM_EXIT_SHUTDOWN)) {
        char where[1024];
        cpu_describe(&vm->cpu, where, sizeof(where));
        if (why == VM_EXIT_ERROR)
            fprintf(stderr, "plex86: internal error: %s\nplex86: %s\n", vm->error, where);
        else
            fprintf(stderr, "plex86: triple fault (processor shutdown): %s\n", where);
    }
    if (!sig && why == VM_EXIT_HALTED) /* status 0, but not silently (README) */
        fprintf(stderr, "plex86: the guest halted with interrupts %s at CS:EIP %04x:%0*x; "
                        "nothing can wake it\n", (vm->cpu.eflags & F_IF) ? "enabled" : "disabled",
                vm->cpu.seg[S_CS].sel, vm->cpu.code32 ? 8 : 4, vm->cpu.insn_eip);
    if ((o->log_items & CLI_LOG_EXIT) && quit)
        fprintf(log, "plex86: VM stopped: quit from the %s after %llu "
                     "instructions, exit status %d\n",
                monitors_quit_requested(mons) ? "monitor"
                : hooks.display_quit          ? "display"
                                              : "console (C-a x)",
                (unsigned long long)VM_CPU_SUM(vm, icount), status);
    else if (o->log_items & CLI_LOG_EXIT)
        log_exit(log, vm, status, sig);
    /* Everything the guest wrote reaches the disk before the account
     * says the run is over (its counters show this flush). */
    bool lost = drives_flush(&drives, stderr) < 0;
    if (lost && !sig)
        status = EXIT_STATUS_INTERNAL; /* reported: data may not be on the disk */
#if PLEX86_ACCOUNTING
    if (acct) {
        struct acct_end end = { .reason = vm_exit_reason_name(why), .status = status,
                                .signal = sig };
        if (acct_finish(acct, &end, err, sizeof(err)) < 0) {
            /* Billing reads this file: a missing one must not look like a
             * clean run. */
            print_error(err);
            status = EXIT_STATUS_INTERNAL;
        }
        acct_destroy(acct);
    }
#endif
    monitors_close(mons);
    display_close(disp);
    console_close(con);   /* its handlers came last: they go first */
    if (su.catching)
        release_signals(&su.rs);
    pc_destroy(pc);
    lost |= drives_close(&drives, stderr) < 0;
    close_files(&rf);
    if (lost && !sig)
        status = EXIT_STATUS_INTERNAL; /* reported: data may not be on the disk */
    if (sig) {
        /* The files are written: now the signal does what it would have
         * done without us (by default, end the process). */
        fflush(NULL);
        raise(sig);
        return 128 + sig; /* the caller's own handler took it */
    }
    return status;
}

int plex86_main(int argc, char *argv[])
{
    struct cli_options o;
    char err[512];
    switch (cli_parse(argc, argv, &o, stdout, err, sizeof(err))) {
    case CLI_DONE:
        return EXIT_STATUS_OK;
    case CLI_ERROR:
        print_error(err);
        return EXIT_STATUS_USAGE;
    case CLI_RUN:
        break;
    }
    return plex86_run(&o);
}
