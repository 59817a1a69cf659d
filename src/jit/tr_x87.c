/* The x87 in translated code: the guest's instructions run as the same
 * host instructions, on a window of the guest's register stack kept on
 * the host's x87 stack.
 *
 * Why this is exact: the interpreter already computes every x87 result
 * on the host's x87 under the guest's control word (src/cpu/fpu.h); here
 * the same instruction bytes run on the same hardware, with the memory
 * operand moved to the host address of the guest's operand.  What the
 * interpreter models around the arithmetic is made static:
 *
 *   - Entry conditions (checked by the translation's prologue, else it
 *     returns JIT_BAIL and the interpreter runs the block): CR0.EM and TS
 *     clear, no exception pending (FSW.ES), every exception masked in the
 *     guest's FCW (so no x87 instruction can fault or change control
 *     flow, only set sticky flags), TOP equal to its value at translation,
 *     and the registers the block reads full and those it pushes into
 *     empty (so no stack fault).  The translation is specialised for TOP,
 *     so every register address is a constant.
 *   - The window: at entry the deepest register the block reads and all
 *     above it are loaded (FLD m80, exact for every bit pattern); pushes
 *     and pops then move the host's stack as the guest's.  Before any call
 *     that may fault or read the state (the slow path of a memory operand,
 *     an instruction handed to the interpreter) and at every exit, the
 *     window is written back (FSTP m80) with TOP, the tags, FIP/FOP/FCS,
 *     FDS and FDP (x87_note_mem), the sticky exception flags
 *     and C1.
 *   - Sticky flags: the host's flags are OR'ed into the guest's at each
 *     sync.  The prologue clears the host's flags (FNCLEX) only when one
 *     is up that the guest's FSW does not have, so the OR is exact.
 *   - C1: the prologue puts the guest's C1 on the host (FLDENV when it
 *     is set), and every op translated here defines it as the hardware
 *     does, so the host's C1 is the guest's all along; syncs copy it, and
 *     reloads after a call put it back (FLD clears it).  C0, C2 and C3 are
 *     never defined by them (compares that set them go to the
 *     interpreter); FCOMI/FUCOMI set EFLAGS, which the host gives exactly.
 *
 *   - Popped registers: a pop only marks the register empty, so it keeps
 *     the value ST(0) had (the interpreter's fpu_pop, as the hardware).
 *     FSAVE and FXSAVE, which store empty registers too, and an MMX
 *     instruction, which makes them all valid, see it (test_jit_diff found
 *     an MMX instruction made by self-modifying code reading one), so every
 *     pop first keeps ST(0) (x87_emit_op): in the ghost cell, a host
 *     register below the window (FST ST(w), one cheap move, where the
 *     FLD ST(0) and FSTP m80 it replaces were the loops' costliest
 *     instructions), which stands for the popped register until a push
 *     fills it again or another pop needs the cell, and goes to its slot
 *     at every spill; joins agree on what the cell holds (x87_ghost_plan:
 *     a loop's head on what its back edge brings, so a pass stores
 *     nothing); without room for the cell, or for F(U)COMIP, to the slot
 *     directly.  The only pop that changes ST(0) first, FxxxP ST(0), ST(0)
 *     (DE with ST(0) as destination), is left to the interpreter. */
#define PLEX86_FPU_INTERNAL
#include <string.h>

#include "cpu/fpu.h"
#include "jit/tr.h"

#define REG_OFF(phys) (CPU_OFF(fpu.r) + 16 * (int32_t)(phys))

/* Which x87 instructions run natively, and their stack effects (SDM
 * vol. 2, appendix A.4 opcode map, escape opcodes). */
