/* Scan-before-execute in the running engine (issue 5, item 7; seed 003):
 * small 32-bit guests, assembled below and booted in-process as Multiboot
 * kernels, run to HLT checkpoints while this program reads the counters.
 *
 *  - the write rule, step by step: a write to unscanned bytes of a code page
 *    is a data write (data_writes + 1, nothing discarded); a write that
 *    touches a scanned instruction, directly or through the 14-byte
 *    look-back, discards the map (maps_discarded + 1) and the page is
 *    scanned again when it runs; the first bytes of the next page belong to
 *    an instruction that crosses into it; loader and device writes
 *    (phys_copy_in, phys_write) follow the same rule;
 *  - code and data in one page: 50000 data writes, no discard, no rebuild;
 *  - self-modifying code: one discard per patch, blocks rebuilt (misses);
 *  - chaining: a loop runs from chained blocks, not from lookups;
 *  - bytes that do not decode claim every byte the decoder saw;
 *  - bounded memory: a guest that rewrites its own page 200000 times keeps
 *    one map and a flat code cache (which flushes when full), also with a
 *    tiny cache;
 *  - a cache flush while chaining: the block run before the flush must not
 *    be written (it points into reused memory).
 *
 * With arguments it is the measuring tool of docs/sbe.md instead:
 *     test_sbe_engine measure DEPTH KERNEL [APPEND]
 * boots KERNEL (-kernel, serial output dropped) with -sbe-depth DEPTH and
 * prints one line: the counters, and the run's wall-clock and CPU seconds
 * (vm_run only, not the boot). */
#include <stdlib.h>
#include <time.h>

#include "check.h"
#include "pc/pc.h"
#include "engine/cache.h"
#include "sbe/sbe.h"
#include "vm/physmem.h"
#include "machine/vm.h"
#include "engine/engine.h"

#define LOAD_PA 0x100000u      /* the image loads here (Multiboot a.out kludge) */
#define CODE_PA 0x101000u      /* and its guest code one page in */

/* The guests, 32-bit code assembled into this program's read-only data
 * (so the test needs an x86 host assembler; elsewhere it skips).  Each
 * starts on a page boundary (the host's section offsets are the guest's
 * page offsets) and refers to its own bytes only through
 * CODE + (label - start), so it runs where it is copied: at CODE_PA. */
