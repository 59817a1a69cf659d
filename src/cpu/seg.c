/* Segment register loads.  Only segment loads refresh a hidden descriptor
 * cache (seed 001): nothing here is called on LGDT, CR3 writes or writes to
 * a descriptor table. */
#include "cpu/seg.h"

#include <stdarg.h>
#include <stdio.h>

#include "cpu/exec.h"

void cpu_internal_error(struct cpu *c, const char *fmt, ...)
{
    struct vm *vm = c->vm;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(vm->error, sizeof(vm->error), fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof(vm->error))
        snprintf(vm->error + n, sizeof(vm->error) - (size_t)n, " at %04x:%08x",
                 c->seg[S_CS].sel, c->insn_eip);
    vm_request_exit(vm, VM_EXIT_ERROR, 0);
}

void load_seg(struct cpu *c, int sreg, uint16_t sel)
{
    if (!(c->cr0 & CR0_PE) || (c->eflags & F_VM)) {
        cpu_load_seg_real(c, sreg, sel);
        return;
    }
    cpu_internal_error(c, "protected-mode segment load (%s <- %04x) is not implemented yet",
                       sreg == S_CS ? "CS" : "data", sel);
}

void far_transfer(struct cpu *c, uint16_t sel, uint32_t off, unsigned osize)
{
    if (!(c->cr0 & CR0_PE) || (c->eflags & F_VM)) {
        jump_far_real(c, sel, off, osize);
        return;
    }
    cpu_internal_error(c, "protected-mode far transfer to %04x:%08x is not implemented yet",
                       sel, off);
}
