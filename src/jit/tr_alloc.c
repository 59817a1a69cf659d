/* The translator's analyses over a planned block (struct plan per
 * instruction, from translate.c's classifiers): which guest flags are
 * observable after each instruction (a backward pass: faults, calls and
 * exits observe all), which guest registers live in host registers for the
 * whole translation, and which memory operands of a loop keep their host
 * address across passes (tr.h). */
#include "jit/tr.h"

#include <string.h>

/* The segment a native instruction's memory access goes through, or -1. */
int tr_memory_segment(const struct insn *in, const struct plan *p)
{
    if (tr_is_stack_op(in))
        return S_SS;
    if (p->x87)
        return p->mem_size ? in->seg : -1;
    if (tr_kind_of(in) == TR_LEA)
        return -1;
    for (unsigned i = 0; i < in->nops && i < 3; i++)
        if (in->o[i].kind == OPK_MEM)
            return in->seg;
    return -1;
}

/* Liveness of the flags: what is observable after each instruction. */
uint32_t tr_compute_liveness(struct tr *t)
{
    unsigned n = t->b->ninsn;
    uint32_t live = ALLF; /* at the exits */
    uint32_t before[JIT_MAX_INSNS]; /* observable before each instruction */
    for (unsigned k = n; k-- > 0;) {
        struct plan *p = &t->plan[k];
        const struct insn *in = &t->b->insn[k];
        if (p->native && in->flow == FLOW_JMP_REL && k + 1 < n &&
            t->nxt[k] + in->imm != t->off[k + 1]) {
            /* A rotated loop's JMP over its head (tr_jmp_ahead): what its
             * target observes too (a join's state takes what is live
             * after the instruction before it), or all at an exit. */
            int j = tr_jmp_target(t, k);
            live |= j >= 0 ? before[j] : ALLF;
        }
        p->live_after = live;
        if (!p->native)
            live = ALLF; /* the handler reads and may fault */
        else
            live = (live & ~p->W) | p->R | (p->faults ? ALLF : 0);
        before[k] = live;
    }
    return live;
}

/* Flags an instruction would leave wrong if observable (the host's value
 * may differ from the interpreter's). */
bool tr_flags_exact(const struct plan *p)
{
    uint32_t unknown = (p->W & ~(p->H | p->Z)) | p->U;
    return !(unknown & p->live_after);
}

/* The guest registers native instruction `in` uses (read or written),
 * writes, and uses as a high byte (AH..BH), as bit masks. */
