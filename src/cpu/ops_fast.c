/* Specialised handlers: the common operand forms of the hottest
 * instructions, picked once at decode time (fast_handler) so that the
 * interpreter does not re-discover the operand kinds and sizes on every
 * execution.  Forms (32-bit operand size; memory only with 32-bit
 * addressing):
 *   RR  reg, reg      RI  reg, imm      RM  reg, [mem]
 *   MR  [mem], reg    MI  [mem], imm
 * Each does what the generic handler does, in the same order: a memory
 * destination is written before EFLAGS changes, so a faulting store leaves
 * the flags as they were and the instruction restarts cleanly.  A few
 * byte and 16-bit forms, and near CALL/RET/indirect JMP (32-bit stack),
 * are specialised too.  Everything else (other sizes, 16-bit addressing,
 * segment/control registers) keeps the generic handler. */
#include "cpu/ops_fast.h"

#include "cpu/exec.h"
#include "cpu/fpu_fast.h"
#include "cpu/hostflags.h"
#include "cpu/ops.h"

enum form { FORM_NONE, FORM_RR, FORM_RI, FORM_RM, FORM_MR, FORM_MI, FORM_COUNT };

/* Offset of the memory operand under 32-bit addressing (ea_offset without
 * the address-size test). */
static inline uint32_t ea32(const struct cpu *c, const struct insn *i)
{
    uint32_t a = (uint32_t)i->disp;
    if (i->mbase != NOREG)
        a += c->gpr[i->mbase];
    if (i->mindex != NOREG)
        a += c->gpr[i->mindex] * i->mscale;
    return a;
}

static inline void put_flags(struct cpu *c, uint32_t mask, uint32_t f)
{
    c->eflags = (c->eflags & ~mask) | f;
}

static inline uint32_t reg0(const struct insn *i) { return i->o[0].reg; }
static inline uint32_t reg1(const struct insn *i) { return i->o[1].reg; }

/* --- binary ALU operations ------------------------------------------- */

/* name: the form suffix; calc: hf_*32; writes: the result is stored; mask:
 * the flags it defines. */
#define ALU_FORMS(op, calc, writes, mask)                                      \
    static void f_##op##_rr(struct cpu *c, const struct insn *i)               \
    {                                                                          \
        uint32_t f, r = calc(c->gpr[reg0(i)], c->gpr[reg1(i)], &f);            \
        if (writes)                                                            \
            c->gpr[reg0(i)] = r;                                               \
        put_flags(c, mask, f);                                                 \
    }                                                                          \
    static void f_##op##_ri(struct cpu *c, const struct insn *i)               \
    {                                                                          \
        uint32_t f, r = calc(c->gpr[reg0(i)], i->imm, &f);                     \
        if (writes)                                                            \
            c->gpr[reg0(i)] = r;                                               \
        put_flags(c, mask, f);                                                 \
    }                                                                          \
    static void f_##op##_rm(struct cpu *c, const struct insn *i)               \
    {                                                                          \
        uint32_t b = mem_read(c, i->seg, ea32(c, i), 4);                       \
        uint32_t f, r = calc(c->gpr[reg0(i)], b, &f);                          \
        if (writes)                                                            \
            c->gpr[reg0(i)] = r;                                               \
        put_flags(c, mask, f);                                                 \
    }                                                                          \
    static void f_##op##_mr(struct cpu *c, const struct insn *i)               \
    {                                                                          \
        uint32_t off = ea32(c, i);                                             \
        uint32_t a = mem_read(c, i->seg, off, 4);                              \
        uint32_t f, r = calc(a, c->gpr[reg1(i)], &f);                          \
        if (writes)                                                            \
            mem_write(c, i->seg, off, r, 4);                                   \
        put_flags(c, mask, f);                                                 \
    }                                                                          \
    static void f_##op##_mi(struct cpu *c, const struct insn *i)               \
    {                                                                          \
        uint32_t off = ea32(c, i);                                             \
        uint32_t a = mem_read(c, i->seg, off, 4);                              \
        uint32_t f, r = calc(a, i->imm, &f);                                   \
        if (writes)                                                            \
            mem_write(c, i->seg, off, r, 4);                                   \
        put_flags(c, mask, f);                                                 \
    }                                                                          \
    static const op_handler forms_##op[FORM_COUNT] = {                         \
        NULL, f_##op##_rr, f_##op##_ri, f_##op##_rm, f_##op##_mr, f_##op##_mi, \
    };

