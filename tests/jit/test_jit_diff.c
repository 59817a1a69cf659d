/* Differential test of the translator (src/jit) against the interpreter.
 *
 * Random programs (a loop of random instructions from the forms below,
 * integer and x87, with register, memory and stack operands) run in two
 * VMs, one with the translator and one without, from the same state; the
 * loop runs often enough that its block is translated and then loops in
 * host code.  Everything guest-visible must agree at the end: registers,
 * EIP, EFLAGS, the instruction count, the x87 state (registers, empty
 * ones included, status, tags, TOP, pointers), the data memory, and how
 * the run ended (HLT, or a fault that, with no IDT, shuts the CPU down:
 * restartable faults and their state are compared that way).
 *
 * The CPU is in 32-bit protected mode, paging off, segments with base
 * BASE and limit LIMIT (or flat: every other program), so that wild
 * pointers fault; the stress modes (M_* below) add self-modifying code,
 * interrupts in the middle, paging, 16-bit protected mode and real mode.
 *
 * Usage: test_jit_diff [programs [seed [only-this-program|-1 [threshold [mode]]]]]
 * (only-this-program also finds the first loop count that differs). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cpu/exec.h"
#include "jit/jit.h"
#include "engine/cache.h"
#include "machine/vm.h"
#include "engine/engine.h"

#define BASE 0x100000u
#define LIMIT 0xFFFFu
#define CODE 0x0100u       /* program start, in CS */
#define COUNTER 0x0F00u    /* loop counter (dword) */
#define DATA 0x2000u       /* data area: EBX and ESI point around here */
#define DATA_LEN 0x2000u
#define STACK 0x9000u
/* M_IRQ and the descriptor tables (offsets in the program's area). */
#define IRQS 0x0F10u       /* interrupts the handler ran (dword) */
#define GDT 0xA000u
#define IDT 0xA100u        /* vectors 0..0x40, only 0x40 present */
#define IRQ_VECTOR 0x40u
#define HANDLER 0xB000u
#define FAULT_STUB 0xC000u /* real mode: every other vector, a HLT */
#define AREA_REAL 0x10000u /* real mode's area: segment 0x1000 */
#define PD_PA 0x200000u    /* M_PAGING: page directory and table */
#define PT_PA 0x201000u

static uint64_t rng;

/* Flat programs: segments with base 0 and a 4 GiB limit (as Linux has
 * them), so addresses carry BASE; else base BASE and limit LIMIT. */
static bool flat;
static uint32_t bias(void)
{
    return flat ? BASE : 0;
}

/* What else the programs exercise (argument 5, a sum of these; 0 is
 * the original test, whose seeds make the programs they always made):
 *   M_SMC     stores into the program's own code (immediates and opcodes
 *             of instructions before and after the store, in its block
 *             and the next; with M_PAGING and flat segments also through
 *             a second linear alias of the code page)
 *   M_IRQ     external interrupts (the INTR line and an INTA answering
 *             vector 0x40) raised at random instruction counts between
 *             slices and by an OUT to port 0xE0 inside the loop, CLI/STI
 *             around instructions; an IDT (or, in real mode, the IVT)
 *             whose handler runs random instructions and returns
 *   M_PAGING  paging on: the program's 16 pages mapped in a random order,
 *             and again at AREA + 64 KiB (the alias); the page table's
 *             accessed and dirty bits are compared
 *   M_CODE16  16-bit protected mode (CS and SS 16-bit): 16-bit forms,
 *             16-bit addressing, prefixed 32-bit forms, REP strings
 *   M_REAL    real mode (segments 0x1000), as M_CODE16; no paging */
enum { M_SMC = 1, M_IRQ = 2, M_PAGING = 4, M_CODE16 = 8, M_REAL = 16 };
static unsigned mode;
/* Where the code being generated will sit in CS (the computed JMP's
 * target): the program's CODE, or the interrupt handler's. */
static uint32_t code_at = 0x0100u;

