/* Fuzz harness: the instruction decoder (src/cpu/decode.c, on Zydis).
 *
 * The input is code bytes.  They are decoded as a stream, once for a 16-bit
 * and once for a 32-bit code segment, from offset 0 (and again from offset
 * 1, for the overlapping reading): each instruction, then the next one after
 * it (one byte on after an undecodable one), at most 64 per pass.  For each
 * instruction that decodes, the properties the interpreter and the scanner
 * rely on:
 *
 *   - the fields are in range (length 1..15, a known operation, sizes,
 *     segment, registers, scale, at most three operands);
 *   - the result depends only on the instruction's own bytes: decoding with
 *     exactly `len` bytes available, and with different bytes after them,
 *     gives the same struct insn;
 *   - with fewer than `len` bytes the decoder asks for more (DECODE_MORE),
 *     which is what the scanner's page-crossing rule is built on;
 *   - the formatter does not overrun its buffer.
 *
 * With Capstone (PLEX86_HAVE_CAPSTONE), the length is also compared with
 * Capstone's where both decode.  Capstone 4 differs from Zydis (and from
 * the SDM) in known ways, listed in known_difference() and in
 * docs/fuzzing.md; any other difference is a failure. */
#include <stdbool.h>

#include "cpu/cpu.h"
#include "cpu/insn.h"
#include "fuzz.h"

#ifdef PLEX86_HAVE_CAPSTONE
#include <capstone/capstone.h>
#endif

static struct decoder *dec;
#ifdef PLEX86_HAVE_CAPSTONE
static csh cs[2];
static cs_insn *cs_in;
#endif

static void setup(void)
{
    if (dec)
        return;
    dec = decoder_create();
    if (!dec)
        fuzz_fail("decoder_create failed");
#ifdef PLEX86_HAVE_CAPSTONE
    if (cs_open(CS_ARCH_X86, CS_MODE_16, &cs[0]) != CS_ERR_OK ||
        cs_open(CS_ARCH_X86, CS_MODE_32, &cs[1]) != CS_ERR_OK)
        fuzz_fail("cs_open failed");
    cs_in = cs_malloc(cs[0]);
#endif
}

static void check_fields(const struct insn *i, unsigned n, int code32)
{
    FUZZ_CHECK(i->len >= 1 && i->len <= CPU_MAX_INSN_LEN && i->len <= n,
               "length %u (with %u bytes)", i->len, n);
    FUZZ_CHECK(i->op > OP_INVALID && i->op < OP_COUNT, "operation %u", i->op);
    FUZZ_CHECK(op_table[i->op].handler != NULL, "no handler for %s", op_table[i->op].name);
    FUZZ_CHECK(i->osize == 1 || i->osize == 2 || i->osize == 4, "osize %u", i->osize);
    FUZZ_CHECK(i->asize == 2 || i->asize == 4, "asize %u", i->asize);
    FUZZ_CHECK(i->seg < S_COUNT, "segment %u", i->seg);
    FUZZ_CHECK(i->rep <= REP_NE, "rep %u", i->rep);
    FUZZ_CHECK(i->nops <= 3, "nops %u", i->nops);
    FUZZ_CHECK(i->mbase < 8 || i->mbase == NOREG, "mbase %u", i->mbase);
    FUZZ_CHECK(i->mindex < 8 || i->mindex == NOREG, "mindex %u", i->mindex);
    FUZZ_CHECK(i->mscale == 1 || i->mscale == 2 || i->mscale == 4 || i->mscale == 8,
               "mscale %u", i->mscale);
    FUZZ_CHECK(i->flow != FLOW_BRANCH, "unrefined branch");
    FUZZ_CHECK(i->flow <= FLOW_UD && i->virt <= VIRT_TIME, "flow %u virt %u", i->flow, i->virt);
    for (unsigned k = 0; k < i->nops; k++) {
        const struct opnd *o = &i->o[k];
        FUZZ_CHECK(o->kind != OPK_NONE && o->kind <= OPK_XMM, "operand %u kind %u", k, o->kind);
        if (o->kind == OPK_X87 || o->kind == OPK_MMX || o->kind == OPK_XMM)
            FUZZ_CHECK(o->reg < 8, "x87/MMX/XMM operand %u: register %u", k, o->reg);
        if (o->kind == OPK_GPR)
            FUZZ_CHECK(o->reg < 8 && (o->size == 1 || o->size == 2 || o->size == 4),
                       "GPR operand %u: reg %u size %u", k, o->reg, o->size);
        if (o->kind == OPK_SREG)
            FUZZ_CHECK(o->reg < S_COUNT, "segment register %u", o->reg);
        if (o->kind == OPK_CREG || o->kind == OPK_DREG)
            FUZZ_CHECK(o->reg < 16, "control/debug register %u", o->reg);
    }
    (void)code32;
}

#ifdef PLEX86_HAVE_CAPSTONE
/* Where Capstone 4.0.2 and Zydis 4 legitimately disagree on a length.
 * `p` is the instruction, `n` the bytes available, `ours` and `theirs` the
 * two lengths.  See docs/fuzzing.md, "Differences from Capstone". */
