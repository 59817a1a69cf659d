/* IA-32 32-bit paging and the software TLB; see mmu.h.
 *
 * Paging is on when CR0.PG and CR0.PE are both set.  A walk (SDM vol. 3A,
 * 4.3) reads the PDE at CR3[31:12] + 4 * la[31:22]; with CR4.PSE and
 * PDE.PS it maps a 4 MiB page (PDE bits 21-13 reserved: #PF with RSVD),
 * otherwise the PTE at PDE[31:12] + 4 * la[21:12] maps a 4 KiB page.
 * Rights (4.6) combine across both levels: user accesses need U/S=1 in
 * both and, for writes, R/W=1 in both; supervisor accesses may read any
 * present page and write read-only ones unless CR0.WP.  A successful walk
 * sets the Accessed flag of both entries and, for a write, the Dirty flag
 * of the leaf (4.8), with one atomic OR per entry that changes, as the
 * processor's locked update does.  A faulting walk writes nothing: the
 * processor may or may not set A flags on a walk that faults (4.8), and
 * we choose the deterministic answer.
 *
 * A TLB entry caches the outcome for both privilege levels (TLB_T_SUPONLY),
 * so CPL changes need no flush.  A write tag is only valid once the leaf is
 * dirty: the first write to a page filled by a read misses, walks again
 * and sets D.
 */
#include "cpu/mmu.h"

#include <stdlib.h>

#include "cpu/exec.h"
#include "cpu/msr.h"
#include "vm/physmem.h"

#define PAGE_OFF(la) ((la) & (PHYS_PAGE_SIZE - 1))

int mmu_init(struct cpu *c)
{
    void *p = NULL;
    if (posix_memalign(&p, 64, sizeof(struct tlb)) != 0)
        return -1;
    struct tlb *t = p;
    memset(t, 0, sizeof(*t));
    for (unsigned i = 0; i < TLB_SIZE; i++)
        t->e[i].tag_r = t->e[i].tag_w = t->e[i].tag_x = TLB_T_INVALID;
    c->tlb = t;
    return 0;
}

void mmu_destroy(struct cpu *c)
{
    free(c->tlb);
    c->tlb = NULL;
}

/* --- flushing ---------------------------------------------------------- */

static void entry_clear(struct tlb_entry *e)
{
    e->tag_r = e->tag_w = e->tag_x = TLB_T_INVALID;
    e->pa = 0;
    e->addend = 0;
    e->flags = 0;
}

/* Invalidates an entry that stays on the used list (INVLPG). */
static void entry_drop(struct tlb_entry *e)
{
    uint8_t listed = e->flags & TLB_F_LISTED;
    entry_clear(e);
    e->flags = listed;
}

/* (At most once per entry, TLB_F_LISTED: the list never overflows.) */
static void list_add(struct tlb *t, unsigned idx)
{
    t->used[t->nused++] = (uint16_t)idx;
}

/* Keeps entry idx through a flush when it is global and globals stay. */
static void flush_one(struct tlb *t, unsigned idx, bool include_global)
{
    struct tlb_entry *e = &t->e[idx];
    if (!include_global && (e->flags & TLB_F_GLOBAL))
        list_add(t, idx);
    else
        entry_clear(e);
}

void mmu_flush(struct cpu *c, bool include_global)
{
    struct tlb *t = c->tlb;
    if (!t)
        return;
    t->flushes++;
    unsigned n = t->nused;
    t->nused = 0;
    /* The kept indices are a prefix of the ones visited: in place. */
    for (unsigned k = 0; k < n; k++)
        flush_one(t, t->used[k], include_global);
    /* Surviving global 4 MiB entries keep their region bits (harmless when
     * stale: INVLPG just scans). */
    if (include_global)
        memset(t->large_regions, 0, sizeof(t->large_regions));
}

/* The entry's write tag loses its host pointer when it maps a page of
 * [pa, pa+len). */