static uint32_t rnd(void)
{
    uint64_t z = (rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (uint32_t)(z ^ (z >> 31));
}

struct prog {
    uint8_t b[1024];
    unsigned n;
};

static void put(struct prog *p, uint8_t v)
{
    if (p->n < sizeof(p->b))
        p->b[p->n++] = v;
}

static void put32(struct prog *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        put(p, (uint8_t)(v >> (8 * i)));
}

/* A register for data (not ESP or EBP: EBP is used as a base only). */
static unsigned dreg(void)
{
    static const unsigned r[] = { 0, 1, 2, 3, 6, 7, 0, 1, 2 };
    return r[rnd() % 9];
}

/* A ModRM memory operand with reg field `reg`: [ebx+d8], [ebx+esi*4+d8],
 * [esp+d8], [d32] (the data area), or rarely [eax] (anything). */
static void modrm_mem(struct prog *p, unsigned reg)
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

static void modrm_reg(struct prog *p, unsigned reg, unsigned rm)
{
    put(p, (uint8_t)(0xC0 | (reg & 7) << 3 | (rm & 7)));
}

/* One random instruction. */
static void random_insn(struct prog *p)
{
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
        case 2: put(p, 0xF7); modrm_reg(p, 4, dreg()); break; /* MUL */
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
            switch (rnd() % 6) {
            case 0: put(p, 0xE9); put32(p, 0); break;                       /* jmp rel32 */
            case 1: put(p, 0x0F); put(p, (uint8_t)(0x80 + (rnd() & 15))); put32(p, 0); break;
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
            modrm_reg(p, ext[rnd() % 5], dreg());
            break;
        }
        /* more of the common ALU forms */
        put(p, (uint8_t)(g * 8 + 1));
        modrm_reg(p, dreg(), dreg());
        break;
    }
}

static void put16(struct prog *p, uint16_t v)
{
    put(p, (uint8_t)v);
    put(p, (uint8_t)(v >> 8));
}

/* 16-bit addressing (SDM vol. 2, table 2-1): [bx+d8], [si+d8],
 * [bx+si+d8], [d16] (the data area), [bp+si+d8] (SS). */
static void modrm_mem16(struct prog *p, unsigned reg)
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
static void random_insn16(struct prog *p)
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

/* M_SMC: patch sites (instructions whose bytes a store may change into
 * another valid instruction) and the stores that aim at them, resolved
 * once the body is complete so that they go forwards and backwards. */
enum { SITE_IMM, SITE_OP };
struct smc {
    unsigned nsite, nfix;
    uint16_t site[64], fix[64];
    uint8_t skind[64], fkind[64], fadd[64];
};

static void smc_site(struct smc *m, unsigned at, unsigned kind)
{
    if (m->nsite < 64) {
        m->site[m->nsite] = (uint16_t)at;
        m->skind[m->nsite++] = (uint8_t)kind;
    }
}

/* A patch site (MOV r, imm: its immediate; INC/DEC r: its opcode, which
 * XOR 8 turns into the other), or a store into one: MOV, ADD, ADC, FST,
 * FIST into an immediate, a byte MOV into one of its bytes, XOR 8 or an
 * OR 0 (a write that changes nothing) into an opcode. */
static void smc_item(struct prog *p, struct smc *m, bool code16)
{
    static const unsigned reg[] = { 1, 2, 7 };
    unsigned r = reg[rnd() % 3], form = rnd() % 10, kind = SITE_IMM, add = 0;
    if (form == 0 || form == 1) {
        put(p, (uint8_t)(0xB8 + r));
        smc_site(m, p->n, SITE_IMM);
        if (code16)
            put16(p, (uint16_t)(rnd() & 0xFFF));
        else
            put32(p, rnd() & 0xFFF);
        return;
    }
    if (form == 2) {
        put(p, (uint8_t)(0x40 + (rnd() & 8) + r));
        smc_site(m, p->n - 1, SITE_OP);
        return;
    }
    /* [disp] is ModRM mod 0, r/m 6 (16-bit) or 5 (32-bit). */
    uint8_t rm = code16 ? 6 : 5;
    uint8_t tail = 0;
    bool has_tail = false;
    switch (rnd() % 8) {
    case 0: put(p, 0x89); put(p, (uint8_t)(dreg() << 3 | rm)); break;
    case 1: put(p, 0x83); put(p, rm); tail = (uint8_t)rnd(); has_tail = true; break;
    case 2: put(p, 0x83); put(p, (uint8_t)(2 << 3 | rm)); tail = (uint8_t)rnd(); has_tail = true; break;
    case 3:
        if (code16) {
            put(p, 0xDF); put(p, (uint8_t)(2 << 3 | rm));                 /* fist m16 */
        } else {
            put(p, (rnd() & 1) ? 0xD9 : 0xDB); put(p, (uint8_t)(2 << 3 | rm)); /* fst/fist m32 */
        }
        break;
    case 4:
        put(p, 0xC6); put(p, rm); tail = (uint8_t)rnd(); has_tail = true;
        add = rnd() % (code16 ? 2 : 4);
        break;
    case 5: put(p, 0x80); put(p, (uint8_t)(6 << 3 | rm)); tail = 8; has_tail = true; kind = SITE_OP; break;
    default: put(p, 0x80); put(p, (uint8_t)(1 << 3 | rm)); tail = 0; has_tail = true; kind = rnd() & 1; break;
    }
    if (m->nfix < 64) {
        m->fix[m->nfix] = (uint16_t)p->n;
        m->fkind[m->nfix] = (uint8_t)kind;
        m->fadd[m->nfix++] = (uint8_t)add;
    }
    if (code16)
        put16(p, 0);
    else
        put32(p, 0);
    if (has_tail)
        put(p, tail);
}

