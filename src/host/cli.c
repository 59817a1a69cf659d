/* The command-line parser; see cli.h.
 *
 * A small table-driven parser instead of getopt: getopt keeps its state in
 * globals (optind), does not know QEMU's single-dash long options, and would
 * make the parser awkward to call twice from a test. */
#include "host/cli.h"
#include "host/cli_qemu.h"
#include "host/outpath.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu/cpu_model.h"
#include "cpu/topo.h"
#include "host/account.h"
#include "host/cli_drive.h"
#include "host/version.h"
#include "vm/clock.h"

enum opt_id {
    OPT_BIOS, OPT_M, OPT_NOGRAPHIC, OPT_SERIAL, OPT_DEBUGCON, OPT_NO_REBOOT,
    OPT_D, OPT_DLOG, OPT_MAX_INSNS, OPT_CPU, OPT_VERSION, OPT_HELP, OPT_KERNEL,
    OPT_APPEND, OPT_INITRD, OPT_SBE_DEPTH, OPT_NO_CODE_CACHE, OPT_ENGINE, OPT_ICOUNT, OPT_ACCEL,
    OPT_RTC,
    OPT_NAME, OPT_STATS, OPT_METRICS, OPT_METRICS_INTERVAL, OPT_LOADVM, OPT_SAVEVM_AT,
    OPT_MONITOR, OPT_QMP, OPT_S, OPT_CHARDEV, OPT_DEVICE, OPT_BOOT, OPT_OPTION_ROM, OPT_L,
    OPT_DRIVE, OPT_SNAPSHOT, OPT_DISPLAY, OPT_VNC, OPT_VGA, OPT_SCREENDUMP_AT_EXIT, OPT_SMP,
};

struct opt {
    const char *name;   /* without dashes */
    bool has_arg;
    enum opt_id id;
};

static const struct opt opts[] = {
    { "bios", true, OPT_BIOS },
    { "m", true, OPT_M },
    { "smp", true, OPT_SMP },
    { "nographic", false, OPT_NOGRAPHIC },
    { "serial", true, OPT_SERIAL },
    { "debugcon", true, OPT_DEBUGCON },
    { "no-reboot", false, OPT_NO_REBOOT },
    { "d", true, OPT_D },
    { "D", true, OPT_DLOG },
    { "max-insns", true, OPT_MAX_INSNS },
    { "cpu", true, OPT_CPU },
    { "version", false, OPT_VERSION },
    { "h", false, OPT_HELP },
    { "help", false, OPT_HELP },
    { "kernel", true, OPT_KERNEL },
    { "append", true, OPT_APPEND },
    { "initrd", true, OPT_INITRD },
    { "sbe-depth", true, OPT_SBE_DEPTH },
    { "no-code-cache", false, OPT_NO_CODE_CACHE },
    { "engine", true, OPT_ENGINE },
    { "icount", true, OPT_ICOUNT },
    { "accel", true, OPT_ACCEL },
    { "rtc", true, OPT_RTC },
    { "name", true, OPT_NAME },
    { "stats", true, OPT_STATS },
    { "metrics", true, OPT_METRICS },
    { "metrics-interval", true, OPT_METRICS_INTERVAL },
    { "loadvm", true, OPT_LOADVM },
    { "savevm-at", true, OPT_SAVEVM_AT },
    { "monitor", true, OPT_MONITOR },
    { "qmp", true, OPT_QMP },
    { "S", false, OPT_S },
    { "chardev", true, OPT_CHARDEV },
    { "device", true, OPT_DEVICE },
    { "boot", true, OPT_BOOT },
    { "option-rom", true, OPT_OPTION_ROM },
    { "L", true, OPT_L },
    { "hda", true, OPT_DRIVE },
    { "hdb", true, OPT_DRIVE },
    { "hdc", true, OPT_DRIVE },
    { "hdd", true, OPT_DRIVE },
    { "cdrom", true, OPT_DRIVE },
    { "fda", true, OPT_DRIVE },
    { "fdb", true, OPT_DRIVE },
    { "drive", true, OPT_DRIVE },
    { "snapshot", false, OPT_SNAPSHOT },
    { "display", true, OPT_DISPLAY },
    { "vnc", true, OPT_VNC },
    { "vga", true, OPT_VGA },
    { "screendump-at-exit", true, OPT_SCREENDUMP_AT_EXIT },
};

/* The -d items, in the order `-d help` lists them. */
static const struct {
    const char *name;
    unsigned bit;
    const char *help;
} log_items[] = {
    { "post", CLI_LOG_POST, "print each POST code (port 0x80) as it is written" },
    { "exit", CLI_LOG_EXIT, "print why the VM stopped, and how many instructions ran" },
};

