/* test_jit_diff: random instructions for 16-bit protected and real mode
 * (M_CODE16, M_REAL): 16-bit forms and addressing, prefixed 32-bit forms. */
#include "jit_diff.h"

void put16(struct prog *p, uint16_t v)
{
    put(p, (uint8_t)v);
    put(p, (uint8_t)(v >> 8));
}

/* 16-bit addressing (SDM vol. 2, table 2-1): [bx+d8], [si+d8],
 * [bx+si+d8], [d16] (the data area), [bp+si+d8] (SS). */
void modrm_mem16(struct prog *p, unsigned reg)
{
    reg &= 7;
    switch (rnd() % 6) {
    case 0: case 1: put(p, (uint8_t)(0x47 | reg << 3)); put(p, (uint8_t)(rnd() & 0x7E)); break;
    case 2: put(p, (uint8_t)(0x44 | reg << 3)); put(p, (uint8_t)(rnd() & 0x7E)); break;
    case 3: put(p, (uint8_t)(0x40 | reg << 3)); put(p, (uint8_t)(rnd() & 0x7E)); break;
    case 4: put(p, (uint8_t)(0x06 | reg << 3)); put16(p, (uint16_t)(DATA + (rnd() & 0x7FE))); break;
    default: put(p, (uint8_t)(0x42 | reg << 3)); put(p, (uint8_t)(rnd() & 0x7E)); break;
    }
}

/* One random instruction for 16-bit code (M_CODE16, M_REAL).  Every
 * 16-bit address stays within the 64 KiB segments, so wild pointers
 * write anywhere in the program's area (its code too) rather than fault. */
