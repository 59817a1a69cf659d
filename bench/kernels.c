/* The benchmark kernels; see kernels.h and README.md.
 *
 * Work sizes: each kernel repeats a fixed pass `scale * K_PASSES` times.
 * The pass counts below are tuned so one unit of scale costs each kernel
 * about 3.6 million guest instructions (gcc -O2 -march=i486), 18 million for
 * all five (BENCH_INSNS_PER_SCALE).  Changing them changes every checksum
 * and every figure: do it only on purpose, and say so in README.md. */
#include "kernels.h"

#include <stddef.h>

/* Pseudo-random numbers: xorshift32 (Marsaglia), never zero. */
static uint32_t xorshift32(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

/* Mixes a value into a running checksum (FNV-1a's prime, word at a time). */
static uint32_t mix(uint32_t h, uint32_t v)
{
    return (h ^ v) * 0x01000193u;
}

/* --- crc32: table-driven CRC-32 (IEEE 802.3, reflected) ------------------- */

#define CRC_BUF_BYTES 16384u
#define CRC_PASSES 29u

static uint32_t crc_table[256];
static uint8_t crc_buf[CRC_BUF_BYTES];

static void crc_make_table(void)
{
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
}

static uint32_t crc_update(uint32_t crc, const uint8_t *p, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++)
        crc = crc_table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
    return crc;
}

static uint32_t k_crc32(uint32_t scale)
{
    crc_make_table();
    /* The well-known check value: CRC-32 of "123456789" is 0xCBF43926. */
    static const uint8_t check[9] = { '1', '2', '3', '4', '5', '6', '7', '8', '9' };
    uint32_t h = mix(0x811C9DC5u, ~crc_update(0xFFFFFFFFu, check, 9));
    uint32_t seed = 0x2545F491u;
    for (uint32_t i = 0; i < CRC_BUF_BYTES; i++)
        crc_buf[i] = (uint8_t)(xorshift32(&seed) >> 24);
    uint32_t crc = 0xFFFFFFFFu;
    uint32_t passes = scale * CRC_PASSES;
    for (uint32_t p = 0; p < passes; p++) {
        crc = crc_update(crc, crc_buf, CRC_BUF_BYTES);
        crc_buf[p % CRC_BUF_BYTES] ^= (uint8_t)crc; /* every pass sees new data */
    }
    return mix(h, ~crc);
}

/* --- sieve: sieve of Eratosthenes ---------------------------------------- */

#define SIEVE_N 60000u           /* numbers below this */
#define SIEVE_PASSES 4u

static uint8_t sieve_flags[SIEVE_N];

static uint32_t k_sieve(uint32_t scale)
{
    uint32_t h = 0x811C9DC5u;
    uint32_t passes = scale * SIEVE_PASSES;
    for (uint32_t p = 0; p < passes; p++) {
        /* Each pass sieves a slightly different range, so no two passes are
         * the same computation. */
        uint32_t n = SIEVE_N - (p % 64) * 97;
        for (uint32_t i = 0; i < n; i++)
            sieve_flags[i] = 1;
        sieve_flags[0] = sieve_flags[1] = 0;
        for (uint32_t i = 2; i * i < n; i++)
            if (sieve_flags[i])
                for (uint32_t j = i * i; j < n; j += i)
                    sieve_flags[j] = 0;
        uint32_t count = 0, sum = 0, last = 0;
        for (uint32_t i = 0; i < n; i++)
            if (sieve_flags[i]) {
                count++;
                sum += i;
                last = i;
            }
        h = mix(mix(mix(h, count), sum), last);
    }
    return h;
}

/* --- sort: quicksort (median of three, insertion sort below 16) ------------ */

#define SORT_N 8192u
#define SORT_PASSES 3u

static uint32_t sort_a[SORT_N];

