/* The board's ACPI (issue 19; docs/acpi.md): its tables (acpi_tables.h)
 * handed to SeaBIOS through fw_cfg as QEMU does, or placed in RAM for a
 * -kernel boot, the PIIX4 PM block where firmware puts it, and the power
 * button. */
#ifndef PLEX86_PC_PC_ACPI_H
#define PLEX86_PC_PC_ACPI_H

#include <stddef.h>
#include <stdint.h>

#include "dev/signals.h"

struct pc;
struct pc_config;

/* Where the PM block (PMBA) and the SMBus (SMBBA) are: SeaBIOS moves them
 * there when fw_cfg has "etc/table-loader" (src/fw/paravirt.c: "Moving
 * pm_base to 0x600"; the SMBus 0x100 above it), and the -kernel setup does
 * the same, so the FADT's addresses are right in both boots. */
#define PC_ACPI_PM_BASE 0x600
#define PC_ACPI_SMB_BASE 0x700

/* -kernel: the RSDP at the start of the F segment, where the OS's scan of
 * 0xE0000-0xFFFFF finds it, then the tables, all in the BIOS area the
 * e820 map reserves (linux_boot.c, multiboot.c). */
#define PC_ACPI_KERNEL_RSDP 0xF0000u
#define PC_ACPI_KERNEL_TABLES 0xF0040u
#define PC_ACPI_KERNEL_END 0x100000u

/* Builds the tables for `cfg` and adds "etc/acpi/tables", "etc/acpi/rsdp"
 * and "etc/table-loader" to the board's fw_cfg.  Returns 0, or -1 with a
 * line in `err`. */
int pc_acpi_init(struct pc *pc, const struct pc_config *cfg, char *err, size_t errlen);

/* What firmware would have done, for a -kernel boot: the PM function's
 * PMBA, SMBus and interrupt line as SeaBIOS programs them, and the tables
 * linked at PC_ACPI_KERNEL_RSDP/_TABLES in RAM.  Returns the RSDP's
 * address (for boot_params.acpi_rsdp_addr), or 0 when there are none. */
uint32_t pc_acpi_firmware_setup(struct pc *pc);

/* Presses the ACPI power button (PM1 PWRBTN_STS, the SCI if enabled), as
 * QEMU's system_powerdown; an ACPI guest then powers off if its user space
 * handles the event.  pc_power_button_request is the same as a board line
 * a host frontend fires (e.g. its window is closed). */
void pc_power_button(struct pc *pc);
struct signal_request pc_power_button_request(struct pc *pc);

#endif
