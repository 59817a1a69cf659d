/* Locked read-modify-writes (src/cpu/ops_locked.c): atomic on the host,
 * and otherwise what the table handlers do.
 *
 *   1. Differential, one thread: every LOCK form (and XCHG with memory)
 *      from random states runs once through h_locked and once through its
 *      table handler: registers, EFLAGS (undefined flags included), the
 *      fault raised (vector, error code, CR2) and guest memory must agree.
 *      Operands aligned and not, crossing pages, and with paging on: a
 *      read-only page (CR0.WP) and a page not present, next to RAM, so
 *      that the faults are exact and nothing is written before them.  The
 *      VM's exclusive hooks are counted: called in pairs, also around a
 *      fault, and never for an operand the host updates atomically.
 *   2. Several host threads, one CPU each (the VM's -smp CPUs) on the same
 *      guest RAM, run a loop of LOCK ADD/XADD/CMPXCHG/INC on one counter,
 *      16-bit, 8-bit and CMPXCHG8B counters, an XCHG spin lock around a
 *      plain ADD, per-CPU bits with LOCK BTS/BTR (CF must show the bit as
 *      that CPU left it), LOCK XOR/OR/AND/NOT/NEG/ADC/SBB, and a LOCK ADD
 *      on a counter that crosses a page (the exclusive path, through
 *      hooks built on a rwlock here): every total must be exact.  Without
 *      host atomics the updates of one CPU overwrite another's and the
 *      totals come out short.  Meant for ThreadSanitizer too (label tsan).
 *
 * Usage: test_locked [iterations-per-CPU [random-cases-per-form [seed]]]. */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "cpu/exec.h"
#include "cpu/mmu.h"
#include "cpu/ops.h"
#include "cpu/step.h"
#include "machine/vm.h"

#define NCPUS 4
#define CODE 0x1000u
#define REGION 0x2000u       /* what the differential snapshots and compares */
#define REGION_END 0x7000u
#define RO_PAGE 0x5000u      /* read-only with paging on */
#define NP_PAGE 0x6000u      /* not present with paging on */
#define PD 0x10000u
#define PT 0x11000u

static struct vm *vm;
static uint8_t *ram;

static uint64_t rng = 1;

