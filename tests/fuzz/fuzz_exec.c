/* Fuzz harness: execution from random CPU state, in every mode.
 *
 * One VM per (CPU level, code cache off/on/on with the translator
 * translating every block at its first run), made once and reused: 1 MiB of
 * RAM, a 4 KiB ROM at the top of the 4 GiB space and a 4 KiB MMIO window
 * (a byte array) at 0xFEC00000, no devices (ports read all ones).  For each
 * input the RAM is cleared, the scanned code and the TLB are dropped, and
 * the input decides:
 *
 *   - the mode: real, protected with a 16- or 32-bit code segment, V86, or
 *     either of the last three with paging on;
 *   - registers: the eight GPRs, EFLAGS, CR0/CR4 bits, DR0-DR3/DR7, the
 *     CPL, the segment registers (selectors into the GDT below, their
 *     hidden caches loaded from those descriptors), an NMI or an interrupt
 *     that arrives once (or, when the first byte's top two bits are set,
 *     keeps arriving: an interrupt storm);
 *   - guest RAM: an IVT, a GDT with flat and 16-bit code and data segments
 *     at each privilege level, a TSS, an LDT, call and task gates and
 *     random entries, an IDT of interrupt, trap and task gates into the
 *     code, page tables (identity-mapped RAM with random flags, random
 *     4 MiB pages and tables), and up to 16 KiB of code bytes at 0x10000;
 *     a few raw byte tweaks to the tables afterwards;
 *
 * and then engine_run() with a budget of at most 320 steps.  Exceptions,
 * triple faults and internal errors are all fine outcomes; what must not
 * happen is a crash, a sanitizer report, an abort (checked builds abort
 * when unscanned bytes execute), or a hang (libFuzzer's -timeout).  After
 * the run, the budget must have been kept and cpu_describe() (the
 * diagnostic line) must work on whatever state the guest left.
 * PLEX86_FUZZ_TRACE=1 prints the state before and after each run (for
 * looking at one input with fuzz-replay-exec). */
#include <stdbool.h>

#include "cpu/cpu.h"
#include "cpu/desc.h"
#include "cpu/mmu.h"
#include "fuzz.h"
#include "engine/cache.h"
#include "sbe/sbe.h"
#include "vm/physmem.h"
#include "machine/vm.h"
#include "engine/engine.h"

#define RAM_MB 1
#define GDT_PA 0x1000u
#define GDT_ENTRIES 32
#define LDT_PA 0x1800u
#define IDT_PA 0x2000u
#define TSS_PA 0x3000u
#define TSS16_PA 0x3100u
#define PD_PA 0x4000u
#define PT0_PA 0x5000u
#define PT1_PA 0x6000u
#define STACK_TOP 0xA000u
#define CODE_PA 0x10000u
#define CODE_MAX 0x4000u
#define HANDLER_PA 0x12000u     /* the third code page holds handlers */
#define ROM_PA 0xFFFFF000u
#define MMIO_PA 0xFEC00000u

/* GDT layout: fixed entries first, the rest from the input. */
enum {
    G_CODE32_0 = 1, G_DATA32_0, G_CODE16_0, G_DATA16_0, G_CODE32_3, G_DATA32_3,
    G_CODE16_3, G_DATA16_3, G_CODE32_1, G_DATA32_1, G_CODE32_2, G_DATA32_2, G_TSS32,
    G_LDT, G_TSS16, G_CALL32, G_CALL16, G_TASK, G_CONFORM, G_EXPDOWN, G_FIXED_END
};

static struct vm *vms[3][3]; /* level x (no cache, cache, cache + translator) */
static uint8_t mmio_bytes[4096];

static uint32_t mmio_read(void *opaque, uint32_t off, unsigned size)
{
    uint32_t v = 0;
    memcpy(&v, mmio_bytes + (off & 0xFFF), size <= 4096 - (off & 0xFFF) ? size : 1);
    return v;
}

static void mmio_write(void *opaque, uint32_t off, uint32_t v, unsigned size)
{
    memcpy(mmio_bytes + (off & 0xFFF), &v, size <= 4096 - (off & 0xFFF) ? size : 1);
}

