/* Differential test of the specialised handlers (src/cpu/ops_fast.c)
 * against the generic ones they stand in for.  Every encoding below must
 * decode to a specialised handler (else the test fails: a selection that
 * silently stopped applying would no longer be tested).  For each, random
 * states (registers, arithmetic flags, EIP, memory) run once through the
 * generic handler (op_table) and once through insn.fn; registers, EFLAGS,
 * EIP, the fault raised and the memory around the operand and the stack
 * must agree.  A faulting run must also leave everything but EIP/ESP (which
 * the CPU rolls back) as it found it: restartable faults.
 *
 * The CPU is in 32-bit protected mode without paging: CS, DS, SS with base
 * BASE and limit LIMIT, ES read-only (a store through it faults after the
 * load succeeded), so operands beyond the limit and read-only stores
 * exercise the fault paths.
 *
 * Usage: test_fast_forms [cases-per-encoding [seed]]. */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cpu/exec.h"
#include "cpu/ops_fast.h"
#include "machine/vm.h"

#define BASE 0x100000u
#define LIMIT 0xFFFFu
#define WIN 8                /* bytes compared either side of an access */

/* 32-bit code, one instruction each.  ModRM memory forms used:
 * 43 d8 = [ebx+d8], 04 b3 = [ebx+esi*4], 84 fd d32 = [ebp+edi*8+d32] (SS),
 * 05 d32 = [d32], 26 prefix = ES (read-only). */
static const char *const encodings[] = {
    /* ALU r/m32, r32 and r32, r/m32: register, memory, each op */
    "01d8", "014310", "0104b3", "0184fd10000000", "010500010000", "26014310",
    "29d8", "294320", "2b0cb3", "39d8", "394308", "3b8cfdf0ffffff",
    "21d8", "214304", "234b04", "09d8", "094304", "0b4b04",
    "31c0", "31d8", "314304", "334b04", "85c0", "854304", "85d8",
    "03d8", "03430c", "2b5b08",
    /* ALU r/m32, imm */
    "81c078563412", "83e805", "83f8ff", "81fb00800000", "83e00f", "81c9ff00ff00",
    "83f020", "f7c301000000", "81431001000000", "836b2001", "837b2000",
    "81bcfd1000000080000000", "26836b2001", "f7430401000000",
    /* ADC/SBB: every form, carry in either way */
    "11d8", "134310", "114310", "1104b3", "26114310", "83d001", "835310ff", "81d2ffffff7f",
    "19d8", "1b4310", "194310", "83d801", "835b10ff", "81db00000080", "26195b10",
    /* IMUL r32, r/m32 [, imm] */
    "0fafc3", "0fafc0", "0faf4310", "0faf04b3", "6bc3ff", "6bdb03", "69c378563412",
    "6b431003", "690cb300000100", "2669431000000080",
    /* CMOVcc r32, r32 (each condition) and r32, [mem] */
    "0f40c3", "0f41c3", "0f42c3", "0f43c3", "0f44c3", "0f45c3", "0f46c3", "0f47c3", "0f48c3", "0f49c3", "0f4ac3", "0f4bc3", "0f4cc3", "0f4dc3", "0f4ec3", "0f4fc3",
    "0f424310", "0f4c04b3", "260f4f4310", "0f4784fd10000000",
    /* SETcc r8 (each condition), [mem] */
    "0f90c0", "0f91c0", "0f92c0", "0f93c0", "0f94c0", "0f95c0", "0f96c0", "0f97c0", "0f98c0", "0f99c0", "0f9ac0", "0f9bc0", "0f9cc0", "0f9dc0", "0f9ec0", "0f9fc0",
    "0f94c7", "0f9fc4", "0f954310", "0f9c04b3", "260f944310",
    /* INC/DEC r32 */
    "40", "43", "4f", "ffc1", "ffcd",
    /* MOV */
    "89d8", "8bc3", "89e5", "8bec", "894310", "8b4310", "8904b3", "8b04b3",
    "8984fd00010000", "8b05f0ff0000", "26894310", "b878563412", "bcf0000000",
    "c7431078563412", "c705fcff000001000000", "26c7431001000000",
    "8a4310", "8a6310", "884310", "887310", "26887310",
    "0fb64310", "0fb74310", "0fbe4310", "0fbf4310", "0fb604b3",
    "c6431080", "c604b3ff", "26c6431001", "b012", "b7fe",
    /* byte compares and tests */
    "3c7f", "80fb80", "80ff01", "38d8", "38fc", "807b1000", "803cb3ff", "84c0", "84e4", "84d8",
    "0fb6c3", "0fb6c7", "0fb7c3", "0fbec3", "0fbec4", "0fbfc3",
    /* shifts by an immediate: counts 0, 1, 31, 32 (masked to 0) */
    "c1e804", "d1e8", "c1e81f", "c1e800", "c1e820", "c1e004", "d1e0", "c1e01f",
    "c1f803", "d1f8", "c1f81f", "c1f820",
    /* shifts by CL */
    "d3e0", "d3e8", "d3f8", "d3e1", "d3eb", "d3f9",
    /* INC/DEC [mem32], NOT */
    "ff4310", "ff4b10", "ff04b3", "26ff4310", "f7d0", "f7d4", "f75310", "26f75310",
    /* 16-bit moves, byte register moves */
    "6689d8", "668bc3", "66894310", "668b4310", "6626894310", "66b83412", "66bc3412",
    "66c743103412", "2666c743103412", "66a110000000", "668904b3", "88d8", "88e7", "8ac4",
    /* byte ALU r8, [mem] / r8 */
    "324310", "326310", "3204b3", "26324310", "30d8", "224310", "20e0", "0a4310", "08c4",
    "024310", "00d8", "2a4310", "28fc",
    /* LEA */
    "8d4310", "8d04b3", "8d84fd10000000", "8d05ffff0000",
    /* PUSH/POP */
    "50", "54", "5b", "5c", "6878563412", "6aff",
    /* Jcc rel8 / rel32, JMP */
    "7010", "71f0", "7210", "7310", "7410", "7510", "7610", "7710",
    "7810", "7910", "7a10", "7b10", "7c10", "7d10", "7e10", "7f10",
    "0f8400010000", "0f85000000f0", "0f8cf0ffffff", "eb10", "e900100000", "e9f0ffff7f",
    /* near CALL/RET/indirect JMP */
    "e810000000", "e8f0ffffff", "e8f0ffff7f", "ffd3", "ffd4", "ff5310", "ff14b3", "26ff5310",
    "c3", "c21000", "c2fdff", "ffe3", "ff6310", "ff24b3",
};