static uint32_t rnd(void)
{
    uint64_t z = (rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (uint32_t)(z ^ (z >> 31));
}

static uint32_t rd32(uint32_t pa)
{
    uint32_t v;
    memcpy(&v, ram + pa, 4);
    return v;
}

static void wr32(uint32_t pa, uint32_t v)
{
    memcpy(ram + pa, &v, 4);
}

/* 32-bit protected mode, flat 4 GiB segments, CPL 0; paging as asked,
 * with the first 4 MiB identity-mapped but RO_PAGE read-only and NP_PAGE
 * not present. */
static void setup_flat(struct cpu *c, bool paging)
{
    cpu_reset(c);
    c->cr0 |= CR0_PE;
    for (int s = 0; s < S_COUNT; s++)
        c->seg[s] = (struct seg){ .base = 0, .limit = 0xFFFFFFFFu, .sel = 0x10, .attr = 0xC093 };
    c->seg[S_CS] = (struct seg){ .base = 0, .limit = 0xFFFFFFFFu, .sel = 0x08, .attr = 0xC09B };
    if (paging) {
        wr32(PD, PT | PTE_P | PTE_RW);
        for (uint32_t p = 0; p < 1024; p++)
            wr32(PT + 4 * p, (p << 12) | PTE_P | PTE_RW | PTE_A | PTE_D);
        wr32(PT + 4 * (RO_PAGE >> 12), RO_PAGE | PTE_P | PTE_A | PTE_D);
        wr32(PT + 4 * (NP_PAGE >> 12), 0);
        c->cr3 = PD;
        c->cr0 |= CR0_PG | CR0_WP;
    }
    cpu_mode_changed(c);
    mmu_flush(c, true);
}

/* --- the exclusive hooks, counted ------------------------------------- */

static unsigned long excl_begins, excl_ends;
static int excl_depth;

static void count_begin(void *opaque)
{
    CHECK_EQ(excl_depth, 0);
    excl_depth++;
    excl_begins++;
}

static void count_end(void *opaque)
{
    CHECK_EQ(excl_depth, 1);
    excl_depth--;
    excl_ends++;
}

/* --- 1. differential ---------------------------------------------------- */

/* Encodings with the memory operand at [ebx] or [ebx+disp]; "b:" marks
 * the BT* forms whose register (EAX) is a bit offset into a bit string. */
static const char *const forms[] = {
    /* ALU [ebx], reg / imm; 8, 16, 32 bits */
    "f00103", "f01103", "f01903", "f02903", "f02103", "f00903",
    "f03103", "f00023", "f01023", "66f02903", "66f01103",
    "f0830305", "f08333ff", "f0801b80", "f0800b7f", "f0802301",
    "66f0812b3412", "f0811378563412", "f0834310fe",
    /* INC DEC NEG NOT */
    "f0ff03", "f0ff0b", "f0f71b", "f0f713", "f0fe03", "66f0ff0b",
    "f0f61b", "66f0f71b", "f0f613",
    /* BTS BTR BTC: immediate, and register bit offsets into a bit string */
    "f00fba2b05", "f00fba331f", "f00fba3b00", "66f00fba2b0f",
    "b:f00fab03", "b:f00fb303", "b:f00fbb03", "b:66f00fab03",
    /* XADD, CMPXCHG, CMPXCHG8B */
    "f00fc103", "f00fc003", "66f00fc10b", "f00fb10b", "f00fb00b",
    "66f00fb10b", "f00fc70b",
    /* XCHG with memory: locked with or without the prefix */
    "8703", "8623", "6687 0b", "f08703", "870b",
};

static unsigned hex_bytes(const char *s, uint8_t *out)
{
    unsigned n = 0;
    while (*s) {
        if (*s == ' ') {
            s++;
            continue;
        }
        unsigned v;
        sscanf(s, "%2x", &v);
        out[n++] = (uint8_t)v;
        s += 2;
    }
    return n;
}

struct outcome {
    uint32_t gpr[8], eflags, err, cr2;
    int fault;
    uint8_t mem[REGION_END - REGION];
};

static __attribute__((noinline)) void run_handler(struct cpu *c, op_handler h,
                                                  const struct insn *in, struct outcome *out)
{
    out->fault = -1;
    if (setjmp(c->fault_jmp)) {
        out->fault = c->exc_vector;
        return;
    }
    h(c, in);
}

/* Runs h from the state (regs, eflags, the region's bytes `mem`). */
static void run(struct cpu *c, bool paging, op_handler h, const struct insn *in,
                const uint32_t regs[8], uint32_t eflags, const uint8_t *mem, struct outcome *out)
{
    setup_flat(c, paging);
    memcpy(ram + REGION, mem, REGION_END - REGION);
    memcpy(c->gpr, regs, sizeof(c->gpr));
    c->eflags = eflags;
    c->insn_eip = CODE;
    c->eip = CODE + in->len;
    c->cr2 = 0;
    c->exc_error = 0;
    run_handler(c, h, in, out);
    memcpy(out->gpr, c->gpr, sizeof(out->gpr));
    out->eflags = c->eflags;
    out->err = out->fault >= 0 ? c->exc_error : 0;
    out->cr2 = c->cr2;
    memcpy(out->mem, ram + REGION, sizeof(out->mem));
}

/* The operand's address: anywhere in [REGION + 0x1000, REGION_END), aligned
 * or not, often at the edges of the pages where an operand crosses. */
static uint32_t pick_address(void)
{
    static const uint32_t edges[] = { 0x3FF8, 0x3FFC, 0x3FFD, 0x3FFE, 0x3FFF, 0x4FFC,
                                      0x4FFE, 0x4FFF, 0x5FF9, 0x5FFE, 0x5004, 0x6010 };
    switch (rnd() % 4) {
    case 0: return edges[rnd() % (sizeof(edges) / sizeof(edges[0]))];
    case 1: return 0x3000 + (rnd() % 0x3FF0);
    default: return (0x3000 + (rnd() % 0x3FF0)) & ~7u;
    }
}

static unsigned long compared, faulted, exclusive_runs;

static void differential(unsigned cases)
{
    struct cpu *c = vm->cpus[0];
    static struct outcome a, b;
    static uint8_t mem[REGION_END - REGION];
    for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
        uint8_t bytes[16];
        bool small_eax = !strncmp(forms[f], "b:", 2);
        unsigned n = hex_bytes(forms[f] + (small_eax ? 2 : 0), bytes);
        struct insn in;
        CHECK_EQ(decode_insn(c->decoder, 1, bytes, n, &in), DECODE_OK);
        CHECK(in.fn == h_locked);
        if (in.fn != h_locked)
            continue;
        op_handler table = op_table[in.op].handler;
        for (unsigned k = 0; k < cases; k++) {
            bool paging = rnd() & 1;
            for (size_t j = 0; j < sizeof(mem); j++)
                mem[j] = (uint8_t)rnd();
            uint32_t regs[8];
            for (int r = 0; r < 8; r++)
                regs[r] = rnd() % 3 == 0 ? rnd() & 0xFF : rnd();
            uint32_t addr = pick_address();
            regs[R_EBX] = addr - (in.disp ? (uint32_t)in.disp : 0);
            if (rnd() & 1) { /* CMPXCHG*: the accumulator matches */
                uint32_t at = addr - REGION;
                if (at + 8 <= sizeof(mem)) {
                    memcpy(&regs[R_EAX], mem + at, 4);
                    memcpy(&regs[R_EDX], mem + at + 4, 4);
                }
            }
            if (small_eax) /* within 8 bytes either side */
                regs[R_EAX] = (uint32_t)((int32_t)(rnd() % 129) - 64);
            uint32_t eflags = (rnd() & (F_ARITH | F_DF)) | F_1;

            run(c, paging, table, &in, regs, eflags, mem, &a);
            unsigned long begins = excl_begins;
            c->exclusive_begin = count_begin;
            c->exclusive_end = count_end;
            run(c, paging, in.fn, &in, regs, eflags, mem, &b);
            c->exclusive_begin = c->exclusive_end = NULL;
            CHECK_EQ(excl_begins, excl_ends);
            CHECK_EQ(excl_depth, 0);
            unsigned size = in.op == OP_CMPXCHG8B ? 8 : in.o[in.o[0].kind == OPK_MEM ? 0 : 1].size;
            if (excl_begins != begins)
                exclusive_runs++;
            compared++;
            if (a.fault >= 0)
                faulted++;

            bool same = !memcmp(a.gpr, b.gpr, sizeof(a.gpr)) && a.eflags == b.eflags &&
                        a.fault == b.fault && a.err == b.err && a.cr2 == b.cr2 &&
                        !memcmp(a.mem, b.mem, sizeof(a.mem));
            CHECK(same);
            if (!same) {
                fprintf(stderr, "  %s at %#x (paging %d, size %u): fault %d/%d err %#x/%#x "
                        "eflags %#x/%#x eax %#x/%#x\n", forms[f], addr, paging, size,
                        a.fault, b.fault, a.err, b.err, a.eflags, b.eflags, a.gpr[R_EAX],
                        b.gpr[R_EAX]);
                break;
            }
        }
    }
}

