/* The run's drives; see drives.h. */
#define _GNU_SOURCE 1 /* open_memstream */
#include "host/drives.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "block/block.h"
#include "block/block_open.h"
#include "host/cli_drive.h"
#include "pc/pc.h"

static const struct cli_drive *cli_slot(const struct cli_options *o, unsigned i)
{
    return i < CLI_IDE_DRIVES ? &o->ide[i] : &o->floppy[i - CLI_IDE_DRIVES];
}

static void close_all(struct drives *dv)
{
    for (unsigned i = 0; i < CLI_DRIVES; i++) {
        block_close(dv->d[i].block);
        dv->d[i].block = NULL;
    }
}

int drives_open(struct drives *dv, const struct cli_options *o, char *err, size_t errlen)
{
    *dv = (struct drives){ 0 };
    /* Warnings wait until every drive is open: a failing start-up says
     * one line. */
    char *text = NULL;
    size_t tlen = 0;
    FILE *held = open_memstream(&text, &tlen);
    for (unsigned i = 0; i < CLI_DRIVES; i++) {
        const struct cli_drive *c = cli_slot(o, i);
        struct drive *d = &dv->d[i];
        if (!c->present)
            continue;
        d->present = true;
        d->cdrom = c->cdrom;
        d->floppy = i >= CLI_IDE_DRIVES;
        d->cache = c->cache;
        if (c->id[0])
            snprintf(d->name, sizeof(d->name), "%s", c->id);
        else
            cli_drive_default_name(i, c->cdrom, d->name, sizeof(d->name));
        if (!c->has_file)
            continue; /* a CD drive with no disc */
        d->path = c->file;
        struct block_options bo = {
            .path = c->file, .format = c->format,
            .media = c->cdrom ? BLOCK_MEDIA_CDROM : BLOCK_MEDIA_DISK,
            .read_only = c->read_only, .snapshot = c->snapshot || o->snapshot,
            .cache = c->cache, .warn = held,
        };
        char why[1024];
        d->block = block_open(&bo, why, sizeof(why));
        if (!d->block) {
            /* "-hda PATH: why" would say the path twice: the message
             * starts with it. */
            if (!strcmp(c->opt, "drive"))
                snprintf(err, errlen, "-drive %s: %s", c->arg, why);
            else
                snprintf(err, errlen, "-%s %s", c->opt, why);
            close_all(dv);
            if (held)
                fclose(held);
            free(text);
            return -1;
        }
    }
    if (held)
        fclose(held);
    if (text && tlen)
        dv->warnings = text;
    else
        free(text);
    return 0;
}

void drives_print_warnings(struct drives *dv, FILE *out)
{
    if (dv->warnings)
        fputs(dv->warnings, out);
    free(dv->warnings);
    dv->warnings = NULL;
}

bool drives_any(const struct drives *dv)
{
    for (unsigned i = 0; i < CLI_DRIVES; i++)
        if (dv->d[i].block)
            return true;
    return false;
}

void drives_to_config(const struct drives *dv, struct pc_config *cfg)
{
    for (unsigned i = 0; i < CLI_DRIVES; i++) {
        const struct drive *d = &dv->d[i];
        struct pc_drive *p = i < CLI_IDE_DRIVES ? &cfg->ide[i]
                                                : &cfg->floppy[i - CLI_IDE_DRIVES];
        *p = (struct pc_drive){ .present = d->present, .cdrom = d->cdrom, .block = d->block };
    }
}

void drives_register_images(const struct drives *dv, struct pc *pc)
{
    pc->nimages = 0;
    for (unsigned i = 0; i < CLI_DRIVES && pc->nimages < PC_MAX_IMAGES; i++)
        if (dv->d[i].block && dv->d[i].path)
            pc->image_paths[pc->nimages++] = dv->d[i].path;
}

int drives_flush(struct drives *dv, FILE *msg)
{
    int rc = 0;
    for (unsigned i = 0; i < CLI_DRIVES; i++) {
        struct drive *d = &dv->d[i];
        if (!d->block || block_is_read_only(d->block))
            continue;
        int r = block_flush(d->block);
        if (r < 0) {
            if (msg)
                fprintf(msg, "plex86: %s (%s): flush failed: %s: written data may be lost\n",
                        d->name, block_name(d->block), strerror(-r));
            rc = -1;
        }
    }
    return rc;
}

