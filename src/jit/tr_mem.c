/* The translator's memory operands (issue 18): the effective address, the
 * inline segment checks and TLB probe (mmu.h's fast path), the kept host
 * addresses of a loop's operands (cpu.eng.site), the shared probes of
 * operands in one page (tr.h share), the last page of a loop's moving
 * operands (cpu.eng.page_la/page_add), and the slow path in the cold
 * section: jit_mem_slow (the interpreter's checks and faults), the
 * operation on a scratch copy, jit_mem_commit.  translate.c's instructions
 * call tr_with_memory with the operation to do on the host address. */
#include "jit/tr.h"

#include <string.h>

/* Guest register r as a host register: its cache register, or `scratch`
 * loaded from struct cpu (mov: the host's flags survive). */
uint8_t tr_gpr_in(struct tr *t, unsigned r, unsigned size, uint8_t scratch)
{
    struct xrm rm = gpr_rm(t, r, size);
    if (rm.is_reg)
        return rm.reg;
    x_load(t->cur, size, scratch, rm);
    return scratch;
}

/* dst = the effective address of in's memory operand (32-bit address
 * size, wrapping at 4 GiB); the host's flags survive (mov and lea only).
 * Registers not cached are loaded into rax (index) and rdi (base). */
void tr_ea_to(struct tr *t, const struct insn *in, uint8_t dst)
{
    struct xbuf *b = t->cur;
    uint8_t base = XNONE, index = XNONE;
    if (in->mindex != NOREG)
        index = tr_gpr_in(t, in->mindex, 4, XAX);
    if (in->mbase != NOREG) {
        /* Straight into dst only when nothing else is read after it. */
        bool alone = index == XNONE && in->disp == 0;
        base = tr_gpr_in(t, in->mbase, 4, alone ? dst : XDI);
    }
    if (base == XNONE && index == XNONE) {
        x_mov_r32_imm(b, dst, (uint32_t)in->disp);
        return;
    }
    if (index == XNONE && in->disp == 0) {
        if (base != dst)
            x_load(b, 4, dst, R(base));
        return;
    }
    if (base == XNONE && in->mscale == 1) {
        base = index;
        index = XNONE;
    }
    x_lea(b, false, dst, xmi(base, index, index == XNONE ? 1 : in->mscale, in->disp));
}

static uint32_t mem_packed(unsigned seg, unsigned size, unsigned kind)
{
    return seg | size << 4 | kind << 12;
}

/* The struct seg.check bits that send an access of `kind` to the slow
 * path (seg_linear's fast case). */
unsigned tr_seg_check_bits(unsigned kind)
{
    return SEGC_EXPDOWN | SEGC_ALIGN | SEGC_WATCH | ((kind & JM_READ) ? SEGC_NO_READ : 0) |
           ((kind & JM_WRITE) ? SEGC_NO_WRITE : 0);
}

/* With esi the offset: the segment check and TLB probe, leaving the host
 * address in rdx, or jumping to `cold_label`.  Clobbers rax rcx rdi and
 * the host flags.
 *
 * The probe is mmu.h's fast path: the entry at (la >> 12) & (TLB_SIZE - 1)
 * hits when its tag, less the bits that do not matter here, equals the
 * page of the access's last byte (so an access crossing into the next
 * page misses); the host address is then entry.addend + la. */
static void probe_range(struct tr *t, unsigned seg, int32_t lo, int32_t hi, unsigned kind,
                        unsigned cold_label);

void tr_probe(struct tr *t, unsigned seg, unsigned size, unsigned kind, unsigned cold_label)
{
    probe_range(t, seg, 0, (int32_t)size - 1, kind, cold_label);
}

/* The probe for the bytes from la + lo to la + hi (lo <= 0 <= hi, less
 * than a page apart; lo and hi other than 0 and size - 1 only for a flat
 * segment: a shared probe, tr.h share), leaving rdx = the host address of
 * la itself.  The entry at lo's index must hold hi's page: as lo and hi
 * are less than a page apart, that page is lo's too, and every byte in
 * between lies in it. */
