/* A small, strict JSON reader (RFC 8259) for the test suites' metadata.
 *
 * The whole document becomes an array of nodes; strings are decoded in
 * place in a private copy of the text.  Limits keep hostile input cheap:
 * JSON_MAX_BYTES of text, JSON_MAX_DEPTH levels of nesting, and at most one
 * node per input byte.  Errors name the byte offset.
 */
#ifndef PLEX86_TOOLS_JSON_H
#define PLEX86_TOOLS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_BYTES (64u << 20)
#define JSON_MAX_DEPTH 64

enum json_type {
    JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT
};

struct json_node {
    enum json_type type;
    uint32_t child;      /* first element or member, 0 = none */
    uint32_t next;       /* next sibling, 0 = none (node 0 is the root) */
    const char *key;     /* member name inside an object, else NULL */
    size_t key_len;
    const char *str;     /* JSON_STRING: decoded bytes, NUL-terminated */
    size_t str_len;
    double num;          /* JSON_NUMBER */
};

struct json_doc {
    char *text;          /* private copy, strings decoded in place */
    struct json_node *nodes;
    uint32_t count, cap;
};

/* Parses `len` bytes.  Returns 0, or -1 with "offset N: what" in err.
 * json_free() is needed either way. */
int json_parse(struct json_doc *d, const char *text, size_t len, char *err, size_t errlen);
void json_free(struct json_doc *d);

const struct json_node *json_root(const struct json_doc *d);
/* The member `key` of an object (the last one if repeated), or NULL. */
const struct json_node *json_member(const struct json_doc *d, const struct json_node *obj,
                                    const char *key);
/* Children of an array or object: first, then next; NULL at the end. */
const struct json_node *json_first(const struct json_doc *d, const struct json_node *n);
const struct json_node *json_next(const struct json_doc *d, const struct json_node *n);

/* A number that is an integer in [0, max]: true with *out set. */
bool json_uint(const struct json_node *n, uint64_t max, uint64_t *out);

#endif
