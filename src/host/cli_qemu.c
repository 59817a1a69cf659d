/* QEMU's -chardev, -device, -boot and -option-rom; see cli_qemu.h. */
#include "host/cli_qemu.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* One key=value pair of a QEMU option list. */
struct kv {
    const char *key;    /* NUL terminated, in the store */
    const char *value;  /* NULL for a bare word (no '=') */
};

#define MAX_KV 16

/* Copies `len` bytes of `s` into the store, turning ",," into ",".
 * Returns the copy, or NULL when the store is full. */
static const char *store_copy(struct cli_options *o, const char *s, size_t len)
{
    if (o->store_used + len + 1 > sizeof(o->store))
        return NULL;
    char *d = o->store + o->store_used;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        d[n++] = s[i];
        if (s[i] == ',' && i + 1 < len && s[i + 1] == ',')
            i++;
    }
    d[n] = 0;
    o->store_used += n + 1;
    return d;
}

const char *cli_store_path(struct cli_options *o, const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name);
    if (o->store_used + dl + nl + 2 > sizeof(o->store))
        return NULL;
    char *d = o->store + o->store_used;
    memcpy(d, dir, dl);
    d[dl] = '/';
    memcpy(d + dl + 1, name, nl + 1);
    o->store_used += dl + nl + 2;
    return d;
}

/* Splits "a,b=c,d=e,,f" into pairs (QEMU's QemuOpts syntax: a ",," is a
 * comma inside a value).  Returns the count, or -1 with a message. */
static int split(const char *opt, const char *arg, struct cli_options *o, struct kv *kv,
                 char *err, size_t errlen)
{
    int n = 0;
    const char *p = arg;
    for (;;) {
        /* The end of this element: a single comma. */
        const char *e = p;
        while (*e && !(*e == ',' && e[1] != ',')) {
            if (*e == ',')
                e++;   /* ",," */
            e++;
        }
        if (n == MAX_KV) {
            snprintf(err, errlen, "-%s: too many options in '%s'", opt, arg);
            return -1;
        }
        const char *eq = memchr(p, '=', (size_t)(e - p));
        size_t klen = eq ? (size_t)(eq - p) : (size_t)(e - p);
        if (klen == 0) {
            snprintf(err, errlen, "-%s: empty option name in '%s'", opt, arg);
            return -1;
        }
        kv[n].key = store_copy(o, p, klen);
        kv[n].value = eq ? store_copy(o, eq + 1, (size_t)(e - eq - 1)) : NULL;
        if (!kv[n].key || (eq && !kv[n].value)) {
            snprintf(err, errlen, "-%s: option values too long", opt);
            return -1;
        }
        n++;
        if (!*e)
            return n;
        p = e + 1;
    }
}

/* QEMU's boolean values. */
static int parse_bool(const char *v, bool *b)
{
    if (!v || !strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true")) {
        *b = true;
        return 0;
    }
    if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false")) {
        *b = false;
        return 0;
    }
    return -1;
}

/* A number as QEMU's qemu_strtou64 takes it: decimal, 0x hex or 0 octal. */
static int parse_number(const char *v, long long lo, long long hi, long long *out)
{
    if (!v || !*v || isspace((unsigned char)*v))
        return -1;
    errno = 0;
    char *end;
    long long n = strtoll(v, &end, 0);
    if (errno || *end || n < lo || n > hi)
        return -1;
    *out = n;
    return 0;
}

/* --- -chardev ------------------------------------------------------------- */

enum cli_result cli_parse_chardev_opt(const char *arg, struct cli_options *o, FILE *out,
                                      char *err, size_t errlen)
{
    if (!strcmp(arg, "help")) {
        fputs("Available chardev backend types: file null stdio\n", out);
        return CLI_DONE;
    }
    struct kv kv[MAX_KV];
    int n = split("chardev", arg, o, kv, err, errlen);
    if (n < 0)
        return CLI_ERROR;
    const char *type = kv[0].value ? NULL : kv[0].key;
    if (!type) {
        snprintf(err, errlen, "-chardev: want TYPE,id=ID[,path=FILE], not '%s'", arg);
        return CLI_ERROR;
    }
    struct cli_named_chardev c = { 0 };
    if (!strcmp(type, "file"))
        c.dev.kind = CLI_CHR_FILE;
    else if (!strcmp(type, "stdio"))
        c.dev.kind = CLI_CHR_STDIO;
    else if (!strcmp(type, "null"))
        c.dev.kind = CLI_CHR_NULL;
    else {
        snprintf(err, errlen, "-chardev: backend '%s' is not supported (file, stdio, null)",
                 type);
        return CLI_ERROR;
    }
    for (int i = 1; i < n; i++) {
        if (!kv[i].value) {
            snprintf(err, errlen, "-chardev: '%s' needs a value (%s=...)", kv[i].key,
                     kv[i].key);
            return CLI_ERROR;
        }
        if (!strcmp(kv[i].key, "id")) {
            c.id = kv[i].value;
        } else if (!strcmp(kv[i].key, "path") && c.dev.kind == CLI_CHR_FILE) {
            c.dev.path = kv[i].value;
        } else {
            snprintf(err, errlen, "-chardev: %s: unknown option '%s'", type, kv[i].key);
            return CLI_ERROR;
        }
    }
    if (!c.id || !*c.id) {
        snprintf(err, errlen, "-chardev: %s: an id=ID is needed", type);
        return CLI_ERROR;
    }
    if (c.dev.kind == CLI_CHR_FILE && (!c.dev.path || !*c.dev.path)) {
        snprintf(err, errlen, "-chardev: file: a path=FILE is needed");
        return CLI_ERROR;
    }
    for (unsigned i = 0; i < o->nchardevs; i++)
        if (!strcmp(o->chardevs[i].id, c.id)) {
            snprintf(err, errlen, "-chardev: duplicate chardev id '%s'", c.id);
            return CLI_ERROR;
        }
    if (o->nchardevs >= CLI_MAX_CHARDEVS) {
        snprintf(err, errlen, "-chardev: at most %d character devices", CLI_MAX_CHARDEVS);
        return CLI_ERROR;
    }
    o->chardevs[o->nchardevs++] = c;
    return CLI_RUN;
}

