/* The accounting in-process (docs/accounting.md): counters move as known
 * guests say they must, the writers and the option parser.  Built both
 * ways: with PLEX86_ACCOUNTING=OFF it checks that the counting is gone and
 * that the options say so.
 * usage: test_account port_writes.rom serial_msg_a.rom triple.rom */
#include <stdlib.h>

#include "check.h"
#include "dev/chardev.h"
#include "guest_util.h"
#include "host/account.h"
#include "host/cli.h"

#define N_PORT_WRITES 2001 /* port_writes.S: 1000 to 0xE9, 1000 to 0x80, 1 to 0xF4 */

/* Parses a NULL-terminated list of arguments (argv[0] is added). */
static enum cli_result parse(struct cli_options *o, char *out, size_t outlen, char *err,
                             const char *const *args)
{
    char *argv[32] = { "plex86" };
    int argc = 1;
    while (args[argc - 1])
        argv[argc] = (char *)args[argc - 1], argc++;
    FILE *f = fmemopen(out, outlen, "w");
    err[0] = 0;
    enum cli_result r = cli_parse(argc, argv, o, f, err, 256);
    fclose(f);
    return r;
}

#define PARSE(o, ...) parse((o), out, sizeof(out), err, (const char *const[]){ __VA_ARGS__, NULL })

#if PLEX86_ACCOUNTING

static uint64_t get(struct acct *a, const char *name, unsigned i)
{
    uint64_t v = ~0ull;
    if (!acct_get(a, name, i, &v))
        fprintf(stderr, "no counter %s[%u]\n", name, i);
    return v;
}

static struct acct *account_for(struct pc *pc)
{
    char err[256];
    struct acct *a = acct_create(&(struct acct_config){ .name = "t" }, err, sizeof(err));
    if (!a || acct_attach(a, pc, err, sizeof(err)) < 0) {
        fprintf(stderr, "acct: %s\n", err);
        exit(1);
    }
    return a;
}

/* A guest that does exactly N port writes shows N, and no reads. */
static void test_port_writes(const char *rom)
{
    struct char_buffer con = { 0 };
    struct pc *pc = boot_rom(rom, NULL, &con);
    struct acct *a = account_for(pc);
    CHECK_EQ(get(a, "exits_io_write", 0), 0);
    CHECK_EQ(vm_run(pc->vm, 100000), VM_EXIT_GUEST_EXIT);
    CHECK_EQ(get(a, "exits_io_write", 0), N_PORT_WRITES);
    CHECK_EQ(get(a, "exits_io_read", 0), 0);
    CHECK_EQ(get(a, "exits_mmio_read", 0) + get(a, "exits_mmio_write", 0), 0);
    CHECK_EQ(get(a, "exits_hlt", 0), 0); /* it stops before its HLT */
    CHECK_EQ(get(a, "guest_instructions", 0), pc->vm->cpu.icount);
    CHECK_EQ(get(a, "guest_ram_bytes", 0), 2u << 20);
    CHECK_EQ(get(a, "serial_tx_bytes", 0), 0); /* no COM1 on this board */
    CHECK_EQ(get(a, "vm_running", 0), 1);
    CHECK(get(a, "sbe_pages_scanned", 0) > 0);
    CHECK(get(a, "sbe_insns_scanned", 0) > 0);
    CHECK(get(a, "code_cache_hits", 0) > 0);
    CHECK(get(a, "host_resident_bytes", 0) > 0);
    CHECK(get(a, "host_peak_resident_bytes", 0) > 0);
    CHECK(get(a, "start_time_seconds", 0) > 1600000000ull * 1000000000ull);
    uint64_t v;
    CHECK(!acct_get(a, "no_such_counter", 0, &v));
    CHECK(!acct_get(a, "exceptions", 32, &v));
    CHECK(!acct_get(a, "exits_io_write", 1, &v));

    /* The writers: JSON with an "end", Prometheus with the vm label. */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    acct_write_json(a, f, &(struct acct_end){ .reason = "guest-exit", .status = 67 });
    fclose(f);
    CHECK(strstr(buf, "\"name\": \"t\"") != NULL);
    CHECK(strstr(buf, "\"end\": {\"reason\": \"guest-exit\", \"status\": 67, \"signal\": null}"));
    CHECK(strstr(buf, "\"exits_io_write\": {\"type\": \"counter\", \"unit\": \"accesses\", "
                      "\"value\": 2001,") != NULL);
    free(buf);
    f = open_memstream(&buf, &len);
    acct_write_prometheus(a, f);
    fclose(f);
    CHECK(strstr(buf, "\nplex86_exits_io_write_total{vm=\"t\"} 2001\n") != NULL);
    CHECK(strstr(buf, "\nplex86_exceptions_total{vm=\"t\",vector=\"31\"} 0\n") != NULL);
    CHECK(strstr(buf, "# TYPE plex86_guest_ram_bytes gauge\n") != NULL);
    free(buf);

    /* acct_finish with no files: vm_running drops to 0. */
    char err[256];
    CHECK_EQ(acct_finish(a, &(struct acct_end){ .reason = "x" }, err, sizeof(err)), 0);
    CHECK_EQ(get(a, "vm_running", 0), 0);
    acct_destroy(a);
    pc_destroy(pc);
    char_buffer_free(&con);
}

