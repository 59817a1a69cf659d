/* A small, strict JSON reader; see json.h. */
#include "json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parser {
    struct json_doc *d;
    char *s;             /* d->text */
    size_t pos, len;
    char *err;
    size_t errlen;
};

__attribute__((format(printf, 2, 3)))
static int perr(struct parser *p, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(p->err, p->errlen, "offset %zu: %s", p->pos, msg);
    return -1;
}

static void skip_ws(struct parser *p)
{
    while (p->pos < p->len) {
        char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        p->pos++;
    }
}

/* Appends a node; its index, or UINT32_MAX when out of memory.  Node 0 is
 * the root, made first, so 0 can mean "none" in child/next links. */
static uint32_t new_node(struct parser *p, enum json_type type)
{
    struct json_doc *d = p->d;
    if (d->count == d->cap) {
        uint32_t ncap = d->cap ? d->cap * 2 : 64;
        struct json_node *nn = realloc(d->nodes, (size_t)ncap * sizeof(*nn));
        if (!nn)
            return UINT32_MAX;
        d->nodes = nn;
        d->cap = ncap;
    }
    memset(&d->nodes[d->count], 0, sizeof(d->nodes[0]));
    d->nodes[d->count].type = type;
    return d->count++;
}

static int hex4(const char *s, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        unsigned h;
        if (c >= '0' && c <= '9')
            h = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            h = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            h = (unsigned)(c - 'A' + 10);
        else
            return -1;
        v = v << 4 | h;
    }
    *out = v;
    return 0;
}

