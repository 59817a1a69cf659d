/* System instructions: port I/O, flags that belong to the monitor (IF,
 * IOPL), descriptor-table registers, MSW, CPUID/RDTSC, and the x87 escape
 * while no FPU is modelled. */
#include <string.h>

#include "cpu/cpu_model.h"
#include "cpu/exec.h"
#include "cpu/desc.h"
#include "cpu/features.h"
#include "cpu/fpu.h"
#include "cpu/msr.h"
#include "cpu/ops.h"
#include "cpu/seg.h"

/* --- port I/O ------------------------------------------------------------ */

void io_check_bitmap(struct cpu *c, uint16_t port, unsigned size)
{
    unsigned type = c->tr.attr & SEG_ATTR_TYPE;
    if ((c->tr.sel & ~3) == 0 || (type != SYS_TSS32_AVAIL && type != SYS_TSS32_BUSY) ||
        c->tr.limit < 0x67)
        cpu_fault(c, EXC_GP, 0);
    uint32_t base = sys_read(c, c->tr.base + 0x66, 2);
    uint32_t off = base + port / 8;
    if (off + 1 > c->tr.limit)
        cpu_fault(c, EXC_GP, 0);
    uint32_t bits = sys_read(c, c->tr.base + off, 2);
    if (bits & (((1u << size) - 1) << (port & 7)))
        cpu_fault(c, EXC_GP, 0);
}

void h_in(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->o[0].size;
    uint16_t port = (uint16_t)(i->o[1].kind == OPK_IMM ? i->imm & 0xFF : c->gpr[R_EDX]);
    io_check(c, port, sz);
    uint32_t v = iobus_in(c->io, port, sz);
    exit_log_add(&c->exits, EXIT_IN, c->seg[S_CS].sel, c->insn_eip, port, v, sz);
    set_reg(c, R_EAX, sz, v);
}

void h_out(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->o[1].size;
    uint16_t port = (uint16_t)(i->o[0].kind == OPK_IMM ? i->imm & 0xFF : c->gpr[R_EDX]);
    io_check(c, port, sz);
    exit_log_add(&c->exits, EXIT_OUT, c->seg[S_CS].sel, c->insn_eip, port,
                 get_reg(c, R_EAX, sz), sz);
    iobus_out(c->io, port, get_reg(c, R_EAX, sz), sz);
}

/* --- IF and the whole flags image ---------------------------------------- */

static unsigned iopl(const struct cpu *c)
{
    return (c->eflags & F_IOPL) >> 12;
}

static bool protected_mode(const struct cpu *c)
{
    return (c->cr0 & CR0_PE) != 0;
}

/* CLI/STI: allowed when CPL <= IOPL: always in real mode, with IOPL 3 in
 * V86 (CPL 3 there).  CR4.VME/PVI virtual-interrupt variants are not
 * modelled (the CPUID models do not offer VME). */
void h_cli(struct cpu *c, const struct insn *i)
{
    if (protected_mode(c) && c->cpl > iopl(c))
        cpu_fault(c, EXC_GP, 0);
    c->eflags &= ~F_IF;
}

void h_sti(struct cpu *c, const struct insn *i)
{
    if (protected_mode(c) && c->cpl > iopl(c))
        cpu_fault(c, EXC_GP, 0);
    if (!(c->eflags & F_IF))
        c->shadow = SHADOW_STI; /* interrupts wait one more instruction (SDM STI) */
    c->eflags |= F_IF;
}

/* PUSHF/PUSHFD: the pushed image has VM and RF clear (SDM vol. 2, PUSHF). */
void h_pushf(struct cpu *c, const struct insn *i)
{
    if ((c->eflags & F_VM) && iopl(c) < 3)
        cpu_fault(c, EXC_GP, 0); /* IOPL-sensitive in V86 (SDM 20.2.7) */
    push(c, cpu_get_eflags(c) & ~(F_VM | F_RF), i->osize);
}

