/* test_jit_diff: random 32-bit instructions (random_insn) and the forms
 * the modes add to them (M_MORE, M_FORMS, M_BITS, M_BOOTC, M_HINT). */
#include "jit_diff.h"

/* M_MORE: forms the first test left out. */
void more_insn(struct prog *p)
{
    switch (rnd() % 9) {
    case 8:                            /* a frame: push ebp; mov ebp, esp; sub esp, n; ...; leave */
        put(p, 0x55);
        if (rnd() % 8) {
            put(p, 0x89); put(p, 0xE5);
        } /* else EBP as it is: LEAVE reads anywhere (and may fault) */
        put(p, 0x83); put(p, 0xEC); put(p, (uint8_t)(4 * (rnd() % 8)));
        if (rnd() & 1)
            random_insn(p);
        put(p, 0xC9);
        break;
    case 0: case 1:                    /* MUL/IMUL r/m32 (EDX:EAX) */
        put(p, 0xF7);
        if (rnd() & 1)
            modrm_reg(p, 4 + (rnd() & 1), dreg());
        else
            modrm_mem(p, 4 + (rnd() & 1));
        observe_flags(p);
        break;
    case 2: {                          /* IMUL r32, r/m32 (, imm32) */
        bool imm = rnd() & 1;
        if (imm) {
            put(p, 0x69);
        } else {
            put(p, 0x0F);
            put(p, 0xAF);
        }
        if (rnd() & 1)
            modrm_reg(p, dreg(), dreg());
        else
            modrm_mem(p, dreg());
        if (imm)
            put32(p, rnd() % 3 ? rnd() & 0xFFFF : rnd());
        observe_flags(p);
        break;
    }
    case 3:                            /* DIV r/m32: EDX small or not (#DE), the divisor 0 at times */
        if (rnd() % 4) {
            put(p, 0x31);
            put(p, 0xD2);                                               /* xor edx, edx */
        }
        put(p, 0xF7);
        if (rnd() & 1)
            modrm_reg(p, 6, (unsigned[]){ 1, 3, 6, 7 }[rnd() % 4]);
        else
            modrm_mem(p, 6);
        observe_flags(p);
        break;
    default: {                         /* string instructions */
        /* pointers into the data area (or as they are: wild) */
        if (rnd() % 8)
            string_pointer(p, 6);
        if (rnd() % 8)
            string_pointer(p, 7);
        bool std = rnd() % 6 == 0;
        if (std)
            put(p, 0xFD);
        unsigned rep = rnd() % 3;
        if (rep) {
            put(p, 0xB9);                                               /* mov ecx, count */
            put32(p, rnd() % 16 || std ? rnd() % 9 : rnd() % 300); /* within the data area */
            put(p, rep == 1 ? 0xF3 : 0xF2);
        }
        put(p, (uint8_t[]){ 0xA4, 0xA5, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF, 0xA6, 0xA7,
                            0xAA, 0xAB, 0xA5 }[rnd() % 13]);
        if (std)
            put(p, 0xFC);                                               /* cld */
        break;
    }
    }
}

/* M_FORMS: forms the translator runs natively since issue 18's forms
 * branch. */
void forms_insn(struct prog *p)
{
    switch (rnd() % 7) {
    case 6:                            /* BT BTS BTR BTC r/m32 by r32 or imm8 */
        put(p, 0x0F);
        if (rnd() & 1) {
            put(p, 0xBA);
            if (rnd() & 1)
                modrm_reg(p, 4 + (rnd() & 3), dreg());
            else
                modrm_mem(p, 4 + (rnd() & 3));
            put(p, (uint8_t)rnd());
        } else {
            put(p, (uint8_t)(0xA3 + 8 * (rnd() & 3)));
            if (rnd() % 4)
                modrm_reg(p, dreg(), dreg());
            else
                modrm_mem(p, dreg()); /* (a bit string: the interpreter's) */
        }
        observe_flags(p);
        break;
    case 0:                            /* push m32; pop r32 (or leave it: ESP moves) */
        put(p, 0xFF);
        modrm_mem(p, 6);
        if (rnd() % 8)
            put(p, (uint8_t)(0x58 + dreg()));
        break;
    case 1:                            /* bswap r32 */
        put(p, 0x0F);
        put(p, (uint8_t)(0xC8 + dreg()));
        break;
    case 2: case 3: {                  /* shift/rotate r/m8, r/m16, r/m32 by imm8 or 1 */
        static const uint8_t ext[] = { 4, 5, 7, 0, 1 };
        unsigned size = (unsigned[]){ 1, 2, 4 }[rnd() % 3];
        bool one = rnd() & 1;
        if (size == 2)
            put(p, 0x66);
        put(p, (uint8_t)((one ? 0xD0 : 0xC0) + (size != 1)));
        if (rnd() & 1)
            modrm_reg(p, ext[rnd() % 5], size == 1 ? rnd() & 7 : dreg());
        else
            modrm_mem(p, ext[rnd() % 5]);
        if (!one)
            put(p, (uint8_t)(rnd() % 4 == 0 ? rnd() : rnd() % (8 * size)));
        observe_flags(p);
        break;
    }
    default: {                         /* a string instruction once */
        if (rnd() % 8)
            string_pointer(p, 6);
        if (rnd() % 8)
            string_pointer(p, 7);
        bool std = rnd() % 8 == 0;
        if (std)
            put(p, 0xFD);
        if (rnd() % 4 == 0)
            put(p, 0x66);
        put(p, (uint8_t[]){ 0xA4, 0xA5, 0xA6, 0xA7, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF }[rnd() % 10]);
        if (std)
            put(p, 0xFC);                                               /* cld */
        observe_flags(p);
        break;
    }
    }
}

