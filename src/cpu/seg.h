/* Segment loads and far transfers, dispatched by CPU mode (SDM vol. 3A,
 * chapter 5; vol. 2, MOV/POP/LDS/JMP/CALL/RET). */
#ifndef PLEX86_CPU_SEG_H
#define PLEX86_CPU_SEG_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "cpu/desc.h"

static inline bool cpu_pmode(const struct cpu *c)
{
    return (c->cr0 & CR0_PE) && !(c->eflags & F_VM);
}

/* Loads a data or stack segment register (MOV, POP, LDS...), with every
 * protected-mode check and fault (#GP/#SS/#NP with the selector). */
void load_seg(struct cpu *c, int sreg, uint16_t sel);

/* Far JMP and far CALL (direct or through a call gate, task gate or TSS),
 * far RET with an optional stack adjustment. */
void far_jmp(struct cpu *c, uint16_t sel, uint32_t off, unsigned osize);
void far_call(struct cpu *c, uint16_t sel, uint32_t off, unsigned osize);
void far_ret(struct cpu *c, unsigned osize, uint32_t imm);

/* A stack that is not SS yet (inter-privilege transfers push onto the new
 * stack before SS is loaded, so a fault leaves the old state intact). */
struct new_stack {
    struct seg ss;
    uint32_t esp;
    bool big;          /* B bit: 32-bit ESP */
    uint16_t fault_sel;/* error code for #SS on this stack */
};
void new_stack_push(struct cpu *c, struct new_stack *ns, uint32_t v, unsigned size);
/* Reads the stack of privilege level `dpl` from the current TSS and checks
 * it for the new CPL (#TS with the SS selector; #SS if not present). */
void tss_stack(struct cpu *c, unsigned dpl, struct new_stack *ns, uint16_t ext);

/* Nulls the data segment registers the new (outer) CPL may not keep
 * (SDM vol. 2, RET: "FOR each of segment register (ES, FS, GS, and DS)"). */
void null_inaccessible_segs(struct cpu *c);

/* Stops the VM with a diagnostic naming CS:EIP: for states the engine does
 * not handle.  The guest never sees it; the user gets exit status 4. */
void cpu_internal_error(struct cpu *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
