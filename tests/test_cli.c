/* The command-line parser, called directly: good and bad options. */
#include <stdlib.h>

#include "check.h"
#include "cpu/cpu_model.h"
#include "host/cli.h"
#include "host/run.h"

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

static void test_defaults(void)
{
    struct cli_options o;
    char out[4096], err[256];
    CHECK_EQ(PARSE(&o, "-bios", "x.rom"), CLI_RUN);
    CHECK_STR(o.bios, "x.rom");
    CHECK_EQ(o.ram_mb, 128);
    CHECK(o.cpu == cpu_model_default() && o.cpu == cpu_model_find("pentium-m"));
    CHECK_EQ(o.serial.kind, CLI_CHR_STDIO);
    CHECK_EQ(o.debugcon.kind, CLI_CHR_NONE);
    CHECK_EQ(o.max_insns, 0);
    CHECK_EQ(o.log_items, 0);
    CHECK(o.log_file == NULL);
    CHECK(!o.no_reboot && !o.nographic);
}

static void test_all_options(void)
{
    struct cli_options o;
    char out[4096], err[256];
    CHECK_EQ(PARSE(&o, "-bios", "b.rom", "-m", "64M", "-nographic", "-serial", "file:s.txt",
                   "-debugcon", "stdio", "-no-reboot", "-d", "post,exit", "-D", "log.txt",
                   "-max-insns", "123456789012", "-cpu", "386"),
             CLI_RUN);
    CHECK_STR(err, "");
    CHECK_EQ(o.ram_mb, 64);
    CHECK(o.nographic && o.no_reboot);
    CHECK_EQ(o.serial.kind, CLI_CHR_FILE);
    CHECK_STR(o.serial.path, "s.txt");
    CHECK_EQ(o.debugcon.kind, CLI_CHR_STDIO);
    CHECK_EQ(o.log_items, CLI_LOG_POST | CLI_LOG_EXIT);
    CHECK_STR(o.log_file, "log.txt");
    CHECK_EQ(o.max_insns, 123456789012ull);
    CHECK(o.cpu == cpu_model_find("386"));

    /* Double-dash spellings and --opt=value. */
    CHECK_EQ(PARSE(&o, "--bios=b.rom", "--m", "1G", "--serial=none", "--debugcon", "null",
                   "--cpu=486", "--no-reboot"),
             CLI_RUN);
    CHECK_STR(o.bios, "b.rom");
    CHECK_EQ(o.ram_mb, 1024);
    CHECK_EQ(o.serial.kind, CLI_CHR_NONE);
    CHECK_EQ(o.debugcon.kind, CLI_CHR_NULL);
    CHECK(o.cpu == cpu_model_find("486"));
    CHECK(o.no_reboot);
}

static void test_kernel(void)
{
    struct cli_options o;
    char out[4096], err[256];
    CHECK_EQ(PARSE(&o, "-kernel", "k.elf", "-append", "a b=c", "-initrd", "i.img"), CLI_RUN);
    CHECK_STR(o.kernel, "k.elf");
    CHECK_STR(o.append, "a b=c");
    CHECK_STR(o.initrd, "i.img");
    CHECK(o.bios == NULL);
    CHECK_EQ(PARSE(&o, "--kernel=k.elf", "--append="), CLI_RUN);
    CHECK_STR(o.append, "");
    CHECK(o.initrd == NULL);
}

