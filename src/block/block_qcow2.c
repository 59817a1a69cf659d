/* qcow2 images, read-only (QEMU's docs/interop/qcow2.txt, versions 2 and
 * 3): the header, the two-level cluster map (L1 table in memory, L2
 * tables read on demand into a small cache), zlib-compressed clusters,
 * zero clusters, and a backing file for what the image does not hold.
 *
 * Why our own reader and not Debian's libqcow (libyal): libqcow calls
 * itself alpha (its project file says status "alpha"; Debian ships a
 * December 2020 snapshot), it opens images by name through its own I/O
 * layer, so it could not read the descriptor we have locked and checked,
 * and the fuzz harness (tests/fuzz/fuzz_qcow2.c) could not feed it
 * memory; what we need of the format is a few hundred lines that check
 * every field an image can lie about.
 *
 * The image is untrusted: every offset is checked against the file and
 * the cluster alignment the format promises, table sizes are bounded
 * (QEMU's 32 MiB for the L1 table), compressed clusters must inflate to
 * exactly one cluster, and a bad entry found while reading gives -EIO for
 * that read, never a crash.  Features that change how data is found
 * (external data files, extended L2 entries, zstd compression,
 * encryption) and unknown incompatible features are refused at open. */
#include "block/block_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define QCOW_MAGIC 0x514649fbu            /* "QFI\xfb" */
#define V2_HEADER_LEN 72
#define V3_HEADER_LEN 104
#define MIN_CLUSTER_BITS 9
#define MAX_CLUSTER_BITS 21               /* QEMU's limits: 512 B to 2 MiB */
#define MAX_L1_BYTES (32u << 20)          /* QEMU's QCOW_MAX_L1_SIZE */
#define MAX_BACKING_NAME 1023
/* ATA's LBA48 reaches 2^48 sectors: no drive shows more. */
#define MAX_VIRTUAL_SIZE ((uint64_t)1 << 57)
#define L2_CACHE_BYTES (4u << 20)
#define MAX_L2_SLOTS 16

#define OFFSET_MASK 0x00fffffffffffe00ull  /* L1 and standard L2 entries */
#define L2E_COMPRESSED (1ull << 62)
#define L2E_ZERO 1ull                      /* version 3 */

/* Incompatible feature bits (header offset 72). */
#define INCOMPAT_DIRTY (1ull << 0)
#define INCOMPAT_CORRUPT (1ull << 1)
#define INCOMPAT_DATA_FILE (1ull << 2)
#define INCOMPAT_COMPRESSION (1ull << 3)
#define INCOMPAT_EXTL2 (1ull << 4)

/* Header extensions. */
#define EXT_END 0
#define EXT_BACKING_FORMAT 0xe2792acau
#define EXT_CRYPTO 0x0537be77u
#define EXT_DATA_FILE 0x44415441u

struct l2_slot {
    uint64_t offset;       /* in the file; 0: empty slot */
    uint64_t used;         /* for LRU */
    uint64_t *table;       /* host byte order */
};

struct qcow2 {
    struct block_meta meta;   /* first: block_meta_of */
    struct block *file;       /* the image's bytes */
    struct block *backing;    /* or NULL */
    unsigned version, cluster_bits, l2_bits;
    uint64_t cluster_size;
    uint64_t *l1;
    uint32_t l1_size;
    struct l2_slot l2[MAX_L2_SLOTS];
    unsigned nl2;
    uint64_t tick;
    /* Compressed clusters: the last one inflated, by its entry. */
    uint8_t *zin, *zout;
    size_t zin_size;
    uint64_t zout_entry;
    bool zout_valid;
    z_stream z;
    bool z_ready;
};

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* Reads file bytes; past the end is an error (-EIO). */
static int file_read(struct qcow2 *q, uint64_t off, void *buf, size_t len)
{
    uint64_t flen = block_length(q->file);
    if (off > flen || len > flen - off)
        return -EIO;
    return block_read(q->file, off, buf, len);
}

