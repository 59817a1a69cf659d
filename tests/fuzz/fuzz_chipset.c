/* Fuzz harness: the firmware-facing chipset of issue 16 from the guest's
 * side: fw_cfg (selector, data, the DMA interface with descriptors the
 * input writes into guest RAM), the PCI configuration space of the host
 * bridge (PAM, SMRAM), the PIIX3 (PIRQRC) and the PIIX4 PM function (PMBA,
 * SMBBA, DEVACTB...), the PM I/O block wherever the guest put it, GPE0,
 * APM, the SMBus, the ELCR.
 *
 * One board (pc_create: 2 MiB of RAM, a 64 KiB firmware image of
 * `jmp $`), reused: per input the VM is reset.  Guest time is -icount's
 * (1 us per instruction), so it moves only when the input runs the CPU:
 * a run is deterministic, and the PM timer's events happen where the
 * input puts them.  The input is a list of operations, one byte of kind
 * then its operands:
 *
 *   kind % 6 == 0  out: port selector (1 byte), size (1), value (4)
 *   kind % 6 == 1  in:  port selector, size
 *   kind % 6 == 2  config write: function (1: host, ISA, PM, none),
 *                  register (1), size (1), value (4)
 *   kind % 6 == 3  guest RAM: address (3 bytes, below 2 MiB), 16 bytes
 *                  (a FWCfgDmaAccess, or anything)
 *   kind % 6 == 4  DMA: the descriptor address (4 bytes) written to
 *                  0x514/0x518 as SeaBIOS does
 *   kind % 6 == 5  time: bit 6 of the byte presses the ACPI power button
 *                  (pc_power_button: the host's system_powerdown), then
 *                  the CPU runs (byte & 63) * 4096 instructions
 *                  (up to 0.26 s of guest time), timers firing on the way;
 *                  at most 1 M in all per input, so that an input stays
 *                  fast under the sanitizers (the PM timer's bit 23
 *                  changes every 2.34 s, and guest time goes on from one
 *                  input to the next: some inputs see it change)
 *
 * A port selector picks a port of the surface (or, for values past the
 * list, an offset into the PM or SMBus window where the guest put them).
 *
 * Properties, after every operation: the VM stops only with a power-off
 * or reset request (noted and cleared); unowned ports read all ones; the
 * shadow mode of every page of 0xC0000-0xFFFFF is what the PAM registers
 * say, and each access path agrees with it; fw_cfg's offset never passes
 * its item's end; the SCI (IRQ 9 at the slave 8259) is high exactly when
 * SCI_EN and an enabled PM1 or GPE status bit are set (ACPI 6.4 4.8.3).  At the end, every chipset device's state saves and
 * loads back to the same bytes. */
#include <stdbool.h>

#include "dev/fw_cfg.h"
#include "dev/piix3.h"
#include "dev/piix4_pm.h"
#include "fuzz.h"
#include "machine/vm.h"
#include "dev/pic.h"
#include "pc/pc.h"
#include "pc/pc_acpi.h"
#include "vm/iobus.h"

static struct pc *pc;

static const uint16_t ports[] = {
    0x510, 0x511, 0x512, 0x514, 0x515, 0x516, 0x517, 0x518, 0x519, 0x51B,
    0xCF8, 0xCF9, 0xCFC, 0xCFD, 0xCFE, 0xCFF, 0x4D0, 0x4D1, 0xB2, 0xB3,
    0xAFE0, 0xAFE1, 0xAFE2, 0xAFE3, 0xB000, 0xB004, 0xB008, 0xB100, 0xB102,
};

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
        .ram_mb = 2, .cpu_level = CPU_486, .bios_data = bios, .bios_size = sizeof(bios),
        .has_serial = true, .nographic = true, .icount = true, .icount_shift = 10,
    };
    char err[256];
    pc = pc_create(&cfg, err, sizeof(err));
    if (!pc)
        fuzz_fail("pc_create: %s", err);
}