/* M_BITS: a count for SHLD/SHRD, 0-33 mostly (0, 1, 16, 17 and 32
 * among them), or any byte. */
uint8_t dshift_count(void)
{
    return (uint8_t)(rnd() % 4 == 0 ? rnd() : rnd() % 34);
}

/* M_BITS: the forms of the translator's jit/tr_bits.c (see the mode). */
void bits_insn(struct prog *p)
{
    switch (rnd() % 8) {
    case 7:                            /* rdtsc (its value kept), or into memory */
        put(p, 0x0F);
        put(p, 0x31);
        if (rnd() & 1) {
            put(p, 0x89);
            modrm_mem(p, rnd() & 1 ? 0 : 2);
        }
        break;
    case 6: {                          /* bt/bts/btr/btc m32, r32: a bit string */
        unsigned r = dreg();
        if (rnd() % 4) {               /* mov r, -2048..2047 (else as it is) */
            put(p, (uint8_t)(0xB8 + r));
            put32(p, (rnd() & 0xFFF) - 0x800);
        }
        put(p, 0x0F);
        put(p, (uint8_t)(0xA3 + 8 * (rnd() & 3)));
        modrm_mem(p, r);
        observe_flags(p);
        break;
    }
    case 0: case 1: {                  /* shld/shrd r/m16/32, r, imm8 or cl */
        bool cl = rnd() & 1;
        if (cl && (rnd() & 1)) {       /* mov cl, count */
            put(p, 0xB1);
            put(p, dshift_count());
        }
        if (rnd() % 4 == 0)
            put(p, 0x66);
        put(p, 0x0F);
        put(p, (uint8_t)(((rnd() & 1) ? 0xA4 : 0xAC) + cl));
        if (rnd() & 1)
            modrm_reg(p, dreg(), dreg());
        else
            modrm_mem(p, dreg());
        if (!cl)
            put(p, dshift_count());
        observe_flags(p);
        break;
    }
    case 2: case 3: {                  /* bsf/bsr r16/32, r/m, sometimes of 0 */
        unsigned src = dreg();
        bool w16 = rnd() % 4 == 0;
        if (rnd() % 3 == 0) {
            if (rnd() & 1) {           /* xor src, src */
                put(p, 0x31);
                modrm_reg(p, src, src);
            } else {                   /* and src, 0xFFFF0000 */
                put(p, 0x81);
                modrm_reg(p, 4, src);
                put32(p, 0xFFFF0000u);
            }
        }
        if (!w16 && rnd() % 4 == 0)
            put(p, 0xF3);              /* TZCNT's bytes: BSF without BMI1 */
        if (w16)
            put(p, 0x66);
        put(p, 0x0F);
        put(p, (uint8_t)(0xBC + (rnd() & 1)));
        if (rnd() % 3)
            modrm_reg(p, dreg(), src);
        else
            modrm_mem(p, dreg());
        observe_flags(p);
        break;
    }
    default: {                         /* xadd/cmpxchg r/m32, r32 */
        bool cmpxchg = rnd() & 1, mem = rnd() & 1;
        struct prog m = { .n = 0 };
        unsigned rm = dreg();
        if (mem)
            modrm_mem(&m, 0);
        if (cmpxchg && (rnd() & 1)) {  /* mov eax, the operand: equal */
            put(p, 0x8B);
            if (mem)
                for (unsigned i = 0; i < m.n; i++)
                    put(p, m.b[i]);
            else
                modrm_reg(p, 0, rm);
        }
        if (mem && (rnd() & 1))
            put(p, (rnd() & 1) ? 0xF0 : 0x3E); /* lock, or ds (Linux on one CPU) */
        put(p, 0x0F);
        put(p, cmpxchg ? 0xB1 : 0xC1);
        unsigned src = dreg();
        if (mem) {
            put(p, (uint8_t)(m.b[0] | src << 3));
            for (unsigned i = 1; i < m.n; i++)
                put(p, m.b[i]);
        } else {
            modrm_reg(p, src, rm);
        }
        observe_flags(p);
        break;
    }
    }
}