bool x87_classify(const struct cpu *c, const struct insn *in, struct plan *p)
{
    const struct op_info *f = &op_table[in->op];
    if (!cpu_has_fpu(c) || f->tr != TR_X87 || in->lock)
        return false;
    unsigned esc = in->opcode, m = in->modrm, r = (m >> 3) & 7, i = m & 7;
    p->push = p->pop = 0;
    p->reads = 0;
    p->mem_size = 0;
    p->mem_kind = JM_READ;
    if ((m >> 6) != 3) {
        if (in->asize != 4)
            return false;
        switch (esc) {
        case 0xD8: case 0xDC: case 0xDA: case 0xDE:  /* arithmetic with memory */
            if (r == 2 || r == 3)
                return false; /* FCOM/FICOM: C0-C3 */
            p->reads = 1;
            p->mem_size = esc == 0xDC ? 8 : esc == 0xDE ? 2 : 4;
            return true;
        case 0xD9: case 0xDD:                        /* FLD/FST(P) m32/m64 */
            p->mem_size = esc == 0xD9 ? 4 : 8;
            if (r == 0) {
                p->push = 1;
                return true;
            }
            if (r == 2 || r == 3) {
                p->reads = 1;
                p->pop = r == 3;
                p->mem_kind = JM_WRITE;
                return true;
            }
            return false;
        case 0xDB: case 0xDF:                        /* FILD/FIST(P), m80 */
            if (r == 0 || r == 5) {
                p->push = 1;
                p->mem_size = r == 5 ? (esc == 0xDB ? 10 : 8) : (esc == 0xDB ? 4 : 2);
                return true;
            }
            if (r == 2 || r == 3 || r == 7) {
                p->reads = 1;
                p->pop = r != 2;
                p->mem_kind = JM_WRITE;
                p->mem_size = r == 7 ? (esc == 0xDB ? 10 : 8) : (esc == 0xDB ? 4 : 2);
                return true;
            }
            return false;
        }
        return false;
    }
    switch (esc) {
    case 0xD8:                                       /* ST(0) op= ST(i) */
        if (r == 2 || r == 3)
            return false;
        p->reads = (int8_t)(i + 1);
        return true;
    case 0xDC:                                       /* ST(i) op= ST(0) */
        if (r == 2 || r == 3)
            return false;
        p->reads = (int8_t)(i + 1);
        return true;
    case 0xDE:                                       /* ST(i) op= ST(0), pop */
        if (r == 2 || r == 3 || i == 0)
            return false; /* i == 0: it pops its result (see the top) */
        p->reads = (int8_t)(i > 0 ? i + 1 : 1);
        p->pop = 1;
        return true;
    case 0xD9:
        if (r == 0) {                                /* FLD ST(i) */
            p->reads = (int8_t)(i + 1);
            p->push = 1;
            return true;
        }
        if (r == 1) {                                /* FXCH */
            p->reads = (int8_t)(i + 1);
            return true;
        }
        if (m == 0xE0 || m == 0xE1 || m == 0xFA) {   /* FCHS FABS FSQRT */
            p->reads = 1;
            return true;
        }
        if (m >= 0xE8 && m <= 0xEE) {                /* FLD1 ... FLDZ */
            p->push = 1;
            return true;
        }
        return false;
    case 0xDD:
        if (r == 2 || r == 3) {                      /* FST(P) ST(i) */
            p->reads = (int8_t)(i + 1);
            p->pop = r == 3;
            return true;
        }
        return false;
    case 0xDB: case 0xDF:
        if ((r == 5 || r == 6) && cpu_has_fcmov(c)) { /* F(U)COMI(P) */
            p->reads = (int8_t)(i + 1);
            p->pop = esc == 0xDF;
            p->W = f->wr; /* ZF PF CF; OF SF AF cleared */
            p->H = f->wr & ~f->un;
            return true;
        }
        return false;
    }
    return false;
}

/* Simulates the stack over the first `n` instructions' native x87 ops:
 * the window depth to load, the tags the entry must find, and whether the
 * host's eight registers suffice.  False: no native x87 in this block. */