/* POPF/POPFD (SDM vol. 2, POPF): VM, VIF, VIP never change; RF is cleared;
 * IOPL changes only at CPL 0 and IF only when CPL <= IOPL; a 16-bit POPF
 * touches only the low 16 bits. */
void h_popf(struct cpu *c, const struct insn *i)
{
    if ((c->eflags & F_VM) && iopl(c) < 3)
        cpu_fault(c, EXC_GP, 0);
    unsigned sz = i->osize;
    uint32_t v = stack_peek(c, 0, sz);
    uint32_t mask = ~(F_VM | F_VIF | F_VIP | F_RF);
    if (protected_mode(c)) { /* includes V86, where CPL is 3 */
        if (c->cpl > 0)
            mask &= ~F_IOPL;
        if (c->cpl > iopl(c))
            mask &= ~F_IF;
    }
    if (sz == 2)
        mask &= 0xFFFF;
    set_sp(c, sp_add(c, get_sp(c), (int32_t)sz));
    cpu_set_eflags(c, ((c->eflags & ~mask) | (v & mask)) & ~F_RF);
}

/* --- descriptor-table registers and MSW ---------------------------------- */

static void require_cpl0(struct cpu *c)
{
    if (c->cpl != 0)
        cpu_fault(c, EXC_GP, 0);
}

static void load_dtr(struct cpu *c, const struct insn *i, struct dtr *d)
{
    if (i->o[0].kind != OPK_MEM)
        cpu_fault(c, EXC_UD, 0);
    require_cpl0(c);
    uint32_t ea = ea_offset(c, i);
    uint32_t bo = i->asize == 2 ? (ea + 2) & 0xFFFF : ea + 2;
    uint16_t limit = (uint16_t)mem_read(c, i->seg, ea, 2);
    uint32_t base = mem_read(c, i->seg, bo, 4);
    d->limit = limit;
    d->base = i->osize == 2 ? base & 0x00FFFFFF : base; /* SDM vol. 2, LGDT */
}

/* SGDT/SIDT store the guest's own registers: seed 000's reason to
 * virtualize them is that ring 3 can run them.  With a 16-bit operand the
 * top byte of the base is stored as 0 (386 and later; the 286 stored FF). */
static void store_dtr(struct cpu *c, const struct insn *i, const struct dtr *d)
{
    if (i->o[0].kind != OPK_MEM)
        cpu_fault(c, EXC_UD, 0);
    uint32_t ea = ea_offset(c, i);
    uint32_t bo = i->asize == 2 ? (ea + 2) & 0xFFFF : ea + 2;
    /* both writes are checked before either lands */
    seg_linear(c, i->seg, bo, 4, SEG_WRITE);
    mem_write(c, i->seg, ea, d->limit, 2);
    mem_write(c, i->seg, bo, i->osize == 2 ? d->base & 0x00FFFFFF : d->base, 4);
}

void h_lgdt(struct cpu *c, const struct insn *i) { load_dtr(c, i, &c->gdtr); }
void h_lidt(struct cpu *c, const struct insn *i) { load_dtr(c, i, &c->idtr); }
void h_sgdt(struct cpu *c, const struct insn *i) { store_dtr(c, i, &c->gdtr); }
void h_sidt(struct cpu *c, const struct insn *i) { store_dtr(c, i, &c->idtr); }

/* SMSW to a register stores CR0 (the upper half is undefined for 16-bit
 * operands and is CR0's on P6); to memory always 16 bits. */
void h_smsw(struct cpu *c, const struct insn *i)
{
    if (i->o[0].kind == OPK_MEM)
        mem_write(c, i->seg, ea_offset(c, i), c->cr0 & 0xFFFF, 2);
    else
        set_reg(c, i->o[0].reg, i->o[0].size, c->cr0);
}

/* LMSW loads PE, MP, EM, TS; it can set PE but never clear it. */
void h_lmsw(struct cpu *c, const struct insn *i)
{
    require_cpl0(c);
    uint32_t v = opnd_read(c, i, 0) & 0xF;
    uint32_t old = c->cr0;
    c->cr0 = (c->cr0 & ~0xEu) | (v & 0xF) | (old & CR0_PE);
    if ((old ^ c->cr0) & CR0_PE)
        cpu_mode_changed(c);
}

