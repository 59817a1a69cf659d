/* String instructions with REP/REPE/REPNE (SDM vol. 2, REP prefix).
 *
 * Each iteration updates (E)SI/(E)DI/(E)CX before the next begins, so a
 * fault in the middle leaves the registers describing the work done and
 * the instruction restarts where it stopped, as on hardware.  A long REP is
 * cut into slices: after STRING_SLICE iterations the instruction is left
 * unfinished (EIP back at it) so that the run loop can look at interrupts
 * and budgets; re-executing it continues the count. */
#include "cpu/exec.h"
#include "cpu/ops.h"

#define STRING_SLICE 4096

static inline int32_t step(const struct cpu *c, unsigned size)
{
    return (c->eflags & F_DF) ? -(int32_t)size : (int32_t)size;
}

static inline void advance(struct cpu *c, unsigned r, unsigned asize, int32_t d)
{
    set_areg(c, r, asize, get_areg(c, r, asize) + (uint32_t)d);
}

/* Runs `body` once, or under REP until (E)CX is zero (and, for CMPS and
 * SCAS, while the ZF condition holds). */
#define STRING_LOOP(c, i, uses_zf, body)                                        \
    do {                                                                        \
        if (!(i)->rep) {                                                        \
            body;                                                               \
            break;                                                              \
        }                                                                       \
        for (unsigned n_ = 0;; n_++) {                                          \
            uint32_t cnt_ = get_areg(c, R_ECX, (i)->asize);                     \
            if (cnt_ == 0)                                                      \
                break;                                                          \
            if (n_ == STRING_SLICE) {                                           \
                (c)->eip = (c)->insn_eip;                                       \
                break;                                                          \
            }                                                                   \
            body;                                                               \
            set_areg(c, R_ECX, (i)->asize, cnt_ - 1);                           \
            if ((uses_zf) &&                                                    \
                (((i)->rep == REP_E) != !!((c)->eflags & F_ZF)))                \
                break;                                                          \
        }                                                                       \
    } while (0)

void h_movs(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->osize, as = i->asize;
    STRING_LOOP(c, i, false, {
        uint32_t v = mem_read(c, i->seg, get_areg(c, R_ESI, as), sz);
        mem_write(c, S_ES, get_areg(c, R_EDI, as), v, sz);
        advance(c, R_ESI, as, step(c, sz));
        advance(c, R_EDI, as, step(c, sz));
    });
}

void h_cmps(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->osize, as = i->asize;
    STRING_LOOP(c, i, true, {
        uint32_t a = mem_read(c, i->seg, get_areg(c, R_ESI, as), sz);
        uint32_t b = mem_read(c, S_ES, get_areg(c, R_EDI, as), sz);
        alu_sub(c, a, b, 0, sz);
        advance(c, R_ESI, as, step(c, sz));
        advance(c, R_EDI, as, step(c, sz));
    });
}

void h_stos(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->osize, as = i->asize;
    STRING_LOOP(c, i, false, {
        mem_write(c, S_ES, get_areg(c, R_EDI, as), get_reg(c, R_EAX, sz), sz);
        advance(c, R_EDI, as, step(c, sz));
    });
}

void h_lods(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->osize, as = i->asize;
    STRING_LOOP(c, i, false, {
        set_reg(c, R_EAX, sz, mem_read(c, i->seg, get_areg(c, R_ESI, as), sz));
        advance(c, R_ESI, as, step(c, sz));
    });
}

void h_scas(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->osize, as = i->asize;
    STRING_LOOP(c, i, true, {
        uint32_t b = mem_read(c, S_ES, get_areg(c, R_EDI, as), sz);
        alu_sub(c, get_reg(c, R_EAX, sz), b, 0, sz);
        advance(c, R_EDI, as, step(c, sz));
    });
}

void h_ins(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->osize, as = i->asize;
    uint16_t port = (uint16_t)c->gpr[R_EDX];
    io_check(c, port, sz);
    STRING_LOOP(c, i, false, {
        /* The destination is checked before the port is read, so a
         * faulting INS does not consume device data twice. */
        uint32_t la = seg_linear(c, S_ES, get_areg(c, R_EDI, as), sz, SEG_WRITE);
        uint32_t v = iobus_in(c->io, port, sz);
        exit_log_add(&c->exits, EXIT_IN, c->seg[S_CS].sel, c->insn_eip, port, v, sz);
        lin_write(c, la, v, sz);
        advance(c, R_EDI, as, step(c, sz));
    });
}

void h_outs(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->osize, as = i->asize;
    uint16_t port = (uint16_t)c->gpr[R_EDX];
    io_check(c, port, sz);
    STRING_LOOP(c, i, false, {
        uint32_t v = mem_read(c, i->seg, get_areg(c, R_ESI, as), sz);
        exit_log_add(&c->exits, EXIT_OUT, c->seg[S_CS].sel, c->insn_eip, port, v, sz);
        iobus_out(c->io, port, v, sz);
        advance(c, R_ESI, as, step(c, sz));
    });
}
