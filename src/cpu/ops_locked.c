/* Locked read-modify-writes: LOCK ADD/ADC/SUB/SBB/AND/OR/XOR/INC/DEC/NEG/
 * NOT/BTS/BTR/BTC/XADD/CMPXCHG/CMPXCHG8B, and XCHG with a memory operand,
 * which is locked without the prefix (Intel SDM vol. 3A, 8.1.2.2).  Other
 * CPUs of the VM may run on other host threads, so the update must be
 * atomic on the host, as the locked bus cycle makes it on hardware.
 *
 * The decoder gives every such instruction h_locked (insn_locked), in
 * place of its table handler or fast form; the translator never
 * translates them (translate.c), so all of them come here.  When the
 * operand is RAM within one page, aligned to its size, the update is one
 * host atomic (a fetch-and-op, an exchange or a compare-exchange, the
 * compare-exchange loop for NEG), sequentially consistent as a locked
 * instruction is a full barrier (8.2.2), and the flags come from the old
 * value exactly as the table handler computes them.  Every check the
 * table handler makes comes first (segment, alignment check, paging for
 * a read and then a write: the same exception), so nothing is written
 * before a fault.  Anything else (crossing a page or misaligned, MMIO,
 * ROM) runs the table handler between the VM's exclusive_begin and
 * exclusive_end (cpu.h), which hold the other CPUs outside their
 * instructions. */
#include <string.h>

#include "cpu/exec.h"
#include "cpu/ops.h"

enum host_rmw { RMW_ADD, RMW_AND, RMW_OR, RMW_XOR, RMW_XCHG };

/* The host atomics on 1, 2 or 4 bytes: the old value, zero-extended. */
#define HOST_RMW(name, T)                                                          \
    static uint32_t name(void *p, enum host_rmw op, uint32_t v)                    \
    {                                                                              \
        T *q = p, x = (T)v;                                                        \
        switch (op) {                                                              \
        case RMW_ADD: return __atomic_fetch_add(q, x, __ATOMIC_SEQ_CST);           \
        case RMW_AND: return __atomic_fetch_and(q, x, __ATOMIC_SEQ_CST);           \
        case RMW_OR: return __atomic_fetch_or(q, x, __ATOMIC_SEQ_CST);             \
        case RMW_XOR: return __atomic_fetch_xor(q, x, __ATOMIC_SEQ_CST);           \
        case RMW_XCHG: break;                                                      \
        }                                                                          \
        return __atomic_exchange_n(q, x, __ATOMIC_SEQ_CST);                        \
    }                                                                              \
    static bool name##_cas(void *p, uint32_t *expected, uint32_t desired)          \
    {                                                                              \
        T *q = p, e = (T)*expected;                                                \
        bool ok = __atomic_compare_exchange_n(q, &e, (T)desired, false,            \
                                              __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); \
        *expected = e;                                                             \
        return ok;                                                                 \
    }
HOST_RMW(rmw8, uint8_t)
HOST_RMW(rmw16, uint16_t)
HOST_RMW(rmw32, uint32_t)

static uint32_t host_rmw(uint8_t *p, unsigned size, enum host_rmw op, uint32_t v)
{
    return size == 1 ? rmw8(p, op, v) : size == 2 ? rmw16(p, op, v) : rmw32(p, op, v);
}

/* Compare-exchange: true if *p held *expected and now holds desired; else
 * *expected is what *p holds. */
static bool host_cas(uint8_t *p, unsigned size, uint32_t *expected, uint32_t desired)
{
    return size == 1 ? rmw8_cas(p, expected, desired)
           : size == 2 ? rmw16_cas(p, expected, desired) : rmw32_cas(p, expected, desired);
}

/* The host address of the size-byte operand at off in the instruction's
 * segment, after the checks the table handler makes before its write:
 * the segment for a read and a write (limits, type, the alignment check,
 * data breakpoints), then paging for a read and a write (mmu_rmw_host).
 * NULL when the host cannot update it atomically: misaligned (which
 * includes crossing a page), or not RAM. */