static void drop_write(struct tlb_entry *e, const struct physmem *pm, uint32_t pa, uint32_t len)
{
    if ((e->tag_w & (TLB_T_INVALID | TLB_T_NOHOST)) || (e->flags & TLB_F_NOWHERE))
        return;
    if (phys_mask(pm, e->pa) - pa < len)
        e->tag_w |= TLB_T_NOHOST;
}

void mmu_drop_writes(struct cpu *c, uint32_t pa, uint32_t len)
{
    struct tlb *t = c->tlb;
    if (!t || !len)
        return;
    /* Entries not on the used list are empty (mmu_flush), so the list
     * is all there is to look at. */
    pa &= TLB_PAGE_MASK;
    len = (len + PHYS_PAGE_SIZE - 1) & TLB_PAGE_MASK;
    for (unsigned k = 0; k < t->nused; k++)
        drop_write(&t->e[t->used[k]], c->mem, pa, len);
}

void mmu_invlpg(struct cpu *c, uint32_t la)
{
    struct tlb *t = c->tlb;
    t->invlpgs++;
    struct tlb_entry *e = tlb_entry_for(t, la);
    if ((e->tag_r & TLB_PAGE_MASK) == (la & TLB_PAGE_MASK))
        entry_drop(e);
    /* A 4 MiB page is cached as 4 KiB pieces: drop every piece. */
    uint32_t region = la >> 22;
    uint32_t bit = 1u << (region & 31);
    if (t->large_regions[region / 32] & bit) {
        t->large_regions[region / 32] &= ~bit;
        for (uint32_t p = 0; p < 1024; p++) {
            struct tlb_entry *x = tlb_entry_for(t, (region << 22) | (p << 12));
            if ((x->flags & TLB_F_LARGE) && (x->tag_r >> 22) == region)
                entry_drop(x);
        }
    }
}

/* --- the walk ---------------------------------------------------------- */

static bool paging_on(const struct cpu *c)
{
    return (c->cr0 & (CR0_PG | CR0_PE)) == (CR0_PG | CR0_PE);
}

_Noreturn static void page_fault(struct cpu *c, uint32_t la, uint32_t err)
{
    c->cr2 = la;
    cpu_fault(c, EXC_PF, err);
}

/* Reads a paging-structure entry (a physical access: A20 and the bus mask
 * apply).  RAM directly; anything else through the bus. */
static uint32_t pt_read(struct physmem *pm, uint32_t pa)
{
    const uint8_t *p = physmem_ptr(pm, pa, false);
    if (p)
        return hostmem_load(p, 4); /* one load: another CPU may be writing it */
    return phys_read(pm, pa, 4);
}

/* Sets bits in a paging-structure entry: one atomic OR, as the processor's
 * locked A/D update (SDM 4.8).  Tables outside RAM: read-modify-write
 * through the bus (ROM drops it). */
static void pt_set_bits(struct physmem *pm, uint32_t pa, uint32_t bits)
{
    uint8_t *p = physmem_ptr(pm, pa, true);
    if (p)
        __atomic_fetch_or((uint32_t *)(void *)p, bits, __ATOMIC_SEQ_CST);
    else
        phys_write(pm, pa, phys_read(pm, pa, 4) | bits, 4);
}

/* A successful walk: what the TLB entry is built from. */
struct walk {
    uint64_t pa;     /* physical page base (PAE: may be at or above 4 GiB) */
    bool u_ok;       /* U/S=1 at every level */
    bool w_ok;       /* R/W=1 at every level */
    bool nx;         /* execute disabled (PAE with EFER.NXE, XD somewhere) */
    bool dirty;      /* the leaf's D flag is set (or this walk set it) */
    bool global;     /* G=1 with CR4.PGE */
    bool large;      /* a 4 MiB or 2 MiB page */
};

/* The access rights check (SDM 4.6): user accesses need U/S=1 and, for
 * writes, R/W=1 at every level; supervisor writes to read-only pages only
 * with CR0.WP=0; no instruction fetch from an execute-disabled page. */
