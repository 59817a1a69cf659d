/* The drive options; see cli_drive.h.  Slots are given out as QEMU's
 * drive_new() does (blockdev.c): index=N is bus N / units-per-bus, unit N
 * % units-per-bus; without index or unit, the first free unit from the
 * given bus on; options are taken in command-line order, so a -hda after
 * a -drive that took index 0 finds it taken, as in QEMU. */
#include "host/cli_drive.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum drive_if { IF_IDE, IF_FLOPPY };

static const struct if_shape {
    const char *name;
    unsigned buses, units;     /* units per bus */
} shapes[] = {
    [IF_IDE] = { "ide", 2, 2 },
    [IF_FLOPPY] = { "floppy", 1, 2 },
};

/* What one -drive says, before it has a slot. */
struct drive_spec {
    enum drive_if iface;
    long index, bus, unit;     /* -1: not given */
    struct cli_drive d;
    char item[CLI_DRIVE_PATH_MAX + 64]; /* one key=value, unescaped */
};

static struct cli_drive *slot_of(struct cli_options *o, enum drive_if iface, unsigned i)
{
    return iface == IF_IDE ? &o->ide[i] : &o->floppy[i];
}

void cli_drive_default_name(unsigned slot, bool cdrom, char *out, size_t outlen)
{
    if (slot < CLI_IDE_DRIVES)
        snprintf(out, outlen, "ide%u-%s%u", slot / 2, cdrom ? "cd" : "hd", slot % 2);
    else
        snprintf(out, outlen, "floppy%u", slot - CLI_IDE_DRIVES);
}

#define FAIL(...)                                                              \
    do {                                                                       \
        char why_[600];                                                        \
        snprintf(why_, sizeof(why_), __VA_ARGS__);                             \
        snprintf(err, errlen, "-%s %s: %s", opt, arg, why_);                   \
        return CLI_ERROR;                                                      \
    } while (0)

/* QEMU's booleans (qapi_bool_parse). */
static int parse_bool(const char *v, bool *b)
{
    if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "y"))
        *b = true;
    else if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "n"))
        *b = false;
    else
        return -1;
    return 0;
}

static int parse_number(const char *v, long *n)
{
    if (!isdigit((unsigned char)*v))
        return -1;
    errno = 0;
    char *end;
    unsigned long x = strtoul(v, &end, 10);
    if (*end || errno || x > 1000000)
        return -1;
    *n = (long)x;
    return 0;
}

/* QEMU's identifiers (id_wellformed): a letter, then letters, digits,
 * '-', '.', '_'. */
static bool id_ok(const char *s)
{
    if (!isalpha((unsigned char)*s))
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '.' && *s != '_')
            return false;
    return true;
}

