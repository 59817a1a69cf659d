/* The board's APIC wiring; see pc_apic.h. */
#include "pc/pc_apic.h"

#include <stdio.h>
#include <stdlib.h>

#include "cpu/cpu.h"
#include "dev/hpet.h"
#include "dev/ioapic.h"
#include "dev/lapic.h"
#include "dev/pic.h"
#include "machine/vm.h"
#include "pc/pc.h"
#include "pc/pc_platform.h"

/* --- the interrupt lines ----------------------------------------------
 * One device ("irq-lines") holds what each source drives, so that a line
 * two sources share (ISA IRQ 0: the PIT or the HPET) has one level, and
 * gives the 8259 and the IOAPIC their inputs.  Its state is saved: after
 * a snapshot the lines agree with the sources without asking them. */

/* Sources of a line: the ISA devices (by IRQ), the HPET (by IOAPIC pin),
 * the HPET's legacy replacement outputs (timer 0, timer 1). */
enum { SRC_ISA, SRC_HPET, SRC_HPET_LEGACY };

static uint32_t isa_level(const struct pc_irq_lines *s, unsigned irq)
{
    bool cut = s->legacy && (irq == 0 || irq == 8);
    uint32_t bit = 1u << irq;
    if (cut)
        return (s->hpet_legacy_word >> (irq == 8)) & 1;
    return ((s->isa | s->hpet) & bit) ? 1 : 0;
}

/* The inputs of the 8259s (bits 0-15) and the IOAPIC (0-23) now. */
static void levels(const struct pc_irq_lines *s, uint32_t *pic, uint32_t *io)
{
    *pic = 0;
    for (unsigned irq = 0; irq < 16; irq++)
        *pic |= isa_level(s, irq) << irq;
    /* ISA IRQ n is pin n, but IRQ 0 is pin 2; pins 0, 2 and 16-23 also
     * have what the HPET routes there. */
    *io = (*pic & ~0x5u) | ((*pic & 1u) << 2) | (s->hpet & 0xFF0005u);
}

static void propagate(struct pc_irq_lines *s)
{
    uint32_t pic, io;
    levels(s, &pic, &io);
    uint32_t pic_changed = pic ^ s->pic_out, io_changed = io ^ s->io_out;
    s->pic_out = pic;
    s->io_out = io;
    for (unsigned i = 0; i < 16; i++)
        if (pic_changed & (1u << i))
            pic_set_irq(s->pic, i, (pic >> i) & 1);
    for (unsigned i = 0; i < PC_IOAPIC_PINS && s->ioapic; i++)
        if (io_changed & (1u << i))
            ioapic_set_irq(s->ioapic, i, (io >> i) & 1);
}

static void line_set(struct pc_irq_lines *s, uint32_t *word, unsigned bit, bool level)
{
    if (level)
        *word |= 1u << bit;
    else
        *word &= ~(1u << bit);
    propagate(s);
}

/* The IRQs the sources drive high: a wired-OR per line. */
static uint32_t isa_of_sources(const struct pc_irq_lines *s, uint64_t high)
{
    uint32_t isa = 0;
    for (unsigned i = 0; i < s->nsrc; i++)
        if (high & (1ull << i))
            isa |= 1u << s->src_irq[i];
    return isa;
}

static void isa_set(void *opaque, unsigned src, bool level)
{
    struct pc_irq_lines *s = opaque;
    if (level)
        s->src_high |= 1ull << src;
    else
        s->src_high &= ~(1ull << src);
    s->isa = isa_of_sources(s, s->src_high);
    propagate(s);
}

/* The HPET's outputs: IOAPIC pins, or in legacy replacement mode ISA
 * IRQ 0 and 8; and the mode itself, which cuts the PIT and the RTC. */
static void hpet_out(void *opaque, unsigned irq, bool level)
{
    struct pc_irq_lines *s = opaque;
    if (irq < PC_IOAPIC_PINS)
        line_set(s, &s->hpet, irq, level);
    else if (irq == HPET_LEGACY_IRQ0 || irq == HPET_LEGACY_IRQ8)
        line_set(s, &s->hpet_legacy_word, irq == HPET_LEGACY_IRQ8, level);
}

static void hpet_legacy(void *opaque, bool on)
{
    struct pc_irq_lines *s = opaque;
    s->legacy = on;
    propagate(s);
}

struct irq_pin pc_isa_irq(struct pc *pc, unsigned irq)
{
    if (irq >= 16)
        return (struct irq_pin){ 0 };
    if (!pc->lines)
        return pic_irq_pin(pc->pic, irq);
    struct pc_irq_lines *s = pc->lines;
    if (s->nsrc >= PC_ISA_SOURCES)
        return (struct irq_pin){ 0 };
    s->src_irq[s->nsrc] = (uint8_t)irq;
    return (struct irq_pin){ .set = isa_set, .opaque = s, .irq = s->nsrc++ };
}