#if defined(__x86_64__) || defined(__i386__)
#define HAVE_GUESTS 1
#ifdef __x86_64__
#define HOST_CODE ".code64"
#else
#define HOST_CODE ".code32"
#endif
#define G(line) line "\n"
__asm__(
    G(".pushsection .rodata.sbe_engine_guests, \"a\", @progbits")
    G(".code32")
    G(".set CODE, 0x101000")
    G(".set STACK, 0x90000")

    /* --- rule: the write rule step by step (2 pages) --------------------- */
    G(".balign 4096")
    G(".globl g_rule, g_rule_end, g_r_fn")
    G(".hidden g_rule, g_rule_end, g_r_fn")
    G("g_rule:")
    G("    movl $STACK, %esp")
    G("    call r_fn")                                       /* scanned, run */
    G("    hlt")                                             /* cp 1 */
    G("    movb $1, CODE + (r_data - g_rule)")               /* after the RET */
    G("    hlt")                                             /* cp 2 */
    G("    movl $0, CODE + (r_pad - g_rule)")                /* ends at r_fn */
    G("    hlt")                                             /* cp 3 */
    G("    movb $0x22, CODE + (r_fn - g_rule) + 2")          /* in the imm */
    G("    hlt")                                             /* cp 4 */
    G("    call r_fn")
    G("    hlt")                                             /* cp 5 */
    G("    movl $0x11B89090, CODE + (r_fn - g_rule) - 2")    /* pad + opcode */
    G("    hlt")                                             /* cp 6 */
    G("    call r_fn")
    G("    call r_cross")
    G("    hlt")                                             /* cp 7 */
    G("    movb $0x55, CODE + 0x1000")                       /* crosser's byte */
    G("    hlt")                                             /* cp 8 */
    G("    call r_cross")
    G("    call r_fn")
    G("    hlt")                                             /* cp 9 */
    G("    movl $0, CODE + 0x1100")                          /* page 1 data */
    G("    hlt")                                             /* cp 10 */
    G("    call r_fn")
    G("    hlt")                                             /* cp 11 */
    G("    call r_cross")
    G("    hlt")                                             /* cp 12 */
    G("    call r_cross")
    G("    hlt")                                             /* cp 13 */
    G("    movl $0x44552211, CODE + 0xFFE")                  /* across pages */
    G("    hlt")                                             /* cp 14 */
    G("r_pad:")
    G("    .byte 0xCC, 0xCC, 0xCC, 0xCC")
    G("r_fn:")
    G("g_r_fn:")
    G("    movl $0x11111111, %eax")
    G("    ret")
    G("r_data:")
    G("    .fill 16, 1, 0")
    G(".org g_rule + 0xFFD")
    G("r_cross:")
    G("    .byte 0xB8, 0x11, 0x22, 0x33, 0x44")               /* 0xFFD-0x1001 */
    G("    ret")
    G(".org g_rule + 0x1100")
    G("    .long 0")
    G("g_rule_end:")

    /* --- codedata: a loop writing data in its own page, N = 10000 -------- */
    G(".balign 4096")
    G(".globl g_codedata, g_codedata_end, g_cd_count, g_cd_sum")
    G(".hidden g_codedata, g_codedata_end, g_cd_count, g_cd_sum")
    G("g_codedata:")
    G("    movl $STACK, %esp")
    G("    xorl %esi, %esi")
    G("1:  incl CODE + (cd_count - g_codedata)")
    G("    movl %esi, %eax")
    G("    call cd_add")
    G("    movb %al, CODE + (cd_gap - g_codedata)")
    G("    movl %eax, CODE + (cd_last - g_codedata)")
    G("    incl %esi")
    G("    cmpl $10000, %esi")
    G("    jb 1b")
    G("    hlt")
    G("cd_count:")
    G("g_cd_count: .long 0")
    G("cd_sum:")
    G("g_cd_sum: .long 0")
    G(".balign 64")
    G("cd_array: .fill 16, 4, 0")
    G("cd_gap:   .fill 8, 1, 0")
    G("cd_last:  .long 0")
    G("cd_add:")
    G("    addl %eax, CODE + (cd_sum - g_codedata)")
    G("    movl %eax, %ecx")
    G("    andl $15, %ecx")
    G("    movl %eax, CODE + (cd_array - g_codedata)(,%ecx,4)")
    G("    ret")
    G("g_codedata_end:")

    /* --- smc: ECX = N..1 patched into the ADD ahead; EBX sums them ------- */
    G(".balign 4096")
    G(".globl g_smc, g_smc_end")
    G(".hidden g_smc, g_smc_end")
    G("g_smc:")
    G("    movl $STACK, %esp")
    G("    xorl %ebx, %ebx")
    G("1:  movl %ecx, CODE + (2f - g_smc) + 2")
    G("2:  .byte 0x81, 0xC3")                                /* addl $imm32, %ebx */
    G("    .long 0")
    G("    decl %ecx")
    G("    jnz 1b")
    G("    hlt")
    G("g_smc_end:")

    /* --- chain: a one-block loop, ECX = N..1 summed into EAX ------------- */
    G(".balign 4096")
    G(".globl g_chain, g_chain_end")
    G(".hidden g_chain, g_chain_end")
    G("g_chain:")
    G("    xorl %eax, %eax")
    G("1:  addl %ecx, %eax")
    G("    decl %ecx")
    G("    jnz 1b")
    G("    hlt")
    G("g_chain_end:")

    /* --- ud: f0 40 (LOCK INC EAX, #UD) scanned, then patched valid ------- */
    G(".balign 4096")
    G(".globl g_ud, g_ud_end, g_ud_insn")
    G(".hidden g_ud, g_ud_end, g_ud_insn")
    G("g_ud:")
    G("    movl $STACK, %esp")
    G("    movl $CODE + (ud_var - g_ud), %eax")
    G("    testl %esp, %esp")
    G("    jz g_ud_insn")                                    /* not taken */
    G("    hlt")                                             /* cp 1 */
    G("    movb $0xFF, CODE + (g_ud_insn - g_ud) + 1")
    G("    movb $0x00, CODE + (g_ud_insn - g_ud) + 2")
    G("    call g_ud_insn")                                  /* lock incl (%eax) */
    G("    hlt")                                             /* cp 2 */
    G("g_ud_insn:")
    G("    .byte 0xF0, 0x40, 0x90")
    G("    ret")
    G("ud_var: .long 0")
    G("g_ud_end:")

    /* --- flushchain: blocks R -> P -> Q -> R, each chained to the next,
     * Q of 64 instructions (the largest block); ESI iterations. -------- */
    G(".balign 4096")
    G(".globl g_flushchain, g_flushchain_end")
    G(".hidden g_flushchain, g_flushchain_end")
    G("g_flushchain:")
    G("    xorl %ebx, %ebx")
    G("    jmp fc_r")
    G("fc_r:")
    G("    incl %edi")
    G("    jmp fc_p")
    G("fc_p:")
    G("    incl %edx")
    G("    jmp fc_q")
    G("fc_q:")
    G("    .rept 62")
    G("    addl $1, %ebx")
    G("    .endr")
    G("    decl %esi")
    G("    jnz fc_r")
    G("    hlt")
    G("g_flushchain_end:")

    G(HOST_CODE)
    G(".popsection"));
