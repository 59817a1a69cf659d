/* The command line: QEMU-style single-dash options (the double-dash spelling
 * and --opt=value are accepted too), parsed into a struct with no global
 * state so that tests can call the parser directly.  Opening files and
 * building the machine is main.c's job; the parser only checks syntax. */
#ifndef PLEX86_HOST_CLI_H
#define PLEX86_HOST_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "block/block_open.h"
#include "cpu/cpu.h"
#include "cpu/topo.h"
#include "host/chardev_sock.h"
#include "host/cli_display.h"
#include "machine/vm.h"

#define CLI_DEFAULT_RAM_MB 128  /* as QEMU; Debian's kernel needs ~40 */
#define CLI_MAX_RAM_MB VM_MAX_RAM_MB /* the VM's own limit */
#define CLI_MAX_CPUS VM_MAX_CPUS     /* -smp */

/* Process exit statuses (README.md, "Exit status").  Debug-exit statuses are
 * (V << 1) | 1, always odd, so plex86's own are even. */
enum {
    EXIT_STATUS_OK = 0,        /* halted, stopped by -max-insns, or -no-reboot */
    EXIT_STATUS_USAGE = 2,     /* bad options or input files */
    EXIT_STATUS_INTERNAL = 4,  /* plex86 itself failed */
    EXIT_STATUS_SHUTDOWN = 6,  /* triple fault or reset without -no-reboot */
};

/* Where a character device's output goes (-serial, -debugcon). */
enum cli_chardev_kind {
    CLI_CHR_NONE,   /* no device at all (its ports read all ones) */
    CLI_CHR_NULL,   /* the device, with its output dropped */
    CLI_CHR_STDIO,
    CLI_CHR_FILE,
};
struct cli_chardev {
    enum cli_chardev_kind kind;
    const char *path;          /* CLI_CHR_FILE: into argv or the store */
};

/* The firmware plex86 boots when neither -bios nor -kernel is given:
 * Debian's SeaBIOS for QEMU's i440FX machine (package "seabios"). */
#ifndef CLI_DEFAULT_BIOS_DIR
#define CLI_DEFAULT_BIOS_DIR "/usr/share/seabios"
#endif
#define CLI_DEFAULT_BIOS_NAME "bios-256k.bin"
#define CLI_DEFAULT_BIOS CLI_DEFAULT_BIOS_DIR "/" CLI_DEFAULT_BIOS_NAME
#define CLI_DEFAULT_BIOS_PACKAGE "seabios"
/* The VGA BIOS of -vga std, beside the default firmware (same package). */
#define CLI_VGA_BIOS_NAME "vgabios-stdvga.bin"

#define CLI_MAX_CHARDEVS 8
#define CLI_MAX_DEVICES 4          /* -device isa-debugcon (pc.h's limit) */
#define CLI_MAX_OPTION_ROMS 8
#define CLI_STORE_SIZE 4096

/* -chardev TYPE,id=ID[,path=FILE]: null, stdio or file. */
struct cli_named_chardev {
    const char *id;
    struct cli_chardev dev;
    bool used;                 /* a device took it (one each, as QEMU) */
};

/* -device isa-debugcon,iobase=PORT,chardev=ID. */
struct cli_isa_debugcon {
    uint16_t iobase;           /* QEMU's default 0xe9 */
    const char *chardev_id;
    unsigned chardev;          /* index in chardevs, after resolving */
};

/* -boot, in QEMU's terms (pc.h's pc_config has the meanings). */
struct cli_boot {
    const char *order, *once;  /* NULL: not given */
    bool menu, strict;
    bool has_splash_time;
    uint16_t splash_time;
    bool has_reboot_timeout;
    int32_t reboot_timeout;    /* -1 or 0-65535 */
};

/* Drive slots (host/cli_drive.h): IDE index 0-3 (primary master, primary
 * slave, secondary master, secondary slave), floppy 0-1.  The slots
 * together are numbered 0-5 (IDE, then floppy) in the accounting. */
#define CLI_IDE_DRIVES 4
#define CLI_FLOPPY_DRIVES 2
#define CLI_DRIVES (CLI_IDE_DRIVES + CLI_FLOPPY_DRIVES)
#define CLI_DRIVE_PATH_MAX 4096
#define CLI_DRIVE_ID_MAX 32

struct cli_drive {
    bool present;
    bool cdrom;                /* media=cdrom (IDE only): read-only */
    bool has_file;             /* false: a CD drive with no disc */
    char file[CLI_DRIVE_PATH_MAX]; /* the image (-drive's ",," undone) */
    char id[CLI_DRIVE_ID_MAX]; /* id=, or "": QEMU's name (ide0-hd0 ...) */
    enum block_format format;  /* BLOCK_FORMAT_PROBE unless format= */
    enum block_cache cache;
    bool read_only;            /* readonly=on */
    bool snapshot;             /* snapshot=on (-snapshot: cli_options) */
    const char *opt;           /* the option that made it ("hda", "drive") */
    const char *arg;           /* its argument (points into argv) */
};

/* -d items. */
enum {
    CLI_LOG_POST = 1u << 0,    /* print POST codes as they are written */
    CLI_LOG_EXIT = 1u << 1,    /* print why the VM stopped */
};