/* Points every store at a site of its kind (else at an immediate). */
static void smc_resolve(struct prog *p, struct smc *m, bool code16)
{
    for (unsigned f = 0; f < m->nfix; f++) {
        unsigned pick = rnd() % m->nsite;
        for (unsigned i = 0; i < m->nsite; i++) {
            unsigned k = (pick + i) % m->nsite;
            if (m->skind[k] == m->fkind[f]) {
                pick = k;
                break;
            }
        }
        if (m->skind[pick] != m->fkind[f] && m->skind[pick] == SITE_OP) {
            for (unsigned k = 0; k < m->nsite; k++)
                if (m->skind[k] == SITE_IMM)
                    pick = k;
        }
        uint32_t a = CODE + m->site[pick] + m->fadd[f];
        if (code16) {
            p->b[m->fix[f]] = (uint8_t)a;
            p->b[m->fix[f] + 1] = (uint8_t)(a >> 8);
        } else {
            a += bias();
            if ((mode & M_PAGING) && flat && (rnd() & 1))
                a += 0x10000; /* the alias */
            for (int i = 0; i < 4; i++)
                p->b[m->fix[f] + i] = (uint8_t)(a >> (8 * i));
        }
    }
}

/* M_IRQ: an OUT to port 0xE0 (raises INTR), or CLI, an instruction, STI. */
static void irq_item(struct prog *p, bool code16)
{
    if (rnd() & 1) {
        put(p, 0xE6);
        put(p, 0xE0);
    } else {
        put(p, 0xFA);
        if (code16)
            random_insn16(p);
        else
            random_insn(p);
        put(p, 0xFB);
    }
}

/* The program: FINIT (sometimes), the body, DEC [COUNTER], JNZ body,
 * HLT.  The loop runs `iterations` times.  With M_SMC and M_IRQ, their
 * items come between the body's instructions. */
static void make_program(struct prog *p)
{
    bool code16 = mode & (M_CODE16 | M_REAL);
    struct smc m = { 0 };
    p->n = 0;
    code_at = CODE;
    if (rnd() & 1) {
        put(p, 0xDB); /* fninit */
        put(p, 0xE3);
    }
    unsigned body = p->n;
    unsigned count = 1 + rnd() % 24;
    if (mode & M_SMC)
        smc_site(&m, p->n + 1, SITE_IMM), put(p, 0xB9), code16 ? put16(p, 0) : put32(p, 0);
    for (unsigned i = 0; i < count; i++) {
        if (code16)
            random_insn16(p);
        else
            random_insn(p);
        if ((mode & M_SMC) && rnd() % 3 == 0)
            smc_item(p, &m, code16);
        if ((mode & M_IRQ) && rnd() % 8 == 0)
            irq_item(p, code16);
    }
    if (mode & M_SMC)
        smc_resolve(p, &m, code16);
    if (code16) {
        put(p, 0xFF); /* dec word [COUNTER] */
        put(p, 0x0E);
        put16(p, COUNTER);
        int32_t rel = (int32_t)body - (int32_t)(p->n + 4);
        put(p, 0x0F);
        put(p, 0x85);
        put16(p, (uint16_t)rel);
    } else {
        put(p, 0xFF); /* dec dword [COUNTER] */
        put(p, 0x0D);
        put32(p, bias() + COUNTER);
        int32_t rel = (int32_t)body - (int32_t)(p->n + 6);
        put(p, 0x0F);
        put(p, 0x85);
        put32(p, (uint32_t)rel);
    }
    put(p, 0xF4); /* hlt */
}