static void probe_range(struct tr *t, unsigned seg, int32_t lo, int32_t hi, unsigned kind,
                        unsigned cold_label)
{
    struct xbuf *b = t->cur;
    uint8_t la = XSI;
    int32_t size = hi + 1;
    if (!(t->flat & (1u << seg))) {
        /* (Flat segments, checked by the prologue, need nothing: an access
         * that wraps at 4 GiB has its last byte in page 0, which never
         * matches the tag at the first byte's index.) */
        unsigned acc = tr_seg_check_bits(kind);
        x_test_rm_imm(b, 1, cpu_rm(CPU_OFF(seg[seg].check)), acc);
        x_jcc(&t->L, b, XCC_NE, cold_label);
        x_lea(b, true, XAX, xm(R_OFF, (int32_t)size - 1));       /* 64-bit: no wrap */
        x_load(b, 4, XCX, cpu_rm(CPU_OFF(seg[seg].limit)));
        x_w(b, 0x39, XCX, R(XAX));                               /* cmp rax, rcx */
        x_jcc(&t->L, b, XCC_A, cold_label);
        x_load(b, 4, XCX, cpu_rm(CPU_OFF(seg[seg].base)));
        x_alu_rm_r(b, 0, 4, R(XCX), R_OFF);                      /* la = base + off */
        la = XCX;
    }
    x_lea(b, false, XDI, xm(la, hi));
    if (lo)
        x_lea(b, false, XAX, xm(la, lo));
    else
        x_load(b, 4, XAX, R(la));
    x_shift_imm(b, 5, 4, R(XAX), 7);                            /* 32-byte entries */
    x_alu_rm_imm(b, 4, 4, R(XAX), (TLB_SIZE - 1) << 5);
    x_alu_rm_imm(b, 4, 4, R(XDI), TLB_PAGE_MASK);
    int32_t tag = (kind & JM_WRITE) ? (int32_t)offsetof(struct tlb_entry, tag_w)
                                    : (int32_t)offsetof(struct tlb_entry, tag_r);
    struct xrm tag_rm = xr_mem(xmi(R_TLB, XAX, 1, tag));
    if (t->user) {
        /* Every slow bit counts at CPL 3: a plain compare. */
        x_alu_r_rm(b, 7, 4, XDI, tag_rm);
    } else {
        x_alu_r_rm(b, 6, 4, XDI, tag_rm);                        /* xor */
        x_test_rm_imm(b, 4, R(XDI), TLB_PAGE_MASK | TLB_T_INVALID | TLB_T_NOHOST |
                                        TLB_T_WATCHED);
    }
    x_jcc(&t->L, b, XCC_NE, cold_label);
    x_w(b, 0x8B, XDX, xr_mem(xmi(R_TLB, XAX, 1, (int32_t)offsetof(struct tlb_entry, addend))));
    x_w(b, 0x01, la, R(XDX));                                    /* add rdx, la */
}

_Static_assert(sizeof(struct tlb_entry) == 32, "tr_probe scales the TLB index by 32");
_Static_assert(offsetof(struct tlb, e) == 0, "r12 points at the TLB's entries");
_Static_assert((TLB_T_INVALID | TLB_T_SUPONLY | TLB_T_NOHOST | TLB_T_WATCHED) == 0xF,
               "a tag's low bits are its slow bits, so a user probe compares it whole");

void tr_site_test(struct tr *t, unsigned i, unsigned l_empty)
{
    x_w(t->cur, 0x8B, XDX, tr_site_rm(i));
    x_w(t->cur, 0x85, XDX, R(XDX));                             /* test rdx, rdx */
    x_jcc(&t->L, t->cur, XCC_E, l_empty);
}

/* After a C call, which may have changed the TLB: the kept host
 * addresses are forgotten (the next pass probes again); after a memory
 * operand's slow path the shared probes' too, by its stub (jit.c
 * jit_forget; tr.h share: a group may go on past it; one never spans an
 * interpreted instruction). */
void tr_sites_forget(struct tr *t)
{
    for (unsigned i = 0; i < t->nsites; i++)
        if (!t->prefill || !t->pf_ok[i]) /* (tr_prefill.c fills those) */
            x_store_imm(t->cur, 8, tr_site_rm(i), 0);
}

/* After instruction k (its code, both paths joined): the sites whose
 * address registers it writes are forgotten, filled again by the next
 * pass that reaches them (tr_choose_sites keeps a site only where a loop
 * runs without such a write).  A register written by C is covered by
 * the call's jit_forget. */
void tr_sites_written(struct tr *t, unsigned k)
{
    for (unsigned i = 0; i < t->nsites; i++)
        if (t->plan[k].gw & t->site_regs[i])
            x_store_imm(t->cur, 8, tr_site_rm(i), 0);
}

/* rdx += the index register * scale (when `idx`, tr.h share) + delta:
 * a shared probe's host address to this access's.  Uses rax. */
static void share_add(struct tr *t, const struct insn *in, int32_t delta, bool idx)
{
    if (idx) {
        uint8_t ix = tr_gpr_in(t, in->mindex, 4, XAX); /* (zero-extended) */
        x_lea(t->cur, true, XDX, xmi(XDX, ix, in->mscale, delta));
    } else if (delta) {
        x_lea(t->cur, true, XDX, xm(XDX, delta));
    }
}

/* share_add, or with `fold` (tr_with_memory_fold, and an index in a
 * host register of its own) the same sum as the op's addressing mode,
 * tr.h hm: one instruction less, and the index's lea off its way to the
 * load. */
