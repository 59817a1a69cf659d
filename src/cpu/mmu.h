/* Linear-to-physical translation: IA-32 32-bit paging (Intel SDM vol. 3A,
 * chapter 4: 4.3 two-level tables, 4 MiB pages with CR4.PSE) and PAE
 * paging (4.4: PDPTE registers, 64-bit entries, 2 MiB pages, execute
 * disable with IA32_EFER.NXE); 4.6 access rights; 4.7 page-fault error
 * codes; 4.8 accessed and dirty flags; 4.10 TLBs) behind a software TLB.
 *
 * The TLB (DESIGN.md section 2) is direct-mapped, indexed by the linear page
 * number.  Each entry keeps one tag per access kind (read, write, execute).
 * A tag is the linear page base (bits 31-12) plus "slow" bits in 11-0 that
 * make the fast path's single compare fail:
 *
 *   TLB_T_INVALID  this access kind has no valid translation here (empty
 *                  entry; a write to a page whose dirty flag is still clear,
 *                  so the first write walks and sets D; a write nobody may
 *                  do).
 *   TLB_T_SUPONLY  only supervisor accesses may use the translation (U/S=0
 *                  somewhere, or a read-only page that a supervisor may
 *                  still write because CR0.WP=0).  User accesses (CPL 3,
 *                  outside cpu.sys_access) include this bit in their compare.
 *   TLB_T_NOHOST   the translation is valid but there is no host pointer:
 *                  MMIO, unmapped, or ROM for writes.  The slow path goes
 *                  through phys_read/phys_write at the entry's `pa`.  In a
 *                  write tag it also marks a page of a direct MMIO window
 *                  (the VGA's framebuffer) that its device does not count
 *                  as written yet: the store goes to the device, which
 *                  marks the page, and the slow path then clears the bit
 *                  so that the following stores are host stores (QEMU's
 *                  TLB_NOTDIRTY); mmu_drop_writes sets it again.
 *   TLB_T_WATCHED  write tag only: the page holds code the scan-before-
 *                  execute engine has scanned (TLB_F_WATCHED), so stores
 *                  take the slow path, which is where SBE will invalidate
 *                  what it derived from the page.  Nothing sets it yet.
 *
 * So the fast path is: index, one compare of tag against the page of the
 * access's last byte (which also rejects accesses that cross into the next
 * page: that page never lives at this index), one load or store through
 * the host pointer.
 *
 * The TLB holds translations exactly as hardware may: a write to a page
 * table does not change a cached translation until a flush or INVLPG
 * (SDM 4.10.4.4; seed 001's stale-state scenarios need this to be visible).
 * Entries hold host pointers computed for the A20/bus-masked address, so
 * the owner of those masks must flush too (see mmu_flush).
 */
#ifndef PLEX86_CPU_MMU_H
#define PLEX86_CPU_MMU_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cpu/cpu.h"
#include "vm/hostmem.h"
#include "vm/physmem.h"

enum mmu_access { MMU_READ, MMU_WRITE, MMU_EXEC };

/* Paging-structure entry bits (SDM vol. 3A, tables 4-4 to 4-6). */
enum {
    PTE_P = 1u << 0, PTE_RW = 1u << 1, PTE_US = 1u << 2, PTE_PWT = 1u << 3,
    PTE_PCD = 1u << 4, PTE_A = 1u << 5, PTE_D = 1u << 6, PTE_PS = 1u << 7,
    PTE_G = 1u << 8,
    PDE_4M_RSVD = 0x003FE000u, /* bits 21-13 of a 4 MiB PDE (no PSE-36) */
};

/* PAE entries (SDM vol. 3A, 4.4, tables 4-8 to 4-11), with MAXPHYADDR 36
 * (4.1.4: no CPUID leaf 80000008H).  Physical addresses at or above 4 GiB
 * have nothing behind them on our boards: tables there read all ones
 * (present, reserved bits set: #PF with RSVD), data there reads all ones
 * and drops writes, code there is #UD (what the all-ones bytes FF FF
 * decode to). */
#define PAE_ADDR 0x0000000FFFFFF000ull     /* bits 35:12 */
#define PAE_ADDR_2M 0x0000000FFFE00000ull  /* bits 35:21 */
#define PAE_RSVD_HIGH 0x7FFFFFF000000000ull /* bits 62:36 */
#define PTE_XD (1ull << 63)                /* reserved unless EFER.NXE */
#define PDE_2M_RSVD 0x00000000001FE000ull  /* bits 20:13 */
#define PDPTE_RSVD 0xFFFFFFF0000001E6ull   /* 63:36, 8:5, 2:1 (4.4.1) */

/* CR4 bits paging looks at (SDM vol. 3A, 2.5); prefixed so that cpu.h can
 * grow its own CR4_* names. */