#endif

extern const uint8_t g_rule[], g_rule_end[], g_r_fn[], g_codedata[], g_codedata_end[],
    g_cd_count[], g_cd_sum[], g_smc[],
    g_smc_end[], g_chain[], g_chain_end[], g_ud[], g_ud_end[], g_ud_insn[],
    g_flushchain[], g_flushchain_end[];

#ifdef HAVE_GUESTS
/* --- booting a guest ------------------------------------------------------ */

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

struct guest {
    struct pc *pc;
    struct vm *vm;
    uint8_t *image;
};

/* Boots the code [start, end) at CODE_PA in a Multiboot a.out-kludge image
 * (header page at LOAD_PA, entry at CODE_PA, 32-bit flat protected mode). */
static struct guest boot(const uint8_t *start, const uint8_t *end, unsigned depth)
{
    size_t len = (size_t)(end - start);
    size_t size = 0x1000 + ((len + 0xFFF) & ~(size_t)0xFFF);
    struct guest g = { .image = calloc(1, size) };
    if (!g.image)
        abort();
    uint32_t flags = 1u << 16; /* the header's address fields are valid */
    put32(g.image + 0, 0x1BADB002u);
    put32(g.image + 4, flags);
    put32(g.image + 8, (uint32_t)-(0x1BADB002u + flags));
    put32(g.image + 12, LOAD_PA);                 /* header_addr */
    put32(g.image + 16, LOAD_PA);                 /* load_addr */
    put32(g.image + 20, 0);                       /* load_end_addr: the file */
    put32(g.image + 24, 0);                       /* bss_end_addr: none */
    put32(g.image + 28, CODE_PA);                 /* entry_addr */
    memcpy(g.image + 0x1000, start, len);
    char err[256];
    struct pc_config cfg = {
        .ram_mb = 8, .cpu_level = CPU_486, .sbe_depth = depth,
        .kernel_data = g.image, .kernel_size = size,
    };
    g.pc = pc_create(&cfg, err, sizeof(err));
    if (!g.pc) {
        fprintf(stderr, "pc_create: %s\n", err);
        exit(1);
    }
    g.vm = g.pc->vm;
    return g;
}

static void shutdown_guest(struct guest *g)
{
    pc_destroy(g->pc);
    free(g->image);
}

/* Runs (on) to the next HLT. */
static void run_to_hlt(struct vm *vm)
{
    vm->cpu.halted = false;
    enum vm_exit_reason r = vm_run(vm, 50000000);
    CHECK_EQ(r, VM_EXIT_HALTED);
}

static uint32_t guest_u32(struct vm *vm, uint32_t pa)
{
    return phys_read(&vm->mem, pa, 4);
}

/* The guest address of a label in a guest assembled from `start`. */
#define GPA(start, label) (CODE_PA + (uint32_t)((label) - (start)))

/* --- the tests ------------------------------------------------------------ */