static void share_add_or_fold(struct tr *t, const struct insn *in, int32_t delta, bool idx,
                              bool fold)
{
    if (fold)
        t->hm = idx ? xmi(XDX, gpr_rm(t, in->mindex, 4).reg, in->mscale, delta) : xm(XDX, delta);
    else
        share_add(t, in, delta, idx);
}

/* On a cold way into a folded op (tr.h hm) with rdx the access's own host
 * address: rdx less what the op's addressing mode adds.  Uses rax and
 * the host's flags (a probe came just before: they are saved). */
static void unfold(struct tr *t)
{
    struct xmem m = t->hm;
    if (m.index != XNONE) {
        x_lea(t->cur, true, XAX, xmi(XNONE, m.index, m.scale, m.disp));
        x_w(t->cur, 0x29, XAX, R(XDX));                         /* sub rdx, rax */
    } else if (m.disp) {
        x_alu_rm_imm(t->cur, 5, 8, R(XDX), (uint32_t)m.disp);   /* sub rdx, disp */
    }
}

/* Whether a shared probe's member or an indexed site may fold its index
 * (tr.h hm): it must be a cached guest register. */
static bool index_folds(const struct tr *t, const struct insn *in, bool idx)
{
    return !idx || (in->mindex != NOREG && (t->cached & (1u << in->mindex)));
}

/* rdx = the host address of the access through a range site (tr.h
 * site_ext): the kept host address of base + disp plus index * scale.
 * Where the slot is 0 (the first pass, or after a call to C), in the cold
 * section: the probe of bytes 0 to `hi` from base + disp (a hit means the
 * whole range the index may reach lies in one page, of the access's
 * kind), kept; else (a range across a page end, a read-only or watched
 * page for a write) the access's own probe, which faults or goes to the
 * slow path at `l_cold` with its offset in esi.  The hot path computes
 * no offset: its add is off the index's way to the load but for one lea
 * (a load from [rdx + index * scale] costs that cycle too). */
static void range_site_probe(struct tr *t, const struct insn *in, unsigned seg, unsigned size,
                             unsigned kind, unsigned l_cold, unsigned site, int32_t hi, bool fold)
{
    unsigned l_fill = x_label_new(&t->L), l_alone = x_label_new(&t->L);
    unsigned l_add = x_label_new(&t->L), l_op = x_label_new(&t->L);
    tr_site_test(t, site, l_fill);
    x_bind(&t->L, l_add, t->cur);
    share_add_or_fold(t, in, 0, true, fold);
    x_bind(&t->L, l_op, t->cur);
    struct xbuf *hot = t->cur;
    t->cur = &t->cold;
    x_bind(&t->L, l_fill, t->cur);
    struct insn ref = *in; /* base + disp: the range's first byte */
    ref.mindex = NOREG;
    tr_ea_to(t, &ref, R_OFF);
    probe_range(t, seg, 0, hi, kind, l_alone);
    x_w(t->cur, 0x89, XDX, tr_site_rm(site));
    x_jmp(&t->L, t->cur, l_add);
    x_bind(&t->L, l_alone, t->cur);
    tr_ea_to(t, in, R_OFF);
    tr_probe(t, seg, size, kind, l_cold);
    if (fold)
        unfold(t);
    x_jmp(&t->L, t->cur, l_op);
    t->cur = hot;
}

/* tr_probe for instruction k's access, or, when k is a member of a
 * shared probe (tr.h share), the leader's host address plus its delta
 * (a probe of its own when that is 0).  The host flags are clobbered. */
void tr_probe_shared(struct tr *t, unsigned seg, unsigned size, unsigned kind, unsigned l_miss)
{
    unsigned k = t->k;
    int slot = t->share[k].slot;
    if (slot < 0 || t->share[k].lead || size > t->share[k].size ||
        (!t->share[k].write && (kind & JM_WRITE))) {
        tr_probe(t, seg, size, kind, l_miss);
        return;
    }
    unsigned l_alone = x_label_new(&t->L), l_op = x_label_new(&t->L);
    tr_site_test(t, (unsigned)slot, l_alone);
    share_add(t, NULL, t->share[k].delta, false); /* (a stack access: no index) */
    x_bind(&t->L, l_op, t->cur);
    struct xbuf *hot = t->cur;
    t->cur = &t->cold;
    x_bind(&t->L, l_alone, t->cur);
    tr_probe(t, seg, size, kind, l_miss);
    x_jmp(&t->L, t->cur, l_op);
    t->cur = hot;
}

/* Every page slot (eng.page_la) to -1: at an entry from C and after every
 * call to C, which may have changed the TLB.  Chained jumps pass them on
 * (no C in between), so a short loop entered again and again finds its
 * pages.  pcmpeqd xmm0, xmm0 and four movdqu (xmm0 is scratch here:
 * nothing in generated code keeps a value in it). */
