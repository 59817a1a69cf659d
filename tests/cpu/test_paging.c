/* 32-bit paging and the software TLB (src/cpu/mmu.c), driven directly
 * through mmu_translate / lin_read / lin_write / mmu_fetch on page tables
 * built in guest RAM: 4 KiB and 4 MiB pages, not-present faults at each
 * level, every U/S x R/W x WP x CPL x read/write combination, accessed and
 * dirty flags, reserved bits, page-crossing accesses that fault on the
 * second page, global pages, INVLPG, stale translations until a flush,
 * MMIO/ROM/unmapped pages through the TLB, one guest run end to end.
 * Prints (does not assert) ns per lin_read on a TLB hit and on a miss. */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "cpu/exec.h"
#include "cpu/mmu.h"
#include "cpu/msr.h"
#include "machine/vm.h"
#include "engine/engine.h"

static struct vm *vm;
static struct cpu *c;

/* Physical layout of the tests' page tables. */
#define PD_PA 0x00010000u
#define PT_POOL 0x00011000u
#define PT_POOL_END 0x00040000u
static uint32_t pt_next;

static uint32_t rd32(uint32_t pa) { return phys_read(&vm->mem, pa, 4); }
static void wr32(uint32_t pa, uint32_t v) { phys_write(&vm->mem, pa, v, 4); }
static uint8_t rd8(uint32_t pa) { return (uint8_t)phys_read(&vm->mem, pa, 1); }
static void wr8(uint32_t pa, uint8_t v) { phys_write(&vm->mem, pa, v, 1); }

static uint32_t pde_pa(uint32_t la) { return PD_PA + (la >> 22) * 4; }

static uint32_t pte_pa(uint32_t la)
{
    return (rd32(pde_pa(la)) & 0xFFFFF000u) + ((la >> 12) & 0x3FF) * 4;
}

/* Empty page directory, paging on with CR3 = PD_PA, CPL 0, flushed TLB. */
static void fresh(uint32_t cr4)
{
    cpu_reset(c);
    memset(vm->mem.ram + PD_PA, 0, PT_POOL_END - PD_PA);
    pt_next = PT_POOL;
    c->cr0 |= CR0_PE | CR0_PG;
    c->cr3 = PD_PA;
    c->cr4 = cr4;
    c->cpl = 0;
    c->sys_access = false;
    mmu_flush(c, true);
}

/* Maps the 4 KiB page at la to pa: PDE flags (a page table is allocated
 * the first time) and PTE flags as given. */
static void map4k(uint32_t la, uint32_t pa, uint32_t pde_flags, uint32_t pte_flags)
{
    uint32_t pde = rd32(pde_pa(la));
    uint32_t pt = pde & 0xFFFFF000u;
    if (!pt) {
        pt = pt_next;
        pt_next += 0x1000;
        if (pt_next > PT_POOL_END)
            abort();
    }
    wr32(pde_pa(la), pt | pde_flags);
    wr32(pt + ((la >> 12) & 0x3FF) * 4, (pa & 0xFFFFF000u) | pte_flags);
}

static void map4m(uint32_t la, uint32_t pa, uint32_t pde_flags)
{
    wr32(pde_pa(la), (pa & 0xFFC00000u) | pde_flags | PTE_PS);
}

/* Fault harness: cpu_fault longjmps to c->fault_jmp.  The setjmp lives in
 * attempt() so that the tests' loop variables are not live across it. */
enum try_kind { T_READ, T_WRITE, T_EXEC, T_FETCH, T_PROBE_R, T_PROBE_W };
static int faulted;
static uint32_t got;

static __attribute__((noinline)) void attempt(enum try_kind kind, uint32_t la,
                                              uint32_t v, unsigned size)
{
    faulted = 0;
    c->exc_vector = -1;
    c->exc_error = 0xDEAD;
    c->cr2 = 0xDEADBEEFu;
    if (setjmp(c->fault_jmp) != 0) {
        faulted = 1;
        return;
    }
    uint8_t buf[16];
    switch (kind) {
    case T_READ: got = lin_read(c, la, size); break;
    case T_WRITE: lin_write(c, la, v, size); break;
    case T_EXEC: got = mmu_translate(c, la, MMU_EXEC); break;
    case T_FETCH: mmu_fetch(c, la, buf, size); got = buf[0]; break;
    case T_PROBE_R: mmu_probe(c, la, size, MMU_READ); break;
    case T_PROBE_W: mmu_probe(c, la, size, MMU_WRITE); break;
    }
}

#define TRY_READ(la, size) attempt(T_READ, (la), 0, (size))
#define TRY_WRITE(la, v, size) attempt(T_WRITE, (la), (v), (size))

#define CHECK_PF(la_, err_)                                                    \
    do {                                                                       \
        CHECK(faulted);                                                        \
        CHECK_EQ(c->exc_vector, EXC_PF);                                       \
        CHECK_EQ(c->exc_error, (err_));                                        \
        CHECK_EQ(c->cr2, (la_));                                               \
    } while (0)

#define RW (PTE_P | PTE_RW)
#define URW (PTE_P | PTE_RW | PTE_US)
#define AD (PTE_A | PTE_D)

/* --- MMIO device for tests: a byte array that counts accesses ---------- */

struct mdev {
    uint8_t bytes[0x2000];
    unsigned reads, writes;
};

static uint32_t mdev_read(void *opaque, uint32_t off, unsigned size)
{
    struct mdev *d = opaque;
    d->reads++;
    uint32_t v = 0;
    memcpy(&v, d->bytes + off, size);
    return v;
}

static void mdev_write(void *opaque, uint32_t off, uint32_t v, unsigned size)
{
    struct mdev *d = opaque;
    d->writes++;
    memcpy(d->bytes + off, &v, size);
}

static const struct mmio_ops mdev_ops = { mdev_read, mdev_write };
static struct mdev mdev;
#define MMIO_PA 0xFEC00000u
#define ROM_PA 0xFFFF0000u

/* --- tests ------------------------------------------------------------- */