static void gpr_uses(const struct insn *in, const struct plan *p, uint8_t *use, uint8_t *wr,
                     uint8_t *high)
{
    uint8_t u = 0, w = 0, h = 0;
    bool mem = false;
    for (unsigned i = 0; i < in->nops && i < 3; i++) {
        const struct opnd *o = &in->o[i];
        if (o->kind == OPK_MEM)
            mem = true;
        if (o->kind != OPK_GPR)
            continue;
        if (o->size == 1 && o->reg >= 4)
            h |= (uint8_t)(1u << (o->reg - 4));
        else
            u |= (uint8_t)(1u << o->reg);
    }
    if (mem || (p->x87 && p->mem_size)) {
        if (in->mbase != NOREG)
            u |= (uint8_t)(1u << in->mbase);
        if (in->mindex != NOREG)
            u |= (uint8_t)(1u << in->mindex);
    }
    const struct opnd *o0 = &in->o[0];
    bool o0_reg = !p->x87 && in->nops >= 1 && o0->kind == OPK_GPR && !(o0->size == 1 && o0->reg >= 4);
    enum tr_kind kind = tr_kind_of(in);
    switch (kind) {
    case TR_CMP: case TR_TEST: case TR_PUSH: /* operand 0 is read only */
        o0_reg = false;
        break;
    case TR_XCHG:
        w |= (uint8_t)(1u << in->o[1].reg);
        break;
    case TR_XADD: /* the source gets the destination's old value */
        w |= (uint8_t)(1u << in->o[1].reg);
        break;
    case TR_CMPXCHG: /* compares with EAX, which gets the old value */
        u |= 1u << R_EAX;
        w |= 1u << R_EAX;
        break;
    case TR_CDQ:
        u |= 1u << R_EAX | 1u << R_EDX;
        w |= 1u << R_EDX;
        break;
    case TR_LEAVE: /* ESP = EBP + 4, EBP = [EBP] (and ESP below) */
        u |= 1u << R_EBP;
        w |= 1u << R_EBP;
        break;
    case TR_STRING: { /* ESI and EDI move, LODS writes AL/AX/EAX */
        unsigned op = in->op;
        bool src = !(op >= OP_STOSB && op <= OP_STOSD) && !(op >= OP_SCASB && op <= OP_SCASD);
        bool dst = !(op >= OP_LODSB && op <= OP_LODSD);
        bool acc = !(op >= OP_MOVSB && op <= OP_MOVSD) && !(op >= OP_CMPSB && op <= OP_CMPSD);
        o0_reg = false;
        u |= (uint8_t)((src ? 1u << R_ESI : 0) | (dst ? 1u << R_EDI : 0) | (acc ? 1u << R_EAX : 0));
        w |= (uint8_t)((src ? 1u << R_ESI : 0) | (dst ? 1u << R_EDI : 0) |
                       (op >= OP_LODSB && op <= OP_LODSD ? 1u << R_EAX : 0));
        break;
    }
    case TR_DIV: /* EDX:EAX / r/m32 */
        o0_reg = false;
        u |= 1u << R_EAX | 1u << R_EDX;
        w |= 1u << R_EAX | 1u << R_EDX;
        break;
    case TR_IMUL:
        if (in->nops == 1) { /* MUL/IMUL r/m: EDX:EAX (AX for 8 bits), operand 0 read */
            uint8_t m = o0->size == 1 ? 1u << R_EAX : 1u << R_EAX | 1u << R_EDX;
            o0_reg = false;
            u |= m;
            w |= m;
        }
        break;
    default:
        break;
    }
    if (kind == TR_JMP || kind == TR_CALL) /* a computed JMP or CALL reads its register */
        o0_reg = false;
    if (kind == TR_PUSH || kind == TR_POP || kind == TR_CALL || kind == TR_LEAVE ||
        in->flow == FLOW_RET) {
        u |= 1u << R_ESP;
        w |= 1u << R_ESP;
    }
    if (o0_reg)
        w |= (uint8_t)(1u << o0->reg);
    *use |= u;
    *wr |= w & u;
    *high |= h;
}

/* Whether tr_choose_sites may keep the host address of instruction k's
 * memory operand (its conditions, but the count of sites), given the
 * registers the block writes. */
static bool kept_address(const struct tr *t, unsigned k, uint8_t written)
{
    const struct insn *in = &t->b->insn[k];
    int sr = tr_memory_segment(in, &t->plan[k]);
    if (!t->plan[k].native || sr < 0 || !(t->flat & (1u << sr)) || tr_is_stack_op(in) ||
        in->virt != VIRT_NONE || t->plan[k].by_cl || t->plan[k].moved || t->plan[k].x87)
        return false;
    return !(in->mbase != NOREG && (written & (1u << in->mbase))) &&
           !(in->mindex != NOREG && (written & (1u << in->mindex)));
}

/* The registers an instruction uses only to address memory. */
static uint8_t addr_only(const struct insn *in)
{
    uint8_t a = 0, o = 0;
    if (in->mbase != NOREG)
        a |= (uint8_t)(1u << in->mbase);
    if (in->mindex != NOREG)
        a |= (uint8_t)(1u << in->mindex);
    for (unsigned i = 0; i < in->nops && i < 3; i++)
        if (in->o[i].kind == OPK_GPR)
            o |= (uint8_t)(1u << (in->o[i].size == 1 && in->o[i].reg >= 4 ? in->o[i].reg - 4
                                                                         : in->o[i].reg));
    return a & (uint8_t)~o;
}