struct cli_options {
    const char *bios;          /* -bios FILE, the default firmware, or NULL */
    bool bios_default;         /* bios is the default firmware: neither -bios
                                  nor -kernel was given */
    const char *data_dir;      /* -L DIR: where the default firmware is
                                  (CLI_DEFAULT_BIOS_NAME); NULL: the
                                  default, CLI_DEFAULT_BIOS_DIR */
    const char *kernel;        /* -kernel FILE (Multiboot), or NULL */
    const char *append;        /* -append STRING, or NULL */
    const char *initrd;        /* -initrd FILE, or NULL */
    uint32_t ram_mb;           /* -m */
    unsigned cpus;             /* -smp: 1..CLI_MAX_CPUS */
    struct cpu_topo smp;       /* -smp's topology (cpus == smp.cpus) */
    const struct cpu_model *cpu; /* -cpu (cpu/cpu_model.h) */
    bool nographic;            /* -nographic: no display, serial on stdio */
    struct cli_display display;/* -display, -vnc (host/cli_display.h) */
    bool no_apic;              /* -cpu MODEL,-apic: no APICs or HPET (issue 19) */
    bool no_vga;               /* -vga none (default: -vga std) */
    const char *screendump_at_exit; /* -screendump-at-exit FILE, or NULL */
    const char *vga_rom;       /* the VGA BIOS (CLI_VGA_BIOS_NAME in -L's
                                  directory), NULL with -vga none */
    bool no_reboot;            /* -no-reboot */
    struct cli_chardev serial;   /* -serial, default stdio */
    bool serial_set;             /* -serial was given */
    struct cli_chardev debugcon; /* -debugcon, default none */
    struct chardev_spec monitor; /* -monitor: the human monitor (docs/monitor.md) */
    struct chardev_spec qmp;     /* -qmp: QMP */
    bool start_stopped;        /* -S: paused until the monitor's `cont` */
    unsigned log_items;        /* -d, CLI_LOG_* bits */
    const char *log_file;      /* -D FILE, or NULL for stderr */
    uint64_t max_insns;        /* -max-insns, 0 = no limit */
    unsigned sbe_depth;        /* -sbe-depth (with sbe_depth_set) */
    bool sbe_depth_set;
    bool no_code_cache;        /* -no-code-cache */
    bool interp_only;          /* -engine interp */
    bool icount;               /* -icount shift=N: deterministic time */
    unsigned icount_shift;
    bool mttcg;                /* -accel tcg,thread=multi: a host thread per
                                  CPU (default single: they take turns) */
    bool rtc_base_set;         /* -rtc base=DATE (else the host's time) */
    int64_t rtc_base_s;
    /* Accounting (docs/accounting.md).  Built with PLEX86_ACCOUNTING=OFF,
     * --stats, --metrics and --metrics-interval are usage errors and -name
     * is accepted and ignored. */
    const char *name;          /* -name NAME: labels the accounting, or NULL */
    const char *stats_file;    /* --stats FILE: JSON when the VM ends */
    const char *metrics_file;  /* --metrics FILE: Prometheus text file */
    uint32_t metrics_interval_ms; /* --metrics-interval; 0 = the default */
    /* Snapshots (docs/snapshots.md). */
    const char *loadvm;        /* -loadvm FILE: start from it, or NULL */
    const char *savevm_path;   /* -savevm-at N,FILE: save to FILE ... */
    uint64_t savevm_at;        /* ... when cpu_steps() reaches N */
    /* QEMU's devices and firmware settings (host/cli_qemu.h). */
    struct cli_named_chardev chardevs[CLI_MAX_CHARDEVS];
    unsigned nchardevs;
    struct cli_isa_debugcon isa_debugcons[CLI_MAX_DEVICES];
    unsigned nisa_debugcons;
    struct cli_boot boot;
    const char *option_roms[CLI_MAX_OPTION_ROMS];
    unsigned noption_roms;
    /* Strings cut out of option values (ids, paths), NUL terminated. */
    char store[CLI_STORE_SIZE];
    size_t store_used;
    /* Drives (host/cli_drive.h). */
    struct cli_drive ide[CLI_IDE_DRIVES], floppy[CLI_FLOPPY_DRIVES];
    bool snapshot;             /* -snapshot: every drive's writes to an overlay */
};

#define CLI_DEFAULT_METRICS_INTERVAL_MS 10000
#define CLI_MIN_METRICS_INTERVAL_MS 100
#define CLI_MAX_METRICS_INTERVAL_MS 86400000u

enum cli_result {
    CLI_RUN,     /* options are good: build the VM and run it */
    CLI_DONE,    /* a request answered (--help, -version, -cpu help, -d help):
                    exit with status 0 */
    CLI_ERROR,   /* usage error, message in err: exit with status 2 */
};

/* Fills `o` from argv[1..argc-1].  Help and version texts go to `out`.
 * On CLI_ERROR, `err` holds one line (no "plex86:" prefix, no newline). */
enum cli_result cli_parse(int argc, char *const argv[], struct cli_options *o,
                          FILE *out, char *err, size_t errlen);

/* Sets the defaults (what cli_parse starts from). */
void cli_defaults(struct cli_options *o);

/* Parses --metrics-interval: seconds, with up to 3 decimals ("10", "0.5"),
 * into milliseconds.  Returns 0 or -1.  Exposed for tests. */
int cli_parse_interval_ms(const char *s, uint32_t *ms);

/* Parses a RAM size: a number of MiB, or with an M/G suffix.  Returns 0 or
 * -1.  Exposed for tests. */
int cli_parse_size_mb(const char *s, uint32_t *mb);

void cli_usage(FILE *out);

#endif