ALU_FORMS(add, hf_add32, 1, F_ARITH)
ALU_FORMS(sub, hf_sub32, 1, F_ARITH)
ALU_FORMS(cmp, hf_sub32, 0, F_ARITH)
ALU_FORMS(and, hf_and32, 1, F_ARITH)
ALU_FORMS(or, hf_or32, 1, F_ARITH)
ALU_FORMS(xor, hf_xor32, 1, F_ARITH)
ALU_FORMS(test, hf_and32, 0, F_ARITH)

/* ADC/SBB: the carry in is CF as the instruction found it (read before a
 * memory store, which cannot change it). */
#define ADC_CALC(a, b, f) hf_adc32(a, b, c->eflags, f)
#define SBB_CALC(a, b, f) hf_sbb32(a, b, c->eflags, f)
ALU_FORMS(adc, ADC_CALC, 1, F_ARITH)
ALU_FORMS(sbb, SBB_CALC, 1, F_ARITH)
#undef ADC_CALC
#undef SBB_CALC

/* --- IMUL (two- and three-operand forms, 32-bit) ------------------------ */

/* The truncated product; CF = OF = "it did not fit", SF ZF PF from the
 * low half, AF cleared (mul_flags in ops_alu.c). */
static inline uint32_t imul32(uint32_t a, uint32_t b, uint32_t *fl)
{
    int32_t r;
    bool o = __builtin_mul_overflow((int32_t)a, (int32_t)b, &r);
    *fl = hf_szp32((uint32_t)r) | (o ? F_CF | F_OF : 0);
    return (uint32_t)r;
}

static void f_imul_rr(struct cpu *c, const struct insn *i)
{
    uint32_t f;
    c->gpr[reg0(i)] = imul32(c->gpr[reg0(i)], c->gpr[reg1(i)], &f);
    put_flags(c, F_ARITH, f);
}

static void f_imul_rm(struct cpu *c, const struct insn *i)
{
    uint32_t f, b = mem_read(c, i->seg, ea32(c, i), 4);
    c->gpr[reg0(i)] = imul32(c->gpr[reg0(i)], b, &f);
    put_flags(c, F_ARITH, f);
}

static void f_imul_rri(struct cpu *c, const struct insn *i)
{
    uint32_t f;
    c->gpr[reg0(i)] = imul32(c->gpr[reg1(i)], i->imm, &f);
    put_flags(c, F_ARITH, f);
}

static void f_imul_rmi(struct cpu *c, const struct insn *i)
{
    uint32_t f, a = mem_read(c, i->seg, ea32(c, i), 4);
    c->gpr[reg0(i)] = imul32(a, i->imm, &f);
    put_flags(c, F_ARITH, f);
}

/* INC/DEC r32: CF is kept. */
static void f_inc_r(struct cpu *c, const struct insn *i)
{
    uint32_t f;
    c->gpr[reg0(i)] = hf_inc32(c->gpr[reg0(i)], &f);
    put_flags(c, F_ARITH & ~F_CF, f);
}

static void f_dec_r(struct cpu *c, const struct insn *i)
{
    uint32_t f;
    c->gpr[reg0(i)] = hf_dec32(c->gpr[reg0(i)], &f);
    put_flags(c, F_ARITH & ~F_CF, f);
}

/* SHL/SHR/SAR r32, imm: the generic formulas (ops_shift.c) at size 4.
 * A masked count of zero changes nothing; OF follows the 1-bit formula for
 * every count and AF is cleared, as there. */
static inline void shl32(struct cpu *c, const struct insn *i, unsigned n)
{
    if (!n)
        return;
    uint32_t a = c->gpr[reg0(i)], r = a << n, carry = (a >> (32 - n)) & 1;
    uint32_t f = hf_szp32(r) | (carry ? F_CF : 0) | (((r >> 31) ^ carry) ? F_OF : 0);
    c->gpr[reg0(i)] = r;
    put_flags(c, F_ARITH, f);
}

static inline void shr32(struct cpu *c, const struct insn *i, unsigned n)
{
    if (!n)
        return;
    uint32_t a = c->gpr[reg0(i)], before = a >> (n - 1);
    uint32_t r = before >> 1;
    uint32_t f = hf_szp32(r) | ((before & 1) ? F_CF : 0) | ((before >> 31) ? F_OF : 0);
    c->gpr[reg0(i)] = r;
    put_flags(c, F_ARITH, f);
}

