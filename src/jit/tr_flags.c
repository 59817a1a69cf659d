/* The guest's arithmetic flags in generated code (translate.c's header
 * says the scheme): pending in the host's RFLAGS, saved as a LAHF/SETO
 * image in the stack slot, or written to cpu.eflags; what a fault, a call
 * to C, an exit or a chained successor needs of them, and a condition
 * code on the host's flags. */
#include "jit/tr.h"

/* The host's flags as an image at [rsp + at]: LAHF and SETO leave
 * RFLAGS' low byte in AH and OF in AL (three simple instructions; PUSHF
 * would do in two, but it is microcoded: two per loop iteration doubled
 * the time of an x87 loop on Zen 5).  Uses rax. */
static void flags_image(struct xbuf *b, int32_t at)
{
    x_lahf(b);
    x_setcc(b, XCC_O, R(XAX));
    x_store(b, 2, xr_mem(xm(XSP, at)), XAX);
}

/* ecx |= the flags `mask` of the image at [rsp + at]; uses edi. */
static void or_flags_from_image(struct xbuf *b, int32_t at, uint32_t mask)
{
    if (mask & ~F_OF) {
        x_movx(b, false, 1, XDI, xr_mem(xm(XSP, at + 1)));
        x_alu_rm_imm(b, 4, 4, R(XDI), mask & ~F_OF);
        x_alu_rm_r(b, 1, 4, R(XCX), XDI);
    }
    if (mask & F_OF) {
        x_movx(b, false, 1, XDI, xr_mem(xm(XSP, at)));
        x_shift_imm(b, 4, 4, R(XDI), 11);                    /* shl: OF is bit 11 */
        x_alu_rm_r(b, 1, 4, R(XCX), XDI);
    }
}

/* A guest register's bit, for an operand of `size` (AH..BH: their
 * register's). */
static uint8_t reg_bit(unsigned reg, unsigned size)
{
    return (uint8_t)(1u << (size == 1 && reg >= 4 ? reg - 4 : reg));
}

/* Whether instruction p, which writes every arithmetic flag, may leave
 * them to be computed again (tstate.redo) where a memory probe would
 * otherwise save them as an image (tr_flags_save), and if so the guest
 * registers they are computed from (0: not): an ADD or SUB of two
 * different registers or of a register and an immediate (its inverse,
 * then itself, on the result give the same flags: mod 2^32 the result
 * less the operand is the old value), AND/OR/XOR (OR r, 0 on the result:
 * SF ZF PF from it, CF OF clear, AF undefined in both), CMP/TEST (again,
 * as a loop's peel does: tr_back_edge). */
uint8_t tr_redo_deps(const struct tr *t, unsigned p)
{
    const struct insn *in = &t->b->insn[p];
    const struct plan *pl = &t->plan[p];
    const struct opnd *o0 = &in->o[0], *o1 = &in->o[1];
    enum tr_kind kind = tr_kind_of(in);
    bool cmp = kind == TR_CMP || kind == TR_TEST;
    if (!pl->native || pl->W != ALLF || pl->R || pl->by_cl || in->nops != 2 ||
        o0->kind != OPK_GPR || (o0->size != 4 && !cmp) ||
        !(o1->kind == OPK_IMM || (o1->kind == OPK_GPR && o1->size == o0->size)))
        return 0;
    uint8_t deps = reg_bit(o0->reg, o0->size);
    bool arith = kind == TR_ADD || kind == TR_SUB;
    if (arith && o1->kind == OPK_GPR && o1->reg == o0->reg)
        return 0;
    if (arith || cmp)
        return o1->kind == OPK_GPR ? (uint8_t)(deps | reg_bit(o1->reg, o1->size)) : deps;
    return kind == TR_AND || kind == TR_OR || kind == TR_XOR ? deps : 0;
}

/* Whether flags computed from `deps` die, from the probe of instruction
 * k0 on, before those registers change: the instructions up to the next
 * one that writes every flag (whose own probe comes before its writes)
 * are native, with no join or peel's rejoin after k0, no branch but a
 * superblock's JMP and a Jcc in the middle (they read the flags again:
 * tr_cond_host), read no flag otherwise, write none partly and no
 * register of deps.  Elsewhere the image saved once is cheaper than a
 * redo before each such write. */