static void lines_reset(struct device *d)
{
    /* The levels are the sources': a RESET leaves them as they are. */
}

static void lines_save(const struct device *d, struct state_out *out)
{
    const struct pc_irq_lines *s = container_of(d, const struct pc_irq_lines, dev);
    state_put_u64(out, s->src_high);
    state_put_u32(out, s->hpet);
    state_put_u8(out, (uint8_t)s->hpet_legacy_word);
    state_put_bool(out, s->legacy);
}

static int lines_load(struct device *d, struct state_in *in, bool commit)
{
    struct pc_irq_lines *s = container_of(d, struct pc_irq_lines, dev);
    uint64_t high = state_get_u64(in);
    uint32_t hpet = state_get_u32(in);
    uint8_t leg = state_get_u8(in);
    bool legacy = state_get_bool(in);
    /* Sources this board does not have (the wiring is the command
     * line's, not the snapshot's). */
    if ((s->nsrc < 64 && (high >> s->nsrc)) || (hpet >> PC_IOAPIC_PINS) || leg > 3)
        state_in_fail(in);
    if (!state_in_ok(in, true))
        return -1;
    if (commit) {
        s->src_high = high;
        s->isa = isa_of_sources(s, high);
        s->hpet = hpet;
        s->hpet_legacy_word = leg;
        s->legacy = legacy;
        /* The 8259 and the IOAPIC load their own input levels. */
        levels(s, &s->pic_out, &s->io_out);
    }
    return 0;
}

static void lines_dump(const struct device *d, char *buf, size_t len)
{
    const struct pc_irq_lines *s = container_of(d, const struct pc_irq_lines, dev);
    snprintf(buf, len,
             "isa %04x (sources %llx of %u) hpet %06x legacy %s (%u) pic %04x ioapic %06x",
             s->isa, (unsigned long long)s->src_high, s->nsrc, s->hpet,
             s->legacy ? "on" : "off", s->hpet_legacy_word, s->pic_out, s->io_out);
}

static const struct device_ops lines_ops = {
    .type = "irq-lines", .reset = lines_reset, .save = lines_save, .load = lines_load,
    .dump = lines_dump, .destroy = device_free,
};
_Static_assert(offsetof(struct pc_irq_lines, dev) == 0, "device_free frees the state");

/* --- the APIC bus -------------------------------------------------------
 * Offers each message to every local APIC it addresses (SDM vol. 3A,
 * 10.6.2); lowest priority goes to the one with the lowest arbitration
 * priority, the first of equals (10.6.2.4: the model decides ties). */
static void bus_send(void *opaque, const struct apic_msg *m)
{
    struct pc *pc = opaque;
    struct lapic *best = NULL;
    for (unsigned i = 0; i < pc->ncpus; i++) {
        struct lapic *l = pc->lapic[i];
        if (!l || !lapic_match(l, m->logical, m->dest))
            continue;
        if (m->shorthand == APIC_SH_OTHERS && (int)(l->id >> 24) == m->source)
            continue;
        if (m->mode != APIC_DM_LOWEST) {
            lapic_accept(l, m);
            continue;
        }
        if (!best || lapic_apr(l) < lapic_apr(best))
            best = l;
    }
    if (best)
        lapic_accept(best, m);
}

static void bus_eoi(void *opaque, uint8_t vector)
{
    struct pc *pc = opaque;
    if (pc->ioapic)
        ioapic_eoi(pc->ioapic, vector);
}

/* --- the CPUs' side ------------------------------------------------------
 * Each CPU's local APIC drives that CPU's INTR and NMI, and its INIT and
 * SIPI reach the VM's CPU `index` (struct pc_cpu_wire). */

static struct cpu *wire_cpu(const struct pc_cpu_wire *w)
{
    return w->pc->vm->cpus[w->index];
}

static void pic_intr(void *opaque, bool level)
{
    struct pc *pc = opaque;
    /* The 8259 is wired to the BSP's LINT0 only (MP spec 3.6.2.2). */
    if (pc->lapic[0])
        lapic_set_lint0(pc->lapic[0], level);
}

/* Atomic stores: with a thread per CPU (-accel tcg,thread=multi) the CPU
 * may be running on another thread, which reads them unlocked. */
static void cpu_intr(void *opaque, bool level)
{
    __atomic_store_n(&wire_cpu(opaque)->irq_line, level, __ATOMIC_RELEASE);
}

static int cpu_inta(void *opaque)
{
    return lapic_ack(opaque);
}

static int extint_ack(void *opaque)
{
    return pic_ack(opaque);
}