static inline void sar32(struct cpu *c, const struct insn *i, unsigned n)
{
    if (!n)
        return;
    int32_t before = (int32_t)c->gpr[reg0(i)] >> (n - 1);
    uint32_t r = (uint32_t)(before >> 1);
    c->gpr[reg0(i)] = r;
    put_flags(c, F_ARITH, hf_szp32(r) | ((before & 1) ? F_CF : 0));
}

static void f_shl_ri(struct cpu *c, const struct insn *i) { shl32(c, i, i->imm & 0x1F); }
static void f_shr_ri(struct cpu *c, const struct insn *i) { shr32(c, i, i->imm & 0x1F); }
static void f_sar_ri(struct cpu *c, const struct insn *i) { sar32(c, i, i->imm & 0x1F); }
/* ... by CL (operand 1 is CL: the decoder's register form). */
static void f_shl_rc(struct cpu *c, const struct insn *i) { shl32(c, i, c->gpr[R_ECX] & 0x1F); }
static void f_shr_rc(struct cpu *c, const struct insn *i) { shr32(c, i, c->gpr[R_ECX] & 0x1F); }
static void f_sar_rc(struct cpu *c, const struct insn *i) { sar32(c, i, c->gpr[R_ECX] & 0x1F); }

/* INC/DEC [mem32] (the store before the flags, CF kept) and NOT. */
static void f_inc_m(struct cpu *c, const struct insn *i)
{
    uint32_t f, off = ea32(c, i);
    uint32_t r = hf_inc32(mem_read(c, i->seg, off, 4), &f);
    mem_write(c, i->seg, off, r, 4);
    put_flags(c, F_ARITH & ~F_CF, f);
}

static void f_dec_m(struct cpu *c, const struct insn *i)
{
    uint32_t f, off = ea32(c, i);
    uint32_t r = hf_dec32(mem_read(c, i->seg, off, 4), &f);
    mem_write(c, i->seg, off, r, 4);
    put_flags(c, F_ARITH & ~F_CF, f);
}

static void f_not_r(struct cpu *c, const struct insn *i) { c->gpr[reg0(i)] = ~c->gpr[reg0(i)]; }

static void f_not_m(struct cpu *c, const struct insn *i)
{
    uint32_t off = ea32(c, i);
    mem_write(c, i->seg, off, ~mem_read(c, i->seg, off, 4), 4);
}

/* --- moves ------------------------------------------------------------ */

static void f_mov_rr(struct cpu *c, const struct insn *i) { c->gpr[reg0(i)] = c->gpr[reg1(i)]; }
static void f_mov_ri(struct cpu *c, const struct insn *i) { c->gpr[reg0(i)] = i->imm; }

static void f_mov_rm(struct cpu *c, const struct insn *i)
{
    c->gpr[reg0(i)] = mem_read(c, i->seg, ea32(c, i), 4);
}

static void f_mov_mr(struct cpu *c, const struct insn *i)
{
    mem_write(c, i->seg, ea32(c, i), c->gpr[reg1(i)], 4);
}

static void f_mov_mi(struct cpu *c, const struct insn *i)
{
    mem_write(c, i->seg, ea32(c, i), i->imm, 4);
}

/* 16-bit moves: the register's upper half is kept. */
static void f_mov16_rr(struct cpu *c, const struct insn *i)
{
    set_reg(c, reg0(i), 2, c->gpr[reg1(i)]);
}

static void f_mov16_ri(struct cpu *c, const struct insn *i) { set_reg(c, reg0(i), 2, i->imm); }

static void f_mov16_rm(struct cpu *c, const struct insn *i)
{
    set_reg(c, reg0(i), 2, mem_read(c, i->seg, ea32(c, i), 2));
}

static void f_mov16_mr(struct cpu *c, const struct insn *i)
{
    mem_write(c, i->seg, ea32(c, i), c->gpr[reg1(i)], 2);
}

static void f_mov16_mi(struct cpu *c, const struct insn *i)
{
    mem_write(c, i->seg, ea32(c, i), i->imm, 2);
}

static void f_mov_r8r(struct cpu *c, const struct insn *i)
{
    set_reg(c, reg0(i), 1, get_reg(c, reg1(i), 1));
}