bool x87_prepass(struct tr *t, unsigned n)
{
    int rel = 0, need = 0, maxrel = 0;
    for (unsigned k = 0; k < n; k++) {
        const struct plan *p = &t->plan[k];
        if (!p->x87)
            continue;
        if (p->reads - rel > need)
            need = p->reads - rel;
        rel += p->push;
        if (rel > maxrel)
            maxrel = rel;
        rel -= p->pop;
    }
    if (need + maxrel > 8)
        return false;
    /* Room for the ghost cell and one more (x87_ghost_to's FLD ST(w)). */
    t->ghost_ok = need + maxrel + 2 <= 8;
    unsigned top0 = t->c->fpu.top;
    uint8_t known = 0, full = 0, need_full = 0, need_empty = 0;
    for (int i = 0; i < need; i++) {
        unsigned ph = (top0 + (unsigned)i) & 7;
        known |= (uint8_t)(1u << ph);
        full |= (uint8_t)(1u << ph);
        need_full |= (uint8_t)(1u << ph);
    }
    unsigned top = top0;
    for (unsigned k = 0; k < n; k++) {
        const struct plan *p = &t->plan[k];
        t->x87_top[k] = (uint8_t)top;
        if (!p->x87)
            continue;
        if (p->push) {
            top = (top - 1) & 7;
            uint8_t bit = (uint8_t)(1u << top);
            if ((known & bit) && (full & bit))
                return false; /* would overflow: the interpreter's case */
            if (!(known & bit))
                need_empty |= bit;
            known |= bit;
            full |= bit;
        }
        if (p->pop) {
            uint8_t bit = (uint8_t)(1u << top);
            known |= bit;
            full &= (uint8_t)~bit;
            top = (top + 1) & 7;
        }
    }
    /* Up to the instruction that gives the window up (n), TOP as above;
     * after it no window (0xFF). */
    for (unsigned k = n; k <= t->b->ninsn; k++)
        t->x87_top[k] = k == n ? (uint8_t)top : 0xFF;
    t->depth0 = need;
    t->top0 = top0;
    t->need_full = need_full;
    t->need_empty = need_empty;
    return true;
}

static void host_c1_from_guest(struct xbuf *b);
static void fdp_flush(struct tr *t);

static void fnstsw_ax(struct xbuf *b)
{
    xb(b, 0xDF);
    xb(b, 0xE0);
}

/* The ghost cell, under the window: the value of the register it
 * stands for from its struct cpu slot, or any value. */
static void push_cell(struct tr *t)
{
    if (!t->ghost_ok)
        return;
    if (t->s.ghost >= 0)
        x_x87_mem(t->cur, 0xDB, 5, xm(R_CPU, REG_OFF((unsigned)t->s.ghost)));
    else {
        xb(t->cur, 0xD9);
        xb(t->cur, 0xEE); /* fldz */
    }
}

static void load_window(struct tr *t)
{
    for (int i = t->s.w - 1; i >= 0; i--)
        x_x87_mem(t->cur, 0xDB, 5, xm(R_CPU, REG_OFF((t->s.top + (unsigned)i) & 7)));
}

/* Whether a jump from instruction `from` (a branch, which moves no x87
 * register) to instruction j of the translation finds the window as j's
 * linear way in has it (see tr.h x87_top). */
bool x87_join_ok(const struct tr *t, unsigned from, unsigned j)
{
    return !t->x87 || t->x87_top[from] == t->x87_top[j];
}

/* The entry conditions, to l_fail: with rdx only and before anything is
 * changed, so that a chained entry can fail as its predecessor's exit
 * (rax holds that one's return value, ecx the EIP). */
void x87_emit_checks(struct tr *t, unsigned l_fail)
{
    struct xbuf *b = t->cur;
    x_test_rm_imm(b, 4, cpu_rm(CPU_OFF(cr0)), CR0_EM | CR0_TS);
    x_jcc(&t->L, b, XCC_NE, l_fail);
    x_test_rm_imm(b, 2, cpu_rm(CPU_OFF(fpu.sw)), FSW_ES);
    x_jcc(&t->L, b, XCC_NE, l_fail);
    x_0f(b, 0xB7, false, false, XDX, cpu_rm(CPU_OFF(fpu.cw))); /* movzx edx, cw */
    x_alu_rm_imm(b, 4, 4, xr_reg(XDX), FCW_MASKS);               /* and */
    x_alu_rm_imm(b, 7, 4, xr_reg(XDX), FCW_MASKS);               /* cmp */
    x_jcc(&t->L, b, XCC_NE, l_fail);
    x_alu_rm_imm(b, 7, 1, cpu_rm(CPU_OFF(fpu.top)), t->top0);
    x_jcc(&t->L, b, XCC_NE, l_fail);
    x_0f(b, 0xB6, false, false, XDX, cpu_rm(CPU_OFF(fpu.full))); /* movzx edx, full */
    x_alu_rm_imm(b, 4, 4, xr_reg(XDX), (uint32_t)(t->need_full | t->need_empty));
    x_alu_rm_imm(b, 7, 4, xr_reg(XDX), t->need_full);
    x_jcc(&t->L, b, XCC_NE, l_fail);
}

