/* MASKMOVQ and MASKMOVDQU (SDM vol. 2; src/cpu/simd_maskmov.c): the bytes
 * stored and the bytes left alone, DS:EDI or DS:DI by the address size, a
 * segment override, #UD for the memory form and without the CPUID feature,
 * segment faults whatever the mask, #PF only for pages that hold selected
 * bytes (and before any byte is stored), accessed/dirty flags, and the
 * x87-to-MMX transition.  test_simd.c compares the stored bytes with the
 * host CPU's. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "hexload.h"
#include "test_vm.h"
#include "cpu/cpu_model.h"
#include "cpu/features.h"
#include "cpu/mmu.h"
#include "engine/engine.h"

#define CODE_PA 0x1000u
#define HANDLER_PA 0x3000u  /* every vector: HLT */
#define DATA_PA 0x4000u
#define PD_PA 0x10000u
#define PT_PA 0x11000u      /* maps 0-4 MiB */
#define HOLE_PA 0x20000u    /* not present when paging is on */
#define CLEAN_PA 0x30000u   /* A and D clear at the start */

static struct vm *vm;

static void put32(uint32_t pa, uint32_t v) { phys_write(&vm->mem, pa, v, 4); }
static uint32_t get32(uint32_t pa) { return (uint32_t)phys_read(&vm->mem, pa, 4); }
static uint8_t get8(uint32_t pa) { return (uint8_t)phys_read(&vm->mem, pa, 1); }

static void fill(uint32_t pa, uint8_t v, unsigned n)
{
    for (unsigned k = 0; k < n; k++)
        phys_write(&vm->mem, pa + k, v, 1);
}

/* Flat 32-bit protected mode at CPL 0 on `model` (GDT 0x500, IDT 0x600
 * with every vector to a HLT, stack below 0x3800 so that it stays inside
 * the short segment limits used below), CR4.OSFXSR set. */
static struct cpu *flat(const char *model)
{
    struct cpu *c = &vm->cpu;
    cpu_set_model(c, cpu_model_find(model));
    cpu_reset(c);
    put32(0x508, 0x0000FFFF); put32(0x50C, 0x00CF9A00);
    put32(0x510, 0x0000FFFF); put32(0x514, 0x00CF9200);
    for (int v = 0; v < 32; v++) {
        put32(0x600 + 8 * v, (0x08u << 16) | HANDLER_PA);
        put32(0x604 + 8 * v, 0x00008E00);
    }
    put_hex(vm, HANDLER_PA, "f4");
    c->gdtr = (struct dtr){ 0x500, 0x17 };
    c->idtr = (struct dtr){ 0x600, 32 * 8 - 1 };
    c->cr0 |= CR0_PE | CR0_NE;
    c->cr4 |= CR4_OSFXSR;
    for (int s = 0; s < S_COUNT; s++)
        c->seg[s] = (struct seg){ .sel = s == S_CS ? 0x08 : 0x10, .base = 0,
                                  .limit = 0xFFFFFFFF, .attr = s == S_CS ? 0xC09B : 0xC093 };
    c->eip = CODE_PA;
    c->gpr[R_ESP] = 0x3800;
    cpu_mode_changed(c);
    return c;
}

/* Runs `hex` + HLT at CODE_PA: the vector of the exception taken, or -1. */
static int run(struct cpu *c, const char *hex)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%s f4", hex);
    put_hex(vm, CODE_PA, buf);
    c->eip = CODE_PA;
    c->halted = false;
    uint64_t exc = c->exceptions;
    engine_run(c->vm->engine, 100);
    return c->exceptions == exc ? -1 : c->exc_vector;
}

static void set_mm(struct cpu *c, unsigned k, const uint8_t *b)
{
    memcpy(&c->fpu.r[k].sig, b, 8);
    c->fpu.r[k].se = 0xFFFF;
}

/* Memory at pa..pa+n-1 holds src where mask selects, `old` elsewhere, and
 * `old` in the 16 bytes either side. */