static bool redo_ahead(const struct tr *t, unsigned k0, uint8_t deps)
{
    unsigned n = t->b->ninsn;
    for (unsigned k = k0; k < n; k++) {
        const struct insn *ik = &t->b->insn[k];
        const struct plan *pk = &t->plan[k];
        /* (A join at the writer itself, where no flag is live on any way
         * in: sort's swap, `sub ebx, 1; mov [eax+ebp*4-4], ecx; mov [edx],
         * edi; mov ecx, [eax+ebx*4]`, then `add ebp, 1`, a jump's target;
         * tr_join_state drops the redo there.) */
        bool dead_join = k > k0 && t->join[k] && !t->rejoin[k] && pk->native && pk->W == ALLF &&
                         !pk->R && !pk->faults && !t->plan[k - 1].live_after;
        if ((k > k0 && (t->join[k] || t->rejoin[k]) && !dead_join) || !pk->native ||
            t->back[k] >= 0 || pk->by_cl)
            return false;
        if (k > k0 && k + 1 < n && (ik->flow == FLOW_JMP_REL || tr_is_jcc(ik->op)))
            continue; /* no code, or a side exit */
        if (ik->flow != FLOW_SEQ || pk->R)
            return false;
        if (pk->W == ALLF)
            return true;
        if (pk->W || (pk->gw & deps))
            return false;
    }
    return false;
}

/* Flags that instruction redo - 1 would compute again (tstate.redo,
 * tr_redo_deps) into the host's RFLAGS, pending.  An ADD or SUB runs
 * its inverse and then itself on its destination, which ends as it was. */
static void redo_flags(struct tr *t)
{
    if (!t->s.redo)
        return;
    unsigned p = t->s.redo - 1u;
    const struct insn *in = &t->b->insn[p];
    struct xrm dst = gpr_rm(t, in->o[0].reg, in->o[0].size);
    struct insn again = *in;
    switch (tr_kind_of(in)) {
    case TR_ADD: case TR_SUB:
        again.op = tr_kind_of(in) == TR_ADD ? OP_SUB : OP_ADD;
        tr_alu_on(t, &again, dst);
        tr_alu_on(t, in, dst);
        break;
    case TR_AND: case TR_OR: case TR_XOR:
        again.op = OP_OR;
        again.o[1].kind = OPK_IMM;
        again.imm = 0;
        tr_alu_on(t, &again, dst);
        break;
    default: /* CMP, TEST */
        tr_alu_on(t, in, dst);
        break;
    }
    t->s.pending = t->plan[p].H;
    t->s.pending_zero = t->plan[p].Z;
    t->s.redo = 0;
}

/* The flags instruction p (tr_redo_deps) left, computed again into the
 * host's RFLAGS, pending: a loop's way out where its back edge did not
 * keep them (tr_block_end.c back_edge_out; an ADD or SUB is not run
 * twice, its inverse goes first). */
void tr_redo_now(struct tr *t, unsigned p)
{
    t->s.redo = (uint8_t)(p + 1);
    redo_flags(t);
}

/* Writes the pending and saved flags into cpu.eflags.  Clobbers rax, rcx,
 * rdi; rdx survives (a slow path's scratch address). */

void tr_materialise(struct tr *t)
{
    redo_flags(t);
    uint32_t all = t->s.pending | t->s.pending_zero | t->s.saved;
    if (!all)
        return;
    struct xbuf *b = t->cur;
    if (all == ALLF && t->s.saved == ALLF && b == &t->cold) {
        /* Every flag in the slot, on a rare path: the shared merge. */
        tr_call_stub(t, STUB_MERGE_SLOT);
        t->s.saved = 0;
        return;
    }
    if (t->s.pending)
        flags_image(b, SLOT_PENDING); /* first: the and/or below clobber them */
    x_load(b, 4, XCX, cpu_rm(CPU_OFF(eflags)));
    x_alu_rm_imm(b, 4, 4, R(XCX), ~all);
    or_flags_from_image(b, SLOT_PENDING, t->s.pending);
    or_flags_from_image(b, SLOT_SAVED, t->s.saved);
    x_store(b, 4, cpu_rm(CPU_OFF(eflags)), XCX);
    t->s.pending = t->s.pending_zero = t->s.saved = 0;
    t->s.cand = 0;
}

/* cpu.eflags' arithmetic flags from the image at [rsp + at] (every one
 * saved there: the stubs' merge, tr_stubs.c).  Uses rcx and rdi. */
void tr_eflags_from_slot(struct xbuf *b, int32_t at)
{
    x_load(b, 4, XCX, cpu_rm(CPU_OFF(eflags)));
    x_alu_rm_imm(b, 4, 4, R(XCX), ~(uint32_t)ALLF);
    or_flags_from_image(b, at, ALLF);
    x_store(b, 4, cpu_rm(CPU_OFF(eflags)), XCX);
}