static size_t put_utf8(char *w, unsigned cp)
{
    if (cp < 0x80) {
        w[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        w[0] = (char)(0xC0 | cp >> 6);
        w[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        w[0] = (char)(0xE0 | cp >> 12);
        w[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        w[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    w[0] = (char)(0xF0 | cp >> 18);
    w[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    w[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    w[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* \uXXXX (with a following low surrogate when needed) at p->pos, which is
 * just past the 'u'.  Decoded output is never longer than its escape. */
static int unicode_escape(struct parser *p, char **w)
{
    unsigned cp, lo;
    if (p->len - p->pos < 4 || hex4(p->s + p->pos, &cp) < 0)
        return perr(p, "bad \\u escape");
    p->pos += 4;
    if (cp >= 0xDC00 && cp <= 0xDFFF)
        return perr(p, "lone low surrogate in \\u escape");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (p->len - p->pos < 6 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u' ||
            hex4(p->s + p->pos + 2, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF)
            return perr(p, "high surrogate without a low one in \\u escape");
        p->pos += 6;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    *w += put_utf8(*w, cp);
    return 0;
}

static int simple_escape(struct parser *p, char c, char **w)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *k = c ? strchr(from, c) : NULL;
    if (!k)
        return perr(p, "bad escape '\\%c'", c >= 0x20 && c < 0x7f ? c : '?');
    *(*w)++ = to[k - from];
    return 0;
}

/* A string starting at the opening quote; decoded in place. */
static int parse_string(struct parser *p, const char **out, size_t *out_len)
{
    p->pos++; /* opening quote */
    char *start = p->s + p->pos, *w = start;
    for (;;) {
        if (p->pos >= p->len)
            return perr(p, "unterminated string");
        char c = p->s[p->pos++];
        if (c == '"')
            break;
        if ((unsigned char)c < 0x20) {
            p->pos--;
            return perr(p, "control character in string");
        }
        if (c != '\\') {
            *w++ = c;
            continue;
        }
        if (p->pos >= p->len)
            return perr(p, "unterminated escape");
        c = p->s[p->pos++];
        int r = c == 'u' ? unicode_escape(p, &w) : simple_escape(p, c, &w);
        if (r < 0)
            return -1;
    }
    *out = start;
    *out_len = (size_t)(w - start);
    *w = 0; /* there is room: at least the closing quote was consumed */
    return 0;
}

static size_t digits(struct parser *p)
{
    size_t n = 0;
    while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
        p->pos++;
        n++;
    }
    return n;
}

/* Checks the RFC 8259 number grammar, then converts with strtod on a copy. */
static int parse_number(struct parser *p, double *out)
{
    size_t start = p->pos;
    if (p->s[p->pos] == '-')
        p->pos++;
    if (p->pos < p->len && p->s[p->pos] == '0')
        p->pos++;
    else if (digits(p) == 0)
        return perr(p, "bad number");
    if (p->pos < p->len && p->s[p->pos] == '.') {
        p->pos++;
        if (digits(p) == 0)
            return perr(p, "bad number: no digits after '.'");
    }
    if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
        p->pos++;
        if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
            p->pos++;
        if (digits(p) == 0)
            return perr(p, "bad number: no digits in exponent");
    }
    char buf[64];
    size_t n = p->pos - start;
    if (n >= sizeof(buf))
        return perr(p, "number longer than %zu characters", sizeof(buf) - 1);
    memcpy(buf, p->s + start, n);
    buf[n] = 0;
    *out = strtod(buf, NULL);
    return 0;
}

static int literal(struct parser *p, const char *word)
{
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
        return perr(p, "unexpected character '%c'",
                    p->s[p->pos] >= 0x20 && p->s[p->pos] < 0x7f ? p->s[p->pos] : '?');
    p->pos += n;
    return 0;
}

static int parse_value(struct parser *p, uint32_t *idx, int depth);

/* Links `child` after `*last` (or as the first child of `parent`). */
static void link_child(struct json_doc *d, uint32_t parent, uint32_t *last, uint32_t child)
{
    if (*last)
        d->nodes[*last].next = child;
    else
        d->nodes[parent].child = child;
    *last = child;
}

static int parse_member(struct parser *p, uint32_t *idx, int depth)
{
    const char *key;
    size_t key_len;
    skip_ws(p);
    if (p->pos >= p->len || p->s[p->pos] != '"')
        return perr(p, "expected a member name");
    if (parse_string(p, &key, &key_len) < 0)
        return -1;
    skip_ws(p);
    if (p->pos >= p->len || p->s[p->pos] != ':')
        return perr(p, "expected ':'");
    p->pos++;
    if (parse_value(p, idx, depth) < 0)
        return -1;
    p->d->nodes[*idx].key = key;
    p->d->nodes[*idx].key_len = key_len;
    return 0;
}

/* An array or object after its opening bracket. */
static int parse_container(struct parser *p, uint32_t self, bool object, int depth)
{
    char close = object ? '}' : ']';
    uint32_t last = 0;
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == close) {
        p->pos++;
        return 0;
    }
    for (;;) {
        uint32_t child;
        int r = object ? parse_member(p, &child, depth) : parse_value(p, &child, depth);
        if (r < 0)
            return -1;
        link_child(p->d, self, &last, child);
        skip_ws(p);
        if (p->pos >= p->len)
            return perr(p, "unterminated %s", object ? "object" : "array");
        char c = p->s[p->pos++];
        if (c == close)
            return 0;
        if (c != ',') {
            p->pos--;
            return perr(p, "expected ',' or '%c'", close);
        }
    }
}

static int parse_value(struct parser *p, uint32_t *idx, int depth)
{
    skip_ws(p);
    if (p->pos >= p->len)
        return perr(p, "unexpected end of input");
    if (depth >= JSON_MAX_DEPTH)
        return perr(p, "nested deeper than %d levels", JSON_MAX_DEPTH);
    char c = p->s[p->pos];
    enum json_type t = c == '{' ? JSON_OBJECT : c == '[' ? JSON_ARRAY : c == '"' ? JSON_STRING
                     : c == 't' ? JSON_TRUE : c == 'f' ? JSON_FALSE : c == 'n' ? JSON_NULL
                     : JSON_NUMBER;
    uint32_t self = new_node(p, t);
    if (self == UINT32_MAX)
        return perr(p, "out of memory");
    *idx = self;
    struct json_node *n = &p->d->nodes[self];
    switch (t) {
    case JSON_OBJECT:
    case JSON_ARRAY:
        p->pos++;
        return parse_container(p, self, t == JSON_OBJECT, depth + 1);
    case JSON_STRING:
        return parse_string(p, &n->str, &n->str_len);
    case JSON_TRUE: return literal(p, "true");
    case JSON_FALSE: return literal(p, "false");
    case JSON_NULL: return literal(p, "null");
    case JSON_NUMBER:
        if (c != '-' && (c < '0' || c > '9'))
            return perr(p, "unexpected character '%c'", c >= 0x20 && c < 0x7f ? c : '?');
        return parse_number(p, &n->num);
    }
    return perr(p, "internal error");
}

int json_parse(struct json_doc *d, const char *text, size_t len, char *err, size_t errlen)
{
    memset(d, 0, sizeof(*d));
    struct parser p = { .d = d, .len = len, .err = err, .errlen = errlen };
    if (len > JSON_MAX_BYTES)
        return perr(&p, "document larger than %u MiB", JSON_MAX_BYTES >> 20);
    d->text = malloc(len + 1);
    if (!d->text)
        return perr(&p, "out of memory");
    memcpy(d->text, text, len);
    d->text[len] = 0;
    p.s = d->text;
    uint32_t root;
    if (parse_value(&p, &root, 0) < 0)
        return -1;
    skip_ws(&p);
    if (p.pos != p.len)
        return perr(&p, "trailing characters after the document");
    return 0;
}

void json_free(struct json_doc *d)
{
    free(d->text);
    free(d->nodes);
    memset(d, 0, sizeof(*d));
}

const struct json_node *json_root(const struct json_doc *d)
{
    return d->count ? &d->nodes[0] : NULL;
}

const struct json_node *json_first(const struct json_doc *d, const struct json_node *n)
{
    if (!n || (n->type != JSON_ARRAY && n->type != JSON_OBJECT) || !n->child)
        return NULL;
    return &d->nodes[n->child];
}

const struct json_node *json_next(const struct json_doc *d, const struct json_node *n)
{
    return n && n->next ? &d->nodes[n->next] : NULL;
}

const struct json_node *json_member(const struct json_doc *d, const struct json_node *obj,
                                    const char *key)
{
    if (!obj || obj->type != JSON_OBJECT)
        return NULL;
    size_t klen = strlen(key);
    const struct json_node *found = NULL;
    for (const struct json_node *m = json_first(d, obj); m; m = json_next(d, m))
        if (m->key_len == klen && memcmp(m->key, key, klen) == 0)
            found = m;
    return found;
}

bool json_uint(const struct json_node *n, uint64_t max, uint64_t *out)
{
    if (max > (1ull << 53)) /* beyond this a double no longer holds every integer */
        max = 1ull << 53;
    if (!n || n->type != JSON_NUMBER || !(n->num >= 0) || n->num > (double)max ||
        n->num != floor(n->num))
        return false;
    *out = (uint64_t)n->num;
    return true;
}