static uint16_t pick_port(uint8_t sel)
{
    size_t n = sizeof(ports) / sizeof(ports[0]);
    if (sel < n)
        return ports[sel];
    sel = (uint8_t)(sel - n);
    if (sel & 0x80)
        return (uint16_t)(pc->pm->smb_io.base + (sel & 0x0F));
    return (uint16_t)(pc->pm->pm_io.base + (sel & 0x3F));
}

static unsigned pick_size(uint8_t s)
{
    return s % 3 == 0 ? 1 : s % 3 == 1 ? 2 : 4;
}

static bool unowned(const struct iobus *bus, uint16_t port, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        if (bus->owner[(uint16_t)(port + i)])
            return false;
    return true;
}

static void note_exit(struct vm *vm, const char *what)
{
    if (vm->exit_reason == VM_EXIT_NONE)
        return;
    FUZZ_CHECK(vm->exit_reason == VM_EXIT_POWEROFF || vm->exit_reason == VM_EXIT_RESET,
               "%s stopped the VM with %s", what, vm_exit_reason_name(vm->exit_reason));
    vm->exit_reason = VM_EXIT_NONE;
    vm->cpu.stop_request = false;
}

/* The PAM registers and the memory map agree, page by page. */
static void check_shadow(void)
{
    struct physmem *pm = &pc->vm->mem;
    const uint8_t *host = pc->pci->host.config;
    for (uint32_t p = 0xC0; p < 0x100; p++) {
        unsigned bits = p >= 0xF0 ? host[0x59] >> 4 : host[0x5A + (p - 0xC0) / 8] >> (p & 4);
        unsigned want = PHYS_SHADOW_ON | (bits & 1 ? PHYS_SHADOW_READ_RAM : 0) |
                        (bits & 2 ? PHYS_SHADOW_WRITE_RAM : 0);
        FUZZ_CHECK(pm->shadow[p] == want, "page %05x: shadow %x, PAM says %x", p << 12,
                   pm->shadow[p], want);
        uint32_t pa = p << 12;
        uint8_t *r = physmem_ptr(pm, pa, false), *w = physmem_ptr(pm, pa, true);
        FUZZ_CHECK((bits & 1) ? r == pm->ram + pa : r != pm->ram + pa,
                   "page %05x: read pointer against RE", pa);
        FUZZ_CHECK((bits & 2) ? w == pm->ram + pa : w == NULL,
                   "page %05x: write pointer against WE", pa);
    }
}

static void check_fw_cfg(void)
{
    const struct fw_cfg *f = pc->fw_cfg;
    const struct fw_cfg_item *it = fw_cfg_item(f, f->key);
    FUZZ_CHECK(f->offset <= (it && it->data ? it->len : 0), "fw_cfg offset %u past the item",
               f->offset);
}

/* The SCI's level from the PM1 and GPE0 registers as the guest reads
 * them, and the pin the board wired it to. */