static void check_store(uint32_t pa, const uint8_t *src, const uint8_t *mask, unsigned n,
                        uint8_t old)
{
    for (unsigned k = 0; k < n + 32; k++) {
        uint32_t a = pa - 16 + k;
        bool in = k >= 16 && k < 16 + n;
        uint8_t want = in && (mask[k - 16] & 0x80) ? src[k - 16] : old;
        if (get8(a) != want)
            fprintf(stderr, "byte at %#x: %#x, want %#x\n", a, get8(a), want);
        CHECK_EQ(get8(a), want);
    }
}

static const uint8_t src8[8] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };
/* Top bits: bytes 0, 2, 4 and 7; 01 and 7F are not selections. */
static const uint8_t mask8[8] = { 0x80, 0x00, 0xFF, 0x7F, 0x80, 0x01, 0x00, 0xC0 };

static void test_bytes(void)
{
    /* MASKMOVQ mm1, mm2 to DS:EDI, unaligned: the x87 becomes MMX state
     * (TOP 0, all valid), the registers are unchanged. */
    struct cpu *c = flat("pentium-m");
    fill(DATA_PA, 0xAA, 64);
    set_mm(c, 1, src8);
    set_mm(c, 2, mask8);
    c->fpu.top = 5;
    c->fpu.full = 0;
    c->gpr[R_EDI] = DATA_PA + 19;
    CHECK_EQ(run(c, "0ff7ca"), -1);
    check_store(DATA_PA + 19, src8, mask8, 8, 0xAA);
    CHECK_EQ(c->fpu.top, 0);
    CHECK_EQ(c->fpu.full, 0xFF);
    CHECK_EQ(c->gpr[R_EDI], DATA_PA + 19);
    uint64_t v;
    memcpy(&v, src8, 8);
    CHECK_EQ(c->fpu.r[1].sig, v);

    /* All ones and all zeros. */
    static const uint8_t ones[16] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                      0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
    static const uint8_t zeros[16] = { 0 };
    fill(DATA_PA, 0xAA, 64);
    set_mm(c, 2, ones);
    CHECK_EQ(run(c, "0ff7ca"), -1);
    check_store(DATA_PA + 19, src8, ones, 8, 0xAA);
    fill(DATA_PA, 0xAA, 64);
    set_mm(c, 2, zeros);
    c->fpu.top = 3;
    c->fpu.full = 0x0F;
    CHECK_EQ(run(c, "0ff7ca"), -1);
    check_store(DATA_PA + 19, src8, zeros, 8, 0xAA);
    CHECK_EQ(c->fpu.top, 0); /* the transition happens whatever the mask */
    CHECK_EQ(c->fpu.full, 0xFF);

    /* MASKMOVDQU xmm3, xmm5 (66 0F F7 DD): 16 bytes; the x87 is left
     * alone. */
    uint8_t src16[16], mask16[16];
    for (unsigned k = 0; k < 16; k++) {
        src16[k] = (uint8_t)(0xC0 + k);
        mask16[k] = (uint8_t)(k % 3 == 0 ? 0x80 | k : k);
    }
    memcpy(c->sse.xmm[3].b, src16, 16);
    memcpy(c->sse.xmm[5].b, mask16, 16);
    c->fpu.top = 2;
    c->fpu.full = 0x03;
    fill(DATA_PA, 0x5C, 64);
    c->gpr[R_EDI] = DATA_PA + 17;
    CHECK_EQ(run(c, "660ff7dd"), -1);
    check_store(DATA_PA + 17, src16, mask16, 16, 0x5C);
    CHECK_EQ(c->fpu.top, 2);
    CHECK_EQ(c->fpu.full, 0x03);

    /* 16-bit address size (67): DS:DI, EDI's high half ignored. */
    fill(DATA_PA, 0xAA, 64);
    set_mm(c, 2, mask8);
    c->gpr[R_EDI] = 0x7FFF0000u | (DATA_PA + 24);
    CHECK_EQ(run(c, "670ff7ca"), -1);
    check_store(DATA_PA + 24, src8, mask8, 8, 0xAA);
    fill(DATA_PA, 0x5C, 64);
    CHECK_EQ(run(c, "67660ff7dd"), -1);
    check_store(DATA_PA + 24, src16, mask16, 16, 0x5C);

    /* A segment override (ES) replaces DS; DS:EDI is left alone. */
    fill(DATA_PA, 0xAA, 64);
    fill(DATA_PA + 0x100, 0xAA, 64);
    c->seg[S_ES].base = DATA_PA + 0x100;
    c->gpr[R_EDI] = 20;
    put32(20, 0x12345678);
    put32(24, 0x9ABCDEF0);
    CHECK_EQ(run(c, "260ff7ca"), -1);
    check_store(DATA_PA + 0x100 + 20, src8, mask8, 8, 0xAA);
    CHECK_EQ(get32(20), 0x12345678);
    CHECK_EQ(get32(24), 0x9ABCDEF0);
}

