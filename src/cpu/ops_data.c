/* Data movement: MOV and friends, stack operations, LEA, XLAT, far pointer
 * loads. */
#include "cpu/exec.h"
#include "cpu/features.h"
#include "cpu/ops.h"
#include "cpu/seg.h"

/* PAE paging is (or would be) on: the PDPTEs must load from CR3, else
 * the MOV is #GP(0) and changes nothing (SDM vol. 3A, 4.4.1). */
static void load_pdptes(struct cpu *c, uint32_t cr3)
{
    if (!mmu_load_pdptes(c, cr3))
        cpu_fault(c, EXC_GP, 0);
}

static bool pae_paging(uint32_t cr0, uint32_t cr4)
{
    return (cr0 & (CR0_PG | CR0_PE)) == (CR0_PG | CR0_PE) && (cr4 & CR4_PAE);
}

static void mov_to_creg(struct cpu *c, unsigned n, uint32_t v)
{
    switch (n) {
    case 0: {
        /* SDM vol. 2, MOV CRn: PG without PE, or NW without CD, is #GP. */
        if (((v & CR0_PG) && !(v & CR0_PE)) || ((v & CR0_NW) && !(v & CR0_CD)))
            cpu_fault(c, EXC_GP, 0);
        uint32_t old = c->cr0;
        uint32_t nv = (v & (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_NE | CR0_WP | CR0_AM |
                            CR0_NW | CR0_CD | CR0_PG)) | CR0_ET;
        if (pae_paging(nv, c->cr4) && ((old ^ nv) & (CR0_PG | CR0_CD | CR0_NW)))
            load_pdptes(c, c->cr3);
        c->cr0 = nv;
        if ((old ^ c->cr0) & (CR0_PE | CR0_AM))
            cpu_mode_changed(c);
        if ((old ^ c->cr0) & (CR0_PE | CR0_PG | CR0_WP))
            cpu_tlb_flush(c, true);
        return;
    }
    case 2: c->cr2 = v; return;
    case 3:
        if (pae_paging(c->cr0, c->cr4))
            load_pdptes(c, v);
        c->cr3 = v;
        cpu_tlb_flush(c, false);
        return;
    case 4: {
        if (c->level < CPU_586)
            cpu_fault(c, EXC_UD, 0);
        /* A bit for a feature the model lacks is #GP(0) (features.h). */
        if (v & ~cpu_cr4_valid(c))
            cpu_fault(c, EXC_GP, 0);
        uint32_t old = c->cr4;
        if (pae_paging(c->cr0, v) && ((old ^ v) & (CR4_PSE | CR4_PGE | CR4_PAE)))
            load_pdptes(c, c->cr3);
        c->cr4 = v;
        if ((old ^ v) & (CR4_PSE | CR4_PGE | CR4_PAE))
            cpu_tlb_flush(c, true);
        return;
    }
    default:
        cpu_fault(c, EXC_UD, 0);
    }
}

static uint32_t mov_from_creg(struct cpu *c, unsigned n)
{
    switch (n) {
    case 0: return c->cr0;
    case 2: return c->cr2;
    case 3: return c->cr3;
    case 4:
        if (c->level < CPU_586)
            cpu_fault(c, EXC_UD, 0);
        return c->cr4;
    default:
        cpu_fault(c, EXC_UD, 0);
    }
}

/* Control and debug register moves need CPL 0 (SDM vol. 2, MOV CRn). */
static void require_cpl0(struct cpu *c)
{
    if (c->cpl != 0)
        cpu_fault(c, EXC_GP, 0);
}

/* DR4/DR5 alias DR6/DR7 unless CR4.DE is set, when they are #UD. */
static unsigned dreg_index(struct cpu *c, unsigned n)
{
    if (n == 4 || n == 5) {
        if (c->cr4 & CR4_DE)
            cpu_fault(c, EXC_UD, 0);
        return n + 2;
    }
    if (n > 7)
        cpu_fault(c, EXC_UD, 0);
    return n;
}

