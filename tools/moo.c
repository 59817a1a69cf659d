/* MOO v1 reader; see moo.h. */
#include "moo.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* A chunk located inside its parent: header at `hdr`, payload at `data`. */
struct chunk {
    char id[4];
    size_t hdr;
    size_t data;
    uint32_t len;
};

static const char *const reg16_names[MOO_NREGS16] = {
    "ax", "bx", "cx", "dx", "cs", "ss", "ds", "es",
    "sp", "bp", "si", "di", "ip", "flags",
};

static const char *const reg32_names[MOO_NREGS32] = {
    "cr0", "cr3", "eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp",
    "cs", "ds", "es", "fs", "gs", "ss", "eip", "eflags", "dr6", "dr7",
};

const char *moo_reg_name(bool wide, unsigned slot)
{
    if (wide)
        return slot < MOO_NREGS32 ? reg32_names[slot] : "?";
    return slot < MOO_NREGS16 ? reg16_names[slot] : "?";
}

unsigned moo_reg_count(bool wide)
{
    return wide ? MOO_NREGS32 : MOO_NREGS16;
}

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* Copies n bytes of an ASCII field, '?' for anything unprintable, and
 * NUL-terminates. */
static void copy_ascii(char *dst, const uint8_t *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? (char)src[i] : '?';
    dst[n] = 0;
}

static bool id_is(const struct chunk *ck, const char *id)
{
    return memcmp(ck->id, id, 4) == 0;
}

/* A chunk id fit for a message: printable ASCII as is, the rest as \xNN. */
static const char *id_text(const char id[4], char out[17])
{
    char *o = out;
    for (int i = 0; i < 4; i++) {
        unsigned char ch = (unsigned char)id[i];
        if (ch >= 0x20 && ch < 0x7f && ch != '\\')
            *o++ = (char)ch;
        else
            o += sprintf(o, "\\x%02x", ch);
    }
    *o = 0;
    return out;
}

/* Records an error at byte `off` of the (uncompressed) file; returns -1. */
__attribute__((format(printf, 3, 4)))
static int fail(struct moo_file *f, size_t off, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(f->err, sizeof(f->err), "%s: at offset %zu%s: %s",
             f->name ? f->name : "(null)", off,
             f->gzipped ? " (uncompressed)" : "", msg);
    return -1;
}

/* Reads the chunk header at *pos inside [*pos, end) of `parent`.  Returns 1
 * with *ck filled and *pos moved past the chunk, 0 if *pos == end, or -1. */
static int next_chunk(struct moo_file *f, size_t *pos, size_t end,
                      const char *parent, struct chunk *ck)
{
    if (*pos >= end)
        return 0;
    size_t left = end - *pos;
    char idt[17];
    if (left < 8)
        return fail(f, *pos, "truncated chunk header: %zu bytes left in %s, need 8",
                    left, parent);
    const uint8_t *p = f->buf + *pos;
    memcpy(ck->id, p, 4);
    ck->len = rd32(p + 4);
    ck->hdr = *pos;
    ck->data = *pos + 8;
    if (ck->len > left - 8)
        return fail(f, *pos, "chunk '%s' claims %u bytes but only %zu are left in %s",
                    id_text(ck->id, idt), ck->len, left - 8, parent);
    *pos = ck->data + ck->len;
    return 1;
}

/* Fails unless the chunk's payload has at least `n` bytes. */
static int need(struct moo_file *f, const struct chunk *ck, size_t n)
{
    char idt[17];
    if (ck->len >= n)
        return 0;
    return fail(f, ck->hdr, "chunk '%s' is %u bytes long, needs at least %zu",
                id_text(ck->id, idt), ck->len, n);
}

static int dup_chunk(struct moo_file *f, const struct chunk *ck, const char *parent)
{
    char idt[17];
    return fail(f, ck->hdr, "second '%s' chunk in %s", id_text(ck->id, idt), parent);
}