/* Which guest registers get a host register for the whole translation
 * (always the same one, tr.h): those the native instructions use more
 * often than calls would make them be written back and reloaded. */
void tr_allocate_gprs(struct tr *t)
{
    unsigned n = t->b->ninsn, weight[8] = { 0 }, hot[8] = { 0 }, calls = 0;
    uint8_t used = 0, high = 0, written = 0, in_loop = 0;
    /* Instructions inside an inner loop (tr.h back: from j to k) count
     * eight times when ESP and EBP compete for their host register. */
    bool inner[JIT_MAX_INSNS] = { false };
    for (unsigned k = 0; k < n; k++)
        for (int j = t->back[k]; j >= 0 && (unsigned)j <= k; j++)
            inner[j] = true;
    uint8_t uses[JIT_MAX_INSNS];
    bool any_call = false;
    for (unsigned k = 0; k < n; k++) {
        struct plan *p = &t->plan[k];
        uses[k] = 0;
        any_call |= !p->native;
        if (!p->native) {
            calls += k + 1 < n; /* the last one needs no reload after it */
            continue;
        }
        uint8_t u = 0, w = 0, h = 0;
        gpr_uses(&t->b->insn[k], p, &u, &w, &h);
        p->gw = w | h; /* (a high byte: conservatively, the register) */
        written |= w;
        high |= h;
        used |= u;
        uses[k] = u;
        for (unsigned m = u; m; m &= m - 1) /* (its set bits only: a cold-code cost) */
            weight[__builtin_ctz(m)]++;
        if (inner[k])
            in_loop |= u;
    }
    for (unsigned k = 0; k < n; k++) {
        uint8_t u = uses[k];
        /* An inner loop's access at an address that stays the same (a
         * kept address: tr_choose_sites) reads its address registers
         * only on the pass that fills it: they do not count as hot. */
        if (inner[k] && !any_call && kept_address(t, k, written | high))
            u &= (uint8_t)~(addr_only(&t->b->insn[k]));
        for (unsigned m = u; m; m &= m - 1)
            hot[__builtin_ctz(m)] += inner[k] ? 8u : 1u;
    }
    static const uint8_t host[8] = GUEST_HOST_REGS;
    t->cached = 0;
    for (unsigned r = 0; r < 8; r++) {
        uint8_t bit = (uint8_t)(1u << r);
        if (!(used & bit) || (high & bit) || weight[r] <= calls)
            continue;
        /* ESP and EBP share a host register: the one used more (ESP on a tie). */
        if (r == R_ESP && (used & (1u << R_EBP)) && !(high & (1u << R_EBP)) &&
            weight[R_EBP] > calls && hot[R_EBP] > hot[R_ESP])
            continue;
        if (r == R_EBP && (t->cached & (1u << R_ESP)))
            continue;
        t->cached |= bit;
        t->host_of[r] = host[r];
    }
    /* A translation with an inner loop wants a host register for the
     * loop's instruction count (tr.h icreg): when the guest registers
     * take all seven, the one used least that no inner loop uses stays
     * in struct cpu. */
    if (t->backs && !t->loop) {
        uint8_t hosts = 0;
        for (unsigned r = 0; r < 8; r++)
            if (t->cached & (1u << r))
                hosts |= (uint8_t)(1u << (r == R_EBP ? R_ESP : r)); /* (they share one) */
        int drop = -1;
        for (unsigned r = 0; r < 8; r++)
            if ((t->cached & (1u << r)) && !(in_loop & (1u << r)) &&
                (drop < 0 || weight[r] < weight[drop]))
                drop = (int)r;
        if (hosts == (uint8_t)~(1u << R_EBP) && drop >= 0)
            t->cached &= (uint8_t)~(1u << drop);
    }
    t->written = written & t->cached;
}