void cli_usage(FILE *out)
{
    fputs("usage: plex86 [options]\n"
          "\n"
          "  -bios FILE          firmware image (whole 4 KiB pages, at most 16 MiB),\n"
          "                      mapped below 4 GiB and its last 128 KiB below 1 MiB;\n"
          "                      without -bios and -kernel: SeaBIOS,\n"
          "                      " CLI_DEFAULT_BIOS " (package " CLI_DEFAULT_BIOS_PACKAGE ")\n"
          "  -kernel FILE        boot a Linux bzImage or a Multiboot kernel (ELF32\n"
          "                      or a.out kludge) directly, without firmware\n"
          "  -append STRING      the kernel's command line\n"
          "  -initrd FILE        Linux's initial ramdisk, or a Multiboot module\n"
          "  -hda/-hdb/-hdc/-hdd FILE  IDE disk image at index 0-3 (raw or qcow2)\n"
          "  -cdrom FILE         CD-ROM image (IDE index 2, read-only)\n"
          "  -fda/-fdb FILE      floppy disk image\n"
          "  -drive OPTION[,OPTION...]  a drive, QEMU's keys: file=FILE, if=ide|floppy,\n"
          "                      index=N, bus=B, unit=U, media=disk|cdrom,\n"
          "                      format=raw|qcow2, readonly=on|off, snapshot=on|off,\n"
          "                      cache=writeback|writethrough|none|directsync|unsafe,\n"
          "                      id=NAME (',,' for a comma in a value)\n"
          "  -snapshot           write to temporary files instead of the disk images\n"
          "                      (C-a s or the monitor's commit writes them back)\n"
          "  -m SIZE             guest RAM in MiB, or with an M/G suffix (default 128)\n"
          "  -cpu MODEL          CPU model: 386, 486, pentium, pentium2, pentium3,\n"
          "                      pentium-m (the default; -cpu help lists them);\n"
          "                      MODEL,-apic: no local APIC, IOAPIC or HPET\n"
          "  -smp [cpus=]N[,sockets=S][,cores=C][,threads=T][,maxcpus=N]\n"
          "                      N CPUs, 1 to 8 (default 1), as S sockets of C cores\n"
          "                      of T threads (QEMU's rules fill in what is left\n"
          "                      out: cores first)\n"
          "  -accel tcg[,thread=single|multi]\n"
          "                      single (default): the CPUs take turns on one host\n"
          "                      thread, deterministic; multi: a host thread per CPU\n"
          "                      (faster on parallel guest work; not with -icount)\n"
          "  -nographic          no display output: the firmware's console is COM1\n"
          "                      (the VGA is still there, as with QEMU)\n"
          "  -display TYPE       the display frontend (docs/display.md): sdl (a window),\n"
          "                      curses (text modes in the terminal), vnc=[HOST]:N,\n"
          "                      none, or default (sdl when $DISPLAY or\n"
          "                      $WAYLAND_DISPLAY is set, else none)\n"
          "  -vnc [HOST]:N[,websocket=on|off|PORT]  a VNC server on port 5900+N (no\n"
          "                      HOST: every address; localhost:N: 127.0.0.1 only),\n"
          "                      with noVNC's WebSocket on 5700+N or PORT\n"
          "  -vga std|none       the display adapter: QEMU's standard VGA with Bochs\n"
          "                      VBE at 00:02.0 (default), or none\n"
          "  -screendump-at-exit FILE  write the screen to FILE when the VM ends:\n"
          "                      PNG for FILE.png, the text screen for FILE.txt (a\n"
          "                      text mode), else PPM (docs/display.md)\n"
          "  -serial DEV         COM1 output: stdio (default), null, none, file:PATH\n"
          "  -debugcon DEV       port 0xE9 console: none (default), stdio, null, file:PATH\n"
          "  -chardev TYPE,id=ID[,path=FILE]  a character device for -device: file,\n"
          "                      stdio or null\n"
          "  -device isa-debugcon,iobase=PORT,chardev=ID  a debug console (SeaBIOS\n"
          "                      logs to iobase=0x402; -device help lists devices)\n"
          "  -boot [order=]DRIVES[,once=DRIVES][,menu=on|off][,splash-time=MS]\n"
          "        [,reboot-timeout=MS][,strict=on|off]  the firmware's boot order\n"
          "                      (a floppy, c disk, d CD-ROM, n network; default cad),\n"
          "                      its boot menu, and the wait before a failed boot\n"
          "                      is retried (-1: never, the default)\n"
          "  -option-rom FILE    an option ROM the firmware runs\n"
          "  -L DIR              where the default firmware is (" CLI_DEFAULT_BIOS_NAME ";\n"
          "                      default " CLI_DEFAULT_BIOS_DIR ")\n"
          "  -no-reboot          a guest reset or triple fault ends the VM with status 0\n"
          "  -monitor DEV        the human monitor: unix:PATH,server,nowait, stdio or\n"
          "                      none (default; C-a c on the console reaches it too)\n"
          "  -qmp DEV            QMP, the JSON monitor: unix:PATH,server,nowait\n"
          "  -S                  do not start the guest: wait for the monitor's cont\n"
          "  -max-insns N        stop after N guest steps: instructions, each delivered\n"
          "                      exception and interrupt counting as one\n"
          "  -sbe-depth N        scanner's recursive-descent depth over in-page branch\n"
          "                      targets (default 8, see docs/sbe.md; 0-1000)\n"
          "  -no-code-cache      decode every instruction again (slow; for comparisons)\n"
          "  -engine jit|interp  run hot code translated to x86-64 (default) or only\n"
          "                      in the interpreter (for comparisons)\n"
          "  -icount [shift=]N   deterministic guest time: 2^N ns per instruction\n"
          "                      (0-10), time skipped while halted; default: host time\n"
          "  -rtc base=WHEN      the RTC's time at power-on: utc (default, the host's\n"
          "                      clock) or YYYY-MM-DD[THH:MM:SS] (UTC)\n"
          "  -loadvm FILE        start from the snapshot FILE (docs/snapshots.md) instead\n"
          "                      of the power-on state\n"
          "  -savevm-at N,FILE   save a snapshot to FILE when the guest has run N steps\n"
          "                      (exact with -icount; a plex86 extension for tests)\n"
          "  -d ITEM[,ITEM]      log items: post, exit (-d help lists)\n"
          "  -D FILE             write the -d log to FILE instead of stderr\n"
          "  -name NAME          the VM's name, a label on its accounting (default\n"
          "                      plex86-PID)\n"
          "  --stats FILE        write what the VM used as JSON when it ends, also on\n"
          "                      SIGTERM, SIGINT or a crash (--stats help lists)\n"
          "  --metrics FILE      the same as a Prometheus text file, rewritten\n"
          "                      atomically while the VM runs\n"
          "  --metrics-interval SECONDS  between --metrics rewrites (default 10)\n"
#if !PLEX86_ACCOUNTING
          "                      (this plex86 was built without accounting:\n"
          "                      --stats and --metrics are refused)\n"
#endif
          "  -version            print the version and exit\n"
          "  -h, --help          print this help and exit\n"
          "\n"
          "Options may also be spelled with two dashes, and --opt=VALUE works.\n"
          "Exit status: 0 the guest halted or was stopped; (V<<1)|1 the guest wrote V\n"
          "to the debug-exit port 0xF4; 2 usage or input error; 4 internal error;\n"
          "6 triple fault or reset (0 with -no-reboot).\n",
          out);
}

