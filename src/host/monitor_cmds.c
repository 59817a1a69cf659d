/* The human monitor's commands: the tables monitor.c dispatches on and
 * generates `help` from.  Each command reads or asks; the run loop
 * (monitors.c) carries out what changes the run (stop, reset, quit). */
#include <inttypes.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "host/account.h"
#include "host/monitor.h"
#include "host/monitor_block.h"
#include "host/monitor_dump.h"
#include "host/screendump.h"
#include "host/version.h"
#include "host/vmctl.h"
#include "dev/hpet.h"
#include "dev/ioapic.h"
#include "dev/lapic.h"
#include "dev/pic.h"
#include "pc/pc_apic.h"
#include "pc/pc.h"
#include "pc/snapshot.h"
#include "engine/cache.h"
#include "engine/engine.h"
#include "sbe/sbe.h"
#include "machine/vm.h"

static void cmd_help(struct vmctl *ctl, const char *args, FILE *out)
{
    (void)ctl;
    if (!strncmp(args, "info", 4) && (args[4] == 0 || args[4] == ' ')) {
        monitor_print_help(monitor_info_cmds, "info ", NULL, out);
        return;
    }
    monitor_print_help(monitor_cmds, "", args[0] ? args : NULL, out);
}

static void cmd_info(struct vmctl *ctl, const char *args, FILE *out)
{
    size_t len = strcspn(args, " \t");
    for (const struct monitor_cmd *c = monitor_info_cmds; c->name; c++) {
        if (strlen(c->name) == len && !strncmp(c->name, args, len)) {
            c->fn(ctl, args + len, out);
            return;
        }
    }
    /* QEMU lists the subcommands for `info` alone and for an unknown one. */
    monitor_print_help(monitor_info_cmds, "info ", NULL, out);
}

static void cmd_stop(struct vmctl *ctl, const char *args, FILE *out)
{
    (void)args;
    (void)out;
    vmctl_stop(ctl);
}

static void cmd_cont(struct vmctl *ctl, const char *args, FILE *out)
{
    (void)args;
    (void)out;
    vmctl_cont(ctl);
}

static void cmd_quit(struct vmctl *ctl, const char *args, FILE *out)
{
    (void)args;
    (void)out;
    vmctl_quit(ctl);
}

static void cmd_system_reset(struct vmctl *ctl, const char *args, FILE *out)
{
    (void)args;
    (void)out;
    vmctl_system_reset(ctl, "host-qmp-system-reset");
}

static void cmd_system_powerdown(struct vmctl *ctl, const char *args, FILE *out)
{
    (void)args;
    if (vmctl_system_powerdown(ctl) < 0)
        fputs("system_powerdown: this machine has no ACPI power button\n", out);
}

/* savevm FILE / loadvm FILE: QEMU takes a tag inside a disk image; plex86
 * has no such image yet, so the argument is the snapshot file's path. */
static void snapshot_cmd(struct vmctl *ctl, const char *args, FILE *out, bool load)
{
    const char *name = load ? "loadvm" : "savevm";
    if (!*args) {
        fprintf(out, "%s: missing file name\n", name);
        return;
    }
    if (!ctl->allow_files) {
        fprintf(out, "%s: snapshots are disabled here\n", name);
        return;
    }
    char err[512];
    int r = load ? snapshot_load(ctl->pc, args, false, err, sizeof(err))
                 : snapshot_save(ctl->pc, args, err, sizeof(err));
    if (r < 0)
        fprintf(out, "Error: %s: %s\n", name, err);
}

static void cmd_savevm(struct vmctl *ctl, const char *args, FILE *out)
{
    snapshot_cmd(ctl, args, out, false);
}

static void cmd_loadvm(struct vmctl *ctl, const char *args, FILE *out)
{
    snapshot_cmd(ctl, args, out, true);
}

/* screendump FILE [-f ppm|png|text]: QEMU 7.2's HMP spelling (PPM by
 * default); "text" is plex86's text dump of a text mode. */