/* M_IRQ's handler at HANDLER: PUSHAD, room on the stack, a few random
 * instructions, IRETD (32-bit, also for 16-bit protected mode, whose
 * gate leads to a 32-bit code segment); in real mode PUSHA ... IRET. */
static void make_handler(struct prog *h)
{
    h->n = 0;
    code_at = HANDLER;
    bool real = mode & M_REAL;
    put(h, 0x60);
    if (!real) {
        put(h, 0x83); put(h, 0xEC); put(h, 0x40);          /* sub esp, 0x40 */
    }
    put(h, 0xFF); put(h, real ? 0x06 : 0x05);              /* inc [IRQS] */
    if (real)
        put16(h, IRQS);
    else
        put32(h, bias() + IRQS);
    unsigned n = 1 + rnd() % 5;
    for (unsigned i = 0; i < n; i++) {
        if (real)
            random_insn16(h);
        else
            random_insn(h);
    }
    if (!real) {
        put(h, 0x83); put(h, 0xC4); put(h, 0x40);          /* add esp, 0x40 */
    }
    put(h, 0x61);
    put(h, 0xCF);
    code_at = CODE;
}

static void set_seg(struct cpu *c, int s, uint16_t sel, uint16_t attr)
{
    if (flat)
        c->seg[s] = (struct seg){ .base = 0, .limit = 0xFFFFFFFFu, .sel = sel,
                                  .attr = (uint16_t)(attr | SEG_ATTR_G) };
    else
        c->seg[s] = (struct seg){ .base = BASE, .limit = LIMIT, .sel = sel, .attr = attr };
}

/* M_PAGING: the physical page behind each of the area's 16 linear pages. */
static uint8_t perm[16];

/* The area's offset `off` (linear AREA + off) in guest RAM. */
static uint8_t *area_ptr(struct vm *vm, uint32_t off)
{
    uint32_t pa = (mode & M_REAL) ? AREA_REAL + off
                  : (mode & M_PAGING) ? BASE + perm[(off >> 12) & 15] * 0x1000u + (off & 0xFFF)
                                      : BASE + off;
    return physmem_ptr(&vm->mem, pa, true);
}

static void poke(struct vm *vm, uint32_t off, const void *src, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++)
        *area_ptr(vm, off + i) = ((const uint8_t *)src)[i];
}

/* A descriptor (SDM vol. 3A, 3.4.5) with the attributes as struct seg
 * keeps them (type .. P in bits 0-7, AVL L D/B G in bits 12-15). */
static void put_desc(struct vm *vm, uint32_t off, uint32_t base, uint32_t limit, uint16_t attr)
{
    uint8_t d[8] = { (uint8_t)limit, (uint8_t)(limit >> 8), (uint8_t)base, (uint8_t)(base >> 8),
                     (uint8_t)(base >> 16), (uint8_t)attr,
                     (uint8_t)(((limit >> 16) & 15) | ((attr >> 8) & 0xF0)), (uint8_t)(base >> 24) };
    poke(vm, off, d, 8);
}

/* M_IRQ: the interrupts raised between slices, at these step counts. */
static struct {
    unsigned n;
    uint32_t at[8];
} irqs;
static struct prog handler;

/* The INTA cycle of the test's interrupt controller: one vector, and
 * the request is taken. */
static int test_inta(void *opaque)
{
    ((struct cpu *)opaque)->irq_line = false;
    return IRQ_VECTOR;
}

/* Port 0xE0: an OUT raises INTR (a device asserting its line from inside
 * the instruction, as a timer's MMIO or port write can). */
static uint32_t irq_port_in(void *opaque, uint16_t port, unsigned size)
{
    (void)opaque, (void)port, (void)size;
    return 0;
}