/* Prologue part, once x87_emit_checks passed: the guest's control word,
 * the host's stale flags, the window. */
void x87_emit_entry(struct tr *t)
{
    struct xbuf *b = t->cur;
    /* The host's control word is saved for the exits, the guest's loaded. */
    x_x87_mem(b, 0xD9, 7, xm(R_CPU, CPU_OFF(eng.host_cw)));
    x_x87_mem(b, 0xD9, 5, xm(R_CPU, CPU_OFF(fpu.cw)));
    /* FNCLEX only if the host has a flag up that the guest has not. */
    unsigned l_clean = x_label_new(&t->L);
    fnstsw_ax(b);
    x_0f(b, 0xB6, false, false, XCX, cpu_rm(CPU_OFF(fpu.sw)));
    x_unary(b, 0xF6, 0xF7, 2, 4, xr_reg(XCX));                  /* not ecx */
    x_alu_rm_r(b, 4, 4, xr_reg(XAX), XCX);                       /* and eax, ecx */
    x_test_rm_imm(b, 4, xr_reg(XAX), FSW_EXC);
    x_jcc(&t->L, b, XCC_E, l_clean);
    xb(b, 0xDB);
    xb(b, 0xE2); /* fnclex */
    x_bind(&t->L, l_clean, b);
    t->s.x87_live = true;
    t->s.w = t->depth0;
    t->s.top = t->top0;
    t->s.tag_known = t->s.tag_full = t->need_full;
    t->s.tag_known |= t->need_empty;
    t->s.ghost = t->ghost_join[0];
    push_cell(t);
    load_window(t);
    if (t->s.w == 0) {
        /* No FLD above to clear C1 (FNCLEX leaves it undefined, earlier
         * host code may have left it set): FLD1, FSTP ST(0). */
        xb(b, 0xD9);
        xb(b, 0xE8);
        xb(b, 0xDD);
        xb(b, 0xD8);
    }
    /* From here on the host's C1 is the guest's, so that a loop back to
     * the body needs no FNSTSW (which waits for every x87 op in flight). */
    unsigned l_c1 = x_label_new(&t->L);
    x_test_rm_imm(b, 2, cpu_rm(CPU_OFF(fpu.sw)), FSW_C1);
    x_jcc(&t->L, b, XCC_E, l_c1);
    host_c1_from_guest(b);
    x_bind(&t->L, l_c1, b);
}

/* FIP, FCS, FOP and FDS of the last native x87 op, into struct cpu (plain
 * stores: nothing waits for the x87). */
void x87_note_ips(struct tr *t)
{
    struct xbuf *b = t->cur;
    fdp_flush(t);
    if (t->s.last_x87 >= 0) {
        const struct insn *in = &t->b->insn[t->s.last_x87];
        tr_eip_at(t, XAX, t->off[t->s.last_x87]);
        x_store(b, 4, cpu_rm(CPU_OFF(fpu.fip)), XAX);
        x_load(b, 2, XAX, cpu_rm(CPU_OFF(seg[S_CS].sel)));
        x_store(b, 2, cpu_rm(CPU_OFF(fpu.fcs)), XAX);
        x_store_imm(b, 2, cpu_rm(CPU_OFF(fpu.fop)), ((in->opcode & 7u) << 8) | in->modrm);
    }
    if (t->s.last_x87_mem >= 0) {
        const struct insn *in = &t->b->insn[t->s.last_x87_mem];
        x_load(b, 2, XAX, cpu_rm(CPU_OFF(seg[in->seg].sel)));
        x_store(b, 2, cpu_rm(CPU_OFF(fpu.fds)), XAX);
    }
    if (t->s.last_x87 >= 0 || t->s.last_x87_mem >= 0)
        x_store_imm(b, 1, cpu_rm(CPU_OFF(eng.noted)), 0); /* (x87_note_loop) */
    t->s.last_x87 = t->s.last_x87_mem = -1;
}