/* One key=value of a -drive. */
static enum cli_result drive_key(struct drive_spec *sp, const char *key, const char *v,
                                 const char *opt, const char *arg, char *err, size_t errlen)
{
    struct cli_drive *d = &sp->d;
    long *num = !strcmp(key, "index") ? &sp->index
                : !strcmp(key, "bus") ? &sp->bus
                : !strcmp(key, "unit") ? &sp->unit : NULL;
    bool *flag = !strcmp(key, "readonly") || !strcmp(key, "read-only") ? &d->read_only
                 : !strcmp(key, "snapshot") ? &d->snapshot : NULL;
    if (!strcmp(key, "file")) {
        if (strlen(v) >= sizeof(d->file))
            FAIL("file name longer than %d bytes", CLI_DRIVE_PATH_MAX - 1);
        snprintf(d->file, sizeof(d->file), "%s", v);
        d->has_file = *v != 0;
    } else if (num) {
        if (parse_number(v, num) < 0)
            FAIL("Parameter '%.20s' expects a number", key);
    } else if (flag) {
        if (parse_bool(v, flag) < 0)
            FAIL("Parameter '%.20s' expects 'on' or 'off'", key);
    } else if (!strcmp(key, "if")) {
        if (!strcmp(v, "ide"))
            sp->iface = IF_IDE;
        else if (!strcmp(v, "floppy"))
            sp->iface = IF_FLOPPY;
        else if (!strcmp(v, "virtio") || !strcmp(v, "scsi") || !strcmp(v, "sd") ||
                 !strcmp(v, "pflash") || !strcmp(v, "mtd") || !strcmp(v, "none") ||
                 !strcmp(v, "xen"))
            FAIL("if=%.100s is not supported yet (plex86 has if=ide and if=floppy)", v);
        else
            FAIL("unsupported bus type '%.100s'", v);
    } else if (!strcmp(key, "media")) {
        if (!strcmp(v, "disk"))
            d->cdrom = false;
        else if (!strcmp(v, "cdrom"))
            d->cdrom = true;
        else
            FAIL("'%.100s' invalid media", v);
    } else if (!strcmp(key, "format")) {
        if (!strcmp(v, "raw"))
            d->format = BLOCK_FORMAT_RAW;
        else if (!strcmp(v, "qcow2"))
            d->format = BLOCK_FORMAT_QCOW2;
        else
            FAIL("format '%.100s' is not supported (raw or qcow2; qemu-img convert makes "
                 "either)", v);
    } else if (!strcmp(key, "cache")) {
        if (block_parse_cache(v, &d->cache) < 0)
            FAIL("invalid cache option '%.100s' (writeback, writethrough, none, directsync, "
                 "unsafe)", v);
    } else if (!strcmp(key, "id")) {
        if (!id_ok(v) || strlen(v) >= sizeof(d->id))
            FAIL("Parameter 'id' expects an identifier (a letter, then letters, digits, "
                 "'-', '.', '_'; at most %d)", CLI_DRIVE_ID_MAX - 1);
        snprintf(d->id, sizeof(d->id), "%s", v);
    } else {
        static const char *const qemu_only[] = {
            "aio", "discard", "werror", "rerror", "serial", "copy-on-read", "detect-zeroes",
            "cyls", "heads", "secs", "trans", "addr", "boot", "node-name", "driver",
            "locking", "auto-read-only", "force-share", "bps", "iops", NULL,
        };
        for (const char *const *k = qemu_only; *k; k++)
            if (!strcmp(key, *k) || !strncmp(key, "throttling.", 11))
                FAIL("option '%.100s' is not supported by plex86", key);
        FAIL("unknown option '%.100s' (plex86 knows file, if, index, bus, unit, media, format, "
             "readonly, cache, snapshot, id)", key);
    }
    return CLI_RUN;
}

/* Splits "k=v,k=v" with QEMU's ",," for a comma inside a value. */
static enum cli_result parse_drive(struct drive_spec *sp, const char *opt, const char *arg,
                                   char *err, size_t errlen)
{
    const char *p = arg;
    char *item = sp->item;
    const size_t size = sizeof(sp->item);
    while (*p) {
        size_t n = 0;
        for (; *p; p++) {
            if (*p == ',') {
                if (p[1] != ',')
                    break;
                p++; /* ",," is one comma */
            }
            if (n + 1 >= size)
                FAIL("an option is longer than %zu bytes", size - 1);
            item[n++] = *p;
        }
        item[n] = 0;
        if (*p == ',')
            p++;
        char *eq = strchr(item, '=');
        if (!eq)
            FAIL("want KEY=VALUE, not '%.100s'", item);
        *eq = 0;
        if (!item[0])
            FAIL("an option has no name ('=%.100s')", eq + 1);
        if (drive_key(sp, item, eq + 1, opt, arg, err, errlen) != CLI_RUN)
            return CLI_ERROR;
    }
    return CLI_RUN;
}