/* Byte ALU operations with a register destination and a memory or
 * register source: the generic flag primitives at size 1. */
#define BYTE_ALU(op, expr, writes)                                             \
    static void f_##op##_r8m(struct cpu *c, const struct insn *i)             \
    {                                                                          \
        uint32_t a = get_reg(c, reg0(i), 1);                                   \
        uint32_t b = mem_read(c, i->seg, ea32(c, i), 1);                       \
        uint32_t r = (expr);                                                   \
        if (writes)                                                            \
            set_reg(c, reg0(i), 1, r);                                         \
    }                                                                          \
    static void f_##op##_r8r(struct cpu *c, const struct insn *i)             \
    {                                                                          \
        uint32_t a = get_reg(c, reg0(i), 1), b = get_reg(c, reg1(i), 1);      \
        uint32_t r = (expr);                                                   \
        if (writes)                                                            \
            set_reg(c, reg0(i), 1, r);                                         \
    }
BYTE_ALU(xor, alu_logic(c, a ^ b, 1), 1)
BYTE_ALU(and, alu_logic(c, a & b, 1), 1)
BYTE_ALU(or, alu_logic(c, a | b, 1), 1)
BYTE_ALU(add, alu_add(c, a, b, 0, 1), 1)
BYTE_ALU(sub, alu_sub(c, a, b, 0, 1), 1)
#undef BYTE_ALU

static bool is_gpr(const struct opnd *o, unsigned size);
static bool is_mem32(const struct insn *i, const struct opnd *o, unsigned size);

static op_handler byte_alu(const struct insn *i, op_handler rm, op_handler rr)
{
    if (i->nops != 2 || !is_gpr(&i->o[0], 1))
        return NULL;
    if (is_mem32(i, &i->o[1], 1))
        return rm;
    return is_gpr(&i->o[1], 1) ? rr : NULL;
}

/* The same with a [base + disp] operand, the commonest form (no index). */
static void f_mov_rmb(struct cpu *c, const struct insn *i)
{
    c->gpr[reg0(i)] = mem_read(c, i->seg, c->gpr[i->mbase] + (uint32_t)i->disp, 4);
}

static void f_mov_mrb(struct cpu *c, const struct insn *i)
{
    mem_write(c, i->seg, c->gpr[i->mbase] + (uint32_t)i->disp, c->gpr[reg1(i)], 4);
}

static const op_handler forms_mov[FORM_COUNT] = {
    NULL, f_mov_rr, f_mov_ri, f_mov_rm, f_mov_mr, f_mov_mi,
};

/* Byte moves between a byte register (AL..BH) and memory. */
static void f_mov_r8m(struct cpu *c, const struct insn *i)
{
    set_reg(c, reg0(i), 1, mem_read(c, i->seg, ea32(c, i), 1));
}

static void f_mov_m8r(struct cpu *c, const struct insn *i)
{
    mem_write(c, i->seg, ea32(c, i), get_reg(c, reg1(i), 1), 1);
}

static void f_mov_m8i(struct cpu *c, const struct insn *i)
{
    mem_write(c, i->seg, ea32(c, i), i->imm, 1);
}

static void f_mov_r8i(struct cpu *c, const struct insn *i) { set_reg(c, reg0(i), 1, i->imm); }

/* Byte compares and tests: the generic flag primitives at size 1. */
static void f_cmp_r8i(struct cpu *c, const struct insn *i)
{
    alu_sub(c, get_reg(c, reg0(i), 1), i->imm, 0, 1);
}

static void f_cmp_r8r(struct cpu *c, const struct insn *i)
{
    alu_sub(c, get_reg(c, reg0(i), 1), get_reg(c, reg1(i), 1), 0, 1);
}

static void f_cmp_m8i(struct cpu *c, const struct insn *i)
{
    alu_sub(c, mem_read(c, i->seg, ea32(c, i), 1), i->imm, 0, 1);
}

static void f_test_r8r(struct cpu *c, const struct insn *i)
{
    alu_logic(c, get_reg(c, reg0(i), 1) & get_reg(c, reg1(i), 1), 1);
}

/* MOVZX/MOVSX r32, byte or word [mem]. */
static void f_movzx_rm8(struct cpu *c, const struct insn *i)
{
    c->gpr[reg0(i)] = mem_read(c, i->seg, ea32(c, i), 1);
}

