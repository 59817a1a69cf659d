/* Internal interface of the interpreter: register, memory, stack and flag
 * helpers shared by the handler files (ops_*.c).  Not for use outside
 * src/cpu. */
#ifndef PLEX86_CPU_EXEC_H
#define PLEX86_CPU_EXEC_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "cpu/insn.h"
#include "cpu/mmu.h"
#include "vm/physmem.h"
#include "vm/iobus.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* --- the interrupt shadow (cpu.shadow) ------------------------------- */

/* STI inhibits interrupts until the next instruction has run; MOV SS and
 * POP SS inhibit debug exceptions too, so that a code breakpoint on the
 * next instruction is not taken (SDM vol. 3A, 6.8.3). */
enum { SHADOW_STI = 1, SHADOW_SS = 2 };

/* --- exceptions ------------------------------------------------------ */

/* Raises a fault: the current instruction is abandoned, EIP and ESP roll
 * back to its start, and the exception is delivered (SDM vol. 3A, 6.5).
 * `err` is pushed for vectors that have an error code. */
_Noreturn void cpu_fault(struct cpu *c, int vector, uint32_t err);

/* Delivers a software interrupt or trap whose return address is the next
 * instruction (INT n, INT3, INTO, INT1). */
#include "cpu/interrupt.h"
void cpu_soft_interrupt(struct cpu *c, int vector, enum event_source src);

/* --- registers ------------------------------------------------------- */

static inline uint32_t size_mask(unsigned size)
{
    return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
}

static inline uint32_t sign_bit(unsigned size)
{
    return 1u << (8 * size - 1);
}

/* Sign-extends the low `size` bytes of v to 32 bits. */
static inline uint32_t sext(uint32_t v, unsigned size)
{
    return size == 1 ? (uint32_t)(int32_t)(int8_t)v
           : size == 2 ? (uint32_t)(int32_t)(int16_t)v : v;
}

static inline uint32_t get_reg(const struct cpu *c, unsigned r, unsigned size)
{
    if (size == 1)
        return r < 4 ? c->gpr[r] & 0xFF : (c->gpr[r - 4] >> 8) & 0xFF;
    return size == 2 ? c->gpr[r] & 0xFFFF : c->gpr[r];
}

static inline void set_reg(struct cpu *c, unsigned r, unsigned size, uint32_t v)
{
    if (size == 1) {
        if (r < 4)
            c->gpr[r] = (c->gpr[r] & ~0xFFu) | (v & 0xFF);
        else
            c->gpr[r - 4] = (c->gpr[r - 4] & ~0xFF00u) | ((v & 0xFF) << 8);
    } else if (size == 2) {
        c->gpr[r] = (c->gpr[r] & 0xFFFF0000u) | (v & 0xFFFF);
    } else {
        c->gpr[r] = v;
    }
}

/* A register used as counter/index under the given address size. */
static inline uint32_t get_areg(const struct cpu *c, unsigned r, unsigned asize)
{
    return asize == 4 ? c->gpr[r] : c->gpr[r] & 0xFFFF;
}

static inline void set_areg(struct cpu *c, unsigned r, unsigned asize, uint32_t v)
{
    set_reg(c, r, asize, v);
}

/* --- memory ---------------------------------------------------------- */

enum seg_access { SEG_READ = SEGC_NO_READ, SEG_WRITE = SEGC_NO_WRITE };

/* The checks of an access that the fast path could not settle: null and
 * type violations, expand-down limits (SDM vol. 3A, 5.3 and 5.5).  Raises
 * #GP(0), or #SS(0) for the stack segment; returns the linear address. */
uint32_t seg_linear_slow(struct cpu *c, int s, uint32_t off, unsigned size,
                         enum seg_access acc);

/* Notes a data breakpoint hit for an access (seg.c). */
void check_data_breakpoints(struct cpu *c, uint32_t la, unsigned size, bool write);

/* Linear address for an access of `size` bytes at seg:off, after the limit
 * and type checks. */
