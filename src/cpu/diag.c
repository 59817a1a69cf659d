/* A one-line description of the CPU's state for diagnostics: printed when
 * a guest triple-faults or the engine stops with an internal error (issue:
 * "a clear diagnostic (mode, CS:EIP, bytes) instead of a host crash"). */
#include <stdio.h>

#include "cpu/cpu.h"
#include "vm/physmem.h"

/* Linear to physical without side effects (no A/D updates, no faults):
 * a plain walk of the 32-bit tables, for looking only. */
static bool peek_translate(struct cpu *c, uint32_t la, uint32_t *pa)
{
    if (!(c->cr0 & CR0_PG)) {
        *pa = la;
        return true;
    }
    struct physmem *pm = c->mem;
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
        n += snprintf(buf + n, len - (size_t)n, " %02x", phys_read(c->mem, pa, 1));
    }
    if (n > 0 && (size_t)n < len && c->exceptions)
        n += snprintf(buf + n, len - (size_t)n, ", last exception %d (error %#x)",
                      c->exc_vector, c->exc_error);
    exit_log_describe(&c->exits, buf, len, n);
}

int exit_log_describe(const struct exit_log *l, char *buf, size_t len, int n)
{
    static const char *const names[] = { [EXIT_IN] = "in", [EXIT_OUT] = "out",
                                         [EXIT_EXCEPTION] = "exception",
                                         [EXIT_INTERRUPT] = "interrupt", [EXIT_HLT] = "hlt" };
    unsigned count = l->next < EXIT_LOG_SIZE ? l->next : EXIT_LOG_SIZE;
    for (unsigned k = 0; k < count && n >= 0 && (size_t)n < len; k++) {
        const struct exit_entry *e = &l->e[(l->next - count + k) % EXIT_LOG_SIZE];
        n += snprintf(buf + n, len - (size_t)n, "%s%s", k ? "; " : "; last exits: ",
                      names[e->kind] ? names[e->kind] : "?");
        if (n < 0 || (size_t)n >= len)
            break;
        if (e->kind == EXIT_IN || e->kind == EXIT_OUT)
            n += snprintf(buf + n, len - (size_t)n, " %04x/%u=%#x", e->what, e->size, e->value);
        else if (e->kind == EXIT_EXCEPTION)
            n += snprintf(buf + n, len - (size_t)n, " %u (%#x)", e->what, e->value);
        else if (e->kind == EXIT_INTERRUPT)
            n += snprintf(buf + n, len - (size_t)n, " %#x", e->what);
        if (n >= 0 && (size_t)n < len)
            n += snprintf(buf + n, len - (size_t)n, " at %04x:%08x", e->cs, e->eip);
    }
    return n;
}