static void check_rights(struct cpu *c, uint32_t la, uint32_t err, const struct walk *w,
                         enum mmu_access acc)
{
    bool write = acc == MMU_WRITE;
    bool sup_w = w->w_ok || !(c->cr0 & CR0_WP);
    bool ok = mmu_user(c) ? w->u_ok && (!write || w->w_ok) : !write || sup_w;
    if (!ok || (acc == MMU_EXEC && w->nx))
        page_fault(c, la, err | PFERR_P);
}

/* 32-bit paging (SDM 4.3): PDE, then a PTE or a 4 MiB page. */
static void walk32(struct cpu *c, uint32_t la, enum mmu_access acc, uint32_t err,
                   struct walk *w)
{
    struct physmem *pm = c->mem;
    uint32_t pde_pa = (c->cr3 & TLB_PAGE_MASK) | ((la >> 20) & 0xFFC);
    uint32_t pde = pt_read(pm, pde_pa);
    if (!(pde & PTE_P))
        page_fault(c, la, err);
    w->large = (c->cr4 & MMU_CR4_PSE) && (pde & PTE_PS);
    uint32_t pte_pa = 0, leaf;
    if (w->large) {
        if (pde & PDE_4M_RSVD)
            page_fault(c, la, err | PFERR_P | PFERR_RSVD);
        leaf = pde;
    } else {
        pte_pa = (pde & TLB_PAGE_MASK) | ((la >> 10) & 0xFFC);
        leaf = pt_read(pm, pte_pa);
        if (!(leaf & PTE_P))
            page_fault(c, la, err);
    }
    w->u_ok = (pde & leaf & PTE_US) != 0;
    w->w_ok = (pde & leaf & PTE_RW) != 0;
    w->nx = false;
    check_rights(c, la, err, w, acc);

    /* Accessed and dirty flags, only where they change. */
    uint32_t want = PTE_A | (acc == MMU_WRITE ? PTE_D : 0);
    if (w->large) {
        if ((pde & want) != want)
            pt_set_bits(pm, pde_pa, want);
        w->pa = (pde & 0xFFC00000u) | (la & 0x003FF000u);
    } else {
        if (!(pde & PTE_A))
            pt_set_bits(pm, pde_pa, PTE_A);
        if ((leaf & want) != want)
            pt_set_bits(pm, pte_pa, want);
        w->pa = leaf & TLB_PAGE_MASK;
    }
    w->dirty = acc == MMU_WRITE || (leaf & PTE_D);
    w->global = (leaf & PTE_G) && (c->cr4 & MMU_CR4_PGE);
}

/* A 64-bit paging-structure entry.  Nothing is behind physical addresses
 * at or above 4 GiB: all ones, which is present with reserved bits set. */
static uint64_t pt_read64(struct physmem *pm, uint64_t pa)
{
    if (pa > 0xFFFFFFF8u)
        return ~0ull;
    /* One 8-byte load from RAM, as the processor reads an entry: a CPU on
     * another thread may be rewriting it. */
    const uint8_t *p = physmem_ptr(pm, (uint32_t)pa, false);
    if (p && !(pa & 7))
        return hostmem_load64(p);
    return pt_read(pm, (uint32_t)pa) | (uint64_t)pt_read(pm, (uint32_t)pa + 4) << 32;
}

bool mmu_load_pdptes(struct cpu *c, uint32_t cr3)
{
    uint64_t e[4];
    for (unsigned k = 0; k < 4; k++) {
        e[k] = pt_read64(c->mem, (cr3 & 0xFFFFFFE0u) + 8 * k);
        if ((e[k] & PTE_P) && (e[k] & PDPTE_RSVD))
            return false;
    }
    memcpy(c->pdpte, e, sizeof(e));
    return true;
}

/* PAE paging (SDM 4.4): the PDPTE register for la[31:30], a 64-bit PDE,
 * then a 64-bit PTE or a 2 MiB page (PS needs no CR4.PSE here). */