/* --- L2 tables ------------------------------------------------------------ */

static int get_l2(struct qcow2 *q, uint64_t offset, const uint64_t **table)
{
    struct l2_slot *victim = &q->l2[0];
    for (unsigned i = 0; i < q->nl2; i++) {
        struct l2_slot *s = &q->l2[i];
        if (s->offset == offset) {
            s->used = ++q->tick;
            *table = s->table;
            return 0;
        }
        if (s->used < victim->used)
            victim = s;
    }
    size_t n = (size_t)q->cluster_size / 8;
    victim->offset = 0;
    /* Tables are made on first use: most images never fill the cache. */
    if (!victim->table && !(victim->table = malloc((size_t)q->cluster_size)))
        return -ENOMEM;
    int rc = file_read(q, offset, victim->table, (size_t)q->cluster_size);
    if (rc < 0)
        return -EIO;
    for (size_t i = 0; i < n; i++)
        victim->table[i] = be64((const uint8_t *)&victim->table[i]);
    victim->offset = offset;
    victim->used = ++q->tick;
    *table = victim->table;
    return 0;
}

/* The L2 entry of guest cluster `ci`; 0 when unallocated. */
static int l2_entry(struct qcow2 *q, uint64_t ci, uint64_t *entry)
{
    uint64_t l1i = ci >> q->l2_bits;
    *entry = 0;
    if (l1i >= q->l1_size)
        return 0;
    uint64_t l2off = q->l1[l1i] & OFFSET_MASK;
    if (!l2off)
        return 0;
    if (l2off & (q->cluster_size - 1))
        return -EIO; /* an L2 table must start a cluster */
    const uint64_t *t;
    int rc = get_l2(q, l2off, &t);
    if (rc == 0)
        *entry = t[ci & ((1ull << q->l2_bits) - 1)];
    return rc;
}

/* --- compressed clusters ---------------------------------------------------- */

static int inflate_cluster(struct qcow2 *q, uint64_t entry)
{
    if (q->zout_valid && q->zout_entry == entry)
        return 0;
    /* Entry layout (qcow2.txt, "Compressed Clusters Descriptor"): x =
     * 62 - (cluster_bits - 8) bits of host byte offset, then the number
     * of additional 512-byte sectors the compressed data covers. */
    unsigned shift = 62 - (q->cluster_bits - 8);
    uint64_t coff = entry & ((1ull << shift) - 1);
    uint64_t nsect = ((entry >> shift) & ((1ull << (q->cluster_bits - 8)) - 1)) + 1;
    uint64_t csize = nsect * 512 - (coff & 511);
    uint64_t flen = block_length(q->file);
    if (coff >= flen)
        return -EIO;
    /* The last compressed cluster may end past the end of the file: QEMU
     * rounds its size up to whole sectors. */
    if (csize > flen - coff)
        csize = flen - coff;
    if (csize > q->zin_size)
        return -EIO;
    if (!q->zin) {
        q->zin = malloc(q->zin_size);
        q->zout = malloc((size_t)q->cluster_size);
        if (!q->zin || !q->zout) {
            free(q->zin);
            free(q->zout);
            q->zin = q->zout = NULL;
            return -ENOMEM;
        }
    }
    int rc = block_read(q->file, coff, q->zin, (size_t)csize);
    if (rc < 0)
        return -EIO;
    if (!q->z_ready) {
        memset(&q->z, 0, sizeof(q->z));
        /* Raw deflate; QEMU writes a 4 KiB window (-12), 15 reads any. */
        if (inflateInit2(&q->z, -15) != Z_OK)
            return -ENOMEM;
        q->z_ready = true;
    } else if (inflateReset(&q->z) != Z_OK) {
        return -EIO;
    }
    q->zout_valid = false;
    q->z.next_in = q->zin;
    q->z.avail_in = (uInt)csize;
    q->z.next_out = q->zout;
    q->z.avail_out = (uInt)q->cluster_size;
    int zr = inflate(&q->z, Z_FINISH);
    /* What QEMU accepts: the whole cluster came out, whether or not the
     * stream says it has ended there. */
    if ((zr != Z_STREAM_END && zr != Z_BUF_ERROR) || q->z.avail_out != 0)
        return -EIO;
    q->zout_entry = entry;
    q->zout_valid = true;
    return 0;
}