static void test_sizes(void)
{
    uint32_t mb;
    CHECK(cli_parse_size_mb("32", &mb) == 0 && mb == 32);
    CHECK(cli_parse_size_mb("32M", &mb) == 0 && mb == 32);
    CHECK(cli_parse_size_mb("16m", &mb) == 0 && mb == 16);
    CHECK(cli_parse_size_mb("2G", &mb) == 0 && mb == 2048);
    CHECK(cli_parse_size_mb("", &mb) < 0);
    CHECK(cli_parse_size_mb("M", &mb) < 0);
    CHECK(cli_parse_size_mb("-1", &mb) < 0);
    CHECK(cli_parse_size_mb(" 4", &mb) < 0);
    CHECK(cli_parse_size_mb("4K", &mb) < 0);
    CHECK(cli_parse_size_mb("4MB", &mb) < 0);
    CHECK(cli_parse_size_mb("99999999999999999999", &mb) < 0);
    CHECK(cli_parse_size_mb("4294967296", &mb) < 0);
    CHECK(cli_parse_size_mb("4194304G", &mb) < 0);
}

/* Each bad command line: CLI_ERROR with a message that names the problem. */
/* -icount and -rtc (guest time). */
static void test_time(void)
{
    struct cli_options o;
    char out[4096], err[256];
    CHECK_EQ(PARSE(&o, "-bios", "x"), CLI_RUN);
    CHECK(!o.icount && !o.rtc_base_set);
    CHECK_EQ(PARSE(&o, "-bios", "x", "-icount", "shift=7"), CLI_RUN);
    CHECK(o.icount);
    CHECK_EQ(o.icount_shift, 7);
    CHECK_EQ(PARSE(&o, "-bios", "x", "-icount", "0"), CLI_RUN);
    CHECK(o.icount);
    CHECK_EQ(o.icount_shift, 0);
    CHECK_EQ(PARSE(&o, "-bios", "x", "-rtc", "base=2001-09-09T01:46:40"), CLI_RUN);
    CHECK(o.rtc_base_set);
    CHECK_EQ(o.rtc_base_s, 1000000000);
    CHECK_EQ(PARSE(&o, "-bios", "x", "-rtc", "base=2024-02-29"), CLI_RUN);
    CHECK_EQ(o.rtc_base_s, 1709164800);
    CHECK_EQ(PARSE(&o, "-bios", "x", "-rtc", "base=2000-02-29"), CLI_RUN);
    CHECK_EQ(PARSE(&o, "-bios", "x", "-rtc", "base=1970-01-02"), CLI_RUN);
    CHECK_EQ(o.rtc_base_s, 86400);
    CHECK_EQ(PARSE(&o, "-bios", "x", "-rtc", "base=1970-01-02", "-rtc", "base=utc"), CLI_RUN);
    CHECK(!o.rtc_base_set);
}