static void test_paging_off(void)
{
    cpu_reset(c);
    CHECK(c->tlb != NULL);
    /* Identity, through the TLB. */
    lin_write(c, 0x5000, 0x11223344, 4);
    CHECK_EQ(rd32(0x5000), 0x11223344);
    CHECK_EQ(lin_read(c, 0x5001, 2), 0x2233);
    CHECK_EQ(mmu_translate(c, 0x5123, MMU_WRITE), 0x5123);
    /* Crossing a page boundary with paging off. */
    lin_write(c, 0x5FFE, 0xAABBCCDD, 4);
    CHECK_EQ(rd32(0x5FFC) >> 16, 0xCCDD);
    CHECK_EQ(rd32(0x6000) & 0xFFFF, 0xAABB);
    CHECK_EQ(lin_read(c, 0x5FFF, 2), 0xBBCC);
    /* PG without PE is not paging. */
    c->cr0 |= CR0_PG;
    c->cr3 = PD_PA;
    memset(vm->mem.ram + PD_PA, 0, 0x1000);
    mmu_flush(c, true);
    CHECK_EQ(lin_read(c, 0x5000, 4), 0x11223344);
    c->cr0 &= ~CR0_PG;

    /* MMIO: every access reaches the device, none is cached. */
    mmu_flush(c, true);
    mdev.reads = mdev.writes = 0;
    mdev.bytes[0x10] = 0x42;
    CHECK_EQ(lin_read(c, MMIO_PA + 0x10, 1), 0x42);
    CHECK_EQ(lin_read(c, MMIO_PA + 0x10, 1), 0x42);
    CHECK_EQ(mdev.reads, 2);
    lin_write(c, MMIO_PA + 0x20, 0xCAFE, 2);
    lin_write(c, MMIO_PA + 0x20, 0xBEEF, 2);
    CHECK_EQ(mdev.writes, 2);
    CHECK_EQ(mdev.bytes[0x20] | (mdev.bytes[0x21] << 8), 0xBEEF);
    /* ROM: reads through the TLB, writes dropped. */
    CHECK_EQ(lin_read(c, ROM_PA + 4, 4), 0x07060504);
    lin_write(c, ROM_PA + 4, 0, 4);
    CHECK_EQ(lin_read(c, ROM_PA + 4, 4), 0x07060504);
    uint8_t code[4];
    mmu_fetch(c, ROM_PA + 5, code, 3);
    CHECK_EQ(code[0], 0x05);
    CHECK_EQ(code[2], 0x07);
    /* Unmapped: all ones, writes dropped. */
    CHECK_EQ(lin_read(c, 0xC0000000u, 4), 0xFFFFFFFFu);
    lin_write(c, 0xC0000000u, 0, 4);
    CHECK_EQ(lin_read(c, 0xC0000000u, 2), 0xFFFF);

    /* A20 off (after the flush its owner must do): 1 MiB wraps to 0. */
    wr8(0x100010, 0x77);
    wr8(0x000010, 0x66);
    CHECK_EQ(lin_read(c, 0x100010, 1), 0x77);
    physmem_set_a20(&vm->mem, false);
    mmu_flush(c, true);
    CHECK_EQ(lin_read(c, 0x100010, 1), 0x66);
    lin_write(c, 0x100011, 0x55, 1);
    CHECK_EQ(rd8(0x000011), 0x55);
    physmem_set_a20(&vm->mem, true);
    mmu_flush(c, true);
    CHECK_EQ(lin_read(c, 0x100010, 1), 0x77);
}

static void test_4k(void)
{
    fresh(0);
    const uint32_t la = 0x00400000u, pa = 0x00200000u;
    map4k(la, pa, URW, URW);
    wr32(pa + 0x10, 0x12345678);
    uint64_t walks = c->tlb->walks, misses = c->tlb->misses;
    CHECK_EQ(mmu_translate(c, la + 0x10, MMU_READ), pa + 0x10);
    CHECK_EQ(c->tlb->walks, walks + 1);
    CHECK_EQ(lin_read(c, la + 0x10, 4), 0x12345678);
    CHECK_EQ(lin_read(c, la + 0x12, 2), 0x1234);
    CHECK_EQ(c->tlb->walks, walks + 1);   /* hits */
    CHECK_EQ(c->tlb->misses, misses + 1);
    /* Read: A on both levels, no D. */
    CHECK_EQ(rd32(pde_pa(la)) & AD, PTE_A);
    CHECK_EQ(rd32(pte_pa(la)) & AD, PTE_A);
    /* A write through the entry a read filled still walks and sets D. */
    lin_write(c, la + 0x20, 0xA5, 1);
    CHECK_EQ(c->tlb->walks, walks + 2);
    CHECK_EQ(rd8(pa + 0x20), 0xA5);
    CHECK_EQ(rd32(pte_pa(la)) & AD, AD);
    CHECK_EQ(rd32(pde_pa(la)) & AD, PTE_A); /* D only in the leaf */
    lin_write(c, la + 0x24, 0x5A, 1);
    CHECK_EQ(c->tlb->walks, walks + 2);
    /* Execute access and fetch. */
    CHECK_EQ(mmu_translate(c, la + 0x30, MMU_EXEC), pa + 0x30);
    uint8_t code[4];
    mmu_fetch(c, la + 0x10, code, 4);
    CHECK_EQ(code[0], 0x78);
    CHECK_EQ(code[3], 0x12);

    /* Two linear pages on one physical page. */
    map4k(0x00401000u, pa, URW, URW);
    CHECK_EQ(lin_read(c, 0x00401010u, 4), 0x12345678);

    /* A write first: A and D together. */
    map4k(0x00402000u, 0x00203000u, URW, URW);
    lin_write(c, 0x00402004u, 0xDEADBEEFu, 4);
    CHECK_EQ(rd32(0x00203004u), 0xDEADBEEFu);
    CHECK_EQ(rd32(pte_pa(0x00402000u)) & AD, AD);

    /* Paging on with linear = physical nowhere: an unmapped la faults. */
    TRY_READ(0x00C00000u, 1);
    CHECK_PF(0x00C00000u, 0);
}

static void test_not_present(void)
{
    const uint32_t la = 0x00800000u;
    for (int level = 0; level < 2; level++) {
        for (int user = 0; user < 2; user++) {
            for (int write = 0; write < 2; write++) {
                fresh(0);
                if (level == 1)
                    map4k(la, 0x200000, URW, URW & ~PTE_P); /* PTE not present */
                else
                    wr32(pde_pa(la), PT_POOL | (URW & ~PTE_P)); /* PDE not present */
                c->cpl = user ? 3 : 0;
                uint32_t err = (write ? PFERR_W : 0) | (user ? PFERR_U : 0);
                if (write)
                    TRY_WRITE(la + 0x123, 1, 1);
                else
                    TRY_READ(la + 0x123, 1);
                CHECK_PF(la + 0x123, err);
                /* A faulting walk writes nothing back. */
                CHECK_EQ(rd32(pde_pa(la)) & AD, 0);
            }
        }
    }
    /* A fetch from a not-present page: error code as a read. */
    fresh(0);
    c->cpl = 3;
    attempt(T_FETCH, la, 0, 2);
    CHECK_PF(la, PFERR_U);
    attempt(T_EXEC, la + 4, 0, 1);
    CHECK_PF(la + 4, PFERR_U);
}

/* Whether an access is allowed (SDM vol. 3A, 4.6.1), from the combined
 * U/S and R/W of both levels. */
static bool allowed(bool u, bool w, bool wp, bool user, bool write)
{
    if (user)
        return u && (!write || w);
    return !write || w || !wp;
}