/* --- reading ------------------------------------------------------------------ */

static int read_unallocated(struct qcow2 *q, uint64_t off, uint8_t *buf, size_t n)
{
    if (!q->backing) {
        memset(buf, 0, n);
        return 0;
    }
    /* A backing file shorter than the image reads zeros past its end. */
    uint64_t blen = block_length(q->backing);
    size_t have = off >= blen ? 0 : blen - off < n ? (size_t)(blen - off) : n;
    memset(buf + have, 0, n - have);
    return have ? block_read(q->backing, off, buf, have) : 0;
}

static int qcow2_read(struct block *b, uint64_t off, void *buf, size_t len)
{
    struct qcow2 *q = b->priv;
    uint8_t *p = buf;
    while (len) {
        uint64_t ci = off >> q->cluster_bits;
        uint64_t in = off & (q->cluster_size - 1);
        size_t n = q->cluster_size - in < len ? (size_t)(q->cluster_size - in) : len;
        uint64_t e;
        int rc = l2_entry(q, ci, &e);
        if (rc < 0)
            return rc;
        if (e & L2E_COMPRESSED) {
            rc = inflate_cluster(q, e & ~L2E_COMPRESSED);
            if (rc == 0)
                memcpy(p, q->zout + in, n);
        } else if (e & L2E_ZERO) {
            /* Version 2 has no zero flag: there the bit is corruption. */
            if (q->version < 3)
                return -EIO;
            memset(p, 0, n);
        } else if (e & OFFSET_MASK) {
            uint64_t host = e & OFFSET_MASK;
            rc = host & (q->cluster_size - 1) ? -EIO : file_read(q, host + in, p, n);
        } else {
            rc = read_unallocated(q, off, p, n);
        }
        if (rc < 0)
            return rc;
        off += n;
        p += n;
        len -= n;
    }
    return 0;
}

static int qcow2_write(struct block *b, uint64_t off, const void *buf, size_t len)
{
    return -EROFS; /* opened read-only: block.c never gets here */
}

static void qcow2_close(struct block *b)
{
    struct qcow2 *q = b->priv;
    block_close(q->file);
    block_close(q->backing);
    free(q->l1);
    for (unsigned i = 0; i < MAX_L2_SLOTS; i++)
        free(q->l2[i].table);
    free(q->zin);
    free(q->zout);
    if (q->z_ready)
        inflateEnd(&q->z);
    free(q->meta.backing_path);
    free(q);
}

const struct block_driver block_qcow2_driver = {
    .format = "qcow2", .read = qcow2_read, .write = qcow2_write, .close = qcow2_close,
};

/* --- opening ----------------------------------------------------------------- */

struct header {
    uint32_t version, cluster_bits, crypt, l1_size, backing_size, header_len;
    uint64_t backing_offset, size, l1_offset, incompat;
    uint8_t compression;
};

static int bad(char *err, size_t errlen, const char *name, const char *why)
{
    snprintf(err, errlen, "%s: %s", name, why);
    return -1;
}