/* REGS/RMSK (16-bit slots) or RG32/RM32 (32-bit slots). */
static int parse_regs(struct moo_file *f, const struct chunk *ck, bool wide,
                      struct moo_regs *r)
{
    size_t w = wide ? 4 : 2;
    unsigned nslots = moo_reg_count(wide);
    char idt[17];
    if (need(f, ck, w) < 0)
        return -1;
    const uint8_t *p = f->buf + ck->data;
    uint32_t bits = wide ? rd32(p) : rd16(p);
    if (bits >> nslots)
        return fail(f, ck->hdr, "'%s' bitmask 0x%x names registers past the %u defined",
                    id_text(ck->id, idt), bits, nslots);
    size_t want = w * (1 + (size_t)__builtin_popcount(bits));
    if (ck->len < want)
        return fail(f, ck->hdr, "'%s' is %u bytes long, its bitmask 0x%x needs %zu",
                    id_text(ck->id, idt), ck->len, bits, want);
    memset(r, 0, sizeof(*r));
    r->wide = wide;
    r->present = bits;
    p += w;
    for (unsigned i = 0; i < nslots; i++) {
        if (!(bits >> i & 1))
            continue;
        r->v[i] = wide ? rd32(p) : rd16(p);
        p += w;
    }
    return 0;
}

/* A u32 length followed by that many bytes (NAME, BYTS, QUEU). */
static int parse_blob(struct moo_file *f, const struct chunk *ck,
                      const uint8_t **data, uint32_t *len)
{
    char idt[17];
    if (need(f, ck, 4) < 0)
        return -1;
    uint32_t n = rd32(f->buf + ck->data);
    if (n > ck->len - 4)
        return fail(f, ck->hdr, "'%s' says %u bytes but holds only %u",
                    id_text(ck->id, idt), n, ck->len - 4);
    *data = f->buf + ck->data + 4;
    *len = n;
    return 0;
}

static int parse_ram(struct moo_file *f, const struct chunk *ck, struct moo_ram *ram)
{
    if (need(f, ck, 4) < 0)
        return -1;
    uint32_t n = rd32(f->buf + ck->data);
    if (n > (ck->len - 4) / 5)
        return fail(f, ck->hdr, "'RAM ' says %u records (%llu bytes) but holds only %u bytes",
                    n, (unsigned long long)n * 5, ck->len - 4);
    ram->rec = f->buf + ck->data + 4;
    ram->count = n;
    return 0;
}

static int parse_ea32(struct moo_file *f, const struct chunk *ck, struct moo_ea32 *ea)
{
    if (need(f, ck, 23) < 0)
        return -1;
    const uint8_t *p = f->buf + ck->data;
    ea->seg = p[0];
    ea->selector = rd16(p + 1);
    ea->base = rd32(p + 3);
    ea->limit = rd32(p + 7);
    ea->offset = rd32(p + 11);
    ea->linear = rd32(p + 15);
    ea->physical = rd32(p + 19);
    return 0;
}

/* One sub-chunk of INIT/FINA. */
static int parse_state_item(struct moo_file *f, const struct chunk *ck,
                            const char *parent, struct moo_state *st, bool *seen_ram)
{
    bool regs = id_is(ck, "REGS"), rg32 = id_is(ck, "RG32");
    bool rmsk = id_is(ck, "RMSK"), rm32 = id_is(ck, "RM32");
    if (regs || rg32) {
        if (st->has_regs)
            return dup_chunk(f, ck, parent);
        st->has_regs = true;
        return parse_regs(f, ck, rg32, &st->regs);
    }
    if (rmsk || rm32) {
        if (st->has_mask)
            return dup_chunk(f, ck, parent);
        st->has_mask = true;
        return parse_regs(f, ck, rm32, &st->mask);
    }
    if (id_is(ck, "RAM ")) {
        if (*seen_ram)
            return dup_chunk(f, ck, parent);
        *seen_ram = true;
        return parse_ram(f, ck, &st->ram);
    }
    if (id_is(ck, "QUEU"))
        return parse_blob(f, ck, &st->queue, &st->queue_len);
    if (id_is(ck, "EA32")) {
        st->has_ea = true;
        return parse_ea32(f, ck, &st->ea);
    }
    return 0; /* unknown: skipped */
}