/* Whether instruction k lies in an inner loop (tr.h back: j..kb, all its
 * instructions native, so no C call forgets the site each pass) in which
 * no instruction writes `regs`: a host address kept for k then stays
 * valid while that loop runs.  Where it is entered does not matter: every
 * instruction that writes `regs` forgets the site (tr_sites_written), so
 * a loop whose head is entered by the linear way on every pass of another
 * (the LZMA decoder's copy loop, two overlapping loops) keeps its sites. */
static bool in_kept_loop(const struct tr *t, unsigned k, uint8_t regs)
{
    unsigned n = t->b->ninsn;
    for (unsigned kb = k; kb < n; kb++) {
        int j = t->back[kb];
        if (j < 0 || (unsigned)j > k)
            continue;
        bool ok = true;
        for (unsigned i = (unsigned)j; i <= kb && ok; i++)
            ok = t->plan[i].native && !(t->plan[i].gw & regs);
        if (ok)
            return true;
    }
    return false;
}

static uint64_t join_targets(const struct tr *t);

/* Whether instruction k lies in an inner loop of the translation (from a
 * back edge's target to the back edge).  In a block that is no loop
 * itself, an access outside all of them runs once per entry: a kept
 * address there is zeroed at the entry, tested and filled by a cold
 * probe every time, more than the plain probe or a shared one (lz's
 * compressor: the match path around its match loop zeroed 13 slots per
 * entry, four of them `[esp+0x18]` at different sites; bench/README.md,
 * branch `lzf`, session 18). */
static bool in_some_loop(const struct tr *t, unsigned k)
{
    for (unsigned kb = k; kb < t->b->ninsn; kb++)
        if (t->back[kb] >= 0 && (unsigned)t->back[kb] <= k)
            return true;
    return false;
}

/* The m such that instruction k's index register lies in [0, m] when k
 * runs, else -1: the register's last writer before k is a MOVZX r32 of a
 * byte (m = 0xFF) or an AND r32, imm with imm <= 0xFFF, on a straight
 * line of native instructions to k (no way into it between the two but
 * through that writer: no join, no inner loop's head). */
static int32_t index_bound(const struct tr *t, unsigned k, uint64_t joins)
{
    const struct insn *in = &t->b->insn[k];
    unsigned x = in->mindex;
    if (x == NOREG)
        return -1;
    for (unsigned i = k; i-- > 0;) {
        if (((joins >> (i + 1)) & 1) || !t->plan[i].native)
            return -1;
        if (!(t->plan[i].gw & (1u << x)))
            continue;
        const struct insn *w = &t->b->insn[i];
        const struct opnd *o0 = &w->o[0], *o1 = &w->o[1];
        if (o0->kind != OPK_GPR || o0->size != 4 || o0->reg != x)
            return -1;
        if (w->op == OP_MOVZX && o1->size == 1)
            return 0xFF;
        if (w->op == OP_AND && w->nops == 2 && o1->kind == OPK_IMM && w->imm <= 0xFFF)
            return (int32_t)w->imm;
        return -1;
    }
    return -1;
}

/* A block that is no loop but ends in a computed JMP (tr_ind_end): a
 * threaded interpreter's handler with its copy of the dispatch (interp's
 * `jmp *0x1018e0(,%eax,4)`), whose successors are the other handlers,
 * reached by chained jumps that pass the page slots on (tr.h page: valid
 * until the next call to C).  Its accesses through a flat segment keep
 * the page they hit, as a loop's moving ones do: the bytecode's byte and
 * the table's entry lie in the same page in every handler, which then
 * needs no TLB probe for them (bench/README.md, session 15: one
 * bytecode was three probes).  Only there: in code that runs once a page
 * slot that misses costs its fill on top of the probe. */
