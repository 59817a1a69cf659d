/* Opening images: format probing, size checks, the -snapshot overlay;
 * see block_open.h. */
#include "block/block_open.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "block/block.h"
#include "block/block_int.h"

static const char *const cache_names[] = {
    [BLOCK_CACHE_WRITEBACK] = "writeback",
    [BLOCK_CACHE_WRITETHROUGH] = "writethrough",
    [BLOCK_CACHE_NONE] = "none",
    [BLOCK_CACHE_DIRECTSYNC] = "directsync",
    [BLOCK_CACHE_UNSAFE] = "unsafe",
};

int block_parse_cache(const char *s, enum block_cache *c)
{
    for (size_t i = 0; i < sizeof(cache_names) / sizeof(cache_names[0]); i++) {
        if (!strcmp(s, cache_names[i])) {
            *c = (enum block_cache)i;
            return 0;
        }
    }
    if (!strcmp(s, "off")) { /* QEMU's other name for none */
        *c = BLOCK_CACHE_NONE;
        return 0;
    }
    return -1;
}

const char *block_cache_name(enum block_cache c)
{
    return (unsigned)c < sizeof(cache_names) / sizeof(cache_names[0]) ? cache_names[c] : "?";
}

/* The magics of QEMU's format probes (block/<format>.c, *_probe), for the
 * formats a raw image must not be mistaken for. */
const char *block_probe_format(const uint8_t *buf, size_t len)
{
    static const struct {
        const char *name;
        size_t off;
        const char *magic;
        size_t len;
    } magics[] = {
        { "vmdk", 0, "KDMV", 4 },
        { "vmdk", 0, "COWD", 4 },
        { "vmdk", 0, "# Disk DescriptorFile", 21 },
        { "vdi", 0x40, "\x7f\x10\xda\xbe", 4 },
        { "vpc", 0, "conectix", 8 },
        { "vhdx", 0, "vhdxfile", 8 },
        { "qed", 0, "QED\0", 4 },
        { "luks", 0, "LUKS\xba\xbe", 6 },
        { "parallels", 0, "WithoutFreeSpace", 16 },
        { "parallels", 0, "WithouFreSpacExt", 16 },
        { "bochs", 0, "Bochs Virtual HD Image", 22 },
    };
    if (len >= 8 && !memcmp(buf, "QFI\xfb", 4)) {
        uint32_t v = (uint32_t)buf[4] << 24 | (uint32_t)buf[5] << 16 |
                     (uint32_t)buf[6] << 8 | buf[7];
        /* QEMU's qcow2_probe takes any version from 2 up. */
        if (v == 1)
            return "qcow";
        if (v >= 2)
            return "qcow2";
    }
    for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
        if (len >= magics[i].off + magics[i].len &&
            !memcmp(buf + magics[i].off, magics[i].magic, magics[i].len))
            return magics[i].name;
    return NULL;
}

void block_one_line(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = '?';
}

struct block_meta *block_meta_of(const struct block *b)
{
    if (!b || (b->drv != &block_raw_driver && b->drv != &block_qcow2_driver &&
               b->drv != &block_overlay_driver))
        return NULL;
    return b->priv;
}

static bool size_ok(uint64_t size, enum block_media media, const char *path, char *err,
                    size_t errlen)
{
    unsigned unit = media == BLOCK_MEDIA_CDROM ? 2048 : 512;
    if (size == 0) {
        snprintf(err, errlen, "%s: the image is empty", path);
        return false;
    }
    if (size % unit) {
        snprintf(err, errlen, "%s: image size %llu bytes is not a multiple of %u (a %s "
                              "holds whole %u-byte sectors)",
                 path, (unsigned long long)size, unit,
                 media == BLOCK_MEDIA_CDROM ? "CD" : "disk", unit);
        return false;
    }
    return true;
}