void cli_defaults(struct cli_options *o)
{
    *o = (struct cli_options){
        .ram_mb = CLI_DEFAULT_RAM_MB,
        .cpus = 1,
        .smp = { .cpus = 1, .sockets = 1, .cores = 1, .threads = 1, .max_cpus = 1 },
        .cpu = cpu_model_default(),
        .serial = { .kind = CLI_CHR_STDIO },
        .debugcon = { .kind = CLI_CHR_NONE },
    };
}

/* -rtc base=utc | base=YYYY-MM-DD[THH:MM:SS] (QEMU's spelling; UTC). */
static enum cli_result parse_rtc(const char *arg, struct cli_options *o, char *err,
                                 size_t errlen)
{
    if (strcmp(arg, "base=utc") == 0) {
        o->rtc_base_set = false;
        return CLI_RUN;
    }
    /* The exact shapes only: digits where the pattern has 9s. */
    static const char pattern[] = "9999-99-99T99:99:99";
    const char *v = strncmp(arg, "base=", 5) == 0 ? arg + 5 : "";
    size_t len = strlen(v);
    bool ok = len == 10 || len == 19;
    for (size_t i = 0; ok && i < len; i++)
        ok = pattern[i] == '9' ? isdigit((unsigned char)v[i]) != 0 : v[i] == pattern[i];
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    if (ok)
        sscanf(v, "%4d-%2d-%2d", &y, &mo, &d);
    if (ok && len == 19)
        sscanf(v + 11, "%2d:%2d:%2d", &h, &mi, &sec);
    if (!ok || y < 1970 || y > 2099 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 ||
        sec > 59) {
        snprintf(err, errlen,
                 "-rtc: want base=utc or base=YYYY-MM-DD[THH:MM:SS] (1970-2099), not '%s'",
                 arg);
        return CLI_ERROR;
    }
    /* A day the calendar has (issue 21, item 7): 2026-02-30 is no date,
     * and timegm would quietly make it March 2nd.  Within 1970-2099 every
     * fourth year is a leap year (2000 included). */
    static const int month_days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int days = month_days[mo - 1] + (mo == 2 && y % 4 == 0);
    if (d > days) {
        snprintf(err, errlen, "-rtc: %04d-%02d has %d days, not %d ('%s')", y, mo, days, d,
                 arg);
        return CLI_ERROR;
    }
    struct tm tm = { 0 };
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    o->rtc_base_s = (int64_t)timegm(&tm);
    o->rtc_base_set = true;
    return CLI_RUN;
}

/* A decimal number with no sign, no spaces and no overflow; *end gets the
 * first character after the digits. */