static void walk_pae(struct cpu *c, uint32_t la, enum mmu_access acc, uint32_t err,
                     struct walk *w)
{
    struct physmem *pm = c->mem;
    bool nxe = (c->msr.efer & EFER_NXE) != 0;
    uint64_t rsvd = PAE_RSVD_HIGH | (nxe ? 0 : PTE_XD);
    uint64_t pdpte = c->pdpte[la >> 30];
    if (!(pdpte & PTE_P))
        page_fault(c, la, err);
    uint64_t pde_pa = (pdpte & PAE_ADDR) | ((la >> 18) & 0xFF8);
    uint64_t pde = pt_read64(pm, pde_pa);
    if (!(pde & PTE_P))
        page_fault(c, la, err);
    w->large = (pde & PTE_PS) != 0;
    if (pde & (rsvd | (w->large ? PDE_2M_RSVD : 0)))
        page_fault(c, la, err | PFERR_P | PFERR_RSVD);
    uint64_t leaf = pde, pte_pa = 0;
    if (!w->large) {
        pte_pa = (pde & PAE_ADDR) | ((la >> 9) & 0xFF8);
        leaf = pt_read64(pm, pte_pa);
        if (!(leaf & PTE_P))
            page_fault(c, la, err);
        if (leaf & rsvd)
            page_fault(c, la, err | PFERR_P | PFERR_RSVD);
    }
    w->u_ok = (pde & leaf & PTE_US) != 0;
    w->w_ok = (pde & leaf & PTE_RW) != 0;
    w->nx = nxe && ((pde | leaf) & PTE_XD);
    check_rights(c, la, err, w, acc);

    /* Tables that read as present lie below 4 GiB (pt_read64), so their
     * addresses fit pt_set_bits; A and D are in the low dword. */
    uint32_t want = PTE_A | (acc == MMU_WRITE ? PTE_D : 0);
    if (w->large) {
        if ((pde & want) != want)
            pt_set_bits(pm, (uint32_t)pde_pa, want);
        w->pa = (pde & PAE_ADDR_2M) | (la & 0x001FF000u);
    } else {
        if (!(pde & PTE_A))
            pt_set_bits(pm, (uint32_t)pde_pa, PTE_A);
        if ((leaf & want) != want)
            pt_set_bits(pm, (uint32_t)pte_pa, want);
        w->pa = leaf & PAE_ADDR;
    }
    w->dirty = acc == MMU_WRITE || (leaf & PTE_D);
    w->global = (leaf & PTE_G) && (c->cr4 & MMU_CR4_PGE);
}

/* Translates la for `acc` by walking the tables, raising #PF if the access
 * is not allowed, and fills entry e with the result for all access kinds
 * and both privilege levels. */