static void check_sci(void)
{
    const struct piix4_pm *p = pc->pm;
    uint16_t sts = p->pm1_sts;   /* TMR_STS may be due and not latched yet */
    bool want = (p->pm1_cnt & PM1_SCI_EN) &&
                ((sts & p->pm1_en & (PM1_TMR_EN | PM1_GBL_EN | PM1_PWRBTN_EN | PM1_RTC_EN)) ||
                 (p->gpe_sts & p->gpe_en));
    if (!(p->pm1_en & PM1_TMR_EN))
        FUZZ_CHECK(p->sci_level == want, "SCI %d, the registers say %d", p->sci_level, want);
    /* A PIRQ the input routed to IRQ 9 drives the same 8259 input (the
     * last level written wins there, not a wired-OR): no check then. */
    for (unsigned i = 0; i < PIIX3_NUM_PIRQS; i++)
        if (piix3_pirq_route(pc->piix3, i) == PIIX4_PM_SCI_IRQ)
            return;
    FUZZ_CHECK(!p->sci_level || (pc->pic->chip[1].pins & 2),
               "the SCI is high and IRQ 9 is not");
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
    vm_reset(vm);
    vm->exit_reason = VM_EXIT_NONE;
    vm->cpu.stop_request = false;
    /* Windows where the port list expects them; the input may move them. */
    const uint32_t pmf = pci_bdf(0, PC_PIIX_SLOT, PC_PIIX_PM_FN);
    pci_config_write(pc->pci, pmf, PIIX4_PMBA, 0xB001, 4);
    pci_config_write(pc->pci, pmf, PIIX4_PMREGMISC, 1, 1);
    static const uint32_t fns[4] = { 0x0000, 0x0800, 0x0B00, 0x1000 };
    struct fz in = { data, size };
    uint64_t time_left = 1000000;
    while (fz_left(&in)) {
        uint8_t kind = fz_u8(&in);
        switch (kind % 6) {
        case 0: {
            uint16_t port = pick_port(fz_u8(&in));
            unsigned sz = pick_size(fz_u8(&in));
            iobus_out(&vm->io, port, fz_u32(&in), sz);
            note_exit(vm, "out");
            break;
        }
        case 1: {
            uint16_t port = pick_port(fz_u8(&in));
            unsigned sz = pick_size(fz_u8(&in));
            uint32_t v = iobus_in(&vm->io, port, sz);
            uint32_t ones = sz == 4 ? 0xFFFFFFFFu : (1u << (8 * sz)) - 1;
            FUZZ_CHECK(v <= ones, "in %04x/%u returned %#x", port, sz, v);
            if (unowned(&vm->io, port, sz))
                FUZZ_CHECK(v == ones, "unowned port %04x/%u read %#x", port, sz, v);
            break;
        }
        case 2: {
            uint32_t fn = fns[fz_u8(&in) & 3];
            uint8_t reg = fz_u8(&in);
            unsigned sz = pick_size(fz_u8(&in));
            pci_config_write(pc->pci, fn, reg, fz_u32(&in), sz);
            note_exit(vm, "config write");
            break;
        }
        case 3: {
            uint32_t pa = (fz_u8(&in) | fz_u8(&in) << 8 | (uint32_t)fz_u8(&in) << 16) &
                          ((2u << 20) - 1);
            uint8_t b[16];
            for (unsigned i = 0; i < sizeof(b); i++)
                b[i] = fz_u8(&in);
            phys_dma_write(&vm->mem, pa, b, sizeof(b));
            break;
        }
        case 4: {
            uint32_t at = fz_u32(&in);
            iobus_out(&vm->io, FW_CFG_DMA_PORT, 0, 4);
            iobus_out(&vm->io, FW_CFG_DMA_PORT + 4,
                      at >> 24 | (at >> 8 & 0xFF00) | (at << 8 & 0xFF0000) | at << 24, 4);
            break;
        }
        case 5: {
            uint8_t b = fz_u8(&in);
            if (b & 64)
                pc_power_button(pc);
            uint64_t steps = (uint64_t)(b & 63) * 4096;
            if (steps > time_left)
                steps = time_left;
            time_left -= steps;
            if (steps) {
                enum vm_exit_reason why = vm_run(vm, steps);
                FUZZ_CHECK(why == VM_EXIT_INSN_LIMIT || why == VM_EXIT_RESET ||
                               why == VM_EXIT_POWEROFF,
                           "a run of jmp $ ended with %s", vm_exit_reason_name(why));
                vm->exit_reason = VM_EXIT_NONE;
                vm->cpu.stop_request = false;
            }
            break;
        }
        }
        check_shadow();
        check_fw_cfg();
        check_sci();
    }
    round_trip(&pc->pci->dev);
    round_trip(&pc->piix3->dev);
    round_trip(&pc->pm->dev);
    round_trip(&pc->fw_cfg->dev);
    check_shadow();
    return 0;
}