static void cmd_screendump(struct vmctl *ctl, const char *args, FILE *out)
{
    char buf[1024];
    snprintf(buf, sizeof(buf), "%s", args);
    const char *file = NULL, *fmt_name = NULL;
    char *save = NULL;
    for (char *tok = strtok_r(buf, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
        if (!strcmp(tok, "-f")) {
            fmt_name = strtok_r(NULL, " \t", &save);
            if (!fmt_name) {
                fputs("screendump: -f needs a format (ppm, png or text)\n", out);
                return;
            }
        } else if (!file) {
            file = tok;
        } else {
            fputs("screendump: one file name, and -f FORMAT\n", out);
            return;
        }
    }
    if (!file) {
        fputs("screendump: missing file name\n", out);
        return;
    }
    enum screendump_format fmt = SCREENDUMP_PPM;
    if (fmt_name && screendump_parse_format(fmt_name, &fmt) < 0) {
        fprintf(out, "screendump: unknown format '%s' (ppm, png or text)\n", fmt_name);
        return;
    }
    if (!ctl->allow_files) {
        fputs("screendump: files are disabled here\n", out);
        return;
    }
    char err[512];
    if (screendump_write(pc_display(ctl->pc), file, fmt, err, sizeof(err)) < 0)
        fprintf(out, "Error: screendump: %s\n", err);
}

/* The monitor's current CPU (vmctl.cpu; a snapshot of another machine
 * cannot leave it out of range, but be safe). */
static const struct cpu *mon_cpu(const struct vmctl *ctl)
{
    const struct vm *vm = ctl->pc->vm;
    return vm->cpus[ctl->cpu < vm->ncpus ? ctl->cpu : 0];
}

static void cmd_x(struct vmctl *ctl, const char *args, FILE *out)
{
    monitor_memory_dump(ctl->pc->vm, mon_cpu(ctl), args, false, out);
}

static void cmd_xp(struct vmctl *ctl, const char *args, FILE *out)
{
    monitor_memory_dump(ctl->pc->vm, mon_cpu(ctl), args, true, out);
}

static void info_registers(struct vmctl *ctl, const char *args, FILE *out)
{
    (void)args;
    monitor_print_registers(ctl->pc->vm, mon_cpu(ctl), out);
}

/* QEMU's `cpu N`: selects the CPU `info registers` and `x` look at. */
static void cmd_cpu(struct vmctl *ctl, const char *args, FILE *out)
{
    const struct vm *vm = ctl->pc->vm;
    char *end;
    unsigned long n = strtoul(args, &end, 10);
    while (*end == ' ' || *end == '\t')
        end++;
    if (!*args || *end || n >= vm->ncpus) {
        fputs("invalid CPU index\n", out);
        return;
    }
    ctl->cpu = (unsigned)n;
}

/* QEMU's `info cpus` (7.2's hmp_info_cpus): one line per CPU, the
 * monitor's current one marked, with the host thread that runs it
 * (vm_cpu_thread_id: this one unless -accel tcg,thread=multi). */
static void info_cpus(struct vmctl *ctl, const char *args, FILE *out)
{
    (void)args;
    const struct vm *vm = ctl->pc->vm;
    for (unsigned i = 0; i < vm->ncpus; i++)
        fprintf(out, "%c CPU #%u: thread_id=%ld\n", i == ctl->cpu ? '*' : ' ', i,
                vm_cpu_thread_id(vm, i));
}

static void info_status(struct vmctl *ctl, const char *args, FILE *out)
{
    (void)args;
    fprintf(out, "VM status: %s\n", ctl->stopped ? "paused" : "running");
}

/* One device's dump line (vm/device.h), under its name. */
static void dump_device(const struct device *d, FILE *out)
{
    char line[1024];
    d->ops->dump(d, line, sizeof(line));
    fprintf(out, "%s: %s\n", d->name, line);
}

/* QEMU's `info lapic`: the local APIC of each CPU (issue 19). */
static void info_lapic(struct vmctl *ctl, const char *args, FILE *out)
{
    (void)args;
    const struct pc *pc = ctl->pc;
    if (!pc->ncpus) {
        fputs("no local APIC (-cpu MODEL,-apic, or a model without one)\n", out);
        return;
    }
    for (unsigned i = 0; i < pc->ncpus; i++)
        if (pc->lapic[i])
            dump_device(&pc->lapic[i]->dev, out);
}

/* QEMU's `info pic`: the 8259s, and the IOAPIC, the HPET and the board's
 * interrupt lines when there are. */
static void info_pic(struct vmctl *ctl, const char *args, FILE *out)
{
    (void)args;
    const struct pc *pc = ctl->pc;
    dump_device(&pc->pic->dev, out);
    if (pc->ioapic)
        dump_device(&pc->ioapic->dev, out);
    if (pc->hpet)
        dump_device(&pc->hpet->dev, out);
    if (pc->lines)
        dump_device(&pc->lines->dev, out);
}

static void info_version(struct vmctl *ctl, const char *args, FILE *out)
{
    (void)ctl;
    (void)args;
    fputs(PLEX86_VERSION " (plex86)\n", out);
}

/* The scan-before-execute maps and the decoded-block cache, read through
 * their two stats calls. */
static void info_sbe(struct vmctl *ctl, const char *args, FILE *out)
{
    (void)args;
    struct vm *vm = ctl->pc->vm;
    const struct sbe_stats *s = sbe_stats(vm->sbe);
    fprintf(out, "SBE maps: %u live\n", sbe_map_count(vm->sbe));
    fprintf(out, "  pages scanned    %" PRIu64 "\n", s->pages_scanned);
    fprintf(out, "  insns scanned    %" PRIu64 "\n", s->insns_scanned);
    fprintf(out, "  maps discarded   %" PRIu64 " (writes to scanned code)\n",
            s->maps_discarded);
    fprintf(out, "  data writes      %" PRIu64 " (to code pages, no code hit)\n",
            s->data_writes);
    fprintf(out, "  evictions        %" PRIu64 " (flushes for the memory bound)\n",
            s->evictions);
    struct code_cache *cache = engine_cache(vm->engine);
    if (!cache) {
        fputs("code cache: off (-no-code-cache)\n", out);
        return;
    }
    const struct code_cache_stats *cc = cache_stats(cache);
    fprintf(out, "code cache: %zu of %zu bytes in use\n", cache_bytes_used(cache),
            cache_bytes_max(cache));
    fprintf(out, "  blocks built     %" PRIu64 "\n", cc->blocks_built);
    fprintf(out, "  hits             %" PRIu64 "\n", cc->hits);
    fprintf(out, "  misses           %" PRIu64 "\n", cc->misses);
    fprintf(out, "  flushes          %" PRIu64 "\n", cc->flushes);
    fprintf(out, "  chained          %" PRIu64 "\n", cc->chained);
}

#if PLEX86_ACCOUNTING
/* One line per value, generated from counters.def as --stats is. */
static void print_counter(FILE *out, struct acct *a, const char *name, const char *unit,
                          unsigned count, const char *label)
{
    for (unsigned i = 0; i < count; i++) {
        uint64_t v;
        if (!acct_get(a, name, i, &v))
            continue;
        if (label)
            fprintf(out, "%s{%s=\"%u\"} ", name, label, i);
        else
            fprintf(out, "%s ", name);
        if (!strcmp(unit, "seconds"))
            fprintf(out, "%" PRIu64 ".%09" PRIu64 "\n", v / 1000000000u, v % 1000000000u);
        else
            fprintf(out, "%" PRIu64 "\n", v);
    }
}
#endif

static void info_stats(struct vmctl *ctl, const char *args, FILE *out)
{
    (void)args;
#if PLEX86_ACCOUNTING
    if (!ctl->acct) {
        fputs("info stats: no accounting for this VM\n", out);
        return;
    }
#define ACCT_SCALAR(name, type, unit, help, value) \
    print_counter(out, ctl->acct, #name, #unit, 1, NULL);
#define ACCT_VECTOR(name, type, unit, help, label, count, value) \
    print_counter(out, ctl->acct, #name, #unit, (count), label);
#include "host/counters.def"
#undef ACCT_SCALAR
#undef ACCT_VECTOR
#else
    (void)ctl;
    fputs("info stats: this plex86 was built without accounting "
          "(PLEX86_ACCOUNTING=OFF)\n", out);
#endif
}

const struct monitor_cmd monitor_cmds[] = {
    { "help", "?", "[cmd]", "show the help", cmd_help },
    { "info", NULL, "[subcommand]", "show various information about the system state",
      cmd_info },
    { "stop", NULL, "", "stop emulation", cmd_stop },
    { "cont", "c", "", "resume emulation", cmd_cont },
    { "system_reset", NULL, "", "reset the system", cmd_system_reset },
    { "system_powerdown", NULL, "", "send system power down event",
      cmd_system_powerdown },
    { "savevm", NULL, "FILE", "save the whole machine's state to FILE", cmd_savevm },
    { "loadvm", NULL, "FILE", "restore the machine's state from FILE", cmd_loadvm },
    { "commit", NULL, "device|all", "commit changes to the disk images (if -snapshot is "
      "used) or backing files", monitor_commit },
    { "qemu-io", NULL, "device \"command\"", "run a qemu-io command on a block device "
      "(read, write, flush)", monitor_qemu_io },
    { "screendump", NULL, "filename [-f ppm|png|text]", "save the screen to a file "
      "(PPM by default; text: the characters of a text mode)", cmd_screendump },
    { "cpu", NULL, "index", "set the default CPU", cmd_cpu },
    { "x", NULL, "/fmt addr", "virtual (linear) memory dump starting at 'addr'", cmd_x },
    { "xp", NULL, "/fmt addr", "physical memory dump starting at 'addr'", cmd_xp },
    { "quit", "q", "", "quit the emulator", cmd_quit },
    { NULL, NULL, NULL, NULL, NULL },
};

const struct monitor_cmd monitor_info_cmds[] = {
    { "block", NULL, "[device]", "show info of one block device or all block devices",
      monitor_info_block },
    { "cpus", NULL, "", "show infos for each CPU", info_cpus },
    { "lapic", NULL, "", "show local apic state", info_lapic },
    { "pic", NULL, "", "show PIC state (the 8259s, the IOAPIC and the HPET)", info_pic },
    { "registers", NULL, "", "show the cpu registers", info_registers },
    { "status", NULL, "", "show the current VM status (running|paused)", info_status },
    { "sbe", NULL, "", "show scan-before-execute maps, discards and code cache occupancy",
      info_sbe },
    { "stats", NULL, "", "show the accounting counters (as --stats)", info_stats },
    { "version", NULL, "", "show the version of plex86", info_version },
    { NULL, NULL, NULL, NULL, NULL },
};
