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
#include "host/account.h"
#include "host/console.h"
#include "vm/clock.h"
#include "pc/pc.h"

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
        return EXIT_STATUS_OK;
    case VM_EXIT_GUEST_EXIT:
        /* A process status has 8 bits; (V << 1) | 1 stays odd. */
        return code & 0xFF;
    case VM_EXIT_SHUTDOWN:
    case VM_EXIT_RESET:
        /* Only reached with -no-reboot (plex86_run reboots otherwise):
         * the user asked for the reset to end the VM, as QEMU does. */
        return no_reboot ? EXIT_STATUS_OK : EXIT_STATUS_SHUTDOWN;
    case VM_EXIT_NONE:
    case VM_EXIT_ERROR:
        break;
    }
    return EXIT_STATUS_INTERNAL;
}

/* The files a run opens and must close: -serial/-debugcon files, -D log. */
struct run_files {
    FILE *serial, *debugcon, *log;
};

static int open_chardev(const struct cli_chardev *c, const char *opt, FILE **f,
                        bool *present, struct char_sink *sink)
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
    case CLI_CHR_FILE:
        *f = fopen(c->path, "wb");
        if (!*f) {
            fprintf(stderr, "plex86: %s file:%s: %s\n", opt, c->path, strerror(errno));
            return -1;
        }
        *sink = char_sink_file(*f);
        return 0;
    }
    return -1;
}

static void close_files(struct run_files *rf)
{
    if (rf->serial)
        fclose(rf->serial);
    if (rf->debugcon)
        fclose(rf->debugcon);
    if (rf->log)
        fclose(rf->log);
}

/* Fills the board's configuration, opening the files it writes to. */
static int make_config(const struct cli_options *o, struct run_files *rf,
                       struct pc_config *pc, FILE **log)
{
    *pc = (struct pc_config){ .ram_mb = o->ram_mb, .cpu_level = o->cpu->level,
                              .cpu_model = o->cpu,
                              .sbe_depth = o->sbe_depth,
                              .sbe_depth_zero = o->sbe_depth_set && o->sbe_depth == 0,
                              .no_code_cache = o->no_code_cache,
                              .jit = !o->interp_only,
                              .icount = o->icount, .icount_shift = o->icount_shift,
                              .rtc_base_set = o->rtc_base_set,
                              .rtc_base_s = o->rtc_base_s,
                              .bios_path = o->bios, .kernel_path = o->kernel,
                              .append = o->append, .initrd_path = o->initrd };
    *log = stderr;
    if (o->log_file) {
        rf->log = fopen(o->log_file, "w");
        if (!rf->log) {
            fprintf(stderr, "plex86: -D %s: %s\n", o->log_file, strerror(errno));
            return -1;
        }
        *log = rf->log;
    }
    if (open_chardev(&o->serial, "-serial", &rf->serial, &pc->has_serial,
                     &pc->serial_out) < 0 ||
        open_chardev(&o->debugcon, "-debugcon", &rf->debugcon, &pc->has_debugcon,
                     &pc->debugcon_out) < 0)
        return -1;
    if (o->log_items & CLI_LOG_POST)
        pc->post_log = *log;
    return 0;
}

static void log_exit(FILE *log, const struct vm *vm, int status, int sig)
{
    if (sig) {
        fprintf(log, "plex86: VM stopped by signal %d after %llu instructions\n", sig,
                (unsigned long long)vm->cpu.icount);
        return;
    }
    fprintf(log, "plex86: VM stopped: %s", vm_exit_reason_name(vm->exit_reason));
    if (vm->exit_reason == VM_EXIT_GUEST_EXIT)
        fprintf(log, " (guest status 0x%x)", (unsigned)vm->exit_code);
    if (vm->exit_reason == VM_EXIT_ERROR)
        fprintf(log, ": %s", vm->error);
    fprintf(log, " after %llu instructions, exit status %d\n",
            (unsigned long long)vm->cpu.icount, status);
}

/* The console's hooks into the run loop (vm_host_hooks): typed bytes move
 * into the UART between slices (about every 0.5 ms of guest work) and
 * while the guest idles in HLT, when we sleep in ppoll() on stdin until
 * the next device event. */
