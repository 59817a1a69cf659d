/* The command-line parser, called directly: good and bad options. */
#include <stdlib.h>

#include "check.h"
#include "cpu/cpu_model.h"
#include "cpu/topo.h"
#include "host/cli.h"
#include "host/cli_drive.h"
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

/* -accel tcg[,thread=single|multi] (issue 19): single is the default. */
static void test_accel(void)
{
    struct cli_options o;
    char out[4096], err[256];
    CHECK_EQ(PARSE(&o, "-bios", "x"), CLI_RUN);
    CHECK(!o.mttcg);
    CHECK_EQ(PARSE(&o, "-bios", "x", "-accel", "tcg"), CLI_RUN);
    CHECK(!o.mttcg);
    CHECK_EQ(PARSE(&o, "-bios", "x", "-accel", "tcg,thread=multi"), CLI_RUN);
    CHECK(o.mttcg);
    CHECK_EQ(PARSE(&o, "-bios", "x", "-accel", "tcg,thread=multi,thread=single"), CLI_RUN);
    CHECK(!o.mttcg);
    CHECK_EQ(PARSE(&o, "-bios", "x", "-accel", "tcg,thread=single", "-icount", "3"), CLI_RUN);
    CHECK(!o.mttcg && o.icount);
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
        { { "-bios", "x", "-cpu", "z80,-apic" }, "unknown CPU model 'z80'" },
        { { "-bios", "x", "-cpu", "pentium3,+sse9" }, "unsupported feature '+sse9'" },
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
        { { "-bios", "x", "-accel", "tcg,thread=multi", "-icount", "3" },
          "No MTTCG when icount is enabled" },
        { { "-bios", "x", "-icount", "3", "-accel", "tcg,thread=multi" },
          "No MTTCG when icount is enabled" },
        { { "-bios", "x", "-accel", "kvm" }, "invalid accelerator kvm" },
        { { "-bios", "x", "-accel", "tcg,thread=many" }, "Invalid 'thread' setting many" },
        { { "-bios", "x", "-accel", "tcg,tb-size=64" }, "'tcg-accel.tb-size' not found" },
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
    char out[16384], err[256]; /* the whole --help */
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
    CHECK(!o.no_apic);
    /* Issue 19: QEMU's feature list after the model, for the APIC only. */
    CHECK_EQ(PARSE(&o, "-bios", "x", "-cpu", "pentium-m,-apic"), CLI_RUN);
    CHECK(o.cpu == cpu_model_find("pentium-m") && o.no_apic);
    CHECK_EQ(PARSE(&o, "-bios", "x", "-cpu", "pentium-m,apic=off,+apic"), CLI_RUN);
    CHECK(!o.no_apic);
    memset(out, 0, sizeof(out));
    CHECK_EQ(PARSE(&o, "-d", "help"), CLI_DONE);
    CHECK(strstr(out, "post") && strstr(out, "exit"));
}