static void insertion_sort(uint32_t *a, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++) {
        uint32_t v = a[i], j = i;
        while (j > 0 && a[j - 1] > v) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

static void swap32(uint32_t *a, uint32_t *b)
{
    uint32_t t = *a;
    *a = *b;
    *b = t;
}

/* Recurses on the smaller part and loops on the larger: depth <= log2(n). */
static void quicksort(uint32_t *a, uint32_t n)
{
    while (n > 16) {
        uint32_t mid = n / 2, last = n - 1;
        if (a[mid] < a[0])
            swap32(&a[mid], &a[0]);
        if (a[last] < a[0])
            swap32(&a[last], &a[0]);
        if (a[last] < a[mid])
            swap32(&a[last], &a[mid]);
        uint32_t pivot = a[mid];
        uint32_t i = 0, j = last;
        for (;;) {                      /* Hoare partition */
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i >= j)
                break;
            swap32(&a[i], &a[j]);
            i++;
            j--;
        }
        uint32_t left = j + 1;          /* [0, j] and [j+1, n) */
        if (left < n - left) {
            quicksort(a, left);
            a += left;
            n -= left;
        } else {
            quicksort(a + left, n - left);
            n = left;
        }
    }
    insertion_sort(a, n);
}

static uint32_t k_sort(uint32_t scale)
{
    uint32_t h = 0x811C9DC5u, seed = 0x9E3779B9u;
    uint32_t passes = scale * SORT_PASSES;
    for (uint32_t p = 0; p < passes; p++) {
        /* Mostly random keys, with runs of duplicates every few passes. */
        uint32_t mask = (p % 4 == 3) ? 0x3FFu : 0xFFFFFFFFu;
        for (uint32_t i = 0; i < SORT_N; i++)
            sort_a[i] = xorshift32(&seed) & mask;
        quicksort(sort_a, SORT_N);
        uint32_t unsorted = 0;
        for (uint32_t i = 1; i < SORT_N; i++)
            unsorted += sort_a[i - 1] > sort_a[i];
        h = mix(h, unsorted);
        for (uint32_t i = 0; i < SORT_N; i += 61)
            h = mix(h, sort_a[i]);
    }
    return h;
}

/* --- interp: a switch-dispatched stack machine ----------------------------- */

enum {
    OP_HALT, OP_PUSH, OP_LOAD, OP_STORE, OP_ADD, OP_SUB, OP_MUL, OP_XOR,
    OP_AND, OP_SHL, OP_SHR, OP_DUP, OP_SWAP, OP_LT, OP_JZ, OP_JMP, OP_INC,
};

enum { V_I, V_N, V_A, V_B, V_ACC, V_COUNT };

#define INTERP_ITERS 4900u      /* loop iterations per unit of scale */

/* The program: i = 0; a = 1; b = 0; acc = 0x12345678;
 *   while (i < n) {
 *       t = a + b; b = a; a = t;                 (Fibonacci, mod 2^32)
 *       acc = (acc ^ a) * 0x01000193 + i;
 *       if (acc & 0x100) acc ^= acc >> 3;
 *       if ((i & 7) == 0) acc = (acc << 1) - b;
 *       i++;
 *   }
 * Jump offsets are absolute byte addresses, 2 bytes little-endian;
 * PUSH takes 4 bytes little-endian. */
#define IMM32(v) OP_PUSH, (uint8_t)(v), (uint8_t)((v) >> 8), (uint8_t)((v) >> 16), \
                 (uint8_t)((v) >> 24)