/* At the back edge `id` (1 + its index) of a loop with no call inside:
 * FIP, FCS, FOP and FDS of the pass's last x87 op are the same on every
 * pass, so the first pass writes them (in the cold section) and leaves
 * its id in cpu.eng.noted, which skips them afterwards.  Whatever else
 * writes them (x87_note_ips, a handler that runs an x87 op) sets it to 0,
 * and so does the prologue, so noted == id means they are this edge's.
 * Clobbers rax and the host flags. */
void x87_note_loop(struct tr *t, unsigned id)
{
    fdp_flush(t); /* (the next pass's may differ: in the hot path) */
    if (t->s.last_x87 < 0 && t->s.last_x87_mem < 0)
        return;
    unsigned l_note = x_label_new(&t->L), l_back = x_label_new(&t->L);
    x_alu_rm_imm(t->cur, 7, 1, cpu_rm(CPU_OFF(eng.noted)), id);
    x_jcc(&t->L, t->cur, XCC_NE, l_note);
    x_bind(&t->L, l_back, t->cur);
    struct xbuf *hot = t->cur;
    t->cur = &t->cold;
    x_bind(&t->L, l_note, t->cur);
    x87_note_ips(t);
    x_store_imm(t->cur, 1, cpu_rm(CPU_OFF(eng.noted)), id);
    x_jmp(&t->L, t->cur, l_back);
    t->cur = hot;
}

/* Writes the window and the bookkeeping back to struct cpu and restores
 * the host's control word; the host's x87 stack is empty afterwards.
 * Clobbers rax, rcx and the host flags. */
void x87_spill(struct tr *t)
{
    if (!t->s.x87_live)
        return;
    struct xbuf *b = t->cur;
    /* FSW: the host's sticky flags OR'ed in, its C1 (see the top). */
    fnstsw_ax(b);
    x_alu_rm_imm(b, 4, 4, xr_reg(XAX), FSW_EXC | FSW_C1);
    x_0f(b, 0xB7, false, false, XCX, cpu_rm(CPU_OFF(fpu.sw)));
    x_alu_rm_imm(b, 4, 4, xr_reg(XCX), (uint32_t)~FSW_C1);
    x_alu_rm_r(b, 1, 4, xr_reg(XCX), XAX);                      /* or */
    x_store(b, 2, cpu_rm(CPU_OFF(fpu.sw)), XCX);
    x87_note_ips(t);
    for (int i = 0; i < t->s.w; i++)
        x_x87_mem(b, 0xDB, 7, xm(R_CPU, REG_OFF((t->s.top + (unsigned)i) & 7)));
    if (t->ghost_ok && t->s.ghost >= 0)
        x_x87_mem(b, 0xDB, 7, xm(R_CPU, REG_OFF((unsigned)t->s.ghost)));
    else if (t->ghost_ok) {
        xb(b, 0xDD);
        xb(b, 0xD8); /* fstp st(0) */
    }
    x_store_imm(b, 1, cpu_rm(CPU_OFF(fpu.top)), t->s.top);
    x_0f(b, 0xB6, false, false, XAX, cpu_rm(CPU_OFF(fpu.full)));
    x_alu_rm_imm(b, 4, 4, xr_reg(XAX), (uint8_t)~t->s.tag_known);
    x_alu_rm_imm(b, 1, 4, xr_reg(XAX), t->s.tag_full);
    x_store(b, 1, cpu_rm(CPU_OFF(fpu.full)), XAX);
    x_x87_mem(b, 0xD9, 5, xm(R_CPU, CPU_OFF(eng.host_cw)));
}

/* The inverse of x87_spill, for code that goes on after a call.  The
 * code after expects the guest's C1 on the host, but FLD clears it:
 * FLDENV puts it back (this runs only around calls). */
void x87_reload(struct tr *t)
{
    if (!t->s.x87_live)
        return;
    struct xbuf *b = t->cur;
    x_x87_mem(b, 0xD9, 5, xm(R_CPU, CPU_OFF(fpu.cw)));
    push_cell(t);
    load_window(t);
    host_c1_from_guest(b);
}