int drives_close(struct drives *dv, FILE *msg)
{
    int rc = drives_flush(dv, msg);
    close_all(dv);
    free(dv->warnings);
    dv->warnings = NULL;
    return rc;
}

struct drive *drives_find(struct drives *dv, const char *name)
{
    for (unsigned i = 0; i < CLI_DRIVES; i++)
        if (dv->d[i].present && !strcmp(dv->d[i].name, name))
            return &dv->d[i];
    return NULL;
}

static int commit_one(struct drive *d, const char *label, FILE *out, uint64_t *bytes)
{
    char why[600];
    uint64_t n = 0;
    int r = block_commit(d->block, &n, why, sizeof(why));
    *bytes += n;
    if (r < 0 && out)
        fprintf(out, "'commit' error for '%s': %s (%s)\n", label, strerror(-r), why);
    return r;
}

int drives_commit(struct drives *dv, const char *name, FILE *out, uint64_t *bytes)
{
    uint64_t dummy = 0;
    if (!bytes)
        bytes = &dummy;
    *bytes = 0;
    if (name && strcmp(name, "all")) {
        struct drive *d = drives_find(dv, name);
        if (!d) {
            if (out)
                fprintf(out, "Device '%s' not found\n", name);
            return -1;
        }
        if (!d->block) {
            if (out)
                fprintf(out, "'commit' error for '%s': %s (no medium)\n", name,
                        strerror(ENOMEDIUM));
            return -1;
        }
        return commit_one(d, name, out, bytes) < 0 ? -1 : 0;
    }
    /* `commit all`: the drives with an overlay; the first failure ends
     * it, as QEMU's blk_commit_all. */
    for (unsigned i = 0; i < CLI_DRIVES; i++) {
        struct drive *d = &dv->d[i];
        struct block_info info;
        if (!d->block || !block_get_info(d->block, &info) || !info.snapshot)
            continue;
        if (commit_one(d, "all", out, bytes) < 0)
            return -1;
    }
    return 0;
}

static const char *where(unsigned i)
{
    static const char *const names[CLI_DRIVES] = {
        "IDE primary master", "IDE primary slave", "IDE secondary master",
        "IDE secondary slave", "floppy drive A", "floppy drive B",
    };
    return names[i];
}

/* One drive as QEMU's hmp `info block` prints it (print_block_info). */
static void info_one(const struct drive *d, unsigned i, FILE *out)
{
    struct block_info info;
    bool have = d->block && block_get_info(d->block, &info);
    if (!d->block) {
        fprintf(out, "%s: [not inserted]\n", d->name);
    } else {
        fprintf(out, "%s: %s (%s%s)\n", d->name, block_name(d->block),
                have ? info.format : "raw", block_is_read_only(d->block) ? ", read-only" : "");
    }
    fprintf(out, "    Attached to:      %s\n", where(i));
    if (d->cdrom || d->floppy)
        fputs("    Removable device: not locked, tray closed\n", out);
    if (!have)
        return;
    bool writeback = block_write_cache_enabled(d->block);
    fprintf(out, "    Cache mode:       %s%s%s\n", writeback ? "writeback" : "writethrough",
            info.direct ? ", direct" : "",
            info.cache == BLOCK_CACHE_UNSAFE ? ", ignore flushes" : "");
    if (info.backing_path)
        fprintf(out, "    Backing file:     %s (chain depth: %u)\n", info.backing_path,
                info.backing_depth);
    if (info.snapshot)
        fprintf(out, "    Snapshot overlay: %" PRIu64 " bytes written (-snapshot; "
                     "commit writes them back)\n", info.overlay_bytes);
}

void drives_info_block(const struct drives *dv, const char *name, FILE *out)
{
    bool first = true, found = false;
    for (unsigned i = 0; i < CLI_DRIVES; i++) {
        const struct drive *d = &dv->d[i];
        if (!d->present || (name && *name && strcmp(d->name, name)))
            continue;
        if (!first)
            fputc('\n', out);
        first = false;
        found = true;
        info_one(d, i, out);
    }
    if (name && *name && !found)
        fprintf(out, "Device '%s' not found\n", name);
}