static uint8_t *locked_operand(struct cpu *c, const struct insn *i, uint32_t off,
                               unsigned size)
{
    seg_linear(c, i->seg, off, size, SEG_READ);
    uint32_t la = seg_linear(c, i->seg, off, size, SEG_WRITE);
    if (la & (size - 1))
        return NULL;
    /* A valid write translation implies the read one (SDM vol. 3A, 4.6). */
    const struct tlb_entry *e = tlb_entry_for(c->tlb, la);
    if (likely(tlb_hit(c, e->tag_w, la, size)))
        return tlb_host(e, la);
    return mmu_rmw_host(c, la, size);
}

/* ADD ADC SUB SBB AND OR XOR: memory op= register or immediate. */
static bool locked_alu(struct cpu *c, const struct insn *i, unsigned sz)
{
    uint32_t b = opnd_read(c, i, 1) & size_mask(sz);
    uint8_t *p = locked_operand(c, i, ea_offset(c, i), sz);
    if (!p)
        return false;
    uint32_t cf = c->eflags & F_CF ? 1 : 0, old;
    switch (i->op) {
    case OP_ADD:
        alu_add(c, host_rmw(p, sz, RMW_ADD, b), b, 0, sz);
        break;
    case OP_ADC:
        alu_add(c, host_rmw(p, sz, RMW_ADD, b + cf), b, cf, sz);
        break;
    case OP_SUB:
        alu_sub(c, host_rmw(p, sz, RMW_ADD, 0u - b), b, 0, sz);
        break;
    case OP_SBB:
        alu_sub(c, host_rmw(p, sz, RMW_ADD, 0u - (b + cf)), b, cf, sz);
        break;
    case OP_AND:
        old = host_rmw(p, sz, RMW_AND, b);
        alu_logic(c, old & b, sz);
        break;
    case OP_OR:
        old = host_rmw(p, sz, RMW_OR, b);
        alu_logic(c, old | b, sz);
        break;
    default: /* OP_XOR */
        old = host_rmw(p, sz, RMW_XOR, b);
        alu_logic(c, old ^ b, sz);
        break;
    }
    return true;
}

/* INC DEC NEG NOT: one memory operand.  INC and DEC leave CF alone. */
static bool locked_unary(struct cpu *c, const struct insn *i, unsigned sz)
{
    uint8_t *p = locked_operand(c, i, ea_offset(c, i), sz);
    if (!p)
        return false;
    uint32_t before = c->eflags, mask = size_mask(sz);
    switch (i->op) {
    case OP_INC:
        alu_add(c, host_rmw(p, sz, RMW_ADD, 1), 1, 0, sz);
        c->eflags = (c->eflags & ~F_CF) | (before & F_CF);
        break;
    case OP_DEC:
        alu_sub(c, host_rmw(p, sz, RMW_ADD, mask), 1, 0, sz);
        c->eflags = (c->eflags & ~F_CF) | (before & F_CF);
        break;
    case OP_NOT:
        host_rmw(p, sz, RMW_XOR, mask);
        break;
    default: { /* OP_NEG: no fetch-and-negate, so a compare-exchange loop */
        uint32_t old = host_load(p, sz);
        while (!host_cas(p, sz, &old, (0u - old) & mask))
            ;
        alu_sub(c, 0, old, 0, sz);
        break;
    }
    }
    return true;
}

/* BTS BTR BTC on the operand-size unit that holds the bit. */
static bool locked_bit(struct cpu *c, const struct insn *i, unsigned sz)
{
    unsigned bit;
    uint8_t *p = locked_operand(c, i, bt_mem_offset(c, i, &bit), sz);
    if (!p)
        return false;
    uint32_t m = 1u << bit, old;
    if (i->op == OP_BTS)
        old = host_rmw(p, sz, RMW_OR, m);
    else if (i->op == OP_BTR)
        old = host_rmw(p, sz, RMW_AND, ~m);
    else
        old = host_rmw(p, sz, RMW_XOR, m);
    bt_flags(c, old, bit, 8 * sz);
    return true;
}