/* The guest's C1 onto the host (FLD clears it): FNSTENV (32-bit format:
 * FCW at 0, FSW at 4), C1 and FCW from the guest's, FLDENV.  Slow; used
 * at entries and around calls only. */
static void host_c1_from_guest(struct xbuf *b)
{
    x_x87_mem(b, 0xD9, 6, xm(R_CPU, CPU_OFF(eng.env)));
    x_load(b, 4, XAX, cpu_rm(CPU_OFF(eng.env) + 4));
    x_alu_rm_imm(b, 4, 4, xr_reg(XAX), (uint32_t)~FSW_C1);
    x_0f(b, 0xB7, false, false, XCX, cpu_rm(CPU_OFF(fpu.sw)));
    x_alu_rm_imm(b, 4, 4, xr_reg(XCX), FSW_C1);
    x_alu_rm_r(b, 1, 4, xr_reg(XAX), XCX);
    x_store(b, 4, cpu_rm(CPU_OFF(eng.env) + 4), XAX);
    x_load(b, 2, XAX, cpu_rm(CPU_OFF(fpu.cw)));
    x_store(b, 2, cpu_rm(CPU_OFF(eng.env)), XAX);
    x_x87_mem(b, 0xD9, 4, xm(R_CPU, CPU_OFF(eng.env)));
}

/* FDP of a memory op (the offset, as fpu_note has it after the access).
 * Only the last one before a point where the guest can see it matters:
 * a spill (every exit, call-out and slow path of a memory operand) and a
 * loop's back edge (x87_note_ips, x87_note_loop) store it.  So the op
 * leaves it pending (tstate fdp_k1) and it is computed again there from
 * its address registers, which must then hold what they held at the op:
 * each is a cached host register (the set is the translation's), and an
 * instruction that writes one stores the pending FDP first
 * (x87_fdp_before).  With an uncached one, stored at once from esi. */
void x87_note_mem(struct tr *t)
{
    const struct insn *in = &t->b->insn[t->k];
    bool cached = (in->mbase == NOREG || (t->cached & (1u << in->mbase))) &&
                  (in->mindex == NOREG || (t->cached & (1u << in->mindex)));
    if (cached) {
        t->s.fdp_k1 = (uint8_t)(t->k + 1);
        return;
    }
    x_store(t->cur, 4, cpu_rm(CPU_OFF(fpu.fdp)), R_OFF);
    t->s.fdp_k1 = 0;
}

/* The pending FDP into struct cpu: eax = the op's offset again (lea from
 * its cached registers: no other register, and the host flags survive). */
static void fdp_flush(struct tr *t)
{
    if (!t->s.fdp_k1)
        return;
    tr_ea_to(t, &t->b->insn[t->s.fdp_k1 - 1u], XAX);
    x_store(t->cur, 4, cpu_rm(CPU_OFF(fpu.fdp)), XAX);
    t->s.fdp_k1 = 0;
}

/* The pending FDP into struct cpu, for a back edge whose FIP and FOP
 * need nothing (tr_block_end.c steady_copy: the same op's as at its head). */
void x87_fdp_store(struct tr *t)
{
    fdp_flush(t);
}

/* Before native instruction k: the pending FDP is stored when k writes
 * one of its address registers. */
void x87_fdp_before(struct tr *t, unsigned k)
{
    if (!t->s.fdp_k1)
        return;
    const struct insn *in = &t->b->insn[t->s.fdp_k1 - 1u];
    uint8_t regs = (uint8_t)((in->mbase != NOREG ? 1u << in->mbase : 0) |
                             (in->mindex != NOREG ? 1u << in->mindex : 0));
    if (t->plan[k].gw & regs)
        fdp_flush(t);
}

/* The op itself: the guest's escape byte and ModRM, with a memory
 * operand at [rdx]. */
