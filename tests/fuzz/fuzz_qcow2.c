/* Fuzz harness: the qcow2 reader (src/block/block_qcow2.c).
 *
 * The input is a qcow2 image file, so the seeds are images and a saved
 * crash can be given to `plex86 -drive file=X,readonly=on` as it is (with
 * no backing file followed: the harness reads from memory).  The image is
 * opened with block_qcow2_open_block; what each answer promises:
 *
 *   refused   one line that starts with the image's name;
 *   opened    a length that is not 0 and at most 2^57 bytes; writes refused
 *             with -EROFS; ranges past the end refused with -EINVAL; reads
 *             (the first and last 64 KiB, and 24 places picked from the
 *             input's bytes, each up to 8 KiB) return 0 or -EIO (a lying
 *             table) or -ENOMEM, never anything else, and the same read
 *             twice gives the same bytes (the L2 and inflate caches never
 *             serve stale data).
 *
 * The reads are bounded (a virtual size of 2^57 with a 100-byte file
 * costs what the 26 reads cost). */
#include <errno.h>
#include <stdbool.h>

#include "block/block.h"
#include "block/block_open.h"
#include "fuzz.h"

#define NAME "fuzz.qcow2"
#define PIECE 8192u
#define EDGE 65536u

static void check_read(struct block *b, uint64_t off, size_t len, uint8_t *a, uint8_t *c)
{
    int r = block_read(b, off, a, len);
    FUZZ_CHECK(r == 0 || r == -EIO || r == -ENOMEM, "read %#llx+%zu: %d",
               (unsigned long long)off, len, r);
    if (r != 0)
        return;
    r = block_read(b, off, c, len);
    FUZZ_CHECK(r == 0, "the same read again: %d", r);
    FUZZ_CHECK(!memcmp(a, c, len), "read %#llx+%zu twice: different bytes",
               (unsigned long long)off, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (4u << 20))
        return 0;
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    struct block *file = block_open_memory(copy, size, true);
    char err[512] = "";
    struct block *b = file ? block_qcow2_open_block(file, NAME, err, sizeof(err)) : NULL;
    if (!b) {
        if (file) {
            FUZZ_CHECK(err[0] && !strchr(err, '\n'), "error is not one line: \"%s\"", err);
            FUZZ_CHECK(!strncmp(err, NAME ": ", sizeof(NAME ": ") - 1),
                       "error does not start with the image's name: \"%s\"", err);
        }
        free(copy);
        return 0;
    }
    uint64_t len = block_length(b);
    FUZZ_CHECK(len > 0 && len <= ((uint64_t)1 << 57), "length %#llx",
               (unsigned long long)len);
    FUZZ_CHECK(block_is_read_only(b), "a qcow2 image opened writable");
    uint8_t *a = malloc(EDGE), *c = malloc(EDGE);
    if (!a || !c) {
        free(a);
        free(c);
        block_close(b);
        free(copy);
        return 0;
    }
    FUZZ_CHECK(block_write(b, 0, a, 512) == -EROFS, "a write was not refused");
    FUZZ_CHECK(block_read(b, len, a, 1) == -EINVAL, "a read past the end was not refused");
    check_read(b, 0, len < EDGE ? (size_t)len : EDGE, a, c);
    if (len > EDGE)
        check_read(b, len - EDGE, EDGE, a, c);
    /* Places from the input's own bytes, so the fuzzer can steer them. */
    uint32_t seed = size;
    for (size_t i = 0; i < size; i++)
        seed = seed * 31u + data[i];
    for (int k = 0; k < 24; k++) {
        uint64_t off = ((uint64_t)fz_rand(&seed) << 32 | fz_rand(&seed)) % len;
        size_t n = 1 + fz_rand(&seed) % PIECE;
        if (n > len - off)
            n = (size_t)(len - off);
        check_read(b, off, n, a, c);
    }
    free(a);
    free(c);
    block_close(b);
    free(copy);
    return 0;
}