static void tlb_fill(struct cpu *c, struct tlb_entry *e, uint32_t la, enum mmu_access acc)
{
    struct tlb *t = c->tlb;
    struct physmem *pm = c->mem;
    uint32_t page = la & TLB_PAGE_MASK;
    struct walk w = { .pa = page, .u_ok = true, .w_ok = true, .dirty = true };
    uint8_t flags = 0;

    t->misses++;
    if (paging_on(c)) {
        t->walks++;
        bool pae = (c->cr4 & MMU_CR4_PAE) != 0;
        uint32_t err = (acc == MMU_WRITE ? PFERR_W : 0) | (mmu_user(c) ? PFERR_U : 0);
        if (pae && acc == MMU_EXEC && (c->msr.efer & EFER_NXE))
            err |= PFERR_ID;
        if (pae)
            walk_pae(c, la, acc, err, &w);
        else
            walk32(c, la, acc, err, &w);
        if (w.large) {
            flags |= TLB_F_LARGE;
            t->large_regions[la >> 27] |= 1u << ((la >> 22) & 31);
        }
        if (w.global)
            flags |= TLB_F_GLOBAL;
    }
    bool sup_w = w.w_ok || !(c->cr0 & CR0_WP);

    uint8_t *host = NULL;
    bool host_w = false;
    if (w.pa > 0xFFFFF000u) {
        /* Nothing behind it (mmu.h): code there is #UD, data all ones. */
        if (acc == MMU_EXEC)
            cpu_fault(c, EXC_UD, 0);
        flags |= TLB_F_NOWHERE;
    } else {
        /* Host pointer for RAM, or for reads of ROM; writes need RAM,
         * and the same bytes: under shadow control (physmem_set_shadow)
         * a page may read from ROM and write to RAM, or read RAM and
         * drop writes, so writes go to the slow path unless both
         * answers agree. */
        host = physmem_ptr(pm, (uint32_t)w.pa, false);
        host_w = host && physmem_ptr(pm, (uint32_t)w.pa, true) == host;
    }
    uint32_t pa = (uint32_t)w.pa;
    uint32_t rd = page | (w.u_ok ? 0 : TLB_T_SUPONLY) | (host ? 0 : TLB_T_NOHOST);
    uint32_t wr = page | TLB_T_INVALID;
    if (w.dirty && sup_w)
        wr = page | (w.u_ok && w.w_ok ? 0 : TLB_T_SUPONLY) | (host_w ? 0 : TLB_T_NOHOST);
    /* Scan-before-execute: stores to a page holding scanned code (or to
     * the first bytes of the page after one, where an instruction crossing
     * the boundary may end) take the slow path, which applies seed 003's
     * write rule.  A page that becomes watched later flushes the TLB. */
    if (pm->code_watched && !(wr & TLB_T_INVALID) && !(flags & TLB_F_NOWHERE)) {
        uint32_t ppn = phys_mask(pm, pa) >> PHYS_PAGE_SHIFT;
        bool watched = phys_page_watched(pm, ppn) || (ppn > 0 && phys_page_watched(pm, ppn - 1));
        if (watched) {
            wr |= TLB_T_WATCHED;
            flags |= TLB_F_WATCHED;
        }
    }

    if (!(e->flags & TLB_F_LISTED))
        list_add(t, (unsigned)(e - t->e));
    e->tag_r = rd;
    /* Execute needs what read needs, and no XD; a page with nothing behind
     * it is never executed from the TLB (each fetch walks, then #UD). */
    e->tag_x = w.nx || (flags & TLB_F_NOWHERE) ? page | TLB_T_INVALID : rd;
    e->tag_w = wr;
    e->pa = pa;
    e->addend = host ? (uintptr_t)host - page : 0;
    e->flags = flags | TLB_F_LISTED | (w.u_ok ? TLB_F_USER : 0) | (w.w_ok ? TLB_F_WRITE : 0);
}

/* The entry for la with a valid translation for `acc` at the current
 * privilege level (it may still need the slow path: NOHOST, WATCHED). */
static struct tlb_entry *tlb_get(struct cpu *c, uint32_t la, enum mmu_access acc)
{
    struct tlb_entry *e = tlb_entry_for(c->tlb, la);
    uint32_t tag = acc == MMU_READ ? e->tag_r : acc == MMU_WRITE ? e->tag_w : e->tag_x;
    uint32_t mask = TLB_PAGE_MASK | TLB_T_INVALID | (mmu_user(c) ? TLB_T_SUPONLY : 0);
    if ((tag & mask) != (la & TLB_PAGE_MASK))
        tlb_fill(c, e, la, acc);
    return e;
}

uint32_t mmu_translate(struct cpu *c, uint32_t la, enum mmu_access acc)
{
    return tlb_get(c, la, acc)->pa | PAGE_OFF(la);
}

void mmu_probe(struct cpu *c, uint32_t la, uint32_t len, enum mmu_access acc)
{
    uint32_t page = la & TLB_PAGE_MASK, last = (la + len - 1) & TLB_PAGE_MASK;
    mmu_translate(c, la, acc);
    while (page != last) {
        page += PHYS_PAGE_SIZE;
        mmu_translate(c, page, acc);
    }
}

/* The width of the next piece of a multi-byte access. */
static unsigned piece(unsigned left)
{
    return left >= 4 ? 4 : left >= 2 ? 2 : 1;
}

void mmu_read_bytes(struct cpu *c, uint32_t la, void *dst, unsigned len)
{
    uint8_t *d = dst;
    if (len == 8) { /* an m64 operand: one access when aligned */
        uint64_t v = mmu_read64(c, la);
        memcpy(d, &v, 8);
        return;
    }
    for (unsigned k = 0, n; k < len; k += n) {
        n = piece(len - k);
        uint32_t v = mmu_read(c, la + k, n);
        memcpy(d + k, &v, n);
    }
}

