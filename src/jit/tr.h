/* The translator's internal state, shared by translate.c (driver, flags,
 * memory operands, integer instructions) and tr_x87.c (the x87 window).
 * Not for use outside src/jit. */
#ifndef PLEX86_JIT_TR_H
#define PLEX86_JIT_TR_H

#include <stddef.h>

#include "cpu/exec.h"
#include "jit/jit.h"
#include "jit/x86emit.h"
#include "sbe/cache.h"

/* Offsets into struct cpu for generated code (rbx holds the cpu). */
#define CPU_OFF(field) ((int32_t)offsetof(struct cpu, field))
#define GPR_OFF(r) (CPU_OFF(gpr) + 4 * (int32_t)(r))

/* Host registers with a fixed role inside a translation (callee-saved,
 * so they survive calls to C):
 *   rbx  the struct cpu
 *   r12  the TLB's entries (c->tlb->e)
 *   r13  cpu.async's value while nothing is pending (jit_calm)
 *   r14  EIP at the block's entry (instruction k is at r14 + offset)
 *   rbp  the guest offset of the current memory operand
 *   r15  host RFLAGS saved across a call in a slow path
 * rax rcx rdx rsi rdi r8-r11 are scratch; rdx holds the host address of
 * a memory operand between its probe and its use. */
enum { R_CPU = XBX, R_TLB = X12, R_CALM = X13, R_EIP0 = X14, R_OFF = XBP, R_SAVEF = X15 };

static inline struct xrm gpr_rm(unsigned r, unsigned size)
{
    if (size == 1 && r >= 4)
        return xr_mem(xm(R_CPU, GPR_OFF(r - 4) + 1)); /* AH CH DH BH */
    return xr_mem(xm(R_CPU, GPR_OFF(r)));
}

static inline struct xrm cpu_rm(int32_t off)
{
    return xr_mem(xm(R_CPU, off));
}

/* Kinds of memory access for the slow path (jit_mem_slow). */
enum { JM_READ = 1, JM_WRITE = 2, JM_RMW = 3 };

/* What the translation knows at a point of the block: which guest flags
 * are in the host's RFLAGS, and the x87 window. */
struct tstate {
    uint32_t pending;      /* guest flags whose values are in host RFLAGS
                              and not yet in cpu.eflags */
    uint32_t pending_zero; /* guest flags that must become 0 in cpu.eflags
                              (undefined on the host, cleared by the
                              interpreter) */
    /* x87 (tr_x87.c): the top `w` guest registers ST(0..w-1) are on the
     * host's x87 stack as ST(0..w-1). */
    bool x87_live;         /* the host x87 holds the window (guest CW
                              loaded, entry conditions checked) */
    int w;                 /* window depth */
    unsigned top;          /* guest TOP now */
    uint8_t tag_known, tag_full; /* physical registers whose tag we know */
    int last_x87, last_x87_mem; /* indices of the last native x87 op
                                   (and with memory), or -1 */
    unsigned flushed;      /* instructions already added to cpu.icount
                              in this pass */
};

struct plan {
    bool native;
    bool x87;              /* a native x87 instruction */
    bool faults;           /* the native form may raise an exception */
    uint32_t R, W, H, Z;   /* flags read, written, valid from the host,
                              forced to zero */
    uint32_t live_after;   /* guest flags observable after it */
    /* x87 stack effect of a native x87 op */
    int8_t push, pop, reads;
    uint8_t mem_size;      /* x87 memory operand bytes, 0 for registers */
    uint8_t mem_kind;      /* JM_* */
};

struct tr {
    struct cpu *c;
    struct block *b;
    struct xbuf hot, cold, *cur;
    struct xlabels L;
    struct tstate s;
    struct plan plan[BLOCK_MAX_INSNS];
    uint32_t off[BLOCK_MAX_INSNS + 1]; /* byte offset of each instruction */
    bool user;             /* specialised for CPL 3 */
    bool uses_stack;       /* guard on stack32 */
    uint8_t flat;          /* segments specialised as flat (bit per sreg):
                              base 0, limit 4 GiB - 1, no check bits; the
                              prologue checks it, accesses skip it */
    bool x87;              /* has native x87 ops: guard and window */
    int depth0;            /* x87 window loaded at entry */
    unsigned top0;
    uint8_t need_full, need_empty;
    unsigned l_bail, l_epilogue, l_body;
    unsigned k;            /* instruction being translated */
};

/* translate.c: the whole translation of t->b into t->hot and t->cold
 * (false: too big for the buffers or labels); counts for the stats. */
bool tr_translate(struct tr *t);
void tr_count(const struct tr *t, uint64_t *native, uint64_t *callout);
void tr_materialise(struct tr *t);
void tr_emit_exit(struct tr *t, unsigned k, bool to_target, uint32_t target_off);
void tr_mem_operand(struct tr *t, const struct insn *in, unsigned size, unsigned kind,
                    unsigned seg, unsigned cold_label);
void tr_sync_for_call(struct tr *t, unsigned k);

/* tr_x87.c */
bool x87_classify(const struct cpu *c, const struct insn *in, struct plan *p);
bool x87_prepass(struct tr *t, unsigned nnative);
void x87_emit_entry(struct tr *t);
void x87_spill(struct tr *t);
void x87_note_ips(struct tr *t);
void x87_reload(struct tr *t);
void x87_emit_op(struct tr *t, const struct insn *in, const struct plan *p);
void x87_note_mem(struct tr *t);

#endif