/* The exclusive path is taken exactly when the host cannot do it: an
 * aligned operand in RAM calls no hook; one crossing a page calls them in
 * a pair, also when it faults. */
static void hooks(void)
{
    struct cpu *c = vm->cpus[0];
    static const uint8_t add[] = { 0xF0, 0x01, 0x03 }; /* lock add [ebx], eax */
    struct insn in;
    CHECK_EQ(decode_insn(c->decoder, 1, add, sizeof(add), &in), DECODE_OK);
    static uint8_t mem[REGION_END - REGION];
    static struct outcome o;
    uint32_t regs[8] = { 0 };
    regs[R_EAX] = 0x01010101;
    for (size_t j = 0; j < sizeof(mem); j++)
        mem[j] = (uint8_t)j;
    struct { uint32_t addr; bool paging; int fault; unsigned long pairs; } cases[] = {
        { 0x3004, false, -1, 0 },      /* aligned RAM: the host's atomic */
        { 0x3FFE, false, -1, 1 },      /* crossing into RAM */
        { 0x3001, false, -1, 1 },      /* misaligned within the page */
        { 0x4FFE, true, EXC_PF, 1 },   /* crossing into the read-only page */
        { 0x5004, true, EXC_PF, 0 },   /* the read-only page: faults first */
        { 0x5FFE, true, EXC_PF, 1 },   /* crossing into the page not present */
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        regs[R_EBX] = cases[k].addr;
        unsigned long before = excl_begins;
        c->exclusive_begin = count_begin;
        c->exclusive_end = count_end;
        run(c, cases[k].paging, in.fn, &in, regs, F_1, mem, &o);
        c->exclusive_begin = c->exclusive_end = NULL;
        CHECK_EQ(o.fault, cases[k].fault);
        CHECK_EQ(excl_begins - before, cases[k].pairs);
        CHECK_EQ(excl_begins, excl_ends);
        uint32_t at = cases[k].addr - REGION;
        uint32_t v;
        memcpy(&v, o.mem + at, 4);
        uint32_t old;
        memcpy(&old, mem + at, 4);
        CHECK_EQ(v, cases[k].fault < 0 ? old + 0x01010101 : old);
    }
}

