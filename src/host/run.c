/* From command line to exit status; see run.h. */
#include "host/run.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pc/pc.h"

int exit_status_for(enum vm_exit_reason reason, int code, bool no_reboot)
{
    switch (reason) {
    case VM_EXIT_HALTED:
    case VM_EXIT_INSN_LIMIT:
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
    *pc = (struct pc_config){ .ram_mb = o->ram_mb, .cpu_level = o->cpu,
                              .sbe_depth = o->sbe_depth,
                              .sbe_depth_zero = o->sbe_depth_set && o->sbe_depth == 0,
                              .no_code_cache = o->no_code_cache,
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

static void log_exit(FILE *log, const struct vm *vm, int status)
{
    fprintf(log, "plex86: VM stopped: %s", vm_exit_reason_name(vm->exit_reason));
    if (vm->exit_reason == VM_EXIT_GUEST_EXIT)
        fprintf(log, " (guest status 0x%x)", (unsigned)vm->exit_code);
    if (vm->exit_reason == VM_EXIT_ERROR)
        fprintf(log, ": %s", vm->error);
    fprintf(log, " after %llu instructions, exit status %d\n",
            (unsigned long long)vm->cpu.icount, status);
}

int plex86_run(const struct cli_options *o)
{
    struct run_files rf = { 0 };
    struct pc_config cfg;
    FILE *log;
    if (make_config(o, &rf, &cfg, &log) < 0) {
        close_files(&rf);
        return EXIT_STATUS_USAGE;
    }
    char err[512];
    struct pc *pc = pc_create(&cfg, err, sizeof(err));
    if (!pc) {
        /* Everything pc_create checks comes from the user: sizes, files,
         * kernels. */
        fprintf(stderr, "plex86: %s\n", err);
        close_files(&rf);
        return EXIT_STATUS_USAGE;
    }
    struct vm *vm = pc->vm;
    enum vm_exit_reason why;
    for (;;) {
        uint64_t done = cpu_steps(&vm->cpu);
        uint64_t left = o->max_insns ? o->max_insns - (done < o->max_insns ? done : o->max_insns) : 0;
        if (o->max_insns && left == 0) {
            why = vm->exit_reason = VM_EXIT_INSN_LIMIT;
            break;
        }
        why = vm_run(vm, left);
        if ((why != VM_EXIT_SHUTDOWN && why != VM_EXIT_RESET) || o->no_reboot)
            break;
        /* Without -no-reboot a triple fault resets the machine, as on a PC
         * (a guest that keeps faulting reboots forever, as under QEMU). */
        if (o->log_items & CLI_LOG_EXIT) {
            char where[256];
            cpu_describe(&vm->cpu, where, sizeof(where));
            fprintf(log, "plex86: %s, rebooting: %s\n",
                    why == VM_EXIT_SHUTDOWN ? "triple fault" : "reset", where);
        }
        if (pc_reboot(pc, &cfg, err, sizeof(err)) < 0) {
            fprintf(stderr, "plex86: reboot: %s\n", err);
            why = VM_EXIT_ERROR;
            snprintf(vm->error, sizeof(vm->error), "reboot failed: %.200s", err);
            break;
        }
    }
    int status = exit_status_for(why, vm->exit_code, o->no_reboot);
    fflush(stdout);
    if (why == VM_EXIT_ERROR || why == VM_EXIT_SHUTDOWN) {
        char where[256];
        cpu_describe(&vm->cpu, where, sizeof(where));
        if (why == VM_EXIT_ERROR)
            fprintf(stderr, "plex86: internal error: %s\nplex86: %s\n", vm->error, where);
        else
            fprintf(stderr, "plex86: triple fault (processor shutdown): %s\n", where);
    }
    if (o->log_items & CLI_LOG_EXIT)
        log_exit(log, vm, status);
    pc_destroy(pc);
    close_files(&rf);
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
        fprintf(stderr, "plex86: %s\n", err);
        return EXIT_STATUS_USAGE;
    case CLI_RUN:
        break;
    }
    return plex86_run(&o);
}