static void pages_in_dispatch(struct tr *t)
{
    unsigned n = t->b->ninsn;
    if (n == 0 || t->b->insn[n - 1].flow != FLOW_JMP_IND)
        return;
    for (unsigned k = 0; k < n; k++) {
        const struct insn *in = &t->b->insn[k];
        int sr = tr_memory_segment(in, &t->plan[k]);
        if (t->plan[k].native && sr >= 0 && (t->flat & (1u << sr)) && !tr_is_stack_op(in) &&
            in->virt == VIRT_NONE && !t->plan[k].by_cl && !t->plan[k].moved)
            t->page[k] = 0;
    }
    /* The JMP's own table entry (tr_ind_end reads it). */
    const struct insn *jmp = &t->b->insn[n - 1];
    if (jmp->o[0].kind == OPK_MEM && (t->flat & (1u << jmp->seg)))
        t->page[n - 1] = 0;
}

/* Memory operands of a loop (to the block's start, or an inner one:
 * tr.h back) whose host address can be kept across passes
 * (tr.h): through a flat segment, at an address from registers that no
 * instruction of the block writes, so the same linear address each pass.
 * Only in loops that call nothing: a C call may change the TLB (the slow
 * path's calls forget the kept addresses).  Else, inside an inner loop
 * whose instructions do not write them (in_kept_loop: `[esp+4]` in a
 * function's loop, ESP moved only by its prologue and epilogue), kept
 * until an instruction writes them (tr_sites_written).  The others through a flat
 * segment keep the page they last hit (tr.h page; a handler may write
 * any register, but the page is checked at each access). */
void tr_choose_sites(struct tr *t)
{
    unsigned n = t->b->ninsn;
    memset(t->site, -1, sizeof(t->site));
    memset(t->site_ext, -1, sizeof(t->site_ext));
    memset(t->page, -1, sizeof(t->page));
    t->nsites = t->nread = t->nwrite = 0;
    if (!t->loop && !t->backs) {
        pages_in_dispatch(t);
        return;
    }
    uint64_t joins = join_targets(t);
    uint8_t wr_all = 0;
    bool calls = false;
    for (unsigned k = 0; k < n; k++) {
        calls |= !t->plan[k].native;
        wr_all |= t->plan[k].gw;
    }
    for (unsigned k = 0; k < n; k++) {
        const struct insn *in = &t->b->insn[k];
        int sr = tr_memory_segment(in, &t->plan[k]);
        /* (A shift of memory by CL probes for a write or, by 0, a read.) */
        if (!t->plan[k].native || sr < 0 || !(t->flat & (1u << sr)) || tr_is_stack_op(in) ||
            in->virt != VIRT_NONE || t->plan[k].by_cl || t->plan[k].moved)
            continue;
        uint8_t regs = (uint8_t)((in->mbase != NOREG ? 1u << in->mbase : 0) |
                                 (in->mindex != NOREG ? 1u << in->mindex : 0));
        /* An index of known range that the loop writes: the site is base
         * + disp and its range (tr.h site_ext), not an x87 operand's (whose
         * FDP wants the address computed from its registers). */
        bool idx_wr = in->mindex != NOREG && (wr_all & (1u << in->mindex)) &&
                      in->mbase != in->mindex; /* (its base moves with it) */
        int32_t bound = idx_wr && !t->plan[k].x87 ? index_bound(t, k, joins) : -1;
        /* (16: room for the widest access; tr_with_memory checks its own.) */
        int32_t ext = bound >= 0 ? bound * in->mscale : 4096;
        if (ext + 16 <= 4096)
            regs &= (uint8_t)~(1u << in->mindex);
        if (!t->loop && !in_some_loop(t, k))
            continue; /* runs once per entry: a plain probe, or a shared one */
        if (t->nsites == TR_SITES ||
            ((calls || (wr_all & regs)) && !in_kept_loop(t, k, regs))) {
            t->page[k] = 0;
            continue;
        }
        t->site_regs[t->nsites] = regs;
        if (ext + 16 <= 4096)
            t->site_ext[k] = (int16_t)ext;
        t->site[k] = (int8_t)t->nsites++;
    }
}