static inline uint32_t seg_linear(struct cpu *c, int s, uint32_t off, unsigned size,
                                  enum seg_access acc)
{
    const struct seg *sg = &c->seg[s];
    if (likely(!(sg->check & (acc | SEGC_EXPDOWN | SEGC_ALIGN | SEGC_WATCH)) && off <= sg->limit &&
               sg->limit - off >= size - 1))
        return sg->base + off;
    return seg_linear_slow(c, s, off, size, acc);
}

/* Linear memory of 1, 2 or 4 bytes, through the TLB (mmu.h): a hit is one
 * compare and one host load/store; misses, MMIO and page-crossing accesses
 * go out of line.  May raise #PF.  Callers split 8-byte accesses. */
static inline uint32_t lin_read(struct cpu *c, uint32_t la, unsigned size)
{
    return mmu_read(c, la, size);
}

static inline void lin_write(struct cpu *c, uint32_t la, uint32_t v, unsigned size)
{
    mmu_write(c, la, v, size);
}

static inline uint32_t mem_read(struct cpu *c, int s, uint32_t off, unsigned size)
{
    return lin_read(c, seg_linear(c, s, off, size, SEG_READ), size);
}

static inline void mem_write(struct cpu *c, int s, uint32_t off, uint32_t v, unsigned size)
{
    lin_write(c, seg_linear(c, s, off, size, SEG_WRITE), v, size);
}

/* Offset of the instruction's memory operand (SDM vol. 2, 2.1.5). */
static inline uint32_t ea_offset(const struct cpu *c, const struct insn *i)
{
    uint32_t a = (uint32_t)i->disp;
    if (i->mbase != NOREG)
        a += c->gpr[i->mbase];
    if (i->mindex != NOREG)
        a += c->gpr[i->mindex] * i->mscale;
    return i->asize == 2 ? a & 0xFFFF : a;
}

/* Drops the translation of one linear address (INVLPG). */
void cpu_tlb_invlpg(struct cpu *c, uint32_t la);

/* Operand k of the instruction, read or written by kind (inline: these are
 * the interpreter's hottest paths). */
uint32_t opnd_read_other(struct cpu *c, const struct insn *i, unsigned k);
void opnd_write_other(struct cpu *c, const struct insn *i, unsigned k, uint32_t v);

static inline uint32_t opnd_read(struct cpu *c, const struct insn *i, unsigned k)
{
    const struct opnd *o = &i->o[k];
    if (likely(o->kind == OPK_GPR))
        return get_reg(c, o->reg, o->size);
    if (o->kind == OPK_MEM)
        return mem_read(c, i->seg, ea_offset(c, i), o->size);
    if (o->kind == OPK_IMM || o->kind == OPK_REL)
        return i->imm; /* sign-extended to 32 bits; users mask to their size */
    return opnd_read_other(c, i, k);
}

static inline void opnd_write(struct cpu *c, const struct insn *i, unsigned k, uint32_t v)
{
    const struct opnd *o = &i->o[k];
    if (likely(o->kind == OPK_GPR))
        set_reg(c, o->reg, o->size, v);
    else if (o->kind == OPK_MEM)
        mem_write(c, i->seg, ea_offset(c, i), v, o->size);
    else
        opnd_write_other(c, i, k, v);
}

/* --- stack ----------------------------------------------------------- */

static inline uint32_t get_sp(const struct cpu *c)
{
    return c->stack32 ? c->gpr[R_ESP] : c->gpr[R_ESP] & 0xFFFF;
}

static inline void set_sp(struct cpu *c, uint32_t sp)
{
    if (c->stack32)
        c->gpr[R_ESP] = sp;
    else
        c->gpr[R_ESP] = (c->gpr[R_ESP] & 0xFFFF0000u) | (sp & 0xFFFF);
}

static inline uint32_t sp_add(const struct cpu *c, uint32_t sp, int32_t delta)
{
    sp += (uint32_t)delta;
    return c->stack32 ? sp : sp & 0xFFFF;
}

/* Pushes: the store happens before ESP changes, so a faulting push leaves
 * ESP as it was (SDM vol. 2, PUSH). */