static void f_movzx_rm16(struct cpu *c, const struct insn *i)
{
    c->gpr[reg0(i)] = mem_read(c, i->seg, ea32(c, i), 2);
}

static void f_movsx_rm8(struct cpu *c, const struct insn *i)
{
    c->gpr[reg0(i)] = (uint32_t)(int32_t)(int8_t)mem_read(c, i->seg, ea32(c, i), 1);
}

static void f_movsx_rm16(struct cpu *c, const struct insn *i)
{
    c->gpr[reg0(i)] = (uint32_t)(int32_t)(int16_t)mem_read(c, i->seg, ea32(c, i), 2);
}

/* MOVZX/MOVSX r32, r8 or r16. */
static void f_movzx_rr8(struct cpu *c, const struct insn *i)
{
    c->gpr[reg0(i)] = get_reg(c, reg1(i), 1);
}

static void f_movzx_rr16(struct cpu *c, const struct insn *i)
{
    c->gpr[reg0(i)] = c->gpr[reg1(i)] & 0xFFFF;
}

static void f_movsx_rr8(struct cpu *c, const struct insn *i)
{
    c->gpr[reg0(i)] = (uint32_t)(int32_t)(int8_t)get_reg(c, reg1(i), 1);
}

static void f_movsx_rr16(struct cpu *c, const struct insn *i)
{
    c->gpr[reg0(i)] = (uint32_t)(int32_t)(int16_t)c->gpr[reg1(i)];
}

static void f_lea(struct cpu *c, const struct insn *i) { c->gpr[reg0(i)] = ea32(c, i); }

/* --- stack (32-bit stack only; a 16-bit SS takes the generic path) --- */

static void f_push_r(struct cpu *c, const struct insn *i)
{
    if (unlikely(!c->stack32)) {
        h_push(c, i);
        return;
    }
    uint32_t v = c->gpr[reg0(i)], sp = c->gpr[R_ESP] - 4; /* PUSH ESP: old */
    mem_write(c, S_SS, sp, v, 4);
    c->gpr[R_ESP] = sp;
}

static void f_push_i(struct cpu *c, const struct insn *i)
{
    if (unlikely(!c->stack32)) {
        h_push(c, i);
        return;
    }
    uint32_t sp = c->gpr[R_ESP] - 4;
    mem_write(c, S_SS, sp, i->imm, 4);
    c->gpr[R_ESP] = sp;
}

static void f_pop_r(struct cpu *c, const struct insn *i)
{
    if (unlikely(!c->stack32)) {
        h_pop(c, i);
        return;
    }
    uint32_t sp = c->gpr[R_ESP];
    uint32_t v = mem_read(c, S_SS, sp, 4);
    c->gpr[R_ESP] = sp + 4;
    c->gpr[reg0(i)] = v; /* POP ESP: the value read wins */
}

/* --- branches (32-bit operand size: no IP wrap) ------------------------ */

static void f_jmp_rel(struct cpu *c, const struct insn *i)
{
    jump_near(c, c->eip + i->imm, 4);
}

/* Near CALL/RET/indirect JMP, 32-bit operand size and stack (else the
 * generic handler), in the generic order: target read and checked, then
 * the push (a fault in either leaves ESP and EIP for the rollback). */
static void f_call_rel(struct cpu *c, const struct insn *i)
{
    if (unlikely(!c->stack32)) {
        h_call(c, i);
        return;
    }
    uint32_t target = c->eip + i->imm, sp = c->gpr[R_ESP] - 4;
    if (unlikely(target > c->seg[S_CS].limit))
        cpu_fault(c, EXC_GP, 0);
    mem_write(c, S_SS, sp, c->eip, 4);
    c->gpr[R_ESP] = sp;
    c->eip = target;
}

static inline void call_abs(struct cpu *c, uint32_t target)
{
    uint32_t sp = c->gpr[R_ESP] - 4;
    if (unlikely(target > c->seg[S_CS].limit))
        cpu_fault(c, EXC_GP, 0);
    mem_write(c, S_SS, sp, c->eip, 4);
    c->gpr[R_ESP] = sp;
    c->eip = target;
}

static void f_call_r(struct cpu *c, const struct insn *i)
{
    if (unlikely(!c->stack32)) {
        h_call(c, i);
        return;
    }
    call_abs(c, c->gpr[reg0(i)]);
}