static void test_rights(bool large)
{
    const uint32_t la = 0x00C00000u, pa = large ? 0x00400000u : 0x00300000u;
    unsigned combos = 0;
    for (unsigned pde_bits = 0; pde_bits < 4; pde_bits++) {
        for (unsigned pte_bits = 0; pte_bits < (large ? 1u : 4u); pte_bits++) {
            for (int wp = 0; wp < 2; wp++) {
                for (int user = 0; user < 2; user++) {
                    for (int write = 0; write < 2; write++) {
                        fresh(large ? MMU_CR4_PSE : 0);
                        uint32_t pdef = PTE_P | (pde_bits & 1 ? PTE_RW : 0) |
                                        (pde_bits & 2 ? PTE_US : 0);
                        uint32_t ptef = PTE_P | (pte_bits & 1 ? PTE_RW : 0) |
                                        (pte_bits & 2 ? PTE_US : 0);
                        if (large)
                            map4m(la, pa, pdef);
                        else
                            map4k(la, pa, pdef, ptef);
                        uint32_t leaf = large ? pde_pa(la) : pte_pa(la);
                        bool u = (pdef & PTE_US) && (large || (ptef & PTE_US));
                        bool w = (pdef & PTE_RW) && (large || (ptef & PTE_RW));
                        if (wp)
                            c->cr0 |= CR0_WP;
                        c->cpl = user ? 3 : 0;
                        wr8(pa + 0x40, 0x11);
                        if (write)
                            TRY_WRITE(la + 0x40, 0x99, 1);
                        else
                            TRY_READ(la + 0x40, 1);
                        combos++;
                        if (allowed(u, w, wp, user, write)) {
                            CHECK(!faulted);
                            CHECK_EQ(rd8(pa + 0x40), write ? 0x99 : 0x11);
                            if (!write)
                                CHECK_EQ(got, 0x11);
                            CHECK_EQ(rd32(pde_pa(la)) & PTE_A, PTE_A);
                            CHECK_EQ(rd32(leaf) & AD, write ? AD : PTE_A);
                            /* Execute: the same as a read. */
                            attempt(T_EXEC, la + 1, 0, 1);
                            CHECK(!faulted);
                        } else {
                            CHECK_PF(la + 0x40, PFERR_P | (write ? PFERR_W : 0) |
                                                    (user ? PFERR_U : 0));
                            CHECK_EQ(rd8(pa + 0x40), 0x11);
                            CHECK_EQ(rd32(pde_pa(la)) & AD, 0);
                            CHECK_EQ(rd32(leaf) & AD, 0);
                        }
                        /* Implicit supervisor accesses at CPL 3 (descriptor
                         * tables...) are checked as CPL 0. */
                        if (user) {
                            mmu_flush(c, true);
                            c->sys_access = true;
                            if (write)
                                TRY_WRITE(la + 0x41, 0x98, 1);
                            else
                                TRY_READ(la + 0x41, 1);
                            if (allowed(u, w, wp, false, write))
                                CHECK(!faulted);
                            else
                                CHECK_PF(la + 0x41, PFERR_P | (write ? PFERR_W : 0));
                            c->sys_access = false;
                        }
                    }
                }
            }
        }
    }
    CHECK_EQ(combos, large ? 32 : 128);
}

/* One TLB entry serves both privilege levels without leaking rights. */
static void test_rights_cached(void)
{
    const uint32_t la = 0x00400000u;
    fresh(0);
    map4k(la, 0x200000, URW, RW);                /* supervisor page */
    lin_write(c, la, 1, 1);                      /* fills, dirty */
    c->cpl = 3;
    TRY_READ(la, 1);
    CHECK_PF(la, PFERR_P | PFERR_U);
    TRY_WRITE(la, 2, 1);
    CHECK_PF(la, PFERR_P | PFERR_W | PFERR_U);
    c->cpl = 0;
    CHECK_EQ(lin_read(c, la, 1), 1);

    /* Read-only user page, WP=0: the supervisor may write it, the user
     * may read but not write it, through one entry. */
    map4k(la + 0x1000, 0x201000, URW, PTE_P | PTE_US);
    lin_write(c, la + 0x1000, 7, 1);
    CHECK_EQ(rd8(0x201000), 7);
    c->cpl = 3;
    CHECK_EQ(lin_read(c, la + 0x1000, 1), 7);
    TRY_WRITE(la + 0x1000, 8, 1);
    CHECK_PF(la + 0x1000, PFERR_P | PFERR_W | PFERR_U);
    CHECK_EQ(rd8(0x201000), 7);

    /* The entry keeps the WP outcome of its fill: WP needs a flush. */
    c->cpl = 0;
    c->cr0 |= CR0_WP;
    mmu_flush(c, true);
    TRY_WRITE(la + 0x1000, 9, 1);
    CHECK_PF(la + 0x1000, PFERR_P | PFERR_W);
}

static void test_4m(void)
{
    const uint32_t la = 0x00800000u;
    fresh(MMU_CR4_PSE);
    map4m(la, 0x00400000u, URW);
    wr32(0x00412344u, 0xFEEDF00Du);
    CHECK_EQ(mmu_translate(c, la + 0x12344, MMU_READ), 0x00412344u);
    CHECK_EQ(lin_read(c, la + 0x12344, 4), 0xFEEDF00Du);
    CHECK_EQ(rd32(pde_pa(la)) & AD, PTE_A);
    lin_write(c, la + 0x3FFFFC, 0x01020304, 4);
    CHECK_EQ(rd32(0x007FFFFCu), 0x01020304);
    CHECK_EQ(rd32(pde_pa(la)) & AD, AD);    /* D in the 4 MiB PDE */

    /* Bits 21-13 reserved: #PF with RSVD (and P), whatever the rights. */
    for (unsigned bit = 13; bit <= 21; bit++) {
        for (int user = 0; user < 2; user++) {
            fresh(MMU_CR4_PSE);
            map4m(la, 0x00400000u, URW | (1u << bit));
            c->cpl = user ? 3 : 0;
            TRY_WRITE(la + 8, 1, 1);
            CHECK_PF(la + 8, PFERR_P | PFERR_RSVD | PFERR_W | (user ? PFERR_U : 0));
            CHECK_EQ(rd32(pde_pa(la)) & AD, 0);
        }
    }
    /* Not present wins over reserved bits. */
    fresh(MMU_CR4_PSE);
    map4m(la, 0x00400000u, (URW & ~PTE_P) | (1u << 15));
    TRY_READ(la, 1);
    CHECK_PF(la, 0);

    /* Without CR4.PSE the PS bit is ignored: the PDE points to a page
     * table, and bits 21-13 are just address bits. */
    fresh(0);
    const uint32_t pt = 0x00602000u; /* bit 13 set in the "PDE" address */
    wr32(pde_pa(la), pt | URW | PTE_PS);
    memset(vm->mem.ram + pt, 0, 0x1000);
    wr32(pt + 5 * 4, 0x00205000u | URW);
    wr32(0x00205010u, 0x600D600Du);
    CHECK_EQ(lin_read(c, la + 0x5010, 4), 0x600D600Du);
    CHECK_EQ(rd32(pt + 5 * 4) & AD, PTE_A);
    TRY_READ(la + 0x6000, 1);   /* PTE 6 is empty */
    CHECK_PF(la + 0x6000, 0);

    /* A 4 MiB PDE's G bit with PGE survives a non-global flush. */
    fresh(MMU_CR4_PSE | MMU_CR4_PGE);
    map4m(la, 0x00400000u, URW | PTE_G);
    CHECK_EQ(lin_read(c, la + 0x12344, 4), 0xFEEDF00Du);
    map4m(la, 0x00000000u, URW | PTE_G);
    mmu_flush(c, false);
    CHECK_EQ(lin_read(c, la + 0x12344, 4), 0xFEEDF00Du);
    mmu_flush(c, true);
    CHECK_EQ(lin_read(c, la + 0x12344, 4), rd32(0x00012344u));
}

