/* The benchmark kernels as a native host program, for comparison with the
 * guest: the same kernels.c, compiled for the host.
 *
 *     bench-native [scale=N] [only=A,B,...] [-t]
 *
 * prints the guest's lines (`kernel NAME checksum 0xXXXXXXXX`), so the two
 * outputs can be compared, and with -t also one line per kernel
 *
 *     time NAME SECONDS RUNS
 *
 * SECONDS being the fastest of RUNS runs (the kernel is repeated until
 * the runs together take at least 0.3 s, at most 50 times). */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels.h"

#define BENCH_DEFAULT_SCALE 100u   /* as in guest.c */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int usage(const char *why)
{
    fprintf(stderr, "bench-native: %s\n"
                    "usage: bench-native [scale=N] [only=A,B,...|none|all] [-t]\n", why);
    return 2;
}

static int find_kernel(const char *name, size_t len)
{
    for (unsigned k = 0; k < bench_nkernels; k++)
        if (strlen(bench_kernels[k].name) == len &&
            !memcmp(bench_kernels[k].name, name, len))
            return (int)k;
    return -1;
}

int main(int argc, char **argv)
{
    uint32_t scale = BENCH_DEFAULT_SCALE;
    uint32_t selected = (1u << bench_nkernels) - 1;
    int timing = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-t")) {
            timing = 1;
        } else if (!strncmp(a, "scale=", 6)) {
            char *end;
            unsigned long v = strtoul(a + 6, &end, 10);
            if (*end || end == a + 6 || v == 0 || v > 99999)
                return usage("scale= wants a number from 1 to 99999");
            scale = (uint32_t)v;
        } else if (!strncmp(a, "only=", 5)) {
            selected = 0;
            const char *s = a + 5;
            while (*s) {
                size_t n = strcspn(s, ",");
                if (n == 4 && !memcmp(s, "none", 4)) {
                } else if (n == 3 && !memcmp(s, "all", 3)) {
                    selected = (1u << bench_nkernels) - 1;
                } else {
                    int k = find_kernel(s, n);
                    if (k < 0) {
                        fprintf(stderr, "bench-native: unknown kernel '%.*s'\n", (int)n, s);
                        return 2;
                    }
                    selected |= 1u << k;
                }
                s += n;
                if (*s == ',')
                    s++;
            }
        } else {
            return usage("unknown argument");
        }
    }
    printf("plex86 bench: scale %u\n", scale);
    for (unsigned k = 0; k < bench_nkernels; k++) {
        if (!(selected & (1u << k)))
            continue;
        double best = 0, total = 0;
        uint32_t sum = 0;
        int runs = 0;
        do {
            double t0 = now();
            uint32_t s = bench_kernels[k].run(scale);
            double t = now() - t0;
            if (runs > 0 && s != sum) {
                fprintf(stderr, "bench-native: %s is not deterministic\n",
                        bench_kernels[k].name);
                return 1;
            }
            sum = s;
            if (runs == 0 || t < best)
                best = t;
            total += t;
            runs++;
        } while (timing && total < 0.3 && runs < 50);
        printf("kernel %s checksum 0x%08x\n", bench_kernels[k].name, sum);
        if (timing)
            printf("time %s %.6f %d\n", bench_kernels[k].name, best, runs);
        fflush(stdout);
    }
    printf("bench done\n");
    return 0;
}