/* M_BOOTC: flags made observable right away: a SETcc of OF, SF, ZF, PF
 * or CF (the condition `cc` first), or PUSHFD; POP into a register. */
void bootc_observe(struct prog *p, unsigned cc)
{
    if (rnd() % 4 == 0) {
        put(p, 0x9C);                                  /* pushfd */
        put(p, (uint8_t)(0x58 + dreg()));              /* pop r32 */
        return;
    }
    static const uint8_t ccs[] = { 0, 8, 4, 10, 2 };   /* O S Z P C */
    put(p, 0x0F);
    put(p, (uint8_t)(0x90 + (rnd() % 3 ? cc : ccs[rnd() % 5]) + (rnd() & 1)));
    modrm_reg(p, 0, rnd() & 3);
}

/* M_BOOTC: the boot's forms that went to C (see the mode). */
void bootc_insn(struct prog *p)
{
    switch (rnd() % 6) {
    case 0: case 1: {                  /* mul/imul r/m8/16/32, then SF ZF PF */
        unsigned w = rnd() % 3;        /* 8, 16, 32 bits */
        if (w == 1)
            put(p, 0x66);
        put(p, w ? 0xF7 : 0xF6);
        unsigned ext = (rnd() & 1) ? 4 : 5;
        if (rnd() & 1)
            modrm_reg(p, ext, rnd() & 7);
        else
            modrm_mem(p, ext);
        bootc_observe(p, (uint8_t[]){ 8, 4, 10 }[rnd() % 3]);
        break;
    }
    case 2: case 3: {                  /* shld/shrd r/m16/32, r, imm8 or cl, then OF */
        bool cl = rnd() & 1;
        if (cl && (rnd() % 4)) {       /* mov cl, count */
            put(p, 0xB1);
            put(p, (uint8_t)(rnd() % 4 == 0 ? rnd() : rnd() % 34));
        }
        bool w16 = !cl && rnd() % 3 == 0; /* (16-bit by CL: the interpreter's) */
        if (w16)
            put(p, 0x66);
        put(p, 0x0F);
        put(p, (uint8_t)(((rnd() & 1) ? 0xA4 : 0xAC) + cl));
        if (rnd() & 1)
            modrm_reg(p, dreg(), dreg());
        else
            modrm_mem(p, dreg());
        if (!cl)
            put(p, (uint8_t)(w16 ? rnd() % 16 : rnd() % 4 == 0 ? rnd() : rnd() % 34));
        bootc_observe(p, 0);
        break;
    }
    default: {                         /* cld or std; a string op or pushfd; cld */
        bool std = rnd() & 1;
        put(p, std ? 0xFD : 0xFC);
        if (rnd() & 1) {
            string_pointer(p, 6);
            string_pointer(p, 7);
            put(p, (uint8_t[]){ 0xA4, 0xA5, 0xA6, 0xA7, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF }[rnd() % 10]);
        } else {
            put(p, 0x9C);
            put(p, (uint8_t)(0x58 + dreg()));
        }
        if (std && rnd() % 4)
            put(p, 0xFC);
        break;
    }
    }
}

/* M_HINT: PAUSE, LFENCE or NOP. */
void hint_insn(struct prog *p)
{
    switch (rnd() % 3) {
    case 0:
        put(p, 0xF3);
        put(p, 0x90);
        break;
    case 1:
        put(p, 0x0F);
        put(p, 0xAE);
        put(p, 0xE8);
        break;
    default:
        put(p, 0x90);
        break;
    }
}

