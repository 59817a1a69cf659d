/* The PIIX south bridge, fw_cfg and the NVRAM contents; see pc_chipset.h. */
#include "pc/pc_chipset.h"

#include <stdio.h>

#include "cpu/features.h"
#include "cpu/topo.h"
#include "dev/cmos.h"
#include "dev/fw_cfg.h"
#include "dev/pic.h"
#include "dev/piix3.h"
#include "dev/piix4_pm.h"
#include "machine/vm.h"
#include "pc/pc.h"
#include "pc/pc_acpi.h"
#include "pc/pc_apic.h"
#include "pc/pc_cmos.h"
#include "pc/pc_fw_cfg.h"

static uint64_t clock_now(void *opaque)
{
    return vm_now_ns(opaque);
}

int pc_add_chipset(struct pc *pc, const struct pc_config *cfg, char *err, size_t errlen)
{
    struct vm *vm = pc->vm;
    struct dev_clock clock = { .now_ns = clock_now, .opaque = vm };

    /* 00:01.0: the ISA bridge drives the PIC's inputs for the PIRQs. */
    struct irq_pin isa[PIIX3_ISA_IRQS];
    for (unsigned i = 0; i < PIIX3_ISA_IRQS; i++)
        isa[i] = pc_isa_irq(pc, i);
    pc->piix3 = piix3_create(isa);
    if (vm_add_device(vm, pc->piix3 ? &pc->piix3->dev : NULL, err, errlen) < 0)
        return -1;
    if (pci_register(pc->pci, &pc->piix3->fn, PC_PIIX_SLOT, 0, (struct irq_pin){ 0 }) < 0) {
        snprintf(err, errlen, "PCI slot 00:%02x.0 is taken", PC_PIIX_SLOT);
        return -1;
    }

    /* 00:01.3: ACPI; its SCI is IRQ 9 directly. */
    pc->pm = piix4_pm_create(pc->pci, PC_PIIX_SLOT, PC_PIIX_PM_FN, clock, &vm->sched,
                             pc_isa_irq(pc, PIIX4_PM_SCI_IRQ), pc_poweroff_request(vm));
    if (vm_add_device(vm, pc->pm ? &pc->pm->dev : NULL, err, errlen) < 0)
        return -1;

    /* fw_cfg, its DMA limited to RAM. */
    pc->fw_cfg = fw_cfg_create(pc_guest_mem(vm), vm->mem.ram_size);
    if (vm_add_device(vm, pc->fw_cfg ? &pc->fw_cfg->dev : NULL, err, errlen) < 0)
        return -1;
    /* -smp: as QEMU, fw_cfg and CMOS 0x5F tell the firmware how many CPUs
     * to wake (SeaBIOS's smp_setup). */
    unsigned cpus = vm->ncpus;
    if (pc_fw_cfg_fill(pc->fw_cfg, cfg, vm->mem.ram_size, cpus,
                       cpu_topo_apic_id_limit(&vm->topo), err, errlen) < 0)
        return -1;
    /* The ACPI tables, for SeaBIOS's table-loader (pc_acpi.h). */
    if (pc_acpi_init(pc, cfg, err, errlen) < 0)
        return -1;

    return pc_cmos_init(pc->cmos, vm->mem.ram_size, cpus, cpu_has_fpu(&vm->cpu),
                        cfg->boot_once ? cfg->boot_once : cfg->boot_order, err, errlen);
}

int pc_chipset_after_reset(struct pc *pc, const struct pc_config *cfg, bool first,
                           char *err, size_t errlen)
{
    if (cfg->boot_once && !first &&
        pc_cmos_boot_order(pc->cmos, cfg->boot_order ? cfg->boot_order : PC_DEFAULT_BOOT_ORDER,
                           err, errlen) < 0)
        return -1;
    if (cfg->kernel_path || cfg->kernel_data) {
        /* PAM0-PAM6: every segment read and written in RAM (RE|WE). */
        uint32_t host = pci_bdf(0, 0, 0);
        pci_config_write(pc->pci, host, 0x59, 0x30, 1);
        for (unsigned reg = 0x5A; reg <= 0x5F; reg++)
            pci_config_write(pc->pci, host, reg, 0x33, 1);
    }
    return 0;
}