/* --- 2. several host threads -------------------------------------------- */

/* The loop each CPU runs (ebp: iterations, esi: its index, edi: its slot:
 * an error count, then 1 << index), as assembled by `as --32`:
 *       movl %ebp, %ecx; shll $3, %ecx
 *    0: lock incl 0x2040; decl %ecx; jnz 0b ; 8 per iteration, back to back
 * loop: lock addl $1, 0x2000              ; counter: +7 per iteration
 *       movl $2, %eax; lock xaddl %eax, 0x2000
 *    1: movl 0x2000, %eax; leal 3(%eax), %edx
 *       lock cmpxchgl %edx, 0x2000; jnz 1b
 *       lock incl 0x2000
 *       lock incw 0x2010                  ; +3 per iteration
 *       movw $2, %ax; lock xaddw %ax, 0x2010
 *       lock addb $1, 0x2014              ; +1
 *    2: movl 0x2018, %eax; movl 0x201C, %edx
 *       leal 1(%eax), %ebx; leal 1(%edx), %ecx
 *       lock cmpxchg8b 0x2018; jnz 2b     ; +0x100000001
 *    3: movl $1, %eax; xchgl %eax, 0x2020 ; spin lock
 *       testl %eax, %eax; jz 4f; pause; jmp 3b
 *    4: addl $1, 0x2024                   ; plain, under the lock
 *       movl $0, 0x2020                   ; released by a plain store
 *       lock btsl %esi, 0x2028; jnc 5f; incl (%edi)
 *    5: lock btrl %esi, 0x2028; jc 6f; incl (%edi)
 *    6: movl 4(%edi), %edx
 *       lock xorl %edx, 0x202C            ; 0 after an even count
 *       lock orl %edx, 0x2030; notl %edx; lock andl %edx, 0x2030
 *       lock notl 0x2034; lock negl 0x2038
 *       stc; lock adcl $0, 0x203C         ; +1
 *       clc; lock sbbl $-2, 0x203C        ; +2
 *       lock addl $1, 0x2FFE              ; crosses a page: exclusive
 *       decl %ebp; jnz loop
 *       hlt */