static int parse_header(const uint8_t *h, size_t n, struct header *hd, const char *name,
                        char *err, size_t errlen)
{
    char why[160];
    if (n < V2_HEADER_LEN || be32(h) != QCOW_MAGIC)
        return bad(err, errlen, name, "not a qcow2 image (header too short or no magic)");
    hd->version = be32(h + 4);
    if (hd->version == 1)
        return bad(err, errlen, name, "qcow (version 1) images are not supported; "
                                      "convert it with qemu-img convert -O qcow2");
    if (hd->version != 2 && hd->version != 3) {
        snprintf(why, sizeof(why), "qcow2 version %u is not supported (2 and 3 are)",
                 hd->version);
        return bad(err, errlen, name, why);
    }
    hd->backing_offset = be64(h + 8);
    hd->backing_size = be32(h + 16);
    hd->cluster_bits = be32(h + 20);
    hd->size = be64(h + 24);
    hd->crypt = be32(h + 32);
    hd->l1_size = be32(h + 36);
    hd->l1_offset = be64(h + 40);
    hd->header_len = V2_HEADER_LEN;
    hd->incompat = 0;
    hd->compression = 0;
    if (hd->cluster_bits < MIN_CLUSTER_BITS || hd->cluster_bits > MAX_CLUSTER_BITS) {
        snprintf(why, sizeof(why), "cluster_bits %u is out of range (%u to %u)",
                 hd->cluster_bits, MIN_CLUSTER_BITS, MAX_CLUSTER_BITS);
        return bad(err, errlen, name, why);
    }
    if (hd->version == 3) {
        if (n < V3_HEADER_LEN)
            return bad(err, errlen, name, "truncated qcow2 version 3 header");
        hd->incompat = be64(h + 72);
        hd->header_len = be32(h + 100);
        if (hd->header_len < V3_HEADER_LEN || hd->header_len % 8 ||
            hd->header_len > (1u << hd->cluster_bits)) {
            snprintf(why, sizeof(why), "bad qcow2 header length %u", hd->header_len);
            return bad(err, errlen, name, why);
        }
        if (hd->header_len > V3_HEADER_LEN && n > V3_HEADER_LEN)
            hd->compression = h[104];
    }
    if (hd->crypt)
        return bad(err, errlen, name, "encrypted qcow2 images are not supported");
    uint64_t known = INCOMPAT_DIRTY | INCOMPAT_CORRUPT | INCOMPAT_COMPRESSION;
    if (hd->incompat & INCOMPAT_DATA_FILE)
        return bad(err, errlen, name, "qcow2 images with an external data file are not "
                                      "supported");
    if (hd->incompat & INCOMPAT_EXTL2)
        return bad(err, errlen, name, "qcow2 images with extended L2 entries are not "
                                      "supported");
    if (hd->incompat & ~known) {
        snprintf(why, sizeof(why), "unsupported qcow2 feature bits %#llx",
                 (unsigned long long)(hd->incompat & ~known));
        return bad(err, errlen, name, why);
    }
    if ((hd->incompat & INCOMPAT_COMPRESSION) && hd->compression != 0)
        return bad(err, errlen, name, "qcow2 compression type zstd is not supported "
                                      "(zlib is)");
    return 0;
}

/* Walks the header extensions for the backing file's format; refuses the
 * ones that change how data is read. */
static int parse_extensions(const uint8_t *h, size_t n, const struct header *hd,
                            char *fmt, size_t fmtlen, const char *name, char *err,
                            size_t errlen)
{
    size_t p = hd->header_len;
    fmt[0] = 0;
    while (p + 8 <= n) {
        uint32_t type = be32(h + p), len = be32(h + p + 4);
        p += 8;
        if (type == EXT_END)
            return 0;
        if (len > n - p)
            return bad(err, errlen, name, "qcow2 header extension past the first cluster");
        if (type == EXT_BACKING_FORMAT) {
            if (len == 0 || len >= fmtlen || memchr(h + p, 0, len))
                return bad(err, errlen, name, "bad backing file format in the header");
            memcpy(fmt, h + p, len);
            fmt[len] = 0;
        } else if (type == EXT_DATA_FILE) {
            return bad(err, errlen, name, "qcow2 images with an external data file are "
                                          "not supported");
        } else if (type == EXT_CRYPTO) {
            return bad(err, errlen, name, "encrypted qcow2 images are not supported");
        }
        /* Others (feature names, bitmaps) mean nothing to a reader. */
        uint64_t skip = ((uint64_t)len + 7) & ~7ull;
        if (skip > n - p)
            return 0;
        p += (size_t)skip;
    }
    return 0;
}

/* The backing file: its name resolved against the image's directory, as
 * QEMU does, and opened read-only. */