static bool known_difference(const uint8_t *p, unsigned n, int code32, unsigned ours,
                             unsigned theirs)
{
    /* Skip the legacy prefixes to the opcode, noting an operand-size one. */
    unsigned k = 0;
    bool opsize = false;
    while (k < n) {
        uint8_t b = p[k];
        if (b == 0x66)
            opsize = true;
        else if (b != 0x67 && b != 0xF0 && b != 0xF2 && b != 0xF3 && b != 0x26 && b != 0x2E &&
                 b != 0x36 && b != 0x3E && b != 0x64 && b != 0x65)
            break;
        k++;
    }
    if (k + 1 >= n)
        return false;
    /* UD0 (0F FF) and UD1 (0F B9) take a ModRM byte (and its SIB and
     * displacement) in the SDM since 2017 and in Zydis; Capstone 4 ends
     * them after the opcode.  Both raise #UD at their first byte. */
    if (p[k] == 0x0F && (p[k + 1] == 0xFF || p[k + 1] == 0xB9) && theirs == k + 2)
        return true;
    /* CALL rel16 (66 E8 in 32-bit code: a 16-bit displacement, EIP cut to
     * 16 bits; SDM vol. 2, CALL): Capstone 4 reads a 32-bit displacement,
     * as in 64-bit mode. */
    if (code32 && opsize && p[k] == 0xE8 && ours == k + 3 && theirs == k + 5)
        return true;
    return false;
}

static void compare_capstone(const uint8_t *p, unsigned n, int code32, unsigned ours)
{
    const uint8_t *code = p;
    size_t size = n;
    uint64_t addr = 0x1000;
    if (!cs_disasm_iter(cs[code32], &code, &size, &addr, cs_in))
        return; /* Capstone does not decode it: nothing to compare */
    unsigned theirs = cs_in->size;
    if (theirs == ours || known_difference(p, n, code32, ours, theirs))
        return;
    char hex[3 * CPU_MAX_INSN_LEN + 1] = "";
    for (unsigned k = 0; k < n && k < CPU_MAX_INSN_LEN; k++)
        snprintf(hex + 3 * k, 4, "%02x ", p[k]);
    fuzz_fail("%d-bit length differs from Capstone: ours %u, Capstone %u (%s %s) for %s",
              code32 ? 32 : 16, ours, theirs, cs_in->mnemonic, cs_in->op_str, hex);
}
#endif

/* Decodes and checks one instruction at p (n bytes available).  Returns its
 * length, or 0 when it does not decode. */
static unsigned check_one(const uint8_t *p, unsigned n, int code32)
{
    struct insn a;
    enum decode_status st = decode_insn(dec, code32, p, n, &a);
    FUZZ_CHECK(st <= DECODE_TOO_LONG, "status %d", (int)st);
    if (st == DECODE_MORE)
        FUZZ_CHECK(n < CPU_MAX_INSN_LEN, "DECODE_MORE with %u bytes", n);
    if (st != DECODE_OK)
        return 0;
    check_fields(&a, n, code32);
    unsigned len = a.len;

    /* Exactly len bytes, and different bytes after them: the same insn. */
    uint8_t buf[CPU_MAX_INSN_LEN];
    struct insn b;
    memcpy(buf, p, len);
    FUZZ_CHECK(decode_insn(dec, code32, buf, len, &b) == DECODE_OK && !memcmp(&a, &b, sizeof(a)),
               "decoding %u exact bytes differs", len);
    for (unsigned k = len; k < CPU_MAX_INSN_LEN; k++)
        buf[k] = (uint8_t)(p[k < n ? k : 0] ^ 0xA5);
    FUZZ_CHECK(decode_insn(dec, code32, buf, CPU_MAX_INSN_LEN, &b) == DECODE_OK &&
                   !memcmp(&a, &b, sizeof(a)),
               "decoding depends on the bytes after the instruction");
    /* Cut short: the decoder must ask for more. */
    for (unsigned k = 0; k < len; k++)
        FUZZ_CHECK(decode_insn(dec, code32, p, k, &b) == DECODE_MORE,
                   "%u of %u bytes did not give DECODE_MORE", k, len);

    char text[96];
    decode_format(dec, code32, p, len, 0x1000, text, sizeof(text));
    FUZZ_CHECK(memchr(text, 0, sizeof(text)) != NULL, "formatter overran");
#ifdef PLEX86_HAVE_CAPSTONE
    compare_capstone(p, n, code32, len);
#endif
    return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    for (int code32 = 0; code32 < 2; code32++) {
        for (size_t start = 0; start < 2 && start < size; start++) {
            size_t off = start;
            for (unsigned count = 0; count < 64 && off < size; count++) {
                size_t left = size - off;
                unsigned n = left < CPU_MAX_INSN_LEN ? (unsigned)left : CPU_MAX_INSN_LEN;
                unsigned len = check_one(data + off, n, code32);
                off += len ? len : 1;
            }
        }
    }
    return 0;
}
