/* The one instruction table's per-instruction facts (insn_table.def):
 * the flag columns are consistent with each other and with the SDM's
 * "Flags Affected" on spot checks; the condition-code rows agree; the
 * fast column is what ops_fast.c / fpu_fast.c find on a sweep of
 * encodings (no fast form behind a row that does not say so, and no row
 * that says so without one); every x87 row marked for the translator has
 * a form x87_classify takes, and it takes no other row. */
#include <stdbool.h>
#include <string.h>

#include "check.h"
#include "cpu/cpu_model.h"
#include "cpu/exec.h"
#include "cpu/ops_fast.h"
#include "jit/tr.h"

#define OSZAPC F_ARITH

static const struct op_info *row(unsigned op)
{
    return &op_table[op];
}

/* Columns that must hold for every row. */
static void check_rows(void)
{
    for (unsigned op = 0; op < OP_COUNT; op++) {
        const struct op_info *f = row(op);
        CHECK((f->rd & ~OSZAPC) == 0 && (f->wr & ~OSZAPC) == 0);
        if ((f->un & ~f->wr) || (f->uz & ~f->un))
            fprintf(stderr, "%s: un must be within wr, uz within un\n", f->name);
        CHECK((f->un & ~f->wr) == 0);
        CHECK((f->uz & ~f->un) == 0);
        /* uz is given where a native form relies on it */
        if (f->tr == TR_NONE)
            CHECK_EQ(f->uz, 0);
        if (f->tr != TR_NONE)
            CHECK(f->handler != NULL);
    }
    /* The ALU group is the ModRM.reg of 80-83. */
    static const unsigned alu[8] = { OP_ADD, OP_OR, OP_ADC, OP_SBB,
                                     OP_AND, OP_SUB, OP_XOR, OP_CMP };
    for (int g = 0; g < 8; g++) {
        CHECK_EQ(op_alu_group(alu[g]), g);
        CHECK_EQ(row(alu[g])->wr, OSZAPC);
    }
    CHECK_EQ(op_alu_group(OP_TEST), -1);
    CHECK_EQ(op_alu_group(OP_MOV), -1);
    CHECK_EQ(op_alu_group(OP_INVALID), -1);
    /* Jcc, SETcc and CMOVcc of one condition read the same flags. */
    for (unsigned cc = 0; cc < 16; cc++) {
        CHECK(row(OP_JO + cc)->rd != 0);
        CHECK_EQ(row(OP_SETO + cc)->rd, row(OP_JO + cc)->rd);
        CHECK_EQ(row(OP_CMOVO + cc)->rd, row(OP_JO + cc)->rd);
        CHECK_EQ(cc_flags_read(cc), row(OP_JO + cc)->rd);
        CHECK_EQ(row(OP_SETO + cc)->tr, TR_SETCC);
        CHECK_EQ(row(OP_CMOVO + cc)->tr, TR_CMOVCC);
        CHECK_EQ(row(OP_JO + cc)->tr, TR_JCC);
    }
}

/* Spot checks against the SDM, vol. 2 ("Flags Affected") and vol. 1,
 * appendix A. */
static void check_sdm(void)
{
    CHECK_EQ(row(OP_ADD)->rd, 0);
    CHECK_EQ(row(OP_ADD)->wr, OSZAPC);
    CHECK_EQ(row(OP_ADD)->un, 0);
    CHECK_EQ(row(OP_ADC)->rd, F_CF);
    CHECK_EQ(row(OP_SBB)->rd, F_CF);
    CHECK_EQ(row(OP_AND)->un, F_AF); /* OF CF cleared, AF undefined */
    CHECK_EQ(row(OP_TEST)->un, F_AF);
    CHECK_EQ(row(OP_INC)->wr, OSZAPC & ~F_CF); /* CF unaffected */
    CHECK_EQ(row(OP_DEC)->wr, OSZAPC & ~F_CF);
    CHECK_EQ(row(OP_NOT)->wr, 0);
    CHECK_EQ(row(OP_NEG)->wr, OSZAPC);
    CHECK_EQ(row(OP_MUL)->un, F_SF | F_ZF | F_AF | F_PF);
    CHECK_EQ(row(OP_IMUL)->un, F_SF | F_ZF | F_AF | F_PF);
    CHECK_EQ(row(OP_DIV)->un, OSZAPC);
    /* SHL: OF only for 1-bit shifts, AF undefined for a non-zero count */
    CHECK_EQ(row(OP_SHL)->wr, OSZAPC);
    CHECK_EQ(row(OP_SHL)->un, F_OF | F_AF);
    CHECK_EQ(row(OP_ROL)->wr, F_OF | F_CF);
    CHECK_EQ(row(OP_RCR)->rd, F_CF);
    CHECK_EQ(row(OP_BT)->wr & F_ZF, 0); /* ZF unaffected */
    CHECK_EQ(row(OP_BT)->wr & F_CF, F_CF);
    CHECK_EQ(row(OP_BSF)->un, OSZAPC & ~F_ZF);
    CHECK_EQ(row(OP_DAA)->rd, F_AF | F_CF);
    CHECK_EQ(row(OP_DAA)->un, F_OF);
    CHECK_EQ(row(OP_AAA)->rd, F_AF);
    CHECK_EQ(row(OP_CMPXCHG8B)->wr, F_ZF);
    CHECK_EQ(row(OP_CLC)->wr, F_CF);
    CHECK_EQ(row(OP_CMC)->rd, F_CF);
    CHECK_EQ(row(OP_LAHF)->rd, OSZAPC & ~F_OF);
    CHECK_EQ(row(OP_SAHF)->wr, OSZAPC & ~F_OF);
    CHECK_EQ(row(OP_JBE)->rd, F_CF | F_ZF);
    CHECK_EQ(row(OP_JL)->rd, F_SF | F_OF);
    CHECK_EQ(row(OP_JLE)->rd, F_ZF | F_SF | F_OF);
    CHECK_EQ(row(OP_CMOVP)->rd, F_PF);
    CHECK_EQ(row(OP_LOOPE)->rd, F_ZF);
    CHECK_EQ(row(OP_LOOP)->rd, 0);
    CHECK_EQ(row(OP_INTO)->rd, F_OF);
    CHECK_EQ(row(OP_LSL)->wr, F_ZF);
    CHECK_EQ(row(OP_FCMOVBE)->rd, F_CF | F_ZF);
    CHECK_EQ(row(OP_FCOMI)->wr, OSZAPC); /* ZF PF CF; OF SF AF cleared */
    CHECK_EQ(row(OP_FCOMI)->un, 0);
    CHECK_EQ(row(OP_UCOMISD)->wr, OSZAPC);
    CHECK_EQ(row(OP_MOV)->wr, 0);
    CHECK_EQ(row(OP_PADDB)->wr, 0);
}