static int parse_state(struct moo_file *f, const struct chunk *outer, bool is_init,
                       struct moo_state *st)
{
    const char *parent = is_init ? "INIT" : "FINA";
    size_t pos = outer->data, end = outer->data + outer->len;
    struct chunk ck;
    bool seen_ram = false;
    int r;
    memset(st, 0, sizeof(*st));
    while ((r = next_chunk(f, &pos, end, parent, &ck)) > 0)
        if (parse_state_item(f, &ck, parent, st, &seen_ram) < 0)
            return -1;
    if (r < 0)
        return -1;
    if (st->has_regs && st->has_mask && st->regs.wide != st->mask.wide)
        return fail(f, outer->hdr, "%s mixes 16-bit and 32-bit register chunks", parent);
    if (!is_init)
        return 0;
    /* The initial state must give every register (format spec, REGS). */
    if (!st->has_regs)
        return fail(f, outer->hdr, "INIT has no REGS or RG32 chunk");
    uint32_t full = (1u << moo_reg_count(st->regs.wide)) - 1;
    if (st->regs.present != full)
        return fail(f, outer->hdr, "INIT registers incomplete (bitmask 0x%x, need 0x%x)",
                    st->regs.present, full);
    return 0;
}

/* Bit flags for the TEST sub-chunks that may appear once. */
enum { SEEN_NAME = 1, SEEN_BYTS = 2, SEEN_INIT = 4, SEEN_FINA = 8,
       SEEN_EXCP = 16, SEEN_HASH = 32 };

static int once(struct moo_file *f, const struct chunk *ck, unsigned *seen, unsigned bit)
{
    if (*seen & bit)
        return dup_chunk(f, ck, "TEST");
    *seen |= bit;
    return 0;
}

static int parse_test_item(struct moo_file *f, const struct chunk *ck,
                           struct moo_test *t, unsigned *seen)
{
    const uint8_t *p;
    if (id_is(ck, "NAME")) {
        if (once(f, ck, seen, SEEN_NAME) < 0 || parse_blob(f, ck, &p, &t->name_len) < 0)
            return -1;
        t->name = (const char *)p;
        return 0;
    }
    if (id_is(ck, "BYTS"))
        return once(f, ck, seen, SEEN_BYTS) < 0 ? -1 : parse_blob(f, ck, &t->bytes, &t->nbytes);
    if (id_is(ck, "INIT"))
        return once(f, ck, seen, SEEN_INIT) < 0 ? -1 : parse_state(f, ck, true, &t->init);
    if (id_is(ck, "FINA"))
        return once(f, ck, seen, SEEN_FINA) < 0 ? -1 : parse_state(f, ck, false, &t->fina);
    if (id_is(ck, "EXCP")) {
        if (once(f, ck, seen, SEEN_EXCP) < 0 || need(f, ck, 5) < 0)
            return -1;
        t->has_excp = true;
        t->excp_number = f->buf[ck->data];
        t->excp_flag_addr = rd32(f->buf + ck->data + 1);
        return 0;
    }
    if (id_is(ck, "HASH")) {
        if (once(f, ck, seen, SEEN_HASH) < 0 || need(f, ck, 20) < 0)
            return -1;
        t->has_hash = true;
        memcpy(t->hash, f->buf + ck->data, 20);
        return 0;
    }
    return 0; /* CYCL, GMET and anything unknown */
}

