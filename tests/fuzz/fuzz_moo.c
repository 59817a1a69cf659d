/* Fuzz harness: sst-run's readers of untrusted files (tools/).
 *
 * The input is read as a MOO file (tools/moo.h): from memory, or, when it
 * starts with the gzip magic, from a file (a memfd), which is the path that
 * inflates.  Every test it holds is decoded and every field touched (the
 * RAM records, name, bytes, queue), with a cap of 100000 tests.  The same
 * bytes then go to the JSON reader (tools/json.h, metadata.json) with a
 * walk of the whole tree, and to the skip-list and revocation-list parsers
 * (tools/sst-lists.h).  Each must either succeed or give one error; ASan
 * and UBSan watch the rest. */
#define _GNU_SOURCE
#include <stdbool.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "json.h"
#include "moo.h"
#include "sst-lists.h"

static volatile uint32_t sink;

static void touch_state(const struct moo_state *s)
{
    uint32_t acc = 0;
    for (uint32_t k = 0; k < s->ram.count; k++)
        acc += moo_ram_addr(&s->ram, k) + moo_ram_value(&s->ram, k);
    for (uint32_t k = 0; k < s->queue_len; k++)
        acc += s->queue[k];
    for (unsigned r = 0; r < MOO_MAX_REGS; r++)
        if (s->has_regs && (s->regs.present >> r & 1))
            acc += s->regs.v[r];
    sink += acc;
}

static void read_moo(struct moo_file *f, int rc)
{
    if (rc < 0) {
        FUZZ_CHECK(f->err[0] && !strchr(f->err, '\n'), "moo_open: bad error text");
        return;
    }
    FUZZ_CHECK(f->buf || f->len == 0, "moo_open: no buffer");
    struct moo_test t;
    unsigned count = 0;
    while (count < 100000 && (rc = moo_next(f, &t)) > 0) {
        count++;
        uint32_t acc = t.index;
        for (uint32_t k = 0; k < t.name_len; k++)
            acc += (uint8_t)t.name[k];
        for (uint32_t k = 0; k < t.nbytes; k++)
            acc += t.bytes[k];
        sink += acc;
        touch_state(&t.init);
        touch_state(&t.fina);
    }
    if (rc < 0)
        FUZZ_CHECK(f->err[0] && !strchr(f->err, '\n'), "moo_next: bad error text");
    moo_rewind(f);
    if (moo_next(f, &t) < 0)
        FUZZ_CHECK(f->err[0], "moo_next after rewind: no error text");
    for (unsigned r = 0; r < moo_reg_count(true); r++)
        sink += (uint32_t)strlen(moo_reg_name(true, r));
}

static void walk_json(const struct json_doc *d, const struct json_node *n, unsigned depth)
{
    FUZZ_CHECK(depth <= JSON_MAX_DEPTH + 1, "JSON tree deeper than its limit");
    uint64_t u;
    sink += json_uint(n, UINT32_MAX, &u) ? (uint32_t)u : 0;
    if (n->type == JSON_STRING)
        FUZZ_CHECK(n->str && n->str[n->str_len] == 0, "JSON string not terminated");
    if (n->type == JSON_OBJECT)
        sink += json_member(d, n, "opcode") != NULL;
    for (const struct json_node *k = json_first(d, n); k; k = json_next(d, k))
        walk_json(d, k, depth + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct moo_file f;
    if (size >= 2 && data[0] == 0x1F && data[1] == 0x8B) {
        int fd = memfd_create("fuzz.MOO.gz", 0);
        if (fd < 0)
            fuzz_fail("memfd_create failed");
        size_t done = 0;
        while (done < size) {
            ssize_t w = write(fd, data + done, size - done);
            if (w <= 0)
                fuzz_fail("write to the memfd failed");
            done += (size_t)w;
        }
        char path[64];
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        read_moo(&f, moo_open(&f, path));
        moo_close(&f);
        close(fd);
    } else {
        read_moo(&f, moo_open_mem(&f, "fuzz.MOO", data, size));
        moo_close(&f);
    }

    char err[512];
    struct json_doc d;
    memset(&d, 0, sizeof(d));
    if (json_parse(&d, (const char *)data, size, err, sizeof(err)) == 0) {
        const struct json_node *root = json_root(&d);
        FUZZ_CHECK(root != NULL, "json_parse succeeded without a root");
        walk_json(&d, root, 0);
    } else {
        FUZZ_CHECK(err[0] && !strchr(err, '\n'), "json_parse: bad error text");
    }
    json_free(&d);

    struct sst_skips s;
    memset(&s, 0, sizeof(s));
    if (sst_skips_parse(&s, "fuzz", (const char *)data, size, err, sizeof(err)) == 0) {
        sink += sst_skips_file(&s, "00.MOO.gz") != NULL;
        sink += sst_skips_test(&s, "00.MOO.gz", 1) != NULL;
    }
    sst_skips_free(&s);
    struct sst_hashes h;
    memset(&h, 0, sizeof(h));
    if (sst_hashes_parse(&h, "fuzz", (const char *)data, size, err, sizeof(err)) == 0) {
        static const uint8_t zero[20];
        sink += sst_hashes_has(&h, zero);
    }
    sst_hashes_free(&h);
    return 0;
}
