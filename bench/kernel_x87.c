/* The x87 kernel of the benchmark: spectral norm (the Computer Language
 * Benchmarks Game's: the largest singular value of the infinite matrix
 * A(i,j) = 1/((i+j)(i+j+1)/2 + i + 1), by power iteration on A'A), one
 * division, one multiply and one add per matrix element.
 *
 * The guest build compiles this file alone for the x87 (-mfpmath=387);
 * the native program uses the host's SSE2.  Both compute in IEEE double:
 * the guest sets the x87's precision control to 53 bits, so every x87
 * add, multiply and divide rounds exactly as SSE2 does (the wider exponent
 * range of the x87 registers never comes into play for these values), and
 * the checksums agree. */
#include "kernels.h"

#define SPECTRAL_N 100u         /* matrix order */
#define SPECTRAL_ITERS 5u       /* power iterations per pass */
#define SPECTRAL_PASSES 1u      /* passes per unit of scale */

static double spectral_a(uint32_t i, uint32_t j)
{
    return 1.0 / (double)((i + j) * (i + j + 1) / 2 + i + 1);
}

static void mul_av(const double *v, double *out, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        double s = 0;
        for (uint32_t j = 0; j < n; j++)
            s += spectral_a(i, j) * v[j];
        out[i] = s;
    }
}

static void mul_atv(const double *v, double *out, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        double s = 0;
        for (uint32_t j = 0; j < n; j++)
            s += spectral_a(j, i) * v[j];
        out[i] = s;
    }
}

static void mul_atav(const double *v, double *out, double *tmp, uint32_t n)
{
    mul_av(v, tmp, n);
    mul_atv(tmp, out, n);
}

static uint32_t mix_double(uint32_t h, double d)
{
    union { double d; uint32_t w[2]; } u = { d };
    h = (h ^ u.w[0]) * 0x01000193u;
    return (h ^ u.w[1]) * 0x01000193u;
}

uint32_t bench_spectral(uint32_t scale)
{
#if defined(__i386__)
    /* A clean x87 (the guest starts from RESET state: registers tagged
     * full, exceptions unmasked), double precision, round to nearest. */
    static const unsigned short cw = 0x027F;
    __asm__ volatile("fninit\n\tfldcw %0" : : "m"(cw));
#endif
    static double u[SPECTRAL_N], v[SPECTRAL_N], tmp[SPECTRAL_N];
    uint32_t h = 0x811C9DC5u;
    uint32_t passes = scale * SPECTRAL_PASSES;
    for (uint32_t p = 0; p < passes; p++) {
        uint32_t n = SPECTRAL_N - (p % 4);  /* vary the work a little */
        for (uint32_t i = 0; i < n; i++)
            u[i] = 1.0 + (double)((i + p) % 3) / 8.0;
        for (uint32_t k = 0; k < SPECTRAL_ITERS; k++) {
            mul_atav(u, v, tmp, n);
            mul_atav(v, u, tmp, n);
        }
        double vbv = 0, vv = 0;
        for (uint32_t i = 0; i < n; i++) {
            vbv += u[i] * v[i];
            vv += v[i] * v[i];
        }
        h = mix_double(h, vbv);
        h = mix_double(h, vv);
        h = mix_double(h, vbv / vv);
    }
    return h;
}