/* The slot's image from cpu.eflags (the arithmetic flags; rcx). */
void tr_slot_from_eflags(struct tr *t)
{
    tr_slot_from_eflags_in(t->cur);
}

void tr_slot_from_eflags_in(struct xbuf *b)
{
    x_load(b, 4, XCX, cpu_rm(CPU_OFF(eflags)));
    x_store(b, 1, xr_mem(xm(XSP, SLOT_SAVED + 1)), XCX);    /* SF ZF AF PF CF as LAHF */
    x_shift_imm(b, 5, 4, R(XCX), 11);                       /* shr: OF to bit 0 */
    x_alu_rm_imm(b, 4, 4, R(XCX), 1);
    x_store(b, 1, xr_mem(xm(XSP, SLOT_SAVED)), XCX);        /* as SETO */
}

/* Before INC or DEC, which write every arithmetic flag but CF ("The CF
 * flag is not affected", SDM vol. 2A): a CF that is still observable
 * (`live`) and not in the host's RFLAGS goes there first, so that the
 * host's INC/DEC leaves all six pending: BT of the slot's image (a word,
 * as LAHF/SETO stored it, so the load is forwarded from that store), BT
 * of cpu.eflags, or CLC for a CF that must become 0.  Without it the CF
 * waiting in the slot beside five pending flags made the next probe, join
 * or exit merge them through cpu.eflags and back (about twenty
 * instructions: the LZMA decoder's copy loop, `dec edx` after a load, on
 * every pass).  BT leaves OF SF AF PF undefined, which INC/DEC replace.
 * A dead CF is dropped: nothing reads it before a write of every flag.
 * The memory form calls this in both paths (tr_with_memory): the cold one
 * has every flag in cpu.eflags, the hot one the same after the BT, so
 * both leave CF pending. */
void tr_carry_pending(struct tr *t, uint32_t live)
{
    redo_flags(t);
    struct xbuf *b = t->cur;
    if (!(live & F_CF)) {
        t->s.saved &= ~(uint32_t)F_CF;
        t->s.pending_zero &= ~(uint32_t)F_CF;
        return;
    }
    if (t->s.pending_zero & F_CF) {
        xb(b, 0xF8); /* clc */
    } else if (t->s.pending & F_CF) {
        return;
    } else {
        struct xenc e = XENC2(0x0F, 0xBA); /* bt r/m, imm8 (/4) */
        struct xrm rm = cpu_rm(CPU_OFF(eflags));
        unsigned bit = 0;
        if (t->s.saved & F_CF) {
            e.o16 = true;
            rm = xr_mem(xm(XSP, SLOT_SAVED));
            bit = 8; /* the LAHF byte's bit 0 */
        }
        x_insn(b, &e, 4, false, &rm);
        xb(b, (uint8_t)bit);
    }
    t->s.pending |= F_CF;
    t->s.pending_zero &= ~(uint32_t)F_CF;
    t->s.saved &= ~(uint32_t)F_CF;
}

/* Before a jump that may go straight into another translation (a chained
 * exit, the jump cache, a loop back to its own start): every arithmetic
 * flag goes to the slot's image, which the successor's body takes over
 * (its flags that are live at its start are "saved" there) and whose
 * merge into cpu.eflags, if the jump ends up in C after all, is l_merge's.
 * When the flags all come from the host (the common case: a compare or
 * an ALU op before the branch) that is LAHF and SETO and a store, in
 * place of the merge into cpu.eflags each exit did. */
void tr_flags_handoff(struct tr *t)
{
    redo_flags(t);
    uint32_t pz = t->s.pending_zero;
    if ((t->s.pending | pz) == ALLF && !(t->s.pending & pz)) {
        flags_image(t->cur, SLOT_SAVED);
        if (pz & ~F_OF)
            x_alu_rm_imm(t->cur, 4, 1, xr_mem(xm(XSP, SLOT_SAVED + 1)), ~pz & 0xFFu);
        if (pz & F_OF)
            x_store_imm(t->cur, 1, xr_mem(xm(XSP, SLOT_SAVED)), 0);
    } else if (t->s.pending || pz || t->s.saved != ALLF) {
        tr_materialise(t);
        tr_slot_from_eflags(t);
    }
    t->s.pending = t->s.pending_zero = 0;
    t->s.saved = ALLF;
}

/* Whether tr_flags_handoff would leave RFLAGS as they are (LAHF, SETO and
 * stores at most: nothing computed again, merged or masked), so that a
 * Jcc whose two ways both leave the translation may hand the flags over
 * once, before it (tr_block_end.c tr_branch_end). */
