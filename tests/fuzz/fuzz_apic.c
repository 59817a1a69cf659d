/* Fuzz harness: the interrupt and timer hardware of issue 19 from the
 * guest's side: the local APIC's page (wherever IA32_APIC_BASE puts it),
 * the IOAPIC's IOREGSEL/IOWIN, the HPET's registers, IA32_APIC_BASE and
 * IA32_TSC_DEADLINE, ISA interrupt lines going up and down, INTA cycles,
 * and guest time passing.
 *
 * One board (pc_create with the APICs and two CPUs, -smp 2: 2 MiB of
 * RAM, a 64 KiB firmware image of `jmp $`), reset per input.  The device
 * byte's bit 2 also says which CPU makes an access (whose local APIC
 * answers at the page, whose MSRs and INTA), so the input reaches the
 * board's per-CPU APIC window, INIT and Start-up IPIs between the CPUs
 * (an AP started on RAM runs whatever is there) and the round robin.  Guest time is -icount's, so a run
 * is deterministic.  The input is a list of operations, one byte of kind
 * then its operands:
 *
 *   kind % 6 == 0  MMIO write: device (1: LAPIC at its base, IOAPIC,
 *                  HPET, by value % 3; bit 2: CPU 0 or 1 makes it),
 *                  offset (2, below 4 KiB), size (1), value (4)
 *   kind % 6 == 1  MMIO read: device, offset, size
 *   kind % 6 == 2  WRMSR: 0x1B or 0x6E0 (1; bit 2: the CPU), value (8),
 *                  through the CPU's pins as WRMSR does (a refusal is the
 *                  guest's #GP)
 *   kind % 6 == 3  an ISA line: IRQ (1, mod 16), level (1)
 *   kind % 6 == 4  INTA, if the INTR of the CPU the last access named is up
 *   kind % 6 == 5  time: the CPU runs (byte & 63) * 4096 instructions,
 *                  at most 1 M in all per input
 *
 * Properties, after every operation: each CPU's INTR is what its local
 * APIC drives; the LAPIC's page is mapped exactly while it is enabled
 * (or nowhere, when its base clashes); every IOAPIC remote IRR is on a
 * level-triggered entry; the HPET's status has only its timers' bits; a
 * run ends only at its limit (an NMI sent by the input may run any code,
 * which may halt: that ends a run too).  At the end each device's state
 * saves and loads back to the same bytes. */
#include <stdbool.h>

#include "dev/hpet.h"
#include "dev/ioapic.h"
#include "dev/lapic.h"
#include "fuzz.h"
#include "machine/vm.h"
#include "pc/pc.h"
#include "pc/pc_apic.h"
#include "pc/pc_platform.h"

static struct pc *pc;
/* The input's own source on each ISA IRQ (pc_isa_irq gives one per call;
 * the board's devices hold theirs, OR-ed with these). */
static struct irq_pin isa_pins[16];

static void setup(void)
{
    if (pc)
        return;
    static uint8_t bios[0x10000];
    for (size_t i = 0; i < sizeof(bios); i += 2) {
        bios[i] = 0xEB;            /* jmp $, also at the reset vector */
        bios[i + 1] = 0xFE;
    }
    struct pc_config cfg = {
        .ram_mb = 2, .bios_data = bios, .bios_size = sizeof(bios), .apic = true,
        .nographic = true, .icount = true, .icount_shift = 10, .cpus = 2,
    };
    char err[256];
    pc = pc_create(&cfg, err, sizeof(err));
    if (!pc)
        fuzz_fail("pc_create: %s", err);
    for (unsigned irq = 0; irq < 16; irq++) {
        isa_pins[irq] = pc_isa_irq(pc, irq);
        if (!isa_pins[irq].set)
            fuzz_fail("no ISA source left for IRQ %u", irq);
    }
}

/* The CPU a device byte names (bit 2), made the one running: its local
 * APIC answers the page (pc_apic.c). */
static struct cpu *pick_cpu(uint8_t dev)
{
    pc->vm->cur = (dev >> 2) & 1;
    return pc->vm->cpus[pc->vm->cur];
}

static uint32_t base_of(uint8_t dev)
{
    pick_cpu(dev);
    switch (dev % 3) {
    case 0: return (uint32_t)(pc->lapic[pc->vm->cur]->apic_base & LAPIC_BASE_ADDR);
    case 1: return PC_IOAPIC_BASE;
    default: return PC_HPET_BASE;
    }
}

static unsigned pick_size(uint8_t s)
{
    return s % 3 == 0 ? 1 : s % 3 == 1 ? 2 : 4;
}