/* Serial bytes out: every byte the guest sent. */
static void test_serial(const char *rom)
{
    struct char_buffer ser = { 0 };
    struct pc *pc = boot_rom(rom, &ser, NULL);
    struct acct *a = account_for(pc);
    vm_run(pc->vm, 10000000);
    CHECK(ser.len > 0);
    CHECK_EQ(get(a, "serial_tx_bytes", 0), ser.len);
    CHECK(get(a, "exits_io_write", 0) >= ser.len);
    CHECK(get(a, "exits_io_read", 0) > 0); /* it polls LSR */
    acct_destroy(a);
    pc_destroy(pc);
    char_buffer_free(&ser);
}

/* INT 3 with an empty IDT: #GP, then #DF, then shutdown.  The vectors add
 * up to the CPU's exception count; counters survive the reset. */
static void test_exceptions(const char *rom)
{
    struct pc *pc = boot_rom(rom, NULL, NULL);
    struct acct *a = account_for(pc);
    CHECK_EQ(vm_run(pc->vm, 10000), VM_EXIT_SHUTDOWN);
    CHECK_EQ(get(a, "exceptions", 13), 1);
    CHECK_EQ(get(a, "exceptions", 8), 1);
    CHECK_EQ(get(a, "exceptions", 3), 0); /* INT 3 is an instruction, not one */
    CHECK_EQ(get(a, "page_faults", 0), 0);
    vm_reset(pc->vm);
    CHECK_EQ(vm_run(pc->vm, 10000), VM_EXIT_SHUTDOWN);
    uint64_t sum = 0;
    for (unsigned i = 0; i < 32; i++)
        sum += get(a, "exceptions", i);
    CHECK_EQ(sum, pc->vm->cpu.exceptions);
    CHECK_EQ(get(a, "exceptions", 13), 2);
    acct_note_reset(a);
    CHECK_EQ(get(a, "guest_resets", 0), 1);
    acct_destroy(a);
    pc_destroy(pc);
}

static void test_options(void)
{
    struct cli_options o;
    char out[8192], err[256];
    CHECK_EQ(PARSE(&o, "-bios", "x", "--stats", "s.json", "--metrics=m.prom", "-name", "web 1"),
             CLI_RUN);
    CHECK_STR(o.stats_file, "s.json");
    CHECK_STR(o.metrics_file, "m.prom");
    CHECK_STR(o.name, "web 1");
    CHECK_EQ(o.metrics_interval_ms, 0);
    CHECK_EQ(PARSE(&o, "-bios", "x", "--metrics", "m", "--metrics-interval", "0.25"), CLI_RUN);
    CHECK_EQ(o.metrics_interval_ms, 250);
    CHECK_EQ(PARSE(&o, "-bios", "x", "--metrics", "m", "-metrics-interval", "86400"), CLI_RUN);
    CHECK_EQ(o.metrics_interval_ms, 86400000);
    static const char *const bad_intervals[] = { "0", "0.05", "1.2345", "1.", ".5", "-1",
                                                 "86401", "1e3", "ten" };
    for (size_t i = 0; i < sizeof(bad_intervals) / sizeof(bad_intervals[0]); i++) {
        CHECK_EQ(PARSE(&o, "-bios", "x", "--metrics", "m", "--metrics-interval",
                       bad_intervals[i]), CLI_ERROR);
        CHECK(strstr(err, "--metrics-interval") != NULL);
    }
    CHECK_EQ(PARSE(&o, "-bios", "x", "--metrics-interval", "5"), CLI_ERROR);
    CHECK(strstr(err, "needs --metrics") != NULL);
    CHECK_EQ(PARSE(&o, "-bios", "x", "--stats", "f", "--metrics", "f"), CLI_ERROR);
    CHECK_EQ(PARSE(&o, "-bios", "x", "-name", "tab\there"), CLI_ERROR);
    CHECK_EQ(PARSE(&o, "-bios", "x", "-name",
                   "a-name-of-sixty-five-characters-is-one-too-long-for-a-label-xxxxx"),
             CLI_ERROR);
    CHECK_EQ(PARSE(&o, "--stats", "help"), CLI_DONE);
    CHECK(strstr(out, "guest_instructions") != NULL);
    CHECK(strstr(out, "exceptions{vector=0..31}") != NULL);
    CHECK_EQ(PARSE(&o, "--help"), CLI_DONE);
    CHECK(strstr(out, "--metrics-interval") != NULL);
}