enum { MMU_CR4_PSE = 1u << 4, MMU_CR4_PAE = 1u << 5, MMU_CR4_PGE = 1u << 7 };

/* #PF error code (SDM vol. 3A, 4.7). */
enum {
    PFERR_P = 1u << 0, PFERR_W = 1u << 1, PFERR_U = 1u << 2, PFERR_RSVD = 1u << 3,
    PFERR_ID = 1u << 4, /* instruction fetch; only with PAE and EFER.NXE */
};

/* TLB geometry: 16384 entries of 32 bytes (512 KiB per CPU).  Measured with
 * tests/cpu/test_paging.c's benchmark (random reads over N pages scattered
 * in the linear space, as code, data, stack, libraries and kernel are; a
 * miss with a two-level walk costs ~12-20 ns on our hosts, a hit ~1 ns):
 *     entries      32 pages     128 pages    512 pages    2048 pages
 *       256       6% misses    19% misses   57% misses   88% misses
 *      1024       3%            6%          22%          56%
 *      4096       0%            2%           6%          22%
 *     16384       0%            2%           2%           7%
 * The hit costs the same at every size (only the entries in use are in
 * the host cache).  A flush touches only the entries filled since the
 * last one (the used list below, which has room for every entry, so no
 * flush ever sweeps the whole table).
 * 4096 entries were the size until session 15 of issue 18: the index is
 * the linear page number's low bits, so the Linux guest's kernel text at
 * 0xC1000000 and a process's at 0x08048000 took the same entries, and each
 * fork+exec of its busybox loop missed 655 times (the walks themselves are
 * cheap, but a miss in the jump cache's inline lookup, tr_xtlb.c, or in a
 * translation's memory probe leaves generated code); with 16384: 268
 * misses, 120 fewer entries into translations from C and 250 fewer memory
 * slow paths per exec (bench/README.md, session 14, branch `sysb`).
 * (Session 14 tried 16384 and reverted it for a slower boot that session
 * 15 could not reproduce; bench/README.md, branch `tlb`.)
 * Generated code masks the index with TLB_SIZE - 1 (tr_mem.c, tr_xtlb.c). */
#ifndef TLB_BITS
#define TLB_BITS 14
#endif
_Static_assert(TLB_BITS <= 16, "struct tlb's used[] holds indices in 16 bits");
#define TLB_SIZE (1u << TLB_BITS)
#define TLB_PAGE_MASK 0xFFFFF000u

/* Tag slow bits; see the top of this file. */
enum {
    TLB_T_INVALID = 1u << 0,
    TLB_T_SUPONLY = 1u << 1,
    TLB_T_NOHOST = 1u << 2,
    TLB_T_WATCHED = 1u << 3,
};

/* Entry flags. */
enum {
    TLB_F_LISTED = 1u << 0,  /* on the used list (filled since the last flush) */
    TLB_F_GLOBAL = 1u << 1,  /* G=1 with CR4.PGE: survives mmu_flush(c, false) */
    TLB_F_LARGE = 1u << 2,   /* from a 4 MiB page: INVLPG drops all of it */
    TLB_F_WATCHED = 1u << 3, /* code page watched by SBE: stores take the slow
                                path (TLB_T_WATCHED in tag_w); reserved, nothing
                                sets it yet */
    TLB_F_USER = 1u << 4,    /* U/S=1 at both levels */
    TLB_F_WRITE = 1u << 5,   /* R/W=1 at both levels */
    TLB_F_NOWHERE = 1u << 6, /* PAE page at or above 4 GiB: nothing there
                                (TLB_T_NOHOST; reads all ones, writes
                                dropped) */
};

struct tlb_entry {
    uint32_t tag_r, tag_w, tag_x; /* page base | TLB_T_* */
    uint32_t pa;                  /* physical page base (before A20/bus masks) */
    uintptr_t addend;             /* host address of linear address la in the
                                     page is addend + la (tlb_host), when it
                                     is RAM or, for reads, ROM; else 0 */
    uint8_t flags;                /* TLB_F_* */
};

/* The used list holds each filled entry's index once (TLB_F_LISTED), so
 * TLB_SIZE indices always fit: a flush undoes what was filled one by one
 * and never sweeps the table.  (The default guest's boot makes about
 * 18,000 flushes; with 4096 entries and a list of 512, 4,958 of them swept
 * all 4096 entries; a sweep of 16384 would be 512 KiB of host cache.) */
#define TLB_USED_MAX TLB_SIZE