void random_insn16(struct prog *p)
{
    unsigned g = rnd() % 8;
    switch (rnd() % 20) {
    case 0: case 1: case 2:            /* ALU r/m16, r16 */
        put(p, (uint8_t)(g * 8 + 1));
        if (rnd() & 1)
            modrm_reg(p, dreg(), dreg());
        else
            modrm_mem16(p, dreg());
        break;
    case 3:                            /* ALU r16, r/m16 */
        put(p, (uint8_t)(g * 8 + 3));
        if (rnd() & 1)
            modrm_reg(p, dreg(), dreg());
        else
            modrm_mem16(p, dreg());
        break;
    case 4:                            /* ALU r/m8, r8 and r8, r/m8 */
        put(p, (uint8_t)(g * 8 + (rnd() & 2)));
        if (rnd() & 1)
            modrm_reg(p, rnd() & 7, rnd() & 7);
        else
            modrm_mem16(p, rnd() & 7);
        break;
    case 5:                            /* ALU r/m16, imm8 / r16, imm16 */
        if (rnd() & 1) {
            put(p, 0x83);
            if (rnd() & 1)
                modrm_reg(p, g, dreg());
            else
                modrm_mem16(p, g);
            put(p, (uint8_t)rnd());
        } else {
            put(p, 0x81);
            modrm_reg(p, g, dreg());
            put16(p, (uint16_t)rnd());
        }
        break;
    case 6:                            /* MOV load, store, immediate */
        switch (rnd() % 3) {
        case 0: put(p, 0x8B); modrm_mem16(p, dreg()); break;
        case 1: put(p, 0x89); modrm_mem16(p, dreg()); break;
        default: put(p, (uint8_t)(0xB8 + dreg())); put16(p, (uint16_t)(rnd() & 0xFFF)); break;
        }
        break;
    case 7:                            /* INC/DEC r16 */
        put(p, (uint8_t)(0x40 + (rnd() & 8) + dreg()));
        break;
    case 8:                            /* PUSH/POP */
        if (rnd() & 1) {
            put(p, (uint8_t)(0x50 + dreg()));
            put(p, (uint8_t)(0x58 + dreg()));
        } else {
            put(p, 0x6A);
            put(p, (uint8_t)rnd());
            put(p, (uint8_t)(0x58 + dreg()));
        }
        break;
    case 9: {                          /* shifts and rotates */
        static const uint8_t ext[] = { 4, 5, 7, 0, 1, 2, 3 };
        switch (rnd() % 3) {
        case 0: put(p, 0xC1); modrm_reg(p, ext[rnd() % 7], dreg()); put(p, (uint8_t)(rnd() & 31)); break;
        case 1: put(p, 0xD1); modrm_reg(p, ext[rnd() % 7], dreg()); break;
        default: put(p, 0xD3); modrm_reg(p, ext[rnd() % 5], dreg()); break;
        }
        break;
    }
    case 10:                           /* LEA */
        put(p, 0x8D);
        modrm_mem16(p, dreg());
        break;
    case 11:                           /* TEST, XCHG, CBW, CWD */
        switch (rnd() % 4) {
        case 0: put(p, 0x85); modrm_reg(p, dreg(), dreg()); break;
        case 1: put(p, 0x87); modrm_reg(p, dreg(), dreg()); break;
        case 2: put(p, 0x98); break;
        default: put(p, 0x99); break;
        }
        break;
    case 12:                           /* 32-bit operands (0x66) */
        put(p, 0x66);
        if (rnd() & 1) {
            put(p, (uint8_t)(g * 8 + 1));
            modrm_reg(p, dreg(), dreg());
        } else {
            put(p, (uint8_t)(0xB8 + (rnd() % 3)));
            put32(p, rnd());
        }
        break;
    case 13:                           /* 32-bit addressing (0x67): [ebx+d8] */
        put(p, 0x67);
        put(p, (rnd() & 1) ? 0x8B : 0x01);
        put(p, (uint8_t)(0x43 | dreg() << 3));
        put(p, (uint8_t)(rnd() & 0x7C));
        break;
    case 14:                           /* MOVZX/MOVSX r16, r/m8; IMUL */
        put(p, 0x0F);
        if (rnd() & 1) {
            put(p, (uint8_t)(0xB6 + (rnd() & 8)));
            if (rnd() & 1)
                modrm_reg(p, dreg(), rnd() & 7);
            else
                modrm_mem16(p, dreg());
        } else {
            put(p, 0xAF);
            modrm_reg(p, dreg(), dreg());
        }
        break;
    case 15:                           /* SETcc, CMOVcc */
        put(p, 0x0F);
        if (rnd() & 1) {
            put(p, (uint8_t)(0x90 + (rnd() & 15)));
            modrm_reg(p, 0, rnd() & 7);
        } else {
            put(p, (uint8_t)(0x40 + (rnd() & 15)));
            modrm_mem16(p, dreg());
        }
        break;
    case 16:                           /* x87 with 16-bit addressing */
        switch (rnd() % 6) {
        case 0: put(p, 0xDD); modrm_mem16(p, 0); break;                    /* fld m64 */
        case 1: put(p, 0xDF); modrm_mem16(p, 0); break;                    /* fild m16 */
        case 2: put(p, 0xD8); modrm_mem16(p, (unsigned[]){ 0, 1, 4, 6 }[rnd() % 4]); break;
        case 3: put(p, 0xDD); modrm_mem16(p, 2 + (rnd() & 1)); break;      /* fst(p) m64 */
        case 4: put(p, 0xD9); put(p, (uint8_t)(0xE8 + (rnd() % 7))); break;
        default: put(p, 0xDE); put(p, (uint8_t)(0xC1 + (rnd() & 1) * 8)); break; /* faddp/fmulp */
        }
        break;
    case 17:                           /* transfers to the next instruction */
        switch (rnd() % 4) {
        case 0: put(p, (uint8_t)(0x70 + (rnd() & 15))); put(p, 0); break;
        case 1: put(p, 0xEB); put(p, 0); break;
        case 2: put(p, 0xE9); put16(p, 0); break;
        default: put(p, 0xE8); put16(p, 0); put(p, 0x5A); break;          /* call; pop dx */
        }
        break;
    case 18:                           /* string instructions, REP with a small CX */
        put(p, 0xB9);
        put16(p, (uint16_t)(rnd() % 7));
        if (rnd() & 1)
            put(p, 0xF3);
        put(p, (uint8_t[]){ 0xA4, 0xA5, 0xAA, 0xAB, 0xAC, 0xAD }[rnd() % 6]);
        break;
    default:                           /* more ALU register forms */
        put(p, (uint8_t)(g * 8 + 1));
        modrm_reg(p, dreg(), dreg());
        break;
    }
}
