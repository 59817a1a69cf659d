/* A kept address's test before the flag writer (branch mpih, session 18).
 *
 * A kept address (tr.h site) is tested on each use, `mov rdx, [site];
 * test rdx, rdx; je fill`, and that TEST clobbers RFLAGS: where a guest
 * flag result is pending in the host's flags at the access, it is saved
 * first (LAHF, SETO, a store: tr_flags_save) for the fill's fault and put
 * back for its reader (MOVZX, SAHF, or a BT of the slot for ADC/SBB).
 * The kernel's multi-precision multiply (lib/mpi, the boot's crypto
 * self-tests: 16-bit halves, compares and an ADC per word) had seven such
 * saves and four reads back per pass, on the loop's dependency chain.
 *
 * Here the test moves up to just before the nearest instruction j that
 * writes every arithmetic flag and reads none, where the flags that die
 * at j need no keeping, when nothing from j to the access can empty the
 * slot or see it empty: j..k-1 native register instructions (no memory
 * operand, no stack, no branch, no fault, no C call, none that writes the
 * site's registers: tr_sites_written), no way into j+1..k (join, peel
 * rejoin, back edge's target).  The access then uses the slot untested
 * and the flags stay in RFLAGS.  The fill (cold, emitted with the access,
 * whose size and kind it needs) probes from the state before j, where
 * the address registers already hold the access's values; a miss (TLB
 * miss, MMIO or watched page, a fault the access itself may or may not
 * raise) hands instruction j to the interpreter and leaves after it, as
 * tr_read_first's miss does, so no fault is raised ahead of its
 * instruction and the SBE rule's write probes are the access's own kind.
 * No translation with native x87 ops (their steady copies check the
 * slots themselves). */
#include "jit/tr.h"

/* How far back from the access the writer is looked for. */
enum { HOIST_WINDOW = 12 };

/* A plain kept address (no range, no shared probe, not filled at the
 * entry) for instruction k, whose only possible fault is its access's
 * (not DIV's #DE, which sees the flags before it: test_jit_diff_more). */
static bool plain_site(const struct tr *t, unsigned k)
{
    int s = t->site[k];
    enum tr_kind kind = tr_kind_of(&t->b->insn[k]);
    bool quiet_op = (kind >= TR_ADD && kind <= TR_MOVX) || kind == TR_INCDEC ||
                    kind == TR_NEG || kind == TR_NOT || kind == TR_IMUL || kind == TR_SHIFT ||
                    kind == TR_SETCC || kind == TR_CMOVCC;
    return s >= 0 && quiet_op && t->site_ext[k] < 0 && t->share[k].slot < 0 &&
           t->plan[k].native && !t->plan[k].x87 && !(t->prefill && t->pf_ok[s]);
}

/* An instruction between the test and the access: a native register
 * instruction that cannot fault, go elsewhere or empty the slot. */
static bool quiet(const struct tr *t, unsigned i, uint8_t regs)
{
    const struct insn *in = &t->b->insn[i];
    const struct plan *p = &t->plan[i];
    return p->native && !p->x87 && !p->faults && !p->by_cl && !p->moved &&
           tr_memory_segment(in, p) < 0 && in->flow == FLOW_SEQ && in->virt == VIRT_NONE &&
           t->back[i] < 0 && !(p->gw & regs);
}

void tr_hoist_plan(struct tr *t)
{
    unsigned n = t->b->ninsn;
    t->hoist_pend = 0;
    for (unsigned k = 0; k < n; k++) {
        t->hoist_j[k] = -1;
        if (t->x87 || !plain_site(t, k))
            continue;
        uint8_t regs = t->site_regs[t->site[k]];
        for (unsigned i = k; i-- > 0 && k - i <= HOIST_WINDOW;) {
            unsigned p = i + 1;
            if (t->join[p] || t->rejoin[p] || tr_back_target(t, p) || !quiet(t, i, regs))
                break;
            if (t->plan[i].W == ALLF && !t->plan[i].R) {
                t->hoist_j[k] = (int16_t)i;
                break;
            }
        }
    }
}

/* Before instruction i's code (after its join): the tests of the accesses
 * whose writer it is. */
void tr_hoist_before(struct tr *t, unsigned i)
{
    unsigned n = t->b->ninsn;
    if (t->hoist_pend) /* (an access that did not take its test: not expected) */
        for (unsigned s = 0; s < TR_SITES; s++)
            if (((t->hoist_pend >> s) & 1) && (unsigned)t->hoist_k[s] < i)
                t->L.overflow = true;
    bool dropped = false;
    for (unsigned k = i + 1; k < n && k - i <= HOIST_WINDOW; k++) {
        if (t->hoist_j[k] != (int16_t)i)
            continue;
        /* (A side exit emitted since the plan may have made a join here.) */
        bool joined = false;
        for (unsigned p = i + 1; p <= k; p++)
            joined |= t->join[p] != 0;
        unsigned s = (unsigned)t->site[k];
        if (joined || ((t->hoist_pend >> s) & 1))
            continue;
        if (!dropped) {
            /* Dead: i writes them all, reads none and cannot fault. */
            tr_flags_before_clobber(t, 0);
            dropped = true;
        }
        t->rdx_k = -1;
        t->hoist_fill[s] = x_label_new(&t->L);
        t->hoist_back[s] = x_label_new(&t->L);
        tr_site_test(t, s, t->hoist_fill[s]);
        x_bind(&t->L, t->hoist_back[s], t->cur);
        t->hoist_k[s] = (int16_t)k;
        t->hoist_from[s] = (int16_t)i;
        t->hoist_s[s] = t->s;
        t->hoist_pend |= 1u << s;
    }
}

/* At access k = t->k: whether its slot was tested before its flag writer
 * (then the caller loads it into rdx, untested; the fill is emitted here,
 * in the cold section). */
bool tr_hoisted(struct tr *t, const struct insn *in, unsigned seg, unsigned size,
                unsigned kind)
{
    unsigned k = t->k;
    int si = t->site[k];
    if (si < 0 || !((t->hoist_pend >> si) & 1) || t->hoist_k[si] != (int16_t)k)
        return false;
    unsigned s = (unsigned)si;
    t->hoist_pend &= ~(1u << s);
    struct xrm slot = tr_site_rm(s);
    t->kept[k] = (int8_t)s;
    /* The fill, in the state before the writer j. */
    struct xbuf *hot = t->cur;
    struct tstate now = t->s;
    uint32_t next = t->next_off;
    unsigned j = (unsigned)t->hoist_from[s];
    t->cur = &t->cold;
    t->s = t->hoist_s[s];
    t->k = j;
    x_bind(&t->L, t->hoist_fill[s], t->cur);
    tr_ea_to(t, in, R_OFF);
    unsigned l_miss = x_label_new(&t->L);
    tr_probe(t, seg, size, kind, l_miss);
    x_w(t->cur, 0x89, XDX, slot);
    x_jmp(&t->L, t->cur, t->hoist_back[s]);
    x_bind(&t->L, l_miss, t->cur);
    tr_callout(t, &t->b->insn[j], true, false);
    t->cur = hot;
    t->s = now;
    t->k = k;
    t->next_off = next;
    return true;
}

/* After the body: every test taken by its access. */
void tr_hoist_done(struct tr *t)
{
    if (t->hoist_pend)
        t->L.overflow = true; /* (not expected: the translation fails) */
}