static void check(void)
{
    for (unsigned c = 0; c < pc->ncpus; c++) {
        const struct lapic *l = pc->lapic[c];
        FUZZ_CHECK(pc->vm->cpus[c]->irq_line == l->intr, "CPU %u: INTR %d, the APIC drives %d",
                   c, pc->vm->cpus[c]->irq_line, l->intr);
        uint32_t want = lapic_enabled(l) ? (uint32_t)(l->apic_base & LAPIC_BASE_ADDR) : 0;
        FUZZ_CHECK(l->mapped == want || l->mapped == 0,
                   "CPU %u: LAPIC page at %08x, base says %08x", c, l->mapped, want);
    }
    for (unsigned i = 0; i < IOAPIC_PINS; i++) {
        uint64_t e = pc->ioapic->rte[i];
        FUZZ_CHECK(!(e & IOAPIC_RTE_REMOTE_IRR) || (e & IOAPIC_RTE_LEVEL),
                   "IOAPIC pin %u: remote IRR on an edge entry", i);
    }
    FUZZ_CHECK(pc->hpet->status < (1u << HPET_TIMERS), "HPET status %llx",
               (unsigned long long)pc->hpet->status);
}

static void clear_exit(struct vm *vm)
{
    vm->exit_reason = VM_EXIT_NONE;
    for (unsigned c = 0; c < vm->ncpus; c++)
        vm->cpus[c]->stop_request = false;
}

static void round_trip(struct device *d)
{
    struct state_out a, b;
    state_out_init(&a);
    d->ops->save(d, &a);
    struct state_in in = state_in_of(a.buf, a.len);
    FUZZ_CHECK(d->ops->load(d, &in, true) == 0, "%s: its own state does not load", d->name);
    state_out_init(&b);
    d->ops->save(d, &b);
    FUZZ_CHECK(a.len == b.len && !memcmp(a.buf, b.buf, a.len),
               "%s: state changed by a save and load", d->name);
    state_out_free(&a);
    state_out_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    struct vm *vm = pc->vm;
    for (unsigned irq = 0; irq < 16; irq++)
        irq_pin_set(&isa_pins[irq], false);   /* each input from low lines */
    vm_reset(vm);
    clear_exit(vm);
    pc_apic_firmware_setup(pc);
    /* An NMI the input sends lands on `jmp $` in the ROM (F000:0000),
     * not on whatever RAM holds. */
    static const uint8_t nmi_vector[4] = { 0x00, 0x00, 0x00, 0xF0 };
    phys_dma_write(&vm->mem, 2 * 4, nmi_vector, sizeof(nmi_vector));
    struct fz in = { data, size };
    uint64_t time_left = 1000000;
    while (fz_left(&in)) {
        uint8_t kind = fz_u8(&in);
        switch (kind % 6) {
        case 0: {
            uint32_t pa = base_of(fz_u8(&in)) + (fz_u16(&in) & 0xFFF);
            unsigned sz = pick_size(fz_u8(&in));
            phys_write(&vm->mem, pa, fz_u32(&in), sz);
            break;
        }
        case 1: {
            uint32_t pa = base_of(fz_u8(&in)) + (fz_u16(&in) & 0xFFF);
            unsigned sz = pick_size(fz_u8(&in));
            uint32_t v = phys_read(&vm->mem, pa, sz);
            FUZZ_CHECK(sz == 4 || v < (1u << (8 * sz)), "read %08x/%u gave %#x", pa, sz, v);
            break;
        }
        case 2: {
            uint8_t b = fz_u8(&in);
            uint32_t index = b & 1 ? 0x6E0 : 0x1B;
            struct cpu *c = pick_cpu(b);
            uint64_t v = fz_u32(&in);
            v |= (uint64_t)fz_u32(&in) << 32;
            (void)c->pins.apic_wrmsr(c->pins.apic_opaque, index, v);
            break;
        }
        case 3: {
            unsigned irq = fz_u8(&in) % 16;
            irq_pin_set(&isa_pins[irq], fz_u8(&in) & 1);
            break;
        }
        case 4: {
            struct cpu *c = vm->cpus[vm->cur];
            if (c->irq_line) {
                int v = c->pins.irq_ack(c->pins.irq_opaque);
                FUZZ_CHECK(v < 256, "INTA gave %d", v);
            }
            break;
        }
        case 5: {
            uint64_t steps = (uint64_t)(fz_u8(&in) & 63) * 4096;
            if (steps > time_left)
                steps = time_left;
            time_left -= steps;
            if (steps) {
                enum vm_exit_reason why = vm_run(vm, steps);
                FUZZ_CHECK(why != VM_EXIT_ERROR, "a run ended with %s: %s",
                           vm_exit_reason_name(why), vm->error);
                clear_exit(vm);
            }
            break;
        }
        }
        check();
    }
    round_trip(&pc->lapic[0]->dev);
    round_trip(&pc->lapic[1]->dev);
    round_trip(&pc->ioapic->dev);
    round_trip(&pc->hpet->dev);
    round_trip(&pc->lines->dev);
    check();
    return 0;
}