void h_mov(struct cpu *c, const struct insn *i)
{
    const struct opnd *d = &i->o[0], *s = &i->o[1];
    if (d->kind == OPK_CREG || s->kind == OPK_CREG) {
        require_cpl0(c);
        if (d->kind == OPK_CREG)
            mov_to_creg(c, d->reg, c->gpr[s->reg]);
        else
            c->gpr[d->reg] = mov_from_creg(c, s->reg);
        return;
    }
    if (d->kind == OPK_DREG || s->kind == OPK_DREG) {
        require_cpl0(c);
        if (d->kind == OPK_DREG) {
            unsigned n = dreg_index(c, d->reg);
            c->dr[n] = n == 6 ? (c->gpr[s->reg] | 0xFFFF0FF0u) & ~0x1000u
                     : n == 7 ? (c->gpr[s->reg] | 0x400u) & ~0xD800u : c->gpr[s->reg];
            if (n == 7 || n < 4)
                cpu_dr7_changed(c);
        } else
            c->gpr[d->reg] = c->dr[dreg_index(c, s->reg)];
        return;
    }
    if (d->kind == OPK_SREG) {
        load_seg(c, d->reg, (uint16_t)opnd_read(c, i, 1));
        if (d->reg == S_SS)
            c->shadow = SHADOW_SS; /* the next instruction runs unbroken */
        return;
    }
    if (s->kind == OPK_SREG && d->kind == OPK_GPR) {
        /* 32-bit register destination: the selector zero-extended (P6). */
        set_reg(c, d->reg, d->size, c->seg[s->reg].sel);
        return;
    }
    opnd_write(c, i, 0, opnd_read(c, i, 1));
}

void h_movzx(struct cpu *c, const struct insn *i)
{
    opnd_write(c, i, 0, opnd_read(c, i, 1) & size_mask(i->o[1].size));
}

void h_movsx(struct cpu *c, const struct insn *i)
{
    opnd_write(c, i, 0, sext(opnd_read(c, i, 1), i->o[1].size));
}

void h_xchg(struct cpu *c, const struct insn *i)
{
    uint32_t a = opnd_read(c, i, 0), b = opnd_read(c, i, 1);
    /* Memory (if any) is operand 0 or 1; write it first. */
    if (i->o[1].kind == OPK_MEM) {
        opnd_write(c, i, 1, a);
        opnd_write(c, i, 0, b);
    } else {
        opnd_write(c, i, 0, b);
        opnd_write(c, i, 1, a);
    }
}

void h_lea(struct cpu *c, const struct insn *i)
{
    if (i->o[1].kind != OPK_MEM)
        cpu_fault(c, EXC_UD, 0);
    opnd_write(c, i, 0, ea_offset(c, i));
}

void h_cbw(struct cpu *c, const struct insn *i)
{
    if (i->osize == 4)
        c->gpr[R_EAX] = sext(c->gpr[R_EAX], 2);
    else
        set_reg(c, R_EAX, 2, sext(c->gpr[R_EAX], 1));
}

void h_cwd(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->osize;
    set_reg(c, R_EDX, sz, (get_reg(c, R_EAX, sz) & sign_bit(sz)) ? 0xFFFFFFFFu : 0);
}

void h_xlat(struct cpu *c, const struct insn *i)
{
    uint32_t off = get_areg(c, R_EBX, i->asize) + get_reg(c, R_EAX, 1);
    if (i->asize == 2)
        off &= 0xFFFF;
    set_reg(c, R_EAX, 1, mem_read(c, i->seg, off, 1));
}

/* --- stack --------------------------------------------------------------- */

void h_push(struct cpu *c, const struct insn *i)
{
    if (i->o[0].kind == OPK_SREG) {
        /* A 32-bit push of a segment register moves ESP by 4 but writes
         * only the 16-bit selector (SDM vol. 2, PUSH: recent processors). */
        uint32_t sp = sp_add(c, get_sp(c), -(int32_t)i->osize);
        mem_write(c, S_SS, sp, c->seg[i->o[0].reg].sel, 2);
        set_sp(c, sp);
        return;
    }
    push(c, opnd_read(c, i, 0), i->osize); /* PUSH SP pushes the old SP */
}

void h_pop(struct cpu *c, const struct insn *i)
{
    uint32_t sp = get_sp(c);
    uint32_t v = mem_read(c, S_SS, sp, i->osize);
    if (i->o[0].kind == OPK_SREG) {
        /* The stack pointer moves by the rules of the stack the pop read
         * from (its B bit), not those of a segment POP SS loads: computed
         * before the load (SDM vol. 2, POP; vol. 3A, 6.2.3). */
        uint32_t esp = c->gpr[R_ESP];
        set_sp(c, sp_add(c, sp, (int32_t)i->osize));
        uint32_t new_esp = c->gpr[R_ESP];
        c->gpr[R_ESP] = esp; /* a faulting load leaves ESP as it was */
        load_seg(c, i->o[0].reg, (uint16_t)v);
        c->gpr[R_ESP] = new_esp;
        if (i->o[0].reg == S_SS)
            c->shadow = SHADOW_SS;
        return;
    }
    /* The destination's address is computed after ESP is incremented
     * (SDM vol. 2, POP); a fault rolls ESP back. */
    set_sp(c, sp_add(c, sp, (int32_t)i->osize));
    opnd_write(c, i, 0, v);
}