void tr_pages_forget(struct xbuf *b)
{
    static const uint8_t ones[] = { 0x66, 0x0F, 0x76, 0xC0 };
    for (unsigned i = 0; i < sizeof(ones); i++)
        xb(b, ones[i]);
    for (int32_t i = 0; i < 4; i++) {
        int32_t d = CPU_OFF(eng.page_la) + 16 * i;
        xb(b, 0xF3); xb(b, 0x0F); xb(b, 0x7F); xb(b, 0x83);     /* movdqu [rbx + d], xmm0 */
        for (int s = 0; s < 32; s += 8)
            xb(b, (uint8_t)((uint32_t)d >> s));
    }
}

/* A page slot's fill keeps the page it probed: the linear page of esi's
 * offset at `at`, and (page_keep) at `add` the page's host address less
 * its linear one (rdx, the probe's host address of esi). */
static void page_keep_la(struct tr *t, int32_t at)
{
    x_load(t->cur, 4, XAX, R(R_OFF));
    x_alu_rm_imm(t->cur, 4, 4, R(XAX), 0xFFFFF000u);
    x_w(t->cur, 0x89, XAX, cpu_rm(at));
}

static void page_keep(struct tr *t, int32_t at, int32_t add)
{
    x_w(t->cur, 0x8B, XAX, R(XDX));
    x_w(t->cur, 0x29, R_OFF, R(XAX));                           /* sub rax, rsi */
    x_w(t->cur, 0x89, XAX, cpu_rm(add));
    page_keep_la(t, at);
}

/* rdx = the host address of the access at esi (a flat segment: the
 * linear address) of `size` bytes when it lies within the page that page
 * slot i kept (tr.h page), else the probe (in the cold section), which
 * keeps its page (a read's slot only from a read probe, a write's from a
 * write probe: their TLB tags differ).  A page of -1 matches nothing: esi ^ -1 has its high
 * half set.  Clobbers rax, rdi and the host's flags, as the probe. */
static void page_site_probe(struct tr *t, unsigned i, unsigned seg, unsigned size,
                            unsigned kind, unsigned l_cold, bool fold)
{
    int32_t at = CPU_OFF(eng.page_la) + 8 * (int32_t)i;
    int32_t add = CPU_OFF(eng.page_add) + 8 * (int32_t)i;
    unsigned l_fill = x_label_new(&t->L), l_op = x_label_new(&t->L);
    struct xbuf *b = t->cur;
    x_load(b, 4, XDI, R(R_OFF));
    x_w(b, 0x33, XDI, cpu_rm(at));                              /* xor rdi, [page] */
    x_alu_rm_imm(b, 7, 8, R(XDI), 4096 - size);                 /* within it, no crossing */
    x_jcc(&t->L, b, XCC_A, l_fill);
    x_w(b, 0x8B, XDX, cpu_rm(add));
    if (fold) /* the op adds the offset: tr_hm */
        t->hm = xmi(XDX, R_OFF, 1, 0);
    else
        x_w(b, 0x01, R_OFF, R(XDX));                            /* add rdx, rsi */
    x_bind(&t->L, l_op, b);
    t->cur = &t->cold;
    x_bind(&t->L, l_fill, t->cur);
    tr_probe(t, seg, size, kind, l_cold);
    if (fold) {
        x_w(t->cur, 0x29, R_OFF, R(XDX));                       /* sub rdx, rsi */
        x_w(t->cur, 0x89, XDX, cpu_rm(add));
        page_keep_la(t, at);
    } else {
        page_keep(t, at, add);
    }
    x_jmp(&t->L, t->cur, l_op);
    t->cur = b;
}

/* Whether instruction k's access may take page_site_direct: an op of
 * one access (tr_with_memory_fold) whose address is one cached guest
 * register (base, or index times scale) plus a displacement, so that
 * the op's own addressing mode [rdx + reg * scale + disp] can hold it. */
static bool page_direct_ok(const struct tr *t, const struct insn *in)
{
    if ((in->mbase == NOREG) == (in->mindex == NOREG))
        return false;
    unsigned r = in->mbase != NOREG ? in->mbase : in->mindex;
    return in->asize == 4 && (t->cached & (1u << r));
}

/* page_site_probe without esi on the hot path (branch `pagek`, session
 * 18): the sum reg * scale + disp computed in 64 bits into rdi (`lea rdi,
 * [reg * scale + disp]`), XORed with the kept page and compared as there,
 * and the op on [rdx + reg * scale + disp] with rdx the page's host minus
 * linear address: the same 64-bit sum, so a hit (the sum within the page
 * as a 32-bit address, its high half 0: a sum that wraps past 4 GiB, or
 * below 0, misses) addresses exactly the bytes the guest's address
 * does.  Six host instructions with the op instead of seven (`lea esi;
 * mov edi, esi`), and the index goes to the load through the addressing
 * mode alone, as a native access.  The fill computes the offset into esi
 * (the slow path's), probes, keeps the page, and hands the op rdx less
 * what its mode adds (unfold).  Clobbers rax, rdi and the host's flags. */
