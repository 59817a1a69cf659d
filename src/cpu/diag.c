/* A one-line description of the CPU's state for diagnostics: printed when
 * a guest triple-faults or the engine stops with an internal error (issue:
 * "a clear diagnostic (mode, CS:EIP, bytes) instead of a host crash"). */
#include <stdio.h>

#include "cpu/cpu.h"
#include "vm/vm.h"

/* Linear to physical without side effects (no A/D updates, no faults):
 * a plain walk of the 32-bit tables, for looking only. */
static bool peek_translate(struct cpu *c, uint32_t la, uint32_t *pa)
{
    if (!(c->cr0 & CR0_PG)) {
        *pa = la;
        return true;
    }
    struct physmem *pm = &c->vm->mem;
    uint32_t pde = phys_read(pm, (c->cr3 & 0xFFFFF000u) + (la >> 22) * 4, 4);
    if (!(pde & 1))
        return false;
    if ((pde & 0x80) && (c->cr4 & 0x10)) {
        *pa = (pde & 0xFFC00000u) | (la & 0x003FFFFFu);
        return true;
    }
    uint32_t pte = phys_read(pm, (pde & 0xFFFFF000u) + ((la >> 12) & 0x3FF) * 4, 4);
    if (!(pte & 1))
        return false;
    *pa = (pte & 0xFFFFF000u) | (la & 0xFFF);
    return true;
}

static const char *mode_name(const struct cpu *c)
{
    if (!(c->cr0 & CR0_PE))
        return "real";
    if (c->eflags & F_VM)
        return "v86";
    return c->code32 ? "protected/32" : "protected/16";
}

void cpu_describe(struct cpu *c, char *buf, size_t len)
{
    uint32_t la = c->seg[S_CS].base + c->eip;
    int n = snprintf(buf, len, "%s mode, CPL %u%s, CS:EIP %04x:%08x (linear %08x), bytes",
                     mode_name(c), c->cpl, (c->cr0 & CR0_PG) ? ", paging" : "",
                     c->seg[S_CS].sel, c->eip, la);
    for (unsigned k = 0; k < CPU_MAX_INSN_LEN && n > 0 && (size_t)n < len; k++) {
        uint32_t pa;
        if (!peek_translate(c, la + k, &pa)) {
            n += snprintf(buf + n, len - (size_t)n, " ??");
            break;
        }
        n += snprintf(buf + n, len - (size_t)n, " %02x", phys_read(&c->vm->mem, pa, 1));
    }
    if (n > 0 && (size_t)n < len && c->exceptions)
        snprintf(buf + n, len - (size_t)n, ", last exception %d (error %#x)", c->exc_vector,
                 c->exc_error);
}