void x87_emit_op(struct tr *t, const struct insn *in, const struct plan *p)
{
    struct xbuf *b = t->cur;
    bool emitted = false;
    if (p->pop) {
        /* ST(0)'s value stays in the register it pops (see the top): into
         * its slot in struct cpu first.  FLD ST(0) and FSTP m80 are exact
         * for every value and raise nothing on extended operands, and the
         * op after defines C1 (which they clear); with the host's stack
         * full, FSTP m80 and FLD m80 instead.  (FXSAVE, which would leave
         * C1 alone, costs hundreds of cycles.) */
        struct xmem slot = xm(R_CPU, REG_OFF(t->s.top));
        bool comip = in->opcode == 0xDF && (in->modrm >> 6) == 3;
        if (comip) {
            /* F(U)COMIP leaves C1 as it was (fpu_fast.c ff_fcomi): read
             * it before the store clears it (the host flags are F(U)COMIP's
             * to write). */
            fnstsw_ax(b);
            x_test_rm_imm(b, 4, xr_reg(XAX), FSW_C1);
        }
        if (t->ghost_ok && !comip) {
            /* Into the ghost cell (FST ST(i) moves all 80 bits and raises
             * nothing; it clears C1, which the op defines after it); a
             * register the cell held before goes to its slot first. */
            if (t->s.ghost >= 0 && t->s.ghost != (int)t->s.top)
                x87_ghost_to(t, -1, false);
            xb(b, 0xDD);
            xb(b, (uint8_t)(0xD0 + t->s.w));       /* fst st(w) */
            t->s.ghost = (int)t->s.top;
        } else if (t->s.w < 8) {
            xb(b, 0xD9);
            xb(b, 0xC0);                           /* fld st(0) */
            x_x87_mem(b, 0xDB, 7, slot);           /* fstp m80 */
        } else {
            x_x87_mem(b, 0xDB, 7, slot);           /* fstp m80 */
            x_x87_mem(b, 0xDB, 5, slot);           /* fld m80 */
        }
        if (comip) {
            /* C1 was set: the op, then C1 back with FNSTENV/FLDENV (rare
             * and slow: in the cold section), keeping the op's flags. */
            unsigned l_c1 = x_label_new(&t->L), l_back = x_label_new(&t->L);
            x_jcc(&t->L, b, XCC_NE, l_c1);
            xb(b, in->opcode);
            xb(b, in->modrm);
            x_bind(&t->L, l_back, b);
            struct xbuf *cold = &t->cold;
            x_bind(&t->L, l_c1, cold);
            xb(cold, in->opcode);
            xb(cold, in->modrm);
            x_pushf(cold);
            x_x87_mem(cold, 0xD9, 6, xm(R_CPU, CPU_OFF(eng.env)));
            x_alu_rm_imm(cold, 1, 2, cpu_rm(CPU_OFF(eng.env) + 4), FSW_C1); /* or */
            x_x87_mem(cold, 0xD9, 4, xm(R_CPU, CPU_OFF(eng.env)));
            x_popf(cold);
            x_jmp(&t->L, cold, l_back);
            emitted = true;
        }
    }
    if (p->mem_size)
        x_x87_mem(b, in->opcode, (in->modrm >> 3) & 7, xm(XDX, 0));
    else if (!emitted) {
        xb(b, in->opcode);
        xb(b, in->modrm);
    }
    if (p->push) {
        t->s.top = (t->s.top - 1) & 7;
        if (t->s.ghost == (int)t->s.top)
            t->s.ghost = -1; /* (its value is gone: the cell is garbage) */
        t->s.tag_known |= (uint8_t)(1u << t->s.top);
        t->s.tag_full |= (uint8_t)(1u << t->s.top);
        t->s.w++;
    }
    if (p->pop) {
        t->s.tag_known |= (uint8_t)(1u << t->s.top);
        t->s.tag_full &= (uint8_t)~(1u << t->s.top);
        t->s.top = (t->s.top + 1) & 7;
        t->s.w--;
    }
    t->s.last_x87 = (int)t->k;
    if (p->mem_size)
        t->s.last_x87_mem = (int)t->k;
}

/* The cell's state a pass leaves after running instructions from..to-1
 * from state g (-2: "as it came in"), with the joins on the way taking
 * their agreed states (x87_ghost_plan). */