struct console_hooks {
    struct console *con;
    struct pc *pc;
};

static void console_hook_poll(void *opaque)
{
    struct console_hooks *h = opaque;
    console_pump(h->con, h->pc->serial);
    if (console_quit_requested(h->con))
        vm_request_exit(h->pc->vm, VM_EXIT_QUIT, 0);
}

static int console_hook_wait(void *opaque, uint64_t timeout_ns)
{
    struct console_hooks *h = opaque;
    int fd = console_fd(h->con);
    if (fd < 0)
        return -1;      /* input ended: only device events can wake the guest */
    struct pollfd p = { .fd = fd, .events = POLLIN };
    struct timespec ts = timespec_of_ns(timeout_ns);
    int r = ppoll(&p, 1, timeout_ns == UINT64_MAX ? NULL : &ts, NULL);
    console_hook_poll(h);
    return r > 0 ? 1 : 0;
}

#if PLEX86_ACCOUNTING
/* Steps (instructions plus exceptions) per vm_run() call while an account
 * watches the VM: 10 to 20 ms today, so a signal or a due
 * --metrics rewrite waits at most that long, and the extra calls cost
 * nothing measurable. */
#define RUN_SLICE (1u << 20)

/* A signal is sent to the process, not to a VM: this flag is plex86's one
 * piece of process-wide mutable state, used only while an account is kept
 * (so two threads must not both run plex86_run with --stats/--metrics).
 * The handler stores the signal number and does nothing else
 * (async-signal-safe); the run loop polls it between slices. */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
    stop_signal = sig;
}

static const int caught_signals[] = { SIGTERM, SIGINT };
#define NCAUGHT (sizeof(caught_signals) / sizeof(caught_signals[0]))

struct run_signals {
    bool caught[NCAUGHT];
    struct sigaction old[NCAUGHT];
};

/* SIGTERM and SIGINT end the VM at the next slice, with its files
 * written.  A signal the process ignores stays ignored.  SA_RESETHAND: a
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
#endif

/* Runs the VM to its end, rebooting it after a triple fault or reset
 * unless -no-reboot.  With an account, in slices: between them the
 * account rewrites --metrics and a caught signal (*sig) ends the run. */
static enum vm_exit_reason run_vm(struct pc *pc, const struct cli_options *o,
                                  const struct pc_config *cfg, FILE *log, struct acct *acct,
                                  int *sig)
{
    struct vm *vm = pc->vm;
    char err[512];
    *sig = 0;
    for (;;) {
        uint64_t done = cpu_steps(&vm->cpu);
        uint64_t left = o->max_insns ? o->max_insns - (done < o->max_insns ? done : o->max_insns) : 0;
        if (o->max_insns && left == 0)
            return vm->exit_reason = VM_EXIT_INSN_LIMIT;
        uint64_t slice = left;
#if PLEX86_ACCOUNTING
        if (acct && (slice == 0 || slice > RUN_SLICE))
            slice = RUN_SLICE;
#endif
        enum vm_exit_reason why = vm_run(vm, slice);
        if (why == VM_EXIT_QUIT)
            return why;
#if PLEX86_ACCOUNTING
        if (acct) {
            if (stop_signal) {
                *sig = stop_signal;
                return why;
            }
            acct_poll(acct);
            if (why == VM_EXIT_INSN_LIMIT && slice != left)
                continue;   /* the slice ended, not the VM */
        }
#else
        (void)acct;
#endif
        if ((why != VM_EXIT_SHUTDOWN && why != VM_EXIT_RESET) || o->no_reboot)
            return why;
        /* Without -no-reboot a triple fault resets the machine, as on a PC
         * (a guest that keeps faulting reboots forever, as under QEMU). */
        if (o->log_items & CLI_LOG_EXIT) {
            char where[1024];
            cpu_describe(&vm->cpu, where, sizeof(where));
            fprintf(log, "plex86: %s, rebooting: %s\n",
                    why == VM_EXIT_SHUTDOWN ? "triple fault" : "reset", where);
        }
        if (pc_reboot(pc, cfg, err, sizeof(err)) < 0) {
            fprintf(stderr, "plex86: reboot: %s\n", err);
            snprintf(vm->error, sizeof(vm->error), "reboot failed: %.200s", err);
            return vm->exit_reason = VM_EXIT_ERROR;
        }
#if PLEX86_ACCOUNTING
        if (acct)
            acct_note_reset(acct);
#endif
    }
}