static void f_call_m(struct cpu *c, const struct insn *i)
{
    if (unlikely(!c->stack32)) {
        h_call(c, i);
        return;
    }
    call_abs(c, mem_read(c, i->seg, ea32(c, i), 4));
}

static void f_jmp_r(struct cpu *c, const struct insn *i) { jump_near(c, c->gpr[reg0(i)], 4); }

static void f_jmp_m(struct cpu *c, const struct insn *i)
{
    jump_near(c, mem_read(c, i->seg, ea32(c, i), 4), 4);
}

/* RET and RET imm16 (nops 0 or 1). */
static void f_ret(struct cpu *c, const struct insn *i)
{
    if (unlikely(!c->stack32)) {
        h_ret(c, i);
        return;
    }
    uint32_t sp = c->gpr[R_ESP];
    uint32_t ip = mem_read(c, S_SS, sp, 4);
    jump_near(c, ip, 4);
    c->gpr[R_ESP] = sp + 4 + (i->nops ? i->imm & 0xFFFF : 0);
}

/* One Jcc handler per condition: cond_true folds to a test or two. */
#define JCC(cc)                                                                \
    static void f_jcc_##cc(struct cpu *c, const struct insn *i)                \
    {                                                                          \
        if (cond_true(c, cc))                                                  \
            jump_near(c, c->eip + i->imm, 4);                                  \
    }
JCC(0) JCC(1) JCC(2) JCC(3) JCC(4) JCC(5) JCC(6) JCC(7)
JCC(8) JCC(9) JCC(10) JCC(11) JCC(12) JCC(13) JCC(14) JCC(15)
#undef JCC

/* CMOVcc r32, r32 / [mem] (the source is read, and may fault, whatever
 * the condition) and SETcc r8 / [mem]: one handler per condition. */
#define CCFORMS(cc)                                                            \
    static void f_cmov_rr_##cc(struct cpu *c, const struct insn *i)           \
    {                                                                          \
        if (cond_true(c, cc))                                                  \
            c->gpr[reg0(i)] = c->gpr[reg1(i)];                                 \
    }                                                                          \
    static void f_cmov_rm_##cc(struct cpu *c, const struct insn *i)           \
    {                                                                          \
        uint32_t v = mem_read(c, i->seg, ea32(c, i), 4);                       \
        if (cond_true(c, cc))                                                  \
            c->gpr[reg0(i)] = v;                                               \
    }                                                                          \
    static void f_set_r_##cc(struct cpu *c, const struct insn *i)             \
    {                                                                          \
        set_reg(c, reg0(i), 1, cond_true(c, cc));                              \
    }                                                                          \
    static void f_set_m_##cc(struct cpu *c, const struct insn *i)             \
    {                                                                          \
        mem_write(c, i->seg, ea32(c, i), cond_true(c, cc), 1);                 \
    }
CCFORMS(0) CCFORMS(1) CCFORMS(2) CCFORMS(3) CCFORMS(4) CCFORMS(5) CCFORMS(6) CCFORMS(7)
CCFORMS(8) CCFORMS(9) CCFORMS(10) CCFORMS(11) CCFORMS(12) CCFORMS(13) CCFORMS(14) CCFORMS(15)
#undef CCFORMS