static int ghost_run(const struct tr *t, unsigned from, unsigned to, int g)
{
    for (unsigned k = from; k < to; k++) {
        if (k > from && t->join[k])
            g = t->ghost_join[k];
        const struct plan *p = &t->plan[k];
        if (t->x87_top[k + 1] == 0xFF) {
            g = -1; /* the window is given up */
            continue;
        }
        if (!p->x87)
            continue;
        const struct insn *in = &t->b->insn[k];
        bool comip = in->opcode == 0xDF && (in->modrm >> 6) == 3;
        if (p->pop && !comip)
            g = t->x87_top[k];
        if (p->push && g == (int)((t->x87_top[k] - 1u) & 7))
            g = -1;
    }
    return g;
}

/* Picks each join's cell state (tr.h ghost_join) so that a loop's back
 * edge arrives with it and needs no store each pass: the state the loop's
 * body leaves (none when the body pops nothing); a join only forward
 * jumps reach takes the linear way's.  The body's start is join 0 (the
 * entry loads the cell so), for a back edge to it or the block's own
 * loop.  Any way that arrives otherwise converts (x87_ghost_to). */
void x87_ghost_plan(struct tr *t)
{
    unsigned n = t->b->ninsn;
    memset(t->ghost_join, -1, sizeof(t->ghost_join));
    if (!t->x87 || !t->ghost_ok)
        return;
    for (unsigned j = 0; j < n; j++) {
        int from = -1; /* the first back edge to j */
        for (unsigned k = j; k < n && from < 0; k++)
            if (t->back[k] == (int)j)
                from = (int)k;
        if (j == 0 && from < 0 && t->loop && t->x87_top[n - 1] == t->top0)
            from = (int)n - 1; /* the block's own loop */
        if (from >= 0) {
            int g = ghost_run(t, j, (unsigned)from, -2);
            t->ghost_join[j] = (int8_t)(g == -2 ? -1 : g);
        } else if (j > 0 && t->join[j]) {
            int g = ghost_run(t, 0, j, t->ghost_join[0]);
            t->ghost_join[j] = (int8_t)g;
        }
    }
}

/* The cell to state `ghost`: the register it holds now to its slot, the
 * new one's slot into it.  FLD and FSTP clear C1: where no op follows to
 * define it (keep_c1: a join), the guest's C1 is read first and set
 * again after (FNSTENV/FLDENV, in the cold section, when it was set);
 * that clobbers rax and RFLAGS. */
void x87_ghost_to(struct tr *t, int ghost, bool keep_c1)
{
    if (!t->ghost_ok || !t->s.x87_live || t->s.ghost == ghost)
        return;
    struct xbuf *b = t->cur;
    if (keep_c1)
        fnstsw_ax(b);
    if (t->s.ghost >= 0) {
        xb(b, 0xD9);
        xb(b, (uint8_t)(0xC0 + t->s.w));           /* fld st(w) */
        x_x87_mem(b, 0xDB, 7, xm(R_CPU, REG_OFF((unsigned)t->s.ghost)));
    }
    if (ghost >= 0) {
        x_x87_mem(b, 0xDB, 5, xm(R_CPU, REG_OFF((unsigned)ghost)));
        xb(b, 0xDD);
        xb(b, (uint8_t)(0xD8 + t->s.w + 1));       /* fstp st(w + 1) */
    }
    t->s.ghost = ghost;
    if (keep_c1) {
        /* (In the cold section already: in line.) */
        bool in_cold = b == &t->cold;
        unsigned l_c1 = x_label_new(&t->L), l_back = x_label_new(&t->L);
        x_test_rm_imm(b, 4, xr_reg(XAX), FSW_C1);
        x_jcc(&t->L, b, in_cold ? XCC_E : XCC_NE, in_cold ? l_back : l_c1);
        if (!in_cold)
            x_bind(&t->L, l_back, b);
        struct xbuf *cold = &t->cold;
        x_bind(&t->L, l_c1, cold);
        x_x87_mem(cold, 0xD9, 6, xm(R_CPU, CPU_OFF(eng.env)));
        x_alu_rm_imm(cold, 1, 2, cpu_rm(CPU_OFF(eng.env) + 4), FSW_C1); /* or */
        x_x87_mem(cold, 0xD9, 4, xm(R_CPU, CPU_OFF(eng.env)));
        if (in_cold)
            x_bind(&t->L, l_back, cold);
        else
            x_jmp(&t->L, cold, l_back);
    }
}
