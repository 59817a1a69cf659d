/* The benchmark kernels, shared by the guest (guest.c, built with
 * gcc -m32 -ffreestanding) and the native host program (native.c).
 *
 * Each kernel does a fixed amount of integer work proportional to `scale`
 * and returns a 32-bit checksum of what it computed.  The code depends on
 * nothing but <stdint.h> and <stddef.h>, uses only 32-bit unsigned
 * arithmetic (no floating point, no 64-bit division, no pointer values in
 * results), so a 32-bit guest and a 64-bit host get the same checksums. */
#ifndef PLEX86_BENCH_KERNELS_H
#define PLEX86_BENCH_KERNELS_H

#include <stdint.h>

struct bench_kernel {
    const char *name;
    uint32_t (*run)(uint32_t scale);
};

/* The x87 kernel (kernel_x87.c): spectral norm in double precision. */
uint32_t bench_spectral(uint32_t scale);

/* In the order they run; bench_nkernels entries. */
extern const struct bench_kernel bench_kernels[];
extern const unsigned bench_nkernels;

/* One unit of scale is about this many guest instructions, all kernels
 * together (i486 code from gcc -O2; see README.md). */
#define BENCH_INSNS_PER_SCALE 18000000u

#endif