#define ADDR(a) (uint8_t)(a), (uint8_t)((a) >> 8)
static const uint8_t interp_prog[] = {
    /*   0 */ IMM32(0), OP_STORE, V_I,
    /*   7 */ IMM32(1), OP_STORE, V_A,
    /*  14 */ IMM32(0), OP_STORE, V_B,
    /*  21 */ IMM32(0x12345678), OP_STORE, V_ACC,
    /*  28: loop */ OP_LOAD, V_I, OP_LOAD, V_N, OP_LT, OP_JZ, ADDR(100),
    /*  36 */ OP_LOAD, V_A, OP_LOAD, V_B, OP_ADD, OP_LOAD, V_A, OP_STORE, V_B,
              OP_STORE, V_A,
    /*  47 */ OP_LOAD, V_ACC, OP_LOAD, V_A, OP_XOR, IMM32(0x01000193), OP_MUL,
              OP_LOAD, V_I, OP_ADD, OP_STORE, V_ACC,
    /*  63 */ OP_LOAD, V_ACC, IMM32(0x100), OP_AND, OP_JZ, ADDR(86),
    /*  74 */ OP_LOAD, V_ACC, OP_DUP, IMM32(3), OP_SHR, OP_XOR, OP_STORE, V_ACC,
    /*  86 */ OP_LOAD, V_I, IMM32(7), OP_AND, OP_JZ, ADDR(103), OP_JMP, ADDR(120),
    /* 100: end */ OP_HALT, OP_HALT, OP_HALT,
    /* 103 */ OP_LOAD, V_B, OP_LOAD, V_ACC, IMM32(1), OP_SHL, OP_SWAP, OP_SUB,
              OP_STORE, V_ACC, OP_JMP, ADDR(120),
    /* 120 */ OP_INC, V_I, OP_JMP, ADDR(28),
};
_Static_assert(sizeof(interp_prog) == 125, "the jump addresses above assume this layout");

/* Runs `prog` with vars[] as its variables; returns the number of
 * operations executed, or 0xFFFFFFFF on a malformed program. */
static uint32_t interp_run(const uint8_t *prog, uint32_t len, uint32_t *vars)
{
    uint32_t stack[32];
    uint32_t sp = 0, pc = 0, ops = 0;
    for (;;) {
        if (pc >= len)
            return 0xFFFFFFFFu;
        ops++;
        uint8_t op = prog[pc++];
        switch (op) {
        case OP_HALT:
            return ops;
        case OP_PUSH:
            stack[sp++ & 31] = prog[pc] | prog[pc + 1] << 8 | prog[pc + 2] << 16 |
                               (uint32_t)prog[pc + 3] << 24;
            pc += 4;
            break;
        case OP_LOAD:
            stack[sp++ & 31] = vars[prog[pc++] % V_COUNT];
            break;
        case OP_STORE:
            vars[prog[pc++] % V_COUNT] = stack[--sp & 31];
            break;
        case OP_ADD:
            sp--;
            stack[(sp - 1) & 31] += stack[sp & 31];
            break;
        case OP_SUB:
            sp--;
            stack[(sp - 1) & 31] -= stack[sp & 31];
            break;
        case OP_MUL:
            sp--;
            stack[(sp - 1) & 31] *= stack[sp & 31];
            break;
        case OP_XOR:
            sp--;
            stack[(sp - 1) & 31] ^= stack[sp & 31];
            break;
        case OP_AND:
            sp--;
            stack[(sp - 1) & 31] &= stack[sp & 31];
            break;
        case OP_SHL:
            sp--;
            stack[(sp - 1) & 31] <<= stack[sp & 31] & 31;
            break;
        case OP_SHR:
            sp--;
            stack[(sp - 1) & 31] >>= stack[sp & 31] & 31;
            break;
        case OP_DUP:
            stack[sp & 31] = stack[(sp - 1) & 31];
            sp++;
            break;
        case OP_SWAP: {
            uint32_t t = stack[(sp - 1) & 31];
            stack[(sp - 1) & 31] = stack[(sp - 2) & 31];
            stack[(sp - 2) & 31] = t;
            break;
        }
        case OP_LT:
            sp--;
            stack[(sp - 1) & 31] = stack[(sp - 1) & 31] < stack[sp & 31];
            break;
        case OP_JZ:
            if (stack[--sp & 31] == 0)
                pc = prog[pc] | prog[pc + 1] << 8;
            else
                pc += 2;
            break;
        case OP_JMP:
            pc = prog[pc] | prog[pc + 1] << 8;
            break;
        case OP_INC:
            vars[prog[pc++] % V_COUNT]++;
            break;
        default:
            return 0xFFFFFFFFu;
        }
    }
}