static void page_site_direct(struct tr *t, const struct insn *in, unsigned i, unsigned seg,
                             unsigned size, unsigned kind, unsigned l_cold)
{
    int32_t at = CPU_OFF(eng.page_la) + 8 * (int32_t)i;
    int32_t add = CPU_OFF(eng.page_add) + 8 * (int32_t)i;
    unsigned l_fill = x_label_new(&t->L), l_op = x_label_new(&t->L);
    struct xbuf *b = t->cur;
    uint8_t r = (uint8_t)gpr_rm(t, in->mbase != NOREG ? in->mbase : in->mindex, 4).reg;
    uint8_t scale = in->mbase != NOREG ? 1 : in->mscale;
    struct xmem sum = scale == 1 ? xm(r, in->disp) : xmi(XNONE, r, scale, in->disp);
    x_lea(b, true, XDI, sum);                                   /* 64-bit: no wrap */
    x_w(b, 0x33, XDI, cpu_rm(at));                              /* xor rdi, [page] */
    x_alu_rm_imm(b, 7, 8, R(XDI), 4096 - size);                 /* within it, no crossing */
    x_jcc(&t->L, b, XCC_A, l_fill);
    x_w(b, 0x8B, XDX, cpu_rm(add));
    t->hm = xmi(XDX, r, scale, in->disp);                       /* the op adds the sum */
    x_bind(&t->L, l_op, b);
    t->cur = &t->cold;
    x_bind(&t->L, l_fill, t->cur);
    tr_ea_to(t, in, R_OFF);
    tr_probe(t, seg, size, kind, l_cold);
    page_keep(t, at, add);
    unfold(t);
    x_jmp(&t->L, t->cur, l_op);
    t->cur = b;
}

/* rdx = the host address of instruction k's read at esi (its effective
 * address, through segment `seg`) of `size` bytes: through a page slot
 * when tr_choose_sites gave it one (tr.h page; a computed JMP's table
 * entry, tr_ind_end), else the probe.  A miss jumps to l_cold. */
void tr_probe_read_at(struct tr *t, unsigned k, unsigned seg, unsigned size, unsigned l_cold)
{
    if (t->page[k] < 0) {
        tr_probe(t, seg, size, JM_READ, l_cold);
        return;
    }
    if (t->page[k] == 0)
        t->page[k] = (int8_t)(1 + (t->nread++ & 3u));
    page_site_probe(t, (unsigned)t->page[k] - 1u, seg, size, JM_READ, l_cold, false);
}

/* Whether instruction k, an x87 load, reads bytes that the MOV store
 * just before it wrote, with nothing emitted in between (tr.h rdx_k):
 * the same address from the same registers, no larger; not a join (every
 * way in comes from the store).  The store's write probe covers the read
 * (a page or segment writable is readable), and its slow path leaves 0.
 * Its address registers are cached: x87_note_mem does not need esi. */
static bool follows_store(const struct tr *t, const struct insn *in, unsigned seg,
                          unsigned size, unsigned kind, bool ea_done)
{
    unsigned k = t->k;
    if (k == 0 || t->rdx_k != (int)k - 1 || t->rdx_buf != t->cur->id ||
        t->rdx_off != xoff(t->cur) || !t->plan[k].x87 || kind != JM_READ || ea_done ||
        t->join[k] || t->rejoin[k])
        return false;
    const struct insn *st = &t->b->insn[k - 1];
    return st->seg == seg && st->asize == 4 && st->o[0].kind == OPK_MEM && size <= st->o[0].size &&
           st->mbase == in->mbase && st->mindex == in->mindex && st->disp == in->disp &&
           (in->mindex == NOREG || st->mscale == in->mscale) &&
           (in->mbase == NOREG || (t->cached & (1u << in->mbase))) &&
           (in->mindex == NOREG || (t->cached & (1u << in->mindex)));
}

/* The host address in rdx where it is not 0, else (in the cold section)
 * the offset computed first when `ea`, a probe, and the address kept in
 * `site` when that is not -1.  `follow` (follows_store, and nothing
 * emitted since the store, not even a flags save): rdx is the store's
 * host address on the hot path, which has no test; the store's slow path
 * comes to the probe instead (tr.h rdx_rejoin). */