static void test_rule(void)
{
    struct guest g = boot(g_rule, g_rule_end, 0);
    struct vm *vm = g.vm;
    const struct sbe_stats *s = sbe_stats(vm->sbe);
    const struct code_cache_stats *cs = cache_stats(engine_cache(vm->engine));
    struct sbe_stats prev;

    run_to_hlt(vm); /* cp 1: r_fn ran */
    CHECK_EQ(vm->cpu.gpr[R_EAX], 0x11111111);
    CHECK(s->pages_scanned >= 1);
    CHECK_EQ(s->maps_discarded, 0);
    CHECK(sbe_map_find(vm->sbe, CODE_PA >> 12, true) != NULL);
    CHECK(sbe_map_find(vm->sbe, CODE_PA >> 12, false) == NULL); /* 32-bit only */

    prev = *s;
    run_to_hlt(vm); /* cp 2: the byte after r_fn's RET */
    CHECK_EQ(s->data_writes, prev.data_writes + 1);
    CHECK_EQ(s->maps_discarded, prev.maps_discarded);

    prev = *s;
    run_to_hlt(vm); /* cp 3: four bytes ending where r_fn starts */
    CHECK_EQ(s->data_writes, prev.data_writes + 1);
    CHECK_EQ(s->maps_discarded, prev.maps_discarded);

    prev = *s;
    uint32_t stamp = sbe_map_find(vm->sbe, CODE_PA >> 12, true)->stamp;
    run_to_hlt(vm); /* cp 4: a byte inside r_fn's immediate (look-back) */
    CHECK_EQ(s->maps_discarded, prev.maps_discarded + 1);
    CHECK_EQ(s->data_writes, prev.data_writes);
    /* The HLT after the store ran from a new map of the page. */
    CHECK_EQ(s->pages_scanned, prev.pages_scanned + 1);
    struct sbe_map *m = sbe_map_find(vm->sbe, CODE_PA >> 12, true);
    CHECK(m && m->stamp != stamp);
    CHECK(m && !(m->attr[GPA(g_rule, g_r_fn) & 0xFFF] & ATTR_SCANNED));

    uint64_t misses = cs->misses, built = cs->blocks_built;
    run_to_hlt(vm); /* cp 5: r_fn scanned and built again, with the new byte */
    CHECK_EQ(vm->cpu.gpr[R_EAX], 0x11112211);
    CHECK(cs->misses > misses);
    CHECK(cs->blocks_built > built);

    prev = *s;
    run_to_hlt(vm); /* cp 6: four bytes over the pad and r_fn's first two */
    CHECK_EQ(s->maps_discarded, prev.maps_discarded + 1);
    CHECK_EQ(s->data_writes, prev.data_writes);

    run_to_hlt(vm); /* cp 7: the crossing MOV ran */
    CHECK_EQ(vm->cpu.gpr[R_EAX], 0x44332211);
    m = sbe_map_find(vm->sbe, CODE_PA >> 12, true);
    CHECK(m && m->attr[0xFFD] == (ATTR_SCANNED | ATTR_VIRT | ATTR_CROSS));
    stamp = m ? m->stamp : 0;
    CHECK(sbe_map_find(vm->sbe, (CODE_PA >> 12) + 1, true) != NULL); /* its RET */

    prev = *s;
    run_to_hlt(vm); /* cp 8: the crosser's byte in the next page */
    CHECK_EQ(s->maps_discarded, prev.maps_discarded + 1);
    CHECK_EQ(s->data_writes, prev.data_writes);
    m = sbe_map_find(vm->sbe, CODE_PA >> 12, true);  /* a new one, for the HLT */
    CHECK(m && m->stamp != stamp && m->attr[0xFFD] == 0);
    CHECK(sbe_map_find(vm->sbe, (CODE_PA >> 12) + 1, true) != NULL); /* kept */

    run_to_hlt(vm); /* cp 9 */
    CHECK_EQ(vm->cpu.gpr[R_EAX], 0x11112211);

    prev = *s;
    run_to_hlt(vm); /* cp 10: data far into the next page, which has a map */
    CHECK_EQ(s->data_writes, prev.data_writes + 1);
    CHECK_EQ(s->maps_discarded, prev.maps_discarded);

    /* Loader and device writes take the same rule. */
    prev = *s;
    phys_write(&vm->mem, GPA(g_rule, g_rule_end) - 0x20, 0, 4); /* unscanned */
    CHECK_EQ(s->data_writes, prev.data_writes + 1);
    CHECK_EQ(s->maps_discarded, prev.maps_discarded);
    uint8_t b = 0x77;
    phys_copy_in(&vm->mem, GPA(g_rule, g_rule_end) - 0x10, &b, 1); /* unscanned */
    CHECK_EQ(s->data_writes, prev.data_writes + 2);
    CHECK_EQ(s->maps_discarded, prev.maps_discarded);
    phys_copy_in(&vm->mem, GPA(g_rule, g_r_fn) + 1, &b, 1); /* r_fn's imm: scanned */
    CHECK_EQ(s->maps_discarded, prev.maps_discarded + 1);
    CHECK_EQ(s->data_writes, prev.data_writes + 2);

    run_to_hlt(vm); /* cp 11: r_fn with the loader's byte */
    CHECK_EQ(vm->cpu.gpr[R_EAX], 0x11112277);

    run_to_hlt(vm); /* cp 12: the crosser scanned and run again */
    CHECK_EQ(vm->cpu.gpr[R_EAX], 0x44552211);
    /* A device write across the page boundary, over the crosser's
     * immediate: a discard in the first page, nothing hit in the second,
     * so it is not a data write. */
    prev = *s;
    phys_write(&vm->mem, CODE_PA + 0xFFE, 0x44662211, 4);
    CHECK_EQ(s->maps_discarded, prev.maps_discarded + 1);
    CHECK_EQ(s->data_writes, prev.data_writes);
    run_to_hlt(vm); /* cp 13 */
    CHECK_EQ(vm->cpu.gpr[R_EAX], 0x44662211);
    /* The same from the CPU (which stores a page-crossing value a byte at
     * a time, so the bytes in the second page count as data writes). */
    prev = *s;
    run_to_hlt(vm); /* cp 14 */
    CHECK_EQ(s->maps_discarded, prev.maps_discarded + 1);
    shutdown_guest(&g);
}

