/* A reader for MOO v1 files: the chunked binary format of the SingleStepTests
 * CPU test suites (https://github.com/dbalsom/moo, doc/moo_format_v1.md).
 *
 * A whole file is read into memory (gzip or plain, through zlib, capped at
 * MOO_MAX_FILE_BYTES uncompressed), its top-level chunks are checked once at
 * open, and tests are then decoded one at a time.  Everything a test hands
 * out (name, bytes, RAM records) points into the file's buffer: no allocation
 * per test.  Every length is checked against its enclosing chunk; a bad file
 * gives an error naming the file and the byte offset (in the uncompressed
 * stream) where it went wrong.  Unknown chunk ids are skipped.
 */
#ifndef PLEX86_TOOLS_MOO_H
#define PLEX86_TOOLS_MOO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest file we accept, uncompressed: the biggest published MOO files
 * are a few tens of MiB. */
#define MOO_MAX_FILE_BYTES (256u << 20)

/* Register slots in the order of the REGS bitmask. */
enum moo_reg16 {
    MOO_AX, MOO_BX, MOO_CX, MOO_DX, MOO_CS, MOO_SS, MOO_DS, MOO_ES,
    MOO_SP, MOO_BP, MOO_SI, MOO_DI, MOO_IP, MOO_FLAGS, MOO_NREGS16
};

/* Register slots in the order of the RG32 bitmask. */
enum moo_reg32 {
    MOO_CR0, MOO_CR3, MOO_EAX, MOO_EBX, MOO_ECX, MOO_EDX, MOO_ESI, MOO_EDI,
    MOO_EBP, MOO_ESP, MOO_CS32, MOO_DS32, MOO_ES32, MOO_FS32, MOO_GS32,
    MOO_SS32, MOO_EIP, MOO_EFLAGS, MOO_DR6, MOO_DR7, MOO_NREGS32
};

#define MOO_MAX_REGS MOO_NREGS32

/* A REGS/RG32 (values) or RMSK/RM32 (masks) chunk.  `present` has bit i set
 * when v[i] was given; the slots follow enum moo_reg16 or enum moo_reg32. */
struct moo_regs {
    bool wide;          /* RG32/RM32 rather than REGS/RMSK */
    uint32_t present;
    uint32_t v[MOO_MAX_REGS];
};

/* RAM records: `count` entries of (u32 address, u8 value), 5 bytes each,
 * still in the file buffer.  Read them with moo_ram_addr/moo_ram_value. */
struct moo_ram {
    const uint8_t *rec;
    uint32_t count;
};

/* EA32: the effective address the 386 computed (informational). */
struct moo_ea32 {
    uint8_t seg;        /* 0 CS, 1 SS, 2 DS, 3 ES, 4 FS, 5 GS */
    uint16_t selector;
    uint32_t base, limit, offset, linear, physical;
};

/* An INIT or FINA state. */
struct moo_state {
    bool has_regs;
    struct moo_regs regs;
    bool has_mask;      /* RMSK/RM32 inside the state */
    struct moo_regs mask;
    struct moo_ram ram; /* count 0 when the chunk is absent */
    const uint8_t *queue;
    uint32_t queue_len;
    bool has_ea;
    struct moo_ea32 ea;
};

struct moo_test {
    uint32_t index;     /* the TEST chunk's own index field */
    uint32_t ordinal;   /* position in the file, from 0 */
    size_t offset;      /* offset of the TEST chunk header */
    const char *name;   /* not NUL-terminated, may hold any byte */
    uint32_t name_len;
    const uint8_t *bytes;
    uint32_t nbytes;
    struct moo_state init, fina;
    bool has_excp;
    uint8_t excp_number;
    uint32_t excp_flag_addr;
    bool has_hash;
    uint8_t hash[20];
};

struct moo_meta {
    uint8_t set_major, set_minor;
    uint8_t cpu_type;
    uint32_t opcode;
    char mnemonic[9];   /* NUL-terminated, trailing spaces kept, '?' for
                           unprintable bytes */
    uint32_t test_count;
    uint64_t seed;
    uint8_t cpu_mode;   /* 0 real, 1 protected, 2 V86, 3 unreal */
};

struct moo_file {
    char *name;         /* as given to moo_open, for messages */
    uint8_t *buf;
    size_t len;
    bool gzipped;

    uint8_t major, minor;
    uint32_t test_count;  /* from the MOO header, checked against the file */
    char cpu_id[5];       /* e.g. "C286", "386E"; NUL-terminated, '?' for
                             unprintable bytes */
    bool has_meta;
    struct moo_meta meta;
    bool has_mask;        /* file-level RMSK/RM32 */
    struct moo_regs mask;

    size_t pos;           /* iteration cursor: the next top-level chunk */
    uint32_t next_ordinal;
    char err[1024];
};

/* Reads and checks a file (plain or gzip).  Returns 0, or -1 with a message
 * in f->err; moo_close() is needed either way. */
int moo_open(struct moo_file *f, const char *path);

/* The same on a memory image (copied); `name` is used in messages. */
int moo_open_mem(struct moo_file *f, const char *name, const void *data, size_t len);

/* Decodes the next test.  Returns 1 with *t filled, 0 at the end, or -1 with
 * a message in f->err (the file is corrupt; stop iterating). */
int moo_next(struct moo_file *f, struct moo_test *t);

/* Restarts iteration at the first test. */
void moo_rewind(struct moo_file *f);

void moo_close(struct moo_file *f);

/* Register names, for reports: "ax".."flags" or "cr0".."dr7". */
const char *moo_reg_name(bool wide, unsigned slot);
unsigned moo_reg_count(bool wide);

static inline uint32_t moo_ram_addr(const struct moo_ram *r, uint32_t i)
{
    const uint8_t *p = r->rec + (size_t)i * 5;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static inline uint8_t moo_ram_value(const struct moo_ram *r, uint32_t i)
{
    return r->rec[(size_t)i * 5 + 4];
}

#endif