static void irq_port_out(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    (void)port, (void)value, (void)size;
    ((struct cpu *)opaque)->irq_line = true;
}

static const struct io_ops irq_port_ops = { irq_port_in, irq_port_out };

struct outcome {
    enum cpu_stop stop;
    uint32_t gpr[8], eip, eflags;
    uint64_t icount, interrupts;
    uint32_t epochs;        /* scanned code discarded (not compared) */
    struct fpu fpu;
    uint8_t area[0x10000];  /* the whole area: data, stack, code, tables */
    uint8_t pt[0x1000];     /* M_PAGING: accessed and dirty bits */
};

static void run(struct vm *vm, const struct prog *p, const uint32_t regs[8], uint32_t iters,
                const uint8_t *data, struct outcome *out)
{
    struct cpu *c = &vm->cpu;
    bool code16 = mode & (M_CODE16 | M_REAL);
    vm_invalidate_code(vm);
    cpu_reset(c);
    c->cr4 |= CR4_OSFXSR;
    if (mode & M_REAL) {
        c->cr0 |= CR0_NE;
        for (int sr = 0; sr < S_COUNT; sr++)
            cpu_load_seg_real(c, sr, AREA_REAL >> 4);
    } else {
        c->cr0 |= CR0_PE | CR0_NE;
        uint16_t db = code16 ? 0 : SEG_ATTR_DB;
        set_seg(c, S_CS, 8, (uint16_t)(0x009B | db));
        set_seg(c, S_DS, 0x10, (uint16_t)(0x0093 | db));
        set_seg(c, S_SS, 0x10, (uint16_t)(0x0093 | db));
        set_seg(c, S_ES, 0x10, (uint16_t)(0x0093 | db));
        set_seg(c, S_FS, 0x10, (uint16_t)(0x0093 | db));
        set_seg(c, S_GS, 0x10, (uint16_t)(0x0093 | db));
    }
    if (mode & M_PAGING) {
        uint8_t *pd = physmem_ptr(&vm->mem, PD_PA, true), *pt = physmem_ptr(&vm->mem, PT_PA, true);
        memset(pd, 0, 0x2000);
        uint32_t pde = PT_PA | 3, pte;
        memcpy(pd, &pde, 4);
        for (unsigned i = 0; i < 32; i++) {
            pte = (BASE + perm[i & 15] * 0x1000u) | 3;       /* P, R/W; again as the alias */
            memcpy(pt + 4 * ((BASE >> 12) + i), &pte, 4);
        }
        c->cr3 = PD_PA;
        c->cr0 |= CR0_PG;
    }
    cpu_mode_changed(c);
    cpu_tlb_flush(c, true);
    c->icount = 0;
    memcpy(c->gpr, regs, sizeof(c->gpr));
    c->eip = bias() + CODE;
    for (uint32_t off = 0; off < 0x10000; off += 0x1000)
        memset(area_ptr(vm, off), 0xCC, 0x1000);
    poke(vm, CODE, p->b, p->n);
    poke(vm, DATA, data, DATA_LEN);
    poke(vm, COUNTER, &iters, 4);
    if (mode & M_REAL) {
        /* The IVT at 0: vector 0x40 to the handler, the rest (faults) to
         * a HLT, which ends the program as a shutdown does elsewhere. */
        uint8_t *ivt = physmem_ptr(&vm->mem, 0, true);
        for (unsigned v = 0; v < 256; v++) {
            uint32_t e = (AREA_REAL >> 4) << 16 |
                         (v == IRQ_VECTOR && (mode & M_IRQ) ? HANDLER : FAULT_STUB);
            memcpy(ivt + 4 * v, &e, 4);
        }
        *area_ptr(vm, FAULT_STUB) = 0xF4;
    }
    if (mode & M_IRQ) {
        c->eflags |= F_IF;
        poke(vm, HANDLER, handler.b, handler.n);
        if (!(mode & M_REAL)) {
            /* GDT: 8 the program's code, 0x10 its data, 0x18 32-bit code
             * for the handler; the IDT's only present gate is 0x40's (a
             * fault finds none and shuts the CPU down, as without IDT). */
            uint32_t base = flat ? 0 : BASE, limit = flat ? 0xFFFFF : LIMIT;
            uint16_t g = flat ? SEG_ATTR_G : 0, db = code16 ? 0 : SEG_ATTR_DB;
            uint8_t zero[IRQ_VECTOR * 8 + 8] = { 0 };
            poke(vm, GDT, zero, 8);
            poke(vm, IDT, zero, sizeof(zero));
            put_desc(vm, GDT + 8, base, limit, (uint16_t)(0x009B | db | g));
            put_desc(vm, GDT + 16, base, limit, (uint16_t)(0x0093 | db | g));
            put_desc(vm, GDT + 24, base, limit, (uint16_t)(0x409B | g));
            uint32_t h = bias() + HANDLER;
            uint8_t gate[8] = { (uint8_t)h, (uint8_t)(h >> 8), code16 ? 0x18 : 0x08, 0, 0, 0x8E,
                                (uint8_t)(h >> 16), (uint8_t)(h >> 24) };
            poke(vm, IDT + IRQ_VECTOR * 8, gate, 8);
            c->gdtr = (struct dtr){ BASE + GDT, 31 };
            c->idtr = (struct dtr){ BASE + IDT, IRQ_VECTOR * 8 + 7 };
        }
    }
    /* engine_run, with the budget the VM's slices use, until HLT or
     * shutdown (or a bound: 16-bit programs, whose wild stores do not
     * fault, may overwrite the loop's counter); M_IRQ's interrupts are
     * raised between slices, each at its step count. */
    enum cpu_stop st;
    uint64_t base_steps = cpu_steps(c), done = 0, interrupts0 = c->interrupts;
    uint32_t epoch0 = c->code_epoch;
    unsigned next = 0;
    do {
        uint64_t budget = 65536;
        if (next < irqs.n && irqs.at[next] > done && irqs.at[next] - done < budget)
            budget = irqs.at[next] - done;
        st = engine_run(c->vm->engine, budget);
        done = cpu_steps(c) - base_steps;
        while (st == CPU_STOP_LIMIT && next < irqs.n && irqs.at[next] <= done) {
            c->irq_line = true;
            next++;
        }
    } while (st == CPU_STOP_LIMIT && done < (code16 ? 300000 : 2000000));
    out->stop = st;
    memcpy(out->gpr, c->gpr, sizeof(out->gpr));
    out->eip = c->eip;
    out->eflags = c->eflags;
    out->icount = c->icount;
    out->interrupts = c->interrupts - interrupts0;
    out->epochs = c->code_epoch - epoch0;
    out->fpu = c->fpu;
    for (uint32_t off = 0; off < 0x10000; off += 0x1000)
        memcpy(out->area + off, area_ptr(vm, off), 0x1000);
    if (mode & M_PAGING)
        memcpy(out->pt, physmem_ptr(&vm->mem, PT_PA, true), sizeof(out->pt));
    else
        memset(out->pt, 0, sizeof(out->pt));
}