static const char loop_code[] =
    "89e9c1e103f0ff05402000004975f6f083050020000001b802000000f00fc10500200000"
    "a1002000008d5003f00fb1150020000075eef0ff050020000066f0ff051020000066b802"
    "0066f00fc10510200000f080051420000001a1182000008b151c2000008d58018d4a01f0"
    "0fc70d1820000075e5b80100000087052020000085c07404f390ebed83052420000001c7"
    "052020000000000000f00fab35282000007302ff07f00fb335282000007202ff078b5704"
    "f031152c200000f0091530200000f7d2f0211530200000f0f71534200000f0f71d382000"
    "00f9f083153c20000000f8f0831d3c200000fef08305fe2f0000014d0f8515fffffff4";

/* Exclusive sections on a rwlock: a CPU holds it for reading while it runs
 * instructions (released every few), and for writing between
 * exclusive_begin and exclusive_end. */
static pthread_rwlock_t excl;
static unsigned long excl_taken; /* under the write lock */

static void mt_begin(void *opaque)
{
    pthread_rwlock_unlock(&excl);
    pthread_rwlock_wrlock(&excl);
    excl_taken++;
}

static void mt_end(void *opaque)
{
    pthread_rwlock_unlock(&excl);
    pthread_rwlock_rdlock(&excl);
}

struct worker {
    struct cpu *c;
    pthread_t thread;
    int fault;          /* the exception that stopped it, -1: none, or: */
    struct timespec deadline;
};
#define TIMED_OUT 256   /* worker.fault: still running at the deadline (a
                           spin lock whose XCHG lost an update stays taken) */

static bool past(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > t->tv_sec || (now.tv_sec == t->tv_sec && now.tv_nsec > t->tv_nsec);
}

static int step(struct cpu *c)
{
    if (setjmp(c->fault_jmp))
        return c->exc_vector;
    bool single_step = cpu_step_begin(c);
    cpu_step_finish(c, single_step);
    return -1;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    pthread_rwlock_rdlock(&excl);
    for (unsigned n = 1; !w->c->halted && w->fault < 0; n++) {
        w->fault = step(w->c);
        if (n % 64 == 0) {
            pthread_rwlock_unlock(&excl);
            if (n % 65536 == 0 && past(&w->deadline)) {
                w->fault = TIMED_OUT;
                return NULL;
            }
            pthread_rwlock_rdlock(&excl);
        }
    }
    pthread_rwlock_unlock(&excl);
    return NULL;
}