static int parse_test(struct moo_file *f, const struct chunk *outer, struct moo_test *t)
{
    memset(t, 0, sizeof(*t));
    t->offset = outer->hdr;
    t->ordinal = f->next_ordinal;
    t->name = "";
    if (need(f, outer, 4) < 0)
        return -1;
    t->index = rd32(f->buf + outer->data);
    size_t pos = outer->data + 4, end = outer->data + outer->len;
    struct chunk ck;
    unsigned seen = 0;
    int r;
    while ((r = next_chunk(f, &pos, end, "TEST", &ck)) > 0)
        if (parse_test_item(f, &ck, t, &seen) < 0)
            return -1;
    if (r < 0)
        return -1;
    static const struct { unsigned bit; const char *id; } required[] = {
        { SEEN_BYTS, "BYTS" }, { SEEN_INIT, "INIT" }, { SEEN_FINA, "FINA" },
    };
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
        if (!(seen & required[i].bit))
            return fail(f, outer->hdr, "TEST %u has no %s chunk", t->index, required[i].id);
    if (t->fina.has_regs && t->fina.regs.wide != t->init.regs.wide)
        return fail(f, outer->hdr, "TEST %u: FINA and INIT registers differ in width", t->index);
    return 0;
}

static int parse_header(struct moo_file *f, const struct chunk *ck)
{
    if (need(f, ck, 12) < 0)
        return -1;
    const uint8_t *p = f->buf + ck->data;
    f->major = p[0];
    f->minor = p[1];
    f->test_count = rd32(p + 4);
    copy_ascii(f->cpu_id, p + 8, 4);
    if (f->major != 1)
        return fail(f, ck->hdr, "MOO version %u.%u is not supported (only 1.x)",
                    f->major, f->minor);
    return 0;
}

static int parse_meta(struct moo_file *f, const struct chunk *ck)
{
    if (f->has_meta)
        return dup_chunk(f, ck, "the file");
    if (need(f, ck, 28) < 0) /* up to cpu_mode; the 3 reserved bytes may go */
        return -1;
    const uint8_t *p = f->buf + ck->data;
    struct moo_meta *m = &f->meta;
    f->has_meta = true;
    m->set_major = p[0];
    m->set_minor = p[1];
    m->cpu_type = p[2];
    m->opcode = rd32(p + 3);
    copy_ascii(m->mnemonic, p + 7, 8);
    m->test_count = rd32(p + 15);
    m->seed = rd64(p + 19);
    m->cpu_mode = p[27];
    return 0;
}

static int parse_file_mask(struct moo_file *f, const struct chunk *ck)
{
    if (f->has_mask)
        return dup_chunk(f, ck, "the file");
    f->has_mask = true;
    return parse_regs(f, ck, id_is(ck, "RM32"), &f->mask);
}

/* Checks the top-level chunk list once: every length in bounds, the header
 * first, the test count as announced. */
static int scan_top(struct moo_file *f)
{
    char idt[17];
    struct chunk ck;
    size_t pos = 0;
    if (f->len < 8)
        return fail(f, 0, "not a MOO file: only %zu bytes", f->len);
    if (memcmp(f->buf, "MOO ", 4) != 0) {
        memcpy(ck.id, f->buf, 4);
        return fail(f, 0, "not a MOO file: starts with '%s', not 'MOO '", id_text(ck.id, idt));
    }
    uint32_t ntests = 0;
    int r;
    while ((r = next_chunk(f, &pos, f->len, "the file", &ck)) > 0) {
        if (ck.hdr == 0)
            r = parse_header(f, &ck);
        else if (id_is(&ck, "MOO "))
            r = dup_chunk(f, &ck, "the file");
        else if (id_is(&ck, "META"))
            r = parse_meta(f, &ck);
        else if (id_is(&ck, "RMSK") || id_is(&ck, "RM32"))
            r = parse_file_mask(f, &ck);
        else if (id_is(&ck, "TEST"))
            ntests++;
        if (r < 0)
            return -1;
    }
    if (r < 0)
        return -1;
    if (ntests != f->test_count)
        return fail(f, f->len, "file ends after %u TEST chunks but its header announces %u",
                    ntests, f->test_count);
    return 0;
}

