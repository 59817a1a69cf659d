/* `info registers` in QEMU's layout (target/i386/cpu-dump.c), so that
 * what users paste from QEMU and from plex86 compares line by line. */
#include "host/monitor_dump.h"

#include <inttypes.h>

#include "cpu/cpu.h"
#include "machine/vm.h"

/* Descriptor bits as QEMU keeps them: the descriptor's high dword, of
 * which our seg.attr holds bytes 5-6 (bits 8-23). */
enum {
    DESC_A = 1u << 8, DESC_W = 1u << 9, DESC_E = 1u << 10, DESC_CS = 1u << 11,
    DESC_S = 1u << 12, DESC_P = 1u << 15, DESC_L = 1u << 21, DESC_B = 1u << 22,
};

static const char *const sys_type_name[16] = {
    "Reserved", "TSS16-avl", "LDT", "TSS16-busy", "CallGate16", "TaskGate",
    "IntGate16", "TrapGate16", "Reserved", "TSS32-avl", "Reserved", "TSS32-busy",
    "CallGate32", "Reserved", "IntGate32", "TrapGate32",
};

static void print_seg(FILE *out, const char *name, const struct seg *s, bool pe)
{
    uint32_t flags = (uint32_t)s->attr << 8;
    fprintf(out, "%-3s=%04x %08x %08x %08x", name, s->sel, s->base, s->limit, flags);
    if (pe && (flags & DESC_P)) {
        fprintf(out, " DPL=%u ", (flags >> 13) & 3);
        if (flags & DESC_S) {
            if (flags & DESC_CS) {
                fputs(flags & DESC_L ? "CS64" : flags & DESC_B ? "CS32" : "CS16", out);
                fprintf(out, " [%c%c", flags & DESC_E ? 'C' : '-', flags & DESC_W ? 'R' : '-');
            } else {
                fputs(flags & DESC_B ? "DS  " : "DS16", out);
                fprintf(out, " [%c%c", flags & DESC_E ? 'E' : '-', flags & DESC_W ? 'W' : '-');
            }
            fprintf(out, "%c]", flags & DESC_A ? 'A' : '-');
        } else {
            fputs(sys_type_name[(flags >> 8) & 15], out);
        }
    }
    fputc('\n', out);
}

void monitor_print_registers(struct vm *vm, const struct cpu *c, FILE *out)
{
    const uint32_t *r = c->gpr;
    uint32_t f = c->eflags;
    bool pe = c->cr0 & CR0_PE;
    fprintf(out, "EAX=%08x EBX=%08x ECX=%08x EDX=%08x\n", r[R_EAX], r[R_EBX], r[R_ECX],
            r[R_EDX]);
    fprintf(out, "ESI=%08x EDI=%08x EBP=%08x ESP=%08x\n", r[R_ESI], r[R_EDI], r[R_EBP],
            r[R_ESP]);
    fprintf(out, "EIP=%08x EFL=%08x [%c%c%c%c%c%c%c] CPL=%u II=%u A20=%u SMM=0 HLT=%u\n",
            c->eip, f, f & F_DF ? 'D' : '-', f & F_OF ? 'O' : '-', f & F_SF ? 'S' : '-',
            f & F_ZF ? 'Z' : '-', f & F_AF ? 'A' : '-', f & F_PF ? 'P' : '-',
            f & F_CF ? 'C' : '-', c->cpl, c->shadow ? 1u : 0u,
            (vm->mem.a20_mask >> 20) & 1, c->halted ? 1u : 0u);
    static const char *const names[S_COUNT] = { "ES", "CS", "SS", "DS", "FS", "GS" };
    for (int i = 0; i < S_COUNT; i++)
        print_seg(out, names[i], &c->seg[i], pe);
    print_seg(out, "LDT", &c->ldtr, pe);
    print_seg(out, "TR", &c->tr, pe);
    fprintf(out, "GDT=     %08x %08x\n", c->gdtr.base, c->gdtr.limit);
    fprintf(out, "IDT=     %08x %08x\n", c->idtr.base, c->idtr.limit);
    fprintf(out, "CR0=%08x CR2=%08x CR3=%08x CR4=%08x\n", c->cr0, c->cr2, c->cr3, c->cr4);
    for (int i = 0; i < 4; i++)
        fprintf(out, "DR%d=%08x ", i, c->dr[i]);
    fprintf(out, "\nDR6=%08x DR7=%08x\n", c->dr[6], c->dr[7]);
    fprintf(out, "EFER=%016" PRIx64 "\n", c->msr.efer);
}