static inline void push(struct cpu *c, uint32_t v, unsigned size)
{
    uint32_t sp = sp_add(c, get_sp(c), -(int32_t)size);
    mem_write(c, S_SS, sp, v, size);
    set_sp(c, sp);
}

static inline uint32_t pop(struct cpu *c, unsigned size)
{
    uint32_t sp = get_sp(c);
    uint32_t v = mem_read(c, S_SS, sp, size);
    set_sp(c, sp_add(c, sp, (int32_t)size));
    return v;
}

/* Reads the stack at SP + offset without moving SP. */
static inline uint32_t stack_peek(struct cpu *c, uint32_t offset, unsigned size)
{
    return mem_read(c, S_SS, sp_add(c, get_sp(c), (int32_t)offset), size);
}

/* --- flags ----------------------------------------------------------- */

static inline void set_flags(struct cpu *c, uint32_t mask, uint32_t values)
{
    c->eflags = (c->eflags & ~mask) | (values & mask);
}

static inline uint32_t flag_szp(uint32_t res, unsigned size)
{
    uint32_t f = 0;
    res &= size_mask(size);
    if (res == 0)
        f |= F_ZF;
    if (res & sign_bit(size))
        f |= F_SF;
    if (!__builtin_parity(res & 0xFF))
        f |= F_PF;
    return f;
}

/* Condition codes tttn (SDM vol. 1, appendix B). */
static inline bool cond_true(const struct cpu *c, unsigned cc)
{
    uint32_t f = c->eflags;
    bool r;
    switch (cc >> 1) {
    case 0: r = f & F_OF; break;
    case 1: r = f & F_CF; break;
    case 2: r = f & F_ZF; break;
    case 3: r = f & (F_CF | F_ZF); break;
    case 4: r = f & F_SF; break;
    case 5: r = f & F_PF; break;
    case 6: r = !(f & F_SF) != !(f & F_OF); break;
    default: r = (f & F_ZF) || (!(f & F_SF) != !(f & F_OF)); break;
    }
    return (cc & 1) ? !r : r;
}

/* ALU primitives: compute the result and set the arithmetic flags exactly
 * as the SDM defines them (undefined flags get the values a P6 gives where
 * known, else 0; peer tests mask them). */
uint32_t alu_add(struct cpu *c, uint32_t a, uint32_t b, uint32_t carry, unsigned size);
uint32_t alu_sub(struct cpu *c, uint32_t a, uint32_t b, uint32_t borrow, unsigned size);
uint32_t alu_logic(struct cpu *c, uint32_t res, unsigned size);

/* BT/BTS/BTR/BTC with a memory operand (ops_shift.c): the offset of the
 * operand-size unit that holds the bit, and the bit's index in it; the
 * flags from that unit's old value v (bits: 8 * operand size). */
uint32_t bt_mem_offset(struct cpu *c, const struct insn *i, unsigned *bit);
void bt_flags(struct cpu *c, uint32_t v, unsigned bit, unsigned bits);

/* --- control transfer ------------------------------------------------ */

/* Near jump to `target` within CS (#GP(0) beyond the limit). */
static inline void jump_near(struct cpu *c, uint32_t target, unsigned osize)
{
    if (osize == 2)
        target &= 0xFFFF;
    if (unlikely(target > c->seg[S_CS].limit))
        cpu_fault(c, EXC_GP, 0);
    c->eip = target;
}

/* I/O permission (SDM vol. 1, 18.5): in protected mode with CPL > IOPL,
 * and always in V86 mode, the TSS's I/O bitmap decides. */
void io_check_bitmap(struct cpu *c, uint16_t port, unsigned size);

static inline void io_check(struct cpu *c, uint16_t port, unsigned size)
{
    if ((c->cr0 & CR0_PE) && (c->cpl > ((c->eflags & F_IOPL) >> 12) || (c->eflags & F_VM)))
        io_check_bitmap(c, port, size);
}

/* Protected-mode-only instructions (and anything else real mode rejects). */
static inline void require_protected(struct cpu *c)
{
    if (!(c->cr0 & CR0_PE))
        cpu_fault(c, EXC_UD, 0);
}

#endif
