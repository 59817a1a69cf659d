/* String instructions with REP/REPE/REPNE (SDM vol. 2, REP prefix).
 *
 * Each iteration updates (E)SI/(E)DI/(E)CX before the next begins, so a
 * fault in the middle leaves the registers describing the work done and
 * the instruction restarts where it stopped, as on hardware.  A long REP is
 * cut into slices: after STRING_SLICE iterations the instruction is left
 * unfinished (EIP back at it) so that the run loop can look at interrupts
 * and budgets; re-executing it continues the count. */
#include <string.h>

#include "cpu/exec.h"
#include "cpu/mmu.h"
#include "cpu/ops.h"
#include "cpu/ops_fast.h"

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

/* --- REP STOS and REP MOVS a page at a time (ops_fast.c picks these) ----
 *
 * With 32-bit addresses and DF clear, the iterations that touch one page
 * of plain RAM (a TLB hit: not MMIO, not a page the scanner watches, not
 * a data breakpoint's segment) run as one host fill or copy; anything else
 * (the page's first miss, a fault, a watched code page) takes one
 * iteration the generic way, which fills the TLB or raises the fault
 * with ECX/ESI/EDI describing the work done.  The slices of STRING_SLICE
 * iterations are the same as the generic loop's, so EIP, the instruction
 * count and the points where interrupts can arrive are too
 * (tests/cpu/test_rep_fast.c compares both). */

/* How many whole elements of `size` bytes at seg:off, at most `max`, lie
 * within the segment's limit and one page of RAM the TLB maps for this
 * access (`acc`); 0 when the first one does not.  *host: where they are. */
static uint32_t run_here(struct cpu *c, int s, uint32_t off, unsigned size, enum seg_access acc,
                         uint32_t max, uint8_t **host)
{
    const struct seg *sg = &c->seg[s];
    if ((sg->check & (acc | SEGC_EXPDOWN | SEGC_ALIGN | SEGC_WATCH)) || off > sg->limit)
        return 0;
    uint64_t in_seg = ((uint64_t)sg->limit - off + 1) / size;
    uint32_t la = sg->base + off;
    uint32_t in_page = (0x1000u - (la & 0xFFFu)) / size;
    const struct tlb_entry *e = tlb_entry_for(c->tlb, la);
    if (in_page == 0 || !tlb_hit(c, acc == SEG_WRITE ? e->tag_w : e->tag_r, la, size))
        return 0;
    uint32_t n = max < in_page ? max : in_page;
    if (in_seg < n)
        n = (uint32_t)in_seg;
    *host = tlb_host(e, la);
    return n;
}

/* Iterations the slice has left after `done` of them, at most ECX; 0 when
 * ECX is 0 (the instruction is done) or the slice is full (EIP back at the
 * instruction, which goes on from ECX/ESI/EDI when it runs again). */
static uint32_t slice_left(struct cpu *c, uint32_t done)
{
    uint32_t cnt = c->gpr[R_ECX];
    if (cnt == 0)
        return 0;
    if (done == STRING_SLICE) {
        c->eip = c->insn_eip;
        return 0;
    }
    return STRING_SLICE - done < cnt ? STRING_SLICE - done : cnt;
}

void f_rep_stos(struct cpu *c, const struct insn *i)
{
    if (c->eflags & F_DF) {
        h_stos(c, i);
        return;
    }
    unsigned sz = i->osize;
    uint32_t v = get_reg(c, R_EAX, sz);
    for (uint32_t done = 0, max; (max = slice_left(c, done)) != 0;) {
        uint32_t cnt = c->gpr[R_ECX];
        uint8_t *d;
        uint32_t n = run_here(c, S_ES, c->gpr[R_EDI], sz, SEG_WRITE, max, &d);
        if (n == 0) {
            mem_write(c, S_ES, c->gpr[R_EDI], v, sz); /* may fault: nothing done yet */
            n = 1;
        } else if (sz == 1) {
            memset(d, (int)v, n);
        } else if (sz == 2) {
            for (uint32_t k = 0; k < n; k++)
                memcpy(d + 2 * k, &(uint16_t){ (uint16_t)v }, 2);
        } else {
            for (uint32_t k = 0; k < n; k++)
                memcpy(d + 4 * k, &v, 4);
        }
        c->gpr[R_EDI] += n * sz;
        c->gpr[R_ECX] = cnt - n;
        done += n;
    }
}

void f_rep_movs(struct cpu *c, const struct insn *i)
{
    if (c->eflags & F_DF) {
        h_movs(c, i);
        return;
    }
    unsigned sz = i->osize;
    for (uint32_t done = 0, max; (max = slice_left(c, done)) != 0;) {
        uint32_t cnt = c->gpr[R_ECX];
        uint8_t *src, *d;
        uint32_t n = run_here(c, i->seg, c->gpr[R_ESI], sz, SEG_READ, max, &src);
        if (n)
            n = run_here(c, S_ES, c->gpr[R_EDI], sz, SEG_WRITE, n, &d);
        if (n == 0) {
            /* One iteration as h_movs makes it (a fault leaves all as it was). */
            uint32_t v = mem_read(c, i->seg, c->gpr[R_ESI], sz);
            mem_write(c, S_ES, c->gpr[R_EDI], v, sz);
            n = 1;
        } else if ((uintptr_t)d <= (uintptr_t)src || (uintptr_t)d >= (uintptr_t)src + n * sz) {
            /* Element by element forwards is memmove when the destination
             * does not start inside the source's later elements. */
            memmove(d, src, (size_t)n * sz);
        } else {
            /* It does: each element reads what an earlier one wrote. */
            for (uint32_t k = 0; k < n * sz; k += sz)
                memmove(d + k, src + k, sz);
        }
        c->gpr[R_ESI] += n * sz;
        c->gpr[R_EDI] += n * sz;
        c->gpr[R_ECX] = cnt - n;
        done += n;
    }
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