static uint32_t k_interp(uint32_t scale)
{
    uint32_t vars[V_COUNT] = { 0 };
    vars[V_N] = scale * INTERP_ITERS;
    uint32_t ops = interp_run(interp_prog, sizeof(interp_prog), vars);
    uint32_t h = 0x811C9DC5u;
    h = mix(h, ops);
    for (uint32_t i = 0; i < V_COUNT; i++)
        h = mix(h, vars[i]);
    return h;
}

/* --- lz: LZ77 compressor with a hash table, and the decompressor ------------- */

/* The format: a tag byte t.  t < 0x80: t+1 literal bytes follow.
 * t >= 0x80: a match of (t & 0x7F) + LZ_MIN_MATCH bytes at the distance
 * given by the next two bytes (little-endian, 1..65535). */
#define LZ_IN_BYTES 24576u
#define LZ_OUT_MAX (LZ_IN_BYTES + LZ_IN_BYTES / 128 + 16)
#define LZ_MIN_MATCH 4u
#define LZ_MAX_MATCH (0x7Fu + LZ_MIN_MATCH)
#define LZ_HASH_BITS 12u
#define LZ_PASSES 3u

static uint8_t lz_in[LZ_IN_BYTES];
static uint8_t lz_out[LZ_OUT_MAX];
static uint8_t lz_back[LZ_IN_BYTES];
static uint32_t lz_hash[1u << LZ_HASH_BITS];  /* position + 1; 0 = empty */