static void test_errors(void)
{
    struct cli_options o;
    char out[4096], err[256];
    static const struct {
        const char *args[6];
        const char *msg;
    } bad[] = {
        { { "-bios", "x", "-frobnicate" }, "unknown option '-frobnicate'" },
        { { "-bios", "x", "--frobnicate=1" }, "unknown option" },
        { { "-bios" }, "-bios: missing argument" },
        { { "-bios", "x", "-m" }, "-m: missing argument" },
        { { "-bios", "x", "-m", "lots" }, "-m: bad size 'lots'" },
        { { "-bios", "x", "-m", "0" }, "between 1 and" },
        { { "-bios", "x", "-m", "4G" }, "between 1 and" },
        { { "-bios", "x", "-max-insns", "12x" }, "-max-insns: bad number" },
        { { "-bios", "x", "-max-insns", "-5" }, "-max-insns: bad number" },
        { { "-bios", "x", "-cpu", "z80" }, "unknown CPU model 'z80'" },
        { { "-bios", "x", "-serial", "tcp:1234" }, "-serial: bad device" },
        { { "-bios", "x", "-serial", "file:" }, "-serial: bad device" },
        { { "-bios", "x", "-d", "post,bogus" }, "unknown log item 'bogus'" },
        { { "-bios", "x", "-d", "" }, "-d: empty argument" },
        { { "-bios", "x", "--nographic=yes" }, "takes no argument" },
        { { "-bios", "x", "disk.img" }, "unexpected argument 'disk.img'" },
        { { "-bios", "x", "-" }, "unexpected argument '-'" },
        { { "-kernel", "k.elf", "-bios", "x" }, "not both" },
        { { "-bios", "x", "-append", "quiet" }, "-append needs -kernel" },
        { { "-initrd", "i.img" }, "-initrd needs -kernel" },
        { { "-kernel", "" }, "-kernel: empty argument" },
        { { "-chardev", "socket,id=s" }, "backend 'socket' is not supported" },
        { { "-chardev", "file,id=d" }, "a path=FILE is needed" },
        { { "-chardev", "file,path=f" }, "an id=ID is needed" },
        { { "-chardev", "null,id=a", "-chardev", "stdio,id=a" }, "duplicate chardev id 'a'" },
        { { "-chardev", "null,id=a,mux=on" }, "unknown option 'mux'" },
        { { "-device", "e1000" }, "'e1000' is not a device plex86 has" },
        { { "-device", "isa-debugcon,iobase=0x402" }, "a chardev=ID is needed" },
        { { "-device", "isa-debugcon,chardev=x" }, "chardev 'x' not found" },
        { { "-device", "isa-debugcon,iobase=0x10000,chardev=x" }, "iobase: want a port" },
        { { "-device", "isa-debugcon,chardev=x,color=red" }, "unknown property 'color'" },
        { { "-chardev", "null,id=d", "-device", "isa-debugcon,chardev=d", "-device",
            "isa-debugcon,iobase=0x402,chardev=d" }, "chardev 'd' is already in use" },
        { { "-boot", "order=cx" }, "Invalid boot device 'x'" },
        { { "-boot", "cc" }, "Boot device 'c' was given twice" },
        { { "-boot", "menu=maybe" }, "-boot menu: want on or off" },
        { { "-boot", "splash-time=65536" }, "splash-time: want milliseconds" },
        { { "-boot", "reboot-timeout=-2" }, "reboot-timeout: want milliseconds" },
        { { "-boot", "order=c,speed=fast" }, "-boot: unknown option 'speed'" },
        { { "-boot", "splash=logo.bmp" }, "needs a display" },
        { { "-option-rom", "r.bin,bootindex=1" }, "bootindex= are not supported" },
        { { "-bios", "x", "-icount", "auto" }, "-icount: want shift=N" },
        { { "-bios", "x", "-m", "1\n2" }, "-m: bad size '1?2'" },
        { { "-bios", "x", "-\nx\ty" }, "unknown option '-?x?y'" },
        { { "-bios", "x", "-icount", "shift=11" }, "-icount: want shift=N" },
        { { "-bios", "x", "-rtc", "base=localtime" }, "-rtc: want base=utc" },
        { { "-bios", "x", "-rtc", "base=2026-02-30x" }, "-rtc: want base=utc" },
        { { "-bios", "x", "-rtc", "base=1969-12-31" }, "-rtc: want base=utc" },
        { { "-bios", "x", "-rtc", "base=2026-01-01T24:00:00" }, "-rtc: want base=utc" },
        { { "-bios", "x", "-rtc", "base=2026-02-30" }, "-rtc: 2026-02 has 28 days, not 30" },
        { { "-bios", "x", "-rtc", "base=2024-02-30" }, "-rtc: 2024-02 has 29 days, not 30" },
        { { "-bios", "x", "-rtc", "base=2026-04-31" }, "-rtc: 2026-04 has 30 days, not 31" },
        { { "-bios", "x", "--stats", "" }, "--stats: empty argument" },
        { { "-bios", "x", "--stats=" }, "--stats: empty argument" },
        { { "-bios", "x", "--m" }, "--m: missing argument" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *argv[8] = { "plex86" };
        int argc = 1;
        for (int k = 0; k < 6 && bad[i].args[k]; k++)
            argv[argc++] = (char *)bad[i].args[k];
        FILE *f = fmemopen(out, sizeof(out), "w");
        err[0] = 0;
        enum cli_result r = cli_parse(argc, argv, &o, f, err, sizeof(err));
        fclose(f);
        CHECK_EQ(r, CLI_ERROR);
        if (!strstr(err, bad[i].msg)) {
            fprintf(stderr, "case %zu: message \"%s\" lacks \"%s\"\n", i, err, bad[i].msg);
            CHECK(0);
        }
        CHECK(strchr(err, '\n') == NULL); /* one line */
    }
}

/* Without -bios and -kernel: SeaBIOS, as QEMU's own firmware; -L moves
 * where it is looked for. */
static void test_default_firmware(void)
{
    struct cli_options o;
    char out[4096], err[256];
    CHECK_EQ(PARSE(&o, "-m", "16"), CLI_RUN);
    CHECK_STR(o.bios, CLI_DEFAULT_BIOS);
    CHECK_STR(o.bios, "/usr/share/seabios/bios-256k.bin");
    CHECK(o.bios_default);
    CHECK_EQ(PARSE(&o, "-nographic", "-L", "/opt/fw"), CLI_RUN);
    CHECK_STR(o.bios, "/opt/fw/bios-256k.bin");
    CHECK(o.bios_default);
    CHECK_EQ(PARSE(&o, "-bios", "my.rom", "-L", "/opt/fw"), CLI_RUN);
    CHECK_STR(o.bios, "my.rom");
    CHECK(!o.bios_default);
    CHECK_EQ(PARSE(&o, "-kernel", "k"), CLI_RUN);
    CHECK(o.bios == NULL && !o.bios_default);
}

/* QEMU's -chardev, -device isa-debugcon, -boot and -option-rom. */
static void test_qemu_devices(void)
{
    struct cli_options o;
    char out[4096], err[256];
    CHECK_EQ(PARSE(&o, "-chardev", "file,id=dbg,path=/tmp/a,,b.log", "-device",
                   "isa-debugcon,iobase=0x402,chardev=dbg", "-chardev", "stdio,id=out",
                   "-device", "isa-debugcon,chardev=out", "-chardev", "null,id=n"),
             CLI_RUN);
    CHECK_STR(err, "");
    CHECK_EQ(o.nchardevs, 3);
    CHECK_STR(o.chardevs[0].id, "dbg");
    CHECK_EQ(o.chardevs[0].dev.kind, CLI_CHR_FILE);
    CHECK_STR(o.chardevs[0].dev.path, "/tmp/a,b.log");     /* ",," is a comma */
    CHECK_EQ(o.chardevs[1].dev.kind, CLI_CHR_STDIO);
    CHECK_EQ(o.chardevs[2].dev.kind, CLI_CHR_NULL);
    CHECK(o.chardevs[0].used && o.chardevs[1].used && !o.chardevs[2].used);
    CHECK_EQ(o.nisa_debugcons, 2);
    CHECK_EQ(o.isa_debugcons[0].iobase, 0x402);
    CHECK_EQ(o.isa_debugcons[0].chardev, 0);
    CHECK_EQ(o.isa_debugcons[1].iobase, 0xE9);            /* QEMU's default */
    CHECK_EQ(o.isa_debugcons[1].chardev, 1);
    /* The device may come before its chardev, as in QEMU. */
    CHECK_EQ(PARSE(&o, "-device", "isa-debugcon,chardev=late", "-chardev", "null,id=late"),
             CLI_RUN);

    CHECK_EQ(PARSE(&o, "-boot", "order=dc,once=n,menu=on,splash-time=2500,reboot-timeout=-1,"
                   "strict=on"), CLI_RUN);
    CHECK_STR(o.boot.order, "dc");
    CHECK_STR(o.boot.once, "n");
    CHECK(o.boot.menu && o.boot.strict);
    CHECK(o.boot.has_splash_time && o.boot.splash_time == 2500);
    CHECK(o.boot.has_reboot_timeout && o.boot.reboot_timeout == -1);
    CHECK_EQ(PARSE(&o, "-boot", "cad"), CLI_RUN);          /* the legacy spelling */
    CHECK_STR(o.boot.order, "cad");
    CHECK(!o.boot.menu && !o.boot.has_splash_time && !o.boot.has_reboot_timeout);
    CHECK_EQ(PARSE(&o, "-boot", "menu=off,reboot-timeout=0x10"), CLI_RUN);
    CHECK(!o.boot.menu && o.boot.reboot_timeout == 16);
    CHECK_EQ(PARSE(&o, "-option-rom", "a.rom", "-option-rom", "b/c.rom"), CLI_RUN);
    CHECK_EQ(o.noption_roms, 2);
    CHECK_STR(o.option_roms[1], "b/c.rom");

    memset(out, 0, sizeof(out));
    CHECK_EQ(PARSE(&o, "-device", "help"), CLI_DONE);
    CHECK(strstr(out, "isa-debugcon") != NULL);
    memset(out, 0, sizeof(out));
    CHECK_EQ(PARSE(&o, "-chardev", "help"), CLI_DONE);
    CHECK(strstr(out, "file null stdio") != NULL);
}

static void test_requests(void)
{
    struct cli_options o;
    char out[4096], err[256];
    memset(out, 0, sizeof(out));
    CHECK_EQ(PARSE(&o, "--help"), CLI_DONE);
    CHECK(strstr(out, "usage: plex86") != NULL);
    CHECK(strstr(out, "-max-insns") != NULL);
    memset(out, 0, sizeof(out));
    CHECK_EQ(PARSE(&o, "-h"), CLI_DONE);
    CHECK(strstr(out, "usage: plex86") != NULL);
    memset(out, 0, sizeof(out));
    CHECK_EQ(PARSE(&o, "-version"), CLI_DONE);
    CHECK(!strncmp(out, "plex86 version ", 15));
    memset(out, 0, sizeof(out));
    CHECK_EQ(PARSE(&o, "-cpu", "help"), CLI_DONE);
    CHECK(strstr(out, "386") && strstr(out, "486"));
    for (size_t k = 0; k < cpu_model_count; k++) /* every model, one line each */
        CHECK(strstr(out, cpu_models[k].name) && strstr(out, cpu_models[k].description));
    CHECK_EQ(PARSE(&o, "-bios", "x", "-cpu", "pentium3"), CLI_RUN);
    CHECK(o.cpu == cpu_model_find("pentium3") && o.cpu->family == 6);
    memset(out, 0, sizeof(out));
    CHECK_EQ(PARSE(&o, "-d", "help"), CLI_DONE);
    CHECK(strstr(out, "post") && strstr(out, "exit"));
}

static void test_exit_status(void)
{
    CHECK_EQ(exit_status_for(VM_EXIT_HALTED, 0, false), 0);
    CHECK_EQ(exit_status_for(VM_EXIT_INSN_LIMIT, 0, false), 0);
    CHECK_EQ(exit_status_for(VM_EXIT_GUEST_EXIT, 0x43, false), 0x43);
    CHECK_EQ(exit_status_for(VM_EXIT_GUEST_EXIT, 0x201, false), 0x01);
    CHECK_EQ(exit_status_for(VM_EXIT_SHUTDOWN, 0, false), EXIT_STATUS_SHUTDOWN);
    CHECK_EQ(exit_status_for(VM_EXIT_SHUTDOWN, 0, true), 0);
    CHECK_EQ(exit_status_for(VM_EXIT_RESET, 0, false), EXIT_STATUS_SHUTDOWN);
    CHECK_EQ(exit_status_for(VM_EXIT_ERROR, 0, false), EXIT_STATUS_INTERNAL);
}

int main(void)
{
    test_defaults();
    test_all_options();
    test_kernel();
    test_sizes();
    test_errors();
    test_default_firmware();
    test_qemu_devices();
    test_time();
    test_requests();
    test_exit_status();
    return check_report();
}