/* --- shared probes (tr.h share) ------------------------------------------ */

/* The widest group: any span below a page would do (the leader's probe
 * checks that its first and last byte lie in one page); a small one
 * keeps a group that straddles a page boundary, whose members then probe
 * alone, rare. */
#define SHARE_SPAN 256
/* Beyond this a register's known offset is forgotten (a new version). */
#define SHARE_ADJ_MAX (1 << 20)
/* The group key's index for accesses without one or with a small one. */
#define SHARE_IDX 0xFE

/* A memory access that tr_with_memory makes for instruction k, as
 * base + index * scale + disp (registers by number, NOREG for none). */
struct share_acc {
    uint8_t base, index, scale, size;
    bool write;
    int64_t disp;
};

static bool shareable(const struct tr *t, unsigned k, struct share_acc *a)
{
    const struct insn *in = &t->b->insn[k];
    const struct plan *p = &t->plan[k];
    /* A block-ending near RET reads [esp] (tr_ind_end); a computed JMP
     * and the other virtualize instructions are not shared. */
    bool ret_end = k + 1 == t->b->ninsn && in->flow == FLOW_RET && p->native;
    /* (A shift of memory by CL probes for a write or, by 0, a read.) */
    if (!p->native || p->x87 || p->by_cl || p->moved || t->site[k] >= 0 ||
        (in->virt != VIRT_NONE && !ret_end))
        return false;
    int sr = tr_memory_segment(in, p);
    if (sr < 0 || !(t->flat & (1u << sr)))
        return false;
    enum tr_kind kind = tr_kind_of(in);
    *a = (struct share_acc){ .base = R_ESP, .index = NOREG, .scale = 1, .size = 4 };
    if (kind == TR_PUSH || kind == TR_CALL) {
        a->write = true;
        a->disp = -4;
        return true;
    }
    if (kind == TR_POP || ret_end)
        return true;
    if (in->flow == FLOW_RET)
        return false;
    for (unsigned i = 0; i < in->nops && i < 3; i++) {
        if (in->o[i].kind != OPK_MEM)
            continue;
        a->base = in->mbase;
        a->index = in->mindex;
        a->scale = in->mindex != NOREG ? in->mscale : 1;
        a->size = in->o[i].size;
        a->write = i == 0 && kind != TR_CMP && kind != TR_TEST;
        a->disp = in->disp;
        return a->size >= 1 && a->size <= 4;
    }
    return false;
}

/* Instructions that an earlier mid-block Jcc may jump to inside the
 * translation (tr_block_end.c internal_target), or a rotated loop's JMP
 * over its head (tr_jmp_ahead): a leader before one does not run on that
 * way. */
static uint64_t join_targets(const struct tr *t)
{
    uint64_t j = 0;
    unsigned n = t->b->ninsn;
    for (unsigned k = 0; k + 1 < n; k++) {
        const struct insn *in = &t->b->insn[k];
        bool ahead = in->flow == FLOW_JMP_REL && t->nxt[k] + in->imm != t->off[k + 1];
        if (!t->plan[k].native || !(tr_is_jcc(in->op) || ahead))
            continue;
        uint32_t target = t->nxt[k] + in->imm;
        for (unsigned i = k + 1; i < n && (int32_t)t->off[i] <= (int32_t)target; i++)
            if (t->off[i] == target)
                j |= 1ull << i;
    }
    /* ... and the heads of inner loops, which back edges reach
     * (find_back_edges ran first: join[] holds them). */
    for (unsigned i = 0; i < n; i++)
        if (t->join[i])
            j |= 1ull << i;
    return j;
}