/* Drives (host/cli_drive.h): QEMU's spellings and its slot rules. */
static void test_drives(void)
{
    struct cli_options o;
    char out[4096], err[256];
    CHECK_EQ(PARSE(&o, "-bios", "x"), CLI_RUN);
    for (int i = 0; i < CLI_IDE_DRIVES; i++)
        CHECK(!o.ide[i].present);
    CHECK(!o.floppy[0].present && !o.floppy[1].present && !o.snapshot);

    CHECK_EQ(PARSE(&o, "-bios", "x", "-hda", "a.img", "-hdb", "b,c.img", "-hdc", "c.img",
                   "-hdd", "d.img", "-fda", "f.img", "-fdb", "g.img", "-snapshot"),
             CLI_RUN);
    CHECK_STR(err, "");
    CHECK(o.ide[0].present && o.ide[0].has_file && !o.ide[0].cdrom);
    CHECK_STR(o.ide[0].file, "a.img");
    CHECK_STR(o.ide[1].file, "b,c.img"); /* -hdb takes the name whole */
    CHECK_STR(o.ide[2].file, "c.img");
    CHECK_STR(o.ide[3].file, "d.img");
    CHECK_STR(o.floppy[0].file, "f.img");
    CHECK_STR(o.floppy[1].file, "g.img");
    CHECK_EQ(o.ide[0].format, BLOCK_FORMAT_PROBE);
    CHECK_EQ(o.ide[0].cache, BLOCK_CACHE_WRITEBACK);
    CHECK(!o.ide[0].read_only && !o.ide[0].snapshot && o.snapshot);
    CHECK_STR(o.ide[3].opt, "hdd");
    CHECK_STR(o.ide[3].arg, "d.img");

    CHECK_EQ(PARSE(&o, "-bios", "x", "-cdrom", "cd.iso"), CLI_RUN);
    CHECK(o.ide[2].present && o.ide[2].cdrom && o.ide[2].has_file);
    CHECK_STR(o.ide[2].file, "cd.iso");
    CHECK(!o.ide[0].present);

    /* Every key, QEMU's ",," escape, and the last of a repeated key. */
    CHECK_EQ(PARSE(&o, "-bios", "x", "-drive",
                   "file=a,,b.img,if=ide,index=3,media=cdrom,format=qcow2,readonly=on,"
                   "cache=none,snapshot=on,id=disk1,cache=unsafe"),
             CLI_RUN);
    CHECK_STR(err, "");
    const struct cli_drive *d = &o.ide[3];
    CHECK(d->present && d->has_file && d->cdrom && d->read_only && d->snapshot);
    CHECK_STR(d->file, "a,b.img");
    CHECK_EQ(d->format, BLOCK_FORMAT_QCOW2);
    CHECK_EQ(d->cache, BLOCK_CACHE_UNSAFE);
    CHECK_STR(d->id, "disk1");
    CHECK_STR(d->opt, "drive");
    CHECK_EQ(PARSE(&o, "-bios", "x", "-drive", "file=r.img,readonly=yes,read-only=true,"
                                               "snapshot=off,format=raw,cache=directsync"),
             CLI_RUN);
    CHECK(o.ide[0].read_only && !o.ide[0].snapshot);
    CHECK_EQ(o.ide[0].format, BLOCK_FORMAT_RAW);
    CHECK_EQ(o.ide[0].cache, BLOCK_CACHE_DIRECTSYNC);

    /* Slots: the first free unit, -cdrom's index 2 kept, bus and unit. */
    CHECK_EQ(PARSE(&o, "-bios", "x", "-cdrom", "cd.iso", "-drive", "file=a", "-drive", "file=b",
                   "-drive", "file=c"),
             CLI_RUN);
    CHECK_STR(o.ide[0].file, "a");
    CHECK_STR(o.ide[1].file, "b");
    CHECK_STR(o.ide[2].file, "cd.iso");
    CHECK_STR(o.ide[3].file, "c");
    CHECK_EQ(PARSE(&o, "-bios", "x", "-drive", "file=a,bus=1", "-drive", "file=b,bus=1",
                   "-drive", "file=c,bus=0,index=1"),
             CLI_RUN);
    CHECK(!o.ide[0].present);
    CHECK_STR(o.ide[1].file, "c");
    CHECK_STR(o.ide[2].file, "a");
    CHECK_STR(o.ide[3].file, "b");
    CHECK_EQ(PARSE(&o, "-bios", "x", "-drive", "file=a,bus=1,unit=1"), CLI_RUN);
    CHECK(o.ide[3].present && !o.ide[2].present);
    /* An empty CD drive, floppies by -drive. */
    CHECK_EQ(PARSE(&o, "-bios", "x", "-drive", "if=ide,index=2,media=cdrom", "-drive",
                   "if=floppy,file=f1", "-drive", "file=f2,if=floppy", "-drive",
                   "if=ide,media=cdrom,file="),
             CLI_RUN);
    CHECK(o.ide[2].present && o.ide[2].cdrom && !o.ide[2].has_file);
    CHECK(o.ide[0].present && o.ide[0].cdrom && !o.ide[0].has_file);
    CHECK_STR(o.floppy[0].file, "f1");
    CHECK_STR(o.floppy[1].file, "f2");

    char name[32];
    cli_drive_default_name(0, false, name, sizeof(name));
    CHECK_STR(name, "ide0-hd0");
    cli_drive_default_name(2, true, name, sizeof(name));
    CHECK_STR(name, "ide1-cd0");
    cli_drive_default_name(3, false, name, sizeof(name));
    CHECK_STR(name, "ide1-hd1");
    cli_drive_default_name(5, false, name, sizeof(name));
    CHECK_STR(name, "floppy1");

    /* Bad drives: one line each, QEMU's words where it has them. */
    static const struct {
        const char *args[4];
        const char *msg;
    } bad[] = {
        { { "-drive", "file=a,foo=bar" }, "-drive file=a,foo=bar: unknown option 'foo'" },
        { { "-drive", "file=a,aio=native" }, "option 'aio' is not supported by plex86" },
        { { "-drive", "file=a,if=virtio" }, "if=virtio is not supported yet" },
        { { "-drive", "file=a,if=scsi" }, "if=scsi is not supported yet" },
        { { "-drive", "file=a,if=usb" }, "unsupported bus type 'usb'" },
        { { "-drive", "file=a,index=4" }, "does not support if=ide,bus=2,unit=0" },
        { { "-drive", "file=a,if=floppy,index=2" }, "does not support if=floppy,bus=1,unit=0" },
        { { "-drive", "file=a,bus=2" }, "does not support if=ide,bus=2,unit=0" },
        { { "-drive", "file=a,unit=2" }, "unit 2 too big (max is 1)" },
        { { "-drive", "file=a,index=1,unit=1" }, "index cannot be used with bus and unit" },
        { { "-drive", "file=a,index=x" }, "Parameter 'index' expects a number" },
        { { "-drive", "file=a,index=-1" }, "Parameter 'index' expects a number" },
        { { "-hda", "a", "-drive", "file=b,index=0" },
          "-drive file=b,index=0: drive with bus=0, unit=0 (index=0) exists" },
        { { "-hdc", "a", "-cdrom", "b" }, "-cdrom b: drive with bus=1, unit=0 (index=2) exists" },
        { { "-fda", "a", "-drive", "if=floppy,file=b,unit=0" }, "(index=0) exists" },
        { { "-drive", "file=a,media=tape" }, "'tape' invalid media" },
        { { "-drive", "file=a,format=vmdk" }, "format 'vmdk' is not supported" },
        { { "-drive", "file=a,cache=fast" }, "invalid cache option 'fast'" },
        { { "-drive", "file=a,readonly=maybe" }, "Parameter 'readonly' expects 'on' or 'off'" },
        { { "-drive", "file=a,snapshot=2" }, "Parameter 'snapshot' expects 'on' or 'off'" },
        { { "-drive", "if=ide" }, "a disk needs an image (file=FILE)" },
        { { "-drive", "file=,if=floppy" }, "a floppy drive needs an image" },
        { { "-drive", "file=a,if=floppy,media=cdrom" }, "media=cdrom needs if=ide" },
        { { "-drive", "a.img" }, "want KEY=VALUE, not 'a.img'" },
        { { "-drive", "=a" }, "an option has no name" },
        { { "-drive", "file=a,id=1x" }, "Parameter 'id' expects an identifier" },
        { { "-drive", "file=a,id=d", "-drive", "file=b,id=d" }, "Duplicate ID 'd' for drive" },
        { { "-hda", "a", "-drive", "file=b,id=ide0-hd0" }, "Duplicate ID 'ide0-hd0' for drive" },
        { { "-drive", "file=b,id=ide0-hd1", "-hdb", "a" }, "Duplicate ID 'ide0-hd1' for drive" },
        { { "-drive", "" }, "-drive: empty argument" },
        { { "-hda" }, "-hda: missing argument" },
        { { "-drive", "file=a\nb,foo=1" }, "unknown option 'foo'" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *argv[8] = { "plex86", "-bios", "x" };
        int argc = 3;
        for (int k = 0; k < 4 && bad[i].args[k]; k++)
            argv[argc++] = (char *)bad[i].args[k];
        FILE *f = fmemopen(out, sizeof(out), "w");
        err[0] = 0;
        enum cli_result r = cli_parse(argc, argv, &o, f, err, sizeof(err));
        fclose(f);
        CHECK_EQ(r, CLI_ERROR);
        if (!strstr(err, bad[i].msg)) {
            fprintf(stderr, "drive case %zu: message \"%s\" lacks \"%s\"\n", i, err,
                    bad[i].msg);
            CHECK(0);
        }
        CHECK(strchr(err, '\n') == NULL);
    }
}

/* -smp's topology: what QEMU 7.2's pc machine made of each spelling
 * (query-cpus-fast's socket-id/core-id/thread-id, and its errors), and
 * the APIC IDs its x86 topology gives them. */
static void test_smp(void)
{
    struct cli_options o;
    char out[4096], err[256];
    static const struct {
        const char *arg;
        unsigned cpus, sockets, cores, threads;
        uint8_t apic[8];
    } good[] = {
        { "1", 1, 1, 1, 1, { 0 } },
        { "4", 4, 1, 4, 1, { 0, 1, 2, 3 } },               /* cores first */
        { "cpus=3", 3, 1, 3, 1, { 0, 1, 2 } },
        { "4,sockets=2", 4, 2, 2, 1, { 0, 1, 2, 3 } },
        { "4,cores=2", 4, 2, 2, 1, { 0, 1, 2, 3 } },
        { "4,threads=2", 4, 1, 2, 2, { 0, 1, 2, 3 } },
        { "cores=2,threads=2", 4, 1, 2, 2, { 0, 1, 2, 3 } },
        { "sockets=2", 2, 2, 1, 1, { 0, 1 } },
        { "4,sockets=2,cores=2", 4, 2, 2, 1, { 0, 1, 2, 3 } },
        { "6,sockets=2,cores=3", 6, 2, 3, 1, { 0, 1, 2, 4, 5, 6 } },
        { "6,sockets=2", 6, 2, 3, 1, { 0, 1, 2, 4, 5, 6 } },
        { "6,sockets=2,threads=3", 6, 2, 1, 3, { 0, 1, 2, 4, 5, 6 } },
        { "6,cores=3,threads=2", 6, 1, 3, 2, { 0, 1, 2, 3, 4, 5 } },
        { "6,cores=2,threads=3", 6, 1, 2, 3, { 0, 1, 2, 4, 5, 6 } },
        { "8,sockets=2,cores=2,threads=2", 8, 2, 2, 2, { 0, 1, 2, 3, 4, 5, 6, 7 } },
        { "3,sockets=3,maxcpus=3,dies=1", 3, 3, 1, 1, { 0, 1, 2 } },
        { "5,sockets=1,cores=5", 5, 1, 5, 1, { 0, 1, 2, 3, 4 } },
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        CHECK_EQ(PARSE(&o, "-bios", "x", "-smp", good[i].arg), CLI_RUN);
        CHECK_EQ(o.cpus, good[i].cpus);
        CHECK_EQ(o.smp.cpus, good[i].cpus);
        CHECK_EQ(o.smp.max_cpus, good[i].cpus);
        CHECK_EQ(o.smp.sockets, good[i].sockets);
        CHECK_EQ(o.smp.cores, good[i].cores);
        CHECK_EQ(o.smp.threads, good[i].threads);
        CHECK_EQ(cpu_topo_pkg_lps(&o.smp), good[i].cores * good[i].threads);
        for (unsigned c = 0; c < o.smp.cpus; c++) {
            uint32_t id = cpu_topo_apic_id(&o.smp, c);
            CHECK_EQ(id, good[i].apic[c]);
            CHECK_EQ(cpu_topo_index(&o.smp, id), (int)c);
            struct cpu_topo_ids t = cpu_topo_ids(&o.smp, c);
            CHECK_EQ((t.socket * good[i].cores + t.core) * good[i].threads + t.thread, c);
        }
        CHECK_EQ(cpu_topo_apic_id_limit(&o.smp), good[i].apic[o.smp.cpus - 1] + 1u);
    }
    /* IDs in the gaps of the layout belong to no CPU. */
    CHECK_EQ(PARSE(&o, "-bios", "x", "-smp", "6,sockets=2,cores=3"), CLI_RUN);
    CHECK_EQ(cpu_topo_index(&o.smp, 3), -1);
    CHECK_EQ(cpu_topo_index(&o.smp, 7), -1);
    CHECK_EQ(cpu_topo_index(&o.smp, 8), -1);
    CHECK_EQ(cpu_topo_index(&o.smp, 0xFF), -1);

    static const struct {
        const char *arg, *msg;
    } bad[] = {
        { "6,cores=4", "-smp: Invalid CPU topology: product of the hierarchy must match "
                       "maxcpus: sockets (1) * dies (1) * cores (4) * threads (1) != "
                       "maxcpus (6)" },
        { "4,maxcpus=2", "-smp: Invalid CPU topology: maxcpus must be equal to or greater "
                         "than smp: sockets (1) * dies (1) * cores (2) * threads (1) == "
                         "maxcpus (2) < smp_cpus (4)" },
        { "4,sockets=2,cores=2,threads=2", "sockets (2) * dies (1) * cores (2) * threads (2) "
                                           "!= maxcpus (4)" },
        { "3,sockets=2", "sockets (2) * dies (1) * cores (1) * threads (1) != maxcpus (3)" },
        { "2,cores=4", "sockets (0) * dies (1) * cores (4) * threads (1) != maxcpus (2)" },
        { "4,maxcpus=8", "-smp: maxcpus (8) above the 4 CPUs: plex86 has no CPU hotplug" },
        { "9", "-smp: 9 CPUs: plex86 runs 1 to 8" },
        { "sockets=3,cores=3", "-smp: 9 CPUs: plex86 runs 1 to 8" },
        { "sockets=4096,cores=4096,threads=4096", "more than 4096" },
        { "0", "must be greater than zero" },
        { "4,cores=0", "must be greater than zero" },
        { "4,foo=1", "-smp: Parameter 'smp.foo' is unexpected" },
        { "4,clusters=2", "clusters not supported by this machine's CPU topology" },
        { "4,dies=2", "dies=2: plex86's CPUs have one die per socket" },
        { "x", "Parameter 'smp.cpus' expects integer" },
        { "4,cores=two", "Parameter 'smp.cores' expects integer" },
        { "4,cores=", "Parameter 'smp.cores' expects integer" },
        { "4,cores=-1", "Parameter 'smp.cores' expects integer" },
        { "4,cores=99999999999", "Parameter 'smp.cores' expects integer" },
        { "4,2", "Parameter 'smp.2' is missing a value" },
        { "", "-smp: empty argument" },
        { "4,", "-smp: '4,': an empty item" },
        { ",4", "-smp: ',4': an empty item" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_EQ(PARSE(&o, "-bios", "x", "-smp", bad[i].arg), CLI_ERROR);
        if (!strstr(err, bad[i].msg))
            CHECK_STR(err, bad[i].msg);
    }
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
    test_accel();
    test_requests();
    test_drives();
    test_smp();
    test_exit_status();
    return check_report();
}