static const struct mmio_ops mmio_ops = { mmio_read, mmio_write };

static int irq_vector = -1;
/* A storm: the INTR line stays asserted after each acknowledge (a
 * level-triggered source with auto-EOI).  Through a trap gate (IF stays
 * set) it delivers forever; engine_run's budget counts delivered interrupts,
 * so the run must still end (docs/fuzzing.md, findings). */
static bool irq_storm;

static int irq_ack(void *opaque)
{
    struct cpu *c = opaque;
    if (!irq_storm)
        c->irq_line = false; /* one interrupt, as a PIC holds the next until EOI */
    return irq_vector;
}

static struct vm *get_vm(unsigned level_idx, bool cache, bool jit)
{
    struct vm **slot = &vms[level_idx][cache + (cache && jit)];
    if (*slot)
        return *slot;
    static const enum cpu_level levels[3] = { CPU_386, CPU_486, CPU_P6 };
    char err[256];
    struct vm *vm = vm_create(&(struct vm_config){ .ram_mb = RAM_MB,
                                                   .cpu_level = levels[level_idx],
                                                   .no_code_cache = !cache,
                                                   /* every block translated at its
                                                    * first run: the translator
                                                    * sees what the input does */
                                                   .jit = cache && jit,
                                                   .jit_threshold = 1 },
                              err, sizeof(err));
    if (!vm)
        fuzz_fail("vm_create: %s", err);
    uint8_t rom[4096];
    for (unsigned k = 0; k < sizeof(rom); k++)
        rom[k] = k % 3 == 0 ? 0xF4 : (uint8_t)(k * 37); /* HLTs and junk */
    if (physmem_add_rom(&vm->mem, ROM_PA, rom, sizeof(rom), "fuzz-rom") < 0 ||
        physmem_add_mmio(&vm->mem, MMIO_PA, 4096, &mmio_ops, NULL, "fuzz-mmio") < 0)
        fuzz_fail("cannot map the ROM or MMIO window");
    return *slot = vm;
}

static void wr32(struct vm *vm, uint32_t pa, uint32_t v)
{
    memcpy(vm->mem.ram + pa, &v, 4);
}

static void wr16(struct vm *vm, uint32_t pa, uint16_t v)
{
    memcpy(vm->mem.ram + pa, &v, 2);
}

/* An 8-byte segment descriptor. */
static void put_desc(struct vm *vm, uint32_t pa, uint32_t base, uint32_t limit, uint16_t attr)
{
    if (attr & SEG_ATTR_G)
        limit >>= 12;
    uint32_t lo = (limit & 0xFFFF) | (base << 16);
    uint32_t hi = ((base >> 16) & 0xFF) | (base & 0xFF000000u) | (limit & 0x000F0000u) |
                  ((uint32_t)(attr & 0xF0FF) << 8);
    wr32(vm, pa, lo);
    wr32(vm, pa + 4, hi);
}

/* A gate: call/interrupt/trap gate (offset + selector) or task gate. */
static void put_gate(struct vm *vm, uint32_t pa, uint16_t sel, uint32_t off, unsigned type,
                     unsigned dpl, unsigned params)
{
    wr32(vm, pa, (off & 0xFFFF) | ((uint32_t)sel << 16));
    wr32(vm, pa + 4, (off & 0xFFFF0000u) | 0x8000u | (dpl << 13) | (type << 8) | (params & 31));
}

static uint16_t attr_of(bool code, bool big, unsigned dpl, bool gran)
{
    return (uint16_t)(SEG_ATTR_P | SEG_ATTR_S | (dpl << 5) | (code ? 0xB : 0x3) |
                      (big ? SEG_ATTR_DB : 0) | (gran ? SEG_ATTR_G : 0));
}