void h_pusha(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->osize;
    uint32_t sp = get_sp(c);
    uint32_t old_sp = get_reg(c, R_ESP, sz);
    for (int r = R_EAX; r <= R_EDI; r++) {
        sp = sp_add(c, sp, -(int32_t)sz);
        mem_write(c, S_SS, sp, r == R_ESP ? old_sp : get_reg(c, (unsigned)r, sz), sz);
    }
    set_sp(c, sp);
}

void h_popa(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->osize;
    uint32_t v[8];
    for (int r = R_EDI; r >= R_EAX; r--)
        v[r] = stack_peek(c, (uint32_t)(R_EDI - r) * sz, sz);
    for (int r = R_EAX; r <= R_EDI; r++)
        if (r != R_ESP)
            set_reg(c, (unsigned)r, sz, v[r]);
    set_sp(c, sp_add(c, get_sp(c), (int32_t)(8 * sz)));
}

/* ENTER (SDM vol. 2 pseudocode): nesting level taken modulo 32. */
void h_enter(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->osize;
    uint32_t alloc = i->imm & 0xFFFF;
    unsigned level = i->imm2 & 0x1F;
    uint32_t sp = get_sp(c);
    uint32_t bp = c->stack32 ? c->gpr[R_EBP] : c->gpr[R_EBP] & 0xFFFF;

    sp = sp_add(c, sp, -(int32_t)sz);
    mem_write(c, S_SS, sp, get_reg(c, R_EBP, sz), sz);
    /* FrameTemp <- ESP after the push, all 32 bits for a 32-bit operand
     * whatever the stack size: on a 16-bit stack that is SP with ESP's
     * upper half (the pseudo-code is keyed on the operand size). */
    uint32_t frame = c->stack32 ? sp : (c->gpr[R_ESP] & 0xFFFF0000u) | sp;
    if (level > 0) {
        for (unsigned k = 1; k < level; k++) {
            bp = sp_add(c, bp, -(int32_t)sz);
            uint32_t v = mem_read(c, S_SS, bp, sz);
            sp = sp_add(c, sp, -(int32_t)sz);
            mem_write(c, S_SS, sp, v, sz);
        }
        sp = sp_add(c, sp, -(int32_t)sz);
        mem_write(c, S_SS, sp, frame, sz);
    }
    sp = sp_add(c, sp, -(int32_t)alloc);
    /* #SS(0) if the final stack pointer is outside the stack segment, #PF
     * if a write there would fault (SDM vol. 2, ENTER, protected-mode
     * exceptions): a byte is probed, nothing written, before ESP and EBP
     * change, so the fault leaves them as they were. */
    mmu_probe(c, seg_linear(c, S_SS, sp, 1, SEG_WRITE), 1, MMU_WRITE);
    set_reg(c, R_EBP, sz, frame);
    set_sp(c, sp);
}

void h_leave(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->osize;
    uint32_t sp = c->stack32 ? c->gpr[R_EBP] : c->gpr[R_EBP] & 0xFFFF;
    uint32_t v = mem_read(c, S_SS, sp, sz);
    set_sp(c, sp_add(c, sp, (int32_t)sz));
    set_reg(c, R_EBP, sz, v);
}

/* LDS/LES/LFS/LGS/LSS r, m16:16 / m16:32. */
void h_lxs(struct cpu *c, const struct insn *i)
{
    if (i->o[1].kind != OPK_MEM)
        cpu_fault(c, EXC_UD, 0);
    static const uint8_t seg_of[OP_COUNT] = {
        [OP_LDS] = S_DS, [OP_LES] = S_ES, [OP_LFS] = S_FS, [OP_LGS] = S_GS, [OP_LSS] = S_SS,
    };
    unsigned sz = i->osize;
    uint32_t off = ea_offset(c, i);
    uint32_t v = mem_read(c, i->seg, off, sz);
    uint32_t selo = off + sz;
    if (i->asize == 2)
        selo &= 0xFFFF;
    uint16_t sel = (uint16_t)mem_read(c, i->seg, selo, 2);
    load_seg(c, seg_of[i->op], sel);
    set_reg(c, i->o[0].reg, sz, v);
}

void h_nop(struct cpu *c, const struct insn *i)
{
}

/* PAUSE (F3 90), the spin-wait hint (SDM vol. 2): a NOP to the CPU.  With
 * several CPUs taking turns on one host thread (machine/vm.c), a CPU
 * spinning on a lock that another holds only wastes its slice, and a
 * round robin can lock step with the loop (release, re-take, slice ends
 * with the lock held, every time): the board's pause pin gives the rest of
 * the slice away, as a hypervisor's pause-loop exiting does. */
void h_pause(struct cpu *c, const struct insn *i)
{
    if (c->pins.pause)
        c->pins.pause(c->pins.pause_opaque);
}
