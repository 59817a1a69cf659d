/* Fuzz harness: the command-line parser (src/host/cli.c).
 *
 * The input is an argument list: the arguments separated by NUL bytes (at
 * most 64), given to cli_parse() after "plex86", with help and version
 * texts going to /dev/null.  cli_parse() only checks syntax and opens
 * nothing, so any input is safe to parse.  What each answer promises:
 *
 *   CLI_ERROR  one line in err, not empty (unless an argument holds a line
 *              break: messages quote arguments as they are);
 *   CLI_RUN    a RAM size within the limits, exactly one of -bios and
 *              -kernel, -append/-initrd only with -kernel, file paths
 *              pointing into argv; a -smp topology of 1 to 8 CPUs whose
 *              sockets * cores * threads is the CPU count, whose APIC IDs
 *              stay below 16 and map back to their CPU (cpu/topo.h);
 *   CLI_DONE   nothing more.
 *
 * Each argument also goes through cli_parse_size_mb (-1 or 0). */
#include <stdbool.h>

#include "fuzz.h"
#include "cpu/cpu_model.h"
#include "cpu/topo.h"
#include "host/cli.h"

#define MAX_ARGS 64

static FILE *devnull;

/* Inside the options' string store, NUL terminated there. */
static bool in_store(const char *p, const struct cli_options *o)
{
    return p >= o->store && p < o->store + o->store_used &&
           memchr(p, 0, (size_t)(o->store + o->store_used - p)) != NULL;
}

static bool in_argv(const char *p, char *const argv[], int argc)
{
    if (!p)
        return true;
    for (int k = 0; k < argc; k++)
        if (p >= argv[k] && p <= argv[k] + strlen(argv[k]))
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!devnull && !(devnull = fopen("/dev/null", "w")))
        fuzz_fail("cannot open /dev/null");
    if (size > 4096)
        return 0;
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = 0;
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = "plex86";
    for (size_t k = 0; k <= size && argc <= MAX_ARGS;) {
        argv[argc++] = buf + k;
        k += strlen(buf + k) + 1;
    }
    argv[argc] = NULL;
    bool has_newline = memchr(data, '\n', size) != NULL;

    for (int k = 1; k < argc; k++) {
        uint32_t mb;
        int rc = cli_parse_size_mb(argv[k], &mb);
        FUZZ_CHECK(rc == -1 || rc == 0, "cli_parse_size_mb(\"%s\") = %d", argv[k], rc);
    }

    struct cli_options o;
    char err[512];
    err[0] = 0;
    enum cli_result r = cli_parse(argc, argv, &o, devnull, err, sizeof(err));
    switch (r) {
    case CLI_ERROR:
        FUZZ_CHECK(err[0] && memchr(err, 0, sizeof(err)), "usage error without a message");
        /* Messages quote the argument at fault as it is: one with a line
         * break in it breaks the line (docs/fuzzing.md, findings). */
        FUZZ_CHECK(!strchr(err, '\n') || has_newline, "usage error is not one line: \"%s\"",
                   err);
        break;
    case CLI_RUN:
        FUZZ_CHECK(o.ram_mb >= 1 && o.ram_mb <= CLI_MAX_RAM_MB, "-m %u accepted", o.ram_mb);
        FUZZ_CHECK((o.bios != NULL) != (o.kernel != NULL), "not exactly one of -bios, -kernel");
        FUZZ_CHECK(o.kernel || (!o.append && !o.initrd), "-append/-initrd without -kernel");
        FUZZ_CHECK(o.cpus == o.smp.cpus && o.cpus >= 1 && o.cpus <= CLI_MAX_CPUS &&
                       o.smp.max_cpus == o.cpus &&
                       o.smp.sockets * o.smp.cores * o.smp.threads == o.cpus &&
                       cpu_topo_apic_id_limit(&o.smp) <= 16,
                   "-smp %u: %u sockets %u cores %u threads", o.cpus, o.smp.sockets,
                   o.smp.cores, o.smp.threads);
        for (unsigned i = 0; i < o.smp.cpus; i++)
            FUZZ_CHECK(cpu_topo_index(&o.smp, cpu_topo_apic_id(&o.smp, i)) == (int)i,
                       "-smp: CPU %u's APIC ID does not map back", i);
        FUZZ_CHECK(o.cpu && o.cpu >= cpu_models && o.cpu < cpu_models + cpu_model_count,
                   "cpu %p", (const void *)o.cpu);
        /* The default firmware: the built-in path or one in -L's DIR. */
        FUZZ_CHECK(!o.bios_default || (!o.kernel && (!strcmp(o.bios, CLI_DEFAULT_BIOS) ||
                                                     in_store(o.bios, &o))),
                   "default firmware %s", o.bios ? o.bios : "(null)");
        FUZZ_CHECK((o.bios_default || in_argv(o.bios, argv, argc)) &&
                       in_argv(o.kernel, argv, argc) &&
                       in_argv(o.append, argv, argc) && in_argv(o.initrd, argv, argc) &&
                       in_argv(o.log_file, argv, argc) && in_argv(o.serial.path, argv, argc) &&
                       in_argv(o.debugcon.path, argv, argc),
                   "a path that does not point into argv");
        FUZZ_CHECK(o.serial.kind != CLI_CHR_FILE || (o.serial.path && o.serial.path[0]),
                   "-serial file: without a path");
        /* -chardev, -device, -boot, -option-rom: strings in the store,
         * each device on a chardev of its own. */
        FUZZ_CHECK(o.store_used <= sizeof(o.store), "store overrun");
        FUZZ_CHECK(o.nchardevs <= CLI_MAX_CHARDEVS && o.nisa_debugcons <= CLI_MAX_DEVICES,
                   "too many chardevs or devices");
        for (unsigned k = 0; k < o.nchardevs; k++) {
            FUZZ_CHECK(in_store(o.chardevs[k].id, &o) && o.chardevs[k].id[0], "chardev id");
            FUZZ_CHECK(o.chardevs[k].dev.kind != CLI_CHR_FILE ||
                           (in_store(o.chardevs[k].dev.path, &o) && o.chardevs[k].dev.path[0]),
                       "chardev file without a path");
        }
        for (unsigned k = 0; k < o.nisa_debugcons; k++) {
            unsigned c = o.isa_debugcons[k].chardev;
            FUZZ_CHECK(c < o.nchardevs && o.chardevs[c].used, "isa-debugcon chardev %u", c);
            for (unsigned j = 0; j < k; j++)
                FUZZ_CHECK(o.isa_debugcons[j].chardev != c, "a chardev used twice");
        }
        FUZZ_CHECK(!o.boot.order || (in_store(o.boot.order, &o) && strlen(o.boot.order) <= 16),
                   "-boot order");
        FUZZ_CHECK(!o.boot.has_reboot_timeout ||
                       (o.boot.reboot_timeout >= -1 && o.boot.reboot_timeout <= 0xFFFF),
                   "reboot-timeout %d", o.boot.reboot_timeout);
        for (unsigned k = 0; k < o.noption_roms; k++)
            FUZZ_CHECK(in_store(o.option_roms[k], &o), "option ROM path");
        break;
    case CLI_DONE:
        break;
    default:
        fuzz_fail("cli_parse returned %d", (int)r);
    }
    free(buf);
    return 0;
}