static void build_gdt(struct vm *vm, uint32_t *rng)
{
    uint32_t g = GDT_PA;
    put_desc(vm, g + 8 * G_CODE32_0, 0, 0xFFFFFFFFu, attr_of(true, true, 0, true));
    put_desc(vm, g + 8 * G_DATA32_0, 0, 0xFFFFFFFFu, attr_of(false, true, 0, true));
    put_desc(vm, g + 8 * G_CODE16_0, CODE_PA, 0xFFFF, attr_of(true, false, 0, false));
    put_desc(vm, g + 8 * G_DATA16_0, 0, 0xFFFF, attr_of(false, false, 0, false));
    put_desc(vm, g + 8 * G_CODE32_3, 0, 0xFFFFFFFFu, attr_of(true, true, 3, true));
    put_desc(vm, g + 8 * G_DATA32_3, 0, 0xFFFFFFFFu, attr_of(false, true, 3, true));
    put_desc(vm, g + 8 * G_CODE16_3, CODE_PA, 0xFFFF, attr_of(true, false, 3, false));
    put_desc(vm, g + 8 * G_DATA16_3, 0, 0xFFFF, attr_of(false, false, 3, false));
    put_desc(vm, g + 8 * G_CODE32_1, 0, 0xFFFFFFFFu, attr_of(true, true, 1, true));
    put_desc(vm, g + 8 * G_DATA32_1, 0, 0xFFFFFFFFu, attr_of(false, true, 1, true));
    put_desc(vm, g + 8 * G_CODE32_2, 0, 0xFFFFFFFFu, attr_of(true, true, 2, true));
    put_desc(vm, g + 8 * G_DATA32_2, 0, 0xFFFFFFFFu, attr_of(false, true, 2, true));
    put_desc(vm, g + 8 * G_TSS32, TSS_PA, 0x67 + 0x400, 0x0089);
    put_desc(vm, g + 8 * G_LDT, LDT_PA, 8 * 8 - 1, 0x0082);
    put_desc(vm, g + 8 * G_TSS16, TSS16_PA, 0x2B, 0x0081);
    put_gate(vm, g + 8 * G_CALL32, G_CODE32_0 << 3, HANDLER_PA, SYS_CALL_GATE32, 3, 2);
    put_gate(vm, g + 8 * G_CALL16, G_CODE16_0 << 3, HANDLER_PA - CODE_PA, SYS_CALL_GATE16, 3, 1);
    put_gate(vm, g + 8 * G_TASK, G_TSS32 << 3, 0, SYS_TASK_GATE, 3, 0);
    put_desc(vm, g + 8 * G_CONFORM, 0, 0xFFFFFFFFu,
             (uint16_t)(attr_of(true, true, 0, true) | SEG_TYPE_CONFORMING));
    put_desc(vm, g + 8 * G_EXPDOWN, 0, 0x7FFF,
             (uint16_t)(attr_of(false, false, 3, false) | SEG_TYPE_EXPDOWN));
    for (unsigned k = G_FIXED_END; k < GDT_ENTRIES; k++) {
        uint32_t r = fz_rand(rng);
        uint32_t base = (r & 1) ? 0 : (fz_rand(rng) & 0x000FF000u);
        uint32_t limit = (r & 2) ? 0xFFFFFFFFu : (fz_rand(rng) & 0xFFFFF);
        uint16_t attr = (uint16_t)((r >> 8) & 0xF0FF);
        if (r & 4)
            attr |= SEG_ATTR_P | SEG_ATTR_S;
        if (limit == 0xFFFFFFFFu)
            attr |= SEG_ATTR_G;
        put_desc(vm, g + 8 * k, base, limit, attr);
    }
    /* LDT: a few code and data segments. */
    for (unsigned k = 0; k < 8; k++) {
        uint32_t r = fz_rand(rng);
        put_desc(vm, LDT_PA + 8 * k, (r & 1) ? 0 : CODE_PA, (r & 2) ? 0xFFFFFFFFu : 0xFFFF,
                 attr_of(r & 4, r & 8, (r >> 4) & 3, r & 2));
    }
}