static void test_faults(void)
{
    /* The memory form of ModRM is #UD, as are F2/F3 before the opcode. */
    struct cpu *c = flat("pentium-m");
    fill(DATA_PA, 0xAA, 64);
    set_mm(c, 1, src8);
    set_mm(c, 2, mask8);
    c->gpr[R_EDI] = DATA_PA;
    CHECK_EQ(run(c, "0ff70f"), EXC_UD);
    CHECK_EQ(run(c, "660ff70f"), EXC_UD);
    CHECK_EQ(run(c, "f30ff7ca"), EXC_UD);
    check_store(DATA_PA + 16, src8, (const uint8_t[8]){ 0 }, 8, 0xAA);

    /* The entry checks of MMX and XMM forms. */
    c->cr0 |= CR0_TS;
    CHECK_EQ(run(c, "0ff7ca"), EXC_NM);
    CHECK_EQ(run(c, "660ff7ca"), EXC_NM);
    c->cr0 &= ~(uint32_t)CR0_TS;
    c->cr4 &= ~(uint32_t)CR4_OSFXSR;
    CHECK_EQ(run(c, "660ff7ca"), EXC_UD);
    CHECK_EQ(run(c, "0ff7ca"), -1); /* MMX forms do not need OSFXSR */
    c->cr4 |= CR4_OSFXSR;
    c->fpu.sw = FSW_ES | FSW_ZE;
    CHECK_EQ(run(c, "0ff7ca"), EXC_MF); /* a pending x87 error */
    c->fpu.sw = 0;

    /* Segment limit: #GP(0) when the 8 bytes pass it, with any mask, zero
     * included; nothing is stored.  With SS, #SS(0). */
    static const uint8_t zeros[8] = { 0 };
    fill(DATA_PA, 0xAA, 64);
    c->seg[S_DS].limit = DATA_PA + 0x23;
    c->seg[S_SS].limit = DATA_PA + 0x23;
    c->gpr[R_EDI] = DATA_PA + 0x1D; /* bytes 1D-24: one past the limit */
    CHECK_EQ(run(c, "0ff7ca"), EXC_GP);
    CHECK_EQ(c->exc_error, 0);
    set_mm(c, 2, zeros);
    CHECK_EQ(run(c, "0ff7ca"), EXC_GP);
    CHECK_EQ(run(c, "360ff7ca"), EXC_SS);
    set_mm(c, 2, mask8);
    check_store(DATA_PA + 0x1D, src8, zeros, 8, 0xAA);
    c->gpr[R_EDI] = DATA_PA + 0x1C; /* bytes 1C-23: the last one fits */
    CHECK_EQ(run(c, "0ff7ca"), -1);
    check_store(DATA_PA + 0x1C, src8, mask8, 8, 0xAA);
    /* A read-only data segment: #GP(0) whatever the mask. */
    c->seg[S_DS].limit = 0xFFFFFFFF;
    c->seg[S_DS].attr = 0xC091;
    cpu_mode_changed(c);
    set_mm(c, 2, zeros);
    CHECK_EQ(run(c, "0ff7ca"), EXC_GP);

    /* Models without the feature: MASKMOVQ needs SSE, MASKMOVDQU SSE2. */
    c = flat("pentium2");
    c->gpr[R_EDI] = DATA_PA;
    CHECK_EQ(run(c, "0ff7ca"), EXC_UD);
    c = flat("pentium3");
    c->gpr[R_EDI] = DATA_PA;
    CHECK_EQ(run(c, "0ff7ca"), -1);
    CHECK_EQ(run(c, "660ff7ca"), EXC_UD);
}