static void probe_unless_rdx(struct tr *t, const struct insn *in, unsigned seg, unsigned size,
                             unsigned kind, unsigned l_cold, bool ea, int site, bool follow)
{
    unsigned l_probe = x_label_new(&t->L), l_op = x_label_new(&t->L);
    if (!follow) {
        x_w(t->cur, 0x85, XDX, R(XDX));                         /* test rdx, rdx */
        x_jcc(&t->L, t->cur, XCC_E, l_probe);
    }
    x_bind(&t->L, l_op, t->cur);
    struct xbuf *hot = t->cur;
    t->cur = &t->cold;
    x_bind(&t->L, l_probe, t->cur);
    if (follow)
        x_bind(&t->L, t->rdx_rejoin, t->cur);
    if (ea)
        tr_ea_to(t, in, R_OFF);
    tr_probe(t, seg, size, kind, l_cold);
    if (site >= 0)
        x_w(t->cur, 0x89, XDX, tr_site_rm((unsigned)site));
    x_jmp(&t->L, t->cur, l_op);
    t->cur = hot;
}

/* The whole memory operand protocol for instruction k: EA, probe, op on
 * the host address; the cold path (spill, slow read/check, op on scratch,
 * commit, event check) rejoins after the op. */
static void with_memory(struct tr *t, const struct insn *in, unsigned seg, unsigned size,
                        unsigned kind, mem_op_fn op, bool ea_done, bool fold)
{
    unsigned k = t->k;
    t->hm = xm(XDX, 0);
    uint32_t cold0 = xoff(&t->cold);
    unsigned l_cold = x_label_new(&t->L), l_after = x_label_new(&t->L);
    bool follow = follows_store(t, in, seg, size, kind, ea_done);
    t->rdx_k = -1;
    if (t->site[k] >= 0 && (tr_prefilled(t, seg, size, kind) ||
                            tr_hoisted(t, in, seg, size, kind))) {
        /* Filled before the loop (tr_prefill.c) or tested before the flag
         * writer (tr_hoist.c): no test, no flags saved. */
        x_w(t->cur, 0x8B, XDX, tr_site_rm((unsigned)t->site[k]));
        if (t->site_ext[k] >= 0)
            share_add_or_fold(t, in, 0, true, fold && index_folds(t, in, true));
        op(t, in);
        t->hm = xm(XDX, 0);
        return;
    }
    /* A shared probe (tr.h share), when the access is the one planned. */
    int slot = t->share[k].slot;
    bool lead = slot >= 0 && t->share[k].lead;
    bool member = slot >= 0 && !lead && size <= t->share[k].size &&
                  (t->share[k].write || !(kind & JM_WRITE));
    if (lead && !(t->share[k].lo <= 0 && t->share[k].hi >= (int32_t)size - 1 &&
                  size <= t->share[k].size &&
                  (t->share[k].write || !(kind & JM_WRITE)))) {
        x_store_imm(t->cur, 8, tr_site_rm((unsigned)slot), 0); /* its members probe alone */
        lead = false;
    }
    bool idx = (member || lead) && t->share[k].idx;
    /* A kept address needs the offset only where it is filled (the slow
     * path is reached from there): an x87 op too where its address
     * registers are cached (x87_note_mem computes FDP from them), not
     * after a store whose host address it takes (follows_store). */
    int site = t->site[k];
    bool cached_regs = (in->mbase == NOREG || (t->cached & (1u << in->mbase))) &&
                       (in->mindex == NOREG || (t->cached & (1u << in->mindex)));
    bool ea_cold = site >= 0 && !follow && !ea_done && !member && !lead &&
                   (!t->plan[k].x87 || cached_regs);
    /* A moving operand through its page slot, the op's mode adding the
     * address (page_site_direct): no offset on the hot path either. */
    bool direct = site < 0 && fold && !follow && !member && !lead && t->page[k] >= 0 &&
                  page_direct_ok(t, in);
    if (lead && idx) {
        /* The group's reference: base + disp, without the index. */
        struct insn ref = *in;
        ref.mindex = NOREG;
        tr_ea_to(t, &ref, R_OFF);
    } else if (!ea_done && !member && !ea_cold && !follow && !direct) {
        tr_ea_to(t, in, R_OFF);
    }
    /* The probe clobbers the host's flags, and a fault needs them all. */
    tr_flags_save(t);
    struct tstate before = t->s;
    if (member || lead) {
        /* A member: the leader's host address plus its delta, else (0:
         * the leader's probe missed, or a slow path came in between) a
         * probe of its own in the cold section.  The leader: a probe of
         * the group's range, whose miss stores 0 and probes alone. */
        unsigned l_alone = x_label_new(&t->L), l_op = x_label_new(&t->L);
        bool sfold = fold && index_folds(t, in, idx);
        if (member) {
            tr_site_test(t, (unsigned)slot, l_alone);
            share_add_or_fold(t, in, t->share[k].delta, idx, sfold);
        } else {
            unsigned gkind = t->share[k].write ? JM_WRITE : JM_READ;
            probe_range(t, seg, t->share[k].lo, t->share[k].hi, gkind, l_alone);
            x_w(t->cur, 0x89, XDX, tr_site_rm((unsigned)slot));
            share_add_or_fold(t, in, 0, idx, sfold);
        }
        x_bind(&t->L, l_op, t->cur);
        struct xbuf *hot = t->cur;
        t->cur = &t->cold;
        x_bind(&t->L, l_alone, t->cur);
        if ((member && !ea_done) || idx)
            tr_ea_to(t, in, R_OFF);
        if (lead)
            x_store_imm(t->cur, 8, tr_site_rm((unsigned)slot), 0);
        tr_probe(t, seg, size, kind, l_cold);
        if (sfold)
            unfold(t);
        x_jmp(&t->L, t->cur, l_op);
        t->cur = hot;
    } else if (follow) {
        /* The store's host address, else (0: its slow path ran) a probe
         * of its own in the cold section. */
        bool none_since = t->rdx_buf == t->cur->id && t->rdx_off == xoff(t->cur);
        probe_unless_rdx(t, in, seg, size, kind, l_cold, true, -1, none_since);
    } else if (site >= 0 && t->site_ext[k] >= 0) {
        int32_t hi = t->site_ext[k] + (int32_t)size - 1;
        if (hi < 4096) {
            /* (The index as an addressing mode needs it in a host
             * register of its own: a cached guest register.) */
            range_site_probe(t, in, seg, size, kind, l_cold, (unsigned)site, hi,
                             fold && index_folds(t, in, true));
        } else { /* (not planned: tr_choose_sites leaves room) */
            if (ea_cold)
                tr_ea_to(t, in, R_OFF);
            tr_probe(t, seg, size, kind, l_cold);
        }
    } else if (site >= 0) {
        /* The address kept from an earlier pass, else a probe that keeps
         * it (in the cold section). */
        x_w(t->cur, 0x8B, XDX, tr_site_rm((unsigned)site));
        /* (A steady copy checked those that the first copy filled.) */
        if (t->steady && t->kept[k] != site)
            t->L.overflow = true; /* (not expected: the translation fails) */
        else if (!t->steady)
            t->kept[k] = (int8_t)site;
        if (!t->s.sites_full)
            probe_unless_rdx(t, in, seg, size, kind, l_cold, ea_cold, site, false);
    } else if (t->page[k] >= 0) {
        if (t->page[k] == 0) /* (a peel's copy uses the same slot) */
            t->page[k] = (int8_t)(1 + ((kind & JM_WRITE) ? 4 + (t->nwrite++ & 3u)
                                                         : (t->nread++ & 3u)));
        if (direct)
            page_site_direct(t, in, (unsigned)t->page[k] - 1u, seg, size, kind, l_cold);
        else
            page_site_probe(t, (unsigned)t->page[k] - 1u, seg, size, kind, l_cold, fold);
    } else {
        tr_probe(t, seg, size, kind, l_cold);
    }
    op(t, in);
    bool folded = t->hm.base != XDX || t->hm.index != XNONE;
    t->hm = xm(XDX, 0); /* the slow path's op: on the scratch copy at rdx */
    struct tstate after = t->s;
    x_bind(&t->L, l_after, t->cur);

    /* Cold path, from the state before the op. */
    struct xbuf *hot = t->cur;
    t->cur = &t->cold;
    t->s = before;
    x_bind(&t->L, l_cold, t->cur);
    tr_materialise(t);
    x87_spill(t);
    tr_gpr_writeback(t);
    /* The shared stub (tr_stubs.c): the state a fault sees, jit_mem_slow,
     * the kept addresses forgotten; the registers come back as they
     * were (nothing in it changes a guest register). */
    int64_t before_k = (int64_t)k - t->s.flushed; /* (a peel's copy: below 0) */
    uint32_t packed = mem_packed(seg, size, kind) | (uint32_t)(uint8_t)(int8_t)before_k << 16;
    x_mov_r32_imm(t->cur, XDX, packed);
    x_mov_r32_imm(t->cur, XCX, t->off[k]);
    tr_call_stub(t, STUB_MEM_SLOW);
    x87_reload(t);
    op(t, in);
    t->s.dirty |= t->plan[k].gw & t->cached; /* written back above: dirty again */
    /* The commit (a device that the write reaches may read guest time:
     * cpu.icount as the interpreter has it there, so that a run repeats
     * whatever was translated), and whether a data breakpoint or a write
     * to scanned code ends the run after this instruction, as in
     * run_block: rcx = 0 when not.  The op's flags survive both stubs. */
    if (kind & JM_WRITE) {
        struct tstate keep = t->s;
        tr_gpr_writeback(t);
        x_mov_r32_imm(t->cur, XDX, packed);
        tr_call_stub(t, STUB_MEM_COMMIT);
        t->s = keep;
    } else {
        tr_call_stub(t, STUB_EVENT);
    }
    unsigned l_event = x_label_new(&t->L);
    /* (A folded store leaves rdx the page's addend or the range's base.) */
    bool store = kind == JM_WRITE && tr_kind_of(in) == TR_MOV && !ea_done && !folded &&
                 !tr_prefill_leaves(t);
    unsigned l_rejoin = store ? x_label_new(&t->L) : l_after;
    /* Where kept addresses are filled before the loop (tr_prefill.c), the
     * body uses them untested: jit_forget emptied them, so the slow path
     * leaves after the instruction, as on an event. */
    if (!tr_prefill_leaves(t)) {
        xb(t->cur, 0xE3); /* jrcxz: over the jmp below */
        xb(t->cur, 5);
        x_jmp(&t->L, t->cur, l_event);
        if (store)
            x_mov_r32_imm(t->cur, XDX, 0); /* (tr.h rdx_k; mov keeps RFLAGS) */
        /* A steady copy's slow path goes on in the loop's own code, which
         * checks the kept addresses (jit_forget cleared them) before it comes
         * back to the copy (tr_block_end.c steady_copy). */
        bool unknown = !t->mem_rejoin[k] || t->mem_rejoin[k] == UINT16_MAX;
        if (t->steady && unknown)
            t->L.overflow = true; /* (not expected: the translation fails) */
        x_jmp(&t->L, t->cur, t->steady && !unknown ? t->mem_rejoin[k] - 1u : l_rejoin);
        if (!t->steady)
            t->mem_rejoin[k] = (uint16_t)(t->mem_rejoin[k] ? UINT16_MAX : l_rejoin + 1);
    }
    x_bind(&t->L, l_event, t->cur);
    /* EIP after the instruction: the next one's, or a CALL's target (its
     * push is the only memory operand of a control transfer here). */
    tr_eip_at(t, XAX, t->next_off);
    x_store(t->cur, 4, cpu_rm(CPU_OFF(eip)), XAX);
    tr_emit_exit(t, k, false, 0);
    t->cur = hot;
    t->s = after;
    t->part[JB_MEM_COLD] += xoff(&t->cold) - cold0;
    if (store) {
        x_bind(&t->L, l_rejoin, t->cur); /* (as l_after, unless an x87 load binds it again) */
        t->rdx_k = (int)k;
        t->rdx_buf = t->cur->id;
        t->rdx_off = xoff(t->cur);
        t->rdx_rejoin = l_rejoin;
    }
}