/* The x87 state as software can see it, empty registers included:
 * FSAVE and FXSAVE store them and an MMX instruction makes them valid, so
 * both engines must leave in a popped register the value it held, as the
 * hardware does. */
static bool same_fpu(const struct fpu *a, const struct fpu *b)
{
    if (a->cw != b->cw || a->sw != b->sw || a->top != b->top || a->full != b->full ||
        a->fop != b->fop || a->fip != b->fip || a->fdp != b->fdp || a->fcs != b->fcs ||
        a->fds != b->fds)
        return false;
    for (int i = 0; i < 8; i++)
        if (a->r[i].sig != b->r[i].sig || a->r[i].se != b->r[i].se)
            return false;
    return true;
}

static void dump(const char *what, const struct outcome *o)
{
    fprintf(stderr, "  %s: stop %d eip %08x eflags %08x icount %llu\n   ", what, o->stop, o->eip,
            o->eflags, (unsigned long long)o->icount);
    for (int i = 0; i < 8; i++)
        fprintf(stderr, " %08x", o->gpr[i]);
    fprintf(stderr, "\n    fpu cw %04x sw %04x top %u full %02x fop %03x fip %x fdp %x\n", o->fpu.cw,
            o->fpu.sw, o->fpu.top, o->fpu.full, o->fpu.fop, o->fpu.fip, o->fpu.fdp);
    for (int i = 0; i < 8; i++)
        fprintf(stderr, "    r%d %04x %016llx\n", i, o->fpu.r[i].se,
                (unsigned long long)o->fpu.r[i].sig);
}