/* TSS32 at TSS_PA: ring stacks, CR3, an I/O bitmap that allows some ports. */
static void build_tss(struct vm *vm, struct fz *in, uint32_t *rng)
{
    for (unsigned ring = 0; ring < 3; ring++) {
        wr32(vm, TSS_PA + 4 + ring * 8, STACK_TOP - 0x400 * ring);
        wr16(vm, TSS_PA + 8 + ring * 8, (uint16_t)(((G_DATA32_0 + 2 * ring) << 3) | ring));
    }
    /* The task a task gate switches to: a flat 32-bit task at the handlers. */
    wr32(vm, TSS_PA + 0x1C, PD_PA);
    wr32(vm, TSS_PA + 0x20, HANDLER_PA + 0x800);
    wr32(vm, TSS_PA + 0x24, 0x2);
    wr32(vm, TSS_PA + 0x38, STACK_TOP - 0x100);
    for (unsigned s = 0; s < 6; s++)
        wr16(vm, TSS_PA + 0x48 + 4 * s, (uint16_t)((s == 1 ? G_CODE32_0 : G_DATA32_0) << 3));
    wr16(vm, TSS_PA + 0x66, (uint16_t)(fz_u8(in) & 1 ? 0x68 : 0xFFFF));
    for (unsigned k = 0; k < 0x400; k += 4)
        wr32(vm, TSS_PA + 0x68 + k, fz_rand(rng) & fz_rand(rng));
    /* TSS16: stacks for rings 0-2. */
    for (unsigned ring = 0; ring < 3; ring++) {
        wr16(vm, TSS16_PA + 2 + ring * 4, (uint16_t)(0x9000 - 0x200 * ring));
        wr16(vm, TSS16_PA + 4 + ring * 4, (uint16_t)((G_DATA16_0 << 3)));
    }
}

static void build_idt(struct vm *vm, uint32_t *rng)
{
    for (unsigned v = 0; v < 256; v++) {
        uint32_t r = fz_rand(rng);
        uint32_t pa = IDT_PA + 8 * v;
        unsigned dpl = (r >> 4) & 3;
        uint32_t off = HANDLER_PA + ((v * 16) & 0x7FF);
        switch (r & 7) {
        case 0: case 1: case 2:
            put_gate(vm, pa, G_CODE32_0 << 3, off, SYS_INT_GATE32, dpl, 0);
            break;
        case 3: case 4:
            put_gate(vm, pa, G_CODE32_0 << 3, off, SYS_TRAP_GATE32, dpl, 0);
            break;
        case 5:
            put_gate(vm, pa, G_CODE16_0 << 3, off - CODE_PA, SYS_INT_GATE16, dpl, 0);
            break;
        case 6:
            put_gate(vm, pa, G_TSS32 << 3, 0, SYS_TASK_GATE, dpl, 0);
            break;
        default:
            wr32(vm, pa, fz_rand(rng));
            wr32(vm, pa + 4, fz_rand(rng));
        }
    }
    /* Real-mode IVT: vectors into the handler page (segment 0x1000). */
    for (unsigned v = 0; v < 256; v++)
        wr32(vm, 4 * v, 0x10000000u | (0x2000u + ((v * 16) & 0x7FF)));
}

/* Page tables: RAM identity-mapped with random flags, random extra pages,
 * tables and 4 MiB pages; the ROM and the MMIO window mapped. */
static void build_paging(struct vm *vm, uint32_t *rng)
{
    wr32(vm, PD_PA, PT0_PA | PTE_P | PTE_RW | PTE_US);
    for (unsigned k = 0; k < 1024; k++) {
        uint32_t r = fz_rand(rng);
        uint32_t flags = PTE_P | PTE_RW | PTE_US;
        if ((r & 0xF) == 0)
            flags &= ~(uint32_t)PTE_P;
        if ((r & 0x30) == 0)
            flags &= ~(uint32_t)PTE_RW;
        if ((r & 0xC0) == 0)
            flags &= ~(uint32_t)PTE_US;
        flags |= (r >> 8) & (PTE_A | PTE_D | PTE_G | PTE_PWT | PTE_PCD);
        uint32_t frame = k < 256 ? k << 12 : (fz_rand(rng) & 0x1FF000u);
        wr32(vm, PT0_PA + 4 * k, frame | flags);
    }
    for (unsigned k = 1; k < 1024; k++) {
        uint32_t r = fz_rand(rng);
        if ((r & 0x1F) == 0)
            wr32(vm, PD_PA + 4 * k, PT1_PA | (r >> 8 & 7) | PTE_P);
        else if ((r & 0x1F) == 1)
            wr32(vm, PD_PA + 4 * k, (fz_rand(rng) & 0xFFC00000u) | PTE_PS | (r >> 8 & 0x1E7));
    }
    for (unsigned k = 0; k < 1024; k++)
        wr32(vm, PT1_PA + 4 * k, fz_rand(rng) & 0x001FF1FFu);
    wr32(vm, PD_PA + 4 * (MMIO_PA >> 22), MMIO_PA | PTE_PS | PTE_P | PTE_RW);
    wr32(vm, PD_PA + 4 * 1023, PT1_PA | PTE_P | PTE_RW | PTE_US);
    wr32(vm, PT1_PA + 4 * 1023, ROM_PA | PTE_P | PTE_US);
}