/* --- PAE paging (SDM vol. 3A, 4.4) ---------------------------------------
 * The PDPT sits at PD_PA; page directories and tables come from the pool. */

static uint64_t rd64(uint32_t pa) { return rd32(pa) | (uint64_t)rd32(pa + 4) << 32; }
static void wr64(uint32_t pa, uint64_t v) { wr32(pa, (uint32_t)v); wr32(pa + 4, (uint32_t)(v >> 32)); }

static uint32_t pool_page(void)
{
    uint32_t p = pt_next;
    pt_next += 0x1000;
    if (pt_next > PT_POOL_END)
        abort();
    return p;
}

/* Paging on with CR4.PAE (and PGE), EFER.NXE as asked, an empty PDPT. */
static void fresh_pae(bool nxe, uint32_t more_cr4)
{
    fresh(MMU_CR4_PAE | more_cr4);
    c->msr.efer = nxe ? EFER_NXE : 0;
    CHECK(mmu_load_pdptes(c, c->cr3));
}

/* The PDE address for la, allocating its page directory (PDPTE present,
 * registers reloaded) the first time. */
static uint32_t pae_pde_pa(uint32_t la)
{
    uint32_t pdpte_pa = PD_PA + (la >> 30) * 8;
    uint64_t pdpte = rd64(pdpte_pa);
    if (!(pdpte & PTE_P)) {
        pdpte = pool_page() | PTE_P;
        wr64(pdpte_pa, pdpte);
        CHECK(mmu_load_pdptes(c, c->cr3));
    }
    return (uint32_t)(pdpte & PAE_ADDR) + ((la >> 21) & 0x1FF) * 8;
}

static uint32_t pae_pte_pa(uint32_t la)
{
    return (uint32_t)(rd64(pae_pde_pa(la)) & PAE_ADDR) + ((la >> 12) & 0x1FF) * 8;
}

static void map_pae4k(uint32_t la, uint64_t pa, uint64_t pde_flags, uint64_t pte_flags)
{
    uint32_t pde = pae_pde_pa(la);
    uint64_t pt = rd64(pde) & PAE_ADDR;
    if (!pt)
        pt = pool_page();
    wr64(pde, pt | pde_flags);
    wr64((uint32_t)pt + ((la >> 12) & 0x1FF) * 8, (pa & PAE_ADDR) | pte_flags);
}

static void map_pae2m(uint32_t la, uint64_t pa, uint64_t flags)
{
    wr64(pae_pde_pa(la), (pa & PAE_ADDR_2M) | flags | PTE_PS);
}

static void test_pae(void)
{
    const uint32_t la = 0xC0801000u; /* PDPTE 3, PDE 4, PTE 1 */
    fresh_pae(false, 0);
    map_pae4k(la, 0x00205000u, URW, URW);
    wr32(0x00205010u, 0x12345678u);
    CHECK_EQ(mmu_translate(c, la + 0x10, MMU_READ), 0x00205010u);
    CHECK_EQ(lin_read(c, la + 0x10, 4), 0x12345678u);
    CHECK_EQ(rd64(pae_pte_pa(la)) & AD, PTE_A);
    CHECK_EQ(rd64(pae_pde_pa(la)) & PTE_A, PTE_A);
    lin_write(c, la + 0x20, 0xCAFEu, 2);
    CHECK_EQ(rd32(0x00205020u) & 0xFFFF, 0xCAFEu);
    CHECK_EQ(rd64(pae_pte_pa(la)) & AD, AD);
    /* The high dwords of the entries are left alone by A/D updates. */
    CHECK_EQ(rd64(pae_pte_pa(la)) >> 32, 0);
    /* Not present at each level: PDPTE, PDE, PTE. */
    TRY_READ(0x00001000u, 4);            /* PDPTE 0 empty */
    CHECK_PF(0x00001000u, 0);
    TRY_WRITE(la + 0x200000u, 1, 1);     /* PDE 5 empty */
    CHECK_PF(la + 0x200000u, PFERR_W);
    TRY_READ(la + 0x1000u, 1);           /* PTE 2 empty */
    CHECK_PF(la + 0x1000u, 0);
    /* User rights combine over PDE and PTE. */
    map_pae4k(la, 0x00205000u, RW, URW);
    mmu_flush(c, true);
    c->cpl = 3;
    TRY_READ(la, 4);
    CHECK_PF(la, PFERR_P | PFERR_U);
    c->cpl = 0;

    /* 2 MiB pages: no CR4.PSE needed; bits 20:13 reserved. */
    const uint32_t big = 0x40400000u; /* PDPTE 1, PDE 2 */
    fresh_pae(false, 0);
    map_pae2m(big, 0x00600000u, URW);
    wr32(0x006ABCD0u, 0xB16B00B5u);
    CHECK_EQ(lin_read(c, big + 0xABCD0u, 4), 0xB16B00B5u);
    CHECK_EQ(mmu_translate(c, big + 0x1FFFFFu, MMU_READ), 0x007FFFFFu);
    lin_write(c, big + 4, 7, 1);
    CHECK_EQ(rd64(pae_pde_pa(big)) & AD, AD);
    /* INVLPG of one address drops every cached piece of the 2 MiB page. */
    CHECK_EQ(mmu_translate(c, big + 0x5000u, MMU_READ), 0x00605000u);
    map_pae2m(big, 0x00800000u, URW);
    CHECK_EQ(mmu_translate(c, big + 0x5000u, MMU_READ), 0x00605000u); /* stale */
    mmu_invlpg(c, big + 0x1000u);
    CHECK_EQ(mmu_translate(c, big + 0x5000u, MMU_READ), 0x00805000u);
    for (unsigned bit = 13; bit <= 20; bit++) {
        fresh_pae(false, 0);
        map_pae2m(big, 0x00600000u, URW | (1ull << bit));
        TRY_READ(big, 1);
        CHECK_PF(big, PFERR_P | PFERR_RSVD);
    }

    /* Reserved bits 62:36 in PDE and PTE; bit 63 (XD) without NXE. */
    static const unsigned rbits[] = { 36, 40, 51, 62, 63 };
    for (size_t k = 0; k < sizeof(rbits) / sizeof(rbits[0]); k++) {
        for (int level = 0; level < 2; level++) {
            fresh_pae(false, 0);
            uint64_t r = 1ull << rbits[k];
            map_pae4k(la, 0x00205000u, URW | (level ? 0 : r), URW | (level ? r : 0));
            c->cpl = 3;
            TRY_WRITE(la, 1, 1);
            CHECK_PF(la, PFERR_P | PFERR_RSVD | PFERR_W | PFERR_U);
            CHECK_EQ(rd64(pae_pte_pa(la)) & AD, 0); /* a faulting walk writes nothing */
        }
    }
    /* With NXE, bit 63 is XD, not reserved. */
    fresh_pae(true, 0);
    map_pae4k(la, 0x00205000u, URW, URW | PTE_XD);
    CHECK_EQ(lin_read(c, la + 0x10, 4), 0x12345678u);

    /* PDPTE loading: a present PDPTE with a reserved bit (2:1, 8:5,
     * 63:36) makes the load fail and keeps the old registers. */
    static const unsigned pbits[] = { 1, 2, 5, 8, 36, 63 };
    for (size_t k = 0; k < sizeof(pbits) / sizeof(pbits[0]); k++) {
        fresh_pae(false, 0);
        wr64(PD_PA + 16, 0x00030000u | PTE_P);
        CHECK(mmu_load_pdptes(c, PD_PA));
        wr64(PD_PA + 16, 0x00030000u | PTE_P | (1ull << pbits[k]));
        CHECK(!mmu_load_pdptes(c, PD_PA));
        CHECK_EQ(c->pdpte[2], 0x00030000u | PTE_P);
        wr64(PD_PA + 16, (1ull << pbits[k])); /* not present: anything goes */
        CHECK(mmu_load_pdptes(c, PD_PA));
    }
    /* The walk uses the PDPTE registers, not memory: a PDPTE rewritten in
     * memory changes nothing until the registers reload. */
    fresh_pae(false, 0);
    map_pae4k(la, 0x00205000u, URW, URW);
    wr64(PD_PA + 24, 0);
    mmu_flush(c, true);
    CHECK_EQ(lin_read(c, la + 0x10, 4), 0x12345678u);
    CHECK(mmu_load_pdptes(c, PD_PA));
    mmu_flush(c, true);
    TRY_READ(la + 0x10, 4);
    CHECK_PF(la + 0x10, 0);
}