static void test_codedata(void)
{
    struct guest g = boot(g_codedata, g_codedata_end, 0);
    struct vm *vm = g.vm;
    run_to_hlt(vm);
    const struct sbe_stats *s = sbe_stats(vm->sbe);
    const struct code_cache_stats *cs = cache_stats(engine_cache(vm->engine));
    /* Five stores to the code page per iteration, all data. */
    CHECK_EQ(s->data_writes, 5 * 10000);
    CHECK_EQ(s->maps_discarded, 0);
    CHECK_EQ(s->pages_scanned, 1);
    CHECK(cs->blocks_built < 10);
    CHECK(cs->misses < 10);
    CHECK_EQ(cs->flushes, 0);
    CHECK_EQ(guest_u32(vm, GPA(g_codedata, g_cd_count)), 10000);
    CHECK_EQ(guest_u32(vm, GPA(g_codedata, g_cd_sum)), 10000 * 9999 / 2);
    shutdown_guest(&g);
}

static void test_smc(void)
{
    struct guest g = boot(g_smc, g_smc_end, 0);
    struct vm *vm = g.vm;
    vm->cpu.gpr[R_ECX] = 1000;
    run_to_hlt(vm);
    const struct sbe_stats *s = sbe_stats(vm->sbe);
    const struct code_cache_stats *cs = cache_stats(engine_cache(vm->engine));
    CHECK_EQ(vm->cpu.gpr[R_EBX], 1000 * 1001 / 2);
    /* Every patch hits the scanned ADD: one discard each, then the page is
     * scanned and its blocks built again. */
    CHECK_EQ(s->maps_discarded, 1000);
    CHECK_EQ(s->data_writes, 0);
    CHECK(s->pages_scanned >= 1000);
    CHECK(cs->blocks_built >= 1000);
    CHECK(cs->misses >= 1000);
    shutdown_guest(&g);
}