enum mode { M_REAL, M_PM16, M_PM32, M_V86, M_PM32_PG, M_PM16_PG, M_V86_PG, M_COUNT };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int trace = -1;
    if (trace < 0) {
        trace = getenv("PLEX86_FUZZ_TRACE") != NULL;
    }
    struct fz in = { data, size };
    uint8_t sel = fz_u8(&in);
    enum mode mode = (enum mode)((sel & 7) % M_COUNT);
    unsigned level_idx = (sel >> 3) % 3;
    bool jit = ((sel >> 3) & 3) == 3; /* level bits 3: the 386 with the translator */
    bool cache = !((sel >> 5) & 1);
    irq_storm = (sel >> 6) == 3;
    struct vm *vm = get_vm(level_idx, cache, jit);
    struct cpu *c = &vm->cpu;

    /* A clean machine. */
    memset(vm->mem.ram, 0, vm->mem.ram_size);
    memset(mmio_bytes, 0, sizeof(mmio_bytes));
    vm_set_a20(vm, true);
    vm_invalidate_code(vm);
    cpu_reset(c);
    vm->exit_reason = VM_EXIT_NONE;
    vm->error[0] = 0;
    c->stop_request = false;

    uint32_t rng = fz_u32(&in);
    build_gdt(vm, &rng);
    build_tss(vm, &in, &rng);
    build_idt(vm, &rng);
    build_paging(vm, &rng);

    uint32_t gpr[8];
    for (int r = 0; r < 8; r++)
        gpr[r] = fz_u32(&in);
    uint8_t flags = fz_u8(&in);
    if (!(flags & 1))
        gpr[R_ESP] = STACK_TOP - 0x100 - (gpr[R_ESP] & 0x3FC);
    uint32_t eflags = fz_u32(&in);
    uint8_t cpl = fz_u8(&in) & 3;
    uint8_t cr0_bits = fz_u8(&in);
    uint8_t cr4_bits = fz_u8(&in);
    uint8_t segsel[6];
    fz_bytes(&in, segsel, sizeof(segsel));
    uint32_t eip_off = fz_u16(&in) & 0x3FFF;
    uint8_t budget_byte = fz_u8(&in);
    uint8_t dbg = fz_u8(&in);
    uint32_t dr[4];
    for (int k = 0; k < 4; k++)
        dr[k] = CODE_PA + (fz_u16(&in) & 0x3FFF);
    uint8_t irq = fz_u8(&in);
    /* Raw tweaks to the tables (broken descriptors, gates, PTEs). */
    unsigned ntweaks = fz_u8(&in) & 7;
    for (unsigned k = 0; k < ntweaks; k++) {
        static const uint32_t areas[] = { GDT_PA, IDT_PA, TSS_PA, PD_PA, PT0_PA, LDT_PA, 0 };
        uint8_t which = fz_u8(&in);
        uint16_t off = fz_u16(&in);
        uint8_t v = fz_u8(&in);
        vm->mem.ram[areas[which % 7] + (off & 0x7FF)] = v;
    }
    /* The code: the rest of the input, at 0x10000 (handlers from 0x12000). */
    size_t ncode = fz_left(&in) < CODE_MAX ? fz_left(&in) : CODE_MAX;
    fz_bytes(&in, vm->mem.ram + CODE_PA, ncode);

    for (int r = 0; r < 8; r++)
        c->gpr[r] = gpr[r];
    bool paging = mode >= M_PM32_PG;
    bool v86 = mode == M_V86 || mode == M_V86_PG;
    if (mode == M_REAL) {
        cpu_load_seg_real(c, S_CS, 0x1000);
        for (int s = 0; s < S_COUNT; s++)
            if (s != S_CS)
                cpu_load_seg_real(c, s, (uint16_t)(segsel[s] << 4));
        c->eip = eip_off;
        /* Real mode with 4 GiB limits ("unreal") now and then. */
        if (cr0_bits & 0x80)
            for (int s = 0; s < S_COUNT; s++)
                c->seg[s].limit = 0xFFFFFFFFu;
        cpu_set_eflags(c, eflags & ~(uint32_t)F_VM);
        c->gpr[R_ESP] &= 0xFFFF;
    } else {
        static const uint32_t cr0_extra[8] = { CR0_MP, CR0_EM, CR0_TS, CR0_NE,
                                               CR0_WP, CR0_AM, CR0_NW | CR0_CD, 0 };
        c->cr0 = CR0_PE | CR0_ET | (paging ? CR0_PG : 0);
        for (int k = 0; k < 8; k++)
            if (cr0_bits & (1u << k))
                c->cr0 |= cr0_extra[k];
        if (c->level < CPU_486) /* WP, AM, NW and CD came with the 486 */
            c->cr0 &= ~(uint32_t)(CR0_AM | CR0_NW | CR0_CD | CR0_WP);
        c->cr4 = c->level >= CPU_586 ? (cr4_bits & 0x9F) : 0; /* VME PVI TSD DE PSE PGE */
        c->cr3 = PD_PA | (cr4_bits & 0x18);
        c->gdtr = (struct dtr){ GDT_PA, GDT_ENTRIES * 8 - 1 };
        c->idtr = (struct dtr){ IDT_PA, (irq & 0x80) ? 0x7FF : 0x3FF };
        struct desc d;
        desc_decode(&d, 0, 0);
        uint32_t lo, hi;
        memcpy(&lo, vm->mem.ram + GDT_PA + 8 * G_TSS32, 4);
        memcpy(&hi, vm->mem.ram + GDT_PA + 8 * G_TSS32 + 4, 4);
        desc_decode(&d, lo, hi | 0x200); /* busy */
        c->tr = (struct seg){ .sel = G_TSS32 << 3, .base = d.base, .limit = d.limit,
                              .attr = (uint16_t)(d.attr | 0x2) };
        memcpy(&lo, vm->mem.ram + GDT_PA + 8 * G_LDT, 4);
        memcpy(&hi, vm->mem.ram + GDT_PA + 8 * G_LDT + 4, 4);
        desc_decode(&d, lo, hi);
        c->ldtr = (struct seg){ .sel = G_LDT << 3, .base = d.base, .limit = d.limit,
                                .attr = d.attr };
        if (v86) {
            c->eflags = F_1;
            cpu_set_eflags(c, (eflags & ~(uint32_t)(F_VIF | F_VIP)) | F_VM);
            cpu_mode_changed(c);
            cpu_load_seg_real(c, S_CS, 0x1000);
            for (int s = 0; s < S_COUNT; s++) {
                if (s != S_CS)
                    cpu_load_seg_real(c, s, (uint16_t)(segsel[s] << 4));
                c->seg[s].limit = 0xFFFF;
                c->seg[s].attr = 0x00F3;
            }
            c->eip = eip_off;
            c->gpr[R_ESP] &= 0xFFFF;
        } else {
            cpu_set_eflags(c, eflags & ~(uint32_t)F_VM);
            /* CS: the code segment of the CPL, 16- or 32-bit; the other
             * registers: any GDT entry the input names, with its RPL. */
            static const uint8_t code32[4] = { G_CODE32_0, G_CODE32_1, G_CODE32_2, G_CODE32_3 };
            static const uint8_t data32[4] = { G_DATA32_0, G_DATA32_1, G_DATA32_2, G_DATA32_3 };
            bool big = mode == M_PM32 || mode == M_PM32_PG;
            unsigned cs_idx = big ? code32[cpl] : (cpl ? G_CODE16_3 : G_CODE16_0);
            if (!big)
                cpl = cpl ? 3 : 0;
            if (segsel[S_CS] == 0xFF)
                cs_idx = G_CONFORM;
            for (int s = 0; s < S_COUNT; s++) {
                unsigned idx;
                if (s == S_CS)
                    idx = cs_idx;
                else if (s == S_SS)
                    idx = (segsel[s] & 0xC0) == 0xC0 ? segsel[s] % GDT_ENTRIES
                          : big ? data32[cpl] : (cpl ? G_DATA16_3 : G_DATA16_0);
                else
                    idx = segsel[s] % GDT_ENTRIES;
                memcpy(&lo, vm->mem.ram + GDT_PA + 8 * idx, 4);
                memcpy(&hi, vm->mem.ram + GDT_PA + 8 * idx + 4, 4);
                desc_decode(&d, lo, hi);
                uint16_t s_sel = (uint16_t)((idx << 3) | (s == S_CS || s == S_SS ? cpl : segsel[s] >> 6));
                if (s != S_CS && s != S_SS && (!d.s || !d.present))
                    d = (struct desc){ 0 }, s_sel &= 3; /* a null selector */
                seg_load_cache(c, s, s_sel, &d);
            }
            c->cpl = cpl;
            c->eip = (big ? CODE_PA : 0) + eip_off;
        }
    }
    cpu_mode_changed(c);
    cpu_tlb_flush(c, true);

    /* Debug registers: instruction and data breakpoints. */
    if (dbg & 0x80) {
        for (int k = 0; k < 4; k++)
            c->dr[k] = dr[k];
        c->dr[7] = 0x400u | ((uint32_t)dbg & 0x7F) | ((uint32_t)(irq & 0x0F) << 16) |
                   ((uint32_t)(dr[0] & 0xF) << 24);
        cpu_dr7_changed(c); /* arms the breakpoints, as MOV DR7 does */
    }
    /* An interrupt or NMI that arrives once. */
    if (irq & 0x40) {
        irq_vector = (irq & 0x20) ? -1 : 0x20 + (irq & 0x1F);
        c->irq_line = true;
        c->pins.irq_ack = irq_ack;
        c->pins.irq_opaque = c;
    }
    if (irq & 0x10)
        c->nmi_pending = true;

    uint64_t budget = 1 + (budget_byte & 0x3F) * 5;
    uint64_t before = cpu_steps(c), icount0 = c->icount, exc0 = c->exceptions;
    char line[512];
    if (trace) {
        cpu_describe(c, line, sizeof(line));
        fprintf(stderr, "fuzz-exec: mode %d, level %d, cache %d, budget %llu, irq %#x, dr7 %#x\n"
                "  before: %s\n", mode, c->level, cache, (unsigned long long)budget, irq,
                c->dr[7], line);
    }
    enum cpu_stop stop = engine_run(c->vm->engine, budget);
    uint64_t used = cpu_steps(c) - before;
    if (trace) {
        cpu_describe(c, line, sizeof(line));
        fprintf(stderr, "  after:  %s\n  stop %d, %llu instructions, %llu exceptions, exit %s%s%s\n",
                line, (int)stop, (unsigned long long)(c->icount - icount0),
                (unsigned long long)(c->exceptions - exc0), vm_exit_reason_name(vm->exit_reason),
                vm->error[0] ? ": " : "", vm->error);
    }
    /* The budget is looked at between instructions: the last one may end
     * in a chain of exceptions that each count (a debug trap whose
     * delivery faults, a fault delivering that, the double fault; one
     * more is a shutdown), and nothing else may overrun it. */
    FUZZ_CHECK(used <= budget + 5, "engine_run used %llu steps of a budget of %llu",
               (unsigned long long)used, (unsigned long long)budget);
    cpu_describe(c, line, sizeof(line));
    FUZZ_CHECK(memchr(line, 0, sizeof(line)) != NULL, "cpu_describe overran");
    c->irq_line = false;
    c->pins.irq_ack = NULL;
    c->nmi_pending = false;
    return 0;
}