struct share_group {
    bool open;
    uint8_t base, index, scale;
    uint32_t vbase, vindex;  /* the registers' versions */
    unsigned lead, members;
    int64_t dl, lo, hi;      /* leader's disp, first and last byte */
    bool write;
};

static void share_close(struct tr *t, struct share_group *g)
{
    if (!g->open)
        return;
    g->open = false;
    if (!g->members) {
        t->share[g->lead].slot = -1;
        return;
    }
    t->share[g->lead].lo = (int32_t)(g->lo - g->dl);
    t->share[g->lead].hi = (int32_t)(g->hi - g->dl);
    t->share[g->lead].write = g->write;
    /* The members' write bit: whether the slot comes from a write probe. */
    for (unsigned k = g->lead + 1; k < t->b->ninsn; k++)
        if (t->share[k].slot == t->share[g->lead].slot && !t->share[k].lead)
            t->share[k].write = g->write;
}

/* Chooses the groups (tr.h share).  A group lives in straight-line code
 * between calls: it ends at an instruction the interpreter runs (a C
 * call may change the TLB), at an x87 one, at a join (a way in that
 * skipped the leader), and when its registers change unknowably. */
void tr_choose_shares(struct tr *t)
{
    unsigned n = t->b->ninsn;
    for (unsigned k = 0; k < n; k++) {
        t->share[k].slot = -1;
        t->share[k].idx = false;
    }
    t->nshare = 0;
    unsigned nslots = TR_SITES - t->nsites;
    struct share_group g[TR_SITES] = { { 0 } };
    uint32_t ver[8] = { 0 }, next_ver = 1;
    int64_t adj[8] = { 0 };
    int32_t bound[8]; /* a register known to lie in [0, bound] (-1: not) */
    for (unsigned r = 0; r < 8; r++)
        bound[r] = -1;
    uint64_t joins = join_targets(t);
    for (unsigned k = 0; k < n; k++) {
        const struct insn *in = &t->b->insn[k];
        const struct plan *p = &t->plan[k];
        bool boundary = !p->native || p->x87 || ((joins >> k) & 1);
        if (boundary) {
            for (unsigned s = 0; s < nslots; s++)
                share_close(t, &g[s]);
            for (unsigned r = 0; r < 8; r++) {
                ver[r] = next_ver++;
                adj[r] = 0;
                bound[r] = -1;
            }
            if (!p->native || p->x87)
                continue;
        }
        struct share_acc a;
        if (shareable(t, k, &a)) {
            /* An index register known to be small (or none) leaves base
             * and disp as the key, the index adding up to bound * scale
             * to the range. */
            bool idx = a.index != NOREG && bound[a.index] >= 0 && adj[a.index] == 0;
            int64_t extent = idx ? (int64_t)bound[a.index] * a.scale : 0;
            if (idx || a.index == NOREG)
                a.index = SHARE_IDX, a.scale = 1;
            uint32_t vb = a.base != NOREG ? ver[a.base] : 0;
            uint32_t vi = a.index < 8 ? ver[a.index] : 0;
            int64_t d = a.disp + (a.base != NOREG ? adj[a.base] : 0) +
                        (a.index < 8 ? adj[a.index] * a.scale : 0);
            int found = -1, free_slot = -1;
            for (unsigned s = 0; s < nslots; s++) {
                struct share_group *x = &g[s];
                if (!x->open) {
                    if (free_slot < 0)
                        free_slot = (int)s;
                    continue;
                }
                if (x->base != a.base || x->index != a.index || x->scale != a.scale ||
                    x->vbase != vb || x->vindex != vi)
                    continue;
                int64_t lo = d < x->lo ? d : x->lo;
                int64_t hi = d + extent + a.size - 1 > x->hi ? d + extent + a.size - 1 : x->hi;
                if (hi - lo < SHARE_SPAN) {
                    found = (int)s;
                    break;
                }
            }
            if (found >= 0) {
                struct share_group *x = &g[found];
                x->lo = d < x->lo ? d : x->lo;
                x->hi = d + extent + a.size - 1 > x->hi ? d + extent + a.size - 1 : x->hi;
                x->write |= a.write;
                x->members++;
                t->share[k].slot = (int8_t)(t->nsites + found);
                t->share[k].lead = false;
                t->share[k].size = a.size;
                t->share[k].delta = (int32_t)(d - x->dl);
                t->share[k].idx = idx;
            } else if (free_slot >= 0 && extent + a.size <= SHARE_SPAN) {
                struct share_group *x = &g[free_slot];
                *x = (struct share_group){ .open = true, .base = a.base, .index = a.index,
                                           .scale = a.scale, .vbase = vb, .vindex = vi,
                                           .lead = k, .dl = d, .lo = d,
                                           .hi = d + extent + a.size - 1, .write = a.write };
                t->share[k].idx = idx;
                t->share[k].slot = (int8_t)(t->nsites + free_slot);
                t->share[k].lead = true;
                t->share[k].size = a.size;
                if ((unsigned)free_slot + 1 > t->nshare)
                    t->nshare = (uint8_t)(free_slot + 1);
            }
        }
        /* The registers it writes: a known constant added keeps the
         * version, anything else starts a new one. */
        uint8_t w = p->gw;
        enum tr_kind kind = tr_kind_of(in);
        const struct opnd *o0 = &in->o[0], *o1 = &in->o[1];
        int r = -1;
        int64_t add = 0;
        if (kind == TR_PUSH || kind == TR_CALL) {
            r = R_ESP, add = -4;
        } else if (kind == TR_POP) {
            if (o0->reg != R_ESP)
                r = R_ESP, add = 4;
        } else if (o0->kind == OPK_GPR && o0->size == 4) {
            if ((in->op == OP_ADD || in->op == OP_SUB) && in->nops == 2 && o1->kind == OPK_IMM)
                r = o0->reg, add = in->op == OP_ADD ? (int32_t)in->imm : -(int64_t)(int32_t)in->imm;
            else if (in->op == OP_INC || in->op == OP_DEC)
                r = o0->reg, add = in->op == OP_INC ? 1 : -1;
            else if (kind == TR_LEA && in->mbase == o0->reg && in->mindex == NOREG)
                r = o0->reg, add = in->disp;
        }
        if (r >= 0) {
            w &= (uint8_t)~(1u << r);
            adj[r] += add;
            if (adj[r] > SHARE_ADJ_MAX || adj[r] < -SHARE_ADJ_MAX)
                w |= (uint8_t)(1u << r);
        }
        for (unsigned wm = w; wm; wm &= wm - 1) { /* (ascending, set bits only) */
            unsigned q = (unsigned)__builtin_ctz(wm);
            ver[q] = next_ver++;
            adj[q] = 0;
            bound[q] = -1;
            for (unsigned s = 0; s < nslots; s++)
                if (g[s].open && (g[s].base == q || g[s].index == q))
                    share_close(t, &g[s]);
        }
        /* Small values: AND r32 with a small immediate, MOVZX r32 of a byte. */
        if (o0->kind == OPK_GPR && o0->size == 4 && (w & (1u << o0->reg))) {
            if (in->op == OP_AND && in->nops == 2 && o1->kind == OPK_IMM && in->imm <= 0xFFF)
                bound[o0->reg] = (int32_t)in->imm;
            else if (in->op == OP_MOVZX && o1->size == 1)
                bound[o0->reg] = 0xFF;
        }
    }
    for (unsigned s = 0; s < nslots; s++)
        share_close(t, &g[s]);
    for (unsigned k = 0; k < n; k++) /* (a shared probe serves it) */
        if (t->share[k].slot >= 0)
            t->page[k] = -1;
}