int plex86_run(const struct cli_options *o)
{
    struct run_files rf = { 0 };
    struct pc_config cfg;
    FILE *log;
    char err[512];
    struct acct *acct = NULL;
    if (make_config(o, &rf, &cfg, &log) < 0) {
        close_files(&rf);
        return EXIT_STATUS_USAGE;
    }
#if PLEX86_ACCOUNTING
    /* Before the board, so the clocks count its building and a bad path
     * fails before guest RAM is allocated. */
    if (o->stats_file || o->metrics_file) {
        struct acct_config ac = {
            .name = o->name, .stats_path = o->stats_file, .metrics_path = o->metrics_file,
            .metrics_interval_ns = (uint64_t)o->metrics_interval_ms * 1000000u };
        acct = acct_create(&ac, err, sizeof(err));
        if (!acct) {
            print_error(err);
            close_files(&rf);
            return EXIT_STATUS_USAGE;
        }
    }
#endif
    struct pc *pc = pc_create(&cfg, err, sizeof(err));
    if (!pc) {
        /* Everything pc_create checks comes from the user: sizes, files,
         * kernels. */
        print_error(err);
#if PLEX86_ACCOUNTING
        acct_destroy(acct);
#endif
        close_files(&rf);
        return EXIT_STATUS_USAGE;
    }
    struct vm *vm = pc->vm;
    /* `-serial stdio` takes stdin for COM1; opened before the account's
     * signal handlers, closed after them. */
    struct console *con = NULL;
    struct console_hooks hooks = { .pc = pc };
    if (o->serial.kind == CLI_CHR_STDIO && pc->serial) {
        con = console_open(STDIN_FILENO, stdout, stderr, err, sizeof(err));
        if (!con)
            fprintf(stderr, "plex86: %s (no serial input)\n", err);
    }
    if (con) {
        hooks.con = con;
        vm->host = (struct vm_host_hooks){ .poll = console_hook_poll,
                                           .wait = console_hook_wait, .opaque = &hooks };
    }
#if PLEX86_ACCOUNTING
    struct run_signals rs;
    if (acct) {
        /* Signals first: once the first --metrics file is there, a
         * SIGTERM leaves both files. */
        catch_signals(&rs);
        if (acct_attach(acct, pc, err, sizeof(err)) < 0) {
            print_error(err);
            release_signals(&rs);
            acct_destroy(acct);
            console_close(con);
            pc_destroy(pc);
            close_files(&rf);
            return EXIT_STATUS_USAGE;
        }
    }
#endif
    int sig;
    enum vm_exit_reason why = run_vm(pc, o, &cfg, log, acct, &sig);
    int status = exit_status_for(why, vm->exit_code, o->no_reboot);
    bool quit = con && console_quit_requested(con);
    if (quit)
        status = EXIT_STATUS_OK;   /* Ctrl-A x, as QEMU */
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
        fprintf(log, "plex86: VM stopped: quit from the console (C-a x) after %llu "
                     "instructions, exit status %d\n",
                (unsigned long long)vm->cpu.icount, status);
    else if (o->log_items & CLI_LOG_EXIT)
        log_exit(log, vm, status, sig);
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
        release_signals(&rs);
    }
#endif
    console_close(con);   /* after the account's signal handlers are gone */
    pc_destroy(pc);
    close_files(&rf);
#if PLEX86_ACCOUNTING
    if (sig) {
        /* The files are written: now the signal does what it would have
         * done without us (by default, end the process). */
        fflush(NULL);
        raise(sig);
        return 128 + sig; /* the caller's own handler took it */
    }
#endif
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