static struct outcome oi, oj;

int main(int argc, char **argv)
{
    unsigned programs = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 3000;
    rng = argc > 2 ? strtoull(argv[2], NULL, 0) : 12345;
    int focus = argc > 3 ? atoi(argv[3]) : -1;
    mode = argc > 5 ? (unsigned)strtoul(argv[5], NULL, 0) : 0;
    bool code16 = mode & (M_CODE16 | M_REAL);
    if ((mode & M_REAL) && (mode & M_PAGING)) {
        fprintf(stderr, "M_REAL has no paging\n");
        return 2;
    }
    char err[256];
    struct vm *vi = vm_create(&(struct vm_config){ .ram_mb = 4, .cpu_level = CPU_P6 }, err,
                              sizeof(err));
    unsigned threshold = argc > 4 ? (unsigned)strtoul(argv[4], NULL, 0) : 0;
    struct vm *vj = vm_create(&(struct vm_config){ .ram_mb = 4, .cpu_level = CPU_P6, .jit = true,
                                                   .jit_threshold = threshold },
                              err, sizeof(err));
    if (!vi || !vj) {
        fprintf(stderr, "vm_create: %s\n", err);
        return 1;
    }
    if (engine_kind(vj->engine) != ENGINE_JIT) {
        printf("SKIP: no executable memory for the translator here\n");
        return 77;
    }
    if (mode & M_IRQ) {
        struct vm *both[] = { vi, vj };
        for (int v = 0; v < 2; v++) {
            both[v]->cpu.pins.irq_ack = test_inta;
            both[v]->cpu.pins.irq_opaque = &both[v]->cpu;
            if (iobus_register(&both[v]->io, 0xE0, 1, &irq_port_ops, &both[v]->cpu, "test-irq")) {
                fprintf(stderr, "port 0xE0 is taken\n");
                return 1;
            }
        }
    }
    uint64_t irqs_taken = 0, epochs = 0;
    static uint8_t data[DATA_LEN];
    unsigned mismatches = 0, ran = 0;
    for (unsigned n = 0; n < programs; n++) {
        struct prog p;
        flat = !code16 && (n & 1);
        make_program(&p);
        uint32_t regs[8];
        for (int r = 0; r < 8; r++)
            regs[r] = rnd() % 5 == 0 ? rnd() : rnd() & 0x7FF;
        regs[R_EBX] = bias() + DATA + (rnd() & 0x3FF);
        regs[R_ESI] = rnd() & 0xFF;
        regs[R_ESP] = bias() + STACK - (rnd() & 0x3C);
        regs[R_EAX] = rnd() % 3 ? bias() + DATA + (rnd() & 0x7FC) : rnd();
        for (unsigned i = 0; i < DATA_LEN; i += 4) {
            uint32_t v = rnd();
            if (rnd() % 4 == 0) /* small doubles and integers */
                v = (i & 4) ? 0x40000000u + (rnd() & 0xFFFFF) : rnd() & 0xFF;
            memcpy(data + i, &v, 4);
        }
        uint32_t iters = 20 + rnd() % 60;
        if (code16) {
            regs[R_EBP] = STACK - 0x100 - (rnd() & 0xFE);
            regs[R_EDI] = DATA + (rnd() & 0xFFE);
        }
        if (mode & M_PAGING)
            for (unsigned i = 0; i < 16; i++) { /* Fisher-Yates */
                unsigned j = rnd() % (i + 1);
                perm[i] = perm[j];
                perm[j] = (uint8_t)i;
            }
        irqs.n = 0;
        if (mode & M_IRQ) {
            irqs.n = rnd() % 7;
            for (unsigned i = 0; i < irqs.n; i++)
                irqs.at[i] = 1 + rnd() % 3000;
            for (unsigned i = 1; i < irqs.n; i++) /* ascending */
                for (unsigned j = i; j > 0 && irqs.at[j - 1] > irqs.at[j]; j--) {
                    uint32_t t = irqs.at[j];
                    irqs.at[j] = irqs.at[j - 1];
                    irqs.at[j - 1] = t;
                }
            make_handler(&handler);
        }
        if (focus >= 0 && (int)n != focus)
            continue;
        ran++;
        if (focus >= 0) {
            /* Debugging one program: the first loop count that differs. */
            for (uint32_t it = 1; it <= iters; it++) {
                run(vi, &p, regs, it, data, &oi);
                run(vj, &p, regs, it, data, &oj);
                if (oi.fpu.top != oj.fpu.top || oi.fpu.full != oj.fpu.full ||
                    memcmp(oi.gpr, oj.gpr, sizeof(oi.gpr)) || oi.eflags != oj.eflags ||
                    oi.icount != oj.icount || oi.fpu.sw != oj.fpu.sw || !same_fpu(&oi.fpu, &oj.fpu)) {
                    fprintf(stderr, "first difference after %u iterations\n", it);
                    iters = it;
                    break;
                }
            }
        }
        run(vi, &p, regs, iters, data, &oi);
        run(vj, &p, regs, iters, data, &oj);
        bool same = oi.stop == oj.stop && !memcmp(oi.gpr, oj.gpr, sizeof(oi.gpr)) &&
                    oi.eip == oj.eip && oi.eflags == oj.eflags && oi.icount == oj.icount &&
                    oi.interrupts == oj.interrupts && same_fpu(&oi.fpu, &oj.fpu) &&
                    !memcmp(oi.area, oj.area, sizeof(oi.area)) &&
                    !memcmp(oi.pt, oj.pt, sizeof(oi.pt));
        irqs_taken += oj.interrupts;
        epochs += oj.epochs;
        CHECK(same);
        if (!same && mismatches++ < 3) {
            fprintf(stderr, "program %u differs (seed %llu):", n,
                    (unsigned long long)(argc > 2 ? strtoull(argv[2], NULL, 0) : 12345));
            for (unsigned i = 0; i < p.n; i++)
                fprintf(stderr, " %02x", p.b[i]);
            fprintf(stderr, "\n");
            dump("interp", &oi);
            dump("jit", &oj);
            fprintf(stderr, "  interrupts %llu vs %llu\n", (unsigned long long)oi.interrupts,
                    (unsigned long long)oj.interrupts);
            for (unsigned i = 0; i < sizeof(oi.area); i++)
                if (oi.area[i] != oj.area[i]) {
                    fprintf(stderr, "  area[%#x]: %02x vs %02x\n", i, oi.area[i], oj.area[i]);
                    break;
                }
            for (unsigned i = 0; i < sizeof(oi.pt); i += 4)
                if (memcmp(oi.pt + i, oj.pt + i, 4)) {
                    fprintf(stderr, "  PTE %u differs\n", i / 4);
                    break;
                }
        }
    }
    struct engine_stats es;
    engine_stats(vj->engine, &es);
    const struct jit_stats *js = &es.jit;
    printf("%u programs (mode %u); translator: %llu blocks, %llu native and %llu interpreted "
           "instructions, %llu bails, %llu chained jumps; %llu interrupts, %llu discards "
           "of scanned code\n",
           ran, mode, (unsigned long long)js->blocks_translated,
           (unsigned long long)js->native_insns, (unsigned long long)js->callout_insns,
           (unsigned long long)js->bails, (unsigned long long)js->links,
           (unsigned long long)irqs_taken, (unsigned long long)epochs);
    /* The test is only worth something if the translator ran (16-bit
     * code may all be the interpreter's: only the handler is 32-bit). */
    if (!code16 && (threshold == 1 || !(mode & M_SMC))) {
        /* (Code a store changes every pass does not get hot.) */
        CHECK(js->blocks_translated > ran / 2);
        CHECK(js->native_insns > js->callout_insns);
        /* Chaining was exercised (x87 translations do not chain, and most
         * programs have x87 instructions: a few in a hundred link). */
        if (!(mode & M_SMC)) /* (stores into the code unlink them) */
            CHECK(ran < 1000 || js->links >= ran / 100);
    }
    /* ... and the modes did what they are for. */
    if ((mode & M_IRQ) && ran >= 100)
        CHECK(irqs_taken >= ran / 2);
    if ((mode & M_SMC) && ran >= 100)
        CHECK(epochs >= ran / 2);
    vm_destroy(vi);
    vm_destroy(vj);
    return check_report();
}
