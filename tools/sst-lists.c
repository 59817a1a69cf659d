/* Skip list, revocation list and metadata lookups; see sst-lists.h. */
#include "sst-lists.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sst_read_file(const char *path, size_t cap, char **buf, size_t *len,
                  char *err, size_t errlen)
{
    *buf = NULL;
    *len = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    /* Room for one byte past the cap tells "too large" from "exactly cap". */
    size_t size = 0, room = 0;
    char *b = NULL;
    for (;;) {
        if (room - size < 2) { /* a byte to read and the final NUL */
            size_t nroom = room ? room * 2 : 4096;
            if (nroom > cap + 2)
                nroom = cap + 2;
            char *nb = realloc(b, nroom);
            if (!nb) {
                snprintf(err, errlen, "%s: out of memory", path);
                goto fail;
            }
            b = nb;
            room = nroom;
        }
        size_t got = fread(b + size, 1, room - 1 - size, fp);
        size += got;
        if (size > cap) {
            snprintf(err, errlen, "%s: larger than the %zu byte limit", path, cap);
            goto fail;
        }
        if (got == 0)
            break;
    }
    if (ferror(fp)) {
        snprintf(err, errlen, "%s: read error at offset %zu: %s", path, size, strerror(errno));
        goto fail;
    }
    fclose(fp);
    b[size] = 0;
    *buf = b;
    *len = size;
    return 0;
fail:
    fclose(fp);
    free(b);
    return -1;
}

/* Calls `fn` on each line, trimmed, that is neither blank nor a comment. */
typedef int (*line_fn)(void *ctx, const char *line, size_t len, unsigned lineno);

static int for_each_line(const char *text, size_t len, line_fn fn, void *ctx)
{
    unsigned lineno = 0;
    size_t pos = 0;
    while (pos < len) {
        size_t end = pos;
        while (end < len && text[end] != '\n')
            end++;
        lineno++;
        size_t a = pos, b = end;
        while (a < b && isspace((unsigned char)text[a]))
            a++;
        while (b > a && isspace((unsigned char)text[b - 1]))
            b--;
        pos = end + 1;
        if (a == b || text[a] == '#')
            continue;
        if (fn(ctx, text + a, b - a, lineno) < 0)
            return -1;
    }
    return 0;
}

struct list_ctx {
    const char *src;
    char *err;
    size_t errlen;
    void *list;
};

__attribute__((format(printf, 3, 4)))
static int line_err(struct list_ctx *c, unsigned lineno, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(c->err, c->errlen, "%s:%u: %s", c->src, lineno, msg);
    return -1;
}

/* --- skip list --------------------------------------------------------- */

static int parse_index(const char *s, size_t n, uint32_t *out)
{
    if (n == 0 || n > 10)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > UINT32_MAX)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

static int skip_line(void *vctx, const char *line, size_t len, unsigned lineno)
{
    struct list_ctx *c = vctx;
    struct sst_skips *s = c->list;
    size_t tok = 0;
    while (tok < len && !isspace((unsigned char)line[tok]))
        tok++;
    size_t r = tok;
    while (r < len && isspace((unsigned char)line[r]))
        r++;
    if (r == len)
        return line_err(c, lineno, "no reason given (every skip needs one)");
    struct sst_skip e = { .whole_file = true };
    const char *colon = memchr(line, ':', tok);
    size_t name_len = colon ? (size_t)(colon - line) : tok;
    if (colon && parse_index(colon + 1, tok - name_len - 1, &e.index) < 0)
        return line_err(c, lineno, "bad test index after ':'");
    if (name_len == 0 || memchr(line, '/', name_len))
        return line_err(c, lineno, "expected a file's base name, e.g. 8C.MOO.gz");
    e.whole_file = !colon;
    e.file = strndup(line, name_len);
    e.reason = strndup(line + r, len - r);
    struct sst_skip *nv = realloc(s->v, (s->n + 1) * sizeof(*nv));
    if (!e.file || !e.reason || !nv) {
        free(e.file);
        free(e.reason);
        if (nv)
            s->v = nv;
        return line_err(c, lineno, "out of memory");
    }
    s->v = nv;
    s->v[s->n++] = e;
    return 0;
}

/* Sorted by file, then whole-file entries first, then by index. */
static int skip_cmp(const void *pa, const void *pb)
{
    const struct sst_skip *a = pa, *b = pb;
    int c = strcmp(a->file, b->file);
    if (c)
        return c;
    if (a->whole_file != b->whole_file)
        return a->whole_file ? -1 : 1;
    return (a->index > b->index) - (a->index < b->index);
}

int sst_skips_parse(struct sst_skips *s, const char *src, const char *text, size_t len,
                    char *err, size_t errlen)
{
    struct list_ctx c = { .src = src, .err = err, .errlen = errlen, .list = s };
    if (for_each_line(text, len, skip_line, &c) < 0)
        return -1;
    if (s->n)
        qsort(s->v, s->n, sizeof(s->v[0]), skip_cmp);
    return 0;
}