/* Finds the slot (QEMU's drive_new) and fills it. */
static enum cli_result place(struct cli_options *o, struct drive_spec *sp, const char *opt,
                             const char *arg, char *err, size_t errlen)
{
    const struct if_shape *sh = &shapes[sp->iface];
    long bus = sp->bus < 0 ? 0 : sp->bus, unit = sp->unit;
    if (sp->index >= 0) {
        if (sp->bus > 0 || sp->unit >= 0)
            FAIL("index cannot be used with bus and unit");
        bus = sp->index / (long)sh->units;
        unit = sp->index % (long)sh->units;
    }
    if (unit >= (long)sh->units)
        FAIL("unit %ld too big (max is %u)", unit, sh->units - 1);
    if (unit < 0) {
        /* The first free unit from this bus on. */
        unit = 0;
        while (bus < (long)sh->buses &&
               slot_of(o, sp->iface, (unsigned)(bus * (long)sh->units + unit))->present) {
            if (++unit == (long)sh->units) {
                unit = 0;
                bus++;
            }
        }
    }
    if (bus >= (long)sh->buses)
        FAIL("machine type does not support if=%s,bus=%ld,unit=%ld (%s: index 0-%u)",
             sh->name, bus, unit, sh->name, sh->buses * sh->units - 1);
    unsigned index = (unsigned)(bus * (long)sh->units + unit);
    struct cli_drive *slot = slot_of(o, sp->iface, index);
    if (slot->present)
        FAIL("drive with bus=%ld, unit=%ld (index=%u) exists", bus, unit, index);
    struct cli_drive *d = &sp->d;
    if (d->cdrom && sp->iface != IF_IDE)
        FAIL("media=cdrom needs if=ide");
    if (!d->has_file && !d->cdrom)
        FAIL("%s needs an image (file=FILE); only a CD drive may be empty",
             sp->iface == IF_IDE ? "a disk" : "a floppy drive");
    /* A drive's name is its id, or QEMU's name for its slot (which is
     * QEMU's id for it): no two alike. */
    unsigned pos = sp->iface == IF_IDE ? index : CLI_IDE_DRIVES + index;
    char mine[CLI_DRIVE_ID_MAX], theirs[CLI_DRIVE_ID_MAX];
    if (d->id[0])
        snprintf(mine, sizeof(mine), "%s", d->id);
    else
        cli_drive_default_name(pos, d->cdrom, mine, sizeof(mine));
    for (unsigned i = 0; i < CLI_DRIVES; i++) {
        const struct cli_drive *x = i < CLI_IDE_DRIVES ? &o->ide[i]
                                                       : &o->floppy[i - CLI_IDE_DRIVES];
        if (!x->present)
            continue;
        if (x->id[0])
            snprintf(theirs, sizeof(theirs), "%s", x->id);
        else
            cli_drive_default_name(i, x->cdrom, theirs, sizeof(theirs));
        if (!strcmp(mine, theirs))
            FAIL("Duplicate ID '%s' for drive", mine);
    }
    d->present = true;
    d->opt = opt;
    d->arg = arg;
    *slot = *d;
    return CLI_RUN;
}

enum cli_result cli_drive_option(struct cli_options *o, const char *opt, const char *arg,
                                 char *err, size_t errlen)
{
    struct drive_spec *sp = calloc(1, sizeof(*sp));
    if (!sp) {
        snprintf(err, errlen, "-%s: out of memory", opt);
        return CLI_ERROR;
    }
    *sp = (struct drive_spec){ .iface = IF_IDE, .index = -1, .bus = -1, .unit = -1,
                               .d.format = BLOCK_FORMAT_PROBE,
                               .d.cache = BLOCK_CACHE_WRITEBACK };
    enum cli_result r = CLI_RUN;
    if (!strcmp(opt, "drive")) {
        r = parse_drive(sp, opt, arg, err, errlen);
    } else {
        /* -hda FILE and friends: the name is taken whole, commas and all
         * (QEMU sets file= directly for them). */
        if (strlen(arg) >= sizeof(sp->d.file)) {
            snprintf(err, errlen, "-%s: file name longer than %d bytes", opt,
                     CLI_DRIVE_PATH_MAX - 1);
            r = CLI_ERROR;
        }
        snprintf(sp->d.file, sizeof(sp->d.file), "%s", arg);
        sp->d.has_file = true;
        if (!strcmp(opt, "cdrom")) {
            sp->index = 2;
            sp->d.cdrom = true;
        } else if (!strncmp(opt, "fd", 2)) {
            sp->iface = IF_FLOPPY;
            sp->index = opt[2] - 'a';
        } else {
            sp->index = opt[2] - 'a'; /* hda..hdd */
        }
    }
    if (r == CLI_RUN)
        r = place(o, sp, opt, arg, err, errlen);
    free(sp);
    return r;
}