/* XADD, XCHG, CMPXCHG: memory and a register. */
static bool locked_exchange(struct cpu *c, const struct insn *i, unsigned mem, unsigned sz)
{
    unsigned r = i->o[mem ^ 1].reg;
    if (i->o[mem ^ 1].kind != OPK_GPR)
        return false;
    uint8_t *p = locked_operand(c, i, ea_offset(c, i), sz);
    if (!p)
        return false;
    uint32_t v = get_reg(c, r, sz);
    if (i->op == OP_XADD) {
        uint32_t old = host_rmw(p, sz, RMW_ADD, v);
        alu_add(c, old, v, 0, sz);
        set_reg(c, r, sz, old);
    } else if (i->op == OP_XCHG) {
        set_reg(c, r, sz, host_rmw(p, sz, RMW_XCHG, v));
    } else { /* OP_CMPXCHG: ZF etc. as CMP accumulator, old value */
        uint32_t acc = get_reg(c, R_EAX, sz), old = acc;
        bool equal = host_cas(p, sz, &old, v);
        alu_sub(c, acc, old, 0, sz);
        if (!equal)
            set_reg(c, R_EAX, sz, old);
    }
    return true;
}

static bool locked_cmpxchg8b(struct cpu *c, const struct insn *i)
{
    uint8_t *p = locked_operand(c, i, ea_offset(c, i), 8);
    if (!p)
        return false;
    uint64_t old = (uint64_t)c->gpr[R_EDX] << 32 | c->gpr[R_EAX];
    uint64_t want = (uint64_t)c->gpr[R_ECX] << 32 | c->gpr[R_EBX];
    if (__atomic_compare_exchange_n((uint64_t *)(void *)p, &old, want, false,
                                    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
        c->eflags |= F_ZF;
    } else {
        c->gpr[R_EAX] = (uint32_t)old;
        c->gpr[R_EDX] = (uint32_t)(old >> 32);
        c->eflags &= ~F_ZF;
    }
    return true;
}

/* Does the instruction on host atomics; false, having changed nothing but
 * the TLB, when the host cannot (the operand is not RAM within a page,
 * aligned) or the form is not one it knows (the table handler then
 * raises what it raises). */
static bool locked_on_host(struct cpu *c, const struct insn *i)
{
    unsigned mem = i->o[0].kind == OPK_MEM ? 0 : 1; /* XCHG reg, mem */
    if (i->o[mem].kind != OPK_MEM)
        return false;
    unsigned sz = i->o[mem].size;
    switch (i->op) {
    case OP_ADD: case OP_ADC: case OP_SUB: case OP_SBB:
    case OP_AND: case OP_OR: case OP_XOR:
        return i->nops == 2 && mem == 0 && locked_alu(c, i, sz);
    case OP_INC: case OP_DEC: case OP_NEG: case OP_NOT:
        return mem == 0 && locked_unary(c, i, sz);
    case OP_BTS: case OP_BTR: case OP_BTC:
        return mem == 0 && locked_bit(c, i, sz);
    case OP_XADD: case OP_CMPXCHG:
        return mem == 0 && locked_exchange(c, i, mem, sz);
    case OP_XCHG:
        return locked_exchange(c, i, mem, sz);
    case OP_CMPXCHG8B:
        return locked_cmpxchg8b(c, i);
    default:
        return false;
    }
}

/* The table handler between exclusive_begin and exclusive_end; a fault
 * ends the exclusive section, then unwinds to the run loop as usual. */
static void locked_exclusive(struct cpu *c, const struct insn *i)
{
    op_handler h = op_table[i->op].handler;
    if (!c->exclusive_begin) {
        h(c, i);
        return;
    }
    jmp_buf outer;
    memcpy(outer, c->fault_jmp, sizeof(jmp_buf));
    c->exclusive_begin(c->exclusive_opaque);
    if (setjmp(c->fault_jmp)) {
        memcpy(c->fault_jmp, outer, sizeof(jmp_buf));
        c->exclusive_end(c->exclusive_opaque);
        longjmp(c->fault_jmp, 1);
    }
    h(c, i);
    memcpy(c->fault_jmp, outer, sizeof(jmp_buf));
    c->exclusive_end(c->exclusive_opaque);
}

void h_locked(struct cpu *c, const struct insn *i)
{
    if (!locked_on_host(c, i))
        locked_exclusive(c, i);
}

bool insn_locked(const struct insn *i)
{
    return i->lock || (i->op == OP_XCHG && (i->o[0].kind == OPK_MEM || i->o[1].kind == OPK_MEM));
}
