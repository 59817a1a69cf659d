/* Tiny test helpers: CHECK(cond) and CHECK_EQ(a, b) report the file, line
 * and values of a failure and count it; main() ends with
 * `return check_report();`, which prints a summary and gives ctest the
 * exit status.  One test program per file, so the counter is per program. */
#ifndef PLEX86_TESTS_CHECK_H
#define PLEX86_TESTS_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static unsigned check_failed, check_total;

#define CHECK(cond)                                                            \
    do {                                                                       \
        check_total++;                                                         \
        if (!(cond)) {                                                         \
            check_failed++;                                                    \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__,  \
                    #cond);                                                    \
        }                                                                      \
    } while (0)

/* Compares two integers (as uint64_t) and prints both in hex on failure. */
#define CHECK_EQ(a, b)                                                         \
    do {                                                                       \
        uint64_t check_a_ = (uint64_t)(a), check_b_ = (uint64_t)(b);           \
        check_total++;                                                         \
        if (check_a_ != check_b_) {                                            \
            check_failed++;                                                    \
            fprintf(stderr,                                                    \
                    "%s:%d: CHECK_EQ failed: %s == %s (0x%" PRIx64             \
                    " != 0x%" PRIx64 ")\n",                                    \
                    __FILE__, __LINE__, #a, #b, check_a_, check_b_);           \
        }                                                                      \
    } while (0)

/* Compares two C strings; prints both on failure. */
#define CHECK_STR(a, b)                                                        \
    do {                                                                       \
        const char *check_a_ = (a), *check_b_ = (b);                           \
        check_total++;                                                         \
        if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_)) {            \
            check_failed++;                                                    \
            fprintf(stderr, "%s:%d: CHECK_STR failed: %s == %s\n  got:  \"%s\"\n" \
                    "  want: \"%s\"\n", __FILE__, __LINE__, #a, #b,            \
                    check_a_ ? check_a_ : "(null)",                            \
                    check_b_ ? check_b_ : "(null)");                           \
        }                                                                      \
    } while (0)

static inline int check_report(void)
{
    fprintf(stderr, "%u checks, %u failed\n", check_total, check_failed);
    return check_failed ? 1 : 0;
}

#endif