static void test_chain(void)
{
    struct guest g = boot(g_chain, g_chain_end, 0);
    struct vm *vm = g.vm;
    vm->cpu.gpr[R_ECX] = 100000;
    run_to_hlt(vm);
    const struct code_cache_stats *cs = cache_stats(engine_cache(vm->engine));
    CHECK_EQ(vm->cpu.gpr[R_EAX], (uint32_t)(100000ull * 100001 / 2));
    /* The loop block chains to itself: 100000 runs, a handful of lookups
     * (and one more each time the run loop starts a new time slice). */
    CHECK(cs->chained >= 1);
    CHECK(cs->hits + cs->misses < 10 + vm->cpu.icount / 65536);
    shutdown_guest(&g);
}

/* engine_invalidate: code changed behind the write rule's back (through
 * a host pointer, as a snapshot restore or a test harness does) keeps
 * running from the cache until the engine is told; then the new bytes
 * run. */
static void test_invalidate(void)
{
    struct guest g = boot(g_chain, g_chain_end, 0);
    struct vm *vm = g.vm;
    uint32_t add_pa = GPA(g_chain, g_chain + 2); /* addl %ecx, %eax: 01 c8 */
    uint8_t *p = physmem_ptr(&vm->mem, add_pa, true);
    CHECK(p != NULL && p[0] == 0x01 && p[1] == 0xC8);
    vm->cpu.gpr[R_ECX] = 100;
    run_to_hlt(vm);
    CHECK_EQ(vm->cpu.gpr[R_EAX], 5050);
    p[0] = 0x29; /* subl %ecx, %eax: unseen by the write rule */
    vm->cpu.eip = CODE_PA;
    vm->cpu.gpr[R_ECX] = 100;
    run_to_hlt(vm);
    CHECK_EQ(vm->cpu.gpr[R_EAX], 5050); /* the stale block: the premise */
    engine_invalidate(vm->engine, add_pa, 1);
    vm->cpu.eip = CODE_PA;
    vm->cpu.gpr[R_ECX] = 100;
    run_to_hlt(vm);
    CHECK_EQ(vm->cpu.gpr[R_EAX], (uint32_t)-5050);
    shutdown_guest(&g);
}

static void test_ud(void)
{
    struct guest g = boot(g_ud, g_ud_end, 0);
    struct vm *vm = g.vm;
    const struct sbe_stats *s = sbe_stats(vm->sbe);
    run_to_hlt(vm); /* cp 1: the JZ's target scanned, not run */
    unsigned off = (unsigned)(g_ud_insn - g_ud);
    struct sbe_map *m = sbe_map_find(vm->sbe, CODE_PA >> 12, true);
    CHECK(m != NULL);
    /* Undecodable: virtualized, and claiming the 15 bytes the decoder saw. */
    CHECK_EQ(m ? m->attr[off] : 0, ATTR_SCANNED | ATTR_VIRT | 15);
    uint64_t discarded = s->maps_discarded;
    run_to_hlt(vm); /* cp 2: patched into LOCK INC (%eax) and run */
    CHECK(s->maps_discarded >= discarded + 1); /* the first patch: byte 1 */
    CHECK_EQ(guest_u32(vm, GPA(g_ud, g_ud_end) - 4), 1);
    shutdown_guest(&g);
}

/* A guest rewriting its own code forever stays within the bounds: one map
 * (reused from the free list), the cache's arena (flushed when full). */
static void test_forever(size_t cache_bytes, uint32_t iters)
{
    struct guest g = boot(g_smc, g_smc_end, 0);
    struct vm *vm = g.vm;
    if (cache_bytes) {
        CHECK_EQ(engine_set_cache_bytes(vm->engine, cache_bytes), 0);
    }
    vm->cpu.gpr[R_ECX] = iters;
    run_to_hlt(vm);
    const struct sbe_stats *s = sbe_stats(vm->sbe);
    const struct code_cache_stats *cs = cache_stats(engine_cache(vm->engine));
    CHECK_EQ(vm->cpu.gpr[R_EBX], (uint32_t)((uint64_t)iters * (iters + 1) / 2));
    CHECK_EQ(s->maps_discarded, iters);
    CHECK(sbe_map_count(vm->sbe) <= 2);
    CHECK_EQ(s->evictions, 0);
    CHECK(cache_bytes_used(engine_cache(vm->engine)) <= cache_bytes_max(engine_cache(vm->engine)));
    /* Dead blocks stay in the arena until it fills, then it is flushed. */
    CHECK(cs->flushes >= 1);
    /* Scan work per rewrite stays small (the path from the patch point). */
    CHECK(s->insns_scanned <= 16ull * iters);
    fprintf(stderr, "forever (%zu-byte cache, %u rewrites): maps %u, flushes %" PRIu64
            ", blocks built %" PRIu64 ", insns scanned %" PRIu64 "\n",
            cache_bytes_max(engine_cache(vm->engine)), iters, sbe_map_count(vm->sbe), cs->flushes,
            cs->blocks_built, s->insns_scanned);
    shutdown_guest(&g);
}

