/* The board's ACPI; see pc_acpi.h. */
#include "pc/pc_acpi.h"

#include <stdio.h>
#include <stdlib.h>

#include "dev/fw_cfg.h"
#include "dev/pci.h"
#include "dev/piix4_pm.h"
#include "machine/vm.h"
#include "pc/acpi_tables.h"
#include "pc/boot_util.h"
#include "pc/pc.h"
#include "pc/pc_platform.h"

_Static_assert(PC_ACPI_KERNEL_RSDP + 20 <= PC_ACPI_KERNEL_TABLES &&
                   PC_ACPI_KERNEL_TABLES % 64 == 0,
               "the RSDP (revision 0) fits before the tables, which the FACS aligns");

int pc_acpi_init(struct pc *pc, const struct pc_config *cfg, char *err, size_t errlen)
{
    uint8_t apic_ids[PC_MAX_CPUS] = { 0 };
    for (unsigned i = 0; i < pc->vm->ncpus && i < PC_MAX_CPUS; i++)
        apic_ids[i] = pc->vm->cpus[i]->apic_id;
    struct acpi_config c = {
        .cpus = cfg->cpus ? cfg->cpus : 1,
        .apic_ids = apic_ids,
        .apic = cfg->apic,
        .com1 = cfg->has_serial,
        .pci_start = pc->vm->mem.ram_size,
        .pm_base = PC_ACPI_PM_BASE,
    };
    if (c.cpus > PC_MAX_CPUS) {
        snprintf(err, errlen, "ACPI: %u CPUs, more than %u", c.cpus, PC_MAX_CPUS);
        return -1;
    }
    pc->acpi = calloc(1, sizeof(*pc->acpi));
    if (!pc->acpi || acpi_build_tables(&c, pc->acpi) < 0) {
        free(pc->acpi);
        pc->acpi = NULL;
        snprintf(err, errlen, "ACPI: out of memory for the tables");
        return -1;
    }
    /* The frontends' power button (a closed window) is the PM1 one. */
    pc->power_button = pc_power_button_request(pc);
    const struct acpi_tables *t = pc->acpi;
    if (PC_ACPI_KERNEL_TABLES + t->tables_used > PC_ACPI_KERNEL_END) {
        snprintf(err, errlen, "ACPI: the tables (%zu bytes) do not fit in the F segment",
                 t->tables_used);
        return -1;
    }
    if (fw_cfg_add_file(pc->fw_cfg, ACPI_FILE_TABLES, t->tables.data, t->tables.len) < 0 ||
        fw_cfg_add_file(pc->fw_cfg, ACPI_FILE_RSDP, t->rsdp.data, t->rsdp.len) < 0 ||
        fw_cfg_add_file(pc->fw_cfg, ACPI_FILE_LOADER, t->loader.data, t->loader.len) < 0) {
        snprintf(err, errlen, "fw_cfg: no room for the ACPI tables");
        return -1;
    }
    return 0;
}

/* SeaBIOS's piix4_pm_config_setup (src/fw/pciinit.c) with its pm_base of
 * 0x600: the SCI's interrupt line, the PM block and the SMBus enabled. */
static void pm_setup(struct pc *pc)
{
    uint32_t bdf = pci_bdf(0, PC_PIIX_SLOT, PC_PIIX_PM_FN);
    pci_config_write(pc->pci, bdf, PCI_INTERRUPT_LINE, PIIX4_PM_SCI_IRQ, 1);
    pci_config_write(pc->pci, bdf, PIIX4_PMBA, PC_ACPI_PM_BASE | 1, 4);
    pci_config_write(pc->pci, bdf, PIIX4_PMREGMISC, 0x01, 1);
    pci_config_write(pc->pci, bdf, PIIX4_SMBBA, PC_ACPI_SMB_BASE | 1, 4);
    pci_config_write(pc->pci, bdf, PIIX4_SMBHSTCFG, 0x09, 1);
}

uint32_t pc_acpi_firmware_setup(struct pc *pc)
{
    if (pc->pm)
        pm_setup(pc);
    const struct acpi_tables *t = pc->acpi;
    if (!t)
        return 0;
    /* pc_acpi_init made sure the tables fit (PC_ACPI_KERNEL_END); the
     * linker cannot fail on the commands acpi_tables.c wrote. */
    uint8_t *rsdp = malloc(t->rsdp.len), *tables = malloc(t->tables.len);
    char err[128];
    uint32_t at = 0;
    if (rsdp && tables && PC_ACPI_KERNEL_TABLES + t->tables_used <= PC_ACPI_KERNEL_END &&
        acpi_tables_link(t, PC_ACPI_KERNEL_RSDP, PC_ACPI_KERNEL_TABLES, rsdp, tables, err,
                         sizeof(err)) == 0) {
        boot_put_ram(&pc->vm->mem, PC_ACPI_KERNEL_RSDP, rsdp, t->rsdp.len);
        /* The tables without the padding (which only the firmware's copy
         * has): the F segment holds them. */
        boot_put_ram(&pc->vm->mem, PC_ACPI_KERNEL_TABLES, tables, t->tables_used);
        at = PC_ACPI_KERNEL_RSDP;
    }
    free(rsdp);
    free(tables);
    return at;
}

void pc_power_button(struct pc *pc)
{
    if (pc->pm)
        piix4_pm_power_button(pc->pm);
}

static void fire_power_button(void *opaque, uint32_t value)
{
    pc_power_button(opaque);
}

struct signal_request pc_power_button_request(struct pc *pc)
{
    return (struct signal_request){ .fire = fire_power_button, .opaque = pc };
}