static int parse_decimal(const char *s, uint64_t *v, const char **end)
{
    if (!isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    char *e;
    unsigned long long n = strtoull(s, &e, 10);
    if (errno == ERANGE)
        return -1;
    *v = n;
    *end = e;
    return 0;
}

int cli_parse_size_mb(const char *s, uint32_t *mb)
{
    uint64_t n;
    const char *end;
    if (parse_decimal(s, &n, &end) < 0)
        return -1;
    /* QEMU's -m takes MiB by default and M/G suffixes (either case). */
    uint64_t scale = 1;
    if (*end == 'M' || *end == 'm')
        end++;
    else if (*end == 'G' || *end == 'g') {
        scale = 1024;
        end++;
    }
    if (*end || n > UINT32_MAX / scale)
        return -1;
    *mb = (uint32_t)(n * scale);
    return 0;
}

int cli_parse_interval_ms(const char *s, uint32_t *ms)
{
    uint64_t whole;
    const char *end;
    if (parse_decimal(s, &whole, &end) < 0 || whole > CLI_MAX_METRICS_INTERVAL_MS / 1000)
        return -1;
    uint64_t frac = 0;
    if (*end == '.') {
        unsigned digits = 0;
        for (end++; isdigit((unsigned char)*end); end++, digits++) {
            if (digits == 3)
                return -1; /* finer than a millisecond */
            frac = frac * 10 + (uint64_t)(*end - '0');
        }
        if (digits == 0)
            return -1;
        for (; digits < 3; digits++)
            frac *= 10;
    }
    if (*end)
        return -1;
    *ms = (uint32_t)(whole * 1000 + frac);
    return 0;
}

static int parse_chardev(const char *s, struct cli_chardev *c)
{
    if (!strcmp(s, "stdio"))
        *c = (struct cli_chardev){ .kind = CLI_CHR_STDIO };
    else if (!strcmp(s, "none"))
        *c = (struct cli_chardev){ .kind = CLI_CHR_NONE };
    else if (!strcmp(s, "null"))
        *c = (struct cli_chardev){ .kind = CLI_CHR_NULL };
    else if (!strncmp(s, "file:", 5) && s[5])
        *c = (struct cli_chardev){ .kind = CLI_CHR_FILE, .path = s + 5 };
    else
        return -1;
    return 0;
}

/* -d LIST: a comma-separated list of items, or "help". */
static enum cli_result parse_log_items(const char *list, struct cli_options *o, FILE *out,
                                       char *err, size_t errlen)
{
    if (!strcmp(list, "help")) {
        fputs("Log items (-d ITEM[,ITEM...]):\n", out);
        for (size_t i = 0; i < sizeof(log_items) / sizeof(log_items[0]); i++)
            fprintf(out, "  %-6s %s\n", log_items[i].name, log_items[i].help);
        return CLI_DONE;
    }
    const char *p = list;
    for (;;) {
        size_t len = strcspn(p, ",");
        size_t i;
        for (i = 0; i < sizeof(log_items) / sizeof(log_items[0]); i++)
            if (strlen(log_items[i].name) == len && !strncmp(p, log_items[i].name, len))
                break;
        if (i == sizeof(log_items) / sizeof(log_items[0])) {
            snprintf(err, errlen, "-d: unknown log item '%.*s' (try -d help)", (int)len, p);
            return CLI_ERROR;
        }
        o->log_items |= log_items[i].bit;
        if (!p[len])
            return CLI_RUN;
        p += len + 1;
    }
}

static enum cli_result parse_cpu(const char *name, struct cli_options *o, FILE *out,
                                 char *err, size_t errlen)
{
    if (!strcmp(name, "help")) {
        fputs("CPU models (-cpu MODEL):\n", out);
        cpu_model_list(out);
        return CLI_DONE;
    }
    /* QEMU's feature list after the model: only the APIC is ours to
     * remove (issue 19): "-apic" or "apic=off" leaves out the local APIC
     * and with it the IOAPIC and the HPET; "+apic" / "apic=on" keep it. */
    char model[64];
    size_t len = strcspn(name, ",");
    if (len >= sizeof(model)) {
        snprintf(err, errlen, "-cpu: unknown CPU model '%.60s...' (try -cpu help)", name);
        return CLI_ERROR;
    }
    memcpy(model, name, len);
    model[len] = 0;
    const struct cpu_model *m = cpu_model_find(model);
    if (!m) {
        snprintf(err, errlen, "-cpu: unknown CPU model '%s' (try -cpu help)", model);
        return CLI_ERROR;
    }
    o->cpu = m;
    o->no_apic = false;
    for (const char *p = name + len; *p;) {
        p++;
        size_t n = strcspn(p, ",");
        if ((n == 5 && !strncmp(p, "-apic", 5)) || (n == 8 && !strncmp(p, "apic=off", 8))) {
            o->no_apic = true;
        } else if ((n == 5 && !strncmp(p, "+apic", 5)) || (n == 7 && !strncmp(p, "apic=on", 7))) {
            o->no_apic = false;
        } else {
            snprintf(err, errlen, "-cpu: unsupported feature '%.*s' (only -apic / +apic)",
                     (int)(n > 40 ? 40 : n), p);
            return CLI_ERROR;
        }
        p += n;
    }
    return CLI_RUN;
}

/* -smp [cpus=]N[,sockets=S][,dies=1][,cores=C][,threads=T][,maxcpus=M]:
 * QEMU's keys and messages (its keyval parser, then machine-smp.c's
 * rules in cpu_topo_fill); plex86 adds its CPU limit, one die per socket
 * and no hotplug (maxcpus above cpus). */
static enum cli_result parse_smp(const char *arg, struct cli_options *o, char *err,
                                 size_t errlen)
{
    static const char *const keys[] = { "cpus", "sockets", "dies", "cores", "threads",
                                        "maxcpus" };
    enum { K_CPUS, K_SOCKETS, K_DIES, K_CORES, K_THREADS, K_MAXCPUS, K_N };
    unsigned v[K_N] = { 0 };
    bool zero = false;
    const char *p = arg;
    for (bool first = true; ; first = false) {
        size_t n = strcspn(p, ",");
        if (n == 0) {
            snprintf(err, errlen, "-smp: '%s': an empty item", arg);
            return CLI_ERROR;
        }
        const char *eq = memchr(p, '=', n);
        unsigned k = K_N;
        const char *val = p;
        if (eq) {
            for (unsigned i = 0; i < K_N; i++)
                if ((size_t)(eq - p) == strlen(keys[i]) && !strncmp(p, keys[i], eq - p))
                    k = i;
            if (k == K_N) {
                bool cl = (size_t)(eq - p) == 8 && !strncmp(p, "clusters", 8);
                snprintf(err, errlen,
                         cl ? "-smp: clusters not supported by this machine's CPU topology"
                            : "-smp: Parameter 'smp.%.*s' is unexpected",
                         (int)(eq - p > 40 ? 40 : eq - p), p);
                return CLI_ERROR;
            }
            val = eq + 1;
        } else if (first) {
            k = K_CPUS;                 /* the implied key */
        } else {
            snprintf(err, errlen, "-smp: Parameter 'smp.%.*s' is missing a value",
                     (int)(n > 40 ? 40 : n), p);
            return CLI_ERROR;
        }
        size_t vlen = n - (size_t)(val - p);
        char *end = NULL;
        errno = 0;
        unsigned long x = vlen && *val >= '0' && *val <= '9' ? strtoul(val, &end, 10) : 0;
        if (!end || end != val + vlen || errno || x > CPU_TOPO_MAX_VALUE) {
            snprintf(err, errlen, "-smp: Parameter 'smp.%s' expects integer (bad CPU count "
                     "'%s', a number from 1 to %u)", keys[k], arg, CLI_MAX_CPUS);
            return CLI_ERROR;
        }
        /* QEMU 7.2 warns and takes 0 as left out; later QEMUs refuse it. */
        zero |= x == 0;
        v[k] = (unsigned)x;
        if (!p[n])
            break;
        p += n + 1;
    }
    if (zero) {
        snprintf(err, errlen, "-smp: '%s': CPU topology parameters must be greater than zero "
                              "(plex86 runs 1 to %u CPUs)", arg, CLI_MAX_CPUS);
        return CLI_ERROR;
    }
    if (v[K_DIES] > 1) {
        snprintf(err, errlen, "-smp: dies=%u: plex86's CPUs have one die per socket",
                 v[K_DIES]);
        return CLI_ERROR;
    }
    struct cpu_topo t;
    char why[256];
    if (cpu_topo_fill(v[K_CPUS], v[K_SOCKETS], v[K_CORES], v[K_THREADS], v[K_MAXCPUS], &t,
                      why, sizeof(why)) < 0) {
        snprintf(err, errlen, "-smp: %s", why);
        return CLI_ERROR;
    }
    if (t.cpus > CLI_MAX_CPUS) {
        snprintf(err, errlen, "-smp: %u CPUs: plex86 runs 1 to %u", t.cpus, CLI_MAX_CPUS);
        return CLI_ERROR;
    }
    if (t.max_cpus > t.cpus) {
        snprintf(err, errlen, "-smp: maxcpus (%u) above the %u CPUs: plex86 has no CPU "
                              "hotplug, so maxcpus must equal cpus", t.max_cpus, t.cpus);
        return CLI_ERROR;
    }
    o->cpus = t.cpus;
    o->smp = t;
    return CLI_RUN;
}

/* Applies one option; `arg` is its value (NULL for flags). */
/* -accel tcg[,thread=single|multi] (QEMU's spelling; TCG is the only
 * accelerator: ours translates too). */
static enum cli_result parse_accel(const char *arg, struct cli_options *o, char *err,
                                   size_t errlen)
{
    size_t n = strcspn(arg, ",");
    if (n != 3 || strncmp(arg, "tcg", 3) != 0) {
        snprintf(err, errlen, "-accel %s: invalid accelerator %.*s (plex86 has tcg)", arg,
                 (int)n, arg);
        return CLI_ERROR;
    }
    for (const char *p = arg + n; *p;) {
        p++; /* the comma */
        size_t k = strcspn(p, ",");
        if (k == 13 && strncmp(p, "thread=single", 13) == 0) {
            o->mttcg = false;
        } else if (k == 12 && strncmp(p, "thread=multi", 12) == 0) {
            o->mttcg = true;
        } else if (k >= 7 && strncmp(p, "thread=", 7) == 0) {
            snprintf(err, errlen, "-accel %s: Invalid 'thread' setting %.*s", arg,
                     (int)(k - 7), p + 7);
            return CLI_ERROR;
        } else {
            snprintf(err, errlen, "-accel %s: Property 'tcg-accel.%.*s' not found", arg,
                     (int)strcspn(p, ",="), p);
            return CLI_ERROR;
        }
        p += k;
    }
    return CLI_RUN;
}

static enum cli_result apply(const struct opt *op, const char *arg, struct cli_options *o,
                             FILE *out, char *err, size_t errlen)
{
    uint64_t n;
    const char *end;
    switch (op->id) {
    case OPT_BIOS:
        o->bios = arg;
        return CLI_RUN;
    case OPT_M:
        if (cli_parse_size_mb(arg, &o->ram_mb) < 0) {
            snprintf(err, errlen, "-m: bad size '%s' (a number of MiB, or e.g. 64M, 1G)", arg);
            return CLI_ERROR;
        }
        if (o->ram_mb < 1 || o->ram_mb > CLI_MAX_RAM_MB) {
            snprintf(err, errlen, "-m: RAM size must be between 1 and %u MiB, not %s",
                     CLI_MAX_RAM_MB, arg);
            return CLI_ERROR;
        }
        return CLI_RUN;
    case OPT_SMP:
        return parse_smp(arg, o, err, errlen);
    case OPT_NOGRAPHIC:
        o->nographic = true;
        return CLI_RUN;
    case OPT_DISPLAY:
    case OPT_VNC:
        if ((op->id == OPT_DISPLAY ? cli_display_option : cli_vnc_option)(&o->display, arg, err,
                                                                           errlen) < 0)
            return CLI_ERROR;
        return CLI_RUN;
    case OPT_SERIAL:
    case OPT_DEBUGCON:
        if (parse_chardev(arg, op->id == OPT_SERIAL ? &o->serial : &o->debugcon) < 0) {
            snprintf(err, errlen, "-%s: bad device '%s' (stdio, null, none or file:PATH)",
                     op->name, arg);
            return CLI_ERROR;
        }
        if (op->id == OPT_SERIAL)
            o->serial_set = true;
        return CLI_RUN;
    case OPT_NO_REBOOT:
        o->no_reboot = true;
        return CLI_RUN;
    case OPT_MONITOR:
    case OPT_QMP: {
        char why[200];
        if (chardev_spec_parse(arg, op->id == OPT_MONITOR ? &o->monitor : &o->qmp, why,
                               sizeof(why)) < 0) {
            snprintf(err, errlen, "-%s: %s", op->name, why);
            return CLI_ERROR;
        }
        return CLI_RUN;
    }
    case OPT_S:
        o->start_stopped = true;
        return CLI_RUN;
    case OPT_DRIVE:
        return cli_drive_option(o, op->name, arg, err, errlen);
    case OPT_SNAPSHOT:
        o->snapshot = true;
        return CLI_RUN;
    case OPT_VGA:
        if (!strcmp(arg, "std")) {
            o->no_vga = false;
        } else if (!strcmp(arg, "none")) {
            o->no_vga = true;
        } else {
            snprintf(err, errlen, "-vga: unknown adapter '%s' (std or none)", arg);
            return CLI_ERROR;
        }
        return CLI_RUN;
    case OPT_SCREENDUMP_AT_EXIT:
        o->screendump_at_exit = arg;
        return CLI_RUN;
    case OPT_D:
        return parse_log_items(arg, o, out, err, errlen);
    case OPT_DLOG:
        o->log_file = arg;
        return CLI_RUN;
    case OPT_MAX_INSNS:
        if (parse_decimal(arg, &n, &end) < 0 || *end) {
            snprintf(err, errlen, "-max-insns: bad number '%s'", arg);
            return CLI_ERROR;
        }
        o->max_insns = n;
        return CLI_RUN;
    case OPT_SBE_DEPTH:
        if (parse_decimal(arg, &n, &end) < 0 || *end || n > 1000) {
            snprintf(err, errlen, "-sbe-depth: want a number from 0 to 1000, not '%s'", arg);
            return CLI_ERROR;
        }
        o->sbe_depth = (unsigned)n;
        o->sbe_depth_set = true;
        return CLI_RUN;
    case OPT_NO_CODE_CACHE:
        o->no_code_cache = true;
        return CLI_RUN;
    case OPT_ENGINE:
        if (strcmp(arg, "jit") == 0) {
            o->interp_only = false;
        } else if (strcmp(arg, "interp") == 0) {
            o->interp_only = true;
        } else {
            snprintf(err, errlen, "-engine: want jit or interp, not '%s'", arg);
            return CLI_ERROR;
        }
        return CLI_RUN;
    case OPT_ICOUNT:
        if (strncmp(arg, "shift=", 6) == 0)
            arg += 6;
        if (parse_decimal(arg, &n, &end) < 0 || *end || n > VM_CLOCK_MAX_SHIFT) {
            snprintf(err, errlen, "-icount: want shift=N with N from 0 to %u, not '%s'",
                     VM_CLOCK_MAX_SHIFT, arg);
            return CLI_ERROR;
        }
        o->icount = true;
        o->icount_shift = (unsigned)n;
        return CLI_RUN;
    case OPT_ACCEL:
        return parse_accel(arg, o, err, errlen);
    case OPT_RTC:
        return parse_rtc(arg, o, err, errlen);
    case OPT_LOADVM:
        if (!*arg) {
            snprintf(err, errlen, "-loadvm: want a file name");
            return CLI_ERROR;
        }
        o->loadvm = arg;
        return CLI_RUN;
    case OPT_SAVEVM_AT:
        /* N,FILE: the file name is everything after the first comma. */
        if (parse_decimal(arg, &n, &end) < 0 || *end != ',' || !end[1]) {
            snprintf(err, errlen, "-savevm-at: want N,FILE (N guest steps), not '%s'", arg);
            return CLI_ERROR;
        }
        o->savevm_at = n;
        o->savevm_path = end + 1;
        return CLI_RUN;
    case OPT_CHARDEV:
        return cli_parse_chardev_opt(arg, o, out, err, errlen);
    case OPT_DEVICE:
        return cli_parse_device_opt(arg, o, out, err, errlen);
    case OPT_BOOT:
        return cli_parse_boot_opt(arg, o, err, errlen);
    case OPT_OPTION_ROM:
        return cli_parse_option_rom(arg, o, err, errlen);
    case OPT_L:
        o->data_dir = arg;
        return CLI_RUN;
    case OPT_CPU:
        return parse_cpu(arg, o, out, err, errlen);
    case OPT_VERSION:
        fprintf(out, "plex86 version %s\n", PLEX86_VERSION);
        return CLI_DONE;
    case OPT_HELP:
        cli_usage(out);
        return CLI_DONE;
    case OPT_KERNEL:
        o->kernel = arg;
        return CLI_RUN;
    case OPT_APPEND:
        o->append = arg;
        return CLI_RUN;
    case OPT_INITRD:
        o->initrd = arg;
        return CLI_RUN;
    case OPT_NAME:
#if PLEX86_ACCOUNTING
        if (!acct_name_ok(arg)) {
            snprintf(err, errlen, "-name: want 1 to %d printable ASCII characters",
                     ACCT_NAME_MAX);
            return CLI_ERROR;
        }
#endif
        o->name = arg;
        return CLI_RUN;
    case OPT_STATS:
    case OPT_METRICS:
    case OPT_METRICS_INTERVAL:
#if PLEX86_ACCOUNTING
        if (op->id == OPT_STATS && !strcmp(arg, "help")) {
            acct_list(out);
            return CLI_DONE;
        }
        if (op->id == OPT_STATS)
            o->stats_file = arg;
        else if (op->id == OPT_METRICS)
            o->metrics_file = arg;
        else if (cli_parse_interval_ms(arg, &o->metrics_interval_ms) < 0 ||
                 o->metrics_interval_ms < CLI_MIN_METRICS_INTERVAL_MS) {
            snprintf(err, errlen, "--metrics-interval: want seconds from 0.1 to %u, not '%s'",
                     CLI_MAX_METRICS_INTERVAL_MS / 1000, arg);
            return CLI_ERROR;
        }
        return CLI_RUN;
#else
        snprintf(err, errlen, "--%s: this plex86 was built without accounting "
                              "(PLEX86_ACCOUNTING=OFF)", op->name);
        return CLI_ERROR;
#endif
    }
    snprintf(err, errlen, "internal error: option -%s has no handler", op->name);
    return CLI_ERROR;
}

static const struct opt *find_opt(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
        if (strlen(opts[i].name) == len && !strncmp(name, opts[i].name, len))
            return &opts[i];
    return NULL;
}

static enum cli_result parse_args(int argc, char *const argv[], struct cli_options *o,
                                  FILE *out, char *err, size_t errlen);

/* Messages quote the user's arguments, which may hold anything: control
 * characters become '?', so that an error stays one line (issue 9). */
static void one_line(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7F)
            *s = '?';
}

