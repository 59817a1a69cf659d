/* The decoder and the one instruction table: lengths, the flow and
 * virtualize classes the scanner will rely on (seed 003), and the error
 * statuses that become #UD and #GP. */
#include <string.h>

#include "check.h"
#include "cpu/cpu.h"
#include "cpu/insn.h"

static struct decoder *dec;

static enum decode_status dec16(const char *hex, struct insn *i)
{
    uint8_t b[32];
    unsigned n = 0;
    for (const char *p = hex; p[0] && p[1]; p += 2) {
        if (*p == ' ')
            p--; /* skip single spaces */
        else
            sscanf(p, "%2hhx", &b[n++]);
    }
    return decode_insn(dec, 0, b, n, i);
}

static void classify(const char *hex, const char *op, unsigned len, int flow, int virt)
{
    struct insn i;
    CHECK_EQ(dec16(hex, &i), DECODE_OK);
    CHECK_STR(op_table[i.op].name, op);
    CHECK_EQ(i.len, len);
    CHECK_EQ(i.flow, flow);
    CHECK_EQ(i.virt, virt);
}

int main(void)
{
    dec = decoder_create();
    CHECK(dec != NULL);

    /* Seed 000/003: what the scanner must hand to the monitor. */
    classify("0f0107", "SGDT", 3, FLOW_SEQ, VIRT_DESC);  /* sgdt [bx] */
    classify("0f010f", "SIDT", 3, FLOW_SEQ, VIRT_DESC);
    classify("0f01e0", "SMSW", 3, FLOW_SEQ, VIRT_DESC);
    classify("9c", "PUSHF", 1, FLOW_SEQ, VIRT_FLAGS);
    classify("9d", "POPF", 1, FLOW_SEQ, VIRT_FLAGS);
    classify("fa", "CLI", 1, FLOW_SEQ, VIRT_FLAGS);
    classify("8ed8", "MOV", 2, FLOW_SEQ, VIRT_SEG);   /* mov ds, ax */
    classify("8cc8", "MOV", 2, FLOW_SEQ, VIRT_SEG);   /* mov ax, cs: reveals RPL */
    classify("1f", "POP", 1, FLOW_SEQ, VIRT_SEG);     /* pop ds */
    classify("89d8", "MOV", 2, FLOW_SEQ, VIRT_NONE);  /* mov ax, bx */
    classify("ec", "IN", 1, FLOW_SEQ, VIRT_IO);
    classify("f3a4", "MOVSB", 2, FLOW_SEQ, VIRT_NONE);
    classify("f36e", "OUTSB", 2, FLOW_SEQ, VIRT_IO);
    classify("f4", "HLT", 1, FLOW_HLT, VIRT_HLT);
    classify("cd21", "INT", 2, FLOW_INT, VIRT_BRANCH);
    classify("cf", "IRET", 1, FLOW_IRET, VIRT_BRANCH);
    /* Branches: in-page static targets stay native; computed, far and
     * returns are virtualized. */
    classify("e80010", "CALL", 3, FLOW_CALL_REL, VIRT_NONE);
    classify("ebfe", "JMP", 2, FLOW_JMP_REL, VIRT_NONE);
    classify("7405", "JZ", 2, FLOW_JCC, VIRT_NONE);
    classify("e2fe", "LOOP", 2, FLOW_JCC, VIRT_NONE);
    classify("ffd0", "CALL", 2, FLOW_CALL_IND, VIRT_BRANCH);
    classify("ff27", "JMP", 2, FLOW_JMP_IND, VIRT_BRANCH);
    classify("ea00000010", "JMP", 5, FLOW_FAR, VIRT_BRANCH);
    classify("ff2f", "JMP", 2, FLOW_FAR, VIRT_BRANCH);       /* jmp far [bx] */
    classify("c3", "RET", 1, FLOW_RET, VIRT_BRANCH);
    classify("cb", "RET", 1, FLOW_RET, VIRT_BRANCH);
    classify("0f0b", "UD2", 2, FLOW_UD, VIRT_NONE);
    classify("d8c1", "FADD", 2, FLOW_SEQ, VIRT_NONE);
    classify("dec1", "FADDP", 2, FLOW_SEQ, VIRT_NONE);
    classify("d9e8", "FLD1", 2, FLOW_SEQ, VIRT_NONE);
    classify("df0f", "FPU_ESC", 2, FLOW_SEQ, VIRT_NONE);   /* FISTTP: no row (SSE3) */

    /* Operand details. */
    struct insn i;
    CHECK_EQ(dec16("3eff12", &i), DECODE_OK);  /* 3E is DS, not CET NOTRACK */
    CHECK_EQ(i.seg, S_DS);
    CHECK_EQ(dec16("8b4602", &i), DECODE_OK);  /* [bp+2] defaults to SS */
    CHECK_EQ(i.seg, S_SS);
    CHECK_EQ(i.mbase, R_EBP);
    CHECK_EQ(i.disp, 2);
    CHECK_EQ(dec16("26a4", &i), DECODE_OK);    /* es movsb: source ES:SI */
    CHECK_EQ(i.seg, S_ES);
    CHECK_EQ(dec16("f30fbcc3", &i), DECODE_OK); /* BSF, not TZCNT */
    CHECK_STR(op_table[i.op].name, "BSF");
    CHECK_EQ(dec16("66b878563412", &i), DECODE_OK); /* mov eax, imm32 */
    CHECK_EQ(i.imm, 0x12345678);
    CHECK_EQ(i.osize, 4);
    CHECK_EQ(dec16("6aff", &i), DECODE_OK);    /* push imm8, sign-extended */
    CHECK_EQ(i.imm, 0xFFFFFFFFu);
    CHECK_EQ(dec16("f26a00", &i), DECODE_OK);  /* F2 on a non-string: no REP */
    CHECK_EQ(i.rep, REP_NONE);
    CHECK_EQ(dec16("f2a6", &i), DECODE_OK);
    CHECK_EQ(i.rep, REP_NE);

    /* Errors. */
    CHECK_EQ(dec16("f090", &i), DECODE_BAD_LOCK);   /* lock nop */
    CHECK_EQ(dec16("f000c0", &i), DECODE_BAD_LOCK); /* lock add al, al */
    CHECK_EQ(dec16("f00007", &i), DECODE_OK);       /* lock add [bx], al */
    CHECK_EQ(dec16("8ec8", &i), DECODE_UD);         /* mov cs, ax */
    /* LES with a register operand: Zydis reads C4 /r with mod=3 as a VEX
     * prefix, which ends in #UD as well on a CPU without AVX. */
    CHECK_EQ(dec16("c4c00000", &i), DECODE_UD);
    CHECK_EQ(dec16("0f04", &i), DECODE_UD);
    CHECK_EQ(dec16("8b", &i), DECODE_MORE);
    CHECK_EQ(dec16("2626262626262626262626262626268b07", &i), DECODE_TOO_LONG);
    CHECK_EQ(dec16("26262626262626262626262626268b07", &i), DECODE_TOO_LONG); /* 16 */
    CHECK_EQ(dec16("262626262626262626262626268b07", &i), DECODE_OK);        /* 15 */
    CHECK_EQ(i.len, 15);

    /* decode_insn_memo answers as decode_insn does, from its memory too:
     * random byte strings of every length in both modes, each decoded
     * twice among others (a small LCG: the same strings every run). */
    {
        struct decoder *memo = decoder_create();
        CHECK(memo != NULL);
        uint32_t seed = 12345;
        uint8_t pool[8][CPU_MAX_INSN_LEN];
        unsigned mismatches = 0;
        for (unsigned t = 0; t < 200000; t++) {
            unsigned slot = t % 8;
            if (t % 3 == 0) /* a new string now and then: the rest repeat */
                for (unsigned k = 0; k < CPU_MAX_INSN_LEN; k++) {
                    seed = seed * 1103515245u + 12345u;
                    pool[slot][k] = (uint8_t)(seed >> 16);
                }
            seed = seed * 1103515245u + 12345u;
            unsigned n = (seed >> 16) % (CPU_MAX_INSN_LEN + 1);
            int code32 = (seed >> 8) & 1;
            struct insn a, b;
            memset(&a, 0, sizeof(a));
            memset(&b, 0, sizeof(b));
            enum decode_status sa = decode_insn(dec, code32, pool[slot], n, &a);
            enum decode_status sb = decode_insn_memo(memo, code32, pool[slot], n, &b);
            if (sa != sb || (sa == DECODE_OK && memcmp(&a, &b, sizeof(a)) != 0))
                mismatches++;
        }
        CHECK_EQ(mismatches, 0);
        decoder_destroy(memo);
    }

    /* Every table row has a handler, a name and a sane level. */
    for (unsigned op = 1; op < OP_COUNT; op++) {
        CHECK(op_table[op].handler != NULL);
        CHECK(op_table[op].name != NULL);
        CHECK(op_table[op].level >= CPU_386 && op_table[op].level <= CPU_P6);
    }

    decoder_destroy(dec);
    return check_report();
}
