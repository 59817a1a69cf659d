/* Differential test of REP STOS and REP MOVS a page at a time
 * (ops_string.c f_rep_stos, f_rep_movs) against the generic handlers,
 * which make one iteration at a time.
 *
 * Paging is on: 16 linear pages mapped to physical pages in a random
 * order, one of them read-only (CR0.WP: a write faults at CPL 0 too) and
 * the last two not present, so that a run meets page faults in its
 * middle; data segments are flat or have a small limit (#GP in the
 * middle); ESI and EDI start near page ends, often on the same page or
 * overlapping (MOVS reading what it just wrote); ECX runs from 0 to past a
 * slice (4096 iterations); DF is set now and then.  Each case runs one
 * execution of the instruction through both handlers from the same state
 * and compares registers, EIP (a slice leaves it at the instruction),
 * EFLAGS, the fault and its CR2, and all 16 pages.
 *
 * Usage: test_rep_fast [cases-per-encoding [seed]]. */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cpu/exec.h"
#include "cpu/mmu.h"
#include "cpu/ops_fast.h"
#include "machine/vm.h"

#define PD_PA 0x10000u
#define PT_PA 0x11000u
#define DATA_PA 0x20000u  /* 16 physical pages (permuted) */
#define PAGES 16
#define LIN 0x400000u     /* linear address of the 16 pages */

static const char *const encodings[] = {
    "f3aa", "f3ab", "66f3ab", "f3a4", "f3a5", "66f3a5", "f2ab", "26f3a5", "64f3a4",
};

static struct vm *vm;
static uint64_t rng;
static unsigned long runs, faults, slices;