/* A flush while building a chained block's successor (blocks R -> P -> Q,
 * Q of the largest size): for cache sizes from below the smallest allowed
 * (one largest block: cache_create raises it) to a little more than R, P
 * and Q together, the loop must run right while the cache flushes once or
 * twice per iteration, and the block run before a flush (whose memory the
 * new block reuses) must not be chained from. */
static void test_flush_while_chaining(void)
{
    unsigned bad = 0, flushed = 0;
    struct guest g = boot(g_flushchain, g_flushchain_end, 0);
    struct vm *vm = g.vm;
    for (size_t bytes = 1024; bytes <= 4096; bytes += 16) {
        CHECK_EQ(engine_set_cache_bytes(vm->engine, bytes), 0);
        vm->cpu.eip = CODE_PA; /* from the start again, with this cache */
        vm->cpu.gpr[R_ESI] = 50;
        run_to_hlt(vm);
        if (vm->cpu.gpr[R_EBX] != 62 * 50)
            bad++;
        if (cache_stats(engine_cache(vm->engine))->flushes >= 50)
            flushed++;
    }
    shutdown_guest(&g);
    CHECK_EQ(bad, 0);
    CHECK(flushed > 0); /* the sizes did make the cache flush in the loop */
}

#endif /* HAVE_GUESTS */

/* --- measuring (docs/sbe.md) ---------------------------------------------- */

static int measure(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s measure DEPTH KERNEL [APPEND]\n", argv[0]);
        return 2;
    }
    unsigned depth = (unsigned)strtoul(argv[2], NULL, 0);
    struct pc_config cfg = {
        .ram_mb = 64, .cpu_level = CPU_486, .sbe_depth = depth,
        .sbe_depth_zero = depth == 0, .kernel_path = argv[3],
        .append = argc > 4 ? argv[4] : NULL, .has_serial = true,
    };
    char err[256];
    struct pc *pc = pc_create(&cfg, err, sizeof(err));
    if (!pc) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    struct timespec t0, t1, c0, c1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    enum vm_exit_reason r = vm_run(pc->vm, 20000000000ull);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    const struct sbe_stats *s = sbe_stats(pc->vm->sbe);
    const struct code_cache_stats *cs = cache_stats(engine_cache(pc->vm->engine));
    printf("depth %u exit %s/0x%x insns %" PRIu64 " sec %.6f cpu %.6f pages %" PRIu64
           " insns_scanned %" PRIu64 " discards %" PRIu64 " data_writes %" PRIu64
           " evictions %" PRIu64 " hits %" PRIu64 " misses %" PRIu64 " built %" PRIu64 " chained %" PRIu64 "\n",
           depth, vm_exit_reason_name(r), (unsigned)pc->vm->exit_code,
           pc->vm->cpu.icount, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
           (double)(c1.tv_sec - c0.tv_sec) + (c1.tv_nsec - c0.tv_nsec) / 1e9,
           s->pages_scanned, s->insns_scanned, s->maps_discarded, s->data_writes,
           s->evictions, cs->hits, cs->misses, cs->blocks_built, cs->chained);
    pc_destroy(pc);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "measure"))
        return measure(argc, argv);
#ifndef HAVE_GUESTS
    fprintf(stderr, "test_sbe_engine: skipped (the guests need an x86 host assembler)\n");
    return 0;
#else
    test_rule();
    test_codedata();
    test_smc();
    test_chain();
    test_invalidate();
    test_ud();
    test_forever(0, 200000);        /* the default 32 MiB cache */
    test_forever(64 << 10, 20000);  /* a 64 KiB one: many flushes */
    test_flush_while_chaining();
    return check_report();
#endif
}
