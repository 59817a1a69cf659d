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
 *              pointing into argv;
 *   CLI_DONE   nothing more.
 *
 * Each argument also goes through cli_parse_size_mb (-1 or 0). */
#include <stdbool.h>

#include "fuzz.h"
#include "cpu/cpu_model.h"
#include "host/cli.h"

#define MAX_ARGS 64

static FILE *devnull;

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
        FUZZ_CHECK(o.cpu && o.cpu >= cpu_models && o.cpu < cpu_models + cpu_model_count,
                   "cpu %p", (const void *)o.cpu);
        FUZZ_CHECK(in_argv(o.bios, argv, argc) && in_argv(o.kernel, argv, argc) &&
                       in_argv(o.append, argv, argc) && in_argv(o.initrd, argv, argc) &&
                       in_argv(o.log_file, argv, argc) && in_argv(o.serial.path, argv, argc) &&
                       in_argv(o.debugcon.path, argv, argc),
                   "a path that does not point into argv");
        FUZZ_CHECK(o.serial.kind != CLI_CHR_FILE || (o.serial.path && o.serial.path[0]),
                   "-serial file: without a path");
        break;
    case CLI_DONE:
        break;
    default:
        fuzz_fail("cli_parse returned %d", (int)r);
    }
    free(buf);
    return 0;
}