void mmu_write_bytes(struct cpu *c, uint32_t la, const void *src, unsigned len)
{
    const uint8_t *s = src;
    if (len == 8) {
        uint64_t v;
        memcpy(&v, s, 8);
        mmu_write64(c, la, v);
        return;
    }
    for (unsigned k = 0, n; k < len; k += n) {
        n = piece(len - k);
        uint32_t v = 0;
        memcpy(&v, s + k, n);
        mmu_write(c, la + k, v, n);
    }
}

/* --- slow paths -------------------------------------------------------- */

/* One byte through a filled entry (page-crossing accesses). */
static uint32_t entry_read_byte(struct physmem *pm, uint32_t pa, bool nowhere)
{
    return nowhere ? 0xFF : phys_read(pm, pa, 1);
}

uint32_t mmu_read_slow(struct cpu *c, uint32_t la, unsigned size)
{
    struct physmem *pm = c->mem;
    unsigned off = PAGE_OFF(la);
    if (off + size <= PHYS_PAGE_SIZE) {
        const struct tlb_entry *e = tlb_get(c, la, MMU_READ);
        if (!(e->tag_r & TLB_T_NOHOST))
            return host_load(tlb_host(e, la), size);
        if (e->flags & TLB_F_NOWHERE)
            return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
        return phys_read(pm, e->pa | off, size);
    }
    /* Crossing into the next page: translate both before reading
     * (bytewise, as the bus splits such an access). */
    unsigned n0 = PHYS_PAGE_SIZE - off;
    const struct tlb_entry *e0 = tlb_get(c, la, MMU_READ);
    uint32_t pa0 = e0->pa | off;
    bool nw0 = (e0->flags & TLB_F_NOWHERE) != 0;
    const struct tlb_entry *e1 = tlb_get(c, la + n0, MMU_READ);
    uint32_t pa1 = e1->pa;
    bool nw1 = (e1->flags & TLB_F_NOWHERE) != 0;
    uint32_t v = 0;
    for (unsigned k = 0; k < size; k++) {
        uint32_t b = k < n0 ? entry_read_byte(pm, pa0 + k, nw0)
                            : entry_read_byte(pm, pa1 + (k - n0), nw1);
        v |= b << (8 * k);
    }
    return v;
}

/* After a store through phys_write: a page of a direct MMIO window that
 * its device now counts as written (physmem.h's direct_writable: the VGA
 * framebuffer after the first store since the last picture) is writable
 * at the host pointer the entry already holds for reads, so the write tag
 * drops TLB_T_NOHOST and the next store, in the interpreter or the
 * translator's inline probe, is a host store (QEMU's TLB_NOTDIRTY).  The
 * entry is checked again first: the device's write may have flushed the
 * TLB.  Only pages read through a host pointer can qualify: real MMIO
 * (tag_r has TLB_T_NOHOST too) costs one test. */
static void write_refill(struct cpu *c, struct tlb_entry *e, uint32_t la)
{
    uint32_t page = la & TLB_PAGE_MASK;
    if ((e->tag_w & (TLB_PAGE_MASK | TLB_T_INVALID | TLB_T_NOHOST)) != (page | TLB_T_NOHOST) ||
        (e->tag_r & (TLB_T_INVALID | TLB_T_NOHOST)) || (e->flags & TLB_F_NOWHERE))
        return;
    if (physmem_ptr(c->mem, e->pa, true) == tlb_host(e, page))
        e->tag_w &= ~(uint32_t)TLB_T_NOHOST;
}