/* --- -device -------------------------------------------------------------- */

static enum cli_result isa_debugcon(struct kv *kv, int n, struct cli_options *o, char *err,
                                    size_t errlen)
{
    struct cli_isa_debugcon d = { .iobase = 0xE9 };
    for (int i = 1; i < n; i++) {
        long long v;
        if (!kv[i].value) {
            snprintf(err, errlen, "-device isa-debugcon: '%s' needs a value", kv[i].key);
            return CLI_ERROR;
        }
        if (!strcmp(kv[i].key, "iobase")) {
            if (parse_number(kv[i].value, 0, 0xFFFF, &v) < 0) {
                snprintf(err, errlen, "-device isa-debugcon: iobase: want a port from 0 to "
                                      "0xffff, not '%s'", kv[i].value);
                return CLI_ERROR;
            }
            d.iobase = (uint16_t)v;
        } else if (!strcmp(kv[i].key, "chardev")) {
            d.chardev_id = kv[i].value;
        } else if (!strcmp(kv[i].key, "readback")) {
            /* QEMU's default is the only value a guest can rely on. */
            if (parse_number(kv[i].value, 0, 0xFFFFFFFF, &v) < 0 || v != 0xE9) {
                snprintf(err, errlen, "-device isa-debugcon: readback: only 0xe9 is "
                                      "supported, not '%s'", kv[i].value);
                return CLI_ERROR;
            }
        } else {
            snprintf(err, errlen, "-device isa-debugcon: unknown property '%s' (iobase, "
                                  "chardev)", kv[i].key);
            return CLI_ERROR;
        }
    }
    if (!d.chardev_id) {
        snprintf(err, errlen, "-device isa-debugcon: a chardev=ID is needed (with "
                              "-chardev TYPE,id=ID)");
        return CLI_ERROR;
    }
    if (o->nisa_debugcons >= CLI_MAX_DEVICES) {
        snprintf(err, errlen, "-device isa-debugcon: at most %d of them", CLI_MAX_DEVICES);
        return CLI_ERROR;
    }
    o->isa_debugcons[o->nisa_debugcons++] = d;
    return CLI_RUN;
}

/* The devices -device knows: the table to extend. */
static const struct {
    const char *name;
    enum cli_result (*parse)(struct kv *kv, int n, struct cli_options *o, char *err,
                             size_t errlen);
    const char *help;
} devices[] = {
    { "isa-debugcon", isa_debugcon, "iobase=PORT (default 0xe9),chardev=ID" },
};

enum cli_result cli_parse_device_opt(const char *arg, struct cli_options *o, FILE *out,
                                     char *err, size_t errlen)
{
    if (!strcmp(arg, "help")) {
        fputs("Devices (-device NAME,PROPERTY=VALUE...):\n", out);
        for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
            fprintf(out, "  %s  %s\n", devices[i].name, devices[i].help);
        return CLI_DONE;
    }
    struct kv kv[MAX_KV];
    int n = split("device", arg, o, kv, err, errlen);
    if (n < 0)
        return CLI_ERROR;
    for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
        if (!kv[0].value && !strcmp(kv[0].key, devices[i].name))
            return devices[i].parse(kv, n, o, err, errlen);
    snprintf(err, errlen, "-device: '%s' is not a device plex86 has (try -device help)",
             kv[0].key);
    return CLI_ERROR;
}