int sst_skips_load(struct sst_skips *s, const char *path, char *err, size_t errlen)
{
    char *buf;
    size_t len;
    if (sst_read_file(path, SST_MAX_LIST_BYTES, &buf, &len, err, errlen) < 0)
        return -1;
    int r = sst_skips_parse(s, path, buf, len, err, errlen);
    free(buf);
    return r;
}

void sst_skips_free(struct sst_skips *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i].file);
        free(s->v[i].reason);
    }
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

static const char *skips_find(const struct sst_skips *s, const char *base, bool whole,
                              uint32_t index)
{
    struct sst_skip key = { .file = (char *)base, .whole_file = whole, .index = whole ? 0 : index };
    const struct sst_skip *e = s->n ? bsearch(&key, s->v, s->n, sizeof(s->v[0]), skip_cmp) : NULL;
    return e ? e->reason : NULL;
}

const char *sst_skips_file(const struct sst_skips *s, const char *base)
{
    return skips_find(s, base, true, 0);
}

const char *sst_skips_test(const struct sst_skips *s, const char *base, uint32_t index)
{
    return skips_find(s, base, false, index);
}

/* --- revocation list ---------------------------------------------------- */

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    ch = (char)tolower((unsigned char)ch);
    return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

static int hash_line(void *vctx, const char *line, size_t len, unsigned lineno)
{
    struct list_ctx *c = vctx;
    struct sst_hashes *h = c->list;
    uint8_t hash[20];
    if (len != 40)
        return line_err(c, lineno, "expected a SHA-1 in 40 hex digits");
    for (int i = 0; i < 20; i++) {
        int hi = hexval(line[2 * i]), lo = hexval(line[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return line_err(c, lineno, "expected a SHA-1 in 40 hex digits");
        hash[i] = (uint8_t)(hi << 4 | lo);
    }
    uint8_t (*nv)[20] = realloc(h->v, (h->n + 1) * sizeof(*nv));
    if (!nv)
        return line_err(c, lineno, "out of memory");
    h->v = nv;
    memcpy(h->v[h->n++], hash, 20);
    return 0;
}

static int hash_cmp(const void *a, const void *b)
{
    return memcmp(a, b, 20);
}

int sst_hashes_parse(struct sst_hashes *h, const char *src, const char *text, size_t len,
                     char *err, size_t errlen)
{
    struct list_ctx c = { .src = src, .err = err, .errlen = errlen, .list = h };
    if (for_each_line(text, len, hash_line, &c) < 0)
        return -1;
    if (h->n)
        qsort(h->v, h->n, sizeof(h->v[0]), hash_cmp);
    return 0;
}

int sst_hashes_load(struct sst_hashes *h, const char *path, char *err, size_t errlen)
{
    char *buf;
    size_t len;
    if (sst_read_file(path, SST_MAX_LIST_BYTES, &buf, &len, err, errlen) < 0)
        return -1;
    int r = sst_hashes_parse(h, path, buf, len, err, errlen);
    free(buf);
    return r;
}

void sst_hashes_free(struct sst_hashes *h)
{
    free(h->v);
    h->v = NULL;
    h->n = 0;
}

bool sst_hashes_has(const struct sst_hashes *h, const uint8_t hash[20])
{
    return h->n && bsearch(hash, h->v, h->n, sizeof(h->v[0]), hash_cmp);
}

/* --- metadata.json ------------------------------------------------------ */

bool sst_file_opcode(const char *base, char key[9], int *reg)
{
    size_t n = 0;
    while (base[n] && base[n] != '.' && n < 9)
        n++;
    if (n < 2 || n > 8 || base[n] != '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        if (hexval(base[i]) < 0)
            return false;
        key[i] = (char)toupper((unsigned char)base[i]);
    }
    key[n] = 0;
    *reg = -1;
    /* "80.3.MOO...": a single digit 0-7 between two dots. */
    const char *r = base + n + 1;
    if (r[0] >= '0' && r[0] <= '7' && r[1] == '.')
        *reg = r[0] - '0';
    return true;
}

int sst_meta_flags_mask(const struct json_doc *meta, const char *base, uint32_t *mask,
                        char *err, size_t errlen)
{
    char key[9];
    int reg;
    if (!sst_file_opcode(base, key, &reg))
        return 0;
    const struct json_node *op =
        json_member(meta, json_member(meta, json_root(meta), "opcodes"), key);
    const struct json_node *regs = json_member(meta, op, "reg");
    if (regs && reg >= 0) {
        char rk[2] = { (char)('0' + reg), 0 };
        op = json_member(meta, regs, rk);
    }
    const struct json_node *m = json_member(meta, op, "flags-mask");
    if (!m)
        return 0;
    uint64_t v;
    if (!json_uint(m, UINT32_MAX, &v)) {
        snprintf(err, errlen, "metadata.json: opcode %s (reg %d): flags-mask is not an "
                 "integer in [0, 0xFFFFFFFF]", key, reg);
        return -1;
    }
    *mask = (uint32_t)v;
    return 1;
}