static int open_backing(struct qcow2 *q, const char *path, const char *bname,
                        const char *bfmt, const struct block_options *o, unsigned depth,
                        char *err, size_t errlen)
{
    if (depth + 1 > BLOCK_MAX_BACKING_DEPTH) {
        snprintf(err, errlen, "%s: backing chain deeper than %u files (a loop?)", path,
                 BLOCK_MAX_BACKING_DEPTH);
        return -1;
    }
    const char *slash = strrchr(path, '/');
    size_t dirlen = bname[0] != '/' && slash ? (size_t)(slash - path + 1) : 0;
    size_t len = dirlen + strlen(bname) + 1;
    char *full = malloc(len);
    if (!full) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    snprintf(full, len, "%.*s%s", (int)dirlen, path, bname);
    struct block_options bo = {
        .path = full, .media = BLOCK_MEDIA_DISK, .read_only = true, .cache = o->cache,
        .format = !strcmp(bfmt, "raw") ? BLOCK_FORMAT_RAW
                  : !strcmp(bfmt, "qcow2") ? BLOCK_FORMAT_QCOW2 : BLOCK_FORMAT_PROBE,
    };
    if (bfmt[0] && bo.format == BLOCK_FORMAT_PROBE) {
        snprintf(err, errlen, "%s: backing file format '%s' is not supported (raw or qcow2)",
                 path, bfmt);
        free(full);
        return -1;
    }
    char why[512];
    q->backing = block_open_image(&bo, depth + 1, why, sizeof(why));
    if (!q->backing) {
        /* Named once, at the top of the chain: a long chain's message
         * would not fit otherwise. */
        if (depth == 0)
            snprintf(err, errlen, "%s: backing file: %s", path, why);
        else
            snprintf(err, errlen, "%s", why);
        free(full);
        return -1;
    }
    q->meta.backing_path = full;
    struct block_meta *bm = block_meta_of(q->backing);
    q->meta.backing_depth = 1 + (bm ? bm->backing_depth : 0);
    return 0;
}