/* Decodes every opcode of the one- and two-byte maps and every x87
 * escape, with a spread of ModRM bytes, in both code sizes and with and
 * without an operand-size prefix, and checks the fast and tr columns
 * against what ops_fast.c and x87_classify find. */
static void check_sweep(void)
{
    struct decoder *dec = decoder_create();
    CHECK(dec != NULL);
    static struct cpu c;
    cpu_set_model(&c, cpu_model_for_level(CPU_P6));
    static bool fast_seen[OP_COUNT], x87_seen[OP_COUNT];
    static const uint8_t modrms[] = { 0x00, 0x05, 0x08, 0x10, 0x18, 0x20, 0x28, 0x30, 0x38,
                                      0x44, 0x4C, 0x58, 0xC0, 0xC1, 0xC8, 0xC9, 0xD0, 0xD1,
                                      0xD8, 0xD9, 0xE0, 0xE1, 0xE8, 0xE9, 0xEA, 0xEB, 0xEC,
                                      0xED, 0xEE, 0xF0, 0xF1, 0xF8, 0xFA };
    for (unsigned code32 = 0; code32 < 2; code32++)
        for (unsigned pfx = 0; pfx < 4; pfx++) /* bit 0: 66 (operand size), bit 1: F3 (REP) */
            for (unsigned map = 0; map < 2; map++)
                for (unsigned opc = 0; opc < 256; opc++)
                    for (unsigned m = 0; m < sizeof(modrms); m++) {
                        uint8_t b[16] = { 0 };
                        unsigned n = 0;
                        if (pfx & 1)
                            b[n++] = 0x66;
                        if (pfx & 2)
                            b[n++] = 0xF3;
                        if (map)
                            b[n++] = 0x0F;
                        b[n++] = (uint8_t)opc;
                        b[n++] = modrms[m];
                        b[n++] = 0x12; /* SIB, displacement, immediate */
                        struct insn i;
                        if (decode_insn(dec, (int)code32, b, sizeof(b), &i) != DECODE_OK)
                            continue;
                        const struct op_info *f = row(i.op);
                        if (fast_form(&i)) {
                            if (!f->fast)
                                fprintf(stderr, "%s has a fast form: set its fast column\n",
                                        f->name);
                            CHECK(f->fast);
                            fast_seen[i.op] = true;
                        }
                        struct plan p;
                        memset(&p, 0, sizeof(p));
                        /* Only x87 rows: MMX ops 0F D8-DF once passed
                         * for x87 escapes by their last opcode byte. */
                        if (x87_classify(&c, &i, &p)) {
                            x87_seen[i.op] = true;
                            CHECK_EQ(f->tr, TR_X87);
                        }
                    }
    decoder_destroy(dec);
    for (unsigned op = 0; op < OP_COUNT; op++) {
        const struct op_info *f = row(op);
        if (f->fast && !fast_seen[op])
            fprintf(stderr, "%s: fast column set, no fast form found\n", f->name);
        CHECK(!f->fast || fast_seen[op]);
        if (f->tr == TR_X87 && !x87_seen[op])
            fprintf(stderr, "%s: tr X87, x87_classify takes no form of it\n", f->name);
        CHECK(f->tr != TR_X87 || x87_seen[op]);
    }
}

int main(void)
{
    check_rows();
    check_sdm();
    check_sweep();
    return check_report();
}