void tr_with_memory(struct tr *t, const struct insn *in, unsigned seg, unsigned size,
                    unsigned kind, mem_op_fn op, bool ea_done)
{
    with_memory(t, in, seg, size, kind, op, ea_done, false);
}

void tr_with_memory_fold(struct tr *t, const struct insn *in, unsigned seg, unsigned size,
                         unsigned kind, mem_op_fn op)
{
    /* Not a store that an x87 load right after it may take its host
     * address from (follows_store: rdx must be that address). */
    unsigned k = t->k;
    bool x87_next = kind == JM_WRITE && k + 1u < t->b->ninsn && t->plan[k + 1].x87;
    with_memory(t, in, seg, size, kind, op, false, !x87_next);
}

/* An instruction with two memory accesses (PUSH m32, MOVS, CMPS) reads
 * its first operand here: on the fast path only, because the slow path's
 * event check would leave the translation as if the instruction were
 * done before its second access.  A miss (a TLB fill, MMIO, a watched
 * segment, a fault) hands the whole instruction to the interpreter, which
 * makes both accesses in order, and leaves the translation after it.
 * The offset is in R_OFF. */
void tr_read_first(struct tr *t, const struct insn *in, unsigned seg, unsigned size,
                   mem_op_fn op)
{
    unsigned l_miss = x_label_new(&t->L);
    tr_flags_save(t); /* the probe clobbers the host's flags */
    struct tstate before = t->s;
    tr_probe(t, seg, size, JM_READ, l_miss);
    op(t, in);
    tr_cold_callout(t, in, l_miss, &before);
}

/* In the cold section at `label`, with the state `at` (what the hot path
 * had where it jumps there): the interpreter runs `in` and the translation
 * ends after it.  The hot path goes on where it was, in the state it had. */
void tr_cold_callout(struct tr *t, const struct insn *in, unsigned label,
                     const struct tstate *at)
{
    struct tstate after = t->s;
    struct xbuf *hot = t->cur;
    t->cur = &t->cold;
    t->s = *at;
    x_bind(&t->L, label, t->cur);
    tr_callout(t, in, true, false);
    t->cur = hot;
    t->s = after;
}