/* Reads a whole file through zlib (which passes plain files through). */
static int read_all(struct moo_file *f, const char *path)
{
    errno = 0;
    gzFile gz = gzopen(path, "rb");
    if (!gz) {
        snprintf(f->err, sizeof(f->err), "%s: cannot open: %s", path,
                 errno ? strerror(errno) : "out of memory");
        return -1;
    }
    gzbuffer(gz, 1u << 17);
    size_t cap = 0;
    int n = 0;
    for (;;) {
        if (f->len == cap) {
            if (cap > MOO_MAX_FILE_BYTES)
                break;
            size_t ncap = cap ? cap * 2 : 1u << 20;
            if (ncap > (size_t)MOO_MAX_FILE_BYTES + 1)
                ncap = (size_t)MOO_MAX_FILE_BYTES + 1;
            uint8_t *nb = realloc(f->buf, ncap);
            if (!nb) {
                gzclose_r(gz);
                return fail(f, f->len, "out of memory reading the file");
            }
            f->buf = nb;
            cap = ncap;
        }
        size_t want = cap - f->len;
        if (want > (size_t)INT_MAX / 2)
            want = (size_t)INT_MAX / 2;
        n = gzread(gz, f->buf + f->len, (unsigned)want);
        if (n <= 0)
            break;
        f->len += (size_t)n;
    }
    f->gzipped = !gzdirect(gz);
    int zerr = Z_OK;
    const char *zmsg = gzerror(gz, &zerr);
    size_t plen = strlen(path); /* zlib's message starts with "PATH: " */
    if (strncmp(zmsg, path, plen) == 0 && strncmp(zmsg + plen, ": ", 2) == 0)
        zmsg += plen + 2;
    long coff = (long)gzoffset(gz);
    int rc = 0;
    if (f->len > MOO_MAX_FILE_BYTES)
        rc = fail(f, MOO_MAX_FILE_BYTES, "file is larger than the %u MiB limit",
                  MOO_MAX_FILE_BYTES >> 20);
    else if (n < 0 || zerr != Z_OK)
        rc = fail(f, f->len, "%s data unreadable (at compressed offset %ld): %s",
                  f->gzipped ? "gzip" : "file", coff,
                  zerr == Z_ERRNO ? strerror(errno) : zmsg);
    gzclose_r(gz);
    return rc;
}

static void reset(struct moo_file *f, const char *name)
{
    memset(f, 0, sizeof(*f));
    f->name = strdup(name ? name : "(null)");
}

int moo_open(struct moo_file *f, const char *path)
{
    reset(f, path);
    if (!f->name) {
        snprintf(f->err, sizeof(f->err), "%s: out of memory", path);
        return -1;
    }
    if (read_all(f, path) < 0 || scan_top(f) < 0)
        return -1;
    return 0;
}

int moo_open_mem(struct moo_file *f, const char *name, const void *data, size_t len)
{
    reset(f, name);
    if (!f->name) {
        snprintf(f->err, sizeof(f->err), "%s: out of memory", name ? name : "(null)");
        return -1;
    }
    if (len > MOO_MAX_FILE_BYTES)
        return fail(f, MOO_MAX_FILE_BYTES, "file is larger than the %u MiB limit",
                    MOO_MAX_FILE_BYTES >> 20);
    f->buf = malloc(len ? len : 1);
    if (!f->buf)
        return fail(f, 0, "out of memory");
    if (len)
        memcpy(f->buf, data, len);
    f->len = len;
    return scan_top(f);
}

int moo_next(struct moo_file *f, struct moo_test *t)
{
    struct chunk ck;
    int r;
    while ((r = next_chunk(f, &f->pos, f->len, "the file", &ck)) > 0) {
        if (!id_is(&ck, "TEST"))
            continue;
        if (parse_test(f, &ck, t) < 0) {
            f->pos = f->len; /* stop here: later calls report the end */
            return -1;
        }
        f->next_ordinal++;
        return 1;
    }
    return r;
}

void moo_rewind(struct moo_file *f)
{
    f->pos = 0;
    f->next_ordinal = 0;
}

void moo_close(struct moo_file *f)
{
    free(f->buf);
    free(f->name);
    f->buf = NULL;
    f->name = NULL;
    f->len = 0;
}