static uint32_t rd32le(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t lz_flush_literals(const uint8_t *lit, uint32_t n, uint8_t *out, uint32_t o)
{
    while (n > 0) {
        uint32_t k = n > 128 ? 128 : n;
        out[o++] = (uint8_t)(k - 1);
        for (uint32_t i = 0; i < k; i++)
            out[o++] = lit[i];
        lit += k;
        n -= k;
    }
    return o;
}

static uint32_t lz_compress(const uint8_t *in, uint32_t n, uint8_t *out)
{
    for (uint32_t i = 0; i < (1u << LZ_HASH_BITS); i++)
        lz_hash[i] = 0;
    uint32_t o = 0, pos = 0, lit = 0;
    while (pos + LZ_MIN_MATCH <= n) {
        uint32_t word = rd32le(in + pos);
        uint32_t hv = (word * 2654435761u) >> (32 - LZ_HASH_BITS);
        uint32_t cand = lz_hash[hv];
        lz_hash[hv] = pos + 1;
        if (cand != 0 && pos - (cand - 1) <= 0xFFFFu && rd32le(in + cand - 1) == word) {
            uint32_t from = cand - 1, len = LZ_MIN_MATCH;
            while (pos + len < n && len < LZ_MAX_MATCH && in[from + len] == in[pos + len])
                len++;
            o = lz_flush_literals(in + lit, pos - lit, out, o);
            uint32_t dist = pos - from;
            out[o++] = (uint8_t)(0x80 | (len - LZ_MIN_MATCH));
            out[o++] = (uint8_t)dist;
            out[o++] = (uint8_t)(dist >> 8);
            /* Index a couple of positions inside the match too. */
            for (uint32_t k = 1; k < len && k < 3 && pos + k + 4 <= n; k++) {
                uint32_t w = rd32le(in + pos + k);
                lz_hash[(w * 2654435761u) >> (32 - LZ_HASH_BITS)] = pos + k + 1;
            }
            pos += len;
            lit = pos;
        } else {
            pos++;
        }
    }
    return lz_flush_literals(in + lit, n - lit, out, o);
}

/* Returns the decompressed size, or 0xFFFFFFFF on a malformed stream. */
static uint32_t lz_decompress(const uint8_t *in, uint32_t n, uint8_t *out, uint32_t cap)
{
    uint32_t i = 0, o = 0;
    while (i < n) {
        uint32_t t = in[i++];
        if (t < 0x80) {
            uint32_t k = t + 1;
            if (i + k > n || o + k > cap)
                return 0xFFFFFFFFu;
            for (uint32_t j = 0; j < k; j++)
                out[o++] = in[i++];
        } else {
            if (i + 2 > n)
                return 0xFFFFFFFFu;
            uint32_t len = (t & 0x7F) + LZ_MIN_MATCH;
            uint32_t dist = in[i] | in[i + 1] << 8;
            i += 2;
            if (dist == 0 || dist > o || o + len > cap)
                return 0xFFFFFFFFu;
            for (uint32_t j = 0; j < len; j++, o++)
                out[o] = out[o - dist];
        }
    }
    return o;
}

/* Compressible input: words from a small vocabulary, with numbers and a
 * little noise, like a log file. */
static void lz_make_input(uint8_t *buf, uint32_t n, uint32_t *seed)
{
    static const char *const words[] = {
        "the ", "quick ", "brown ", "fox ", "jumps ", "over ", "lazy ", "dog ",
        "plex86 ", "virtual ", "machine ", "interrupt ", "segment ", "page ",
        "descriptor ", "register ", "\n", ", ", ". ", "error ", "ok ", "read ",
        "write ", "port ", "0x3f8 ", "cache ", "table ", "entry ", "guest ",
        "host ", "monitor ", "scan ",
    };
    uint32_t i = 0;
    while (i < n) {
        uint32_t r = xorshift32(seed);
        if ((r & 0xF) == 0) {
            /* a number: 1-5 decimal digits */
            uint32_t v = r >> 8, digits = 1 + (r >> 4) % 5;
            for (uint32_t d = 0; d < digits && i < n; d++, v /= 10)
                buf[i++] = (uint8_t)('0' + v % 10);
            if (i < n)
                buf[i++] = ' ';
        } else if ((r & 0xFF) == 0x11) {
            buf[i++] = (uint8_t)(r >> 24);  /* noise */
        } else {
            const char *w = words[(r >> 8) % (sizeof(words) / sizeof(words[0]))];
            while (*w && i < n)
                buf[i++] = (uint8_t)*w++;
        }
    }
}

static uint32_t k_lz(uint32_t scale)
{
    uint32_t h = 0x811C9DC5u, seed = 0xB5297A4Du;
    uint32_t passes = scale * LZ_PASSES;
    for (uint32_t p = 0; p < passes; p++) {
        lz_make_input(lz_in, LZ_IN_BYTES, &seed);
        uint32_t clen = lz_compress(lz_in, LZ_IN_BYTES, lz_out);
        uint32_t dlen = lz_decompress(lz_out, clen, lz_back, LZ_IN_BYTES);
        uint32_t bad = dlen != LZ_IN_BYTES;
        for (uint32_t i = 0; !bad && i < LZ_IN_BYTES; i++)
            bad = lz_back[i] != lz_in[i];
        uint32_t sh = 0x811C9DC5u;      /* a hash of the compressed stream */
        for (uint32_t i = 0; i < clen; i += 4)
            sh = mix(sh, lz_out[i]);
        h = mix(mix(mix(h, clen), sh), bad ? 0xBAD0BAD0u : 0);
    }
    return h;
}

/* --- the list -------------------------------------------------------------- */

const struct bench_kernel bench_kernels[] = {
    { "crc32", k_crc32 },
    { "sieve", k_sieve },
    { "sort", k_sort },
    { "interp", k_interp },
    { "lz", k_lz },
    { "spectral", bench_spectral },   /* kernel_x87.c */
};
const unsigned bench_nkernels = sizeof(bench_kernels) / sizeof(bench_kernels[0]);