struct tlb {
    struct tlb_entry e[TLB_SIZE];
    /* Counters (monotonic; exported by a later issue). */
    uint64_t misses;   /* lookups that had to fill an entry */
    uint64_t walks;    /* page-table walks (paging on) */
    uint64_t flushes;  /* mmu_flush calls */
    uint64_t invlpgs;  /* mmu_invlpg calls */
    /* Indices filled since the last flush, so a flush costs what was used. */
    unsigned nused;
    uint16_t used[TLB_USED_MAX];
    /* 4 MiB linear regions that may hold TLB_F_LARGE entries (INVLPG). */
    uint32_t large_regions[1024 / 32];
};

/* Lifecycle: mmu_init allocates an empty TLB for c (0, or -1 on no memory);
 * mmu_destroy frees it. */
int mmu_init(struct cpu *c);
void mmu_destroy(struct cpu *c);

/* Translates a linear address for one access of the given kind, through
 * the TLB (filling it on a miss).  Raises #PF (cr2 = la) when the access is
 * not allowed.  With paging off, linear = physical. */
uint32_t mmu_translate(struct cpu *c, uint32_t la, enum mmu_access acc);

/* Raises #PF unless every page of [la, la + len) allows `acc` (len >= 1).
 * For accesses wider than 4 bytes that callers split (8-byte operands,
 * FPU/FXSAVE images, TSS writes): probing first keeps a fault on a later
 * page ahead of the first store, so the instruction restarts cleanly. */
void mmu_probe(struct cpu *c, uint32_t la, uint32_t len, enum mmu_access acc);

/* Guest bytes at la of any length, read or written in pieces of 4 bytes,
 * then one of 2, then one of 1, each as a lin_read/lin_write of that size
 * (so devices behind MMIO see those widths).  Faults as those do, piece by
 * piece: callers that must not write part of an operand probe first. */
void mmu_read_bytes(struct cpu *c, uint32_t la, void *dst, unsigned len);
void mmu_write_bytes(struct cpu *c, uint32_t la, const void *src, unsigned len);

/* Drops cached translations: all of them, or all but the global ones
 * (G=1 with CR4.PGE at fill time).  Who must call what:
 *   MOV to CR3 (always, even with the same value), a task switch that
 *       changes CR3: mmu_flush(c, false)  (SDM 4.10.4.1)
 *   CR0.PG, CR0.WP, CR4.PSE, CR4.PGE, CR4.PAE, EFER.NXE changing:
 *       mmu_flush(c, true)  (WP: entries hold the WP outcome)
 *   A20 gate or physmem.addr_mask changing, or the physical memory map
 *   changing (ROM/MMIO added or removed) after the CPU has run:
 *       mmu_flush(c, true)  (entries hold host pointers; vm_set_a20 does it)
 *   cpu_reset (RESET/INIT) flushes by itself.  CPL changes need nothing.
 * A flush costs what was filled since the last one (never a sweep of the
 * whole table). */
void mmu_flush(struct cpu *c, bool include_global);

/* Drops the write translations of the guest-physical pages of [pa,
 * pa+len) (after the A20 and bus masks): their write tags get
 * TLB_T_NOHOST, so the next store goes through phys_write; reads stay
 * cached.  For a direct MMIO window whose device has stopped counting
 * those pages as written (physmem.h's direct_writable).  Costs what a
 * flush costs (the entries filled since the last one). */
void mmu_drop_writes(struct cpu *c, uint32_t pa, uint32_t len);

/* Reads the four PAE page-directory-pointer-table entries that CR3 = cr3
 * points at into cpu.pdpte (SDM vol. 3A, 4.4.1).  Returns false, loading
 * nothing, when a present one has a reserved bit set: the caller (MOV to
 * CR0/CR3/CR4, a task switch) raises #GP(0) and leaves the register as it
 * was. */
bool mmu_load_pdptes(struct cpu *c, uint32_t cr3);

/* INVLPG: drops the translation for la's page (global or not; for a
 * 4 MiB page, all of the page). */
void mmu_invlpg(struct cpu *c, uint32_t la);

/* A locked read-modify-write of `size` bytes at la (within one page):
 * translates la for a read, then for a write, raising the #PF that a read
 * and then a write there would (mem_read, then mem_write), and applies
 * scan-before-execute's write rule as a store does.  Returns the host
 * address of la when the bytes are RAM the CPU may update in place, else
 * NULL (MMIO, ROM, nothing there; the caller then reads and writes
 * through the bus).  ops_locked.c uses it; a TLB hit on the write tag
 * (tlb_hit) is the inline shortcut. */
uint8_t *mmu_rmw_host(struct cpu *c, uint32_t la, unsigned size);

/* Out-of-line slow paths of lin_read/lin_write/fetch (mmu.c): misses,
 * MMIO/ROM/unmapped pages, page-crossing accesses (both pages translated
 * before any byte moves), watched pages. */
