/* Unit test of the MOO reader, the JSON reader and the sst side-file
 * parsers, on small MOO images built here by hand.
 *
 *   moo-reader-test                      run the unit tests
 *   moo-reader-test --write-samples DIR  write the sample files the sst-run
 *                                        ctest cases use (see tools/CMakeLists.txt)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "json.h"
#include "moo.h"
#include "sst-lists.h"

/* ---- checks ---------------------------------------------------------------- */

struct tally {
    unsigned checks, failures;
};

#define CHECK(tl, cond)                                                              \
    do {                                                                             \
        (tl)->checks++;                                                              \
        if (!(cond)) {                                                               \
            (tl)->failures++;                                                        \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                            \
    } while (0)

/* ---- building MOO images ------------------------------------------------------ */

struct buf {
    uint8_t *p;
    size_t n, cap;
};

static void put(struct buf *b, const void *d, size_t n)
{
    if (b->n + n > b->cap) {
        size_t ncap = b->cap ? b->cap * 2 : 4096;
        while (ncap < b->n + n)
            ncap *= 2;
        b->p = realloc(b->p, ncap);
        if (!b->p) {
            perror("realloc");
            exit(2);
        }
        b->cap = ncap;
    }
    memcpy(b->p + b->n, d, n);
    b->n += n;
}

static void put8(struct buf *b, uint8_t v)
{
    put(b, &v, 1);
}

static void put16(struct buf *b, uint16_t v)
{
    uint8_t d[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
    put(b, d, 2);
}

static void put32(struct buf *b, uint32_t v)
{
    uint8_t d[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    put(b, d, 4);
}

static void patch32(struct buf *b, size_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b->p[at + (size_t)i] = (uint8_t)(v >> (8 * i));
}

/* Starts a chunk; returns its payload offset for close_chunk. */
static size_t open_chunk(struct buf *b, const char id[4])
{
    put(b, id, 4);
    put32(b, 0);
    return b->n;
}

static void close_chunk(struct buf *b, size_t start)
{
    patch32(b, start - 4, (uint32_t)(b->n - start));
}

struct ram_rec {
    uint32_t addr;
    uint8_t val;
};

/* One test as the builder writes it. */
struct tdesc {
    const char *name;
    const uint8_t *bytes;
    uint32_t nbytes;
    bool wide;
    uint32_t set_bits, set[MOO_MAX_REGS]; /* INIT registers that differ from base */
    uint32_t fina_bits, fina[MOO_MAX_REGS];
    const struct ram_rec *iram; /* R() fills a pointer and its count */
    uint32_t niram;
    const struct ram_rec *fram;
    uint32_t nfram;
    uint32_t mask_bits, mask[MOO_MAX_REGS]; /* per-test RMSK/RM32 in FINA */
    bool excp;
    uint8_t excp_no;
    uint32_t excp_addr;
    uint8_t hash_seed;
};

/* Where the builder put things, for targeted corruption. */
struct landmarks {
    size_t first_test;       /* TEST chunk header */
    size_t first_ram_count;  /* the u32 count of the first INIT RAM */
    size_t first_regs_mask;  /* the bitmask of the first INIT REGS */
};

static void emit_regs(struct buf *b, const char *id, bool wide, uint32_t bits,
                      const uint32_t *v, size_t *mask_at)
{
    size_t c = open_chunk(b, id);
    if (mask_at)
        *mask_at = b->n;
    if (wide)
        put32(b, bits);
    else
        put16(b, (uint16_t)bits);
    for (unsigned i = 0; i < moo_reg_count(wide); i++)
        if (bits >> i & 1) {
            if (wide)
                put32(b, v[i]);
            else
                put16(b, (uint16_t)v[i]);
        }
    close_chunk(b, c);
}

static void emit_ram(struct buf *b, const struct ram_rec *r, uint32_t n, size_t *count_at)
{
    size_t c = open_chunk(b, "RAM ");
    if (count_at)
        *count_at = b->n;
    put32(b, n);
    for (uint32_t i = 0; i < n; i++) {
        put32(b, r[i].addr);
        put8(b, r[i].val);
    }
    close_chunk(b, c);
}

static void init_regs(const struct tdesc *t, uint32_t out[MOO_MAX_REGS]);

static void emit_state(struct buf *b, const char *id, const struct tdesc *t, bool init,
                       bool extras, struct landmarks *lm)
{
    size_t c = open_chunk(b, id);
    uint32_t full = (1u << moo_reg_count(t->wide)) - 1, iregs[MOO_MAX_REGS];
    init_regs(t, iregs);
    emit_regs(b, t->wide ? "RG32" : "REGS", t->wide, init ? full : t->fina_bits,
              init ? iregs : t->fina, init && lm ? &lm->first_regs_mask : NULL);
    if (!init && t->mask_bits)
        emit_regs(b, t->wide ? "RM32" : "RMSK", t->wide, t->mask_bits, t->mask, NULL);
    emit_ram(b, init ? t->iram : t->fram, init ? t->niram : t->nfram,
             init && lm ? &lm->first_ram_count : NULL);
    if (extras) {
        size_t q = open_chunk(b, "QUEU");
        put32(b, 2);
        put8(b, 0x90);
        put8(b, 0xF4);
        close_chunk(b, q);
        if (t->wide && init) {
            size_t e = open_chunk(b, "EA32");
            put8(b, 2);
            put16(b, 0x1234);
            put32(b, 0x12340);
            put32(b, 0xFFFF);
            put32(b, 0x10);
            put32(b, 0x12350);
            put32(b, 0x12350);
            close_chunk(b, e);
        }
    }
    close_chunk(b, c);
}

static void emit_blob(struct buf *b, const char *id, const void *d, uint32_t n)
{
    size_t c = open_chunk(b, id);
    put32(b, n);
    put(b, d, n);
    close_chunk(b, c);
}

static void emit_test(struct buf *b, uint32_t index, const struct tdesc *t, bool extras,
                      struct landmarks *lm)
{
    if (lm && index == 0)
        lm->first_test = b->n;
    size_t c = open_chunk(b, "TEST");
    put32(b, index);
    if (extras) { /* an unknown sub-chunk, as real files have GMET */
        size_t g = open_chunk(b, "GMET");
        put32(b, 0xDEADBEEF);
        close_chunk(b, g);
    }
    emit_blob(b, "NAME", t->name, (uint32_t)strlen(t->name));
    emit_blob(b, "BYTS", t->bytes, t->nbytes);
    emit_state(b, "INIT", t, true, extras, index == 0 ? lm : NULL);
    emit_state(b, "FINA", t, false, extras, NULL);
    size_t cy = open_chunk(b, "CYCL");
    put32(b, 0);
    close_chunk(b, cy);
    if (t->excp) {
        size_t e = open_chunk(b, "EXCP");
        put8(b, t->excp_no);
        put32(b, t->excp_addr);
        close_chunk(b, e);
    }
    size_t h = open_chunk(b, "HASH");
    for (int i = 0; i < 20; i++)
        put8(b, (uint8_t)(t->hash_seed * 7 + i));
    close_chunk(b, h);
    close_chunk(b, c);
}

/* A whole file.  `extras` adds the optional chunks: a file-level mask, an
 * unknown top-level chunk, QUEU, EA32 and GMET. */
static void emit_file(struct buf *b, const char *cpu_id, const struct tdesc *tests, size_t n,
                      bool extras, struct landmarks *lm)
{
    size_t c = open_chunk(b, "MOO ");
    put8(b, 1);
    put8(b, 1);
    put16(b, 0);
    put32(b, (uint32_t)n);
    put(b, cpu_id, 4);
    close_chunk(b, c);
    c = open_chunk(b, "META");
    put8(b, 1);
    put8(b, 0);
    put8(b, tests[0].wide ? 7 : 6);
    put32(b, 0x40);
    put(b, "inc     ", 8);
    put32(b, (uint32_t)n);
    put32(b, 0xDEADBEEF);
    put32(b, 0);
    put8(b, 0);
    put8(b, 0);
    put16(b, 0);
    close_chunk(b, c);
    if (extras) {
        bool wide = tests[0].wide;
        uint32_t m[MOO_MAX_REGS] = { 0 };
        m[wide ? MOO_EFLAGS : MOO_FLAGS] = 0xFFEF;
        emit_regs(b, wide ? "RM32" : "RMSK", wide, 1u << (wide ? MOO_EFLAGS : MOO_FLAGS), m,
                  NULL);
        size_t u = open_chunk(b, "ZZZZ");
        put32(b, 42);
        close_chunk(b, u);
    }
    for (size_t i = 0; i < n; i++)
        emit_test(b, (uint32_t)i, &tests[i], extras, lm);
}

/* ---- the sample tests ------------------------------------------------------------ */

/* The INIT registers a sample test starts from, unless it sets others.
 * 286: code at 1000:0100 (physical 10100h). */
static const uint32_t base286[MOO_MAX_REGS] = {
    [MOO_AX] = 0x1111, [MOO_BX] = 0x2222, [MOO_CX] = 0x3333, [MOO_DX] = 0x4444,
    [MOO_CS] = 0x1000, [MOO_SS] = 0x3000, [MOO_DS] = 0x2000, [MOO_ES] = 0x4000,
    [MOO_SP] = 0x0200, [MOO_BP] = 0x5555, [MOO_SI] = 0x6666, [MOO_DI] = 0x7777,
    [MOO_IP] = 0x0100, [MOO_FLAGS] = 0x0002,
};

/* 386EX: CR0 and EFLAGS as the real chip reports them. */
static const uint32_t base386[MOO_MAX_REGS] = {
    [MOO_CR0] = 0x7FFEFFF0, [MOO_CR3] = 0, [MOO_EAX] = 0x11111111,
    [MOO_EBX] = 0x22222222, [MOO_ECX] = 0x33333333, [MOO_EDX] = 0x44444444,
    [MOO_ESI] = 0x66666666, [MOO_EDI] = 0x77777777, [MOO_EBP] = 0x55555555,
    [MOO_ESP] = 0x00000200, [MOO_CS32] = 0x1000, [MOO_DS32] = 0x2000,
    [MOO_ES32] = 0x4000, [MOO_FS32] = 0x5000, [MOO_GS32] = 0x6000,
    [MOO_SS32] = 0x3000, [MOO_EIP] = 0x0100, [MOO_EFLAGS] = 0xFFFC0002,
    [MOO_DR6] = 0xFFFF0FF0, [MOO_DR7] = 0,
};

static void init_regs(const struct tdesc *t, uint32_t out[MOO_MAX_REGS])
{
    for (unsigned i = 0; i < MOO_MAX_REGS; i++)
        out[i] = t->set_bits >> i & 1 ? t->set[i] : (t->wide ? base386 : base286)[i];
}

#define B(name) (name), (uint32_t)sizeof(name)
#define R(name) (name), (uint32_t)(sizeof(name) / sizeof((name)[0]))
#define BIT(slot) (1u << (slot))

static const uint8_t b_nop[] = { 0x90, 0xF4 };
static const uint8_t b_inc[] = { 0x40, 0xF4 };
static const uint8_t b_mov[] = { 0x88, 0x07, 0xF4 };
static const uint8_t b_long[] = { 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26,
                                  0x90, 0xF4 };
static const uint8_t b_movfs[] = { 0x8C, 0xE0, 0xF4 };
static const uint8_t b_in22[] = { 0xE4, 0x22, 0xF4 };
static const uint8_t b_div0[] = { 0xF6, 0xF3, 0xF4 };

static const struct ram_rec r_nop[] = { { 0x10100, 0x90 }, { 0x10101, 0xF4 }, { 0x10102, 0xAA } };
static const struct ram_rec r_inc[] = { { 0x10100, 0x40 }, { 0x10101, 0xF4 } };
static const struct ram_rec r_mov[] = { { 0x10100, 0x88 }, { 0x10101, 0x07 }, { 0x10102, 0xF4 },
                                        { 0x22232, 0x00 } };
static const struct ram_rec f_mov[] = { { 0x22232, 0x5A } };
static const struct ram_rec r_in22[] = { { 0x10100, 0xE4 }, { 0x10101, 0x22 }, { 0x10102, 0xF4 } };
/* DIV BL with BL = 0: #DE through the IVT to a HLT at 5000:0000. */
static const struct ram_rec r_div0[] = { { 0x10100, 0xF6 }, { 0x10101, 0xF3 }, { 0x10102, 0xF4 },
                                         { 0, 0x00 }, { 1, 0x00 }, { 2, 0x00 }, { 3, 0x50 },
                                         { 0x50000, 0xF4 } };
/* FLAGS 0003 pushed where the 386 pushes 0002: CF is masked by the RM32. */
static const struct ram_rec f_div0[] = { { 0x301FA, 0x00 }, { 0x301FB, 0x01 }, { 0x301FC, 0x00 },
                                         { 0x301FD, 0x10 }, { 0x301FE, 0x03 }, { 0x301FF, 0x00 } };

/* good.MOO: three tests to run, two skipped by the 286 rules.  Initial
 * FLAGS carry IOPL/NT garbage, as the real data does. */
static const struct tdesc good_tests[] = {
    { .name = "nop", B(b_nop),
      .set_bits = BIT(MOO_FLAGS), .set = { [MOO_FLAGS] = 0x7002 },
      .fina_bits = BIT(MOO_IP), .fina = { [MOO_IP] = 0x0102 },
      R(r_nop), .hash_seed = 1 },
    { .name = "inc ax", B(b_inc),
      .set_bits = BIT(MOO_AX) | BIT(MOO_FLAGS), .set = { [MOO_AX] = 0x7FFF, [MOO_FLAGS] = 0xF003 },
      .fina_bits = BIT(MOO_AX) | BIT(MOO_IP) | BIT(MOO_FLAGS),
      .fina = { [MOO_AX] = 0x8000, [MOO_IP] = 0x0102, [MOO_FLAGS] = 0x0897 },
      R(r_inc), .hash_seed = 2 },
    { .name = "mov [bx],al", B(b_mov),
      .set_bits = BIT(MOO_AX) | BIT(MOO_BX), .set = { [MOO_AX] = 0x125A, [MOO_BX] = 0x2232 },
      .fina_bits = BIT(MOO_IP), .fina = { [MOO_IP] = 0x0103 },
      R(r_mov), .fram = f_mov, .nfram = 1, .hash_seed = 3 },
    { .name = "es: x9 nop", B(b_long),
      .fina_bits = BIT(MOO_IP), .fina = { [MOO_IP] = 0x010B }, .hash_seed = 4 },
    { .name = "mov ax,fs", B(b_movfs),
      .fina_bits = BIT(MOO_IP), .fina = { [MOO_IP] = 0x0103 }, .hash_seed = 5 },
};

/* bad-expect.MOO: INC AX with a wrong expected AX. */
static const struct tdesc bad_tests[] = {
    { .name = "inc ax", B(b_inc),
      .set_bits = BIT(MOO_AX) | BIT(MOO_FLAGS), .set = { [MOO_AX] = 0x7FFF, [MOO_FLAGS] = 0x0003 },
      .fina_bits = BIT(MOO_AX) | BIT(MOO_IP) | BIT(MOO_FLAGS),
      .fina = { [MOO_AX] = 0x8001, [MOO_IP] = 0x0102, [MOO_FLAGS] = 0x0897 },
      R(r_inc), .hash_seed = 6 },
};

/* masked/40.MOO: AF expected wrong (metadata.json masks it); the second test
 * is wrong but revoked. */
static const struct tdesc masked_tests[] = {
    { .name = "inc ax", B(b_inc),
      .set_bits = BIT(MOO_AX) | BIT(MOO_FLAGS), .set = { [MOO_AX] = 0x7FFF, [MOO_FLAGS] = 0x0003 },
      .fina_bits = BIT(MOO_AX) | BIT(MOO_IP) | BIT(MOO_FLAGS),
      .fina = { [MOO_AX] = 0x8000, [MOO_IP] = 0x0102, [MOO_FLAGS] = 0x0887 },
      R(r_inc), .hash_seed = 7 },
    { .name = "inc ax (revoked)", B(b_inc),
      .set_bits = BIT(MOO_AX), .set = { [MOO_AX] = 0x7FFF },
      .fina_bits = BIT(MOO_AX) | BIT(MOO_IP), .fina = { [MOO_AX] = 0x1234, [MOO_IP] = 0x0102 },
      R(r_inc), .hash_seed = 8 },
};

/* 386.MOO: 386EX rules: EFLAGS garbage above bit 17, CR0 7FFEFFF0, ports
 * 22h/23h, a divide fault pushing the faulting IP, EXCP flag masking. */
static const struct tdesc tests_386[] = {
    { .name = "inc ax", B(b_inc), .wide = true,
      .set_bits = BIT(MOO_EAX) | BIT(MOO_EFLAGS),
      .set = { [MOO_EAX] = 0x1234FFFF, [MOO_EFLAGS] = 0xFFFC0003 },
      .fina_bits = BIT(MOO_EAX) | BIT(MOO_EIP) | BIT(MOO_EFLAGS),
      .fina = { [MOO_EAX] = 0x12340000, [MOO_EIP] = 0x0102, [MOO_EFLAGS] = 0xFFFC0057 },
      R(r_inc), .hash_seed = 9 },
    { .name = "in al,22h", B(b_in22), .wide = true,
      .fina_bits = BIT(MOO_EAX) | BIT(MOO_EIP),
      .fina = { [MOO_EAX] = 0x1111117F, [MOO_EIP] = 0x0103 },
      R(r_in22), .hash_seed = 10 },
    { .name = "div bl", B(b_div0), .wide = true,
      .set_bits = BIT(MOO_EBX), .set = { [MOO_EBX] = 0x22222200 },
      .fina_bits = BIT(MOO_CS32) | BIT(MOO_EIP) | BIT(MOO_ESP),
      .fina = { [MOO_CS32] = 0x5000, [MOO_EIP] = 0x0001, [MOO_ESP] = 0x01FA },
      R(r_div0), .fram = f_div0, .nfram = 6,
      .mask_bits = BIT(MOO_EFLAGS), .mask = { [MOO_EFLAGS] = 0xFFFFFFFE },
      .excp = true, .excp_no = 0, .excp_addr = 0x301FE, .hash_seed = 11 },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- writing files ----------------------------------------------------------------- */

static int write_file(const char *dir, const char *name, const void *d, size_t n)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(d, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "moo-reader-test: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int write_text(const char *dir, const char *name, const char *text)
{
    return write_file(dir, name, text, strlen(text));
}

/* gzip `d` in memory (a real gzip member, with its CRC trailer). */
static struct buf gzip_buf(const void *d, size_t n)
{
    struct buf out = { 0 };
    z_stream zs = { 0 };
    if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        exit(2);
    uLong bound = deflateBound(&zs, (uLong)n);
    out.p = malloc(bound);
    out.cap = bound;
    zs.next_in = (Bytef *)(uintptr_t)d;
    zs.avail_in = (uInt)n;
    zs.next_out = out.p;
    zs.avail_out = (uInt)bound;
    if (!out.p || deflate(&zs, Z_FINISH) != Z_STREAM_END)
        exit(2);
    out.n = zs.total_out;
    deflateEnd(&zs);
    return out;
}

static int mkdir_p(const char *path)
{
    if (mkdir(path, 0777) == 0 || errno == EEXIST)
        return 0;
    fprintf(stderr, "moo-reader-test: cannot create %s: %s\n", path, strerror(errno));
    return -1;
}

static void hash_hex(uint8_t seed, char out[41])
{
    for (int i = 0; i < 20; i++)
        sprintf(out + 2 * i, "%02x", (uint8_t)(seed * 7 + i));
}

static const char sample_meta[] =
    "{\"cpu\": \"286\", \"opcodes\": {\"40\": {\"status\": \"normal\", \"flags-mask\": 65519},"
    " \"80\": {\"reg\": {\"3\": {\"flags-mask\": 2047}}}}}\n";

/* The corrupt variants of good.MOO for the bad-input ctest cases. */
static int write_corrupt(const char *dir, const struct buf *good, const struct landmarks *lm)
{
    struct buf b = { 0 };
    int rc = 0;
    rc |= write_file(dir, "empty.MOO", "", 0);
    rc |= write_text(dir, "not-moo.MOO", "this is not a MOO file at all\n");
    rc |= write_file(dir, "trunc-header.MOO", good->p, lm->first_test + 5);
    rc |= write_file(dir, "trunc-test.MOO", good->p, good->n - 20);
    put(&b, good->p, good->n);
    patch32(&b, lm->first_test + 4, 0xFFFFFFF0u);
    rc |= write_file(dir, "bad-length.MOO", b.p, b.n);
    b.n = 0;
    put(&b, good->p, good->n);
    patch32(&b, lm->first_ram_count, 0x7FFFFFFFu);
    rc |= write_file(dir, "bad-ram-count.MOO", b.p, b.n);
    b.n = 0;
    put(&b, good->p, good->n);
    b.p[lm->first_regs_mask + 1] |= 0x80; /* a register past flags */
    rc |= write_file(dir, "bad-regs-mask.MOO", b.p, b.n);
    b.n = 0;
    put(&b, good->p, good->n);
    patch32(&b, 12, 99); /* the header's test count */
    rc |= write_file(dir, "bad-count.MOO", b.p, b.n);
    struct buf gz = gzip_buf(good->p, good->n);
    rc |= write_file(dir, "trunc.MOO.gz", gz.p, gz.n / 2);
    gz.p[gz.n - 6] ^= 0x55; /* the CRC-32 in the gzip trailer */
    rc |= write_file(dir, "bad-crc.MOO.gz", gz.p, gz.n);
    free(gz.p);
    free(b.p);
    return rc;
}

static int write_samples(const char *dir)
{
    char sub[4096], hex[41], rev[128];
    struct buf b = { 0 };
    struct landmarks lm = { 0 };
    int rc = mkdir_p(dir);
    emit_file(&b, "C286", good_tests, N(good_tests), true, &lm);
    rc |= write_file(dir, "good.MOO", b.p, b.n);
    struct buf gz = gzip_buf(b.p, b.n);
    rc |= write_file(dir, "good.MOO.gz", gz.p, gz.n);
    free(gz.p);
    snprintf(sub, sizeof(sub), "%s/corrupt", dir);
    rc |= mkdir_p(sub);
    rc |= write_corrupt(sub, &b, &lm);
    b.n = 0;
    emit_file(&b, "C286", bad_tests, N(bad_tests), false, NULL);
    rc |= write_file(dir, "bad-expect.MOO", b.p, b.n);
    b.n = 0;
    emit_file(&b, "386E", tests_386, N(tests_386), true, NULL);
    rc |= write_file(dir, "386.MOO", b.p, b.n);
    b.n = 0;
    snprintf(sub, sizeof(sub), "%s/masked", dir);
    rc |= mkdir_p(sub);
    emit_file(&b, "C286", masked_tests, N(masked_tests), false, NULL);
    rc |= write_file(sub, "40.MOO", b.p, b.n);
    rc |= write_text(sub, "metadata.json", sample_meta);
    hash_hex(masked_tests[1].hash_seed, hex);
    snprintf(rev, sizeof(rev), "# revoked sample test\n%s\n", hex);
    rc |= write_text(dir, "revocation_list.txt", rev);
    rc |= write_text(dir, "skips.txt", "# sample skip list\ngood.MOO:2  exercise the skip list\n");
    free(b.p);
    return rc ? 1 : 0;
}

/* ---- reader tests ---------------------------------------------------------------------- */

static bool mentions_offset(const struct moo_file *f, const char *name)
{
    return strstr(f->err, name) && strstr(f->err, "offset ");
}

/* Opens an image and walks all its tests: 0 if all good, -1 on an error. */
static int open_and_walk(struct moo_file *f, const char *name, const struct buf *b, unsigned *ntests)
{
    struct moo_test t;
    int r;
    *ntests = 0;
    if (moo_open_mem(f, name, b->p, b->n) < 0)
        return -1;
    while ((r = moo_next(f, &t)) > 0)
        ++*ntests;
    return r;
}

static void test_good_file(struct tally *tl)
{
    struct buf b = { 0 };
    struct moo_file f;
    struct moo_test t;
    emit_file(&b, "C286", good_tests, N(good_tests), true, NULL);
    CHECK(tl, moo_open_mem(&f, "good.MOO", b.p, b.n) == 0);
    CHECK(tl, f.major == 1 && f.minor == 1 && f.test_count == N(good_tests));
    CHECK(tl, strcmp(f.cpu_id, "C286") == 0);
    CHECK(tl, f.has_meta && f.meta.opcode == 0x40 && f.meta.cpu_type == 6);
    CHECK(tl, strcmp(f.meta.mnemonic, "inc     ") == 0 && f.meta.seed == 0xDEADBEEF);
    CHECK(tl, f.has_mask && !f.mask.wide && f.mask.present == BIT(MOO_FLAGS));
    CHECK(tl, f.mask.v[MOO_FLAGS] == 0xFFEF);
    CHECK(tl, moo_next(&f, &t) == 1);
    CHECK(tl, t.index == 0 && t.ordinal == 0 && t.name_len == 3 && memcmp(t.name, "nop", 3) == 0);
    CHECK(tl, t.nbytes == 2 && t.bytes[0] == 0x90 && t.bytes[1] == 0xF4);
    CHECK(tl, t.init.has_regs && t.init.regs.present == 0x3FFF && !t.init.regs.wide);
    CHECK(tl, t.init.regs.v[MOO_CS] == 0x1000 && t.init.regs.v[MOO_FLAGS] == 0x7002);
    CHECK(tl, t.init.ram.count == 3 && moo_ram_addr(&t.init.ram, 2) == 0x10102);
    CHECK(tl, moo_ram_value(&t.init.ram, 2) == 0xAA);
    CHECK(tl, t.init.queue_len == 2 && t.init.queue[0] == 0x90);
    CHECK(tl, t.fina.regs.present == BIT(MOO_IP) && t.fina.regs.v[MOO_IP] == 0x0102);
    CHECK(tl, t.fina.ram.count == 0 && !t.has_excp && t.has_hash && t.hash[0] == 7);
    CHECK(tl, moo_next(&f, &t) == 1 && moo_next(&f, &t) == 1);
    CHECK(tl, t.index == 2 && t.fina.ram.count == 1 && moo_ram_value(&t.fina.ram, 0) == 0x5A);
    CHECK(tl, moo_next(&f, &t) == 1 && moo_next(&f, &t) == 1 && t.ordinal == 4);
    CHECK(tl, moo_next(&f, &t) == 0 && moo_next(&f, &t) == 0);
    moo_rewind(&f);
    CHECK(tl, moo_next(&f, &t) == 1 && t.index == 0);
    moo_close(&f);
    free(b.p);
}

static void test_wide_file(struct tally *tl)
{
    struct buf b = { 0 };
    struct moo_file f;
    struct moo_test t;
    emit_file(&b, "386E", tests_386, N(tests_386), true, NULL);
    CHECK(tl, moo_open_mem(&f, "386.MOO", b.p, b.n) == 0);
    CHECK(tl, strcmp(f.cpu_id, "386E") == 0 && f.mask.wide);
    CHECK(tl, moo_next(&f, &t) == 1 && t.init.regs.wide && t.init.regs.present == 0xFFFFF);
    CHECK(tl, t.init.regs.v[MOO_EFLAGS] == 0xFFFC0003 && t.init.regs.v[MOO_CR0] == 0x7FFEFFF0);
    CHECK(tl, t.init.has_ea && t.init.ea.selector == 0x1234 && t.init.ea.physical == 0x12350);
    CHECK(tl, moo_next(&f, &t) == 1 && moo_next(&f, &t) == 1);
    CHECK(tl, t.has_excp && t.excp_number == 0 && t.excp_flag_addr == 0x301FE);
    CHECK(tl, t.fina.has_mask && t.fina.mask.wide && t.fina.mask.v[MOO_EFLAGS] == 0xFFFFFFFE);
    CHECK(tl, strcmp(moo_reg_name(true, MOO_EFLAGS), "eflags") == 0);
    CHECK(tl, strcmp(moo_reg_name(false, MOO_FLAGS), "flags") == 0);
    moo_close(&f);
    free(b.p);
}

/* Every prefix of a valid file must be refused with the file and an offset
 * named: the header count or a chunk length always gives it away. */
static void test_truncations(struct tally *tl)
{
    struct buf b = { 0 };
    emit_file(&b, "C286", good_tests, N(good_tests), true, NULL);
    unsigned bad = 0;
    for (size_t len = 0; len < b.n; len++) {
        struct buf part = { .p = b.p, .n = len };
        struct moo_file f;
        unsigned n;
        if (open_and_walk(&f, "cut.MOO", &part, &n) == 0 || !mentions_offset(&f, "cut.MOO")) {
            if (bad++ < 3)
                fprintf(stderr, "truncation to %zu bytes: accepted or vague: %s\n", len, f.err);
        }
        moo_close(&f);
    }
    CHECK(tl, bad == 0);
    free(b.p);
}

/* Every byte replaced by a few values: no crash (ASan watches), and either
 * a clean parse or an error naming file and offset. */
static void test_mutations(struct tally *tl)
{
    static const uint8_t vals[] = { 0x00, 0xFF, 0x7F, 0x80, 0x01 };
    struct buf b = { 0 };
    emit_file(&b, "386E", tests_386, N(tests_386), true, NULL);
    uint8_t *copy = malloc(b.n);
    unsigned vague = 0, refused = 0;
    for (size_t i = 0; i < b.n; i++) {
        for (size_t v = 0; v < sizeof(vals); v++) {
            memcpy(copy, b.p, b.n);
            copy[i] = vals[v];
            struct buf m = { .p = copy, .n = b.n };
            struct moo_file f;
            unsigned n;
            if (open_and_walk(&f, "mut.MOO", &m, &n) < 0) {
                refused++;
                if (!mentions_offset(&f, "mut.MOO") && vague++ < 3)
                    fprintf(stderr, "mutation at %zu: vague error: %s\n", i, f.err);
            }
            moo_close(&f);
        }
    }
    CHECK(tl, vague == 0);
    CHECK(tl, refused > 0);
    free(copy);
    free(b.p);
}

static void test_specific_errors(struct tally *tl)
{
    struct buf b = { 0 }, c = { 0 };
    struct landmarks lm = { 0 };
    struct moo_file f;
    unsigned n;
    emit_file(&b, "C286", good_tests, N(good_tests), false, &lm);

    put(&c, b.p, b.n);
    patch32(&c, lm.first_ram_count, 0xFFFFFFFFu);
    CHECK(tl, open_and_walk(&f, "x.MOO", &c, &n) < 0 && strstr(f.err, "'RAM ' says 4294967295"));
    moo_close(&f);

    c.n = 0;
    put(&c, b.p, b.n);
    patch32(&c, lm.first_test + 4, 0xFFFFFFF0u);
    CHECK(tl, moo_open_mem(&f, "x.MOO", c.p, c.n) < 0 && strstr(f.err, "claims 4294967280"));
    moo_close(&f);

    c.n = 0;
    put(&c, b.p, b.n);
    patch32(&c, 12, 7);
    CHECK(tl, moo_open_mem(&f, "x.MOO", c.p, c.n) < 0 && strstr(f.err, "announces 7"));
    moo_close(&f);

    c.n = 0;
    put(&c, b.p, b.n);
    c.p[8] = 2; /* major version */
    CHECK(tl, moo_open_mem(&f, "x.MOO", c.p, c.n) < 0 && strstr(f.err, "version 2"));
    moo_close(&f);

    c.n = 0;
    put(&c, b.p, b.n);
    c.p[lm.first_regs_mask] = 0xFE; /* INIT without ax */
    CHECK(tl, open_and_walk(&f, "x.MOO", &c, &n) < 0 && strstr(f.err, "incomplete"));
    CHECK(tl, n == 0);
    moo_close(&f);

    CHECK(tl, moo_open_mem(&f, "x.MOO", "MOO ", 4) < 0 && strstr(f.err, "only 4 bytes"));
    moo_close(&f);
    CHECK(tl, moo_open_mem(&f, "x.MOO", "WAV xxxxxxxxxxxx", 16) < 0 && strstr(f.err, "'WAV '"));
    moo_close(&f);
    free(b.p);
    free(c.p);
}

/* The same image through zlib: plain, gzip, truncated gzip, bad CRC. */
static void test_files(struct tally *tl)
{
    char dir[] = "/tmp/moo-reader-test.XXXXXX", path[256];
    if (!mkdtemp(dir)) {
        CHECK(tl, !"mkdtemp");
        return;
    }
    CHECK(tl, write_samples(dir) == 0);
    static const struct { const char *name; bool ok; const char *msg; } cases[] = {
        { "good.MOO", true, NULL },
        { "good.MOO.gz", true, NULL },
        { "386.MOO", true, NULL },
        { "corrupt/trunc.MOO.gz", false, "(uncompressed)" },
        { "corrupt/bad-crc.MOO.gz", false, "incorrect data check" },
        { "corrupt/empty.MOO", false, "only 0 bytes" },
        { "corrupt/not-moo.MOO", false, "not a MOO file" },
        { "corrupt/trunc-header.MOO", false, "truncated chunk header" },
        { "corrupt/trunc-test.MOO", false, "claims" },
        { "corrupt/bad-length.MOO", false, "claims" },
        { "corrupt/bad-ram-count.MOO", false, "'RAM '" },
        { "corrupt/bad-regs-mask.MOO", false, "bitmask" },
        { "corrupt/bad-count.MOO", false, "announces 99" },
        { "no-such-file.MOO", false, "cannot open" },
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct moo_file f;
        struct moo_test t;
        snprintf(path, sizeof(path), "%s/%s", dir, cases[i].name);
        int r = moo_open(&f, path), got = 0;
        unsigned n = 0;
        while (r == 0 && (got = moo_next(&f, &t)) > 0)
            n++;
        bool ok = r == 0 && got == 0;
        CHECK(tl, ok == cases[i].ok);
        if (ok != cases[i].ok || (!ok && (!strstr(f.err, path) || !strstr(f.err, cases[i].msg))))
            fprintf(stderr, "%s: r=%d err=%s\n", cases[i].name, r, f.err);
        if (!ok)
            CHECK(tl, strstr(f.err, path) && strstr(f.err, cases[i].msg));
        if (ok && strncmp(cases[i].name, "good", 4) == 0)
            CHECK(tl, n == N(good_tests) && f.gzipped == (strstr(cases[i].name, ".gz") != NULL));
        moo_close(&f);
    }
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK(tl, system(cmd) == 0);
}

/* ---- JSON ------------------------------------------------------------------------------- */

static void test_json(struct tally *tl)
{
    struct json_doc d;
    char err[256];
    static const char doc[] =
        " {\"a\": [1, -2.5e1, true, false, null, \"x\\u00e9\\ud83d\\ude00\\n\"],"
        " \"b\": {\"c\": 65519}, \"b\": {\"c\": 7}, \"k\\\"q\": 0 } ";
    CHECK(tl, json_parse(&d, doc, strlen(doc), err, sizeof(err)) == 0);
    const struct json_node *root = json_root(&d), *a = json_member(&d, root, "a");
    CHECK(tl, root && root->type == JSON_OBJECT && a && a->type == JSON_ARRAY);
    const struct json_node *e = json_first(&d, a);
    CHECK(tl, e && e->type == JSON_NUMBER && e->num == 1);
    e = json_next(&d, e);
    CHECK(tl, e && e->num == -25);
    e = json_next(&d, json_next(&d, json_next(&d, e)));
    CHECK(tl, e && e->type == JSON_NULL);
    e = json_next(&d, e);
    CHECK(tl, e && e->type == JSON_STRING && e->str_len == 8);
    CHECK(tl, e && memcmp(e->str, "x\xc3\xa9\xf0\x9f\x98\x80\n", 8) == 0);
    CHECK(tl, json_next(&d, e) == NULL);
    uint64_t v;
    CHECK(tl, json_uint(json_member(&d, json_member(&d, root, "b"), "c"), 0xFFFF, &v) && v == 7);
    CHECK(tl, json_member(&d, root, "k\"q") != NULL);
    CHECK(tl, !json_uint(json_next(&d, json_first(&d, a)), 100, &v)); /* -25 */
    json_free(&d);

    static const char *const bad[] = {
        "", "{", "[1,]", "{\"a\" 1}", "{\"a\":1,}", "01", "1.", "-", "1e", "\"abc",
        "\"\\x\"", "\"\\ud800\"", "\"\\udc00\"", "\"a\nb\"", "tru", "[1] 2", "{1:2}", "nul",
        "\"\\u12g4\"", "+1",
    };
    for (size_t i = 0; i < N(bad); i++) {
        int r = json_parse(&d, bad[i], strlen(bad[i]), err, sizeof(err));
        CHECK(tl, r < 0 && strstr(err, "offset "));
        if (r == 0)
            fprintf(stderr, "accepted bad JSON: '%s'\n", bad[i]);
        json_free(&d);
    }
    /* Nesting deeper than the limit is refused, not recursed into. */
    char deep[JSON_MAX_DEPTH * 2 + 8];
    memset(deep, '[', JSON_MAX_DEPTH + 2);
    memset(deep + JSON_MAX_DEPTH + 2, ']', JSON_MAX_DEPTH + 2);
    CHECK(tl, json_parse(&d, deep, 2 * (JSON_MAX_DEPTH + 2), err, sizeof(err)) < 0);
    CHECK(tl, strstr(err, "nested deeper") != NULL);
    json_free(&d);
    /* Every truncation of a document fails cleanly. */
    unsigned accepted = 0;
    for (size_t n = 0; n + 1 < sizeof(sample_meta) - 1; n++) {
        if (json_parse(&d, sample_meta, n, err, sizeof(err)) == 0)
            accepted++;
        json_free(&d);
    }
    CHECK(tl, accepted == 0);
}

static void test_meta_masks(struct tally *tl)
{
    struct json_doc d;
    char err[256], key[9];
    int reg;
    uint32_t m = 0;
    CHECK(tl, sst_file_opcode("80.3.MOO.gz", key, &reg) && strcmp(key, "80") == 0 && reg == 3);
    CHECK(tl, sst_file_opcode("0f01.2.MOO", key, &reg) && strcmp(key, "0F01") == 0 && reg == 2);
    CHECK(tl, sst_file_opcode("C3.MOO.gz", key, &reg) && strcmp(key, "C3") == 0 && reg == -1);
    CHECK(tl, !sst_file_opcode("good.MOO", key, &reg));
    CHECK(tl, !sst_file_opcode("123456789.MOO", key, &reg));
    CHECK(tl, json_parse(&d, sample_meta, strlen(sample_meta), err, sizeof(err)) == 0);
    CHECK(tl, sst_meta_flags_mask(&d, "40.MOO.gz", &m, err, sizeof(err)) == 1 && m == 65519);
    CHECK(tl, sst_meta_flags_mask(&d, "80.3.MOO.gz", &m, err, sizeof(err)) == 1 && m == 2047);
    CHECK(tl, sst_meta_flags_mask(&d, "80.2.MOO.gz", &m, err, sizeof(err)) == 0);
    CHECK(tl, sst_meta_flags_mask(&d, "41.MOO.gz", &m, err, sizeof(err)) == 0);
    CHECK(tl, sst_meta_flags_mask(&d, "good.MOO", &m, err, sizeof(err)) == 0);
    json_free(&d);
    static const char badmask[] = "{\"opcodes\": {\"40\": {\"flags-mask\": -1}}}";
    CHECK(tl, json_parse(&d, badmask, strlen(badmask), err, sizeof(err)) == 0);
    CHECK(tl, sst_meta_flags_mask(&d, "40.MOO", &m, err, sizeof(err)) < 0);
    json_free(&d);
}

/* ---- skip list and revocation list -------------------------------------------------------- */

static void test_skips(struct tally *tl)
{
    struct sst_skips s = { 0 };
    char err[256];
    static const char text[] =
        "# comment\n\n  8C.MOO.gz   FS/GS do not exist on the 286\r\n"
        "00.MOO.gz:17 a known bad test\n00.MOO.gz:3 another # not a comment\n";
    CHECK(tl, sst_skips_parse(&s, "skips.txt", text, strlen(text), err, sizeof(err)) == 0);
    CHECK(tl, s.n == 3);
    const char *r = sst_skips_file(&s, "8C.MOO.gz");
    CHECK(tl, r && strcmp(r, "FS/GS do not exist on the 286") == 0);
    CHECK(tl, sst_skips_file(&s, "00.MOO.gz") == NULL);
    r = sst_skips_test(&s, "00.MOO.gz", 3);
    CHECK(tl, r && strcmp(r, "another # not a comment") == 0);
    CHECK(tl, sst_skips_test(&s, "00.MOO.gz", 17) != NULL);
    CHECK(tl, sst_skips_test(&s, "00.MOO.gz", 4) == NULL);
    CHECK(tl, sst_skips_test(&s, "8C.MOO.gz", 4) == NULL); /* whole-file: see sst_skips_file */
    sst_skips_free(&s);

    static const char *const bad[] = {
        "00.MOO.gz\n", "00.MOO.gz:x reason\n", "00.MOO.gz:99999999999 reason\n",
        ":3 reason\n", "dir/00.MOO.gz reason\n", "00.MOO.gz: reason\n",
    };
    for (size_t i = 0; i < N(bad); i++) {
        struct sst_skips t = { 0 };
        CHECK(tl, sst_skips_parse(&t, "skips.txt", bad[i], strlen(bad[i]), err, sizeof(err)) < 0);
        CHECK(tl, strncmp(err, "skips.txt:1: ", 13) == 0);
        sst_skips_free(&t);
    }
}

static void test_hashes(struct tally *tl)
{
    struct sst_hashes h = { 0 };
    char err[256];
    uint8_t want[20];
    for (int i = 0; i < 20; i++)
        want[i] = (uint8_t)(0xA0 + i);
    static const char text[] = "# Revocation list.\n"
                               "A0A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3\n"
                               "626be5084b331080eb08256c12a62d24afdf2a03\n";
    CHECK(tl, sst_hashes_parse(&h, "rev.txt", text, strlen(text), err, sizeof(err)) == 0);
    CHECK(tl, h.n == 2 && sst_hashes_has(&h, want));
    want[19] ^= 1;
    CHECK(tl, !sst_hashes_has(&h, want));
    sst_hashes_free(&h);
    CHECK(tl, sst_hashes_parse(&h, "rev.txt", "# only comments\n", 16, err, sizeof(err)) == 0);
    CHECK(tl, h.n == 0 && !sst_hashes_has(&h, want));
    static const char bad[] = "626be5084b331080eb08256c12a62d24afdf2a0\n";
    CHECK(tl, sst_hashes_parse(&h, "rev.txt", bad, strlen(bad), err, sizeof(err)) < 0);
    CHECK(tl, strncmp(err, "rev.txt:1: ", 11) == 0);
    sst_hashes_free(&h);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write-samples") == 0)
        return write_samples(argv[2]);
    if (argc != 1) {
        fprintf(stderr, "usage: moo-reader-test [--write-samples DIR]\n");
        return 2;
    }
    struct tally tl = { 0 };
    test_good_file(&tl);
    test_wide_file(&tl);
    test_truncations(&tl);
    test_mutations(&tl);
    test_specific_errors(&tl);
    test_files(&tl);
    test_json(&tl);
    test_meta_masks(&tl);
    test_skips(&tl);
    test_hashes(&tl);
    printf("moo-reader-test: %u checks, %u failed\n", tl.checks, tl.failures);
    return tl.failures ? 1 : 0;
}