static void cpu_nmi(void *opaque, uint32_t value)
{
    __atomic_store_n(&wire_cpu(opaque)->nmi_pending, true, __ATOMIC_RELEASE);
}

/* INIT: the CPU and its local APIC take their INIT state (SDM vol. 3A,
 * 10.4.7.3: the APIC keeps its ID and IA32_APIC_BASE). */
static void cpu_init_ipi(void *opaque, uint32_t value)
{
    struct pc_cpu_wire *w = opaque;
    vm_cpu_init(w->pc->vm, w->index);
    lapic_init_reset(w->pc->lapic[w->index]);
}

static void cpu_sipi(void *opaque, uint32_t vector)
{
    struct pc_cpu_wire *w = opaque;
    vm_cpu_sipi(w->pc->vm, w->index, (uint8_t)vector);
}

static bool cpu_rdmsr(void *opaque, uint32_t index, uint64_t *value)
{
    return lapic_msr_read(opaque, index, value);
}

static bool cpu_wrmsr(void *opaque, uint32_t index, uint64_t value)
{
    return lapic_msr_write(opaque, index, value);
}

/* IA32_TSC_DEADLINE: the guest time at which the CPU's TSC reads `tsc`
 * (the TSC counts guest time at CPU_TSC_HZ, cpu/msr.c); a deadline
 * already passed is now. */
static uint64_t tsc_to_ns(void *opaque, uint64_t tsc)
{
    struct pc_cpu_wire *w = opaque;
    struct vm *vm = w->pc->vm;
    uint64_t now = vm_now_ns(vm), cur = cpu_read_tsc(wire_cpu(w));
    if (tsc <= cur)
        return now;
    unsigned __int128 ns = (unsigned __int128)(tsc - cur) * 1000000000u / CPU_TSC_HZ;
    return ns >= SCHED_NEVER - now ? SCHED_NEVER - 1 : now + (uint64_t)ns;
}

static uint64_t clock_now(void *opaque)
{
    return vm_now_ns(opaque);
}

static struct dev_clock w_clock(struct vm *vm)
{
    return (struct dev_clock){ .now_ns = clock_now, .opaque = vm };
}

/* --- the register page with several CPUs ----------------------------------
 * Every CPU's local APIC answers at its own IA32_APIC_BASE (0xFEE00000
 * for all after RESET), and a CPU reaches only its own there (SDM vol.
 * 3A, 10.4.1).  The memory map has one region per address, so with
 * several CPUs the board maps a window per distinct base, shared by the
 * APICs there, and an access goes to the APIC of the CPU that makes it
 * (vm->cur); a CPU whose APIC is elsewhere or disabled reads all ones
 * there, as from an unclaimed address, and its writes go nowhere. */

static struct pc_lapic_window *window_at(struct pc *pc, uint32_t base)
{
    for (unsigned k = 0; k < PC_MAX_CPUS; k++)
        if (pc->lapic_win[k].users && pc->lapic_win[k].base == base)
            return &pc->lapic_win[k];
    return NULL;
}

static struct lapic *window_lapic(const struct pc_lapic_window *win)
{
    struct pc *pc = win->pc;
    unsigned cur = pc->vm->cur;
    if (cur < pc->ncpus && pc->lapic_at[cur] == win->base)
        return pc->lapic[cur];
    return NULL;
}

static uint32_t window_read(void *opaque, uint32_t offset, unsigned size)
{
    struct pc_lapic_window *win = opaque;
    struct lapic *l = window_lapic(win);
    if (!l)
        return size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
    return win->ops->read(l, offset, size);
}

static void window_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    struct pc_lapic_window *win = opaque;
    struct lapic *l = window_lapic(win);
    if (l)
        win->ops->write(l, offset, value, size);
}

static const struct mmio_ops window_ops = { .read = window_read, .write = window_write };

static int window_map(void *opaque, uint32_t base, uint32_t size, const struct mmio_ops *ops,
                      void *dev, const char *name)
{
    struct pc_cpu_wire *w = opaque;
    struct pc *pc = w->pc;
    struct pc_lapic_window *win = window_at(pc, base);
    if (!win) {
        for (unsigned k = 0; k < PC_MAX_CPUS && !win; k++)
            if (!pc->lapic_win[k].users)
                win = &pc->lapic_win[k];
        if (!win || vm_map_mmio(pc->vm, base, size, &window_ops, win, "lapic") < 0)
            return -1;
        win->pc = pc;
        win->base = base;
        win->ops = ops;
    }
    win->users++;
    pc->lapic_at[w->index] = base;
    return 0;
}

static void window_unmap(void *opaque, uint32_t base, void *dev)
{
    struct pc_cpu_wire *w = opaque;
    struct pc *pc = w->pc;
    struct pc_lapic_window *win = window_at(pc, base);
    if (!win || pc->lapic_at[w->index] != base)
        return;
    pc->lapic_at[w->index] = 0;
    if (--win->users == 0)
        vm_unmap_mmio(pc->vm, base, win);
}

