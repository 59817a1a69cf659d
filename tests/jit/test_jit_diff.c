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
 * BASE and limit LIMIT, so that wild pointers fault.
 *
 * Usage: test_jit_diff [programs [seed [only-this-program|-1 [threshold]]]]. */
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

static uint64_t rng;

/* Flat programs: segments with base 0 and a 4 GiB limit (as Linux has
 * them), so addresses carry BASE; else base BASE and limit LIMIT. */
static bool flat;
static uint32_t bias(void)
{
    return flat ? BASE : 0;
}

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
                put(p, 0xB9); put32(p, bias() + CODE + p->n + 6);
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

/* The program: FINIT (sometimes), the body, DEC [COUNTER], JNZ body,
 * HLT.  The loop runs `iterations` times. */
static void make_program(struct prog *p)
{
    p->n = 0;
    if (rnd() & 1) {
        put(p, 0xDB); /* fninit */
        put(p, 0xE3);
    }
    unsigned body = p->n;
    unsigned count = 1 + rnd() % 24;
    for (unsigned i = 0; i < count; i++)
        random_insn(p);
    put(p, 0xFF); /* dec dword [COUNTER] */
    put(p, 0x0D);
    put32(p, bias() + COUNTER);
    int32_t rel = (int32_t)body - (int32_t)(p->n + 6);
    put(p, 0x0F);
    put(p, 0x85);
    put32(p, (uint32_t)rel);
    put(p, 0xF4); /* hlt */
}

static void set_seg(struct cpu *c, int s, uint16_t attr)
{
    if (flat)
        c->seg[s] = (struct seg){ .base = 0, .limit = 0xFFFFFFFFu, .sel = 8,
                                  .attr = (uint16_t)(attr | SEG_ATTR_G) };
    else
        c->seg[s] = (struct seg){ .base = BASE, .limit = LIMIT, .sel = 8, .attr = attr };
}

struct outcome {
    enum cpu_stop stop;
    uint32_t gpr[8], eip, eflags;
    uint64_t icount;
    struct fpu fpu;
    uint8_t data[DATA_LEN + 0x100];
};

static void run(struct vm *vm, const struct prog *p, const uint32_t regs[8], uint32_t iters,
                const uint8_t *data, struct outcome *out)
{
    struct cpu *c = &vm->cpu;
    vm_invalidate_code(vm);
    cpu_reset(c);
    c->cr0 |= CR0_PE | CR0_NE;
    set_seg(c, S_CS, 0x409B);
    set_seg(c, S_DS, 0x4093);
    set_seg(c, S_SS, 0x4093);
    set_seg(c, S_ES, 0x4093);
    set_seg(c, S_FS, 0x4093);
    set_seg(c, S_GS, 0x4093);
    c->cr4 |= CR4_OSFXSR;
    cpu_mode_changed(c);
    c->icount = 0;
    memcpy(c->gpr, regs, sizeof(c->gpr));
    c->eip = bias() + CODE;
    uint8_t *ram = physmem_ptr(&vm->mem, BASE, true);
    memset(ram, 0xCC, 0x10000);
    memcpy(ram + CODE, p->b, p->n);
    memcpy(ram + DATA, data, DATA_LEN);
    memcpy(ram + COUNTER, &iters, 4);
    /* engine_run, with the budget the VM's slices use, until HLT or shutdown */
    enum cpu_stop st;
    uint64_t total = 0;
    do {
        st = engine_run(c->vm->engine, 65536);
        total += 65536;
    } while (st == CPU_STOP_LIMIT && total < 2000000);
    out->stop = st;
    memcpy(out->gpr, c->gpr, sizeof(out->gpr));
    out->eip = c->eip;
    out->eflags = c->eflags;
    out->icount = c->icount;
    out->fpu = c->fpu;
    memcpy(out->data, ram + DATA, sizeof(out->data));
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
    static uint8_t data[DATA_LEN];
    unsigned mismatches = 0, ran = 0;
    for (unsigned n = 0; n < programs; n++) {
        struct prog p;
        flat = n & 1;
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
                    same_fpu(&oi.fpu, &oj.fpu) && !memcmp(oi.data, oj.data, sizeof(oi.data));
        CHECK(same);
        if (!same && mismatches++ < 3) {
            fprintf(stderr, "program %u differs (seed %llu):", n,
                    (unsigned long long)(argc > 2 ? strtoull(argv[2], NULL, 0) : 12345));
            for (unsigned i = 0; i < p.n; i++)
                fprintf(stderr, " %02x", p.b[i]);
            fprintf(stderr, "\n");
            dump("interp", &oi);
            dump("jit", &oj);
            for (unsigned i = 0; i < sizeof(oi.data); i++)
                if (oi.data[i] != oj.data[i]) {
                    fprintf(stderr, "  data[%#x]: %02x vs %02x\n", DATA + i, oi.data[i],
                            oj.data[i]);
                    break;
                }
        }
    }
    struct engine_stats es;
    engine_stats(vj->engine, &es);
    const struct jit_stats *js = &es.jit;
    printf("%u programs; translator: %llu blocks, %llu native and %llu interpreted "
           "instructions, %llu bails, %llu chained jumps\n",
           ran, (unsigned long long)js->blocks_translated,
           (unsigned long long)js->native_insns, (unsigned long long)js->callout_insns,
           (unsigned long long)js->bails, (unsigned long long)js->links);
    /* The test is only worth something if the translator ran. */
    CHECK(js->blocks_translated > ran / 2);
    CHECK(js->native_insns > js->callout_insns);
    /* Chaining was exercised (x87 translations do not chain, and most
     * programs have x87 instructions: a few in a hundred link). */
    CHECK(ran < 1000 || js->links >= ran / 100);
    vm_destroy(vi);
    vm_destroy(vj);
    return check_report();
}
