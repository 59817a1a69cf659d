/* Shared helpers for the fuzz harnesses (tests/fuzz/README.md).
 *
 * Each harness is one file that defines LLVMFuzzerTestOneInput().  Built
 * with clang and -fsanitize=fuzzer it is a libFuzzer target; built with any
 * compiler next to replay_main.c it is a plain program that runs the
 * harness on the files and directories named on its command line, which is
 * how ctest replays the seed corpora and the saved crash inputs in
 * tests/regress/ without clang.
 *
 * A harness treats its input as untrusted bytes: it reads them through a
 * struct fz cursor that returns zeros once the input is used up, so every
 * input, however short, is a complete test case.  A broken property is
 * reported with FUZZ_FAIL, which prints the reason and aborts: libFuzzer
 * saves the input as a crash, and a replay exits non-zero. */
#ifndef PLEX86_TESTS_FUZZ_H
#define PLEX86_TESTS_FUZZ_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Printed when a property fails; the harness then aborts. */
static inline __attribute__((noreturn, format(printf, 1, 2))) void fuzz_fail(const char *fmt,
                                                                             ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz: property failed: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

#define FUZZ_CHECK(cond, ...)                                                  \
    do {                                                                       \
        if (!(cond))                                                           \
            fuzz_fail(__VA_ARGS__);                                            \
    } while (0)

/* A read cursor over the input. */
struct fz {
    const uint8_t *p;
    size_t n;
};

static inline size_t fz_left(const struct fz *f)
{
    return f->n;
}

static inline uint8_t fz_u8(struct fz *f)
{
    if (!f->n)
        return 0;
    f->n--;
    return *f->p++;
}

static inline uint16_t fz_u16(struct fz *f)
{
    uint16_t v = fz_u8(f);
    return (uint16_t)(v | fz_u8(f) << 8);
}

static inline uint32_t fz_u32(struct fz *f)
{
    uint32_t v = fz_u16(f);
    return v | (uint32_t)fz_u16(f) << 16;
}

/* Copies up to n bytes (fewer at the end of the input); returns how many. */
static inline size_t fz_bytes(struct fz *f, void *dst, size_t n)
{
    if (n > f->n)
        n = f->n;
    memcpy(dst, f->p, n);
    f->p += n;
    f->n -= n;
    return n;
}

/* A small deterministic generator for filler bytes derived from the input
 * (xorshift32; never returns to 0 from a non-zero state). */
static inline uint32_t fz_rand(uint32_t *s)
{
    uint32_t x = *s ? *s : 0x9E3779B9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

#endif