#define DEV(p) ((p) ? &(p)->dev : NULL)

int pc_apic_create(struct pc *pc, char *err, size_t errlen)
{
    struct vm *vm = pc->vm;
    pc->lines = calloc(1, sizeof(*pc->lines));
    if (pc->lines) {
        device_init(&pc->lines->dev, &lines_ops, "irq-lines");
        pc->lines->pic = pc->pic;
    }
    if (vm_add_device(vm, DEV(pc->lines), err, errlen) < 0) {
        pc->lines = NULL;
        return -1;
    }
    if (!pc->cfg.apic)
        return 0;

    struct apic_bus bus = { .send = bus_send, .opaque = pc };
    pc->ioapic = ioapic_create(PC_IOAPIC_BASE, PC_IOAPIC_ID, bus);
    if (vm_add_device(vm, DEV(pc->ioapic), err, errlen) < 0) {
        pc->ioapic = NULL;
        return -1;
    }
    pc->lines->ioapic = pc->ioapic;
    /* ExtINT entries take their vector from the 8259 (82093AA 3.2.4). */
    ioapic_set_extint(pc->ioapic, extint_ack, pc->pic);

    /* The HPET, on guest time. */
    pc->hpet = hpet_create(PC_HPET_BASE, w_clock(vm), &vm->sched,
                           (struct irq_pin){ .set = hpet_out, .opaque = pc->lines },
                           (struct signal_line){ .set = hpet_legacy, .opaque = pc->lines });
    if (vm_add_device(vm, DEV(pc->hpet), err, errlen) < 0) {
        pc->hpet = NULL;
        return -1;
    }

    /* Each local APIC has its CPU's APIC ID (the topology's, cpu/topo.h);
     * CPU 0 is the BSP.  IPIs find their APICs by ID (bus_send) and reach
     * the CPU through the wire, which holds the CPU index. */
    unsigned ncpus = pc->cfg.cpus ? pc->cfg.cpus : 1;
    pc->ncpus = ncpus;
    for (unsigned i = 0; i < ncpus; i++) {
        struct pc_cpu_wire *cw = &pc->cpu_wire[i];
        *cw = (struct pc_cpu_wire){ .pc = pc, .index = i };
        struct lapic_wiring w = {
            .clock = w_clock(vm),
            .sched = &vm->sched,
            .intr = { .set = cpu_intr, .opaque = cw },
            .nmi = { .fire = cpu_nmi, .opaque = cw },
            .init = { .fire = cpu_init_ipi, .opaque = cw },
            .sipi = { .fire = cpu_sipi, .opaque = cw },
            .extint_ack = extint_ack,
            .extint_opaque = pc->pic,
            .bus = bus,
            .eoi = { .eoi = bus_eoi, .opaque = pc },
            .space = pc_pci_space(vm),
            .tsc_to_ns = tsc_to_ns,
            .tsc_opaque = cw,
        };
        if (ncpus > 1) {
            /* The register page through the board's per-CPU window. */
            w.space.map_mem = window_map;
            w.space.unmap_mem = window_unmap;
            w.space.map_mem_direct = NULL;
            w.space.opaque = cw;
        }
        char name[16];
        snprintf(name, sizeof(name), "lapic%u", i);
        pc->lapic[i] = lapic_create(name, vm->cpus[i]->apic_id, i == 0, &w);
        if (vm_add_device(vm, DEV(pc->lapic[i]), err, errlen) < 0) {
            pc->lapic[i] = NULL;
            return -1;
        }
        /* The CPU's INTA and APIC MSRs go to its local APIC. */
        struct cpu *c = vm->cpus[i];
        c->pins.irq_ack = cpu_inta;
        c->pins.irq_opaque = pc->lapic[i];
        c->pins.apic_rdmsr = cpu_rdmsr;
        c->pins.apic_wrmsr = cpu_wrmsr;
        c->pins.apic_opaque = pc->lapic[i];
    }
    /* The 8259's INTR is the BSP's LINT0 now. */
    pc->pic->intr_out = (struct signal_line){ .set = pic_intr, .opaque = pc };
    return 0;
}

void pc_apic_firmware_setup(struct pc *pc)
{
    struct lapic *l = pc->lapic[0];
    if (!l)
        return;
    lapic_write(l, LAPIC_SVR, lapic_read(l, LAPIC_SVR) | LAPIC_SVR_ENABLE);
    lapic_write(l, LAPIC_LVT_TIMER + 0x10 * LVT_LINT0, 0x8700);
    lapic_write(l, LAPIC_LVT_TIMER + 0x10 * LVT_LINT1, 0x8400);
}