#define CC16(pfx)                                                              \
    { pfx##0, pfx##1, pfx##2, pfx##3, pfx##4, pfx##5, pfx##6, pfx##7,         \
      pfx##8, pfx##9, pfx##10, pfx##11, pfx##12, pfx##13, pfx##14, pfx##15 }
static const op_handler cmov_rr_forms[16] = CC16(f_cmov_rr_);
static const op_handler cmov_rm_forms[16] = CC16(f_cmov_rm_);
static const op_handler set_r_forms[16] = CC16(f_set_r_);
static const op_handler set_m_forms[16] = CC16(f_set_m_);
#undef CC16

static const op_handler jcc_forms[16] = {
    f_jcc_0, f_jcc_1, f_jcc_2, f_jcc_3, f_jcc_4, f_jcc_5, f_jcc_6, f_jcc_7,
    f_jcc_8, f_jcc_9, f_jcc_10, f_jcc_11, f_jcc_12, f_jcc_13, f_jcc_14, f_jcc_15,
};

/* --- selection ---------------------------------------------------------- */

static bool is_gpr(const struct opnd *o, unsigned size)
{
    return o->kind == OPK_GPR && o->size == size;
}

static bool is_mem32(const struct insn *i, const struct opnd *o, unsigned size)
{
    return o->kind == OPK_MEM && o->size == size && i->asize == 4;
}

/* The form of a two-operand instruction with 32-bit operands. */
static enum form form_of(const struct insn *i)
{
    const struct opnd *d = &i->o[0], *s = &i->o[1];
    if (i->nops != 2)
        return FORM_NONE;
    if (is_gpr(d, 4)) {
        if (is_gpr(s, 4))
            return FORM_RR;
        if (s->kind == OPK_IMM)
            return FORM_RI;
        if (is_mem32(i, s, 4))
            return FORM_RM;
    } else if (is_mem32(i, d, 4)) {
        if (is_gpr(s, 4))
            return FORM_MR;
        if (s->kind == OPK_IMM)
            return FORM_MI;
    }
    return FORM_NONE;
}

static op_handler pick(const struct insn *i)
{
    const struct opnd *d = &i->o[0], *s = &i->o[1];
    enum form f = form_of(i);
    switch (i->op) {
    case OP_ADD: return f ? forms_add[f] : byte_alu(i, f_add_r8m, f_add_r8r);
    case OP_SUB: return f ? forms_sub[f] : byte_alu(i, f_sub_r8m, f_sub_r8r);
    case OP_CMP:
        if (i->nops == 2 && is_gpr(d, 1))
            return s->kind == OPK_IMM ? f_cmp_r8i : is_gpr(s, 1) ? f_cmp_r8r : NULL;
        if (i->nops == 2 && is_mem32(i, d, 1))
            return s->kind == OPK_IMM ? f_cmp_m8i : NULL;
        return forms_cmp[f];
    case OP_ADC: return forms_adc[f];
    case OP_SBB: return forms_sbb[f];
    case OP_IMUL:
        if (i->nops == 2)
            return f == FORM_RR ? f_imul_rr : f == FORM_RM ? f_imul_rm : NULL;
        if (i->nops != 3 || !is_gpr(d, 4) || i->o[2].kind != OPK_IMM)
            return NULL;
        return is_gpr(s, 4) ? f_imul_rri : is_mem32(i, s, 4) ? f_imul_rmi : NULL;
    case OP_AND: return f ? forms_and[f] : byte_alu(i, f_and_r8m, f_and_r8r);
    case OP_OR: return f ? forms_or[f] : byte_alu(i, f_or_r8m, f_or_r8r);
    case OP_XOR: return f ? forms_xor[f] : byte_alu(i, f_xor_r8m, f_xor_r8r);
    case OP_TEST:
        if (i->nops == 2 && is_gpr(d, 1) && is_gpr(s, 1))
            return f_test_r8r;
        return forms_test[f];
    case OP_MOV:
        if (i->nops == 2 && is_gpr(d, 1) && is_mem32(i, s, 1))
            return f_mov_r8m;
        if (i->nops == 2 && is_mem32(i, d, 1) && is_gpr(s, 1))
            return f_mov_m8r;
        if (i->nops == 2 && is_mem32(i, d, 1) && s->kind == OPK_IMM)
            return f_mov_m8i;
        if (i->nops == 2 && is_gpr(d, 1) && s->kind == OPK_IMM)
            return f_mov_r8i;
        if (i->nops == 2 && is_gpr(d, 1) && is_gpr(s, 1))
            return f_mov_r8r;
        if (i->nops == 2 && is_gpr(d, 2))
            return is_gpr(s, 2) ? f_mov16_rr : s->kind == OPK_IMM ? f_mov16_ri
                   : is_mem32(i, s, 2) ? f_mov16_rm : NULL;
        if (i->nops == 2 && is_mem32(i, d, 2))
            return is_gpr(s, 2) ? f_mov16_mr : s->kind == OPK_IMM ? f_mov16_mi : NULL;
        if ((f == FORM_RM || f == FORM_MR) && i->mbase != NOREG && i->mindex == NOREG)
            return f == FORM_RM ? f_mov_rmb : f_mov_mrb;
        return forms_mov[f];
    case OP_MOVZX:
    case OP_MOVSX:
        if (i->nops != 2 || !is_gpr(d, 4))
            return NULL;
        if (is_gpr(s, 1))
            return i->op == OP_MOVZX ? f_movzx_rr8 : f_movsx_rr8;
        if (is_gpr(s, 2))
            return i->op == OP_MOVZX ? f_movzx_rr16 : f_movsx_rr16;
        if (s->kind != OPK_MEM || i->asize != 4)
            return NULL;
        if (s->size == 1)
            return i->op == OP_MOVZX ? f_movzx_rm8 : f_movsx_rm8;
        if (s->size == 2)
            return i->op == OP_MOVZX ? f_movzx_rm16 : f_movsx_rm16;
        return NULL;
    case OP_STOSB: case OP_STOSW: case OP_STOSD:
        return i->rep && i->asize == 4 ? f_rep_stos : NULL;
    case OP_MOVSB: case OP_MOVSW: case OP_MOVSD:
        return i->rep && i->asize == 4 ? f_rep_movs : NULL;
    case OP_LEA:
        return i->nops == 2 && is_gpr(d, 4) && s->kind == OPK_MEM && i->asize == 4 ? f_lea
                                                                                     : NULL;
    case OP_SHL:
    case OP_SHR:
    case OP_SAR:
        if (f == FORM_RI)
            return i->op == OP_SHL ? f_shl_ri : i->op == OP_SHR ? f_shr_ri : f_sar_ri;
        if (i->nops == 2 && is_gpr(d, 4) && is_gpr(s, 1) && s->reg == R_ECX)
            return i->op == OP_SHL ? f_shl_rc : i->op == OP_SHR ? f_shr_rc : f_sar_rc;
        return NULL;
    case OP_INC:
        if (i->nops == 1 && is_mem32(i, d, 4))
            return f_inc_m;
        return i->nops == 1 && is_gpr(d, 4) ? f_inc_r : NULL;
    case OP_DEC:
        if (i->nops == 1 && is_mem32(i, d, 4))
            return f_dec_m;
        return i->nops == 1 && is_gpr(d, 4) ? f_dec_r : NULL;
    case OP_NOT:
        if (i->nops != 1)
            return NULL;
        return is_gpr(d, 4) ? f_not_r : is_mem32(i, d, 4) ? f_not_m : NULL;
    case OP_PUSH:
        if (i->osize != 4 || i->nops != 1)
            return NULL;
        return is_gpr(d, 4) ? f_push_r : d->kind == OPK_IMM ? f_push_i : NULL;
    case OP_POP:
        return i->osize == 4 && i->nops == 1 && is_gpr(d, 4) ? f_pop_r : NULL;
    case OP_JMP:
        if (i->osize != 4 || i->nops != 1)
            return NULL;
        if (i->flow == FLOW_JMP_REL)
            return f_jmp_rel;
        if (i->flow != FLOW_JMP_IND)
            return NULL;
        return is_gpr(d, 4) ? f_jmp_r : is_mem32(i, d, 4) ? f_jmp_m : NULL;
    case OP_CALL:
        if (i->osize != 4 || i->nops != 1)
            return NULL;
        if (i->flow == FLOW_CALL_REL)
            return f_call_rel;
        if (i->flow != FLOW_CALL_IND)
            return NULL;
        return is_gpr(d, 4) ? f_call_r : is_mem32(i, d, 4) ? f_call_m : NULL;
    case OP_RET:
        return i->osize == 4 && !i->far ? f_ret : NULL;
    default:
        if (op_table[i->op].handler == h_cmovcc && i->nops == 2)
            return f == FORM_RR ? cmov_rr_forms[i->cc & 15]
                   : f == FORM_RM ? cmov_rm_forms[i->cc & 15] : NULL;
        if (op_table[i->op].handler == h_setcc && i->nops == 1)
            return is_gpr(d, 1) ? set_r_forms[i->cc & 15]
                   : is_mem32(i, d, 1) ? set_m_forms[i->cc & 15] : NULL;
        if (op_table[i->op].handler == h_jcc && i->osize == 4 && d->kind == OPK_REL)
            return jcc_forms[i->cc & 15];
        return NULL;
    }
}

op_handler fast_form(const struct insn *i)
{
    op_handler h = pick(i);
    return h ? h : fpu_fast_handler(i); /* x87 forms: fpu_fast.c */
}

op_handler fast_handler(const struct insn *i)
{
    op_handler h = op_table[i->op].fast ? fast_form(i) : NULL;
    return h ? h : op_table[i->op].handler;
}
