/* The side files of a SingleStepTests run: our skip list, the suite's
 * revocation list, and the per-opcode flag masks of its metadata.json.
 * Pure data handling, no CPU: unit-tested by tests/sst/moo-reader-test.c.
 */
#ifndef PLEX86_TOOLS_SST_LISTS_H
#define PLEX86_TOOLS_SST_LISTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"

/* Text side files larger than this are refused. */
#define SST_MAX_LIST_BYTES (16u << 20)

/* Reads a whole text file (at most `cap` bytes) into a NUL-terminated
 * buffer.  Returns 0, or -1 with a message naming the file in err. */
int sst_read_file(const char *path, size_t cap, char **buf, size_t *len,
                  char *err, size_t errlen);

/* --- skip list: lines "FILENAME[:INDEX] reason...", '#' starts a comment
 *     line.  FILENAME is a test file's base name, e.g. "8C.MOO.gz". --- */
struct sst_skip {
    char *file;
    bool whole_file;
    uint32_t index;
    char *reason;
};

struct sst_skips {
    struct sst_skip *v;
    size_t n;
};

/* `src` names the list in messages ("FILE:LINE: ..."). */
int sst_skips_parse(struct sst_skips *s, const char *src, const char *text, size_t len,
                    char *err, size_t errlen);
int sst_skips_load(struct sst_skips *s, const char *path, char *err, size_t errlen);
void sst_skips_free(struct sst_skips *s);
/* The reason the whole file, or one test of it, is listed; NULL if not. */
const char *sst_skips_file(const struct sst_skips *s, const char *base);
const char *sst_skips_test(const struct sst_skips *s, const char *base, uint32_t index);

/* --- revocation list: one SHA-1 per line in hex, '#' comments --- */
struct sst_hashes {
    uint8_t (*v)[20];
    size_t n;
};

int sst_hashes_parse(struct sst_hashes *h, const char *src, const char *text, size_t len,
                     char *err, size_t errlen);
int sst_hashes_load(struct sst_hashes *h, const char *path, char *err, size_t errlen);
void sst_hashes_free(struct sst_hashes *h);
bool sst_hashes_has(const struct sst_hashes *h, const uint8_t hash[20]);

/* --- metadata.json --- */

/* Splits a test file's base name into its opcode key and ModRM reg
 * extension: "80.3.MOO.gz" gives "80" and 3, "0F01.2.MOO" gives "0F01" and
 * 2, "C3.MOO.gz" gives "C3" and -1.  The key is upper-cased.  False if the
 * name does not start with 2 to 8 hex digits. */
bool sst_file_opcode(const char *base, char key[9], int *reg);

/* The "flags-mask" metadata.json gives for a test file (per opcode, or per
 * ModRM reg extension under "reg").  Returns 1 with *mask set, 0 if the
 * metadata has none, -1 with a message if it is not an integer in
 * [0, 0xFFFFFFFF]. */
int sst_meta_flags_mask(const struct json_doc *meta, const char *base, uint32_t *mask,
                        char *err, size_t errlen);

#endif