/* Execute disable (SDM 4.6 and 4.7): XD in the PDE or the PTE forbids
 * instruction fetches; the I/D error bit appears on fetch faults only with
 * NXE. */
static void test_nx(void)
{
    const uint32_t la = 0x00801000u;
    for (int where = 0; where < 2; where++) {
        for (int user = 0; user < 2; user++) {
            fresh_pae(true, 0);
            map_pae4k(la, 0x00205000u, URW | (where ? 0 : PTE_XD), URW | (where ? PTE_XD : 0));
            c->cpl = user ? 3 : 0;
            CHECK_EQ(lin_read(c, la, 4), rd32(0x00205000u)); /* reads still fine */
            lin_write(c, la + 8, 5, 1);
            attempt(T_EXEC, la + 0x10, 0, 1);
            CHECK_PF(la + 0x10, PFERR_P | PFERR_ID | (user ? PFERR_U : 0));
            attempt(T_FETCH, la + 0x10, 0, 2);                 /* also through the TLB */
            CHECK_PF(la + 0x10, PFERR_P | PFERR_ID | (user ? PFERR_U : 0));
        }
    }
    /* Executable pages: fine. */
    fresh_pae(true, 0);
    map_pae4k(la, 0x00205000u, URW, URW);
    wr8(0x00205010u, 0x90);
    attempt(T_FETCH, la + 0x10, 0, 1);
    CHECK(!faulted);
    CHECK_EQ(got, 0x90);
    /* Not-present fetches carry I/D with NXE, not without. */
    attempt(T_EXEC, la + 0x1000u, 0, 1);
    CHECK_PF(la + 0x1000u, PFERR_ID);
    fresh_pae(false, 0);
    map_pae4k(la, 0x00205000u, URW, URW);
    attempt(T_EXEC, la + 0x1000u, 0, 1);
    CHECK_PF(la + 0x1000u, 0);
    /* 32-bit paging never reports I/D. */
    fresh(0);
    c->msr.efer = EFER_NXE;
    attempt(T_EXEC, la, 0, 1);
    CHECK_PF(la, 0);
    /* A 2 MiB XD page. */
    fresh_pae(true, 0);
    map_pae2m(0x00400000u, 0x00400000u, URW | PTE_XD);
    attempt(T_EXEC, 0x00400100u, 0, 1);
    CHECK_PF(0x00400100u, PFERR_P | PFERR_ID);
}

/* Physical addresses at or above 4 GiB: nothing there (mmu.h). */
static void test_pae_above_4g(void)
{
    const uint32_t la = 0x00801000u;
    fresh_pae(false, 0);
    wr32(0x00005000u, 0x11223344u);
    map_pae4k(la, 0x100005000ull, URW, URW); /* 4 GiB + 0x5000 */
    CHECK_EQ(lin_read(c, la, 4), 0xFFFFFFFFu);
    CHECK_EQ(lin_read(c, la + 2, 2), 0xFFFFu);
    lin_write(c, la, 0, 4);
    CHECK_EQ(rd32(0x00005000u), 0x11223344u); /* no alias of low RAM */
    CHECK_EQ(lin_read(c, la, 4), 0xFFFFFFFFu);
    attempt(T_FETCH, la, 0, 1);
    CHECK(faulted);
    CHECK_EQ(c->exc_vector, EXC_UD);
    /* A crossing read: last bytes of a RAM page, first of the nowhere one. */
    map_pae4k(la - 0x1000u, 0x00006000u, URW, URW);
    wr32(0x00006FFCu, 0xA1B2C3D4u);
    CHECK_EQ(lin_read(c, la - 2, 4), 0xFFFFA1B2u);
    lin_write(c, la - 2, 0x55667788u, 4);
    CHECK_EQ(rd32(0x00006FFCu), 0x7788C3D4u);
    CHECK_EQ(rd32(0x00005000u), 0x11223344u);
    /* A page table above 4 GiB reads all ones: present, reserved bits. */
    fresh_pae(false, 0);
    wr64(pae_pde_pa(la), 0x200000000ull | URW);
    TRY_READ(la, 4);
    CHECK_PF(la, PFERR_P | PFERR_RSVD);
}