/* One random instruction. */
void random_insn(struct prog *p)
{
    if ((mode & M_HINT) && rnd() % 8 == 0) {
        hint_insn(p);
        return;
    }
    if ((mode & M_MORE) && rnd() % 4 == 0) {
        more_insn(p);
        return;
    }
    if ((mode & M_FORMS) && rnd() % 4 == 0) {
        forms_insn(p);
        return;
    }
    if ((mode & M_BITS) && rnd() % 3 == 0) {
        bits_insn(p);
        return;
    }
    if ((mode & M_BOOTC) && rnd() % 3 == 0) {
        bootc_insn(p);
        return;
    }
    unsigned g = rnd() % 8;
    switch (rnd() % 32) {
    case 0: case 1: case 2:            /* ALU r/m32, r32 (reg or mem) */
        put(p, (uint8_t)(g * 8 + 1));
        if (rnd() & 1)
            modrm_reg(p, dreg(), dreg());
        else
            modrm_mem(p, dreg());
        break;
    case 3: case 4:                    /* ALU r32, r/m32 */
        put(p, (uint8_t)(g * 8 + 3));
        if (rnd() & 1)
            modrm_reg(p, dreg(), dreg());
        else
            modrm_mem(p, dreg());
        break;
    case 5:                            /* ALU r/m8, r8 */
        put(p, (uint8_t)(g * 8 + (rnd() & 2)));
        if (rnd() & 1)
            modrm_reg(p, rnd() & 7, rnd() & 7);
        else
            modrm_mem(p, rnd() & 7);
        break;
    case 6: case 7:                    /* ALU r/m32, imm8/imm32 */
        if (rnd() & 1) {
            put(p, 0x83);
            if (rnd() & 1)
                modrm_reg(p, g, dreg());
            else
                modrm_mem(p, g);
            put(p, (uint8_t)rnd());
        } else {
            put(p, 0x81);
            modrm_reg(p, g, dreg());
            put32(p, rnd());
        }
        break;
    case 8:                            /* 16-bit ALU */
        put(p, 0x66);
        put(p, (uint8_t)(g * 8 + 1));
        modrm_reg(p, dreg(), dreg());
        break;
    case 9:                            /* TEST, INC/DEC/NEG/NOT */
        if (rnd() & 1) {
            put(p, 0x85);
            modrm_reg(p, dreg(), dreg());
        } else {
            put(p, 0xFF);
            modrm_reg(p, rnd() & 1, dreg());
            if (rnd() & 1) {
                p->n -= 2;
                put(p, 0xF7);
                modrm_reg(p, 2 + (rnd() & 1), dreg());
            }
        }
        break;
    case 10:                           /* MOV load/store/imm */
        switch (rnd() % 3) {
        case 0: put(p, 0x8B); modrm_mem(p, dreg()); break;
        case 1: put(p, 0x89); modrm_mem(p, dreg()); break;
        default: put(p, (uint8_t)(0xB8 + dreg())); put32(p, rnd() & 0xFFF); break;
        }
        break;
    case 11:                           /* LEA, MOVZX, MOVSX */
        if (rnd() & 1) {
            put(p, 0x8D);
            modrm_mem(p, dreg());
        } else {
            put(p, 0x0F);
            put(p, (uint8_t)(0xB6 + (rnd() & 1) + (rnd() & 8)));
            if (rnd() & 1)
                modrm_reg(p, dreg(), rnd() & 7);
            else
                modrm_mem(p, dreg());
        }
        break;
    case 12:                           /* PUSH/POP pairs and singles */
        if (rnd() & 1) {
            put(p, (uint8_t)(0x50 + dreg()));
            put(p, (uint8_t)(0x58 + dreg()));
        } else if (rnd() & 1) {
            put(p, 0x6A);
            put(p, (uint8_t)rnd());
            put(p, (uint8_t)(0x58 + dreg()));
        } else {
            put(p, (uint8_t)(0x50 + dreg()));
            put(p, 0x8F); /* pop [mem]: the interpreter's */
            modrm_mem(p, 0);
        }
        break;
    case 13: {                         /* shifts and rotates by immediate, 32 or 16 bits */
        static const uint8_t ext[] = { 4, 5, 7, 4, 5, 0, 1 };
        if (rnd() % 4 == 0)
            put(p, 0x66);
        put(p, 0xC1);
        modrm_reg(p, ext[rnd() % 7], dreg());
        put(p, (uint8_t)(rnd() % 3 == 0 ? 1 : rnd() % 3 == 0 ? rnd() & 15 : rnd()));
        break;
    }
    case 14:                           /* IMUL */
        if (rnd() & 1) {
            put(p, 0x0F);
            put(p, 0xAF);
            if (rnd() & 1)
                modrm_reg(p, dreg(), dreg());
            else
                modrm_mem(p, dreg());
        } else {
            put(p, 0x6B);
            modrm_reg(p, dreg(), dreg());
            put(p, (uint8_t)rnd());
        }
        break;
    case 15:                           /* SETcc, CMOVcc */
        put(p, 0x0F);
        if (rnd() & 1) {
            put(p, (uint8_t)(0x90 + (rnd() & 15)));
            if (rnd() & 1)
                modrm_reg(p, 0, rnd() & 7);
            else
                modrm_mem(p, 0);
        } else {
            put(p, (uint8_t)(0x40 + (rnd() & 15)));
            if (rnd() & 1)
                modrm_reg(p, dreg(), dreg());
            else
                modrm_mem(p, dreg());
        }
        break;
    case 16:                           /* CDQ, XCHG, an interpreted one */
        switch (rnd() % 4) {
        case 0: put(p, 0x99); break;
        case 1: put(p, 0x87); modrm_reg(p, dreg(), dreg()); break;
        case 2:                                                  /* MUL */
            if ((mode & M_MUL) && (rnd() & 1))
                mul_narrow(p);
            else {
                put(p, 0xF7);
                modrm_reg(p, 4, dreg());
            }
            break;
        default: put(p, 0x0F); put(p, 0xBC); modrm_reg(p, dreg(), dreg()); break; /* BSF */
        }
        break;
    /* x87 */
    case 17: case 18:                  /* FLD/FILD memory */
        switch (rnd() % 4) {
        case 0: put(p, 0xDD); modrm_mem(p, 0); break; /* fld m64 */
        case 1: put(p, 0xD9); modrm_mem(p, 0); break; /* fld m32 */
        case 2: put(p, 0xDB); modrm_mem(p, 0); break; /* fild m32 */
        default: put(p, 0xDF); modrm_mem(p, 0); break; /* fild m16 */
        }
        break;
    case 19: case 20:                  /* arithmetic with memory */
        put(p, (uint8_t)(0xD8 + 2 * (rnd() & 3)));
        rnd(); /* kept so that each seed makes the programs it always made */
        modrm_mem(p, (unsigned[]){ 0, 1, 4, 5, 6, 7 }[rnd() % 6]); /* not FCOM(P) */
        break;
    case 21: case 22:                  /* register arithmetic, pops */
        put(p, (uint8_t[]){ 0xD8, 0xDE, 0xDC }[rnd() % 3]);
        put(p, (uint8_t)(0xC0 | (unsigned[]){ 0, 1, 4, 5, 6, 7 }[rnd() % 6] << 3 | (rnd() & 3)));
        break;
    case 23:                           /* FST/FSTP/FIST/FISTP memory */
        switch (rnd() % 4) {
        case 0: put(p, 0xDD); modrm_mem(p, 2 + (rnd() & 1)); break;
        case 1: put(p, 0xD9); modrm_mem(p, 2 + (rnd() & 1)); break;
        case 2: put(p, 0xDB); modrm_mem(p, 2 + (rnd() & 1)); break;
        default: put(p, 0xDB); modrm_mem(p, 7); break; /* fstp m80 */
        }
        break;
    case 24:                           /* FLD ST(i), FXCH, FLDZ/FLD1, FCHS/FABS */
        put(p, 0xD9);
        switch (rnd() % 4) {
        case 0: put(p, (uint8_t)(0xC0 + (rnd() & 3))); break;
        case 1: put(p, (uint8_t)(0xC8 + (rnd() & 3))); break;
        case 2: put(p, (uint8_t)(0xE8 + (rnd() % 7))); break;
        default: put(p, (uint8_t)(0xE0 + (rnd() & 1))); break;
        }
        break;
    case 25:                           /* FCOMI(P), FUCOMI(P), FSTP ST(i), FSQRT */
        switch (rnd() % 3) {
        case 0: put(p, (uint8_t)(0xDB + 4 * (rnd() & 1))); put(p, (uint8_t)(0xE8 + (rnd() & 15))); break;
        case 1: put(p, 0xDD); put(p, (uint8_t)(0xD8 + (rnd() & 3))); break;
        default: put(p, 0xD9); put(p, 0xFA); break;
        }
        break;
    case 26:                           /* interpreted x87: FCOM, FNSTSW AX, FLDCW */
        switch (rnd() % 3) {
        case 0: put(p, 0xD8); put(p, (uint8_t)(0xD0 + (rnd() & 3))); break;
        case 1: put(p, 0xDF); put(p, 0xE0); break;
        default: put(p, 0xD9); modrm_mem(p, 5); break;
        }
        break;
    case 30: {                         /* LEA from any registers, often into one it reads */
        unsigned base = dreg(), index = dreg(), dst = rnd() % 3 ? (rnd() & 1 ? base : index) : dreg();
        put(p, 0x8D);
        if (rnd() % 4 == 0) {                 /* [index * scale + d32] */
            put(p, (uint8_t)(dst << 3 | 4));
            put(p, (uint8_t)((rnd() & 3) << 6 | index << 3 | 5));
            put32(p, rnd() & 0xFFFF);
        } else {                              /* [base + index * scale + d8] */
            put(p, (uint8_t)(0x44 | dst << 3));
            put(p, (uint8_t)((rnd() & 3) << 6 | index << 3 | base));
            put(p, (uint8_t)rnd());
        }
        break;
    }
    case 31:                           /* interpreted ones that read and write registers */
        switch (rnd() % 3) {
        case 0: put(p, 0x0F); put(p, 0xBD); modrm_reg(p, dreg(), dreg()); break; /* BSR */
        case 1: put(p, 0x0F); put(p, 0xC8 + dreg()); break;                   /* BSWAP */
        default: put(p, 0x86); modrm_reg(p, rnd() & 7, rnd() & 7); break;     /* XCHG r8 */
        }
        break;
    default:
        if (rnd() % 4 == 0) {
            /* A control transfer to the next instruction: it ends the
             * block, so the loop is several blocks whose translations
             * chain (jit.h); CALL's push is undone by a LEA, which keeps
             * the flags. */
            if ((mode & M_ACROSS) && (rnd() & 1)) {
                far_transfer(p);
                break;
            }
            switch (rnd() % 6) {
            case 0:                                                         /* jmp rel32 */
                put(p, 0xE9); put32(p, 0);
                if (skips) {                    /* over the next instruction */
                    unsigned from = p->n;
                    random_insn(p);
                    uint32_t len = p->n - from;
                    memcpy(&p->b[from - 4], &len, 4);
                }
                break;
            case 1:
                put(p, 0x0F); put(p, (uint8_t)(0x80 + (rnd() & 15))); put32(p, 0);
                if (skips) {                    /* jcc over the next instruction */
                    unsigned from = p->n;
                    random_insn(p);
                    uint32_t len = p->n - from;
                    memcpy(&p->b[from - 4], &len, 4);
                }
                break;
            case 2: put(p, 0xEB); put(p, 0); break;                         /* jmp rel8 */
            case 3:                             /* call L; jmp M; L: ret; M: (RET's lookup) */
                put(p, 0xE8); put32(p, 2);
                put(p, 0xEB); put(p, 1);
                put(p, 0xC3);
                break;
            case 4:                             /* mov ecx, M; jmp ecx; M: */
                put(p, 0xB9); put32(p, bias() + code_at + p->n + 6);
                put(p, 0xFF); put(p, 0xE1);
                break;
            default:                                                        /* call rel32 */
                put(p, 0xE8); put32(p, 0);
                put(p, 0x8D); put(p, 0x64); put(p, 0x24); put(p, 0x04);     /* lea esp, [esp+4] */
                break;
            }
            break;
        }
        if (rnd() % 3 == 0) {
            /* SHL/SHR/SAR/ROL/ROR r32, CL, often with CL cut to 0 or 1 first
             * (a count of 0 leaves the flags; OF is defined for 1) */
            if (rnd() & 1) {
                static const uint8_t mask[] = { 0, 1, 1, 3, 31 };
                put(p, 0x83); put(p, 0xE1); put(p, mask[rnd() % 5]); /* and ecx, imm8 */
            }
            static const uint8_t ext[] = { 4, 5, 7, 0, 1 };
            put(p, 0xD3);
            if ((mode & M_MUL) && (rnd() & 1))
                modrm_mem(p, ext[rnd() % 5]);
            else
                modrm_reg(p, ext[rnd() % 5], dreg());
            break;
        }
        /* more of the common ALU forms */
        put(p, (uint8_t)(g * 8 + 1));
        modrm_reg(p, dreg(), dreg());
        break;
    }
}