bool tr_flags_handoff_keeps_rflags(const struct tr *t)
{
    uint32_t pz = t->s.pending_zero;
    if (t->s.redo)
        return false;
    if ((t->s.pending | pz) == ALLF && !(t->s.pending & pz))
        return !(pz & ~F_OF);
    return !(t->s.pending || pz || t->s.saved != ALLF);
}

/* Before something that clobbers the host's flags: keep what is still
 * observable (live), drop the rest.  Saved flags are not in RFLAGS. */
void tr_flags_before_clobber(struct tr *t, uint32_t live)
{
    if ((t->s.pending | t->s.pending_zero) & live)
        tr_materialise(t);
    t->s.pending = t->s.pending_zero = 0;
}

/* Before a memory probe (which clobbers RFLAGS) where a fault would see
 * every flag: the pending ones go to the slot as an image, instead of a
 * merge into cpu.eflags.  Flags already waiting there that the pending
 * ones do not replace would be lost: then both are merged.  Uses rax. */
void tr_flags_save(struct tr *t)
{
    if (!t->s.pending)
        return;
    if (t->s.cand && !t->s.redo && !t->s.saved && t->s.pending == t->plan[t->s.cand - 1].H &&
        t->s.pending_zero == t->plan[t->s.cand - 1].Z &&
        redo_ahead(t, t->k, tr_redo_deps(t, t->s.cand - 1u))) {
        /* Nothing to keep: a fault's path computes them again. */
        t->s.redo = t->s.cand;
        t->s.pending = t->s.pending_zero = 0;
        return;
    }
    if (t->s.saved & ~t->s.pending) {
        tr_materialise(t);
        return;
    }
    flags_image(t->cur, SLOT_SAVED);
    t->s.saved = t->s.pending;
    t->s.pending = 0;
}

/* The flags a condition code tttn reads (SDM vol. 1, appendix B). */
/* Makes guest condition cc testable by a host jcc/setcc/cmovcc and
 * returns the host condition code to use.  With the flags pending on the
 * host that is cc itself; otherwise they are tested in cpu.eflags (this
 * clobbers the host's flags, so pending ones are written first). */
unsigned tr_cond_host(struct tr *t, unsigned cc)
{
    redo_flags(t);
    uint32_t need = cc_flags_read(cc);
    if ((t->s.pending & need) == need)
        return cc;
    if (!t->s.pending && (need & ~t->s.saved) == 0) {
        /* All it reads wait in the slot (a probe saved them: `cmp r, r;
         * cmovcc r, m`, a Jcc after a load): SAHF puts the LAHF byte back
         * into the host's flags and ADD AL, 0x7F sets OF from the SETO
         * byte (1 + 0x7F overflows, 0 + 0x7F does not), instead of the
         * merge into cpu.eflags and a test there (a dozen instructions,
         * four times a pass in the kernel's crypto self-tests).  The state
         * stays as it was: the slot still holds them, nothing is pending.
         * Uses rax. */
        struct xbuf *b = t->cur;
        x_movx(b, false, 2, XAX, xr_mem(xm(XSP, SLOT_SAVED)));  /* the same size as the store */
        if (need & F_OF)
            x_alu_rm_imm(b, 0, 1, R(XAX), 0x7F);
        xb(b, 0x9E); /* sahf: SF ZF AF PF CF from AH */
        return cc;
    }
    tr_materialise(t);
    struct xbuf *b = t->cur;
    struct xrm ef = cpu_rm(CPU_OFF(eflags));
    switch ((cc >> 1) & 7) {
    case 6: /* SF != OF */
    case 7: /* ZF or SF != OF */
        x_load(b, 4, XAX, ef);
        x_load(b, 4, XCX, R(XAX));
        x_shift_imm(b, 5, 4, R(XCX), 4);            /* shr ecx, 4: OF to SF */
        x_alu_rm_r(b, 6, 4, R(XCX), XAX);           /* xor */
        x_alu_rm_imm(b, 4, 4, R(XCX), F_SF);
        if (((cc >> 1) & 7) == 7) {
            x_alu_rm_imm(b, 4, 4, R(XAX), F_ZF);
            x_alu_rm_r(b, 1, 4, R(XCX), XAX);       /* or: sets ZF */
        } else {
            x_test_rm_r(b, 4, R(XCX), XCX);
        }
        break;
    default:
        x_test_rm_imm(b, 4, ef, need);
        break;
    }
    return (cc & 1) ? XCC_E : XCC_NE;
}