void mmu_write_slow(struct cpu *c, uint32_t la, uint32_t v, unsigned size)
{
    struct physmem *pm = c->mem;
    unsigned off = PAGE_OFF(la);
    if (off + size <= PHYS_PAGE_SIZE) {
        struct tlb_entry *e = tlb_get(c, la, MMU_WRITE);
        /* TLB_T_WATCHED: scan-before-execute applies its write rule
         * before the store lands (phys_write does it for NOHOST pages). */
        if (!(e->tag_w & TLB_T_NOHOST)) {
            if (e->tag_w & TLB_T_WATCHED) {
                /* Several host threads: no other CPU scans the page
                 * between the rule and the store (physmem.h's dev_lock). */
                uint8_t *host = tlb_host(e, la);
                phys_dev_lock(pm);
                phys_note_write(pm, e->pa | off, size);
                host_store(host, v, size);
                phys_dev_unlock(pm);
            } else {
                host_store(tlb_host(e, la), v, size);
            }
        } else if (!(e->flags & TLB_F_NOWHERE)) {
            phys_write(pm, e->pa | off, v, size);
            write_refill(c, e, la);
        }
        return;
    }
    /* Crossing: both pages must allow the write before any byte lands, so
     * a #PF on the second page leaves the first unchanged (restartable).
     * phys_write applies scan-before-execute's rule to each byte. */
    unsigned n0 = PHYS_PAGE_SIZE - off;
    const struct tlb_entry *e0 = tlb_get(c, la, MMU_WRITE);
    uint32_t pa0 = e0->pa | off;
    bool nw0 = (e0->flags & TLB_F_NOWHERE) != 0;
    const struct tlb_entry *e1 = tlb_get(c, la + n0, MMU_WRITE);
    uint32_t pa1 = e1->pa;
    bool nw1 = (e1->flags & TLB_F_NOWHERE) != 0;
    for (unsigned k = 0; k < size; k++) {
        bool first = k < n0;
        if (first ? nw0 : nw1)
            continue;
        phys_write(pm, first ? pa0 + k : pa1 + (k - n0), (v >> (8 * k)) & 0xFF, 1);
    }
}

void mmu_fetch_slow(struct cpu *c, uint32_t la, uint8_t *dst, unsigned n)
{
    const struct tlb_entry *e = tlb_get(c, la, MMU_EXEC);
    unsigned off = PAGE_OFF(la);
    if (!(e->tag_x & TLB_T_NOHOST)) {
        hostmem_copy_code(dst, tlb_host(e, la), n);
        return;
    }
    for (unsigned k = 0; k < n; k++)
        dst[k] = (uint8_t)phys_read(c->mem, e->pa | (off + k), 1);
}

uint64_t mmu_read64_slow(struct cpu *c, uint32_t la)
{
    if (!(la & 7)) {
        const struct tlb_entry *e = tlb_get(c, la, MMU_READ);
        if (!(e->tag_r & TLB_T_NOHOST))
            return hostmem_load64(tlb_host(e, la));
    }
    uint32_t lo = mmu_read(c, la, 4);
    return (uint64_t)mmu_read(c, la + 4, 4) << 32 | lo;
}

void mmu_write64_slow(struct cpu *c, uint32_t la, uint64_t v)
{
    if (!(la & 7)) {
        struct tlb_entry *e = tlb_get(c, la, MMU_WRITE);
        if (!(e->tag_w & TLB_T_NOHOST)) {
            if (e->tag_w & TLB_T_WATCHED)
                phys_note_write(c->mem, e->pa | PAGE_OFF(la), 8);
            hostmem_store64(tlb_host(e, la), v);
            return;
        }
    } else if (PAGE_OFF(la) > PHYS_PAGE_SIZE - 8) {
        mmu_probe(c, la, 8, MMU_WRITE); /* no half lands before a #PF */
    }
    mmu_write(c, la, (uint32_t)v, 4);
    mmu_write(c, la + 4, (uint32_t)(v >> 32), 4);
}

uint8_t *mmu_rmw_host(struct cpu *c, uint32_t la, unsigned size)
{
    tlb_get(c, la, MMU_READ);
    struct tlb_entry *e = tlb_get(c, la, MMU_WRITE);
    if ((e->tag_w | e->tag_r) & TLB_T_NOHOST)
        return NULL;
    if (e->tag_w & TLB_T_WATCHED)
        phys_note_write(c->mem, e->pa | PAGE_OFF(la), size);
    return tlb_host(e, la);
}