static void test_crossing(void)
{
    const uint32_t la = 0x00400000u;
    for (int user = 0; user < 2; user++) {
        /* Second page not present: nothing written on the first. */
        fresh(0);
        map4k(la, 0x200000, URW, URW);
        map4k(la + 0x1000, 0x201000, URW, URW & ~PTE_P);
        wr32(0x200FFC, 0x11111111);
        c->cpl = user ? 3 : 0;
        TRY_WRITE(la + 0xFFE, 0xAABBCCDD, 4);
        CHECK_PF(la + 0x1000, PFERR_W | (user ? PFERR_U : 0));
        CHECK_EQ(rd32(0x200FFC), 0x11111111);
        TRY_READ(la + 0xFFF, 2);
        CHECK_PF(la + 0x1000, user ? PFERR_U : 0);

        /* Second page read-only: a write faults (protection), a read is
         * fine, and the first page is untouched. */
        fresh(0);
        c->cr0 |= CR0_WP;
        map4k(la, 0x200000, URW, URW);
        map4k(la + 0x1000, 0x201000, URW, PTE_P | PTE_US);
        wr32(0x200FFC, 0x11111111);
        wr32(0x201000, 0x22222222);
        c->cpl = user ? 3 : 0;
        TRY_WRITE(la + 0xFFD, 0xAABBCCDD, 4);
        CHECK_PF(la + 0x1000, PFERR_P | PFERR_W | (user ? PFERR_U : 0));
        CHECK_EQ(rd32(0x200FFC), 0x11111111);
        CHECK_EQ(rd32(0x201000), 0x22222222);
        CHECK_EQ(lin_read(c, la + 0xFFE, 4), 0x22221111);
        CHECK_EQ(lin_read(c, la + 0xFFF, 2), 0x2211);

        /* First page faults: CR2 is the access's own address. */
        fresh(0);
        map4k(la + 0x1000, 0x201000, URW, URW);
        wr8(0x201000, 0x5E);
        c->cpl = user ? 3 : 0;
        TRY_WRITE(la + 0xFFF, 0xAABB, 2);
        CHECK_PF(la + 0xFFF, PFERR_W | (user ? PFERR_U : 0));
        CHECK_EQ(rd8(0x201000), 0x5E);
    }
    /* mmu_probe: every page of a wide access, before any store. */
    fresh(0);
    map4k(la, 0x200000, URW, URW);
    map4k(la + 0x1000, 0x201000, URW, PTE_P | PTE_US);   /* read-only */
    c->cr0 |= CR0_WP;
    attempt(T_PROBE_W, la + 0xFFC, 0, 8);
    CHECK_PF(la + 0x1000, PFERR_P | PFERR_W);
    attempt(T_PROBE_R, la + 0xFFC, 0, 8);
    CHECK(!faulted);
    attempt(T_PROBE_W, la + 0xFF8, 0, 8);
    CHECK(!faulted);
    attempt(T_PROBE_R, la + 0x800, 0, 0x1000 + 0x900);   /* 3 pages */
    CHECK_PF(la + 0x2000, 0);

    /* Both present, physically apart: the bytes land in both, D in both. */
    fresh(0);
    map4k(la, 0x250000, URW, URW);
    map4k(la + 0x1000, 0x230000, URW, URW);
    lin_write(c, la + 0xFFF, 0x44332211, 4);
    CHECK_EQ(rd8(0x250FFF), 0x11);
    CHECK_EQ(rd32(0x230000) & 0xFFFFFF, 0x443322);
    CHECK_EQ(rd32(pte_pa(la)) & AD, AD);
    CHECK_EQ(rd32(pte_pa(la + 0x1000)) & AD, AD);
    CHECK_EQ(lin_read(c, la + 0xFFF, 4), 0x44332211);
    CHECK_EQ(lin_read(c, la + 0xFFE, 2), 0x1100);
    /* Wrap at 4 GiB: page FFFFF000 then page 0. */
    map4k(0xFFFFF000u, 0x260000, URW, URW);
    map4k(0x00000000u, 0x270000, URW, URW);
    lin_write(c, 0xFFFFFFFEu, 0xD4C3B2A1, 4);
    CHECK_EQ(rd32(0x260FFC) >> 16, 0xB2A1);
    CHECK_EQ(rd32(0x270000) & 0xFFFF, 0xD4C3);
    CHECK_EQ(lin_read(c, 0xFFFFFFFFu, 2), 0xC3B2);
}

static void test_stale_and_flush(void)
{
    const uint32_t la = 0x00400000u;
    fresh(MMU_CR4_PGE);
    map4k(la, 0x200000, URW, URW | PTE_G);           /* global */
    map4k(la + 0x1000, 0x201000, URW, URW);          /* not global */
    wr32(0x200000, 0xA0);
    wr32(0x201000, 0xA1);
    wr32(0x210000, 0xB0);
    wr32(0x211000, 0xB1);
    CHECK_EQ(lin_read(c, la, 4), 0xA0);
    CHECK_EQ(lin_read(c, la + 0x1000, 4), 0xA1);
    /* Page-table writes without INVLPG: the old translations stay. */
    wr32(pte_pa(la), 0x210000 | URW | PTE_G);
    wr32(pte_pa(la + 0x1000), 0x211000 | URW);
    CHECK_EQ(lin_read(c, la, 4), 0xA0);
    CHECK_EQ(lin_read(c, la + 0x1000, 4), 0xA1);
    /* Even a not-present PTE still translates from the TLB. */
    wr32(pte_pa(la + 0x1000), 0);
    CHECK_EQ(lin_read(c, la + 0x1000, 4), 0xA1);
    wr32(pte_pa(la + 0x1000), 0x211000 | URW);
    /* MOV CR3: non-global entries go, the global one stays. */
    uint64_t flushes = c->tlb->flushes;
    mmu_flush(c, false);
    CHECK_EQ(c->tlb->flushes, flushes + 1);
    CHECK_EQ(lin_read(c, la, 4), 0xA0);
    CHECK_EQ(lin_read(c, la + 0x1000, 4), 0xB1);
    /* A global flush (CR4.PGE toggled) drops it too. */
    mmu_flush(c, true);
    CHECK_EQ(lin_read(c, la, 4), 0xB0);

    /* G without CR4.PGE is not global. */
    fresh(0);
    map4k(la, 0x200000, URW, URW | PTE_G);
    CHECK_EQ(lin_read(c, la, 4), 0xA0);
    wr32(pte_pa(la), 0x210000 | URW | PTE_G);
    mmu_flush(c, false);
    CHECK_EQ(lin_read(c, la, 4), 0xB0);

    /* INVLPG drops one page, global or not, and nothing else. */
    fresh(MMU_CR4_PGE);
    map4k(la, 0x200000, URW, URW | PTE_G);
    map4k(la + 0x1000, 0x201000, URW, URW);
    CHECK_EQ(lin_read(c, la, 4), 0xA0);
    CHECK_EQ(lin_read(c, la + 0x1000, 4), 0xA1);
    wr32(pte_pa(la), 0x210000 | URW | PTE_G);
    wr32(pte_pa(la + 0x1000), 0x211000 | URW);
    mmu_invlpg(c, la + 0x123);
    CHECK_EQ(lin_read(c, la, 4), 0xB0);
    CHECK_EQ(lin_read(c, la + 0x1000, 4), 0xA1);
    mmu_invlpg(c, la + 0x1FFF);
    CHECK_EQ(lin_read(c, la + 0x1000, 4), 0xB1);
    /* INVLPG of a page that is not cached is harmless. */
    mmu_invlpg(c, 0x12345000u);
    CHECK_EQ(lin_read(c, la, 4), 0xB0);

    /* INVLPG anywhere in a 4 MiB page drops all of its 4 KiB pieces. */
    fresh(MMU_CR4_PSE);
    map4m(0x00800000u, 0x00400000u, URW);
    wr32(0x00400000u, 0xC0);
    wr32(0x00410000u, 0xC1);
    wr32(0x00000000u, 0xD0);
    wr32(0x00010000u, 0xD1);
    CHECK_EQ(lin_read(c, 0x00800000u, 4), 0xC0);
    CHECK_EQ(lin_read(c, 0x00810000u, 4), 0xC1);
    map4m(0x00800000u, 0x00000000u, URW);
    mmu_invlpg(c, 0x00BFF000u);
    CHECK_EQ(lin_read(c, 0x00800000u, 4), 0xD0);
    CHECK_EQ(lin_read(c, 0x00810000u, 4), 0xD1);

    /* Every entry filled (the used list holds them all, never a sweep): a
     * non-global flush still keeps exactly the global ones. */
    fresh(MMU_CR4_PGE);
    const unsigned n = TLB_SIZE;
    for (unsigned k = 0; k < n; k++)
        map4k(0x01000000u + k * 0x1000, 0x200000, URW, URW | (k % 3 == 0 ? PTE_G : 0));
    for (unsigned k = 0; k < n; k++)
        lin_read(c, 0x01000000u + k * 0x1000, 4);
    CHECK_EQ(c->tlb->nused, TLB_SIZE);
    for (unsigned k = 0; k < n; k++)
        wr32(pte_pa(0x01000000u + k * 0x1000), 0x210000 | URW | (k % 3 == 0 ? PTE_G : 0));
    mmu_flush(c, false);
    unsigned bad = 0;
    for (unsigned k = 0; k < n; k++)
        bad += lin_read(c, 0x01000000u + k * 0x1000, 4) != (k % 3 == 0 ? 0xA0u : 0xB0u);
    CHECK_EQ(bad, 0);
    mmu_flush(c, true);
    bad = 0;
    for (unsigned k = 0; k < n; k++)
        bad += lin_read(c, 0x01000000u + k * 0x1000, 4) != 0xB0u;
    CHECK_EQ(bad, 0);
    /* A page that evicts a listed entry reuses its place on the list. */
    CHECK_EQ(c->tlb->nused, TLB_SIZE);
    map4k(0x01000000u + n * 0x1000, 0x200000, URW, URW);
    CHECK_EQ(lin_read(c, 0x01000000u + n * 0x1000, 4), 0xA0);
    CHECK_EQ(c->tlb->nused, TLB_SIZE);
    mmu_flush(c, true);
    CHECK_EQ(c->tlb->nused, 0);
    CHECK_EQ(lin_read(c, 0x01000000u, 4), 0xB0);

    /* cpu_reset empties the TLB. */
    fresh(0);
    map4k(la, 0x200000, URW, URW);
    CHECK_EQ(lin_read(c, la, 4), 0xA0);
    uint64_t misses = c->tlb->misses;
    cpu_reset(c);
    c->cr0 |= CR0_PE | CR0_PG;
    c->cr3 = PD_PA;
    wr32(pte_pa(la), 0x210000 | URW);
    CHECK_EQ(lin_read(c, la, 4), 0xB0);
    CHECK_EQ(c->tlb->misses, misses + 1);
}