struct block *block_qcow2_new(struct block *file, const char *name, const char *path,
                              const struct block_options *o, unsigned depth, char *err,
                              size_t errlen)
{
    struct qcow2 *q = calloc(1, sizeof(*q));
    uint8_t *h = NULL;
    struct block *b = NULL;
    char why[200];
    if (!q) {
        bad(err, errlen, name, "out of memory");
        block_close(file);
        return NULL;
    }
    q->file = file;
    uint64_t flen = block_length(file);
    uint8_t first[V3_HEADER_LEN + 8] = { 0 }; /* and the compression type */
    size_t n = flen < sizeof(first) ? (size_t)flen : sizeof(first);
    struct header hd;
    if (block_read(file, 0, first, n) < 0) {
        bad(err, errlen, name, "cannot read the qcow2 header");
        goto fail;
    }
    if (parse_header(first, n, &hd, name, err, errlen) < 0)
        goto fail;
    q->version = hd.version;
    q->cluster_bits = hd.cluster_bits;
    q->cluster_size = 1ull << hd.cluster_bits;
    q->l2_bits = hd.cluster_bits - 3;
    /* The header cluster: extensions and the backing file's name. */
    size_t hlen = flen < q->cluster_size ? (size_t)flen : (size_t)q->cluster_size;
    h = malloc(hlen);
    if (!h || block_read(file, 0, h, hlen) < 0) {
        bad(err, errlen, name, h ? "cannot read the qcow2 header" : "out of memory");
        goto fail;
    }
    char bfmt[32];
    if (parse_extensions(h, hlen, &hd, bfmt, sizeof(bfmt), name, err, errlen) < 0)
        goto fail;
    if (hd.size == 0) {
        bad(err, errlen, name, "the image is empty (virtual size 0)");
        goto fail;
    }
    if (hd.size > MAX_VIRTUAL_SIZE) {
        snprintf(why, sizeof(why), "virtual size %llu bytes is more than a drive can have",
                 (unsigned long long)hd.size);
        bad(err, errlen, name, why);
        goto fail;
    }
    /* One L1 entry maps an L2 table's worth of clusters. */
    uint64_t per_l1 = q->cluster_size << q->l2_bits;
    uint64_t need = (hd.size + per_l1 - 1) / per_l1;
    if ((uint64_t)hd.l1_size * 8 > MAX_L1_BYTES) {
        snprintf(why, sizeof(why), "L1 table of %u entries is too large", hd.l1_size);
        bad(err, errlen, name, why);
        goto fail;
    }
    if (hd.l1_size < need) {
        snprintf(why, sizeof(why), "L1 table of %u entries is too small for %llu bytes",
                 hd.l1_size, (unsigned long long)hd.size);
        bad(err, errlen, name, why);
        goto fail;
    }
    if (hd.l1_offset & (q->cluster_size - 1)) {
        bad(err, errlen, name, "the L1 table is not cluster aligned");
        goto fail;
    }
    if (hd.l1_size && (hd.l1_offset > flen || (uint64_t)hd.l1_size * 8 > flen - hd.l1_offset)) {
        bad(err, errlen, name, "the L1 table is past the end of the file");
        goto fail;
    }
    q->l1_size = hd.l1_size;
    q->l1 = malloc(hd.l1_size ? (size_t)hd.l1_size * 8 : 8);
    if (!q->l1) {
        bad(err, errlen, name, "out of memory");
        goto fail;
    }
    if (hd.l1_size && block_read(file, hd.l1_offset, q->l1, (size_t)hd.l1_size * 8) < 0) {
        bad(err, errlen, name, "cannot read the L1 table");
        goto fail;
    }
    for (uint32_t i = 0; i < hd.l1_size; i++)
        q->l1[i] = be64((const uint8_t *)&q->l1[i]);
    /* A few L2 tables (up to 4 MiB), and for one compressed cluster
     * buffers of two clusters (its compressed size is at most that) and
     * one, all made on first use. */
    q->nl2 = (unsigned)(L2_CACHE_BYTES / q->cluster_size);
    if (q->nl2 < 1)
        q->nl2 = 1;
    if (q->nl2 > MAX_L2_SLOTS)
        q->nl2 = MAX_L2_SLOTS;
    q->zin_size = (size_t)q->cluster_size * 2;
    q->meta = (struct block_meta){ .format = "qcow2", .cache = o->cache, .write_cache = true };
    if (hd.backing_offset || hd.backing_size) {
        if (hd.backing_size == 0 || hd.backing_size > MAX_BACKING_NAME ||
            hd.backing_offset > hlen || hd.backing_size > hlen - hd.backing_offset) {
            bad(err, errlen, name, "bad backing file name in the header");
            goto fail;
        }
        char bname[MAX_BACKING_NAME + 1];
        memcpy(bname, h + hd.backing_offset, hd.backing_size);
        bname[hd.backing_size] = 0;
        if (strlen(bname) != hd.backing_size) {
            bad(err, errlen, name, "bad backing file name in the header");
            goto fail;
        }
        if (!path) {
            snprintf(why, sizeof(why), "has a backing file (%.100s), not followed here",
                     bname);
            bad(err, errlen, name, why);
            goto fail;
        }
        if (open_backing(q, path, bname, bfmt, o, depth, err, errlen) < 0)
            goto fail;
    }
    b = block_new(&block_qcow2_driver, q, name, hd.size, true);
    if (!b) {
        bad(err, errlen, name, "out of memory");
        goto fail;
    }
    free(h);
    return b;
fail:
    free(h);
    qcow2_close(&(struct block){ .priv = q });
    return NULL;
}

struct block *block_qcow2_open_block(struct block *file, const char *name, char *err,
                                     size_t errlen)
{
    struct block_options o = { .read_only = true };
    struct block *b = block_qcow2_new(file, name, NULL, &o, 0, err, errlen);
    if (!b)
        block_one_line(err);
    return b;
}