int cli_resolve_devices(struct cli_options *o, char *err, size_t errlen)
{
    for (unsigned i = 0; i < o->nisa_debugcons; i++) {
        struct cli_isa_debugcon *d = &o->isa_debugcons[i];
        unsigned k;
        for (k = 0; k < o->nchardevs; k++)
            if (!strcmp(o->chardevs[k].id, d->chardev_id))
                break;
        if (k == o->nchardevs) {
            snprintf(err, errlen, "-device isa-debugcon: chardev '%s' not found",
                     d->chardev_id);
            return -1;
        }
        if (o->chardevs[k].used) {
            snprintf(err, errlen, "-device isa-debugcon: chardev '%s' is already in use",
                     d->chardev_id);
            return -1;
        }
        o->chardevs[k].used = true;
        d->chardev = k;
    }
    return 0;
}

/* --- -boot ---------------------------------------------------------------- */

/* QEMU's validate_bootdevices: letters a-p, none twice (the board then
 * takes only those a PC has: pc_cmos_boot_order). */
static int valid_drives(const char *key, const char *v, char *err, size_t errlen)
{
    unsigned seen = 0;
    for (const char *p = v; *p; p++) {
        if (*p < 'a' || *p > 'p') {
            snprintf(err, errlen, "-boot %s: Invalid boot device '%c'", key,
                     isprint((unsigned char)*p) ? *p : '?');
            return -1;
        }
        if (seen & (1u << (*p - 'a'))) {
            snprintf(err, errlen, "-boot %s: Boot device '%c' was given twice", key, *p);
            return -1;
        }
        seen |= 1u << (*p - 'a');
    }
    return 0;
}

enum cli_result cli_parse_boot_opt(const char *arg, struct cli_options *o, char *err,
                                   size_t errlen)
{
    struct kv kv[MAX_KV];
    int n = split("boot", arg, o, kv, err, errlen);
    if (n < 0)
        return CLI_ERROR;
    struct cli_boot *b = &o->boot;
    for (int i = 0; i < n; i++) {
        const char *k = kv[i].key, *v = kv[i].value;
        long long num;
        /* A bare first word is the order (QEMU's implied "order="). */
        if (i == 0 && !v) {
            v = k;
            k = "order";
        }
        if (!strcmp(k, "order") || !strcmp(k, "once")) {
            if (!v || valid_drives(k, v, err, errlen) < 0) {
                if (!v)
                    snprintf(err, errlen, "-boot %s: want drive letters (e.g. cd)", k);
                return CLI_ERROR;
            }
            *(!strcmp(k, "order") ? &b->order : &b->once) = v;
        } else if (!strcmp(k, "menu") || !strcmp(k, "strict")) {
            if (parse_bool(v, !strcmp(k, "menu") ? &b->menu : &b->strict) < 0) {
                snprintf(err, errlen, "-boot %s: want on or off, not '%s'", k, v);
                return CLI_ERROR;
            }
        } else if (!strcmp(k, "splash-time")) {
            if (parse_number(v, 0, 0xFFFF, &num) < 0) {
                snprintf(err, errlen, "-boot splash-time: want milliseconds from 0 to 65535, "
                                      "not '%s'", v ? v : "");
                return CLI_ERROR;
            }
            b->has_splash_time = true;
            b->splash_time = (uint16_t)num;
        } else if (!strcmp(k, "reboot-timeout")) {
            if (parse_number(v, -1, 0xFFFF, &num) < 0) {
                snprintf(err, errlen, "-boot reboot-timeout: want milliseconds from -1 to "
                                      "65535, not '%s'", v ? v : "");
                return CLI_ERROR;
            }
            b->has_reboot_timeout = true;
            b->reboot_timeout = (int32_t)num;
        } else if (!strcmp(k, "splash")) {
            snprintf(err, errlen, "-boot splash: a splash picture needs a display, which "
                                  "plex86 does not have yet");
            return CLI_ERROR;
        } else {
            snprintf(err, errlen, "-boot: unknown option '%s' (order, once, menu, "
                                  "splash-time, reboot-timeout, strict)", k);
            return CLI_ERROR;
        }
    }
    return CLI_RUN;
}

/* --- -option-rom ------------------------------------------------------------ */

enum cli_result cli_parse_option_rom(const char *arg, struct cli_options *o, char *err,
                                     size_t errlen)
{
    struct kv kv[MAX_KV];
    int n = split("option-rom", arg, o, kv, err, errlen);
    if (n < 0)
        return CLI_ERROR;
    if (kv[0].value || n > 1) {
        snprintf(err, errlen, "-option-rom: want a file name (properties such as bootindex= "
                              "are not supported), not '%s'", arg);
        return CLI_ERROR;
    }
    if (o->noption_roms >= CLI_MAX_OPTION_ROMS) {
        snprintf(err, errlen, "-option-rom: at most %d option ROMs", CLI_MAX_OPTION_ROMS);
        return CLI_ERROR;
    }
    o->option_roms[o->noption_roms++] = kv[0].key;
    return CLI_RUN;
}