/* MMIO, ROM and unmapped physical pages behind paging; page tables in
 * MMIO: A/D are written back only when they change. */
static void test_mmio_paged(void)
{
    const uint32_t la = 0x00400000u;
    fresh(0);
    map4k(la, MMIO_PA, URW, URW);
    map4k(la + 0x1000, ROM_PA, URW, URW);
    map4k(la + 0x2000, 0x80000000u, URW, URW);  /* nothing there */
    mdev.reads = mdev.writes = 0;
    mdev.bytes[4] = 0x5C;
    CHECK_EQ(lin_read(c, la + 4, 1), 0x5C);
    CHECK_EQ(lin_read(c, la + 4, 1), 0x5C);
    CHECK_EQ(mdev.reads, 2);
    lin_write(c, la + 8, 0x01020304, 4);
    lin_write(c, la + 8, 0x05060708, 4);
    CHECK_EQ(mdev.writes, 2);
    CHECK_EQ(mdev.bytes[8], 0x08);
    CHECK_EQ(rd32(pte_pa(la)) & AD, AD);
    CHECK_EQ(lin_read(c, la + 0x1000 + 8, 4), 0x0B0A0908);
    lin_write(c, la + 0x1000 + 8, 0, 4);                 /* dropped */
    CHECK_EQ(lin_read(c, la + 0x1000 + 8, 4), 0x0B0A0908);
    CHECK_EQ(rd32(pte_pa(la + 0x1000)) & AD, AD);        /* D set all the same */
    CHECK_EQ(lin_read(c, la + 0x2000, 4), 0xFFFFFFFFu);
    lin_write(c, la + 0x2000, 0, 4);
    CHECK_EQ(lin_read(c, la + 0x2000, 1), 0xFF);
    /* A fetch from MMIO goes to the device byte by byte. */
    mdev.reads = 0;
    uint8_t code[3];
    mmu_fetch(c, la + 8, code, 3);
    CHECK_EQ(code[0], 0x08);
    CHECK_EQ(code[2], 0x06);
    CHECK_EQ(mdev.reads, 3);

    /* Page tables in MMIO: one write per entry whose flags change. */
    fresh(0);
    memset(mdev.bytes, 0, sizeof(mdev.bytes));
    uint32_t pte = 0x200000u | URW;
    memcpy(mdev.bytes + 0x1000 + 4 * 0x3, &pte, 4);       /* PT at MMIO_PA+0x1000 */
    wr32(pde_pa(la), (MMIO_PA + 0x1000) | URW);
    mdev.writes = 0;
    wr32(0x200000, 0x3141);
    CHECK_EQ(lin_read(c, la + 0x3000, 4), 0x3141);        /* PTE.A: one write */
    CHECK_EQ(mdev.writes, 1);
    mmu_flush(c, true);
    CHECK_EQ(lin_read(c, la + 0x3000, 4), 0x3141);        /* nothing changes */
    CHECK_EQ(mdev.writes, 1);
    lin_write(c, la + 0x3000, 0x2718, 4);                 /* PTE.D: one more */
    CHECK_EQ(mdev.writes, 2);
    mmu_flush(c, true);
    lin_write(c, la + 0x3000, 0x2719, 4);
    CHECK_EQ(mdev.writes, 2);
    memcpy(&pte, mdev.bytes + 0x1000 + 4 * 0x3, 4);
    CHECK_EQ(pte & AD, AD);
}

/* A guest run: flat 32-bit protected mode with paging; a store and a
 * page fault delivered through the IDT with CR2 and the error code. */