struct snap {
    uint32_t gpr[8], eip, eflags;
    int fault;                      /* vector, or -1 */
    uint8_t mem[2][2 * WIN];        /* around the operand and ESP */
};

static struct vm *vm;
static unsigned long runs, faults; /* coverage of the fault paths */

static uint64_t rng;

static uint32_t rnd(void)
{
    uint64_t z = (rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (uint32_t)(z ^ (z >> 31));
}

/* A register value: mostly an offset near the segment, sometimes anything. */
static uint32_t rnd_reg(void)
{
    switch (rnd() & 7) {
    case 0: return rnd();
    case 1: return LIMIT - (rnd() & 15);
    default: return rnd() & 0x3FFF;
    }
}

static void set_seg(struct cpu *c, int s, uint16_t attr)
{
    c->seg[s] = (struct seg){ .base = BASE, .limit = LIMIT, .sel = 8, .attr = attr };
}

static void setup_cpu(struct cpu *c)
{
    cpu_reset(c);
    c->cr0 |= CR0_PE;
    set_seg(c, S_CS, 0x409B); /* 32-bit code, RX */
    set_seg(c, S_DS, 0x4093); /* 32-bit data, RW */
    set_seg(c, S_SS, 0x4093);
    set_seg(c, S_ES, 0x4091); /* read-only */
    set_seg(c, S_FS, 0x4093);
    set_seg(c, S_GS, 0x4093);
    cpu_mode_changed(c);
}

/* Host pointer to the window of guest memory around seg:off (RAM extends
 * beyond the segment on both sides), or NULL when off is beyond the limit:
 * no access there can succeed. */
static uint8_t *window(uint32_t off)
{
    if (off > LIMIT)
        return NULL;
    return physmem_ptr(&vm->mem, BASE + off - WIN, true);
}

/* Runs `h` on state `in`; returns the outcome and restores memory. */
static void run(op_handler h, const struct insn *i, const struct snap *in, uint32_t offs[2],
                struct snap *out)
{
    struct cpu *c = &vm->cpu;
    uint8_t saved[2][2 * WIN];
    for (int k = 0; k < 2; k++) {
        uint8_t *p = window(offs[k]);
        if (p)
            memcpy(saved[k], p, sizeof(saved[k]));
    }
    memcpy(c->gpr, in->gpr, sizeof(c->gpr));
    c->eflags = in->eflags;
    c->insn_eip = in->eip;
    c->insn_esp = in->gpr[R_ESP];
    c->eip = in->eip + i->len;
    out->fault = -1;
    if (setjmp(c->fault_jmp)) {
        out->fault = c->exc_vector;
        c->eip = c->insn_eip;
        c->gpr[R_ESP] = c->insn_esp;
    } else {
        h(c, i);
    }
    memcpy(out->gpr, c->gpr, sizeof(out->gpr));
    out->eip = c->eip;
    out->eflags = c->eflags;
    for (int k = 0; k < 2; k++) {
        uint8_t *p = window(offs[k]);
        memset(out->mem[k], 0, sizeof(out->mem[k]));
        if (p) {
            memcpy(out->mem[k], p, sizeof(out->mem[k]));
            memcpy(p, saved[k], sizeof(saved[k]));
        }
    }
}

static unsigned hex_bytes(const char *s, uint8_t *out)
{
    unsigned n = 0;
    for (; s[0] && s[1]; s += 2) {
        unsigned v;
        sscanf(s, "%2x", &v);
        out[n++] = (uint8_t)v;
    }
    return n;
}

static bool same(const struct snap *a, const struct snap *b)
{
    return !memcmp(a->gpr, b->gpr, sizeof(a->gpr)) && a->eip == b->eip &&
           a->eflags == b->eflags && a->fault == b->fault && !memcmp(a->mem, b->mem, sizeof(a->mem));
}

static void dump(const char *what, const struct snap *s)
{
    fprintf(stderr, "  %-8s fault %d eip %08x fl %08x", what, s->fault, s->eip, s->eflags);
    for (int r = 0; r < 8; r++)
        fprintf(stderr, " %08x", s->gpr[r]);
    fprintf(stderr, "\n");
}

static void test_encoding(const char *hex, unsigned cases)
{
    struct cpu *c = &vm->cpu;
    uint8_t bytes[16];
    unsigned n = hex_bytes(hex, bytes);
    struct insn i;
    CHECK_EQ(decode_insn(c->decoder, 1, bytes, n, &i), DECODE_OK);
    CHECK_EQ(i.len, n);
    op_handler generic = op_table[i.op].handler;
    if (i.fn == generic) {
        fprintf(stderr, "%s: not specialised\n", hex);
        CHECK(i.fn != generic);
        return;
    }
    CHECK(i.fn == fast_handler(&i));
    unsigned bad = 0;
    for (unsigned k = 0; k < cases; k++) {
        struct snap in;
        memset(&in, 0, sizeof(in));
        for (int r = 0; r < 8; r++)
            in.gpr[r] = rnd_reg();
        in.eflags = F_1 | (rnd() & (F_ARITH | F_DF));
        in.eip = rnd() & 0xFFFF;
        /* Fill the windows with fresh bytes, the same for both runs. */
        uint32_t offs[2] = { 0, in.gpr[R_ESP] - 4 };
        memcpy(c->gpr, in.gpr, sizeof(c->gpr));
        if (i.o[0].kind == OPK_MEM || i.o[1].kind == OPK_MEM)
            offs[0] = ea_offset(c, &i);
        for (int w = 0; w < 2; w++) {
            uint8_t *p = window(offs[w]);
            for (unsigned b = 0; p && b < 2 * WIN; b++)
                p[b] = (uint8_t)rnd();
        }
        for (int w = 0; w < 2; w++) { /* after both: the windows may overlap */
            uint8_t *p = window(offs[w]);
            if (p)
                memcpy(in.mem[w], p, sizeof(in.mem[w]));
        }
        struct snap g, f;
        run(generic, &i, &in, offs, &g);
        run(i.fn, &i, &in, offs, &f);
        bool ok = same(&g, &f);
        runs++;
        faults += g.fault >= 0;
        /* A fault leaves the state as it was (EIP/ESP rolled back above). */
        if (ok && g.fault >= 0)
            ok = !memcmp(g.gpr, in.gpr, sizeof(g.gpr)) && g.eflags == in.eflags &&
                 g.eip == in.eip && !memcmp(g.mem, in.mem, sizeof(g.mem));
        CHECK(ok);
        if (!ok && bad++ < 3) {
            fprintf(stderr, "%s: case %u differs\n", hex, k);
            dump("input", &in);
            dump("generic", &g);
            dump("fast", &f);
        }
    }
}

int main(int argc, char **argv)
{
    unsigned cases = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 2000;
    rng = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x5EED;
    char err[200];
    vm = vm_create(&(struct vm_config){ .ram_mb = 2, .cpu_level = CPU_P6 }, err, sizeof(err));
    if (!vm) {
        fprintf(stderr, "vm_create: %s\n", err);
        return 1;
    }
    setup_cpu(&vm->cpu);
    for (size_t e = 0; e < sizeof(encodings) / sizeof(encodings[0]); e++)
        test_encoding(encodings[e], cases);
    printf("%lu cases, %lu of them faulting\n", runs, faults);
    CHECK(faults > runs / 50); /* the fault paths were exercised */
    vm_destroy(vm);
    return check_report();
}