uint32_t mmu_read_slow(struct cpu *c, uint32_t la, unsigned size);
void mmu_write_slow(struct cpu *c, uint32_t la, uint32_t v, unsigned size);
/* Copies n bytes (within one page) of code at la; EXEC access. */
void mmu_fetch_slow(struct cpu *c, uint32_t la, uint8_t *dst, unsigned n);

/* --- the fast path --------------------------------------------------- */

/* A user-mode access for the U/S checks (SDM 4.6: CPL 3, except implicit
 * supervisor accesses to system structures). */
static inline bool mmu_user(const struct cpu *c)
{
    return c->cpl == 3 && !c->sys_access;
}

static inline struct tlb_entry *tlb_entry_for(struct tlb *t, uint32_t la)
{
    return &t->e[(la >> PHYS_PAGE_SHIFT) & (TLB_SIZE - 1)];
}

/* One compare: the tag must equal the page of the access's last byte with
 * no slow bit that applies.  An access crossing into the next page misses,
 * because that page maps to a different index. */
static inline bool tlb_hit(const struct cpu *c, uint32_t tag, uint32_t la, unsigned size)
{
    uint32_t mask = TLB_PAGE_MASK | TLB_T_INVALID | TLB_T_NOHOST | TLB_T_WATCHED |
                    (mmu_user(c) ? TLB_T_SUPONLY : 0);
    return (tag & mask) == ((la + size - 1) & TLB_PAGE_MASK);
}

/* The host address of la through entry e (a tag without TLB_T_NOHOST). */
static inline uint8_t *tlb_host(const struct tlb_entry *e, uint32_t la)
{
    return (uint8_t *)(e->addend + la);
}

/* One access through the host pointer: a single host load or store, atomic
 * for other CPU threads when aligned (vm/hostmem.h, SDM vol. 3A, 8.1.1). */
static inline uint32_t host_load(const uint8_t *p, unsigned size)
{
    return hostmem_load(p, size);
}

static inline void host_store(uint8_t *p, uint32_t v, unsigned size)
{
    hostmem_store(p, v, size);
}

/* Linear reads and writes of 1, 2 or 4 bytes (callers split 8-byte ones). */
static inline uint32_t mmu_read(struct cpu *c, uint32_t la, unsigned size)
{
    const struct tlb_entry *e = tlb_entry_for(c->tlb, la);
    if (__builtin_expect(tlb_hit(c, e->tag_r, la, size), 1))
        return host_load(tlb_host(e, la), size);
    return mmu_read_slow(c, la, size);
}

static inline void mmu_write(struct cpu *c, uint32_t la, uint32_t v, unsigned size)
{
    const struct tlb_entry *e = tlb_entry_for(c->tlb, la);
    if (__builtin_expect(tlb_hit(c, e->tag_w, la, size), 1))
        host_store(tlb_host(e, la), v, size);
    else
        mmu_write_slow(c, la, v, size);
}

/* Aligned 8-byte reads and writes are one host access on RAM, atomic for
 * other CPU threads (SDM vol. 3A, 8.1.1: quadwords on the Pentium and
 * later): FILD/FLD/FST m64, MOVQ, CMPXCHG8B.  Anything else (unaligned,
 * MMIO, misses) is two 4-byte halves out of line, as before; a write that
 * crosses a page checks both pages before either half lands. */
uint64_t mmu_read64_slow(struct cpu *c, uint32_t la);
void mmu_write64_slow(struct cpu *c, uint32_t la, uint64_t v);

static inline uint64_t mmu_read64(struct cpu *c, uint32_t la)
{
    const struct tlb_entry *e = tlb_entry_for(c->tlb, la);
    if (__builtin_expect((la & 7) == 0 && tlb_hit(c, e->tag_r, la, 8), 1))
        return hostmem_load64(tlb_host(e, la));
    return mmu_read64_slow(c, la);
}

static inline void mmu_write64(struct cpu *c, uint32_t la, uint64_t v)
{
    const struct tlb_entry *e = tlb_entry_for(c->tlb, la);
    if (__builtin_expect((la & 7) == 0 && tlb_hit(c, e->tag_w, la, 8), 1))
        hostmem_store64(tlb_host(e, la), v);
    else
        mmu_write64_slow(c, la, v);
}

/* Instruction fetch of n bytes that stay within la's page. */
static inline void mmu_fetch(struct cpu *c, uint32_t la, uint8_t *dst, unsigned n)
{
    const struct tlb_entry *e = tlb_entry_for(c->tlb, la);
    if (__builtin_expect(tlb_hit(c, e->tag_x, la, 1), 1))
        hostmem_copy_code(dst, tlb_host(e, la), n);
    else
        mmu_fetch_slow(c, la, dst, n);
}

#endif
