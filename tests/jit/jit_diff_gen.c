/* test_jit_diff: the generators' state and the encoding helpers (random
 * numbers, ModRM operands, the M_ACROSS transfers into the stubs, and a
 * few forms shared by the families). */
#include "jit_diff.h"

uint64_t rng;
bool flat;
bool skips;
uint64_t mode;
uint32_t code_at = 0x0100u;
uint32_t code_org = CODE;
struct sites xsites;
struct sites xlsites;

uint32_t rnd(void)
{
    uint64_t z = (rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (uint32_t)(z ^ (z >> 31));
}

void put(struct prog *p, uint8_t v)
{
    if (p->n < sizeof(p->b))
        p->b[p->n++] = v;
}

void put32(struct prog *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        put(p, (uint8_t)(v >> (8 * i)));
}

/* A register for data (not ESP or EBP: EBP is used as a base only). */
unsigned dreg(void)
{
    static const unsigned r[] = { 0, 1, 2, 3, 6, 7, 0, 1, 2 };
    return r[rnd() % 9];
}

/* A ModRM memory operand with reg field `reg`: [ebx+d8], [ebx+esi*4+d8],
 * [esp+d8], [d32] (the data area), or rarely [eax] (anything). */
void modrm_mem(struct prog *p, unsigned reg)
{
    reg &= 7;
    switch (rnd() % 8) {
    case 0: case 1: case 2:
        put(p, (uint8_t)(0x40 | reg << 3 | 3));
        put(p, (uint8_t)(rnd() & 0x7C));
        break;
    case 3: case 4:
        put(p, (uint8_t)(0x44 | reg << 3));
        put(p, 0xB3); /* esi*4 + ebx */
        put(p, (uint8_t)(rnd() & 0x3C));
        break;
    case 5:
        put(p, (uint8_t)(0x44 | reg << 3));
        put(p, 0x24); /* [esp + d8] */
        put(p, (uint8_t)(rnd() & 0x3C));
        break;
    case 6:
        put(p, (uint8_t)(reg << 3 | 5));
        put32(p, bias() + DATA + (rnd() & 0x7F8));
        break;
    default:
        put(p, (uint8_t)(reg << 3 | 0)); /* [eax] */
        break;
    }
}

void modrm_reg(struct prog *p, unsigned reg, unsigned rm)
{
    put(p, (uint8_t)(0xC0 | (reg & 7) << 3 | (rm & 7)));
}

/* M_ACROSS: the stubs the programs (and the handler) jump to, at STUBS. */
struct prog stubs;

/* M_ACROSS: a JMP, Jcc or CALL rel32 from the program into a stub in the
 * next page (sometimes an ALU instruction first) that jumps back to the
 * instruction after the transfer or, for the CALL, returns there. */
void far_transfer(struct prog *p)
{
    unsigned kind = rnd() % 6;
    if (kind == 4) {                    /* mov ecx, L; call ecx; jmp M; L: ret; M: */
        put(p, 0xB9); put32(p, bias() + code_at + p->n + 8);  /* (p->n: after the opcode) */
        put(p, 0xFF); put(p, 0xD1);
        put(p, 0xEB); put(p, 1);
        put(p, 0xC3);
        return;
    }
    if (kind == 5) {                    /* push L; call [esp]; lea esp, [esp+4]; jmp M; L: ret; M: */
        put(p, 0x68); put32(p, bias() + code_at + p->n + 13);
        put(p, 0xFF); put(p, 0x14); put(p, 0x24);
        put(p, 0x8D); put(p, 0x64); put(p, 0x24); put(p, 0x04);
        put(p, 0xEB); put(p, 1);
        put(p, 0xC3);
        return;
    }
    if (stubs.n + 16 > sizeof(stubs.b)) {
        put(p, 0xE9); put32(p, 0); /* room for no more stubs */
        return;
    }
    uint32_t stub = STUBS + stubs.n, next;
    if (kind == 3) {                    /* mov ecx, stub; call ecx */
        put(p, 0xB9); put32(p, bias() + stub);
        put(p, 0xFF); put(p, 0xD1);
        next = code_at + p->n;
        kind = 2;                       /* the stub returns */
    } else {
        if (kind == 0) {
            put(p, 0xE9);
        } else if (kind == 1) {
            put(p, 0x0F); put(p, (uint8_t)(0x80 + (rnd() & 15)));
        } else {
            put(p, 0xE8);
        }
        next = code_at + p->n + 4; /* where the program goes on */
        put32(p, stub - next);
    }
    if (rnd() & 1) {
        put(&stubs, (uint8_t)((rnd() % 8) * 8 + 1));
        modrm_reg(&stubs, dreg(), dreg());
    }
    if ((mode & M_XLINK) && xlsites.n < 16) {
        put(&stubs, (uint8_t)(0xB8 + dreg()));
        xlsites.at[xlsites.n++] = (uint16_t)(STUBS + stubs.n);
        for (unsigned k = 0; k < 4 && xsites.n < 64; k++)
            xsites.at[xsites.n++] = (uint16_t)(STUBS + stubs.n + k);
        put32(&stubs, rnd());
    }
    if (kind == 2) {
        put(&stubs, 0xC3);
    } else if (mode & M_JCCBACK) {
        put(&stubs, 0x0F); put(&stubs, (uint8_t)(0x80 + (rnd() & 15)));
        put32(&stubs, next - (STUBS + stubs.n + 4));
        put(&stubs, (uint8_t)((rnd() % 8) * 8 + 1));
        modrm_reg(&stubs, dreg(), dreg());
        put(&stubs, 0xE9);
        put32(&stubs, next - (STUBS + stubs.n + 4));
    } else {
        put(&stubs, 0xE9);
        put32(&stubs, next - (STUBS + stubs.n + 4));
    }
}

/* M_MUL: MUL or IMUL r/m8 or r/m16. */
void mul_narrow(struct prog *p)
{
    if (rnd() & 1)
        put(p, 0x66);
    put(p, (rnd() & 1) ? 0xF6 : 0xF7); /* (with 0x66: r/m16, else r/m8 or r/m32) */
    unsigned ext = (rnd() & 1) ? 4 : 5;
    if (rnd() & 1)
        modrm_reg(p, ext, rnd() & 7);
    else
        modrm_mem(p, ext);
}

/* Flags a MUL, IMUL or DIV left, made observable now or later: a SETcc
 * of SF, ZF or PF, or nothing (the next memory operand, the block's end). */
void observe_flags(struct prog *p)
{
    if (rnd() & 1) {
        put(p, 0x0F);
        put(p, (uint8_t)(0x90 + (uint8_t[]){ 4, 5, 8, 9, 10, 11, 2, 0 }[rnd() % 8])); /* setcc */
        modrm_reg(p, 0, rnd() & 3);
    }
}

void string_pointer(struct prog *p, unsigned reg)
{
    put(p, (uint8_t)(0xB8 + reg));
    put32(p, bias() + DATA + (rnd() & 0xFFC) + (rnd() % 8 == 0 ? rnd() & 3 : 0));
}