static void test_guest_run(void)
{
    fresh(0);
    /* Identity-map the first 1 MiB (tables, GDT, IDT, stack), code at
     * 0x40000000 -> 0x80000, a read-only page at 0x40400000. */
    for (uint32_t a = 0; a < 0x100000; a += 0x1000)
        map4k(a, a, RW, RW);
    map4k(0x40000000u, 0x80000, URW, URW);
    map4k(0x40400000u, 0x81000, URW, PTE_P);
    c->cr0 |= CR0_WP;
    /* GDT at 0x1000: null, flat code (08), flat data (10). */
    wr32(0x1008, 0x0000FFFF); wr32(0x100C, 0x00CF9B00);
    wr32(0x1010, 0x0000FFFF); wr32(0x1014, 0x00CF9300);
    c->gdtr.base = 0x1000;
    c->gdtr.limit = 0x17;
    /* IDT at 0x2000: vector 14 -> 08:40000100, 32-bit interrupt gate. */
    memset(vm->mem.ram + 0x2000, 0, 0x800);
    wr32(0x2000 + 14 * 8, 0x00080100);
    wr32(0x2000 + 14 * 8 + 4, 0x40008E00);
    c->idtr.base = 0x2000;
    c->idtr.limit = 0x7FF;
    for (int s = 0; s < S_COUNT; s++)
        c->seg[s] = (struct seg){ .base = 0, .limit = 0xFFFFFFFFu, .sel = 0x10, .attr = 0xC093 };
    c->seg[S_CS] = (struct seg){ .base = 0, .limit = 0xFFFFFFFFu, .sel = 0x08, .attr = 0xC09B };
    c->cpl = 0;
    cpu_mode_changed(c);
    c->gpr[R_ESP] = 0x9000;
    c->eip = 0x40000000u;
    static const uint8_t prog[] = {
        0xC7, 0x05, 0x10, 0x00, 0x00, 0x40, 0x78, 0x56, 0x34, 0x12, /* mov dword [40000010],12345678 */
        0xC6, 0x05, 0x00, 0x00, 0x40, 0x40, 0x01,                   /* mov byte [40400000],1: #PF */
        0xF4,
    };
    static const uint8_t handler[] = { 0x0F, 0x20, 0xD0, 0xF4 };    /* mov eax,cr2; hlt */
    phys_copy_in(&vm->mem, 0x80000, prog, sizeof(prog));
    phys_copy_in(&vm->mem, 0x80100, handler, sizeof(handler));
    enum cpu_stop st = engine_run(c->vm->engine, 100);
    CHECK_EQ(st, CPU_STOP_HLT);
    CHECK_EQ(rd32(0x80010), 0x12345678);
    CHECK_EQ(c->eip, 0x40000104u);
    CHECK_EQ(c->gpr[R_EAX], 0x40400000u);
    CHECK_EQ(c->cr2, 0x40400000u);
    CHECK_EQ(rd32(c->gpr[R_ESP]), PFERR_P | PFERR_W);        /* error code */
    CHECK_EQ(rd32(c->gpr[R_ESP] + 4), 0x4000000Au);          /* faulting EIP */
    CHECK_EQ(rd32(pte_pa(0x40000000u)) & AD, AD);
}

/* --- micro-benchmark (printed, not asserted) ---------------------------- */

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void benchmark(void)
{
    fresh(0);
    /* 2 * TLB_SIZE pages, all on one physical page: walking them in order
     * evicts every entry before its reuse (direct-mapped), so each access
     * misses and walks both levels. */
    const uint32_t base = 0x10000000u, npages = 2 * TLB_SIZE;
    for (uint32_t k = 0; k < npages; k++)
        map4k(base + k * 0x1000, 0x200000, URW, URW | PTE_A);
    volatile uint32_t sink = 0;
    const unsigned hit_iters = 20000000;
    double t0 = now_ns();
    for (unsigned i = 0; i < hit_iters; i++)
        sink += lin_read(c, base + (i & 0xFFC), 4);
    double hit = (now_ns() - t0) / hit_iters;

    const unsigned miss_iters = 4000000;
    uint64_t walks = c->tlb->walks;
    t0 = now_ns();
    for (unsigned i = 0; i < miss_iters; i++)
        sink += lin_read(c, base + (i % npages) * 0x1000, 4);
    double miss = (now_ns() - t0) / miss_iters;
    uint64_t nwalks = c->tlb->walks - walks;

    fprintf(stderr, "paging bench (TLB %u entries, %zu bytes): lin_read hit %.2f ns, "
            "miss with a two-level walk %.2f ns (%llu walks / %u reads)\n",
            TLB_SIZE, sizeof(struct tlb), hit, miss, (unsigned long long)nwalks,
            miss_iters);

    /* Working sets of pages scattered over the linear space, as a guest's
     * code, data, stack, libraries and kernel are (the TLB size choice):
     * 4 MiB pages map all of it, the TLB caches 4 KiB pieces. */
    for (uint32_t k = 0; k < 1024; k++)
        wr32(PD_PA + k * 4, 0x00400000u | URW | PTE_PS | PTE_A);
    c->cr4 |= MMU_CR4_PSE;
    mmu_flush(c, true);
    static uint32_t pages[4096];
    uint32_t x = 12345;
    for (unsigned k = 0; k < 4096; k++) {
        x = x * 1103515245u + 12345u;
        pages[k] = x & 0xFFFFF000u;
    }
    static const uint32_t sets[] = { 32, 128, 512, 2048 };
    for (unsigned s = 0; s < sizeof(sets) / sizeof(sets[0]); s++) {
        uint64_t m0 = c->tlb->misses;
        const unsigned iters = 4000000;
        t0 = now_ns();
        for (unsigned i = 0; i < iters; i++) {
            x = x * 1103515245u + 12345u;
            sink += lin_read(c, pages[(x >> 8) & (sets[s] - 1)] | (x & 0xFFC), 4);
        }
        double ns = (now_ns() - t0) / iters;
        fprintf(stderr, "  random reads over %4u scattered pages: %.2f ns/read, %.1f%% misses\n",
                sets[s], ns, 100.0 * (double)(c->tlb->misses - m0) / iters);
    }
    /* Flush cost with a few entries in use (cpu_reset per sst test). */
    const unsigned flush_iters = 1000000;
    t0 = now_ns();
    for (unsigned i = 0; i < flush_iters; i++) {
        sink += lin_read(c, base + (i & 7) * 0x1000, 4);
        mmu_flush(c, false);
    }
    fprintf(stderr, "  read (miss) + flush of 1 entry: %.2f ns\n",
            (now_ns() - t0) / flush_iters);
    (void)sink;
}

int main(int argc, char **argv)
{
    char err[256];
    vm = vm_create(&(struct vm_config){ .ram_mb = 16, .cpu_level = CPU_P6 }, err, sizeof(err));
    CHECK(vm != NULL);
    if (!vm)
        return check_report();
    c = &vm->cpu;
    CHECK_EQ(physmem_add_mmio(&vm->mem, MMIO_PA, 0x2000, &mdev_ops, &mdev, "test-mmio"), 0);
    uint8_t rom[0x1000];
    for (unsigned i = 0; i < sizeof(rom); i++)
        rom[i] = (uint8_t)i;
    CHECK_EQ(physmem_add_rom(&vm->mem, ROM_PA, rom, sizeof(rom), "test-rom"), 0);

    test_paging_off();
    test_4k();
    test_not_present();
    test_rights(false);
    test_rights(true);
    test_rights_cached();
    test_4m();
    test_crossing();
    test_pae();
    test_nx();
    test_pae_above_4g();
    test_stale_and_flush();
    test_mmio_paged();
    test_guest_run();
    if (!(argc > 1 && !strcmp(argv[1], "--no-bench")))
        benchmark();

    vm_destroy(vm);
    return check_report();
}