/* Paging: 0-4 MiB identity-mapped, read/write, with HOLE_PA not present
 * and CLEAN_PA's accessed and dirty flags clear. */
static struct cpu *paged(void)
{
    struct cpu *c = flat("pentium-m");
    for (uint32_t k = 0; k < 1024; k++)
        put32(PD_PA + 4 * k, 0);
    put32(PD_PA, PT_PA | PTE_P | PTE_RW);
    for (uint32_t k = 0; k < 1024; k++)
        put32(PT_PA + 4 * k, k << 12 | PTE_P | PTE_RW | PTE_A | PTE_D);
    put32(PT_PA + (HOLE_PA >> 12) * 4, 0);
    put32(PT_PA + (CLEAN_PA >> 12) * 4, CLEAN_PA | PTE_P | PTE_RW);
    c->cr3 = PD_PA;
    c->cr0 |= CR0_PG;
    cpu_tlb_flush(c, true);
    return c;
}

static void test_paging(void)
{
    struct cpu *c = paged();
    static const uint8_t low4[8] = { 0x80, 0x80, 0x80, 0x80, 0, 0, 0, 0 };
    static const uint8_t ends[8] = { 0x80, 0, 0, 0, 0, 0, 0, 0x80 };
    static const uint8_t zeros[16] = { 0 };
    set_mm(c, 1, src8);
    uint32_t at = HOLE_PA - 4; /* bytes 0-3 before the hole, 4-7 in it */
    fill(at - 16, 0xAA, 48);

    /* Selected bytes only in the present page: no #PF. */
    set_mm(c, 2, low4);
    c->gpr[R_EDI] = at;
    CHECK_EQ(run(c, "0ff7ca"), -1);
    check_store(at, src8, low4, 8, 0xAA);

    /* A selected byte in the hole: #PF for a write to it, before byte 0 is
     * stored. */
    fill(at - 16, 0xAA, 48);
    set_mm(c, 2, ends);
    c->cr2 = 0;
    CHECK_EQ(run(c, "0ff7ca"), EXC_PF);
    CHECK_EQ(c->cr2 & ~0xFFFu, HOLE_PA);
    CHECK_EQ(c->exc_error, PFERR_W);
    check_store(at, src8, zeros, 8, 0xAA);

    /* A zero mask wholly inside the hole: no #PF (the choice documented in
     * simd_maskmov.c); MASKMOVDQU too. */
    set_mm(c, 2, zeros);
    memset(c->sse.xmm[5].b, 0, 16);
    c->gpr[R_EDI] = HOLE_PA + 8;
    CHECK_EQ(run(c, "0ff7ca"), -1);
    CHECK_EQ(run(c, "660ff7dd"), -1);

    /* A zero mask sets neither accessed nor dirty; a store does both. */
    uint32_t pte = PT_PA + (CLEAN_PA >> 12) * 4;
    c->gpr[R_EDI] = CLEAN_PA + 0x100;
    CHECK_EQ(run(c, "0ff7ca"), -1);
    CHECK_EQ(get32(pte) & (PTE_A | PTE_D), 0);
    set_mm(c, 2, ends);
    CHECK_EQ(run(c, "0ff7ca"), -1);
    CHECK_EQ(get32(pte) & (PTE_A | PTE_D), PTE_A | PTE_D);
    CHECK_EQ(get8(CLEAN_PA + 0x100), src8[0]);
    CHECK_EQ(get8(CLEAN_PA + 0x107), src8[7]);

    /* A read-only page at CPL 0 with CR0.WP: #PF (P and W in the error
     * code) for a store, none for a zero mask. */
    put32(pte, CLEAN_PA | PTE_P | PTE_A | PTE_D);
    c->cr0 |= CR0_WP;
    cpu_tlb_flush(c, true);
    CHECK_EQ(run(c, "0ff7ca"), EXC_PF);
    CHECK_EQ(c->exc_error, PFERR_P | PFERR_W);
    set_mm(c, 2, zeros);
    CHECK_EQ(run(c, "0ff7ca"), -1);
}

int main(void)
{
    vm = test_vm_new(8, CPU_P6);
    test_bytes();
    test_faults();
    test_paging();
    vm_destroy(vm);
    return check_report();
}
