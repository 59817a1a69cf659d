/* Where a loop's peel ends (tr.h peel; translate.c find_back_edges): the
 * copy of the loop head's first instructions that a back edge runs
 * instead of keeping the flags in the slot each pass (docs/internals.md,
 * "peel"; sessions 12 and 17, branch sortr). */
#include <stdbool.h>
#include <stdint.h>

#include "jit/tr.h"

/* Whether instruction m of a peel writes every flag without reading any
 * (the ALU group, NEG: where the peel may end). */
static bool peel_writer(const struct tr *t, unsigned m)
{
    enum tr_kind kind = tr_kind_of(&t->b->insn[m]);
    return t->plan[m].W == ALLF && (kind == TR_ADD || kind == TR_OR || kind == TR_AND ||
                                    kind == TR_SUB || kind == TR_XOR || kind == TR_CMP ||
                                    kind == TR_TEST || kind == TR_NEG);
}

/* Whether instruction m of a peel moves data only (MOV, MOVZX/MOVSX,
 * LEA: no flag read or written) and writes none of `regs`. */
static bool peel_mover(const struct tr *t, unsigned m, uint8_t regs)
{
    const struct plan *p = &t->plan[m];
    enum tr_kind kind = tr_kind_of(&t->b->insn[m]);
    return p->native && !p->R && !p->by_cl && !p->W && !(p->gw & regs) &&
           (kind == TR_MOV || kind == TR_MOVX || kind == TR_LEA);
}

/* Whether instruction i may be a join (tr.h join): some native branch of
 * the translation goes to it (find_back_edges' loop heads, or a side
 * exit's or rotated loop's target inside, whose labels the emitter makes
 * as it goes: not all of them in join[] yet). */
static bool may_join(const struct tr *t, unsigned i)
{
    if (t->join[i])
        return true;
    for (unsigned k = 0; k < t->b->ninsn; k++) {
        const struct insn *in = &t->b->insn[k];
        if (t->plan[k].native && (tr_is_jcc(in->op) || in->flow == FLOW_JMP_REL) &&
            t->nxt[k] + in->imm == t->off[i])
            return true;
    }
    return false;
}

/* Whether instruction m, after a peel's first flag writer, is a Jcc in
 * the block's middle that goes ahead (a side exit, or a jump ahead inside:
 * tr_side_exit, which the peel emits as the translation's own code does;
 * insertion sort's `cmp eax, ebp; je out` before its rotated loop's
 * entry).  Not with native x87 ops (their ghost plan knows one copy). */
static bool peel_side_exit(const struct tr *t, unsigned m)
{
    const struct insn *in = &t->b->insn[m];
    return !t->x87 && t->plan[m].native && tr_is_jcc(in->op) && m + 1 < t->b->ninsn &&
           t->nxt[m] == t->off[m + 1] && (int32_t)in->imm > 0;
}

/* tr.h: the last instruction m of back edge k's peel (tr.h peel) to j, or -1:
 * when the flags j may observe are all what the instruction just before
 * the branch left, one that tr_redo_deps computes again (a compare, or
 * an ADD/SUB/AND/OR/XOR of registers or a register and an immediate:
 * sort's `add ebp, 1; jmp head`), instructions j..m-1 move data only
 * (peel_mover: none of its registers written) and m writes every flag
 * without reading any (peel_writer), at most four of them.  Where m + 1
 * is a join (gcc's rotated loop entered after its first instruction:
 * sort's `H: sub edx, 1; T: mov edi, eax; mov ecx, [eax]; sub eax, 4`,
 * entered at T), the join would keep m's flags in the slot each pass:
 * the peel goes on past it to the next such writer m2 (at most four
 * more, moving data only, none of m's registers written, m itself one
 * that tr_redo_deps computes again: a probe in between leaves them to a
 * fault's path, tr_flags_save), and ends there.  Not where the join is
 * m2 itself (sieve's `add edx, ecx` before the rotated entry's
 * `cmp eax, edx`): nothing observes m's flags there, and the longer copy
 * only moved the loop's back jump (to the Jcc instead of the CMP). */
int tr_peel_end(const struct tr *t, unsigned k, unsigned j)
{
    uint32_t live = j ? t->plan[j - 1].live_after : t->live_in;
    if (!live || k == 0 || j >= k)
        return -1;
    const struct insn *prev = &t->b->insn[k - 1];
    const struct plan *pc = &t->plan[k - 1];
    uint8_t regs = tr_redo_deps(t, k - 1);
    if (!regs || (live & ~(pc->H | pc->Z)) || (prev->o[0].size == 1 && prev->o[0].reg >= 4) ||
        (prev->o[1].kind == OPK_GPR && prev->o[1].size == 1 && prev->o[1].reg >= 4))
        return -1;
    for (unsigned m = j; m < k && m < j + 4; m++) {
        if (!t->plan[m].native || t->plan[m].R || t->plan[m].by_cl)
            return -1;
        if (peel_writer(t, m)) {
            uint8_t deps = tr_redo_deps(t, m);
            if (m + 1 >= k || !deps)
                return (int)m;
            bool joins = false;
            for (unsigned m2 = m + 1; m2 < k && m2 < m + 5; m2++) {
                joins |= may_join(t, m2);
                if (t->plan[m2].native && !t->plan[m2].R && !t->plan[m2].by_cl &&
                    peel_writer(t, m2))
                    return joins && m2 > m + 1 ? (int)m2 : (int)m;
                if (!peel_mover(t, m2, deps) && !peel_side_exit(t, m2))
                    break;
            }
            return (int)m;
        }
        if (!peel_mover(t, m, regs))
            return -1;
    }
    return -1;
}