/* Files: bad paths fail at once; a good run leaves no temporary file. */
static void test_files(const char *rom)
{
    char err[256];
    CHECK(acct_create(&(struct acct_config){ .stats_path = "/nonexistent/dir/s.json" }, err,
                      sizeof(err)) == NULL);
    CHECK(strstr(err, "--stats /nonexistent/dir/s.json") != NULL);
    CHECK(acct_create(&(struct acct_config){ .name = "" }, err, sizeof(err)) == NULL);

    char dir[] = "/tmp/plex86-acct.XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(!"mkdtemp");
        return;
    }
    char stats[64], metrics[64], tmp[80];
    snprintf(stats, sizeof(stats), "%s/s.json", dir);
    snprintf(metrics, sizeof(metrics), "%s/m.prom", dir);
    struct acct *a = acct_create(&(struct acct_config){ .stats_path = stats,
                                                        .metrics_path = metrics },
                                 err, sizeof(err));
    CHECK(a != NULL);
    if (!a)
        return;
    struct pc *pc = boot_rom(rom, NULL, NULL);
    CHECK_EQ(acct_attach(a, pc, err, sizeof(err)), 0);
    FILE *f = fopen(metrics, "r");
    CHECK(f != NULL); /* the first --metrics file is written at once */
    if (f)
        fclose(f);
    vm_run(pc->vm, 100000);
    CHECK_EQ(acct_finish(a, &(struct acct_end){ .reason = "guest-exit", .status = 67 }, err,
                         sizeof(err)), 0);
    f = fopen(stats, "r");
    CHECK(f != NULL);
    if (f) {
        char buf[256] = { 0 };
        CHECK(fread(buf, 1, sizeof(buf) - 1, f) > 0);
        CHECK(strstr(buf, "\"name\": \"plex86-") != NULL); /* the default name */
        fclose(f);
    }
    snprintf(tmp, sizeof(tmp), "%s.tmp", stats);
    CHECK(fopen(tmp, "r") == NULL);
    acct_destroy(a);
    pc_destroy(pc);
    remove(stats);
    remove(metrics);
    remove(dir);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s port_writes.rom serial_msg_a.rom triple.rom\n", argv[0]);
        return 2;
    }
    test_port_writes(argv[1]);
    test_serial(argv[2]);
    test_exceptions(argv[3]);
    test_options();
    test_files(argv[1]);
    return check_report();
}

#else /* accounting compiled out */

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s port_writes.rom serial_msg_a.rom triple.rom\n", argv[0]);
        return 2;
    }
    /* The guest runs as before; the engine counts nothing. */
    struct char_buffer con = { 0 };
    struct pc *pc = boot_rom(argv[1], NULL, &con);
    CHECK_EQ(vm_run(pc->vm, 100000), VM_EXIT_GUEST_EXIT);
    CHECK_EQ(con.len, 1000);
    CHECK_EQ(pc->vm->io.writes, 0);
    CHECK_EQ(pc->vm->cpu.hlt_exits, 0);
    pc_destroy(pc);
    char_buffer_free(&con);

    struct cli_options o;
    char out[8192], err[256];
    CHECK_EQ(PARSE(&o, "-bios", "x", "--stats", "s.json"), CLI_ERROR);
    CHECK(strstr(err, "built without accounting") != NULL);
    CHECK_EQ(PARSE(&o, "-bios", "x", "--metrics", "m"), CLI_ERROR);
    CHECK_EQ(PARSE(&o, "-bios", "x", "--metrics-interval", "5"), CLI_ERROR);
    CHECK_EQ(PARSE(&o, "--stats", "help"), CLI_ERROR);
    CHECK_EQ(PARSE(&o, "-bios", "x", "-name", "ignored"), CLI_RUN); /* accepted */
    CHECK_EQ(PARSE(&o, "--help"), CLI_DONE);
    CHECK(strstr(out, "built without accounting") != NULL);
    return check_report();
}

#endif