static uint32_t rnd(void)
{
    uint64_t z = (rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (uint32_t)(z ^ (z >> 31));
}

struct snap {
    uint32_t gpr[8], eip, eflags, cr2;
    int fault;
    uint8_t mem[PAGES * 4096];
};

static void set_seg(struct cpu *c, int s, uint32_t limit, uint16_t attr)
{
    c->seg[s] = (struct seg){ .base = 0, .limit = limit, .sel = 8, .attr = attr };
}

/* A fresh mapping of the pages and segments for one case. */
static void setup(struct cpu *c)
{
    cpu_reset(c);
    c->cr0 |= CR0_PE | CR0_PG | CR0_WP;
    c->cr3 = PD_PA;
    c->cpl = 0;
    unsigned perm[PAGES];
    for (unsigned k = 0; k < PAGES; k++)
        perm[k] = k;
    for (unsigned k = PAGES - 1; k > 0; k--) {
        unsigned j = rnd() % (k + 1), t = perm[k];
        perm[k] = perm[j];
        perm[j] = t;
    }
    unsigned ro = rnd() % PAGES;
    memset(vm->mem.ram + PD_PA, 0, 0x2000);
    phys_write(&vm->mem, PD_PA + (LIN >> 22) * 4, PT_PA | 3, 4);
    for (unsigned k = 0; k < PAGES; k++) {
        uint32_t pte = (DATA_PA + perm[k] * 4096u) | (k == ro ? 1 : 3);
        if (k >= PAGES - 2 && rnd() % 2)
            pte = 0;
        phys_write(&vm->mem, PT_PA + (((LIN >> 12) + k) & 0x3FF) * 4, pte, 4);
    }
    /* Flat segments, or a limit inside the pages (expand-up, 32-bit). */
    uint32_t limit = rnd() % 3 ? 0xFFFFFFFFu : LIN + (rnd() % (PAGES * 4096));
    set_seg(c, S_CS, 0xFFFFFFFFu, 0x409B);
    set_seg(c, S_SS, 0xFFFFFFFFu, 0x4093);
    set_seg(c, S_DS, 0xFFFFFFFFu, 0x4093);
    set_seg(c, S_ES, limit, 0x4093);
    set_seg(c, S_FS, rnd() % 2 ? 0xFFFFFFFFu : limit, 0x4093);
    set_seg(c, S_GS, 0xFFFFFFFFu, 0x4093);
    cpu_mode_changed(c);
    mmu_flush(c, true);
}

/* An address in the pages, mostly near a page's end. */
static uint32_t rnd_ptr(void)
{
    uint32_t page = rnd() % PAGES, off;
    switch (rnd() % 4) {
    case 0: off = rnd() % 4096; break;
    case 1: off = 4096 - 1 - rnd() % 16; break;
    default: off = 4096 - 4 * (1 + rnd() % 64); break;
    }
    return LIN + page * 4096u + off;
}

static void run(op_handler h, const struct insn *i, const struct snap *in, struct snap *out)
{
    struct cpu *c = &vm->cpu;
    memcpy(vm->mem.ram + DATA_PA, in->mem, sizeof(in->mem));
    memcpy(c->gpr, in->gpr, sizeof(c->gpr));
    c->eflags = in->eflags;
    c->cr2 = 0;
    c->insn_eip = in->eip;
    c->insn_esp = in->gpr[R_ESP];
    c->eip = in->eip + i->len;
    mmu_flush(c, true); /* both runs start from the same (empty) TLB */
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
    out->cr2 = c->cr2;
    memcpy(out->mem, vm->mem.ram + DATA_PA, sizeof(out->mem));
}

static bool same(const struct snap *a, const struct snap *b)
{
    return !memcmp(a->gpr, b->gpr, sizeof(a->gpr)) && a->eip == b->eip &&
           a->eflags == b->eflags && a->fault == b->fault && a->cr2 == b->cr2 &&
           !memcmp(a->mem, b->mem, sizeof(a->mem));
}

static void dump(const char *what, const struct snap *s)
{
    fprintf(stderr, "  %-8s fault %d cr2 %08x eip %08x fl %08x", what, s->fault, s->cr2, s->eip,
            s->eflags);
    for (int r = 0; r < 8; r++)
        fprintf(stderr, " %08x", s->gpr[r]);
    fprintf(stderr, "\n");
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

static struct snap in, g, f;

static void test_encoding(const char *hex, unsigned cases)
{
    struct cpu *c = &vm->cpu;
    uint8_t bytes[16];
    unsigned n = hex_bytes(hex, bytes);
    struct insn i;
    CHECK_EQ(decode_insn(c->decoder, 1, bytes, n, &i), DECODE_OK);
    op_handler generic = op_table[i.op].handler;
    CHECK(i.fn == f_rep_stos || i.fn == f_rep_movs);
    unsigned bad = 0;
    for (unsigned k = 0; k < cases; k++) {
        setup(c);
        for (int r = 0; r < 8; r++)
            in.gpr[r] = rnd();
        in.gpr[R_ESI] = rnd_ptr();
        in.gpr[R_EDI] = rnd() % 4 ? rnd_ptr() : in.gpr[R_ESI] + rnd() % 9 - 4; /* overlapping */
        switch (rnd() % 5) {
        case 0: in.gpr[R_ECX] = rnd() % 4; break;
        case 1: in.gpr[R_ECX] = 4096 + rnd() % 3000; break; /* more than a slice */
        default: in.gpr[R_ECX] = rnd() % 2000; break;
        }
        in.eflags = F_1 | (rnd() & F_ARITH) | (rnd() % 4 == 0 ? F_DF : 0);
        in.eip = 0x1000 + (rnd() & 0xFF);
        for (size_t b = 0; b < sizeof(in.mem); b++)
            in.mem[b] = (uint8_t)rnd();
        run(generic, &i, &in, &g);
        run(i.fn, &i, &in, &f);
        runs++;
        faults += g.fault >= 0;
        slices += g.fault < 0 && g.eip == in.eip;
        bool ok = same(&g, &f);
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
    unsigned cases = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 300;
    rng = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x5EED;
    char err[200];
    vm = vm_create(&(struct vm_config){ .ram_mb = 2, .cpu_level = CPU_P6 }, err, sizeof(err));
    if (!vm) {
        fprintf(stderr, "vm_create: %s\n", err);
        return 1;
    }
    for (size_t e = 0; e < sizeof(encodings) / sizeof(encodings[0]); e++)
        test_encoding(encodings[e], cases);
    printf("%lu cases, %lu of them faulting, %lu cut at a slice\n", runs, faults, slices);
    CHECK(faults > runs / 20 && slices > runs / 40); /* both were exercised */
    vm_destroy(vm);
    return check_report();
}