struct block *block_open_image(const struct block_options *o, unsigned depth, char *err,
                               size_t errlen)
{
    bool cdrom = o->media == BLOCK_MEDIA_CDROM;
    bool ro = o->read_only || o->snapshot || cdrom;
    bool direct = o->cache == BLOCK_CACHE_NONE || o->cache == BLOCK_CACHE_DIRECTSYNC;
    struct bfile f;
    if (bfile_open(&f, o->path, ro, direct, true, o->warn, err, errlen) < 0)
        return NULL;
    enum block_format fmt = o->format;
    const char *seen = NULL;
    if (f.size) {
        uint8_t head[512] = { 0 };
        size_t n = f.size < sizeof(head) ? (size_t)f.size : sizeof(head);
        int rc = bfile_read(&f, 0, head, n);
        if (rc < 0) {
            snprintf(err, errlen, "%s: %s", o->path, strerror(-rc));
            bfile_close(&f);
            return NULL;
        }
        seen = block_probe_format(head, n);
    }
    bool probed = fmt == BLOCK_FORMAT_PROBE;
    if (probed) {
        if (seen && strcmp(seen, "qcow2") && strcmp(seen, "qcow")) {
            snprintf(err, errlen, "%s: looks like a %s image: plex86 reads raw and qcow2 "
                                  "(convert it: qemu-img convert -O raw, or give format=raw)",
                     o->path, seen);
            bfile_close(&f);
            return NULL;
        }
        fmt = seen ? BLOCK_FORMAT_QCOW2 : BLOCK_FORMAT_RAW;
    }
    if (fmt == BLOCK_FORMAT_RAW) {
        if (!size_ok(f.size, o->media, o->path, err, errlen)) {
            bfile_close(&f);
            return NULL;
        }
        return block_raw_new(&f, o->path, o, probed, err, errlen);
    }
    /* qcow2, read-only: a writable disk would fail the guest's first
     * write, so say it now. */
    if (!ro) {
        snprintf(err, errlen, "%s: plex86 reads qcow2 images but does not write them: "
                              "use readonly=on or -snapshot, or convert it "
                              "(qemu-img convert -O raw)", o->path);
        bfile_close(&f);
        return NULL;
    }
    struct block_options fo = *o;
    fo.format = BLOCK_FORMAT_RAW;
    struct block *file = block_raw_new(&f, o->path, &fo, false, err, errlen);
    if (!file)
        return NULL;
    struct block *b = block_qcow2_new(file, o->path, o->path, o, depth, err, errlen);
    if (b && !size_ok(block_length(b), o->media, o->path, err, errlen)) {
        block_close(b);
        return NULL;
    }
    if (b)
        block_meta_of(b)->probed = probed;
    return b;
}

struct block *block_open(const struct block_options *o, char *err, size_t errlen)
{
    if (!o->path || !*o->path) {
        snprintf(err, errlen, "(no name): empty file name");
        return NULL;
    }
    bool cdrom = o->media == BLOCK_MEDIA_CDROM;
    bool guest_ro = o->read_only || cdrom;
    struct block *b = block_open_image(o, 0, err, errlen);
    if (!b) {
        block_one_line(err);
        return NULL;
    }
    /* The image is open read-only under -snapshot; the overlay takes the
     * guest's writes (none for a read-only drive: it needs no overlay). */
    struct block_meta *m = block_meta_of(b);
    if (guest_ro) {
        b->read_only = true;
    } else if (o->snapshot) {
        b = block_overlay_new(b, false, err, errlen);
        if (!b)
            block_one_line(err);
    }
    if (b && m && m->probed && !block_is_read_only(b) && !o->snapshot && o->warn)
        fprintf(o->warn,
                "plex86: WARNING: Image format was not specified for '%s' and probing "
                "guessed raw.\n"
                "         Automatically detecting the format is dangerous for raw images, "
                "write operations on block 0 will be restricted.\n"
                "         Specify the 'raw' format explicitly to remove the restrictions.\n",
                o->path);
    return b;
}

bool block_get_info(const struct block *b, struct block_info *info)
{
    const struct block_meta *m = block_meta_of(b);
    if (!m)
        return false;
    *info = (struct block_info){
        .format = m->format, .cache = m->cache, .direct = m->direct, .probed = m->probed,
        .read_only = b->read_only, .snapshot = b->drv == &block_overlay_driver,
        .overlay_bytes = b->drv == &block_overlay_driver ? block_overlay_bytes(b) : 0,
        .backing_depth = m->backing_depth, .backing_path = m->backing_path,
    };
    if (info->snapshot) {
        /* The overlay's base carries the backing chain. */
        const struct block_meta *bm = block_meta_of(block_overlay_base(b));
        if (bm) {
            info->backing_depth = bm->backing_depth;
            info->backing_path = bm->backing_path;
        }
    }
    return true;
}

int block_commit(struct block *b, uint64_t *bytes, char *err, size_t errlen)
{
    uint64_t dummy;
    if (!bytes)
        bytes = &dummy;
    *bytes = 0;
    if (!b || b->drv != &block_overlay_driver) {
        /* A read-only drive gets no overlay, -snapshot or not: the guest
         * cannot write to it. */
        bool ro = b && b->read_only;
        snprintf(err, errlen, "%s: %s", b ? block_name(b) : "(none)",
                 ro ? "a read-only drive has no writes to commit"
                    : "not a -snapshot drive: nothing to commit");
        block_one_line(err);
        return ro ? -EROFS : -ENOTSUP;
    }
    int rc = block_overlay_commit(b, bytes, err, errlen);
    if (rc < 0)
        block_one_line(err);
    return rc;
}

bool block_write_cache_enabled(const struct block *b)
{
    const struct block_meta *m = block_meta_of(b);
    return m ? m->write_cache : true;
}

void block_set_write_cache(struct block *b, bool enabled)
{
    struct block_meta *m = block_meta_of(b);
    if (!m)
        return;
    m->write_cache = enabled;
    /* Under an overlay the image is not written: nothing more to do. */
}