static void threads(uint32_t iters)
{
    uint8_t code[256];
    unsigned len = hex_bytes(loop_code, code);
    memset(ram + REGION, 0, REGION_END - REGION);
    memcpy(ram + CODE, code, len);
    wr32(0x2038, 5); /* NEGW */
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&excl, &attr);
    pthread_rwlockattr_destroy(&attr);

    struct worker w[NCPUS];
    for (unsigned k = 0; k < NCPUS; k++) {
        struct cpu *c = vm->cpus[k];
        setup_flat(c, false);
        c->eip = CODE;
        c->gpr[R_EBP] = iters;
        c->gpr[R_ESI] = k;
        c->gpr[R_EDI] = 0x2100 + 8 * k;
        wr32(0x2104 + 8 * k, 1u << k);
        c->exclusive_begin = mt_begin;
        c->exclusive_end = mt_end;
        c->exclusive_opaque = &w[k];
        c->pins.pause = NULL; /* the VM's (vm.c) is for its one-thread loop */
        w[k] = (struct worker){ .c = c, .fault = -1 };
        clock_gettime(CLOCK_MONOTONIC, &w[k].deadline);
        w[k].deadline.tv_sec += 60;
    }
    for (unsigned k = 0; k < NCPUS; k++)
        CHECK_EQ(pthread_create(&w[k].thread, NULL, worker_main, &w[k]), 0);
    for (unsigned k = 0; k < NCPUS; k++) {
        pthread_join(w[k].thread, NULL);
        CHECK_EQ(w[k].fault, -1);
        CHECK(w[k].c->halted);
        CHECK_EQ(rd32(0x2100 + 8 * k), 0); /* BTS/BTR saw the bit wrong */
        w[k].c->exclusive_begin = w[k].c->exclusive_end = NULL;
    }
    pthread_rwlock_destroy(&excl);

    uint64_t total = (uint64_t)NCPUS * iters;
    CHECK_EQ(rd32(0x2040), 8 * total);                       /* INC back to back */
    CHECK_EQ(rd32(0x2000), 7 * total);                       /* ADD XADD CMPXCHG INC */
    CHECK_EQ(rd32(0x2010) & 0xFFFF, (3 * total) & 0xFFFF);   /* 16-bit INC XADD */
    CHECK_EQ(ram[0x2014], total & 0xFF);                     /* 8-bit ADD */
    CHECK_EQ(rd32(0x2018), total);                           /* CMPXCHG8B */
    CHECK_EQ(rd32(0x201C), total);
    CHECK_EQ(rd32(0x2020), 0);                               /* the lock is free */
    CHECK_EQ(rd32(0x2024), total);                           /* under XCHG's lock */
    CHECK_EQ(rd32(0x2028), 0);                               /* BTS then BTR */
    CHECK_EQ(rd32(0x202C), iters % 2 ? (1u << NCPUS) - 1 : 0); /* XOR */
    CHECK_EQ(rd32(0x2030), 0);                               /* OR then AND */
    CHECK_EQ(rd32(0x2034), total % 2 ? 0xFFFFFFFFu : 0);     /* NOT */
    CHECK_EQ(rd32(0x2038), total % 2 ? (uint32_t)-5 : 5);    /* NEG */
    CHECK_EQ(rd32(0x203C), 3 * total);                       /* ADC SBB */
    uint32_t cross;
    memcpy(&cross, ram + 0x2FFE, 4);
    CHECK_EQ(cross, total);                                  /* exclusive */
    CHECK_EQ(excl_taken, total);
    printf("test_locked: %u CPUs x %u iterations: counters %u and %u, cross-page %u, "
           "%lu exclusive sections\n", NCPUS, iters, rd32(0x2040), rd32(0x2000), cross,
           excl_taken);
}

int main(int argc, char **argv)
{
#ifdef __SANITIZE_THREAD__
    /* ThreadSanitizer runs it some 30 times slower: fewer of each. */
    uint32_t iters = 1000;
    unsigned cases = 30;
#else
    uint32_t iters = 4000;
    unsigned cases = 300;
#endif
    if (argc > 1)
        iters = (uint32_t)strtoul(argv[1], NULL, 0);
    if (argc > 2)
        cases = (unsigned)strtoul(argv[2], NULL, 0);
    rng = argc > 3 ? strtoull(argv[3], NULL, 0) : 1;
    char err[256];
    vm = vm_create(&(struct vm_config){ .ram_mb = 8, .cpu_level = CPU_P6, .cpus = NCPUS }, err,
                   sizeof(err));
    if (!vm) {
        fprintf(stderr, "vm_create: %s\n", err);
        return 1;
    }
    CHECK_EQ(vm->ncpus, NCPUS);
    ram = vm->mem.ram;

    differential(cases);
    printf("test_locked: %lu differential runs, %lu faulted, %lu took the exclusive path\n",
           compared, faulted, exclusive_runs);
    CHECK(faulted > 0 && exclusive_runs > 0 && exclusive_runs < compared);
    hooks();
    threads(iters);
    vm_destroy(vm);
    return check_report();
}