void h_clts(struct cpu *c, const struct insn *i)
{
    require_cpl0(c);
    c->cr0 &= ~CR0_TS;
}

/* --- identification and time ---------------------------------------------- */

/* CPUID (SDM vol. 2, CPUID): the model's answer (cpu_model.c).  Reading
 * leaf 1 also latches the microcode revision into IA32_BIOS_SIGN_ID, which
 * is how software reads it (SDM vol. 3A, 9.11.7.1). */
void h_cpuid(struct cpu *c, const struct insn *i)
{
    uint32_t r[4];
    uint32_t leaf = c->gpr[R_EAX];
    uint32_t f[CPU_FEATURE_WORDS];
    memcpy(f, c->features, sizeof(f));
    /* The local APIC is the board's: its bit shows while it exists and
     * IA32_APIC_BASE enables it (SDM vol. 3A, 10.4.3). */
    uint64_t base;
    if (cpu_has_apic(c) && c->pins.apic_rdmsr(c->pins.apic_opaque, MSR_APIC_BASE, &base) &&
        (base & (1u << 11)))
        f[FW_1_EDX] |= 1u << (CPUF_APIC % 32);
    cpu_model_cpuid(c->model, f, leaf, r);
    if (leaf == 1 && c->model->p6_msrs)
        c->msr.bios_sign_id = (uint64_t)c->model->ucode_rev << 32;
    /* The initial APIC ID (SDM vol. 2, CPUID, table 3-8: EBX[31:24]) and,
     * with several logical processors a package, their count in
     * EBX[23:16] with HTT (EDX[28]), as QEMU 7.2's cpu_x86_cpuid. */
    if (leaf == 1) {
        r[1] |= (uint32_t)c->apic_id << 24;
        if (c->pkg_lps > 1) {
            r[1] |= (uint32_t)c->pkg_lps << 16;
            r[3] |= 1u << 28;
        }
    }
    c->gpr[R_EAX] = r[0];
    c->gpr[R_EBX] = r[1];
    c->gpr[R_ECX] = r[2];
    c->gpr[R_EDX] = r[3];
}

/* RDTSC: CR4.TSD makes it privileged. */
void h_rdtsc(struct cpu *c, const struct insn *i)
{
    if ((c->cr4 & CR4_TSD) && c->cpl != 0 && protected_mode(c))
        cpu_fault(c, EXC_GP, 0);
    uint64_t tsc = cpu_read_tsc(c);
    c->gpr[R_EAX] = (uint32_t)tsc;
    c->gpr[R_EDX] = (uint32_t)(tsc >> 32);
}

/* --- WAIT, and the x87 escapes while no FPU is present ---------------------- */

/* WAIT: #NM when CR0.MP and CR0.TS are both set (SDM vol. 3A, 2.5); then
 * a pending unmasked x87 exception is reported (#MF or FERR#, fpu.h). */
void h_wait(struct cpu *c, const struct insn *i)
{
    if ((c->cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
        cpu_fault(c, EXC_NM, 0);
    if (c->fpu.sw & FSW_ES)
        fpu_signal_error(c);
}

/* An ESC instruction with no coprocessor: #NM when CR0.EM or CR0.TS is set;
 * otherwise nothing happens, as on a 286/386 board without a 287/387 (the
 * SST 286 data confirms: registers and memory are untouched). */
void h_fpu_absent(struct cpu *c, const struct insn *i)
{
    if (c->cr0 & (CR0_EM | CR0_TS))
        cpu_fault(c, EXC_NM, 0);
    /* The memory operand's segment check still happens (the 286 data shows
     * #GP for a dword at DS:FFFF); nothing is read or written. */
    for (unsigned k = 0; k < i->nops; k++)
        if (i->o[k].kind == OPK_MEM)
            seg_linear(c, i->seg, ea_offset(c, i), i->o[k].size ? i->o[k].size : 2, SEG_READ);
}