enum cli_result cli_parse(int argc, char *const argv[], struct cli_options *o,
                          FILE *out, char *err, size_t errlen)
{
    if (errlen)
        err[0] = 0;
    enum cli_result r = parse_args(argc, argv, o, out, err, errlen);
    if (r == CLI_ERROR && errlen)
        one_line(err);
    return r;
}

static enum cli_result parse_args(int argc, char *const argv[], struct cli_options *o,
                                  FILE *out, char *err, size_t errlen)
{
    cli_defaults(o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || !a[1]) {
            snprintf(err, errlen, "unexpected argument '%s' (try --help)", a);
            return CLI_ERROR;
        }
        bool dashdash = a[1] == '-';
        const char *name = a + (dashdash ? 2 : 1);
        /* --opt=value; QEMU's single-dash options never contain '='. */
        const char *eq = dashdash ? strchr(name, '=') : NULL;
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const struct opt *op = find_opt(name, len);
        /* Messages name the option as the user spelled it ("--stats",
         * "-stats"), up to any '=' (issue 21, item 7). */
        int spelled = (int)(eq ? (size_t)(eq - a) : strlen(a));
        if (!op) {
            snprintf(err, errlen, "unknown option '%s' (try --help)", a);
            return CLI_ERROR;
        }
        const char *arg = NULL;
        if (op->has_arg) {
            if (eq)
                arg = eq + 1;
            else if (i + 1 < argc)
                arg = argv[++i];
            else {
                snprintf(err, errlen, "%.*s: missing argument (try --help)", spelled, a);
                return CLI_ERROR;
            }
            /* An empty command line is a command line (QEMU agrees). */
            if (!*arg && op->id != OPT_APPEND) {
                snprintf(err, errlen, "%.*s: empty argument", spelled, a);
                return CLI_ERROR;
            }
        } else if (eq) {
            snprintf(err, errlen, "-%s takes no argument", op->name);
            return CLI_ERROR;
        }
        enum cli_result r = apply(op, arg, o, out, err, errlen);
        if (r != CLI_RUN)
            return r;
    }
    if (cli_resolve_devices(o, err, errlen) < 0)
        return CLI_ERROR;
    if (o->bios && o->kernel) {
        snprintf(err, errlen, "-kernel boots without firmware: give -bios or -kernel, "
                              "not both");
        return CLI_ERROR;
    }
    if (!o->kernel && (o->append || o->initrd)) {
        snprintf(err, errlen, "-%s needs -kernel", o->append ? "append" : "initrd");
        return CLI_ERROR;
    }
    struct out_path outputs[5 + CLI_MAX_CHARDEVS] = {
        { "-serial file:", o->serial.kind == CLI_CHR_FILE ? o->serial.path : NULL },
        { "-debugcon file:", o->debugcon.kind == CLI_CHR_FILE ? o->debugcon.path : NULL },
        { "-D", o->log_file },
        { "--stats", o->stats_file },
        { "--metrics", o->metrics_file },
    };
    size_t nout = 5;
    for (unsigned i = 0; i < o->nchardevs; i++)
        if (o->chardevs[i].dev.kind == CLI_CHR_FILE)
            outputs[nout++] = (struct out_path){ "-chardev file,path=", o->chardevs[i].dev.path };
    if (out_paths_distinct(outputs, nout, err, errlen) < 0)
        return CLI_ERROR;
    if (o->nographic && o->display.kind != CLI_DISPLAY_DEFAULT &&
        o->display.kind != CLI_DISPLAY_NONE) {
        /* QEMU: "-nographic cannot be used with -display" (a VNC server,
         * -vnc, still can). */
        snprintf(err, errlen, "-nographic cannot be used with -display %s",
                 o->display.kind == CLI_DISPLAY_SDL ? "sdl" : "curses");
        return CLI_ERROR;
    }
    if (o->display.kind == CLI_DISPLAY_CURSES &&
        (o->serial.kind == CLI_CHR_STDIO || o->monitor.kind == CHR_SPEC_STDIO ||
         o->qmp.kind == CHR_SPEC_STDIO || o->debugcon.kind == CLI_CHR_STDIO)) {
        /* The terminal is the screen: serial output would scribble on it. */
        if (o->serial.kind == CLI_CHR_STDIO && !o->serial_set)
            o->serial.kind = CLI_CHR_NULL;
        else {
            snprintf(err, errlen, "-display curses takes the terminal: stdio cannot be used "
                                  "by a character device too");
            return CLI_ERROR;
        }
    }
    if (o->mttcg && o->icount) {
        /* QEMU's words: icount's guest time follows the steps of CPUs
         * that take turns. */
        snprintf(err, errlen, "-accel tcg,thread=multi: No MTTCG when icount is enabled");
        return CLI_ERROR;
    }
    if (o->metrics_interval_ms && !o->metrics_file) {
        snprintf(err, errlen, "--metrics-interval needs --metrics");
        return CLI_ERROR;
    }
    /* One reader of stdin, as QEMU insists ("cannot use stdio by multiple
     * character devices"); the console's C-a c reaches the monitor. */
    if ((o->monitor.kind == CHR_SPEC_STDIO) + (o->qmp.kind == CHR_SPEC_STDIO) +
            (o->serial.kind == CLI_CHR_STDIO) > 1) {
        snprintf(err, errlen, "cannot use stdio by multiple character devices "
                              "(use -serial null, or C-a c on the console)");
        return CLI_ERROR;
    }
    if (o->monitor.kind == CHR_SPEC_UNIX && o->qmp.kind == CHR_SPEC_UNIX &&
        !strcmp(o->monitor.path, o->qmp.path)) {
        snprintf(err, errlen, "-monitor and -qmp need two different sockets");
        return CLI_ERROR;
    }
    if (!o->bios && !o->kernel) {
        /* QEMU's rule: no -bios, no -kernel: the PC's own firmware. */
        o->bios = o->data_dir ? cli_store_path(o, o->data_dir, CLI_DEFAULT_BIOS_NAME)
                              : CLI_DEFAULT_BIOS;
        o->bios_default = true;
        if (!o->bios) {
            snprintf(err, errlen, "-L: directory name too long");
            return CLI_ERROR;
        }
    }
    /* The VGA BIOS, where QEMU's -L finds it (its romfile for -vga std). */
    if (!o->no_vga) {
        o->vga_rom = o->data_dir ? cli_store_path(o, o->data_dir, CLI_VGA_BIOS_NAME)
                                 : CLI_DEFAULT_BIOS_DIR "/" CLI_VGA_BIOS_NAME;
        if (!o->vga_rom) {
            snprintf(err, errlen, "-L: directory name too long");
            return CLI_ERROR;
        }
    }
    return CLI_RUN;
}
